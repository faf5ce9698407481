/**
 * The JSON side of the contract holds up as JSON Schema: openrpc.json is a valid OpenRPC
 * document (the official meta-schema), the DTO bundle compiles as JSON Schema 2020-12, and
 * what the real sidecar sends validates against it: every golden transcript's results and error
 * data, and a live demo session's results and notifications.
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { createRequire } from "node:module";

import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";

import { REPO, startDemo } from "./helpers.js";
import type { Started } from "./helpers.js";

type Json = Record<string, unknown>;

// The package's typings omit the schema object its CommonJS entry exports.
const { openrpcDocument } = createRequire(import.meta.url)("@open-rpc/meta-schema") as { openrpcDocument: Json };

const SCHEMA_DIR = join(REPO, "protocol", "schema");
const openrpc = JSON.parse(readFileSync(join(SCHEMA_DIR, "openrpc.json"), "utf8")) as {
  methods: Array<{ name: string; result: { schema: Json } }>;
  components: { schemas: Record<string, Json> };
  "x-notifications": Array<{ name: string; params: Json }>;
};
const bundle = JSON.parse(readFileSync(join(SCHEMA_DIR, "ytracker-sidecar.schema.json"), "utf8")) as Json;

/** Validators for each method's result and each notification's params, by name. */
function validators(): { result: Map<string, ValidateFunction>; note: Map<string, ValidateFunction>; errorData: ValidateFunction } {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const doc = { $id: "urn:ytracker-sidecar:openrpc", components: openrpc.components };
  ajv.addSchema(doc);
  const compile = (schema: Json): ValidateFunction =>
    ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"urn:ytracker-sidecar:openrpc#/components/')));
  return {
    result: new Map(openrpc.methods.map((m) => [m.name, compile(m.result.schema)])),
    note: new Map(openrpc["x-notifications"].map((n) => [n.name, compile(n.params)])),
    errorData: compile({ $ref: "#/components/schemas/ErrorData" }),
  };
}

function problems(validate: ValidateFunction | undefined, value: unknown): string {
  if (!validate) return "no schema";
  return validate(value) ? "" : JSON.stringify(validate.errors?.slice(0, 3));
}

describe("JSON Schema and OpenRPC", () => {
  it("openrpc.json is valid under the OpenRPC meta-schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: false });
    // The meta-schema defers embedded schemas to the JSON Schema meta-schema, which is not
    // bundled; a stand-in takes any schema object here, the next test compiles them for real.
    for (const $id of ["https://meta.json-schema.tools", "https://meta.json-schema.tools/"]) {
      ajv.addSchema({
        $id,
        type: ["object", "boolean"],
        definitions: { JSONSchemaObject: { properties: { $ref: { type: "string" } } } },
      });
    }
    const { $schema: _dialect, ...meta } = openrpcDocument;
    const validate = ajv.compile(meta);
    assert.equal(problems(validate, openrpc), "");
  });

  it("the DTO bundle compiles as JSON Schema 2020-12, every $def", () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, strictTuples: false });
    ajv.addSchema(bundle);
    for (const name of Object.keys(bundle["$defs"] as Json)) {
      assert.ok(ajv.getSchema(`${String(bundle["$id"])}#/$defs/${name}`), name);
    }
  });

  it("every golden transcript's results and error data validate", () => {
    const { result, errorData } = validators();
    const dir = join(REPO, "protocol", "transcripts");
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".jsonl")) : [];
    const failures: string[] = [];
    for (const name of names) {
      const methods = new Map<unknown, string>();
      readFileSync(join(dir, name), "utf8").split("\n").forEach((raw, index) => {
        if (!raw.trim()) return;
        const entry = JSON.parse(raw) as Json;
        const send = entry["send"] as Json | undefined;
        if (send && "id" in send) methods.set(send["id"], String(send["method"]));
        const expect = entry["expect"] as Json | undefined;
        if (!expect) return;
        const error = expect["error"] as Json | undefined;
        const problem =
          "result" in expect
            ? problems(result.get(methods.get(expect["id"]) ?? ""), expect["result"])
            : error && (error["data"] as Json | undefined)?.["retryable"] !== undefined
              ? problems(errorData, error["data"])
              : "";
        if (problem) failures.push(`${name}:${index + 1}: ${problem}`);
      });
    }
    assert.deepEqual(failures, []);
  });

  describe("a live demo session validates", () => {
    let s: Started;
    const seen: Array<[string, unknown]> = [];
    before(() => {
      s = startDemo();
      s.client.onNotification((method, params) => seen.push([`note:${method}`, params]));
    });
    after(async () => {
      await s.stop();
    });

    it("results of the read methods and every notification", async () => {
      const { result, note } = validators();
      const { client } = s;
      const record = async (method: string, params: Json = {}): Promise<unknown> => {
        const value = await client.request(method, params);
        seen.push([method, value]);
        return value;
      };
      const page = (await record("get_issues", { query: "Queue: DESK", filter: null, scroll_id: null })) as {
        issues: Array<{ key: string }>;
      };
      const key = page.issues[0]!.key;
      for (const method of ["version", "get_config", "get_timer_state", "get_current_user", "get_statuses", "get_users"]) {
        await record(method);
      }
      for (const method of ["get_issue", "get_comments", "get_issue_worklogs", "get_attachments", "get_checklist", "get_transitions"]) {
        await record(method, { issueKey: key });
      }
      await record("start_timer", { issueKey: key, issueSummary: null });
      await record("stop_timer");
      await client.ready;
      const failures = seen
        .map(([name, value]) => {
          const validate = name.startsWith("note:") ? note.get(name.slice(5)) : result.get(name);
          const problem = problems(validate, value);
          return problem ? `${name}: ${problem}` : "";
        })
        .filter(Boolean);
      assert.deepEqual(failures, []);
      assert.ok(seen.some(([name]) => name === "note:timer-tick"));
    });
  });
});
