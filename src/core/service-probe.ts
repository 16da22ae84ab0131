import { connect } from "node:net";

export interface ProbeResult {
  open: boolean;
  ms: number;
  error?: string | undefined;
}

/** Checks that something answers on `address:port`. Passed in, so the simulated lab can route probes to its own listeners. */
export type ServiceProbe = (target: { address: string; port: number; protocol: string }, signal?: AbortSignal) => Promise<ProbeResult>;

/** A TCP connect with a timeout: the production probe. */
export function tcpProbe(timeoutMs = 3_000): ServiceProbe {
  return ({ address, port }, signal) =>
    new Promise((resolve) => {
      const t0 = Date.now();
      const sock = connect({ host: address, port, signal });
      const done = (open: boolean, error?: string) => {
        sock.destroy();
        clearTimeout(timer);
        resolve({ open, ms: Date.now() - t0, error });
      };
      const timer = setTimeout(() => done(false, "timed out"), timeoutMs);
      sock.once("connect", () => done(true));
      sock.once("error", (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
    });
}
