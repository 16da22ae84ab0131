import { pathToFileURL } from "node:url";
import { FakeHttpServer } from "../fake-http.ts";
import { LAB_TOKENS } from "../homelab.ts";
import type { FakeNautobotOptions } from "./options.ts";
import { addRec, apiVersions, NOTES, REPO_ROOT, SEED_TIME, type Rec, type RecStore } from "./model.ts";
import { seedInventory } from "./seed.ts";

/** Everything a fake Nautobot holds; the route, serializer and Git sync modules share it. */
export interface NautobotState extends RecStore {
  readonly http: FakeHttpServer;
  readonly token: string;
  /** The release played ("2.4.36") and its API versions. */
  readonly version: string;
  readonly apiVersions: string[];
  url: string;
  noWorker: boolean;
  closed: boolean;
  readonly stepMs: number;
  readonly gitRemote: string | undefined;
  readonly seedDir: string;
  /** Pending job-step timers and how to wake them early (close() wakes them so the job loop ends). */
  readonly timers: Map<NodeJS.Timeout, () => void>;
  gitQueue: Promise<unknown>;
  checkoutDir: string | undefined;
  readonly repo: Rec;
  readonly user: Rec;
  readonly syncJob: Rec;
}

/** The seeded store: the sync user, the Git sync job, the "labops" Git repository, then the homelab inventory. */
export function createNautobotState(opts: FakeNautobotOptions): NautobotState {
  const http = new FakeHttpServer("nautobot");
  const store: RecStore = { recs: new Map<string, Rec>() };
  const gitRemote = opts.gitRemote;
  const seedDir = opts.seedDir ?? REPO_ROOT;
  const user = addRec(store, "users.user", "labops", "labops", { username: "labops", first_name: "", last_name: "", email: "" });
  const syncJob = addRec(store, "extras.job", "nautobot.core.jobs.GitRepositorySync", "Git Repository: Sync", {
    module_name: "nautobot.core.jobs",
    job_class_name: "GitRepositorySync",
    grouping: "System Jobs",
    name: "Git Repository: Sync",
    installed: true,
    enabled: true,
  });
  const repo = addRec(store, "extras.gitrepository", "labops", "labops", {
    provided_contents: ["extras.configcontext", "extras.configcontextschema"],
    name: "labops",
    slug: "labops",
    remote_url: gitRemote ?? pathToFileURL(seedDir).toString(),
    branch: "main",
    current_head: "",
    secrets_group: null,
    created: SEED_TIME,
    last_updated: SEED_TIME,
    notes_url: NOTES,
    custom_fields: {},
    tags: [],
  });
  const st: NautobotState = {
    http,
    token: opts.token ?? LAB_TOKENS.nautobot,
    version: opts.version ?? "2.4.36",
    apiVersions: apiVersions(opts.version ?? "2.4.36"),
    url: "",
    noWorker: opts.noWorker ?? false,
    closed: false,
    stepMs: opts.stepMs ?? 300,
    gitRemote,
    seedDir,
    recs: store.recs,
    timers: new Map(),
    gitQueue: Promise.resolve(),
    checkoutDir: undefined,
    repo,
    user,
    syncJob,
  };
  seedInventory(st);
  return st;
}
