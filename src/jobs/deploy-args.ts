import { z } from "zod";
import { hostName } from "../appcatalog/app-args.ts";

/** `/deploy <app> [--check] [--host H] [--allow-elevated]`, and the `aap.deploy` job (also queued by a GitOps sync). */
export const deployArgs = z.object({
  app: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "an app name: lowercase letters, digits, - and _").describe("App name from app_list"),
  check: z.boolean().default(false).describe("Dry run (Ansible check mode)"),
  host: hostName.optional().describe("Deploy on this Docker host: the app's own, or one of its alternate_hosts"),
  allowElevated: z.boolean().default(false).describe("Admin only: allow the entry's privileged mode, capabilities, host namespaces or devices"),
});

/** Apply under a `/deploy --check` plan, and the `aap.deploy-apply` job: the same deploy, with what the check ran against. */
export const applyArgs = z.object({
  app: deployArgs.shape.app,
  host: deployArgs.shape.host,
  allowElevated: z.boolean().default(false),
  basis: z.object({ entry: z.string(), revision: z.string() }),
  checkJob: z.number().int().positive(),
});
