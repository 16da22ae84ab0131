import { isIP } from "node:net";
import type { PveParams, PveSchema } from "./param-schemas.ts";

// ---------------------------------------------------------------------------------------------
// Validation, after pve-common src/PVE/JSONSchema.pm (check_object, check_prop, check_type,
// check_format, parse_property_string). Messages are the upstream ones.
// ---------------------------------------------------------------------------------------------

/** Highest index + 1 of the numbered parameter families (pve-container: 32 NICs, 256 mount points/devices). */
const FAMILY_SIZE: Record<string, number> = { net: 32, mp: 256, dev: 256, unused: 256 };
const IS_NUMBER = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/;

/** Validates request parameters like PVE; returns the `errors` object of a 400, or undefined when valid. */
export function validatePveParams(schema: PveParams, params: Record<string, unknown>): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  checkObject("", schema.properties ?? {}, params, schema.additionalProperties, errors);
  return Object.keys(errors).length > 0 ? errors : undefined;
}

function schemaFor(props: Readonly<Record<string, PveSchema>>, key: string): PveSchema | undefined {
  if (Object.hasOwn(props, key)) return props[key];
  const m = /^([a-z]+)(\d+)$/.exec(key);
  if (!m || String(Number(m[2])) !== m[2]) return undefined;
  const family = props[`${m[1]}[n]`];
  return family && Number(m[2]) < (FAMILY_SIZE[m[1]!] ?? 0) ? family : undefined;
}

function checkObject(
  path: string,
  props: Readonly<Record<string, PveSchema>>,
  value: Record<string, unknown>,
  additional: number,
  errors: Record<string, string>,
): void {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  for (const [k, s] of Object.entries(props)) if (!k.endsWith("[n]")) checkProp(value[k], s, at(k), errors);
  for (const k of Object.keys(value)) {
    const s = schemaFor(props, k);
    if (s) {
      if (s.requires && value[s.requires] === undefined) {
        addError(errors, at(s.requires), `missing property - '${at(k)}' requires this property`);
      }
      if (!Object.hasOwn(props, k)) checkProp(value[k], s, at(k), errors);
      continue;
    }
    if (!additional) {
      addError(errors, at(k), "property is not defined in schema and the schema does not allow additional properties");
    }
  }
}

function addError(errors: Record<string, string>, path: string, msg: string): void {
  const key = path || "_root";
  errors[key] = errors[key] ? `${errors[key]}\\n${msg}` : msg;
}

function checkProp(value: unknown, s: PveSchema, path: string, errors: Record<string, string>): void {
  if (value === undefined || value === null) {
    if (!s.optional) addError(errors, path, "property is missing and it is not optional");
    return;
  }
  const typeError = checkType(s.type, value);
  if (typeError) return addError(errors, path, typeError);
  if (typeof value === "boolean") return;
  const str = String(value);
  if (s.format) {
    const err = checkFormat(s.format, str, path);
    if (err) return addError(errors, path, `invalid format - ${err}`);
  }
  if (s.pattern && !new RegExp(`^${perlRegex(s.pattern)}$`).test(str)) {
    return addError(errors, path, "value does not match the regex pattern");
  }
  if (s.maxLength !== undefined && str.length > s.maxLength) {
    return addError(errors, path, `value may only be ${s.maxLength} characters long`);
  }
  if (s.minLength !== undefined && str.length < s.minLength) {
    return addError(errors, path, `value must be at least ${s.minLength} characters long`);
  }
  if (IS_NUMBER.test(str)) {
    if (s.maximum !== undefined && Number(str) > Number(s.maximum)) {
      return addError(errors, path, `value must have a maximum value of ${s.maximum}`);
    }
    if (s.minimum !== undefined && Number(str) < Number(s.minimum)) {
      return addError(errors, path, `value must have a minimum value of ${s.minimum}`);
    }
  }
  if (s.enum && !s.enum.includes(str)) {
    addError(errors, path, `value '${str}' does not have a value in the enumeration '${s.enum.join(", ")}'`);
  }
}

function checkType(type: string | undefined, value: unknown): string | undefined {
  if (!type || type === "any") return undefined;
  if (typeof value === "object") return `type check ('${type}') failed - got ${Array.isArray(value) ? "ARRAY" : "HASH"}`;
  // A JSON true/false is a JSON::PP::Boolean reference in Perl: fine for booleans, a type error otherwise.
  if (typeof value === "boolean") return type === "boolean" ? undefined : `type check ('${type}') failed - got JSON::PP::Boolean`;
  const str = String(value);
  const ok =
    type === "string" ||
    (type === "boolean" && (str === "1" || str === "0")) ||
    (type === "integer" && /^[+-]?\d+$/.test(str)) ||
    (type === "number" && IS_NUMBER.test(str));
  return ok ? undefined : `type check ('${type}') failed - got '${str}'`;
}

/** Perl's `(?^:...)` (a group with default flags) is JavaScript's `(?:...)`. */
function perlRegex(p: string): string {
  return p.replaceAll("(?^:", "(?:");
}

/** PVE::Tools::split_list. */
function splitList(text: string): string[] {
  if (text.includes("\0")) return text.split("\0");
  return text.replace(/[,;]/g, " ").trim().split(/\s+/).filter(Boolean);
}

const DNS_LABEL = "([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?)";
const cidr = (v: string, family: 4 | 6) => {
  const m = /^(.+)\/(\d+)$/.exec(v);
  return !!m && isIP(m[1]!) === family && Number(m[2]) > 7 && Number(m[2]) <= (family === 4 ? 32 : 128);
};

/** Named formats the fake checks (error text with its trailing newline, as PVE sends it); others pass. */
const FORMATS: Record<string, (v: string) => string | undefined> = {
  "pve-vmid": (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? undefined : "value does not look like a valid VM ID\n"),
  "pve-node": (v) => (new RegExp(`^${DNS_LABEL}$`).test(v) ? undefined : "value does not look like a valid node name\n"),
  "dns-name": (v) => (new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`).test(v) ? undefined : "value does not look like a valid DNS name\n"),
  "pve-storage-id": (v) => (/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v) ? undefined : `storage ID '${v}' contains illegal characters\n`),
  "pve-volume-id": (v) => (/^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.test(v) ? undefined : `unable to parse volume ID '${v}'\n`),
  "pve-tag": (v) => (/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v) ? undefined : "invalid characters in tag\n"),
  "disk-size": (v) => (/^(\d+(\.\d+)?)([KMGT])?$/.test(v) ? undefined : `value '${v}' is not a valid disk size\n`),
  ipv4: (v) => (isIP(v) === 4 ? undefined : "value does not look like a valid IPv4 address\n"),
  ipv6: (v) => (isIP(v) === 6 ? undefined : "value does not look like a valid IPv6 address\n"),
  "mac-addr": (v) =>
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v) ? undefined : "value does not look like a valid unicast MAC address\n",
  "pve-ipv4-config": (v) =>
    /^(?:dhcp|manual)$/.test(v) || cidr(v, 4) ? undefined : "value does not look like a valid ipv4 network configuration\n",
  "pve-ipv6-config": (v) =>
    /^(?:auto|dhcp|manual)$/.test(v) || cidr(v, 6) ? undefined : "value does not look like a valid ipv6 network configuration\n",
};

function checkFormat(format: string | Readonly<Record<string, PveSchema>>, value: string, path: string): string | undefined {
  if (typeof format !== "string") return parsePropertyString(format, value, path);
  const list = /^(.*)-list$/.exec(format);
  const check = FORMATS[list ? list[1]! : format];
  if (!check) return undefined;
  for (const item of list ? splitList(value) : [value]) {
    const err = check(item);
    if (err) return err;
  }
  return undefined;
}

function parseBoolean(v: string): string | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return "1";
  if (/^(0|off|no|false)$/i.test(v)) return "0";
  return undefined;
}

/** `key=value,...` strings such as net0 and rootfs; returns the error text or undefined. */
function parsePropertyString(format: Readonly<Record<string, PveSchema>>, data: string, path: string): string | undefined {
  const res: Record<string, string> = {};
  let defaultKey: string | undefined;
  for (const part of data.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      const [, k, v] = kv as unknown as [string, string, string];
      if (res[k] !== undefined) return `duplicate key in comma-separated list property: ${k}\n`;
      const s = format[k];
      if (!s) return `invalid key in comma-separated list property: ${k}\n`;
      res[k] = s.type === "boolean" ? (parseBoolean(v) ?? v) : v;
    } else if (!part.includes("=")) {
      if (defaultKey) return `duplicate key in comma-separated list property: ${defaultKey}\n`;
      defaultKey = Object.keys(format).find((k) => format[k]?.default_key);
      if (!defaultKey) return "value without key, but schema does not define a default key\n";
      if (res[defaultKey] !== undefined) return `duplicate key in comma-separated list property: ${defaultKey}\n`;
      res[defaultKey] = part;
    } else {
      return "missing key in comma-separated list property\n";
    }
  }
  const errors: Record<string, string> = {};
  checkObject(path, format, res, 0, errors);
  const lines = Object.entries(errors).map(([k, v]) => `${k}: ${v}\n`);
  return lines.length > 0 ? `format error\n${lines.join("")}` : undefined;
}
