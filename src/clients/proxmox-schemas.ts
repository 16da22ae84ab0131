import { z } from "zod";

/**
 * zod schemas for the Proxmox VE `/api2/json` objects labops reads (PVE 9.1 apidoc, api-contracts.md §3).
 * Unknown fields are stripped; PVE's 0/1 booleans become booleans here, at the boundary.
 */

/** Every PVE response is `{"data": <payload>}` (plus `total` on some lists). */
export const envelope = <T extends z.ZodType>(data: T) => z.object({ data, total: z.number().int().optional() });

/** A JSON integer that PVE (Perl) may serialise as a string, e.g. `/cluster/nextid` → `"105"`. */
const intOrString = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(Number);

/** 0/1 as PVE sends booleans (a real JSON boolean is accepted too). */
const flag = z.union([z.literal(0), z.literal(1), z.boolean()]).transform(Boolean);

/** `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:` (pve-common UPID.pm decode). */
export const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;
export const UpidSchema = z.string().regex(UPID_RE, "not a UPID");

export const VersionSchema = z.object({
  version: z.string(),
  release: z.string(),
  repoid: z.string().optional(),
  console: z.string().optional(),
});
export type Version = z.output<typeof VersionSchema>;

/** GET /nodes item; the optional fields are absent while a node is offline. Memory in bytes, uptime in seconds, cpu a 0..1 fraction. */
export const NodeSchema = z.object({
  node: z.string(),
  status: z.enum(["online", "offline", "unknown"]),
  cpu: z.number().optional(),
  maxcpu: z.number().int().optional(),
  mem: z.number().int().optional(),
  maxmem: z.number().int().optional(),
  uptime: z.number().int().optional(),
  level: z.string().optional(),
  ssl_fingerprint: z.string().optional(),
});
export type Node = z.output<typeof NodeSchema>;

/** GET /cluster/resources?type=vm item: a QEMU VM or an LXC container. Memory and disk in bytes. */
export const ResourceSchema = z.object({
  id: z.string(),
  type: z.enum(["qemu", "lxc"]),
  vmid: intOrString,
  name: z.string().optional(),
  node: z.string(),
  /** "running" | "stopped", or "unknown" while its node is offline. */
  status: z.string(),
  template: flag.optional().transform((t) => t ?? false),
  maxmem: z.number().int().optional(),
  mem: z.number().int().optional(),
  maxcpu: z.number().optional(),
  cpu: z.number().optional(),
  maxdisk: z.number().int().optional(),
  disk: z.number().int().optional(),
  uptime: z.number().int().optional(),
  pool: z.string().optional(),
  tags: z.string().optional(),
  lock: z.string().optional(),
  hastate: z.string().optional(),
});
export type Resource = z.output<typeof ResourceSchema>;

/** GET /nodes/{node}/lxc/{vmid}/status/current (the fields labops uses). */
export const LxcStatusSchema = z.object({
  vmid: intOrString,
  name: z.string().optional(),
  status: z.enum(["running", "stopped"]),
  uptime: z.number().int().optional(),
  lock: z.string().optional(),
});
export type LxcStatus = z.output<typeof LxcStatusSchema>;

/** GET /nodes/{node}/tasks/{upid}/status. `exitstatus` only once stopped; with a token, `user` and `tokenid` are split. */
export const TaskStatusSchema = z.object({
  upid: z.string(),
  node: z.string(),
  pid: z.number().int(),
  pstart: z.number().int(),
  starttime: z.number().int(),
  type: z.string(),
  id: z.string(),
  user: z.string(),
  tokenid: z.string().optional(),
  status: z.enum(["running", "stopped"]),
  exitstatus: z.string().optional(),
});
export type TaskStatus = z.output<typeof TaskStatusSchema>;

/** GET /nodes/{node}/tasks/{upid}/log: numbered lines, `n` from 1. */
export const TaskLogLineSchema = z.object({ n: z.number().int(), t: z.string() });
export type TaskLogLine = z.output<typeof TaskLogLineSchema>;
