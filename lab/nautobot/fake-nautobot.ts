import { rm } from "node:fs/promises";
import { loadGitDatasource } from "./git-datasource.ts";
import type { FakeHttpServer } from "../fake-http.ts";
import type { FakeJournalEntry, FakeNautobotOptions } from "./options.ts";
import { findRec, Link, recsOfType, type Dict } from "./model.ts";
import { createNautobotState, type NautobotState } from "./state.ts";
import { registerRoutes } from "./routes.ts";
import { renderContext } from "./serializers.ts";
import type { FakeHostVars } from "../aap/options.ts";
import { checkout } from "./git-sync.ts";
import { applyDatasource } from "./datasource.ts";

export type { FakeJournalEntry, FakeNautobotOptions } from "./options.ts";

/**
 * Fake Nautobot 2.4 REST API (api-contracts §2): 403 token auth, `API-Version` header, limit/offset pages with
 * absolute `next`, depth 0/1 nesting, strict filters, `config_context` only with `?include=config_context`,
 * and Git repository sync as a Celery-like job (PENDING -> STARTED -> SUCCESS|FAILURE) that really reads a
 * Git repository's `config_contexts/` with the git CLI. Seeded from lab/homelab.ts.
 */
export class FakeNautobot {
  readonly #st: NautobotState;
  readonly http: FakeHttpServer;
  readonly token: string;

  constructor(opts: FakeNautobotOptions = {}) {
    this.#st = createNautobotState(opts);
    this.http = this.#st.http;
    this.token = this.#st.token;
    registerRoutes(this.#st);
  }

  get url(): string {
    return this.#st.url;
  }

  /**
   * Loads the config contexts (from `gitRemote` when given, else `seedDir`), then listens on 127.0.0.1:0.
   * Rejects when the remote cannot be cloned, so a misconfigured lab fails loudly instead of serving no contexts.
   */
  async start(): Promise<string> {
    const { dir, head, branch } = await checkout(this.#st);
    Object.assign(this.#st.repo.fields, { current_head: head, branch });
    applyDatasource(this.#st, loadGitDatasource(dir), () => {});
    this.#st.url = await this.http.listen();
    return this.#st.url;
  }

  async close(): Promise<void> {
    this.#st.closed = true;
    for (const [t, wake] of this.#st.timers) {
      clearTimeout(t);
      wake();
    }
    this.#st.timers.clear();
    await this.http.close();
    await this.#st.gitQueue.catch(() => {});
    if (this.#st.checkoutDir) await rm(this.#st.checkoutDir, { recursive: true, force: true });
  }

  /** Simulates a stopped Celery worker: `sync/` answers 503. */
  setNoWorker(noWorker: boolean): void {
    this.#st.noWorker = noWorker;
  }

  /** Journal entries posted so far, oldest first. */
  journal(): FakeJournalEntry[] {
    return recsOfType(this.#st, "extras.journalentry").map((r) => ({
      id: r.id,
      objectType: String(r.fields.assigned_object_type),
      objectId: String(r.fields.assigned_object_id),
      kind: String((r.fields.kind as Dict).value),
      comments: String(r.fields.comments),
      created: String(r.fields.created),
    }));
  }

  /** Names of every device and virtual machine: what the Nautobot dynamic inventory gives AAP. */
  hostNames(): string[] {
    return [...recsOfType(this.#st, "dcim.device"), ...recsOfType(this.#st, "virtualization.virtualmachine")].map((r) => r.display).sort();
  }

  /**
   * What the Nautobot inventory plugin (plurals: false, config_context: true) gives Ansible for a host:
   * `role`, the role's name, and the rendered `config_context`. Undefined for an unknown host.
   */
  hostVars(name: string): FakeHostVars | undefined {
    const rec = findRec(this.#st, "dcim.device", name) ?? findRec(this.#st, "virtualization.virtualmachine", name);
    if (!rec) return undefined;
    const roleLink = rec.fields.role;
    const role = roleLink instanceof Link ? this.#st.recs.get(roleLink.id)?.display : undefined;
    return { ...(role ? { role } : {}), config_context: renderContext(this.#st, rec) };
  }

  /** Id of a device or VM by name (undefined when absent). */
  hostId(name: string): string | undefined {
    return findRec(this.#st, "dcim.device", name)?.id ?? findRec(this.#st, "virtualization.virtualmachine", name)?.id;
  }

  /** The id of the Git repository record "labops". */
  get gitRepositoryId(): string {
    return this.#st.repo.id;
  }

  /** The data of a config context by name, as stored (not merged). */
  contextData(name: string): Dict | undefined {
    return findRec(this.#st, "extras.configcontext", name)?.fields.data as Dict | undefined;
  }
}
