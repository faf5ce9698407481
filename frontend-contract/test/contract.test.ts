/** The generated TypeScript and the committed OpenRPC document name the same contract. */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import { ERROR_CODES, ERROR_KINDS, PROTOCOL_ERROR_CODES, RETRYABLE_KINDS } from "../src/generated/errors.js";
import { METHOD_NAMES } from "../src/generated/methods.js";
import { NOTIFICATION_NAMES } from "../src/generated/notifications.js";
import { REPO } from "./helpers.js";

interface OpenRpc {
  methods: Array<{ name: string }>;
  components: { errors: Record<string, { code: number; data?: { kind: string; retryable: boolean } }> };
  "x-notifications": Array<{ name: string }>;
}

const openrpc = JSON.parse(readFileSync(join(REPO, "protocol", "schema", "openrpc.json"), "utf8")) as OpenRpc;

describe("generated TypeScript vs protocol/schema/openrpc.json", () => {
  it("the Methods map lists exactly the OpenRPC methods, in order", () => {
    assert.deepEqual([...METHOD_NAMES], openrpc.methods.map((m) => m.name));
  });

  it("notifications match", () => {
    assert.deepEqual([...NOTIFICATION_NAMES], openrpc["x-notifications"].map((n) => n.name));
  });

  it("every error kind has the OpenRPC code and retryable flag", () => {
    const errors = openrpc.components.errors;
    for (const kind of ERROR_KINDS) {
      const entry = kind === "internal" ? errors["internal_error"] : errors[kind];
      assert.equal(entry?.code, ERROR_CODES[kind], kind);
      assert.equal(entry?.data?.retryable, RETRYABLE_KINDS.includes(kind), kind);
    }
    for (const [name, code] of Object.entries(PROTOCOL_ERROR_CODES)) assert.equal(errors[name]?.code, code, name);
  });
});
