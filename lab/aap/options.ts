import type { FakeDockerHosts } from "../docker/fake-docker.ts";

/** The public option and view types of the fake AAP controller (see fake-aap.ts). */

/** Make `task` fail on `host` (every host of the job when absent) with `msg` as the module's `res.msg`. */
export interface FakeAapFailure {
  host?: string | undefined;
  task: string;
  msg: string;
}

export interface FakeAapOptions {
  token?: string | undefined;
  /** A freshly installed controller (managed credential types, execution environment, admin) for the Seeder to fill. */
  empty?: boolean | undefined;
  /** The product the controller says it is (`X-API-Product-*` headers, `ping`); default AWX 24.6.1. */
  product?: { name: string; version: string } | undefined;
  /** API prefix, echoed in every `url`, `related` and `next`: `/api/v2/` or `/api/controller/v2/`. */
  apiPath?: string | undefined;
  /**
   * AAP 2.5+: the platform gateway in front of the controller. `/api/gateway/v1/` answers `ping/` and
   * `tokens/` (a gateway token is created with Basic auth and then used as `Bearer`); the bare `/api/v2/`
   * is not routed. `password` is the gateway admin's (default "lab-admin-password").
   */
  gateway?: { password?: string | undefined } | undefined;
  /** false: job lists leave out `extra_vars` (AWX after PR #16461: back with `?exclude=<other fields>`); default true. */
  listExtraVars?: boolean | undefined;
  /** Milliseconds between job state changes and event batches (default 400). */
  stepMs?: number | undefined;
  /** Milliseconds a job stays `pending` (default stepMs). */
  pendingMs?: number | undefined;
  /** Failures keyed by the app name in `extra_vars.app`. */
  failures?: Record<string, FakeAapFailure> | undefined;
  /** Where to POST the job notification (flat `job_metadata`) when a job finishes. */
  webhookUrl?: string | undefined;
  webhookHeaders?: Record<string, string> | undefined;
  /**
   * What a playbook does to the rest of the simulated lab, by playbook file: decided at launch (a failure
   * to simulate), applied when the job succeeds (e.g. cleanup_ocp.yml removes folders on the fake TrueNAS).
   */
  effects?: Record<string, PlaybookEffect> | undefined;
  /**
   * The inventory source behind "Homelab (Nautobot)": read when an inventory update succeeds, so hosts
   * added in Nautobot (a new runner LXC) become launchable. Default: the seeded homelab only.
   */
  inventorySource?: (() => string[]) | undefined;
  /**
   * The host vars the inventory gives each host (the lab: the fake Nautobot's role and rendered config
   * context), read when a job is created, as the inventory source's update_on_launch does. Default: the
   * seeded homelab's roles and this repository's config_contexts/.
   */
  hostVars?: ((host: string) => FakeHostVars | undefined) | undefined;
  /** The containers on the Docker hosts that Master Deploy acts on (default: none running). */
  docker?: FakeDockerHosts | undefined;
  /** Return true to drop the notification of this job (simulates a lost webhook). */
  dropWebhooks?: ((jobId: number) => boolean) | undefined;
}

/** A playbook's effect on the simulated lab; see FakeAapOptions.effects. */
export type PlaybookEffect = (run: { extraVars: Record<string, unknown>; limit: string; jobType: "run" | "check" }) =>
  { failure?: FakeAapFailure | undefined; apply?: (() => void) | undefined } | undefined;

/** A launch POST that created a job. */
export interface FakeAapLaunch {
  jobId: number;
  templateName: string;
  extraVars: Record<string, unknown>;
  limit: string;
  jobType: string;
  diffMode: boolean;
}

/** What a test can read about a job. */
export interface FakeAapJobView {
  id: number;
  templateName: string;
  status: string;
  failed: boolean;
  limit: string;
  jobType: string;
  extraVars: Record<string, unknown>;
  launchType: string;
  events: number;
  eventProcessingFinished: boolean;
}

/** Template settings a test may change (e.g. drop the inventory, turn prompts off). */
export interface FakeAapTemplatePatch {
  inventory?: number | null | undefined;
  ask_variables_on_launch?: boolean | undefined;
  ask_limit_on_launch?: boolean | undefined;
  ask_job_type_on_launch?: boolean | undefined;
  ask_inventory_on_launch?: boolean | undefined;
  ask_diff_mode_on_launch?: boolean | undefined;
}

/** Host vars of one inventory host, as networktocode.nautobot.inventory sets them (plurals: false). */
export interface FakeHostVars {
  role?: string | undefined;
  config_context?: Record<string, unknown> | undefined;
}
