import type { FakeHttpServer } from "../fake-http.ts";
import type { FakeGuest, FakeProxmoxOptions } from "./options.ts";
import { createProxmoxState, type ProxmoxState } from "./state.ts";
import { proxmoxGuard, registerRoutes } from "./routes.ts";
import { advanceTasks } from "./tasks.ts";
import { labTls } from "../lab-tls.ts";

export type { FakeGuest, FakeProxmoxOptions } from "./options.ts";
export { PVE_PARAM_SCHEMAS, type PveParams, type PveSchema } from "./param-schemas.ts";
export { validatePveParams } from "./validate.ts";

/**
 * The simulated Proxmox VE 9.1 cluster behind `https://…/api2/json` (HTTPS only, like pveproxy; certificate signed by
 * the lab's CA): the `{"data": ...}` envelope, API-token auth,
 * parameter verification the way pve-common's JSONSchema.pm does it (same messages, 400 with `errors`),
 * asynchronous worker tasks with UPIDs, task logs and exit statuses, and the error shapes of
 * pve-http-server before and after 5.2.0 (`legacyErrors`). (pve-http-server).
 *
 * The parameter schemas and validator, routes, containers, resources and tasks live in the `fake-proxmox-*` modules.
 */

/** Fake Proxmox VE cluster (pve01..pve03) seeded from the lab's hosts. */
export class FakeProxmox {
  readonly #st: ProxmoxState;
  readonly http: FakeHttpServer;
  readonly token: string;
  /** The CA that signed its certificate (give it to a client as `caPem`, or CA_BUNDLE). */
  readonly caPem: string;
  url = "";

  constructor(opts: FakeProxmoxOptions = {}) {
    this.#st = createProxmoxState(opts);
    this.http = this.#st.http;
    this.token = this.#st.token;
    this.caPem = opts.tls ? "" : labTls().caPem;
    this.http.guard = (req) => proxmoxGuard(this.#st, req);
    registerRoutes(this.#st);
  }

  async start(): Promise<string> {
    this.url = await this.http.listen();
    return this.url;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** Guests after applying every task that has finished by now, sorted by VMID. */
  guests(): FakeGuest[] {
    advanceTasks(this.#st);
    return [...this.#st.guests.values()].sort((a, b) => a.vmid - b.vmid).map((g) => ({ ...g, config: { ...g.config } }));
  }

  /** The next task of `type` (e.g. "vzcreate") ends with `exitstatus` ("WARNINGS: 1" counts as success, as in PVE). */
  failNextTask(type: string, exitstatus: string): void {
    this.#st.failNext.set(type, exitstatus);
  }

  /** Takes a privilege (e.g. "VM.Allocate", "VM.PowerMgmt", "VM.Audit") from the token: calls needing it get 403. */
  deny(privilege: string): void {
    this.#st.denied.add(privilege);
  }

  allow(privilege: string): void {
    this.#st.denied.delete(privilege);
  }
}
