/**
 * The containers on the simulated Docker hosts, as Master Deploy's docker_app role leaves them: what runs
 * where, from which image, publishing which ports, and each container's log (`docker logs --timestamps`).
 * The fake AAP changes it only in the tasks that change a real host (Run container, Restart container,
 * Remove container), never in check mode; the lab's service probe answers for the ports it publishes.
 */
export interface FakeContainer {
  host: string;
  name: string;
  image: string;
  /** Host ports published (`3000:3000/tcp` → 3000 tcp). */
  ports: { port: number; protocol: string }[];
  running: boolean;
  created: Date;
  restarts: number;
  log: string[];
}

const MAX_LOG = 5000;
const stamp = (d = new Date()) => `${d.toISOString().slice(0, -1)}000000Z`;

export class FakeDockerHosts {
  readonly #containers = new Map<string, FakeContainer>();

  get(host: string, name: string): FakeContainer | undefined {
    return this.#containers.get(`${host}/${name}`);
  }

  list(host?: string): FakeContainer[] {
    return [...this.#containers.values()].filter((c) => host === undefined || c.host === host);
  }

  /** docker_container state started with this image and ports: creates or recreates it; false when nothing changed. */
  run(host: string, name: string, spec: { image: string; ports?: unknown }): boolean {
    const ports = (Array.isArray(spec.ports) ? spec.ports : []).map(String).flatMap((p) => {
      const m = /^(\d+):\d+(?:\/(tcp|udp|sctp))?$/.exec(p);
      return m ? [{ port: Number(m[1]), protocol: m[2] ?? "tcp" }] : [];
    });
    const old = this.get(host, name);
    if (old && old.running && old.image === spec.image && JSON.stringify(old.ports) === JSON.stringify(ports)) return false;
    const c: FakeContainer = { host, name, image: spec.image, ports, running: true, created: new Date(), restarts: 0, log: [] };
    this.#containers.set(`${host}/${name}`, c);
    this.#boot(c);
    return true;
  }

  /** docker_container restart: yes on an existing container. */
  restart(host: string, name: string): boolean {
    const c = this.get(host, name);
    if (!c) return false;
    c.restarts++;
    this.#write(c, `${name}: received SIGTERM, shutting down`);
    c.running = true;
    this.#boot(c);
    return true;
  }

  /** docker_container state absent: true when there was one. */
  remove(host: string, name: string): boolean {
    return this.#containers.delete(`${host}/${name}`);
  }

  /** `docker logs --timestamps --tail N`: the last N lines, or undefined when there is no such container. */
  logs(host: string, name: string, tail: number): string[] | undefined {
    const c = this.get(host, name);
    return c ? c.log.slice(Math.max(0, c.log.length - tail)) : undefined;
  }

  /** Whether a running container on the host publishes this port (the lab's probe answers for it). */
  publishes(host: string, port: number, protocol = "tcp"): boolean {
    return this.list(host).some((c) => c.running && c.ports.some((p) => p.port === port && p.protocol === protocol));
  }

  #boot(c: FakeContainer): void {
    this.#write(c, `${c.name}: starting ${c.image}`);
    for (const p of c.ports) this.#write(c, `${c.name}: listening on :${p.port}/${p.protocol}`);
    this.#write(c, `${c.name}: ready`);
  }

  #write(c: FakeContainer, line: string): void {
    c.log.push(`${stamp()} ${line}`);
    if (c.log.length > MAX_LOG) c.log.splice(0, c.log.length - MAX_LOG);
  }
}
