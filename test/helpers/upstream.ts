import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Upstream samples kept in the repository (`test/fixtures/upstream/`, provenance and licences in its PROVENANCE.md). */
export const UPSTREAM_DIR = fileURLToPath(new URL("../fixtures/upstream/", import.meta.url));

export function upstreamPath(rel: string): string {
  return join(UPSTREAM_DIR, rel);
}

export function upstreamJson<T = any>(rel: string): T {
  return JSON.parse(readFileSync(upstreamPath(rel), "utf8")) as T;
}
