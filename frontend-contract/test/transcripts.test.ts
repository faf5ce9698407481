/**
 * Type-level check: every golden transcript in protocol/transcripts/*.jsonl fits the generated
 * types. Each successful `expect` result becomes a `const x: ResultOf<"method"> = <json>` (so
 * object literals get TypeScript's excess-property checks too), its request's params a
 * `ParamsOf<"method">`, each domain error's data an `ErrorData`; one strict program
 * compiles them all and every diagnostic is reported against its transcript line.
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import ts from "typescript";

import { ERROR_CODES } from "../src/generated/errors.js";
import { PACKAGE_DIR, REPO } from "./helpers.js";

const TRANSCRIPTS = join(REPO, "protocol", "transcripts");
const OUT = join(PACKAGE_DIR, "dist", "transcript-check");
const DOMAIN_CODES = new Set<number>(Object.values(ERROR_CODES).filter((code) => code !== -32603));

type Json = Record<string, unknown>;

/** TypeScript declarations for one transcript, and which source line each came from. */
export function declarations(name: string, text: string): { source: string; origins: string[] } {
  const requests = new Map<unknown, { method: string; params: unknown; line: number }>();
  const lines: string[] = [];
  const origins: string[] = [];
  const declare = (type: string, value: unknown, line: number): void => {
    lines.push(`export const v${lines.length}: ${type} = ${JSON.stringify(value)};`);
    origins.push(`${name}:${line}`);
  };
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "") return;
    const entry = JSON.parse(raw) as Json;
    const send = entry["send"] as Json | undefined;
    const expect = entry["expect"] as Json | undefined;
    if (send && "id" in send) {
      requests.set(send["id"], { method: String(send["method"]), params: send["params"] ?? {}, line: index + 1 });
    }
    const request = expect ? requests.get(expect["id"]) : undefined;
    if (!expect || !request) return;
    const method = JSON.stringify(request.method);
    if ("result" in expect) {
      declare(`ResultOf<${method}>`, expect["result"], index + 1);
      declare(`ParamsOf<${method}>`, request.params, request.line);
    }
    const error = expect["error"] as Json | undefined;
    if (error && DOMAIN_CODES.has(error["code"] as number)) declare("ErrorData", error["data"], index + 1);
  });
  const header = 'import type { ErrorData, ParamsOf, ResultOf } from "../../src/generated/index.js";\n';
  return { source: header + lines.join("\n") + "\n", origins };
}

/** Compile the given transcripts; returns the errors per transcript name. */
export function check(transcripts: Array<[string, string]>): Map<string, string[]> {
  mkdirSync(OUT, { recursive: true });
  const files: string[] = [];
  const origins = new Map<string, string[]>();
  for (const [name, text] of transcripts) {
    const { source, origins: lineOrigins } = declarations(name, text);
    const file = join(OUT, name.replace(/[^A-Za-z0-9_-]/g, "_") + ".ts");
    writeFileSync(file, source);
    files.push(file);
    origins.set(file, lineOrigins);
  }
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    lib: ["lib.es2022.d.ts"],
    types: [],
  });
  const errors = new Map<string, string[]>(transcripts.map(([name]) => [name, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file;
    const where = file ? file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line : -1;
    const origin = file ? origins.get(file.fileName)?.[where - 1] : undefined;
    const name = origin?.split(":")[0] ?? transcripts[0]?.[0] ?? "?";
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    errors.get(name)?.push(`${origin ?? "?"}: ${text.split("\n").slice(-3).join(" / ")}`);
  }
  return errors;
}

const names = existsSync(TRANSCRIPTS) ? readdirSync(TRANSCRIPTS).filter((n) => n.endsWith(".jsonl")).sort() : [];

const BROKEN = [
  '{"send": {"jsonrpc": "2.0", "id": 1, "method": "get_issue", "params": {"issueKey": "TEST-1"}}}',
  '{"expect": {"jsonrpc": "2.0", "id": 1, "result": {"key": "TEST-1", "summary": 3, "extra": true}}}',
  '{"send": {"jsonrpc": "2.0", "id": 2, "method": "ping"}}',
  '{"expect": {"jsonrpc": "2.0", "id": 2, "error": {"code": -32003, "message": "x", "data": {"kind": "nope"}}}}',
].join("\n");

describe("golden transcripts fit the generated types", () => {
  // One program for all (creating one costs seconds); the control proves the check can fail.
  const results = check([
    ["broken-control", BROKEN],
    ...names.map((name): [string, string] => [name, readFileSync(join(TRANSCRIPTS, name), "utf8")]),
  ]);

  it("a transcript that breaks the types is caught (the check can fail)", () => {
    const errors = results.get("broken-control") ?? [];
    assert.ok(errors.length >= 2, `expected type errors, got ${JSON.stringify(errors)}`);
  });

  if (names.length === 0) {
    it("transcripts", { skip: "protocol/transcripts/ holds no *.jsonl yet" }, () => {});
  }
  for (const name of names) {
    it(name, () => {
      assert.deepEqual(results.get(name), [], `${name} does not fit the generated types`);
    });
  }
});
