import { z } from "zod";

/**
 * Zod schemas for the Nautobot 2.4 REST objects labops reads (api-contracts §2). Objects are loose: upstream
 * adds fields between minor versions, and only the fields named here are relied on.
 */

/** A related object: `{id, object_type, url}` at depth 0; depth 1 adds `name`, `display` and the rest. */
export const nestedSchema = z.looseObject({
  id: z.string(),
  object_type: z.string().optional(),
  url: z.string().optional(),
  display: z.string().optional(),
  name: z.string().nullable().optional(),
});
export type Nested = z.infer<typeof nestedSchema>;

/** Choice fields are objects, e.g. `{"value": "PENDING", "label": "PENDING"}`. */
export const choiceSchema = z.looseObject({ value: z.string(), label: z.string() });

/** Limit/offset page; `next` is an absolute URL or null. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });

const ipRefSchema = nestedSchema.extend({ address: z.string().optional() });
const contextDict = z.record(z.string(), z.unknown());

const hostFields = {
  id: z.string(),
  object_type: z.string(),
  display: z.string().optional(),
  url: z.string().optional(),
  name: z.string().nullable(),
  status: nestedSchema,
  role: nestedSchema.nullable().optional(),
  platform: nestedSchema.nullable().optional(),
  primary_ip4: ipRefSchema.nullable().optional(),
  primary_ip6: ipRefSchema.nullable().optional(),
  local_config_context_data: contextDict.nullable().optional(),
  /** Present only with `?include=config_context`. */
  config_context: contextDict.optional(),
};

/** `dcim.device` (GET /api/dcim/devices/). */
export const deviceSchema = z.looseObject({
  ...hostFields,
  location: nestedSchema.optional(),
  device_type: nestedSchema.optional(),
});
export type Device = z.infer<typeof deviceSchema>;

/** `virtualization.virtualmachine` (GET /api/virtualization/virtual-machines/); memory in MB, disk in GB. */
export const virtualMachineSchema = z.looseObject({
  ...hostFields,
  cluster: nestedSchema.optional(),
  vcpus: z.number().nullable().optional(),
  memory: z.number().nullable().optional(),
  disk: z.number().nullable().optional(),
});
export type VirtualMachine = z.infer<typeof virtualMachineSchema>;

/** `extras.configcontext`; Git-owned ones have `owner_content_type: "extras.gitrepository"`. */
export const configContextSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  weight: z.number().int(),
  description: z.string(),
  is_active: z.boolean(),
  data: contextDict,
  owner_content_type: z.string().nullable(),
  owner_object_id: z.string().nullable(),
  owner: nestedSchema.nullable(),
});
export type ConfigContext = z.infer<typeof configContextSchema>;

/** `extras.gitrepository` (verbatim sample: fixtures/upstream/nautobot/git-repository.detail.example.json). */
export const gitRepositorySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  remote_url: z.string(),
  branch: z.string(),
  current_head: z.string().nullable(),
  provided_contents: z.array(z.string()),
});
export type GitRepository = z.infer<typeof gitRepositorySchema>;

/** Celery states; terminal ones are SUCCESS, FAILURE and REVOKED. */
export const JOB_TERMINAL = ["SUCCESS", "FAILURE", "REVOKED"] as const;

/** `extras.jobresult`. */
export const jobResultSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: choiceSchema,
  date_created: z.string(),
  date_done: z.string().nullable(),
  result: z.unknown().optional(),
  traceback: z.string().nullable().optional(),
});
export type JobResult = z.infer<typeof jobResultSchema>;

/** `extras.joblogentry`; `log_level` is one of debug, info, success, warning, failure, error, critical. */
export const jobLogEntrySchema = z.looseObject({
  id: z.string(),
  log_level: z.string(),
  grouping: z.string(),
  message: z.string(),
  created: z.string(),
  log_object: z.string().nullable().optional(),
});
export type JobLogEntry = z.infer<typeof jobLogEntrySchema>;

/** `POST git-repositories/{id}/sync/` answers 200 with the queued JobResult. */
/** `POST extras/git-repositories/{id}/sync/`: `job_result` only from Nautobot 2.4.2 on. */
export const syncResponseSchema = z.looseObject({ message: z.string(), job_result: jobResultSchema.optional() });

/** `ipam.service`; `protocol` is a choice field. */
export const serviceSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  protocol: choiceSchema.nullable(),
  ports: z.array(z.number().int()),
});

export const createdSchema = z.looseObject({ id: z.string(), name: z.string().nullable().optional() });
export const namedSchema = z.looseObject({ id: z.string(), name: z.string() });

/**
 * One app of the `app_list` config context (config_contexts/app_list.yml), deployed by Master Deploy.
 * Not loose on purpose: consumers get a closed type; unknown keys are dropped.
 */
export const appEntrySchema = z.object({
  host: z.string().min(1),
  image: z.string().min(1),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  networks: z.array(z.string()).optional(),
  healthcheck: z.object({ url: z.string().optional(), timeout: z.number().optional() }).optional(),
  restart_policy: z.string().optional(),
  /** Other Docker hosts `/deploy <app> --host H` may put the app on. */
  alternate_hosts: z.array(z.string()).optional(),
  // Elevated options (src/appcatalog/app-policy.ts): refused unless an admin allows them.
  privileged: z.boolean().optional(),
  cap_add: z.array(z.string()).optional(),
  network_mode: z.string().optional(),
  pid_mode: z.string().optional(),
  ipc_mode: z.string().optional(),
  devices: z.array(z.string()).optional(),
});
export type AppEntry = z.infer<typeof appEntrySchema>;
