import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { AapState } from "./state.ts";
import { iso } from "./format.ts";

/** The controller's product, as its `X-API-Product-*` headers and `ping` name it. */
export interface AapProduct {
  /** `AWX`, or `Red Hat Ansible Automation Platform` on AAP. */
  name: string;
  version: string;
}

export const DEFAULT_PRODUCT: AapProduct = { name: "AWX", version: "24.6.1" };

const INSTALL_UUID = "8c2f1a4e-5b6d-4c7e-9f80-1a2b3c4d5e6f";
const NODE = "aap01";

/** GET {prefix}ping/: unauthenticated on AWX/AAP (ApiV2PingView: AllowAny, no authentication classes). */
export function pingBody(s: AapState): Record<string, unknown> {
  const heartbeat = iso(new Date());
  return {
    ha: false,
    version: s.product.version,
    active_node: NODE,
    install_uuid: INSTALL_UUID,
    instances: [{ node: NODE, node_type: "hybrid", uuid: "00000000-0000-0000-0000-000000000000", heartbeat, capacity: 57, version: s.product.version }],
    instance_groups: [
      { name: "controlplane", capacity: 57, instances: [NODE] },
      { name: "default", capacity: 57, instances: [NODE] },
    ],
  };
}

/** GET /api/ (AllowAny): the API versions the server offers. */
export function apiRootBody(s: AapState): Record<string, unknown> {
  return {
    description: "AWX REST API",
    current_version: s.p,
    available_versions: { v2: s.p },
    oauth2: "/api/o/",
    custom_logo: "",
    custom_login_info: "",
    login_redirect_override: "",
  };
}

/** True for the views AWX serves without authentication: `/api/`, `{prefix}` and `{prefix}ping/`. */
export function isPublicPath(s: AapState, req: FakeRequest): boolean {
  return req.method === "GET" && (req.path === "/api/" || req.path === s.p || req.path === `${s.p}ping/`);
}

/** The headers AWX's APIView.finalize_response puts on every API answer (not on Django's APPEND_SLASH redirect). */
export function productHeaders(s: AapState, req: FakeRequest, res: FakeResponse): Record<string, string> | undefined {
  if (!req.path.startsWith("/api/") || res.status === 301) return undefined;
  return {
    "X-API-Product-Name": s.product.name,
    "X-API-Product-Version": s.product.version,
    "X-API-Node": NODE,
    "X-API-Time": "0.012s",
  };
}

const ENDPOINTS = [
  "ping", "instances", "instance_groups", "config", "settings", "me", "dashboard", "organizations", "users", "execution_environments",
  "projects", "project_updates", "teams", "credentials", "credential_types", "credential_input_sources", "applications", "tokens",
  "metrics", "inventory", "inventory_sources", "inventory_updates", "groups", "hosts", "host_metrics", "job_templates", "jobs",
  "ad_hoc_commands", "system_job_templates", "system_jobs", "schedules", "roles", "notification_templates", "notifications", "labels",
  "unified_job_templates", "unified_jobs", "activity_stream", "workflow_job_templates", "workflow_jobs", "workflow_approvals",
  "workflow_job_template_nodes", "workflow_job_nodes", "mesh_visualizer", "bulk", "analytics",
];

/** GET {prefix} (AllowAny): every top-level endpoint by name. */
export function versionRootBody(s: AapState): Record<string, string> {
  return Object.fromEntries(ENDPOINTS.map((e) => [e, `${s.p}${e === "inventory" ? "inventories" : e}/`]));
}
