import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { ACTIVE, UNAUTHENTICATED, type SyncRec } from "./records.ts";
import type { AapState } from "./state.ts";
import { page } from "./list.ts";
import { stdoutResponse } from "./events.ts";
import { launchJob, relaunchJob } from "./jobs.ts";
import { jobBody } from "./job-serializers.ts";
import { launchInfo } from "./template-serializers.ts";
import { displaySurvey, surveySpecError } from "./surveys.ts";
import { recOf } from "./objects.ts";
import { registerObjectRoutes } from "./object-routes.ts";
import { apiRootBody, isPublicPath, pingBody, versionRootBody } from "./ping.ts";
import { startUpdate, updateBody } from "./syncs.ts";
import { gatewayGuard } from "./gateway.ts";
import { registerWorkflowRoutes } from "./workflow-routes.ts";

/** The controller's auth and URL rules: APPEND_SLASH redirects first, then the Bearer token. */
export function aapGuard(s: AapState, req: FakeRequest): FakeResponse | undefined {
  if (!req.path.startsWith("/api/")) return undefined;
  if (!req.path.endsWith("/")) {
    // Django's APPEND_SLASH, before authentication.
    const qs = req.query.toString();
    return { status: 301, headers: { location: `${req.path}/${qs ? `?${qs}` : ""}` } };
  }
  if (isPublicPath(s, req)) return undefined;
  if (s.opts.gateway) {
    const routed = gatewayGuard(s, req);
    if (routed) return routed;
  }
  const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
  if (bearer === undefined || !s.tokens.has(bearer)) {
    return { status: 401, body: { detail: UNAUTHENTICATED }, headers: { "www-authenticate": 'Bearer realm="api" authorization_url="/api/o/authorize/"' } };
  }
  return undefined;
}

/** The API v2 routes of the fake controller. */
export function registerRoutes(s: AapState): void {
  const p = s.p;
  const h = s.http;
  const byId = <T>(m: Map<number, T> | T[], id: string | undefined): T | undefined => {
    const n = Number(id);
    return Array.isArray(m) ? m.find((x) => (x as { id: number }).id === n) : m.get(n);
  };
  const notFound: FakeResponse = { status: 404, body: { detail: "Not found." } };
  const notAllowed: FakeResponse = { status: 405, body: { detail: 'Method "POST" not allowed.' } };

  h.route("GET", "/api/", () => ({ status: 200, body: apiRootBody(s) }));
  h.route("GET", p, () => ({ status: 200, body: versionRootBody(s) }));
  h.route("GET", `${p}ping/`, () => ({ status: 200, body: pingBody(s) }));

  registerObjectRoutes(s);
  registerWorkflowRoutes(s);
  h.route("GET", `${p}job_templates/:id/launch/`, (_r, a) => {
    const t = byId(s.templates, a.id);
    return t ? { status: 200, body: launchInfo(s, t) } : notFound;
  });
  // survey_spec/: {} without a survey; a POST replaces it after the view's checks (200, empty); DELETE removes it.
  h.route("GET", `${p}job_templates/:id/survey_spec/`, (_r, a) => {
    const t = byId(s.templates, a.id);
    return t ? { status: 200, body: displaySurvey(t.survey) } : notFound;
  });
  h.route("POST", `${p}job_templates/:id/survey_spec/`, (req, a) => {
    const t = byId(s.templates, a.id);
    if (!t) return notFound;
    const error = surveySpecError(req.body);
    if (error) return { status: 400, body: { error } };
    t.survey = structuredClone(req.body as Record<string, unknown>);
    return { status: 200 };
  });
  h.route("DELETE", `${p}job_templates/:id/survey_spec/`, (_r, a) => {
    const t = byId(s.templates, a.id);
    if (!t) return notFound;
    t.survey = undefined;
    return { status: 200 };
  });
  h.route("POST", `${p}job_templates/:id/launch/`, (req, a) => {
    const t = byId(s.templates, a.id);
    return t ? launchJob(s, t, req) : notFound;
  });

  h.route("GET", `${p}jobs/`, (req) => {
    const exclude = s.opts.listExtraVars === false ? req.query.get("exclude") : null;
    return page(req, [...s.jobs.values()].map((j) => jobBody(s, j, true, exclude)), s.opts.listExtraVars === false ? ["exclude"] : []);
  });
  h.route("GET", `${p}jobs/:id/`, (_r, a) => {
    const j = byId(s.jobs, a.id);
    return j ? { status: 200, body: jobBody(s, j) } : notFound;
  });
  h.route("GET", `${p}jobs/:id/job_events/`, (req, a) => {
    const j = byId(s.jobs, a.id);
    if (!j) return notFound;
    const res = page(req, j.events, ["limit"]);
    return { ...res, headers: { "x-ui-max-events": "4000" } };
  });
  h.route("GET", `${p}jobs/:id/stdout/`, (req, a) => {
    const j = byId(s.jobs, a.id);
    return j ? stdoutResponse(j, req.query.get("format")) : notFound;
  });
  h.route("GET", `${p}jobs/:id/cancel/`, (_r, a) => {
    const j = byId(s.jobs, a.id);
    return j ? { status: 200, body: { can_cancel: ACTIVE.includes(j.status) } } : notFound;
  });
  h.route("POST", `${p}jobs/:id/cancel/`, (_r, a) => {
    const j = byId(s.jobs, a.id);
    if (!j) return notFound;
    if (!ACTIVE.includes(j.status)) return notAllowed;
    j.cancelRequested = true;
    return { status: 202 };
  });
  h.route("POST", `${p}jobs/:id/relaunch/`, (req, a) => {
    const j = byId(s.jobs, a.id);
    return j ? relaunchJob(s, j, req) : notFound;
  });

  for (const [ep, kind, updates] of [["projects", "project_update", "project_updates"], ["inventory_sources", "inventory_update", "inventory_updates"]] as const) {
    h.route("GET", `${p}${ep}/:id/update/`, (_r, a) => (recOf(s, ep, a.id) ? { status: 200, body: { can_update: ep !== "projects" || Boolean(recOf(s, ep, a.id)!.fields.scm_type) } } : notFound));
    h.route("POST", `${p}${ep}/:id/update/`, (_r, a) => {
      const r = recOf(s, ep, a.id) as SyncRec | undefined;
      if (!r) return notFound;
      if (ep === "projects" && !r.fields.scm_type) return notAllowed;
      return startUpdate(s, kind, r.id);
    });
    h.route("GET", `${p}${updates}/:id/`, (_r, a) => {
      const u = byId(s.updates, a.id);
      return u?.kind === kind ? { status: 200, body: updateBody(s, u) } : notFound;
    });
  }
}
