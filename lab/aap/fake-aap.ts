import type { FakeDockerHosts } from "../docker/fake-docker.ts";
import type { FakeHttpServer } from "../fake-http.ts";
import { isFailed } from "./format.ts";
import type { FakeAapFailure, FakeAapJobView, FakeAapLaunch, FakeAapOptions, FakeAapTemplatePatch, FakeHostVars, PlaybookEffect } from "./options.ts";
import { aapGuard, registerRoutes } from "./routes.ts";
import { createAapState, type AapState } from "./state.ts";
import { productHeaders } from "./ping.ts";
import { syncTpl } from "./template-writes.ts";
import { addWorkflow, type FakeWorkflowSpec } from "./workflow-seed.ts";
import { endApproval } from "./workflows.ts";

export type { FakeWorkflowSpec } from "./workflow-seed.ts";
export type { FakeAapFailure, FakeAapJobView, FakeAapLaunch, FakeAapOptions, FakeAapTemplatePatch, FakeHostVars, PlaybookEffect } from "./options.ts";

/**
 * A faithful fake of the AWX / AAP controller API v2 : Bearer auth,
 * DRF pagination with host-relative `next`, Django-style filters, job launch with `ignored_fields`,
 * timed job runs that emit Ansible job events, stdout, cancel, relaunch, project/inventory syncs and
 * the job notification webhook. The routes, job runs and serializers live in the `fake-aap-*` modules.
 */
export class FakeAap {
  readonly #s: AapState;
  readonly http: FakeHttpServer;
  readonly token: string;

  constructor(opts: FakeAapOptions = {}) {
    this.#s = createAapState(opts);
    this.http = this.#s.http;
    this.token = this.#s.token;
    this.http.guard = (req) => aapGuard(this.#s, req);
    this.http.responseHeaders = (req, res) => productHeaders(this.#s, req, res);
    registerRoutes(this.#s);
  }

  async start(): Promise<string> {
    this.#s.url = await this.http.listen();
    return this.#s.url;
  }

  async close(): Promise<void> {
    for (const t of this.#s.timers) clearTimeout(t);
    this.#s.timers.clear();
    this.#s.abort.abort();
    await this.http.close();
  }

  get url(): string {
    return this.#s.url;
  }

  /** Every launch POST that created a job, in order (for exactly-once assertions). */
  /** The containers on the Docker hosts, as Master Deploy's runs left them. */
  get docker(): FakeDockerHosts {
    return this.#s.docker;
  }

  launches(): FakeAapLaunch[] {
    return this.#s.launches.map((l) => ({ ...l, extraVars: { ...l.extraVars } }));
  }

  /** The most jobs of `template` for `app` that ran at the same time (0 when none ran). */
  maxConcurrent(template: string, app: string): number {
    return this.#s.concurrent.get(`${template}|${app}`) ?? 0;
  }

  job(id: number): FakeAapJobView | undefined {
    const j = this.#s.jobs.get(id);
    if (!j) return undefined;
    return {
      id: j.id, templateName: j.tpl.name, status: j.status, failed: isFailed(j.status), limit: j.limit, jobType: j.jobType,
      extraVars: { ...j.extraVars }, launchType: j.launchType, events: j.events.length, eventProcessingFinished: j.eventsFinished,
    };
  }

  setFailure(app: string, spec: FakeAapFailure): void {
    this.#s.failures.set(app, spec);
  }

  /** Sets where inventory updates read their hosts from (the lab: the fake Nautobot). */
  setInventorySource(source: () => string[]): void {
    this.#s.inventorySource = source;
  }

  /** Sets where jobs read each host's vars (role, config_context) from at launch (the lab: the fake Nautobot). */
  setHostVars(source: (host: string) => FakeHostVars | undefined): void {
    this.#s.hostVars = source;
  }

  /** Sets (or with undefined, removes) the effect of a playbook on the simulated lab. */
  setEffect(playbook: string, effect: PlaybookEffect | undefined): void {
    if (effect) this.#s.effects.set(playbook, effect);
    else this.#s.effects.delete(playbook);
  }

  clearFailures(): void {
    this.#s.failures.clear();
    this.#s.failNext.clear();
  }

  /** The next job launched from this template fails as `spec` says, whatever its app. */
  failNextJob(templateName: string, spec: FakeAapFailure): void {
    const queue = this.#s.failNext.get(templateName) ?? [];
    queue.push(spec);
    this.#s.failNext.set(templateName, queue);
  }

  /** Adds a workflow job template (job nodes by template name, approval nodes with their timeout in seconds); returns its id. */
  addWorkflow(spec: FakeWorkflowSpec): number {
    return addWorkflow(this.#s, spec).id;
  }

  /** Accepts `token` for a user who may read everything but not approve, deny or launch workflows. */
  addReadOnlyToken(token: string): void {
    this.#s.tokens.add(token);
    this.#s.wf.readOnlyTokens.add(token);
  }

  /** What a test can read about a workflow job and its approvals. */
  workflowJob(id: number): FakeWorkflowJobView | undefined {
    const j = this.#s.wf.jobs.get(id);
    if (!j) return undefined;
    return {
      id: j.id, name: String(j.wft.fields.name), status: j.status, extraVars: { ...j.extraVars }, limit: j.limit,
      nodes: j.nodes.map((n) => ({ identifier: n.spec.identifier, jobId: n.jobId, doNotRun: n.doNotRun })),
    };
  }

  /** Every workflow approval, oldest first. */
  approvals(): FakeApprovalView[] {
    return [...this.#s.wf.approvals.values()].map((a) => ({ id: a.id, name: a.name, workflowJob: a.wfJob.id, status: a.status, timedOut: a.timedOut, decidedBy: a.decidedBy }));
  }

  /** Decides an approval as someone in AAP's own UI would (not through labops). */
  decideInAap(id: number, approve: boolean): void {
    const a = this.#s.wf.approvals.get(id);
    if (!a || a.status !== "pending") throw new Error(`approval ${id} is not pending`);
    endApproval(this.#s, a, approve ? "successful" : "failed", "admin");
  }

  patchTemplate(name: string, patch: FakeAapTemplatePatch): void {
    const t = this.#s.templates.find((x) => x.name === name);
    if (!t) throw new Error(`no template ${name}`);
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) t.fields[k] = v;
    syncTpl(t);
  }
}

export interface FakeWorkflowJobView {
  id: number;
  name: string;
  status: string;
  extraVars: Record<string, unknown>;
  limit: string;
  nodes: { identifier: string; jobId: number | undefined; doNotRun: boolean }[];
}

export interface FakeApprovalView {
  id: number;
  name: string;
  workflowJob: number;
  status: string;
  timedOut: boolean;
  decidedBy: string | undefined;
}
