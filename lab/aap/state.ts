import { FakeHttpServer } from "../fake-http.ts";
import { LAB_HOSTS, LAB_TOKENS } from "../homelab.ts";
import type { FakeAapFailure, FakeAapLaunch, FakeAapOptions, FakeHostVars, PlaybookEffect } from "./options.ts";
import type { JobRec, Rec, Tpl, UpdateRec } from "./records.ts";
import { seedController, seedHomelab, seedSurveyed } from "./seed.ts";
import { seedWorkflows } from "./workflow-seed.ts";
import { seededHostVars } from "./hostvars.ts";
import { normalizePrefix } from "./format.ts";
import { DEFAULT_PRODUCT, type AapProduct } from "./ping.ts";
import { FakeDockerHosts } from "../docker/fake-docker.ts";
import type { WorkflowState } from "./workflow-records.ts";

/** Everything a fake AAP controller holds; the route, job and serializer modules share it. */
export interface AapState {
  readonly http: FakeHttpServer;
  readonly token: string;
  /** Bearer tokens accepted: the seeded one and any created at the gateway. */
  readonly tokens: Set<string>;
  readonly product: AapProduct;
  readonly p: string;
  readonly stepMs: number;
  readonly pendingMs: number;
  readonly opts: FakeAapOptions;
  readonly failures: Map<string, FakeAapFailure>;
  readonly effects: Map<string, PlaybookEffect>;
  /** Host names in the inventory, as of the last inventory update. */
  inventory: string[];
  inventorySource: (() => string[]) | undefined;
  /** Host vars of an inventory host (role, config_context), read at launch. */
  hostVars: (host: string) => FakeHostVars | undefined;
  readonly applies: Map<number, () => void>;
  readonly failNext: Map<string, FakeAapFailure[]>;
  readonly templates: Tpl[];
  /** Every other object by endpoint (organizations, credentials, projects, inventory_sources, ...). */
  readonly objects: Map<string, Map<number, Rec>>;
  /** Next id of a project, inventory source or job template (one sequence, as AWX's unified job templates). */
  nextUjt: number;
  /** Users granted each object role, by role id. */
  readonly roleUsers: Map<number, number[]>;
  readonly jobs: Map<number, JobRec>;
  readonly updates: Map<number, UpdateRec>;
  /** Workflow job templates, workflow jobs and approvals. */
  readonly wf: WorkflowState;
  readonly launches: FakeAapLaunch[];
  /** Most jobs of one template and app (`extra_vars.app`) that were running at once, by `template|app`. */
  readonly concurrent: Map<string, number>;
  readonly timers: Set<NodeJS.Timeout>;
  readonly abort: AbortController;
  /** The containers on the Docker hosts (Master Deploy's tasks change them). */
  readonly docker: FakeDockerHosts;
  nextId: number;
  nextEventId: number;
  url: string;
}

/** The seeded controller: the homelab's organization, credential, project, inventory, source, four templates, the workflow and the surveyed template, synced (none with `empty`). */
export function createAapState(opts: FakeAapOptions): AapState {
  const stepMs = opts.stepMs ?? 400;
  const s: AapState = {
    http: new FakeHttpServer("aap"),
    token: opts.token ?? LAB_TOKENS.aap,
    // Behind the gateway only gateway tokens (created at /api/gateway/v1/tokens/) open the controller.
    tokens: new Set(opts.gateway ? [] : [opts.token ?? LAB_TOKENS.aap]),
    product: opts.product ?? DEFAULT_PRODUCT,
    p: normalizePrefix(opts.apiPath ?? "/api/v2/"),
    stepMs,
    pendingMs: opts.pendingMs ?? stepMs,
    opts,
    failures: new Map(Object.entries(opts.failures ?? {})),
    effects: new Map(Object.entries(opts.effects ?? {})),
    inventory: opts.empty ? [] : LAB_HOSTS.map((h) => h.name),
    inventorySource: opts.inventorySource,
    hostVars: opts.hostVars ?? seededHostVars,
    applies: new Map(),
    failNext: new Map(),
    templates: [],
    objects: new Map(),
    nextUjt: 12,
    roleUsers: new Map(),
    jobs: new Map(),
    updates: new Map(),
    wf: { templates: [], jobs: new Map(), approvals: new Map(), nextNodeId: 1, readOnlyTokens: new Set() },
    launches: [],
    concurrent: new Map(),
    timers: new Set(),
    abort: new AbortController(),
    docker: opts.docker ?? new FakeDockerHosts(),
    nextId: 100,
    nextEventId: 5000,
    url: "",
  };
  seedController(s);
  if (!opts.empty) {
    seedHomelab(s);
    seedWorkflows(s);
    seedSurveyed(s);
  }
  return s;
}

/** Runs `fn` after `ms`, on a timer that close() clears. */
export function later(s: AapState, ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    s.timers.delete(t);
    fn();
  }, ms);
  s.timers.add(t);
}
