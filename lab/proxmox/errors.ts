import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { JSON_TYPE, type FakeProxmoxOptions } from "./options.ts";

/** Thrown inside handlers; becomes a PVE error response (status line = first line of the message). */
export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string> | undefined,
  ) {
    super(message);
  }
}

/** The 400 of a failed parameter verification, with its `errors`. */
export const paramError = (errors: Record<string, string>) => new PveError(400, "Parameter verification failed.\n", errors);

/** An API method's handler: verified parameters (path + query + body) in, `data` out. */
export type Handler = (params: Record<string, unknown>, req: FakeRequest) => unknown;

/** The `{"data": ...}` envelope (with `total` for paged lists). */
export function pveOk(data: unknown, total?: number): FakeResponse {
  return { status: 200, statusText: "OK", contentType: JSON_TYPE, body: total === undefined ? { data } : { data, total } };
}

/** pve-http-server: the reason phrase is the message; the body gains `message` only from 5.2.0. */
export function pveErrorResponse(st: { readonly opts: FakeProxmoxOptions }, err: PveError): FakeResponse {
  const message = err.message.endsWith("\n") ? err.message : `${err.message}\n`;
  const body: Record<string, unknown> = { data: null };
  if (err.errors) body.errors = err.errors;
  if (!st.opts.legacyErrors) body.message = message;
  return { status: err.status, statusText: message.split("\n")[0], contentType: JSON_TYPE, body };
}
