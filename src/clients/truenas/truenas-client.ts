import { z } from "zod";
import { UserError } from "../../errors.ts";
import { sleep } from "../../sleep.ts";
import { truenasVersion, type SystemVersion } from "../system-version.ts";
import { TrueNasCallError, TrueNasSession, type CallOptions, type TrueNasClientOptions } from "./rpc-session.ts";
import { Dataset, DirEntry, Job, Snapshot, Stat, TERMINAL_JOB_STATES } from "./truenas-schemas.ts";

export type { Dataset, DirEntry, Job, Snapshot, Stat } from "./truenas-schemas.ts";
export { TrueNasCallError, type CallOptions, type TrueNasClientOptions };

const SNAPSHOT_NAME = /^[A-Za-z0-9_.:-]+$/;

/** The TrueNAS SCALE API labops uses (24.10, 25.04, 25.10), one method per call, over one JSON-RPC session. */
export class TrueNasClient {
  readonly #session: TrueNasSession;
  #snapshotNs: "pool.snapshot" | "zfs.snapshot" = "pool.snapshot";

  constructor(opts: TrueNasClientOptions) {
    // 25.10 made `zfs.snapshot.*` private and added `pool.snapshot.create`: picked by version at each login.
    this.#session = new TrueNasSession(opts, (v) => {
      const m = /(\d+)\.(\d+)/.exec(v);
      const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [99, 0];
      this.#snapshotNs = major > 25 || (major === 25 && minor >= 10) ? "pool.snapshot" : "zfs.snapshot";
    });
  }

  /** Snapshot namespace detected at login: `pool.snapshot` (25.10+) or `zfs.snapshot` (25.04). */
  get snapshotNamespace(): "pool.snapshot" | "zfs.snapshot" {
    return this.#snapshotNs;
  }

  /** `system.version_short` as reported at login, e.g. "25.10.0". */
  get version(): string | undefined {
    return this.#session.version;
  }

  /** Connects (logging in) and classifies `system.version_short`: SCALE 24.10, 25.04 and 25.10 are supported. */
  async detectVersion(o: { signal?: AbortSignal | undefined } = {}): Promise<SystemVersion> {
    await this.#session.connect(o);
    return truenasVersion(this.#session.version ?? "");
  }

  /** Opens the socket, logs in with the API key and detects the snapshot method. Idempotent while connected. */
  connect(o: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return this.#session.connect(o);
  }

  /** Closes the socket; pending calls fail with a retryable ApiError. */
  close(): Promise<void> {
    return this.#session.close();
  }

  /**
   * Calls a JSON-RPC method (connecting and logging in first if needed) and returns its `result`.
   * Not retried here: the caller knows whether the method is idempotent.
   */
  call<T = unknown>(method: string, params: unknown[], o: CallOptions = {}): Promise<T> {
    return this.#session.call<T>(method, params, o);
  }

  /** `filesystem.listdir [path, filters, {}]`: entries of a directory. Read-only. `type` filters on entry type. */
  listdir(path: string, o: CallOptions & { type?: DirEntry["type"] | undefined } = {}): Promise<DirEntry[]> {
    const filters = o.type ? [["type", "=", o.type]] : [];
    return this.#session.parse("filesystem.listdir", [path, filters, {}], z.array(DirEntry), o);
  }

  /** `filesystem.stat [path]`: undefined when the path does not exist (ENOENT). Read-only; times in seconds. */
  async stat(path: string, o: CallOptions = {}): Promise<Stat | undefined> {
    try {
      return await this.#session.parse("filesystem.stat", [path], Stat, o);
    } catch (err) {
      if (err instanceof TrueNasCallError && err.errname === "ENOENT") return undefined;
      throw err;
    }
  }

  /** `pool.dataset.query [[["id","=",id]], {}]`: one dataset or undefined. Read-only. */
  async datasetQuery(id: string, o: CallOptions = {}): Promise<Dataset | undefined> {
    const list = await this.#session.parse("pool.dataset.query", [[["id", "=", id]], {}], z.array(Dataset), o);
    return list[0];
  }

  /** Direct child datasets of `parentId` (`pool.dataset.query` with an id prefix filter). Read-only. */
  async childDatasets(parentId: string, o: CallOptions = {}): Promise<Dataset[]> {
    const prefix = `${parentId}/`;
    const list = await this.#session.parse("pool.dataset.query", [[["id", "^", prefix]], { extra: { flat: true } }], z.array(Dataset), o);
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
    await this.#session.connect({ signal: o.signal });
    const body = [{ dataset, name, recursive: o.recursive ?? false }];
    try {
      return await this.#session.parse(`${this.#snapshotNs}.create`, body, Snapshot, o);
    } catch (err) {
      // -32601 means nothing ran: the version guess was wrong (e.g. an unparsable version string), so switch once.
      if (!(err instanceof TrueNasCallError) || err.code !== -32601) throw err;
      this.#snapshotNs = this.#snapshotNs === "pool.snapshot" ? "zfs.snapshot" : "pool.snapshot";
      return this.#session.parse(`${this.#snapshotNs}.create`, body, Snapshot, o);
    }
  }

  /** Snapshots of one dataset (`pool.snapshot.query` / `zfs.snapshot.query`). Read-only. */
  async listSnapshots(dataset: string, o: CallOptions = {}): Promise<Snapshot[]> {
    await this.#session.connect({ signal: o.signal });
    return this.#session.parse(`${this.#snapshotNs}.query`, [[["dataset", "=", dataset]], {}], z.array(Snapshot), o);
  }

  /** Deletes snapshot `id` ("pool/ds@name"). Idempotent: false when it was already gone. */
  async deleteSnapshot(id: string, o: CallOptions = {}): Promise<boolean> {
    await this.#session.connect({ signal: o.signal });
    return this.#notFoundIsFalse(() => this.#session.parse(`${this.#snapshotNs}.delete`, [id], z.literal(true), o));
  }

  /**
   * Rolls dataset back to snapshot `id` (`pool.snapshot.rollback` / `zfs.snapshot.rollback`): restores deleted plain folders.
   * `recursive` destroys newer snapshots, which ZFS otherwise refuses. Destructive for changes made since.
   */
  async rollbackSnapshot(id: string, o: CallOptions & { recursive?: boolean | undefined } = {}): Promise<void> {
    await this.#session.connect({ signal: o.signal });
    await this.#session.call(`${this.#snapshotNs}.rollback`, [id, { recursive: o.recursive ?? false }], o);
  }

  /** `pool.dataset.create [{name, type: "FILESYSTEM"}]`. NOT idempotent (EEXIST when it exists). */
  createDataset(name: string, o: CallOptions = {}): Promise<Dataset> {
    return this.#session.parse("pool.dataset.create", [{ name, type: "FILESYSTEM" }], Dataset, o);
  }

  /**
   * `pool.dataset.delete [id, {recursive, force}]` (not a job). Destroys the dataset's snapshots too.
   * Idempotent: false when the dataset was already gone.
   */
  deleteDataset(id: string, o: CallOptions & { recursive?: boolean | undefined; force?: boolean | undefined } = {}): Promise<boolean> {
    const body = [id, { recursive: o.recursive ?? false, force: o.force ?? false }];
    // 25.04+ answers null for a dataset deleted (the method's result type is None); 24.10 answered true.
    return this.#notFoundIsFalse(async () => (await this.#session.parse("pool.dataset.delete", body, z.union([z.literal(true), z.null()]), o), true));
  }

  /**
   * `pool.dataset.rename [id, {new_name, force}]`: moves a dataset (its snapshots travel with it).
   * The API refuses without `force` (it unmounts and remounts), so `force` defaults to true. NOT idempotent.
   */
  async renameDataset(id: string, newName: string, o: CallOptions & { force?: boolean | undefined } = {}): Promise<void> {
    await this.#session.call("pool.dataset.rename", [id, { new_name: newName, force: o.force ?? true }], o);
  }

  /** `core.get_jobs [[["id","=",id]], {"get": true}]`. Read-only. */
  getJob(id: number, o: CallOptions = {}): Promise<Job> {
    return this.#session.parse("core.get_jobs", [[["id", "=", id]], { get: true }], Job, o);
  }

  /** Polls `core.get_jobs` every `intervalMs` (default 1000) until SUCCESS, FAILED or ABORTED; returns the job. */
  async waitForJob(id: number, o: { signal?: AbortSignal | undefined; intervalMs?: number | undefined; timeoutMs?: number | undefined } = {}): Promise<Job> {
    const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const job = await this.getJob(id, { signal: o.signal });
      if (TERMINAL_JOB_STATES.has(job.state)) return job;
      if (Date.now() >= deadline) throw this.#session.error("core.get_jobs", `job ${id} still ${job.state} at the deadline`, true);
      await sleep(o.intervalMs ?? 1_000, o.signal);
      if (o.signal?.aborted) throw this.#session.error("core.get_jobs", "aborted", false);
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
