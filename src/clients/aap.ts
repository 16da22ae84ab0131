import type { AxiosResponse } from "axios";
import { z } from "zod";
import { ApiError, UserError } from "../errors.ts";
import { HttpApi } from "./http.ts";
import { aapVersion } from "./aap-version.ts";
import type { SystemVersion } from "./system-version.ts";
import {
  InventorySourceSchema,
  InventoryUpdateStartSchema,
  JobEventSchema,
  JobListItemSchema,
  JobSchema,
  JobTemplateSchema,
  PingSchema,
  LaunchRequirementsSchema,
  LaunchResponseSchema,
  ProjectSchema,
  ProjectUpdateStartSchema,
  RelaunchResponseSchema,
  SurveySpecSchema,
  UnifiedJobSchema,
  page,
  type InventorySource,
  type Job,
  type JobEvent,
  type JobListItem,
  type JobTemplate,
  type LaunchRequirements,
  type Project,
  type AapSurvey,
  type UnifiedJob,
} from "./aap-schemas.ts";

import {
  WorkflowApprovalSchema,
  WorkflowJobNodeSchema,
  WorkflowJobSchema,
  WorkflowJobTemplateSchema,
  WorkflowLaunchResponseSchema,
  type WorkflowApproval,
  type WorkflowJob,
  type WorkflowJobNode,
  type WorkflowJobTemplate,
} from "./aap-workflow-schemas.ts";

export type { WorkflowApproval, WorkflowJob, WorkflowJobNode, WorkflowJobTemplate };
export type { InventorySource, Job, JobEvent, JobListItem, JobTemplate, LaunchRequirements, Project, UnifiedJob };

export interface AapClientOptions {
  /** Origin of the controller or gateway, e.g. `https://aap.lab`. */
  url: string;
  token: string;
  /** API base path: `/api/v2/` (AWX, AAP ≤ 2.4, the default) or `/api/controller/v2/` (AAP 2.5+ gateway). */
  apiPath?: string | undefined;
  timeoutMs?: number | undefined;
  caPem?: string | undefined;
  onError?: ((e: ApiError) => void) | undefined;
  /** `page_size` of list calls; default 200, AWX's maximum. Smaller only to exercise paging in tests. */
  pageSize?: number | undefined;
}

/** Fields a launch may carry; each is used by AAP only if the template's matching `ask_*_on_launch` is true. */
export interface LaunchBody {
  extra_vars?: Record<string, unknown> | undefined;
  limit?: string | undefined;
  job_type?: "run" | "check" | undefined;
  inventory?: number | undefined;
  scm_branch?: string | undefined;
  job_tags?: string | undefined;
  skip_tags?: string | undefined;
  verbosity?: number | undefined;
  diff_mode?: boolean | undefined;
  credentials?: number[] | undefined;
}

type Opts = { signal?: AbortSignal | undefined };

/** Statuses after which a unified job never changes again. */
export const TERMINAL_JOB_STATUSES: readonly string[] = ["successful", "failed", "error", "canceled"];

/** Which template prompt must be enabled for a launch field to be accepted. */
const PROMPT_FOR_FIELD: Record<string, string> = {
  extra_vars: "ask_variables_on_launch",
  limit: "ask_limit_on_launch",
  inventory: "ask_inventory_on_launch",
  job_type: "ask_job_type_on_launch",
  credentials: "ask_credential_on_launch",
  scm_branch: "ask_scm_branch_on_launch",
  job_tags: "ask_tags_on_launch",
  skip_tags: "ask_skip_tags_on_launch",
  verbosity: "ask_verbosity_on_launch",
  diff_mode: "ask_diff_mode_on_launch",
  execution_environment: "ask_execution_environment_on_launch",
  labels: "ask_labels_on_launch",
  forks: "ask_forks_on_launch",
  job_slice_count: "ask_job_slice_count_on_launch",
  timeout: "ask_timeout_on_launch",
  instance_groups: "ask_instance_groups_on_launch",
};

/**
 * AAP accepted the launch (the job exists and is running) but silently dropped fields the template
 * does not prompt for. `jobId` lets the caller cancel or record the job.
 */
export class AapIgnoredFieldsError extends UserError {
  override name = "AapIgnoredFieldsError";
  constructor(
    readonly jobId: number,
    readonly ignored: Record<string, unknown>,
    message: string,
  ) {
    super("aap_ignored_fields", message);
  }
}

/** Page size of list calls (AWX's MAX_PAGE_SIZE). */
const PAGE_SIZE = 200;
/** Guard against a `next` loop: 200 pages of 200 items is far more than any list labops reads. */
const MAX_PAGES = 200;

/** Client for the AWX / AAP controller REST API v2. Auth: `Authorization: Bearer <token>`. */
export class AapClient {
  readonly #api: HttpApi;
  readonly #origin: string;
  readonly #pageSize: number;
  readonly #apiPath: string;
  /** AAP 2.5+ (from the API path, then from ping): the UI lives under /execution/ behind the gateway. */
  #gatewayUi: boolean;

  constructor(opts: AapClientOptions) {
    this.#origin = new URL(opts.url).origin;
    this.#apiPath = opts.apiPath ?? "/api/v2/";
    this.#gatewayUi = this.#apiPath.startsWith("/api/controller/");
    this.#pageSize = opts.pageSize ?? PAGE_SIZE;
    this.#api = new HttpApi({
      service: "aap",
      baseUrl: new URL(opts.apiPath ?? "/api/v2/", this.#origin).toString(),
      headers: { Authorization: `Bearer ${opts.token}`, Accept: "application/json" },
      timeoutMs: opts.timeoutMs,
      caPem: opts.caPem,
      onError: opts.onError,
      reasonOf: drfReason,
    });
  }

  /** GET job_templates/?name=: the one template with this exact name. UserError when none or several match. */
  async findJobTemplate(name: string, o: Opts = {}): Promise<JobTemplate> {
    return this.#findOne("job_templates/", name, JobTemplateSchema, "job template", "aap_template", o);
  }

  /** GET job_templates/{id}/survey_spec/: the template's survey questions (none when it has no survey). */
  async surveySpec(templateId: number, o: Opts = {}): Promise<AapSurvey> {
    const s = await this.#api.call({ method: "GET", path: `job_templates/${templateId}/survey_spec/`, signal: o.signal }, SurveySpecSchema);
    return { name: s.name ?? "", description: s.description ?? "", questions: s.spec ?? [] };
  }

  /** GET job_templates/{id}/launch/: prompts (`ask_*_on_launch`), survey and defaults. Read-only. */
  launchRequirements(templateId: number, o: Opts = {}): Promise<LaunchRequirements> {
    return this.#api.call({ method: "GET", path: `job_templates/${templateId}/launch/`, signal: o.signal }, LaunchRequirementsSchema);
  }

  /**
   * POST job_templates/{id}/launch/: starts a job (201). NOT idempotent: never retried.
   * A non-empty `ignored_fields` throws AapIgnoredFieldsError (carrying the created job's id);
   * a 400 throws ApiError whose reason holds the DRF field messages.
   */
  async launch(templateId: number, body: LaunchBody, o: Opts = {}): Promise<{ jobId: number; job: Job }> {
    const res = await this.#api.call(
      { method: "POST", path: `job_templates/${templateId}/launch/`, data: stripUndefined(body), signal: o.signal },
      LaunchResponseSchema,
    );
    const { job: jobId, ignored_fields: ignored, ...job } = res;
    if (Object.keys(ignored).length > 0) {
      throw new AapIgnoredFieldsError(jobId, ignored, ignoredMessage(res.name, jobId, ignored));
    }
    return { jobId, job };
  }

  /** GET jobs/{id}/: status, timestamps, `event_processing_finished`, `host_status_counts`. */
  getJob(id: number, o: Opts = {}): Promise<Job> {
    return this.#api.call({ method: "GET", path: `jobs/${id}/`, signal: o.signal }, JobSchema);
  }

  /**
   * GET jobs/{id}/job_events/?order_by=counter&counter__gt=N: events after `afterCounter`, in counter
   * order, following every `next` page. Read again after `event_processing_finished` for the tail.
   */
  jobEvents(id: number, o: { afterCounter?: number | undefined; signal?: AbortSignal | undefined } = {}): Promise<JobEvent[]> {
    const params = { order_by: "counter", ...(o.afterCounter !== undefined ? { counter__gt: o.afterCounter } : {}) };
    return this.#list(`jobs/${id}/job_events/`, params, JobEventSchema, o.signal);
  }

  /** GET jobs/{id}/job_events/?changed=true: the host results that report changed (with `res.diff` under diff mode), in order. */
  changedEvents(id: number, o: Opts = {}): Promise<JobEvent[]> {
    return this.#list(`jobs/${id}/job_events/`, { changed: "true", event__in: "runner_on_ok,runner_item_on_ok", order_by: "counter" }, JobEventSchema, o.signal);
  }

  /** GET jobs/{id}/stdout/?format=txt (text/plain, ANSI stripped): the last `lines` lines. */
  async stdoutTail(id: number, lines: number, o: Opts = {}): Promise<string> {
    const text = await this.#api.call(
      { method: "GET", path: `jobs/${id}/stdout/`, params: { format: "txt" }, responseType: "text", signal: o.signal },
      z.string(),
    );
    const all = text.replace(/\s+$/, "").split(/\r?\n/);
    return all.slice(Math.max(0, all.length - lines)).join("\n");
  }

  /** POST jobs/{id}/cancel/: true when AAP accepted (202), false when the job had already finished (405). */
  async cancelJob(id: number, o: Opts = {}): Promise<boolean> {
    try {
      await this.#api.send({ method: "POST", path: `jobs/${id}/cancel/`, signal: o.signal });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 405) return false;
      throw err;
    }
  }

  /** POST jobs/{id}/relaunch/ {hosts}: a new job with the same prompts (201). NOT idempotent. */
  async relaunchJob(id: number, o: { hosts?: "all" | "failed" | undefined; signal?: AbortSignal | undefined } = {}): Promise<{ jobId: number }> {
    const res = await this.#api.call(
      { method: "POST", path: `jobs/${id}/relaunch/`, data: { hosts: o.hosts ?? "all" }, signal: o.signal },
      RelaunchResponseSchema,
    );
    return { jobId: res.job ?? res.id };
  }

  /**
   * GET jobs/ with Django-style filters, e.g. `{job_template: 7, created__gt: iso, order_by: "-id"}`; every page.
   * Rows may lack `extra_vars` (AWX after PR #16461, Ascender): use listJobsWithVars when they matter.
   */
  listJobs(filter: Record<string, string | number>, o: Opts = {}): Promise<JobListItem[]> {
    return this.#list("jobs/", filter, JobListItemSchema, o.signal);
  }

  /**
   * listJobs, then GET jobs/{id}/ for each row the list left `extra_vars` out of (newer AWX-family servers
   * drop it from lists; the detail always has it), so every job carries its variables. Use with a narrow filter.
   */
  async listJobsWithVars(filter: Record<string, string | number>, o: Opts = {}): Promise<Job[]> {
    const rows = await this.listJobs(filter, o);
    const out: Job[] = [];
    for (const row of rows) out.push(row.extra_vars === undefined ? await this.getJob(row.id, o) : row);
    return out;
  }

  /**
   * Which controller this is: `GET ping/` (unauthenticated) and the `X-API-Product-Name`/`-Version` headers
   * on its answer. A 404 on `/api/v2/` from an AAP 2.5+ platform gateway becomes a UserError naming
   * AAP_API_PATH. Adapts the job links (AAP 2.5+: `/execution/jobs/...`).
   */
  async detectVersion(o: Opts = {}): Promise<SystemVersion> {
    let res: AxiosResponse;
    try {
      res = await this.#api.send({ method: "GET", path: "ping/", signal: o.signal });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && !this.#apiPath.startsWith("/api/controller/")) {
        const gw = await this.#api.send({ method: "GET", path: "/api/gateway/v1/ping/", signal: o.signal }).then(() => true, () => false);
        if (gw) {
          throw new UserError("aap_gateway_path", `AAP at ${this.#origin} is an AAP 2.5+ platform gateway: set AAP_API_PATH=/api/controller/v2/ and use a gateway token.`, { cause: err });
        }
      }
      throw err;
    }
    const ping = PingSchema.safeParse(res.data);
    const header = (k: string) => (typeof res.headers[k] === "string" ? (res.headers[k] as string) : undefined);
    const version = header("x-api-product-version") ?? (ping.success ? ping.data.version : undefined) ?? "";
    const v = aapVersion(header("x-api-product-name") ?? "AWX", version, this.#apiPath);
    this.#gatewayUi = v.gateway;
    return v.version;
  }

  /** GET workflow_job_templates/?name=: the one workflow job template with this exact name. */
  findWorkflowJobTemplate(name: string, o: Opts = {}): Promise<WorkflowJobTemplate> {
    return this.#findOne("workflow_job_templates/", name, WorkflowJobTemplateSchema, "workflow job template", "aap_workflow", o);
  }

  /**
   * POST workflow_job_templates/{id}/launch/ (201): starts a workflow job. NOT idempotent: never retried.
   * A non-empty `ignored_fields` throws AapIgnoredFieldsError (carrying the workflow job's id).
   */
  async launchWorkflow(templateId: number, body: Pick<LaunchBody, "extra_vars" | "limit">, o: Opts = {}): Promise<{ workflowJobId: number; job: WorkflowJob }> {
    const res = await this.#api.call(
      { method: "POST", path: `workflow_job_templates/${templateId}/launch/`, data: stripUndefined(body), signal: o.signal },
      WorkflowLaunchResponseSchema,
    );
    const { workflow_job: id, ignored_fields: ignored, ...job } = res;
    if (Object.keys(ignored).length > 0) throw new AapIgnoredFieldsError(id, ignored, ignoredMessage(res.name, id, ignored));
    return { workflowJobId: id, job };
  }

  /** GET workflow_jobs/{id}/. */
  getWorkflowJob(id: number, o: Opts = {}): Promise<WorkflowJob> {
    return this.#api.call({ method: "GET", path: `workflow_jobs/${id}/`, signal: o.signal }, WorkflowJobSchema);
  }

  /** GET workflow_jobs/ with filters, e.g. `{workflow_job_template: 12, created__gt: iso}`; every page. */
  listWorkflowJobs(filter: Record<string, string | number>, o: Opts = {}): Promise<WorkflowJob[]> {
    return this.#list("workflow_jobs/", filter, WorkflowJobSchema, o.signal);
  }

  /** POST workflow_jobs/{id}/cancel/: true when AAP accepted (202), false when it had already finished (405). */
  async cancelWorkflowJob(id: number, o: Opts = {}): Promise<boolean> {
    try {
      await this.#api.send({ method: "POST", path: `workflow_jobs/${id}/cancel/`, signal: o.signal });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 405) return false;
      throw err;
    }
  }

  /** GET workflow_jobs/{id}/workflow_nodes/: each node, what it spawned and its edges. */
  workflowJobNodes(id: number, o: Opts = {}): Promise<WorkflowJobNode[]> {
    return this.#list(`workflow_jobs/${id}/workflow_nodes/`, {}, WorkflowJobNodeSchema, o.signal);
  }

  /** GET workflow_approvals/ with filters, e.g. `{status: "pending"}` (every pending approval in one request) or `{id__in: "1,2"}`. */
  listWorkflowApprovals(filter: Record<string, string | number>, o: Opts = {}): Promise<WorkflowApproval[]> {
    return this.#list("workflow_approvals/", { order_by: "id", ...filter }, WorkflowApprovalSchema, o.signal);
  }

  /** GET workflow_approvals/{id}/. */
  getWorkflowApproval(id: number, o: Opts = {}): Promise<WorkflowApproval> {
    return this.#api.call({ method: "GET", path: `workflow_approvals/${id}/`, signal: o.signal }, WorkflowApprovalSchema);
  }

  /**
   * POST workflow_approvals/{id}/approve/ or deny/ (204). "no-longer-pending" when AAP answers 400 (it was
   * decided or timed out meanwhile); a 403 (the token's user may not approve this workflow) throws ApiError.
   */
  async decideApproval(id: number, decision: "approve" | "deny", o: Opts = {}): Promise<"done" | "no-longer-pending"> {
    try {
      await this.#api.send({ method: "POST", path: `workflow_approvals/${id}/${decision}/`, data: {}, signal: o.signal });
      return "done";
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) return "no-longer-pending";
      throw err;
    }
  }

  /** The workflow job's page in the web UI. */
  workflowUrl(id: number): string {
    return this.#gatewayUi ? `${this.#origin}/execution/jobs/workflow/${id}/details` : `${this.#origin}/#/jobs/workflow/${id}/output`;
  }

  /** GET projects/?name=: the one project with this exact name. */
  findProject(name: string, o: Opts = {}): Promise<Project> {
    return this.#findOne("projects/", name, ProjectSchema, "project", "aap_project", o);
  }

  /** POST projects/{id}/update/ (202): starts an SCM sync. NOT idempotent. */
  async updateProject(id: number, o: Opts = {}): Promise<{ updateId: number }> {
    const res = await this.#api.call({ method: "POST", path: `projects/${id}/update/`, data: {}, signal: o.signal }, ProjectUpdateStartSchema);
    return { updateId: res.project_update };
  }

  /** GET project_updates/{id}/. */
  getProjectUpdate(id: number, o: Opts = {}): Promise<UnifiedJob> {
    return this.#api.call({ method: "GET", path: `project_updates/${id}/`, signal: o.signal }, UnifiedJobSchema);
  }

  /** GET inventory_sources/?name=: the one inventory source with this exact name. */
  findInventorySource(name: string, o: Opts = {}): Promise<InventorySource> {
    return this.#findOne("inventory_sources/", name, InventorySourceSchema, "inventory source", "aap_inventory_source", o);
  }

  /** POST inventory_sources/{id}/update/ (202): starts an inventory sync. NOT idempotent. */
  async updateInventorySource(id: number, o: Opts = {}): Promise<{ updateId: number }> {
    const res = await this.#api.call(
      { method: "POST", path: `inventory_sources/${id}/update/`, data: {}, signal: o.signal },
      InventoryUpdateStartSchema,
    );
    return { updateId: res.inventory_update };
  }

  /** GET inventory_updates/{id}/. */
  getInventoryUpdate(id: number, o: Opts = {}): Promise<UnifiedJob> {
    return this.#api.call({ method: "GET", path: `inventory_updates/${id}/`, signal: o.signal }, UnifiedJobSchema);
  }

  /** The job's output page in the web UI: `/#/jobs/...` on AWX and AAP ≤ 2.4, `/execution/jobs/...` on AAP 2.5+. */
  jobUrl(id: number): string {
    return this.#gatewayUi ? `${this.#origin}/execution/jobs/playbook/${id}/output` : `${this.#origin}/#/jobs/playbook/${id}/output`;
  }

  async #findOne<S extends z.ZodType<{ id: number; name: string }>>(
    path: string, name: string, schema: S, kind: string, code: string, o: Opts,
  ): Promise<z.output<S>> {
    const found = await this.#list(path, { name }, schema, o.signal);
    if (found.length === 0) throw new UserError(`${code}_missing`, `AAP has no ${kind} named "${name}".`);
    if (found.length > 1) {
      throw new UserError(
        `${code}_ambiguous`,
        `AAP has ${found.length} ${kind}s named "${name}" (ids ${found.map((f) => f.id).join(", ")}); names are unique only per organization.`,
      );
    }
    return found[0]!;
  }

  /** Every item of a paginated list: follows `next` (a host-relative path, resolved against the origin). */
  async #list<S extends z.ZodType>(
    path: string, params: Record<string, string | number>, item: S, signal: AbortSignal | undefined,
  ): Promise<z.output<S>[]> {
    const schema = page(item);
    const out: z.output<S>[] = [];
    let next: string | null | undefined = path;
    let query: Record<string, string | number> | undefined = { page_size: this.#pageSize, ...params };
    for (let n = 0; next && n < MAX_PAGES; n++) {
      const res: z.output<typeof schema> = await this.#api.call({ method: "GET", path: next, params: query, signal }, schema);
      out.push(...(res.results as z.output<S>[]));
      next = res.next;
      query = undefined; // `next` already carries every query param
    }
    return out;
  }
}

function stripUndefined(body: LaunchBody): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

function ignoredMessage(template: string, jobId: number, ignored: Record<string, unknown>): string {
  const fields = Object.entries(ignored).map(([k, v]) =>
    k === "extra_vars" && v && typeof v === "object" ? `extra_vars (${Object.keys(v).join(", ")})` : k,
  );
  const prompts = [...new Set(Object.keys(ignored).map((k) => PROMPT_FOR_FIELD[k] ?? `ask_${k}_on_launch`))];
  return (
    `AAP started job ${jobId} from "${template}" but ignored ${fields.join(", ")}. ` +
    `Enable "Prompt on launch" for ${prompts.join(", ")} on the job template in AAP, then try again.`
  );
}

/** DRF error bodies: `{detail}` or `{field: [messages]}`; joined into one operator-facing line. */
function drfReason(res: AxiosResponse): string | undefined {
  const body: unknown = res.data;
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.detail === "string") return b.detail;
  const parts = Object.entries(b).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.map(String).join(" ") : typeof v === "string" ? v : JSON.stringify(v)}`);
  return parts.length ? parts.join("; ") : undefined;
}
