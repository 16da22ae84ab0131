import type { Labops } from "../create-labops.ts";
import type { Logger } from "../logger.ts";

/**
 * Names for autocomplete (apps, hosts, Proxmox nodes), refreshed in the background: front ends read them
 * on the acknowledgement path without calling a backend.
 */
export class LookupCache {
  #hosts: string[] = [];
  #nodes: string[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly labops: Pick<Labops, "catalog" | "clients">,
    private readonly log: Logger,
  ) {}

  apps(): string[] {
    return this.labops.catalog.cachedNames();
  }

  hosts(): string[] {
    return this.#hosts;
  }

  nodes(): string[] {
    return this.#nodes;
  }

  /** Reads every source once; a failing source keeps its previous names. */
  async refresh(): Promise<void> {
    const { nautobot, proxmox } = this.labops.clients;
    const signal = AbortSignal.timeout(15_000);
    await Promise.all([
      this.labops.catalog.apps({ signal, fresh: true }).catch((err) => this.#warn("apps", err)),
      nautobot?.listHosts({ signal }).then((h) => (this.#hosts = h.map((x) => x.name).sort())).catch((err) => this.#warn("hosts", err)),
      proxmox?.nodes({ signal }).then((n) => (this.#nodes = n.map((x) => x.node).sort())).catch((err) => this.#warn("nodes", err)),
    ]);
  }

  start(intervalMs = 300_000): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  #warn(what: string, err: unknown): void {
    this.log.warn({ what, err: err instanceof Error ? err.message : String(err) }, "autocomplete cache refresh failed");
  }
}
