import WebSocket from "ws";
import { z } from "zod";
import { ApiError, ConfigError, UserError } from "../errors.ts";
import {
  Dataset,
  DirEntry,
  Job,
  LoginExResult,
  RpcFrame,
  type RpcErrorData,
  Snapshot,
  Stat,
  TERMINAL_JOB_STATES,
} from "./truenas-schemas.ts";
import { sleep } from "../sleep.ts";
import { truenasVersion, type SystemVersion } from "./system-version.ts";

export type { Dataset, DirEntry, Job, Snapshot, Stat } from "./truenas-schemas.ts";

const PATH = "/api/current";

export interface TrueNasClientOptions {
  /** `wss://host/api/current`; `ws://` is only accepted to a loopback host (127.0.0.0/8, ::1, localhost). */
  url: string;
  /** `<id>-<secret>`. Never logged, never put into an error. */
  apiKey: string;
  /**
   * The user the API key belongs to (25.04+ keys are user-linked): with it the login is `auth.login_ex`
   * (API_KEY_PLAIN); without it, or on 24.10 (no login_ex), the legacy `auth.login_with_api_key`.
   */
  username?: string | undefined;
  /** Per-call timeout in ms; default 15 000. */
  timeoutMs?: number | undefined;
  /** PEM CA bundle for a lab CA. TLS verification is never turned off. */
  caPem?: string | undefined;
  /** Called once per failed call, for metrics. */
  onError?: ((err: ApiError) => void) | undefined;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** A JSON-RPC error from TrueNAS: the ApiError plus the middleware's errno name, code and validation triples. */
export class TrueNasCallError extends ApiError {
  override name = "TrueNasCallError";
  constructor(
    method: string,
    readonly code: number,
    readonly errname: string | undefined,
    readonly extra: unknown[] | null | undefined,
    reason: string,
  ) {
    super("truenas", statusOf(code, errname), method, PATH, reason, { retryable: code === -32000 });
  }
}

/** HTTP-like status for a JSON-RPC error, so `retryable`/`userMessage` read the same as for the REST clients. */
function statusOf(code: number, errname: string | undefined): number {
  if (code === -32000) return 429;
  if (code === -32603) return 500;
  if (code === -32601) return 501;
  if (code === -32602) return 422;
  if (errname === "ENOTAUTHENTICATED") return 401;
  if (errname === "EACCES" || errname === "EPERM") return 403;
  if (errname === "ENOENT") return 404;
  if (errname === "EEXIST" || errname === "ENOTEMPTY" || errname === "EBUSY") return 409;
  return 400;
}

interface Pending {
  ws: WebSocket;
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|\[?::1\]?|localhost)$/i;
const SNAPSHOT_NAME = /^[A-Za-z0-9_.:-]+$/;

/** JSON-RPC 2.0 over WebSocket client for TrueNAS SCALE 25.04 / 25.10 (`/api/current`). */
export class TrueNasClient {
  readonly #opts: TrueNasClientOptions;
  readonly #url: URL;
  #ws: WebSocket | undefined;
  #connecting: Promise<void> | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #snapshotNs: "pool.snapshot" | "zfs.snapshot" = "pool.snapshot";
  #version: string | undefined;

  constructor(opts: TrueNasClientOptions) {
    const problems: string[] = [];
    let url: URL | undefined;
    try {
      url = new URL(opts.url);
    } catch {
      problems.push("truenas.url: not a valid URL");
    }
    if (url && url.protocol !== "wss:" && url.protocol !== "ws:") problems.push("truenas.url: must start with wss://");
    if (url?.protocol === "ws:" && !LOOPBACK.test(url.hostname)) {
      problems.push(
        "truenas.url: plain ws:// to a non-loopback host is refused, because TrueNAS permanently revokes an API key " +
          "used over an insecure transport; use wss://",
      );
    }
    if (!/^\d+-\S+$/.test(opts.apiKey)) problems.push("truenas.apiKey: must look like <id>-<secret>");
    if (problems.length > 0 || !url) throw new ConfigError(problems);
    this.#opts = opts;
    this.#url = url;
  }

  /** Snapshot namespace detected at login: `pool.snapshot` (25.10+) or `zfs.snapshot` (25.04). */
  get snapshotNamespace(): "pool.snapshot" | "zfs.snapshot" {
    return this.#snapshotNs;
  }

  /** `system.version_short` as reported at login, e.g. "25.10.0". */
  get version(): string | undefined {
    return this.#version;
  }

  /** Connects (logging in) and classifies `system.version_short`: SCALE 24.10, 25.04 and 25.10 are supported. */
  async detectVersion(o: { signal?: AbortSignal | undefined } = {}): Promise<SystemVersion> {
    await this.connect(o);
    return truenasVersion(this.#version ?? "");
  }

  /** Opens the socket, logs in with the API key and detects the snapshot method. Idempotent while connected. */
  connect(o: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    if (this.#ws?.readyState === WebSocket.OPEN && !this.#connecting) return Promise.resolve();
    this.#connecting ??= this.#open(o.signal).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Closes the socket; pending calls fail with a retryable ApiError. */
  async close(): Promise<void> {
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once("close", () => resolve());
      ws.close(1000);
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1_000).unref();
    });
  }

  async #open(signal: AbortSignal | undefined): Promise<void> {
    const ws = new WebSocket(this.#url, {
      handshakeTimeout: this.#opts.timeoutMs ?? 15_000,
      ...(this.#opts.caPem ? { ca: this.#opts.caPem } : {}),
    });
    this.#ws = ws;
    ws.on("message", (data) => this.#onMessage(data.toString()));
    ws.on("close", () => this.#onClose(ws));
    ws.on("error", () => undefined); // surfaced through "close" and the open promise
    await new Promise<void>((resolve, reject) => {
      const fail = (reason: string) => {
        ws.terminate();
        reject(this.#error("connect", reason, true));
      };
      const onAbort = () => fail("aborted");
      ws.once("open", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      ws.once("error", (err) => fail((err as NodeJS.ErrnoException).code ?? "connection failed"));
      ws.once("unexpected-response", (_req, res) => fail(`HTTP ${res.statusCode} on WebSocket upgrade`));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await this.#login(signal);
      await this.#detect(signal);
    } catch (err) {
      ws.terminate();
      if (this.#ws === ws) this.#ws = undefined;
      throw err;
    }
  }

  async #login(signal: AbortSignal | undefined): Promise<void> {
    const key = this.#opts.apiKey;
    const username = this.#opts.username;
    let type: string | undefined;
    let method = "auth.login_ex";
    if (username) {
      try {
        const res = LoginExResult.parse(
          await this.#send("auth.login_ex", [{ mechanism: "API_KEY_PLAIN", username, api_key: key, login_options: { user_info: false } }], { signal }),
        );
        type = res.response_type;
      } catch (err) {
        if (!(err instanceof TrueNasCallError) || err.code !== -32601) throw err;
        // 24.10 has no auth.login_ex (and its keys belong to no user): the legacy boolean login.
      }
    }
    if (type === undefined) {
      method = "auth.login_with_api_key";
      type = (await this.#send(method, [key], { signal })) === true ? "SUCCESS" : "AUTH_ERR";
    }
    if (type === "SUCCESS") return;
    const reason =
      type === "EXPIRED"
        ? "TrueNAS reports the API key as expired or revoked (EXPIRED); a key used once over plain ws:// or http:// is revoked for good, so create a new one"
        : type !== "AUTH_ERR"
          ? `TrueNAS did not accept the API key login (${type})`
          : username
            ? `TrueNAS rejected the API key for user "${username}" (AUTH_ERR): an API key belongs to one user, so TRUENAS_USERNAME must name the user the key was created for, and the key must be valid`
            : "TrueNAS rejected the API key (AUTH_ERR). On TrueNAS 25.04+ an API key belongs to a user: set TRUENAS_USERNAME to that user's name";
    throw this.#error(method, reason, false, 401);
  }

  /** 25.10 made `zfs.snapshot.*` private and added `pool.snapshot.create`; pick by version. */
  async #detect(signal: AbortSignal | undefined): Promise<void> {
    let v = "";
    try {
      v = z.string().parse(await this.#send("system.version_short", [], { signal }));
    } catch (err) {
      if (!(err instanceof TrueNasCallError)) throw err; // e.g. a role without system.version_short: guess 25.10+
    }
    this.#version = v || undefined;
    const m = /(\d+)\.(\d+)/.exec(v);
    const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [99, 0];
    this.#snapshotNs = major > 25 || (major === 25 && minor >= 10) ? "pool.snapshot" : "zfs.snapshot";
  }

  /**
   * Calls a JSON-RPC method (connecting and logging in first if needed) and returns its `result`.
   * Not retried here: the caller knows whether the method is idempotent.
   * Errors: TrueNasCallError for JSON-RPC errors; a retryable ApiError on timeout or a dropped socket.
   */
  async call<T = unknown>(method: string, params: unknown[], o: CallOptions = {}): Promise<T> {
    await this.connect({ signal: o.signal });
    return (await this.#send(method, params, o)) as T;
  }

  #send(method: string, params: unknown[], o: CallOptions): Promise<unknown> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(this.#error(method, "not connected", true));
    if (o.signal?.aborted) return Promise.reject(this.#error(method, "aborted", false));
    const id = this.#nextId++;
    const timeoutMs = o.timeoutMs ?? this.#opts.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        this.#pending.delete(id);
      };
      const timer = setTimeout(() => {
        done();
        reject(this.#error(method, `timed out after ${timeoutMs} ms`, true));
      }, timeoutMs);
      const onAbort = () => {
        done();
        reject(this.#error(method, "aborted", false));
      };
      o.signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        ws,
        method,
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
      ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  #onMessage(text: string): void {
    let frame: z.infer<typeof RpcFrame>;
    try {
      frame = RpcFrame.parse(JSON.parse(text));
    } catch {
      return; // not a frame we understand; the pending call will time out
    }
    if (typeof frame.id !== "number") return; // notifications (collection_update) are not used yet
    const p = this.#pending.get(frame.id);
    if (!p) return;
    if (frame.error) {
      const { code, message, data } = frame.error;
      const err = new TrueNasCallError(p.method, code, data?.errname ?? undefined, data?.extra, this.#reasonOf(message, data));
      this.#opts.onError?.(err);
      p.reject(err);
    } else {
      p.resolve(frame.result);
    }
  }

  #onClose(ws: WebSocket): void {
    if (this.#ws === ws) this.#ws = undefined;
    for (const p of [...this.#pending.values()]) {
      if (p.ws === ws) p.reject(this.#error(p.method, "connection closed", true));
    }
  }

  #reasonOf(message: string, data: RpcErrorData | undefined): string {
    const parts = [data?.errname, data?.reason ?? message].filter(Boolean).join(": ");
    const extra = (data?.extra ?? [])
      .filter((t): t is unknown[] => Array.isArray(t))
      .map((t) => `${String(t[0])}: ${String(t[1])}`);
    return this.#scrub([parts || message, ...extra].join("; "));
  }

  #scrub(s: string): string {
    return s.split(this.#opts.apiKey).join("***");
  }

  #error(method: string, reason: string, retryable: boolean, status?: number): ApiError {
    const err = new ApiError("truenas", status, method, PATH, this.#scrub(reason), { retryable });
    this.#opts.onError?.(err);
    return err;
  }

  async #parse<S extends z.ZodType>(method: string, params: unknown[], schema: S, o: CallOptions): Promise<z.output<S>> {
    const res = schema.safeParse(await this.call(method, params, o));
    if (res.success) return res.data;
    const issue = res.error.issues[0];
    throw this.#error(method, `unexpected response shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`, false);
  }

  /** `filesystem.listdir [path, filters, {}]`: entries of a directory. Read-only. `type` filters on entry type. */
  listdir(path: string, o: CallOptions & { type?: DirEntry["type"] | undefined } = {}): Promise<DirEntry[]> {
    const filters = o.type ? [["type", "=", o.type]] : [];
    return this.#parse("filesystem.listdir", [path, filters, {}], z.array(DirEntry), o);
  }

  /** `filesystem.stat [path]`: undefined when the path does not exist (ENOENT). Read-only; times in seconds. */
  async stat(path: string, o: CallOptions = {}): Promise<Stat | undefined> {
    try {
      return await this.#parse("filesystem.stat", [path], Stat, o);
    } catch (err) {
      if (err instanceof TrueNasCallError && err.errname === "ENOENT") return undefined;
      throw err;
    }
  }

  /** `pool.dataset.query [[["id","=",id]], {}]`: one dataset or undefined. Read-only. */
  async datasetQuery(id: string, o: CallOptions = {}): Promise<Dataset | undefined> {
    const list = await this.#parse("pool.dataset.query", [[["id", "=", id]], {}], z.array(Dataset), o);
    return list[0];
  }

  /** Direct child datasets of `parentId` (`pool.dataset.query` with an id prefix filter). Read-only. */
  async childDatasets(parentId: string, o: CallOptions = {}): Promise<Dataset[]> {
    const prefix = `${parentId}/`;
    const list = await this.#parse("pool.dataset.query", [[["id", "^", prefix]], { extra: { flat: true } }], z.array(Dataset), o);
    return list.filter((d) => !d.id.slice(prefix.length).includes("/"));
  }

  /**
   * Snapshot `dataset@name` with `pool.snapshot.create` (25.10+) or `zfs.snapshot.create` (25.04).
   * NOT idempotent: a second call with the same name fails with EEXIST (409).
   */
  async createSnapshot(dataset: string, name: string, o: CallOptions & { recursive?: boolean | undefined } = {}): Promise<Snapshot> {
    if (!SNAPSHOT_NAME.test(name)) {
      throw new UserError("truenas_snapshot_name", `\`${name}\` is not a valid ZFS snapshot name (use letters, digits, _ . : -).`);
    }
    await this.connect({ signal: o.signal });
    const body = [{ dataset, name, recursive: o.recursive ?? false }];
    try {
      return await this.#parse(`${this.#snapshotNs}.create`, body, Snapshot, o);
    } catch (err) {
      // -32601 means nothing ran: the version guess was wrong (e.g. an unparsable version string), so switch once.
      if (!(err instanceof TrueNasCallError) || err.code !== -32601) throw err;
      this.#snapshotNs = this.#snapshotNs === "pool.snapshot" ? "zfs.snapshot" : "pool.snapshot";
      return this.#parse(`${this.#snapshotNs}.create`, body, Snapshot, o);
    }
  }

  /** Snapshots of one dataset (`pool.snapshot.query` / `zfs.snapshot.query`). Read-only. */
  async listSnapshots(dataset: string, o: CallOptions = {}): Promise<Snapshot[]> {
    await this.connect({ signal: o.signal });
    return this.#parse(`${this.#snapshotNs}.query`, [[["dataset", "=", dataset]], {}], z.array(Snapshot), o);
  }

  /** Deletes snapshot `id` ("pool/ds@name"). Idempotent: false when it was already gone. */
  async deleteSnapshot(id: string, o: CallOptions = {}): Promise<boolean> {
    await this.connect({ signal: o.signal });
    return this.#notFoundIsFalse(() => this.#parse(`${this.#snapshotNs}.delete`, [id], z.literal(true), o));
  }

  /**
   * Rolls dataset back to snapshot `id` (`pool.snapshot.rollback` / `zfs.snapshot.rollback`): restores deleted plain folders.
   * `recursive` destroys newer snapshots, which ZFS otherwise refuses. Destructive for changes made since.
   */
  async rollbackSnapshot(id: string, o: CallOptions & { recursive?: boolean | undefined } = {}): Promise<void> {
    await this.connect({ signal: o.signal });
    await this.call(`${this.#snapshotNs}.rollback`, [id, { recursive: o.recursive ?? false }], o);
  }

  /** `pool.dataset.create [{name, type: "FILESYSTEM"}]`. NOT idempotent (EEXIST when it exists). */
  createDataset(name: string, o: CallOptions = {}): Promise<Dataset> {
    return this.#parse("pool.dataset.create", [{ name, type: "FILESYSTEM" }], Dataset, o);
  }

  /**
   * `pool.dataset.delete [id, {recursive, force}]` (not a job). Destroys the dataset's snapshots too.
   * Idempotent: false when the dataset was already gone.
   */
  deleteDataset(id: string, o: CallOptions & { recursive?: boolean | undefined; force?: boolean | undefined } = {}): Promise<boolean> {
    const body = [id, { recursive: o.recursive ?? false, force: o.force ?? false }];
    // 25.04+ answers null for a dataset deleted (the method's result type is None); 24.10 answered true.
    return this.#notFoundIsFalse(async () => (await this.#parse("pool.dataset.delete", body, z.union([z.literal(true), z.null()]), o), true));
  }

  /**
   * `pool.dataset.rename [id, {new_name, force}]`: moves a dataset (its snapshots travel with it).
   * The API refuses without `force` (it unmounts and remounts), so `force` defaults to true. NOT idempotent.
   */
  async renameDataset(id: string, newName: string, o: CallOptions & { force?: boolean | undefined } = {}): Promise<void> {
    await this.call("pool.dataset.rename", [id, { new_name: newName, force: o.force ?? true }], o);
  }

  /** `core.get_jobs [[["id","=",id]], {"get": true}]`. Read-only. */
  getJob(id: number, o: CallOptions = {}): Promise<Job> {
    return this.#parse("core.get_jobs", [[["id", "=", id]], { get: true }], Job, o);
  }

  /** Polls `core.get_jobs` every `intervalMs` (default 1000) until SUCCESS, FAILED or ABORTED; returns the job. */
  async waitForJob(id: number, o: { signal?: AbortSignal | undefined; intervalMs?: number | undefined; timeoutMs?: number | undefined } = {}): Promise<Job> {
    const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const job = await this.getJob(id, { signal: o.signal });
      if (TERMINAL_JOB_STATES.has(job.state)) return job;
      if (Date.now() >= deadline) throw this.#error("core.get_jobs", `job ${id} still ${job.state} at the deadline`, true);
      await sleep(o.intervalMs ?? 1_000, o.signal);
      if (o.signal?.aborted) throw this.#error("core.get_jobs", "aborted", false);
    }
  }

  async #notFoundIsFalse(fn: () => Promise<true>): Promise<boolean> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TrueNasCallError && err.errname === "ENOENT") return false;
      throw err;
    }
  }
}

