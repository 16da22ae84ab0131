/** JSON-RPC errors as TrueNAS's middleware sends them (`service_exception.py`): call errors and validation errors. */
export const ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENOTDIR: 20, EINVAL: 22,
  ENOTEMPTY: 39, ENOTAUTHENTICATED: 207,
};

/** An error the fake answers with; the wire form is built by `RpcFail.data`. */
export class RpcFail extends Error {
  constructor(readonly code: number, message: string, readonly errname: string, readonly reason: string, readonly extra: unknown[] | null = null) {
    super(message);
  }
  get data() {
    return { error: ERRNO[this.errname] ?? 22, errname: this.errname, reason: this.reason, trace: null, extra: this.extra };
  }
}
/** `CallError` → -32001 "Method call error", reason "[ERRNAME] message". */
export const callError = (errname: string, msg: string) => new RpcFail(-32001, "Method call error", errname, `[${errname}] ${msg}`);
/** `ValidationError` → -32602 "Invalid params" with `[attribute, message, errno]` in extra. */
export const validationError = (attr: string, msg: string, errname = "EINVAL") =>
  new RpcFail(-32602, "Invalid params", "EINVAL", `[${errname}] ${attr}: ${msg}`, [[attr, msg, ERRNO[errname] ?? 22]]);

/** The middleware's argument models forbid unknown keys ("No Additional Properties"): refuse them as it does. */
export function noExtra(attr: string, value: unknown, allowed: readonly string[]): void {
  for (const k of Object.keys((value ?? {}) as Record<string, unknown>)) {
    if (!allowed.includes(k)) throw validationError(`${attr}.${k}`, "Extra inputs are not permitted");
  }
}
