/**
 * The real sidecar against the Python suite's fake Tracker (HTTPS, trustme CA), through the
 * Node transport: every method of the contract, progress, cancellation, every error kind that
 * can be provoked from outside, and the invoke layer's bare-string rejections.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";

import type { CallArgs } from "../src/client.js";
import { createCompat } from "../src/compat.js";
import { SidecarError } from "../src/errors.js";
import { ERROR_CODES, PROTOCOL_VERSION } from "../src/generated/errors.js";
import { METHOD_NAMES } from "../src/generated/methods.js";
import type { MethodName, ResultOf } from "../src/generated/methods.js";
import type { Notice, Progress, TimerState, TimerStopped, TrayState } from "../src/generated/types.js";
import { FakeTracker, REPO, rejection, sleep } from "./helpers.js";
import type { Started } from "./helpers.js";

const NOT_AUTHENTICATED = "Not authenticated. Sign in again to continue.";
const scratch = mkdtempSync(join(tmpdir(), "ytracker-fake-"));

let fake: FakeTracker;
before(async () => {
  fake = await FakeTracker.start();
});
after(async () => {
  await fake.close();
});

describe("every method against the fake Tracker", () => {
  let s: Started;
  const succeeded = new Set<string>();
  const sentMethods = new Map<unknown, string>();

  before(async () => {
    await fake.reset();
    s = await fake.sidecar({
      trace: (direction, message) => {
        const msg = message as Record<string, unknown>;
        if (direction === "send" && "id" in msg) sentMethods.set(msg["id"], String(msg["method"]));
        if (direction === "recv" && "result" in msg) succeeded.add(sentMethods.get(msg["id"]) ?? "?");
      },
    });
  });

  function call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<ResultOf<M>> {
    return s.client.call(method, ...args);
  }

  it("system: ping, version, rpc.discover (the committed OpenRPC document)", async () => {
    assert.equal(await call("ping"), "pong");
    const version = await call("version");
    assert.deepEqual([version.name, version.protocol], ["ytracker-sidecar", PROTOCOL_VERSION]);
    const committed = JSON.parse(readFileSync(join(REPO, "protocol", "schema", "openrpc.json"), "utf8"));
    assert.deepEqual(await call("rpc.discover"), committed);
    assert.deepEqual((await s.client.ready).protocol, PROTOCOL_VERSION);
  });

  it("sign-in: credentials info, session, current user, OAuth code exchange", async () => {
    assert.deepEqual(await call("get_client_credentials_info"), {
      client_id: fake.info.clientId,
      has_client_secret: true,
      secret_store: { kind: "memory", persistent: false, location: null, warning: null },
    });
    assert.equal(await call("has_session"), true);
    assert.equal((await call("get_current_user")).login, "alice");
    const code = await fake.authCode();
    assert.equal(await call("exchange_code", { code, orgId: fake.info.orgId, orgType: "yandex360" }), true);
  });

  it("local state: config round trip, timer with timer-tick notifications", async () => {
    const config = await call("get_config");
    await call("save_config", { config: { ...config, workday_hours: 6 } });
    assert.equal((await call("get_config")).workday_hours, 6);
    const ticks: TimerState[] = [];
    const off = s.client.on("timer-tick", (state) => ticks.push(state));
    await call("start_timer", { issueKey: "TEST-1", issueSummary: "Crash" });
    const state = await call("get_timer_state");
    assert.deepEqual([state.active, state.issue_key], [true, "TEST-1"]);
    const [elapsed, key] = await call("stop_timer");
    assert.equal(key, "TEST-1");
    assert.ok(elapsed >= 0);
    await sleep(50);
    off();
    assert.deepEqual(ticks.map((t) => t.active), [true, false]);
  });

  it("tray: state, refresh, start and stop from the tray, with tray, notify and timer-stopped", async () => {
    const trays: TrayState[] = [];
    const notices: Notice[] = [];
    const stopped: TimerStopped[] = [];
    const offs = [
      s.client.on("tray", (state) => trays.push(state)),
      s.client.on("notify", (notice) => notices.push(notice)),
      s.client.on("timer-stopped", (event) => stopped.push(event)),
    ];
    const refreshed = await call("tray_refresh");
    assert.ok(refreshed.issues.some((i) => i.issueKey === "TEST-1"));
    assert.deepEqual(await call("get_tray_state"), refreshed);
    assert.equal(await call("tray_start_timer", { issueKey: "TEST-1" }), null);
    assert.equal((await call("get_tray_state")).runningIssueKey, "TEST-1");
    assert.equal(await call("tray_stop_timer"), null);
    await sleep(50);
    offs.forEach((off) => off());
    const timerNotices = notices.filter((n) => n.kind.startsWith("timer-"));
    assert.deepEqual(timerNotices.map((n) => n.title), ["Timer started: TEST-1", "Timer stopped: TEST-1"]);
    assert.equal(stopped[0]?.issue_key, "TEST-1");
    assert.equal(trays.at(-1)?.title, "YTracker");
  });

  it("issues: list, scroll release, one issue, edits, creation, patch", async () => {
    const page = await call("get_issues", {
      query: null,
      filter: { resolution: "empty()", assignee: "me()" },
      scroll_id: null,
    });
    assert.deepEqual(page.issues.map((i) => i.key).sort(), ["OPS-2", "TEST-1", "TEST-2", "TEST-5", "TEST-6"]);
    assert.equal(await call("release_scroll_context", { scroll_id: "" }), null);
    assert.equal((await call("get_issue", { issueKey: "TEST-1" })).status.key, "inProgress");
    assert.equal(await call("update_issue", { issueKey: "TEST-4", summary: "Renamed" }), null);
    await call("update_issue_extended", {
      issueKey: "TEST-4",
      summary: null,
      description: "Extended",
      priority: null,
      issueType: null,
      assignee: null,
      tagsAdd: ["ts"],
      tagsRemove: null,
      followersAdd: null,
      followersRemove: null,
    });
    const edited = await call("get_issue", { issueKey: "TEST-4" });
    assert.deepEqual([edited.summary, edited.description, edited.tags], ["Renamed", "Extended", ["ts"]]);
    const created = await call("create_issue", { queue: "TEST", summary: "From TypeScript" });
    assert.match(created.key, /^TEST-\d+$/);
    const patched = await call("patch_issue", { issueKey: created.key, patch: { summary: "Patched" } });
    assert.equal(patched.summary, "Patched");
  });

  it("comments: list, add, update, delete", async () => {
    assert.equal((await call("get_comments", { issueKey: "TEST-1" })).length, 3);
    await call("add_comment", { issueKey: "TEST-1", text: "From TypeScript" });
    const added = (await call("get_comments", { issueKey: "TEST-1" })).at(-1)!;
    assert.equal(added.text, "From TypeScript");
    const updated = await call("update_comment", { issueKey: "TEST-1", commentId: added.id, text: "Edited" });
    assert.equal(updated.text, "Edited");
    await call("delete_comment", { issueKey: "TEST-1", commentId: added.id });
    assert.equal((await call("get_comments", { issueKey: "TEST-1" })).length, 3);
  });

  it("work logs: list, log work, today's total", async () => {
    assert.ok((await call("get_issue_worklogs", { issueKey: "TEST-1" })).length >= 2);
    await call("log_work", { issueKey: "TEST-2", duration: "1h 30m", comment: "TS" });
    const entries = await call("get_issue_worklogs", { issueKey: "TEST-2" });
    assert.equal(entries.at(-1)!.duration_seconds, 5400);
    assert.ok((await call("get_today_logged_seconds_for_issues", { issueKeys: ["TEST-2"] })) >= 5400);
  });

  it("attachments: list, download with $/progress, previews, uploads", async () => {
    const attachments = await call("get_attachments", { issueKey: "TEST-1" });
    assert.deepEqual(attachments.map((a) => a.name), ["screenshot.png", "server.log"]);
    const destPath = join(scratch, "shot.png");
    const progress: Progress[] = [];
    await call("download_attachment", { issueKey: "TEST-1", attachmentId: "301", destPath }, {
      onProgress: (p) => progress.push(p),
    });
    const size = statSync(destPath).size;
    assert.ok(progress.length >= 2, `progress events: ${JSON.stringify(progress)}`);
    assert.deepEqual(progress.at(-1), { id: progress[0]!.id, done: size, total: size });
    const preview = await call("preview_attachment", { issueKey: "TEST-1", attachmentId: "301" });
    assert.equal(preview.mime_type, "image/png");
    assert.deepEqual(Buffer.from(preview.data_base64, "base64"), readFileSync(destPath));
    const inline = await call("preview_inline_image", { path: "/ajax/v2/attachments/301" });
    assert.equal(inline.mime_type, "image/png");
    const upload = join(scratch, "notes.txt");
    writeFileSync(upload, "hello from TypeScript\n");
    const uploaded = await call("upload_attachment", { issueKey: "TEST-2", filePath: upload }, {
      onProgress: (p) => progress.push(p),
    });
    assert.equal(uploaded.name, "notes.txt");
    assert.equal((await call("upload_temp_attachment", { filePath: upload })).name, "notes.txt");
  });

  it("checklists: list, add, edit, delete an item, delete all", async () => {
    assert.deepEqual((await call("get_checklist", { issueKey: "TEST-1" })).map((i) => i.id), ["c1", "c2"]);
    await call("add_checklist_item", { issueKey: "TEST-1", item: { text: "From TypeScript" } });
    await call("edit_checklist_item", { issueKey: "TEST-1", itemId: "c1", update: { checked: false } });
    await call("delete_checklist_item", { issueKey: "TEST-1", itemId: "c2" });
    const items = await call("get_checklist", { issueKey: "TEST-1" });
    assert.deepEqual(items.map((i) => [i.text, i.checked]), [
      ["Reproduce", false],
      ["From TypeScript", false],
    ]);
    await call("delete_checklist", { issueKey: "TEST-1" });
    assert.deepEqual(await call("get_checklist", { issueKey: "TEST-1" }), []);
  });

  it("catalogs: statuses, resolutions, priorities, types, queues, projects, users", async () => {
    assert.ok((await call("get_statuses")).some((e) => e.key === "open"));
    assert.ok((await call("get_resolutions")).some((e) => e.key === "fixed"));
    assert.ok((await call("get_priorities")).some((e) => e.key === "critical"));
    assert.ok((await call("get_issue_types")).some((e) => e.key === "bug"));
    assert.deepEqual((await call("get_queues")).map((q) => q.key).sort(), ["OPS", "TEST"]);
    assert.ok((await call("get_projects")).length >= 2);
    assert.ok((await call("get_users")).some((u) => u.login === "bob"));
  });

  it("disk cache: cache/clear forgets every cached answer; the next read asks Tracker", async () => {
    assert.equal(await call("cache/clear"), null);
    assert.ok((await call("get_statuses")).some((e) => e.key === "open"));
  });

  it("transitions: list and execute", async () => {
    const transitions = await call("get_transitions", { issueKey: "TEST-4" });
    const start = transitions.find((t) => t.to_status?.key === "inProgress")!;
    await call("execute_transition", { issueKey: "TEST-4", transitionId: start.id });
    assert.equal((await call("get_issue", { issueKey: "TEST-4" })).status.key, "inProgress");
  });

  it("logout: then invoke rejects with the exact backend string", async () => {
    assert.equal(await call("logout"), null);
    assert.equal(await call("has_session"), false);
    const { invoke } = createCompat(s.client);
    const rejected = await rejection(invoke("get_issues", { query: null, filter: null, scroll_id: null }));
    assert.equal(rejected, NOT_AUTHENTICATED);
    assert.equal(typeof rejected, "string");
  });

  it("shutdown via close(), and every method of the contract has answered once", async () => {
    const info = await s.client.close();
    assert.deepEqual([info.code, info.error], [0, undefined]);
    const missing = METHOD_NAMES.filter((name) => !succeeded.has(name));
    assert.deepEqual(missing, [], "methods never exercised successfully by this suite");
  });
});

describe("error kinds from the real process", () => {
  let s: Started;
  const compat = () => createCompat(s.client);

  before(async () => {
    await fake.reset();
    s = await fake.sidecar({ args: ["--request-timeout-s", "0.5"] });
  });
  after(async () => {
    await s.stop();
  });
  afterEach(async () => {
    await fake.reset(); // unplayed faults (a retried call consumes only some) must not leak
  });

  async function failure(promise: Promise<unknown>): Promise<SidecarError> {
    const error = await rejection(promise);
    assert.ok(error instanceof SidecarError, `not a SidecarError: ${String(error)}`);
    return error;
  }

  function expectKind(error: SidecarError, kind: keyof typeof ERROR_CODES, status: number | null): void {
    assert.deepEqual([error.kind, error.code, error.status], [kind, ERROR_CODES[kind], status], error.message);
    assert.equal((error.data as { kind: string }).kind, kind);
  }

  it("unauthenticated: no session, and a 401 from Tracker", async () => {
    const fresh = await fake.sidecar({ signIn: false });
    try {
      const error = await failure(fresh.client.call("get_issue", { issueKey: "TEST-1" }));
      expectKind(error, "unauthenticated", null);
      assert.equal(error.message, NOT_AUTHENTICATED);
      assert.equal(await rejection(createCompat(fresh.client).invoke("get_queues")), NOT_AUTHENTICATED);
      await fresh.client.call("login_with_token", { token: "expired-token", orgId: fake.info.orgId, orgType: "yandex360" });
      const expired = await failure(fresh.client.call("get_issue", { issueKey: "TEST-1" }));
      assert.equal(expired.kind, "unauthenticated");
      assert.match(expired.message, /^(authentication error: Access denied \(401 Unauthorized\) - |Not authenticated)/);
    } finally {
      await fresh.stop();
    }
  });

  it("forbidden (403)", async () => {
    await fake.fault("GET", "^/v3/issues/TEST-1$", { status: 403 });
    const error = await failure(s.client.call("get_issue", { issueKey: "TEST-1" }));
    expectKind(error, "forbidden", 403);
    assert.match(error.message, /^authentication error: Access denied \(403 Forbidden\) - /);
  });

  it("not_found (404), as an invoke string too", async () => {
    const error = await failure(s.client.call("get_issue", { issueKey: "NOPE-1" }));
    expectKind(error, "not_found", 404);
    assert.match(error.message, /^http 404 Not Found: /);
    assert.equal(await rejection(compat().invoke("get_issue", { issueKey: "NOPE-1" })), error.message);
  });

  it("conflict (409)", async () => {
    await fake.fault("PATCH", "^/v3/issues/TEST-4$", { status: 409 });
    expectKind(await failure(s.client.call("patch_issue", { issueKey: "TEST-4", patch: { summary: "x" } })), "conflict", 409);
  });

  it("invalid: local validation and Tracker's 400; invalid params name the field", async () => {
    const empty = await failure(s.client.call("add_comment", { issueKey: "TEST-1", text: "  " }));
    expectKind(empty, "invalid", null);
    assert.equal(empty.message, "Comment text cannot be empty");
    await fake.fault("POST", "^/v3/issues/TEST-1/comments$", { status: 400 });
    expectKind(await failure(s.client.call("add_comment", { issueKey: "TEST-1", text: "hi" })), "invalid", 400);
    const params = await failure(s.client.request("get_issue", {}));
    assert.deepEqual([params.code, params.kind], [-32602, "invalid"]);
    assert.match(params.message, /^invalid args `issueKey` for command `get_issue`/);
  });

  it("rate_limited (429 after the sidecar's retries) carries retryAfterMs", async () => {
    await fake.fault("GET", "^/v3/issues/TEST-2$", { status: 429, headers: { "Retry-After": "2" }, times: 10 });
    const error = await failure(s.client.call("get_issue", { issueKey: "TEST-2" }));
    expectKind(error, "rate_limited", 429);
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 2000);
  });

  it("server_error (5xx)", async () => {
    await fake.fault("GET", "^/v3/issues/TEST-2$", { status: 500, times: 10 });
    const error = await failure(s.client.call("get_issue", { issueKey: "TEST-2" }));
    expectKind(error, "server_error", 500);
    assert.equal(error.retryable, true);
  });

  it("network (connection reset)", async () => {
    await fake.fault("GET", "^/v3/issues/TEST-2$", { action: "reset_before_headers", times: 10 });
    const error = await failure(s.client.call("get_issue", { issueKey: "TEST-2" }));
    expectKind(error, "network", null);
    assert.equal(error.retryable, true);
  });

  it("timeout (Tracker does not answer within --request-timeout-s)", async () => {
    await fake.fault("GET", "^/v3/issues/TEST-2$", { delay_s: 3, times: 10 });
    expectKind(await failure(s.client.call("get_issue", { issueKey: "TEST-2" })), "timeout", null);
  });

  it("local_io (an upload of a file that does not exist)", async () => {
    const missing = join(scratch, "missing.bin");
    const error = await failure(s.client.call("upload_attachment", { issueKey: "TEST-1", filePath: missing }));
    expectKind(error, "local_io", null);
    assert.match(error.message, /^Failed to read file: /);
  });

  it("protocol: an unknown method", async () => {
    const error = await failure(s.client.request("no_such_method", {}));
    assert.deepEqual([error.code, error.kind], [-32601, "protocol"]);
    assert.equal(await rejection(compat().invoke("no_such_method")), "Method not found: no_such_method");
  });

  it("internal: cannot be provoked from outside without patching the sidecar", { skip: "no input reaches an internal error by design; the unit tests cover the incident path" }, () => {});

  it("cancelled: an AbortSignal cancels a slow Tracker call on the sidecar (-32800)", async () => {
    const answers: Array<Record<string, unknown>> = [];
    const traced = await fake.sidecar({
      trace: (direction, message) => {
        if (direction === "recv") answers.push(message as Record<string, unknown>);
      },
    });
    try {
      await fake.fault("GET", "^/v3/issues/TEST-3$", { delay_s: 5 });
      const controller = new AbortController();
      const started = Date.now();
      const call = traced.client.call("get_issue", { issueKey: "TEST-3" }, { signal: controller.signal });
      await sleep(300);
      controller.abort();
      const error = await failure(call);
      assert.deepEqual([error.kind, error.code], ["cancelled", -32800]);
      for (let i = 0; i < 40 && !answers.some((a) => "error" in a); i++) await sleep(50);
      const answer = answers.find((a) => "error" in a) as { error: { code: number } } | undefined;
      assert.equal(answer?.error.code, -32800, "the sidecar answered the cancelled request with -32800");
      assert.ok(Date.now() - started < 3000, "cancelled long before Tracker's 5 s answer");
      assert.equal(await traced.client.call("ping"), "pong", "the sidecar keeps serving");
    } finally {
      await fake.reset();
      await traced.stop();
    }
  });
});

describe("large frames through the Node transport", () => {
  it("an 8 MiB preview frame arrives whole, byte for byte, with upload progress on the way", async () => {
    await fake.reset();
    const s = await fake.sidecar();
    try {
      const data = randomBytes(6 * 1024 * 1024);
      const filePath = join(scratch, "big.png");
      writeFileSync(filePath, data);
      const progress: Progress[] = [];
      const uploaded = await s.client.call(
        "upload_attachment",
        { issueKey: "TEST-2", filePath },
        { onProgress: (p) => progress.push(p) },
      );
      assert.deepEqual(progress.at(-1), { id: progress[0]!.id, done: data.length, total: data.length });
      const preview = await s.client.call("preview_attachment", { issueKey: "TEST-2", attachmentId: uploaded.id });
      assert.ok(preview.data_base64.length > 8_000_000);
      assert.ok(Buffer.from(preview.data_base64, "base64").equals(data));
    } finally {
      await s.stop();
    }
  });
});
