import WebSocket from "ws";
import { z } from "zod";
import { ApiError, ConfigError } from "../../errors.ts";
import { LoginExResult, RpcFrame, type RpcErrorData } from "./truenas-schemas.ts";

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

/**
 * One JSON-RPC 2.0 session over a WebSocket to TrueNAS (`/api/current`): the transport, the API-key login and
 * the version read after it, call ids, timeouts and error mapping. The API (`truenas-client.ts`) is built on it.
 */
export class TrueNasSession {
  readonly #opts: TrueNasClientOptions;
  readonly #url: URL;
  readonly #onLogin: ((version: string) => void) | undefined;
  #ws: WebSocket | undefined;
  #connecting: Promise<void> | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #version: string | undefined;

  /** `onLogin`: called after each login with `system.version_short` ("" when it could not be read). */
  constructor(opts: TrueNasClientOptions, onLogin?: (version: string) => void) {
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
    this.#onLogin = onLogin;
  }

  /** `system.version_short` as reported at login, e.g. "25.10.0". */
  get version(): string | undefined {
    return this.#version;
  }

  /** Opens the socket, logs in with the API key and reads the version. Idempotent while connected. */
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
        reject(this.error("connect", reason, true));
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
    throw this.error(method, reason, false, 401);
  }

  /** Reads `system.version_short` after the login and tells the API (which picks its methods by version). */
  async #detect(signal: AbortSignal | undefined): Promise<void> {
    let v = "";
    try {
      v = z.string().parse(await this.#send("system.version_short", [], { signal }));
    } catch (err) {
      if (!(err instanceof TrueNasCallError)) throw err; // e.g. a role without system.version_short: guess 25.10+
    }
    this.#version = v || undefined;
    this.#onLogin?.(v);
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
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(this.error(method, "not connected", true));
    if (o.signal?.aborted) return Promise.reject(this.error(method, "aborted", false));
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
        reject(this.error(method, `timed out after ${timeoutMs} ms`, true));
      }, timeoutMs);
      const onAbort = () => {
        done();
        reject(this.error(method, "aborted", false));
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
      if (p.ws === ws) p.reject(this.error(p.method, "connection closed", true));
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

  /** An ApiError for `method`, with the key scrubbed from its reason, reported to `onError`. */
  error(method: string, reason: string, retryable: boolean, status?: number): ApiError {
    const err = new ApiError("truenas", status, method, PATH, this.#scrub(reason), { retryable });
    this.#opts.onError?.(err);
    return err;
  }

  /** Calls `method` and parses its result with `schema`; an unexpected shape is a non-retryable ApiError. */
  async parse<S extends z.ZodType>(method: string, params: unknown[], schema: S, o: CallOptions): Promise<z.output<S>> {
    const res = schema.safeParse(await this.call(method, params, o));
    if (res.success) return res.data;
    const issue = res.error.issues[0];
    throw this.error(method, `unexpected response shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`, false);
  }
}
