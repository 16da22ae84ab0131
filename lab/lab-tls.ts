import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate authority and a server certificate for the simulated lab's TLS endpoints. */
export interface LabTls {
  /** PEM of the lab's CA: what labops reads through CA_BUNDLE and Python clients through REQUESTS_CA_BUNDLE. */
  caPem: string;
  /** A file holding caPem (removed when the process exits). */
  caFile: string;
  key: string;
  cert: string;
}

let made: LabTls | undefined;

/**
 * The lab's TLS material, made once per process with the `openssl` binary: a self-signed CA
 * ("labops simulated lab CA") and a server certificate for localhost, 127.0.0.1 and ::1 signed by it,
 * as a Proxmox node has its pve-root-ca and pve-ssl.pem. Verification is never turned off: clients trust this CA.
 */
export function labTls(): LabTls {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), "labops-lab-tls-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "30", "-subj", "/O=labops/CN=labops simulated lab CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/O=labops/CN=localhost");
  writeFileSync(f("server.ext"), [
    "basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth",
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid,issuer", "",
  ].join("\n"));
  openssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "30",
    "-extfile", f("server.ext"), "-out", f("server.pem"));
  made = { caPem: readFileSync(f("ca.pem"), "utf8"), caFile: f("ca.pem"), key: readFileSync(f("server.key"), "utf8"), cert: readFileSync(f("server.pem"), "utf8") };
  return made;
}
