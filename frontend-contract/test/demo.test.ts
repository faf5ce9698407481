/**
 * The real sidecar in `--demo` mode (the embedded sandbox Tracker, signed in, no network), as a
 * shell would drive it: the frontend's startup sequence, concurrent calls, a download with
 * progress, large frames, the timer through `listen`, and `logout` seen through `invoke`.
 */

import assert from "node:assert/strict";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { createCompat } from "../src/compat.js";
import type { Event } from "../src/compat.js";
import { PROTOCOL_VERSION } from "../src/generated/errors.js";
import type { Progress, TimerState } from "../src/generated/types.js";
import { rejection, startDemo } from "./helpers.js";
import type { Started } from "./helpers.js";

describe("python -m sidecar --demo through the Node transport", () => {
  let s: Started;
  before(() => {
    s = startDemo();
  });
  after(async () => {
    await s.stop();
  });

  it("announces ready and answers the frontend's startup sequence", async () => {
    assert.equal((await s.client.ready).protocol, PROTOCOL_VERSION);
    const { client } = s;
    const [timer, config, session] = await Promise.all([
      client.call("get_timer_state"),
      client.call("get_config"),
      client.call("has_session"),
    ]);
    assert.deepEqual([timer.active, config.workday_hours, session], [false, 8, true]);
    const page = await client.call("get_issues", {
      query: null,
      filter: { resolution: "empty()", assignee: "me()" },
      scroll_id: null,
    });
    assert.ok(page.issues.length > 0);
    const catalogs = await Promise.all([
      client.call("get_queues"),
      client.call("get_projects"),
      client.call("get_users"),
      client.call("get_priorities"),
      client.call("get_issue_types"),
    ]);
    assert.ok(catalogs.every((list) => list.length > 0));
    const seconds = await client.call("get_today_logged_seconds_for_issues", {
      issueKeys: page.issues.map((issue) => issue.key),
    });
    assert.equal(typeof seconds, "number");
  });

  it("serves 30 concurrent calls, each answer matched to its own request", async () => {
    const keys = (await s.client.call("get_issues", { query: "Queue: DESK", filter: null, scroll_id: null })).issues.map(
      (issue) => issue.key,
    );
    const calls = Array.from({ length: 30 }, (_, i) => keys[i % keys.length]!);
    const issues = await Promise.all(calls.map((issueKey) => s.client.call("get_issue", { issueKey })));
    assert.deepEqual(
      issues.map((issue) => issue.key),
      calls,
    );
  });

  it("downloads an attachment with $/progress and reads large frames whole", async () => {
    const [image] = await s.client.call("get_attachments", { issueKey: "DESK-1" });
    assert.ok(image);
    const destPath = join(mkdtempSync(join(tmpdir(), "ytracker-demo-")), image.name);
    const progress: Progress[] = [];
    await s.client.call(
      "download_attachment",
      { issueKey: "DESK-1", attachmentId: image.id, destPath },
      { onProgress: (p) => progress.push(p) },
    );
    assert.equal(progress.at(-1)?.done, statSync(destPath).size);
    const preview = await s.client.call("preview_attachment", { issueKey: "DESK-1", attachmentId: image.id });
    assert.equal(Buffer.from(preview.data_base64, "base64").length, statSync(destPath).size);
    const document = await s.client.call("rpc.discover");
    assert.ok(JSON.stringify(document).length > 50_000, "the OpenRPC document is one long line");
  });

  it("timer-tick reaches listen() as a Tauri event", async () => {
    const { invoke, listen } = createCompat(s.client);
    const events: Array<Event<TimerState>> = [];
    const unlisten = await listen<TimerState>("timer-tick", (event) => events.push(event));
    await invoke("start_timer", { issueKey: "DESK-1", issueSummary: "Timer keeps running after sleep" });
    const [elapsed, key] = await invoke<[number, string | null]>("stop_timer");
    unlisten();
    assert.deepEqual([typeof elapsed, key], ["number", "DESK-1"]);
    assert.deepEqual(
      events.map((e) => [e.event, e.payload.active, e.payload.issue_summary]),
      [
        ["timer-tick", true, "Timer keeps running after sleep"],
        ["timer-tick", false, null],
      ],
    );
  });

  it("after logout, invoke rejects with exactly the backend's string", async () => {
    const { invoke } = createCompat(s.client);
    assert.equal(await invoke("logout"), null);
    assert.equal(await invoke("has_session"), false);
    for (const [cmd, args] of [
      ["get_issues", { query: null, filter: { resolution: "empty()", assignee: "me()" }, scroll_id: null }],
      ["get_current_user", {}],
      ["get_issue", { issueKey: "DESK-1" }],
    ] as const) {
      assert.equal(await rejection(invoke(cmd, args)), "Not authenticated. Sign in again to continue.", cmd);
    }
  });

  it("closes cleanly: shutdown and exit, code 0, no kill", async () => {
    assert.deepEqual(await s.client.close(), { code: 0, signal: null });
    assert.equal(s.client.closed, true);
  });
});
