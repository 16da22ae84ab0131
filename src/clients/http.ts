import axios, { type AxiosInstance, type AxiosResponse, type Method } from "axios";
import { Agent as HttpsAgent } from "node:https";
import type { z } from "zod";
import { ApiError, ForeignLinkError, type Service } from "../errors.ts";
import { sleep } from "../sleep.ts";

/** One HTTP request to an upstream API. `path` is relative to the client's base URL unless it starts with `/`. */
export interface ApiRequest {
  method: Method;
  path: string;
  params?: Record<string, string | number | boolean | undefined> | undefined;
  data?: unknown;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** "text" for plain-text endpoints (AAP stdout); default JSON. */
  responseType?: "json" | "text" | undefined;
}

export interface HttpApiOptions {
  service: Service;
  /** Base URL every relative path is resolved against, e.g. `https://aap.lab/api/v2/`. */
  baseUrl: string;
  /** Auth and version headers; never logged, never put into an error. */
  headers: Record<string, string>;
  timeoutMs?: number | undefined;
  /** PEM CA bundle for a lab with its own certificate authority. TLS verification is never turned off. */
  caPem?: string | undefined;
  /** Extra tries for idempotent GETs on a retryable failure (network, 429, 5xx). Writes are never retried here. */
  getRetries?: number | undefined;
  /** Extracts the operator-facing reason from an error response. */
  reasonOf?: ((res: AxiosResponse) => string | undefined) | undefined;
  /** Called once per failed request, for metrics. */
  onError?: ((err: ApiError) => void) | undefined;
  http?: AxiosInstance | undefined;
}


/** The shared request path of every REST client: auth headers, timeout, abort, zod parsing and error mapping. */
export class HttpApi {
  readonly service: Service;
  readonly baseUrl: string;
  readonly #http: AxiosInstance;
  readonly #opts: HttpApiOptions;

  constructor(opts: HttpApiOptions) {
    this.service = opts.service;
    this.baseUrl = opts.baseUrl.endsWith("/") ? opts.baseUrl : `${opts.baseUrl}/`;
    this.#opts = opts;
    this.#http =
      opts.http ??
      axios.create({
        timeout: opts.timeoutMs ?? 15_000,
        maxRedirects: 0,
        proxy: false,
        ...(opts.caPem ? { httpsAgent: new HttpsAgent({ ca: opts.caPem }) } : {}),
        validateStatus: () => true,
        transitional: { clarifyTimeoutError: true },
      });
  }

  /** The origin of the base URL: AAP and Nautobot `next` links are resolved against it. */
  get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  /**
   * Resolves a path against the base URL: `x` is base-relative, `/x` origin-relative, an absolute URL stays.
   * Whatever the path says (a `next` link from an answer, `//host/x`, `\\host`), the result must lie on the
   * configured origin, because the auth headers go nowhere else: ForeignLinkError otherwise, before anything is sent.
   */
  resolve(path: string, method = "GET"): string {
    let url: URL;
    try {
      url = new URL(path, this.baseUrl);
    } catch {
      throw new ApiError(this.service, undefined, method.toUpperCase(), "(bad link)", "refused a link that is not a valid URL", { retryable: false });
    }
    if (url.origin !== this.origin) {
      const err = new ForeignLinkError(this.service, method.toUpperCase(), url.origin, this.origin);
      this.#opts.onError?.(err);
      throw err;
    }
    return url.toString();
  }

  /** Sends a request and parses the body with `schema`; any failure becomes an ApiError. */
  async call<S extends z.ZodType>(req: ApiRequest, schema: S): Promise<z.output<S>> {
    const res = await this.send(req);
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "unknown";
      throw this.#fail(req, res.status, `unexpected response shape at ${where}`, false);
    }
    return parsed.data;
  }

  /** Sends a request and returns the raw response when its status is 2xx; throws ApiError otherwise. */
  async send(req: ApiRequest): Promise<AxiosResponse> {
    const tries = req.method.toUpperCase() === "GET" ? 1 + (this.#opts.getRetries ?? 2) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(req);
      } catch (err) {
        if (!(err instanceof ApiError) || !err.retryable || attempt >= tries || req.signal?.aborted) throw err;
        await sleep(Math.min(2_000, 200 * 3 ** (attempt - 1)), req.signal);
      }
    }
  }

  async #once(req: ApiRequest): Promise<AxiosResponse> {
    const url = this.resolve(req.path, req.method);
    let res: AxiosResponse;
    try {
      res = await this.#http.request({
        method: req.method,
        url,
        // Never follow a redirect, even with an injected axios instance: a Location may name another host.
        maxRedirects: 0,
        params: req.params,
        data: req.data,
        headers: { ...this.#opts.headers, ...req.headers },
        ...(req.signal ? { signal: req.signal } : {}),
        responseType: req.responseType === "text" ? "text" : "json",
        ...(req.responseType === "text" ? { transformResponse: (d: unknown) => d } : {}),
      });
    } catch (err) {
      throw this.#fail(req, undefined, networkReason(err), true);
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status >= 300 && res.status < 400) throw this.#redirect(req, res);
    const reason = this.#opts.reasonOf?.(res) ?? defaultReason(res);
    throw this.#fail(req, res.status, reason || res.statusText || "request failed");
  }

  /** A 3xx answer is not followed; a Location on another origin is reported as such. */
  #redirect(req: ApiRequest, res: AxiosResponse): ApiError {
    const location = typeof res.headers.location === "string" ? res.headers.location : undefined;
    let target: URL | undefined;
    try {
      target = location ? new URL(location, this.resolve(req.path)) : undefined;
    } catch {
      target = undefined;
    }
    if (target && target.origin !== this.origin) {
      const err = new ForeignLinkError(this.service, req.method.toUpperCase(), target.origin, this.origin, `a redirect (${res.status})`);
      this.#opts.onError?.(err);
      return err;
    }
    const where = target ? ` to ${target.pathname}` : "";
    return this.#fail(req, res.status, `redirect${where} not followed: configure the URL the server redirects to`, false);
  }

  #fail(req: ApiRequest, status: number | undefined, reason: string, retryable?: boolean): ApiError {
    const path = new URL(this.resolve(req.path)).pathname;
    const err = new ApiError(this.service, status, req.method.toUpperCase(), path, reason.slice(0, 300), {
      retryable,
    });
    this.#opts.onError?.(err);
    return err;
  }
}

function defaultReason(res: AxiosResponse): string | undefined {
  const body: unknown = res.data;
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    for (const key of ["detail", "message", "error"]) {
      if (typeof b[key] === "string") return (b[key] as string).trim();
    }
    return JSON.stringify(body).slice(0, 200);
  }
  if (typeof body === "string" && body.length > 0) return body.slice(0, 200);
  return undefined;
}

/** Network failures keep only their code, never the request config (which holds the auth header). */
function networkReason(err: unknown): string {
  if (axios.isCancel(err)) return "aborted";
  if (axios.isAxiosError(err)) {
    if (err.code === "ETIMEDOUT" || err.code === "ECONNABORTED") return "timed out";
    return err.code ?? "network error";
  }
  if (err instanceof Error && err.name === "AbortError") return "aborted";
  return "network error";
}
