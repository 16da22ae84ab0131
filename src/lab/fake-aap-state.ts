import { FakeHttpServer } from "./fake-http.ts";
import { LAB_HOSTS, LAB_TOKENS } from "./homelab.ts";
import type { FakeAapFailure, FakeAapLaunch, FakeAapOptions, PlaybookEffect } from "./fake-aap-options.ts";
import { INVENTORY, SEEDED, type JobRec, type Tpl, type UpdateRec } from "./fake-aap-records.ts";
import { normalizePrefix } from "./fake-aap-format.ts";
import { DEFAULT_PRODUCT, type AapProduct } from "./fake-aap-ping.ts";

/** Everything a fake AAP controller holds; the route, job and serializer modules share it. */
export interface AapState {
  readonly http: FakeHttpServer;
  readonly token: string;
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
  readonly applies: Map<number, () => void>;
  readonly failNext: Map<string, FakeAapFailure[]>;
  readonly templates: Tpl[];
  readonly jobs: Map<number, JobRec>;
  readonly updates: Map<number, UpdateRec>;
  readonly launches: FakeAapLaunch[];
  /** Most jobs of one template and app (`extra_vars.app`) that were running at once, by `template|app`. */
  readonly concurrent: Map<string, number>;
  readonly timers: Set<NodeJS.Timeout>;
  readonly abort: AbortController;
  readonly project: { status: string; revision: string; lastUpdate: number; lastUpdated: Date };
  readonly source: { status: string; lastUpdate: number; lastUpdated: Date };
  nextId: number;
  nextEventId: number;
  url: string;
}

/** The seeded controller: four job templates, the project and inventory syncs already done. */
export function createAapState(opts: FakeAapOptions): AapState {
  const stepMs = opts.stepMs ?? 400;
  const ask = (variables: boolean, limit: boolean, job_type = false) => ({ variables, limit, job_type, inventory: false });
  const s: AapState = {
    http: new FakeHttpServer("aap"),
    token: opts.token ?? LAB_TOKENS.aap,
    product: opts.product ?? DEFAULT_PRODUCT,
    p: normalizePrefix(opts.apiPath ?? "/api/v2/"),
    stepMs,
    pendingMs: opts.pendingMs ?? stepMs,
    opts,
    failures: new Map(Object.entries(opts.failures ?? {})),
    effects: new Map(Object.entries(opts.effects ?? {})),
    inventory: LAB_HOSTS.map((h) => h.name),
    inventorySource: opts.inventorySource,
    applies: new Map(),
    failNext: new Map(),
    templates: [
      { id: 7, name: "Master Deploy", playbook: "master_deploy.yml", description: "Deploy any app of Nautobot's app_list", inventory: INVENTORY.id, ask: ask(true, true, true) },
      { id: 8, name: "Setup AAP (Seeder)", playbook: "setup_aap.yml", description: "Seed AAP objects from the repo", inventory: INVENTORY.id, ask: ask(false, false) },
      { id: 9, name: "Deploy GitHub Runner", playbook: "github_runner.yml", description: "Install a self-hosted GitHub Actions runner", inventory: INVENTORY.id, ask: ask(true, true) },
      { id: 10, name: "Cleanup OCP Folders", playbook: "cleanup_ocp.yml", description: "Remove old OpenShift folders from the docker share", inventory: INVENTORY.id, ask: ask(true, true) },
    ],
    jobs: new Map(),
    updates: new Map(),
    launches: [],
    concurrent: new Map(),
    timers: new Set(),
    abort: new AbortController(),
    project: { status: "successful", revision: "5f2c1b7e9a0d4c3b8e6f1a2d3c4b5a6978695a4b", lastUpdate: 12, lastUpdated: SEEDED },
    source: { status: "successful", lastUpdate: 13, lastUpdated: SEEDED },
    nextId: 100,
    nextEventId: 5000,
    url: "",
  };
  const seedUpdate = (id: number, kind: UpdateRec["kind"]): UpdateRec =>
    ({ id, kind, status: "successful", created: SEEDED, started: SEEDED, finished: SEEDED, eventsFinished: true, revision: s.project.revision });
  s.updates.set(12, seedUpdate(12, "project_update"));
  s.updates.set(13, seedUpdate(13, "inventory_update"));
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
