/**
 * Checks of a `tauri.conf.json` and a capability file against Tauri 2's schema and the documented
 * permissions of the core and of the shell, notification and process plugins (see
 * `tauri-facts.ts`). Each returns a list of problems, empty when the files are right, so tests
 * can also show that a broken file is caught.
 */

import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";

import {
  DEFAULT_WINDOW_LABEL,
  DESKTOP_PERMISSIONS,
  KNOWN_PERMISSIONS,
  SCOPE_ENTRY_KEYS,
  configSchema,
  grants,
  trayIds,
} from "./tauri-facts.js";

type Json = Record<string, unknown>;

const schema = configSchema();
// Tauri's schema uses formats such as "uint" that ajv does not know (they add nothing here), and
// patterns written for Rust's regex engine, which JavaScript reads only without the `u` flag.
const ajv = new Ajv({ strict: false, validateFormats: false, unicodeRegExp: false, allErrors: true });
const validateConfig = ajv.compile(schema);
const validateCapability = ajv.compile({ $ref: "#/definitions/Capability", definitions: schema.definitions });
const CAPABILITY_KEYS = new Set(["$schema", ...Object.keys((schema.definitions["Capability"] as Json)["properties"] as Json)]);

function schemaErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${where}${error.instancePath}: ${error.message ?? "invalid"} ${JSON.stringify(error.params)}`);
}

export function configProblems(conf: Json): string[] {
  return validateConfig(conf) ? [] : schemaErrors("tauri.conf.json", validateConfig.errors);
}

function externalBins(conf: Json): string[] {
  return ((conf["bundle"] as Json | undefined)?.["externalBin"] as string[] | undefined) ?? [];
}

function windowLabels(conf: Json): string[] {
  const windows = ((conf["app"] as Json | undefined)?.["windows"] as Json[] | undefined) ?? [];
  return windows.map((win) => (win["label"] as string | undefined) ?? DEFAULT_WINDOW_LABEL);
}

function argsProblems(args: unknown): string[] {
  if (args === undefined || typeof args === "boolean") return [];
  if (!Array.isArray(args)) return [`args must be true, false or a list, not ${JSON.stringify(args)}`];
  return args.flatMap((arg: unknown) => {
    if (typeof arg === "string") return [];
    const object = arg as Json;
    const keys = typeof arg === "object" && arg !== null ? Object.keys(object) : [];
    const ok = typeof object?.["validator"] === "string" && keys.every((key) => key === "validator" || key === "raw");
    return ok ? [] : [`an args item is a fixed string or {validator, raw?}, not ${JSON.stringify(arg)}`];
  });
}

function scopeEntryProblems(entry: Json, conf: Json): string[] {
  const problems = Object.keys(entry)
    .filter((key) => !SCOPE_ENTRY_KEYS.has(key))
    .map((key) => `unknown scope key ${key}`);
  if (typeof entry["name"] !== "string") problems.push("a scope entry needs a name");
  if (entry["sidecar"] !== undefined && typeof entry["sidecar"] !== "boolean") problems.push("sidecar is a boolean");
  if (entry["sidecar"] !== true && typeof entry["cmd"] !== "string") problems.push(`${String(entry["name"])}: cmd is required unless sidecar`);
  if (entry["sidecar"] === true && !externalBins(conf).includes(String(entry["name"]))) {
    problems.push(`sidecar ${String(entry["name"])} is not in bundle.externalBin`);
  }
  return [...problems, ...argsProblems(entry["args"])];
}

function permissionProblems(permission: unknown, conf: Json): string[] {
  const identifier = typeof permission === "string" ? permission : String((permission as Json)["identifier"]);
  if (!KNOWN_PERMISSIONS.has(identifier)) return [`unknown permission ${identifier}`];
  if (typeof permission === "string") return [];
  const allow = ((permission as Json)["allow"] as Json[] | undefined) ?? [];
  if (allow.length > 0 && !["shell:allow-spawn", "shell:allow-execute"].includes(identifier)) {
    return [`${identifier} takes no scope`];
  }
  return allow.flatMap((entry) => scopeEntryProblems(entry, conf));
}

export function capabilityProblems(cap: Json, conf: Json): string[] {
  if (!validateCapability(cap)) return schemaErrors("capability", validateCapability.errors);
  const problems = Object.keys(cap)
    .filter((key) => !CAPABILITY_KEYS.has(key))
    .map((key) => `unknown capability key ${key}`);
  const labels = windowLabels(conf);
  for (const win of (cap["windows"] as string[] | undefined) ?? []) {
    if (!labels.includes(win)) problems.push(`window ${win} is not in tauri.conf.json (${labels.join(", ")})`);
  }
  return [...problems, ...(cap["permissions"] as unknown[]).flatMap((permission) => permissionProblems(permission, conf))];
}

/** What the sidecar's transport needs, and nothing of the shell beyond it. */
export function sidecarWiringProblems(cap: Json, conf: Json): string[] {
  const permissions = cap["permissions"] as unknown[];
  const identifiers = permissions.map((p) => (typeof p === "string" ? p : String((p as Json)["identifier"])));
  const spawnScope = permissions
    .filter((p): p is Json => typeof p === "object" && (p as Json)["identifier"] === "shell:allow-spawn")
    .flatMap((p) => (p["allow"] as Json[] | undefined) ?? []);
  const problems = externalBins(conf)
    .filter((bin) => !spawnScope.some((entry) => entry["name"] === bin && entry["sidecar"] === true))
    .map((bin) => `no shell:allow-spawn scope entry {name: ${bin}, sidecar: true}`);
  for (const needed of ["shell:allow-stdin-write", "shell:allow-kill"]) {
    if (!identifiers.includes(needed)) problems.push(`${needed} is missing: the transport writes frames and kills`);
  }
  for (const wider of ["shell:default", "shell:allow-execute", "shell:allow-open"]) {
    if (identifiers.includes(wider)) problems.push(`${wider} opens more of the shell than the sidecar needs`);
  }
  return problems;
}

/** What the tray, the notifications and the window need (`src/tray.ts`, `src/desktop.ts`). */
export function desktopWiringProblems(cap: Json, conf: Json, trayId: string): string[] {
  const permissions = cap["permissions"] as unknown[];
  const problems = DESKTOP_PERMISSIONS.filter((needed) => !grants(permissions, needed)).map(
    (needed) => `${needed} is not granted: the tray, the notifications or the window need it`,
  );
  if (!trayIds(conf).includes(trayId)) problems.push(`no app.trayIcon with id ${trayId} in tauri.conf.json`);
  return problems;
}
