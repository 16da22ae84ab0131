/**
 * zod schemas for the TrueNAS SCALE JSON-RPC 2.0 API (25.04 / 25.10), checked at the client boundary.
 * Shapes follow truenas/middleware `api/v25_04_2` and `api/v25_10_0` .
 * Objects are loose: the middleware sends more keys than labops reads, and new keys must not break us.
 */
import { z } from "zod";

/** EJSON date `{"$date": <ms since epoch>}` → Date. */
export const EjsonDate = z.object({ $date: z.number() }).transform((d) => new Date(d.$date));

/** A JSON-RPC 2.0 error object; `data` is TrueNAS's `{error, errname, reason, trace, extra}`. */
export const RpcErrorData = z.looseObject({
  error: z.number().nullable().optional(),
  errname: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  trace: z.unknown().optional(),
  /** Validation errors: `[attribute, message, errno]` triples. */
  extra: z.array(z.unknown()).nullable().optional(),
});
export type RpcErrorData = z.infer<typeof RpcErrorData>;

export const RpcError = z.object({ code: z.number(), message: z.string(), data: RpcErrorData.optional() });

/** One frame from the server: a response (has `id`) or a notification (has `method`). */
export const RpcFrame = z.looseObject({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.number(), z.string(), z.null()]).optional(),
  result: z.unknown().optional(),
  error: RpcError.optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
});

/** `auth.login_ex` result (`AuthLoginExResult`). */
export const LoginExResult = z.looseObject({
  response_type: z.enum(["SUCCESS", "AUTH_ERR", "EXPIRED", "OTP_REQUIRED", "REDIRECT", "SCRAM_RESPONSE"]),
});

/** `filesystem.listdir` entry (`FilesystemDirEntry`). */
export const DirEntry = z.looseObject({
  name: z.string(),
  path: z.string(),
  realpath: z.string(),
  type: z.enum(["DIRECTORY", "FILE", "SYMLINK", "OTHER"]),
  /** Bytes. */
  size: z.number(),
  mode: z.number(),
  uid: z.number(),
  gid: z.number(),
  is_mountpoint: z.boolean(),
  is_ctldir: z.boolean(),
});
export type DirEntry = z.infer<typeof DirEntry>;

/** `filesystem.stat` result. Times are float seconds since the epoch (not EJSON). */
export const Stat = z.looseObject({
  realpath: z.string(),
  type: z.enum(["DIRECTORY", "FILE", "SYMLINK", "OTHER"]),
  size: z.number(),
  mode: z.number(),
  uid: z.number(),
  gid: z.number(),
  atime: z.number(),
  mtime: z.number(),
  ctime: z.number(),
  is_mountpoint: z.boolean(),
  is_ctldir: z.boolean(),
  user: z.string().nullable(),
  group: z.string().nullable(),
});
export type Stat = z.infer<typeof Stat>;

/** A ZFS property as the middleware reports it. */
export const ZfsProp = z.looseObject({
  parsed: z.unknown(),
  rawvalue: z.string().nullable(),
  value: z.string().nullable(),
  source: z.string().nullable(),
});

export interface Dataset {
  id: string;
  type: "FILESYSTEM" | "VOLUME";
  name: string;
  pool: string;
  encrypted: boolean;
  mountpoint: string | null;
  children: Dataset[];
  [key: string]: unknown;
}

/** `pool.dataset.query` entry (`PoolDatasetEntry`), children nested. */
export const Dataset: z.ZodType<Dataset> = z.looseObject({
  id: z.string(),
  type: z.enum(["FILESYSTEM", "VOLUME"]),
  name: z.string(),
  pool: z.string(),
  encrypted: z.boolean(),
  mountpoint: z.string().nullable(),
  get children() {
    return z.array(Dataset);
  },
}) as z.ZodType<Dataset>;

/** Snapshot entry of `pool.snapshot.*` (25.10+) and `zfs.snapshot.*` (25.04). */
export const Snapshot = z.looseObject({
  id: z.string(),
  name: z.string(),
  dataset: z.string(),
  snapshot_name: z.string(),
  pool: z.string(),
  type: z.literal("SNAPSHOT"),
  createtxg: z.string(),
  properties: z.record(z.string(), z.unknown()),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const JobState = z.enum(["WAITING", "RUNNING", "SUCCESS", "FAILED", "ABORTED"]);
export type JobState = z.infer<typeof JobState>;

/** `core.get_jobs` item (`middlewared/job.py` `__encode__`). */
export const Job = z.looseObject({
  id: z.number(),
  method: z.string(),
  arguments: z.array(z.unknown()),
  state: JobState,
  progress: z.looseObject({
    percent: z.number().nullable(),
    description: z.string().nullable(),
    extra: z.unknown().optional(),
  }),
  result: z.unknown(),
  error: z.string().nullable(),
  exception: z.string().nullable(),
  exc_info: z.unknown().nullable(),
  logs_path: z.string().nullable(),
  logs_excerpt: z.string().nullable(),
  time_started: EjsonDate.nullable(),
  time_finished: EjsonDate.nullable(),
  /** 25.10+: the JSON-RPC request ids that started the job. */
  message_ids: z.array(z.union([z.string(), z.number()])).optional(),
});
export type Job = z.infer<typeof Job>;

export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(["SUCCESS", "FAILED", "ABORTED"]);
