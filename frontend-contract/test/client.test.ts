/** The client against an in-memory transport: ids, routing, timeouts, aborts, close. */

import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { createSidecarClient } from "../src/client.js";
import { SidecarError, suggestedAction } from "../src/errors.js";
import { LineSplitter, cleanLine } from "../src/lines.js";
import type { ExitInfo, Transport } from "../src/transport.js";
import { startSidecar } from "../src/transports/node.js";
import { rejection, sleep } from "./helpers.js";

/** A scripted peer: records frames, lets the test push lines and end the "process". */
class FakePeer implements Transport {
  sent: Array<Record<string, unknown>> = [];
  killed = false;
  inputClosed = false;
  private line: (line: string) => void = () => undefined;
  private exit: (info: ExitInfo) => void = () => undefined;
  constructor(private readonly autoReply?: (msg: Record<string, unknown>) => unknown) {}

  async send(frame: string): Promise<void> {
    const msg = JSON.parse(frame) as Record<string, unknown>;
    this.sent.push(msg);
    const answer = this.autoReply?.(msg);
    if (answer !== undefined) queueMicrotask(() => this.push(answer));
  }
  onLine(listener: (line: string) => void): void {
    this.line = listener;
  }
  onExit(listener: (info: ExitInfo) => void): void {
    this.exit = listener;
  }
  async closeInput(): Promise<void> {
    this.inputClosed = true;
  }
  async kill(): Promise<void> {
    this.killed = true;
    this.end({ code: null, signal: "SIGKILL" });
  }
  push(message: unknown): void {
    this.line(typeof message === "string" ? message : JSON.stringify(message));
  }
  end(info: ExitInfo): void {
    this.exit(info);
  }
}

describe("client", () => {
  it("numbers requests and matches out-of-order responses by id", async () => {
    const peer = new FakePeer();
    const client = createSidecarClient(peer);
    const first = client.call("ping");
    const second = client.call("get_issue", { issueKey: "A-1" });
    assert.deepEqual(
      peer.sent.map((m) => [m["id"], m["method"], m["params"]]),
      [
        [1, "ping", {}],
        [2, "get_issue", { issueKey: "A-1" }],
      ],
    );
    peer.push({ jsonrpc: "2.0", id: 2, result: { key: "A-1" } });
    peer.push({ jsonrpc: "2.0", id: 1, result: "pong" });
    assert.equal(await first, "pong");
    assert.deepEqual(await second, { key: "A-1" });
  });

  it("turns a wire error into a SidecarError with the data's fields", async () => {
    const peer = new FakePeer((m) => ({
      jsonrpc: "2.0",
      id: m["id"],
      error: {
        code: -32006,
        message: "http 429 Too Many Requests: {}",
        data: { kind: "rate_limited", status: 429, retryable: true, retryAfterMs: 1500 },
      },
    }));
    const error = await rejection<SidecarError>(createSidecarClient(peer).call("get_queues"));
    assert.ok(error instanceof SidecarError);
    assert.equal(error.message, "http 429 Too Many Requests: {}");
    assert.deepEqual([error.code, error.kind, error.status, error.retryable, error.retryAfterMs], [-32006, "rate_limited", 429, true, 1500]);
    assert.equal(error.method, "get_queues");
    assert.equal(suggestedAction(error), "retry-later");
  });

  it("maps protocol codes without data to client kinds", () => {
    const kinds = [-32700, -32600, -32601, -32602, -32603, -32800, -32802].map(
      (code) => SidecarError.fromWire({ code, message: "x" }).kind,
    );
    assert.deepEqual(kinds, ["protocol", "protocol", "protocol", "invalid", "internal", "cancelled", "cancelled"]);
  });

  it("routes notifications to on() and $/progress to the call that owns it", async () => {
    const peer = new FakePeer();
    const client = createSidecarClient(peer);
    const ticks: unknown[] = [];
    const off = client.on("timer-tick", (state) => ticks.push(state.issue_key));
    const progress: number[] = [];
    const download = client.call(
      "download_attachment",
      { issueKey: "A-1", attachmentId: "1", destPath: "/tmp/x" },
      { onProgress: (p) => progress.push(p.done) },
    );
    peer.push({ jsonrpc: "2.0", method: "timer-tick", params: { issue_key: "A-1" } });
    peer.push({ jsonrpc: "2.0", method: "$/progress", params: { id: 1, done: 10, total: 20 } });
    peer.push({ jsonrpc: "2.0", method: "$/progress", params: { id: 99, done: 5, total: 20 } });
    off();
    peer.push({ jsonrpc: "2.0", method: "timer-tick", params: { issue_key: "B-2" } });
    peer.push({ jsonrpc: "2.0", method: "$/progress", params: { id: 1, done: 20, total: 20 } });
    peer.push({ jsonrpc: "2.0", id: 1, result: null });
    assert.equal(await download, null);
    assert.deepEqual(ticks, ["A-1"]);
    assert.deepEqual(progress, [10, 20]);
  });

  it("resolves ready from the ready notification, even one queued before subscribing", async () => {
    const peer = new FakePeer();
    const client = createSidecarClient(peer);
    peer.push({ jsonrpc: "2.0", method: "ready", params: { version: "9", protocol: "1.0" } });
    assert.deepEqual(await client.ready, { version: "9", protocol: "1.0" });
  });

  it("survives garbage lines and a throwing listener, reporting both", async () => {
    const problems: string[] = [];
    const peer = new FakePeer((m) => ({ jsonrpc: "2.0", id: m["id"], result: "pong" }));
    const client = createSidecarClient(peer, { onProtocolError: (p) => problems.push(p) });
    client.on("timer-tick", () => {
      throw new Error("boom");
    });
    peer.push("not json");
    peer.push({ jsonrpc: "2.0", method: "timer-tick", params: {} });
    assert.equal(await client.call("ping"), "pong");
    assert.deepEqual(problems, ["a stdout line is not JSON", "a listener threw"]);
  });

  it("an AbortSignal rejects at once with kind cancelled and sends $/cancelRequest", async () => {
    const peer = new FakePeer();
    const client = createSidecarClient(peer);
    const controller = new AbortController();
    const call = client.call("get_issue", { issueKey: "A-1" }, { signal: controller.signal });
    controller.abort();
    const error = await rejection<SidecarError>(call);
    assert.deepEqual([error.kind, error.code, error.message], ["cancelled", -32800, "Request cancelled"]);
    assert.deepEqual(peer.sent[1], { jsonrpc: "2.0", method: "$/cancelRequest", params: { id: 1 } });
    peer.push({ jsonrpc: "2.0", id: 1, error: { code: -32800, message: "Request cancelled" } }); // ignored
    const pre = new AbortController();
    pre.abort();
    assert.equal((await rejection<SidecarError>(client.call("ping", {}, { signal: pre.signal }))).kind, "cancelled");
    assert.equal(peer.sent.length, 2, "an already aborted signal sends nothing");
  });

  it("a timeout cancels on the sidecar and rejects with kind timeout; progress restarts it", async () => {
    const peer = new FakePeer();
    const client = createSidecarClient(peer, { timeoutMs: 60 });
    const slow = client.call("get_issues");
    const error = await rejection<SidecarError>(slow);
    assert.equal(error.kind, "timeout");
    assert.equal(error.retryable, true);
    assert.deepEqual(peer.sent[1], { jsonrpc: "2.0", method: "$/cancelRequest", params: { id: 1 } });
    const transfer = client.call("download_attachment", { issueKey: "A", attachmentId: "1", destPath: "/x" });
    for (let i = 0; i < 4; i++) {
      await sleep(30);
      peer.push({ jsonrpc: "2.0", method: "$/progress", params: { id: 2, done: i, total: null } });
    }
    peer.push({ jsonrpc: "2.0", id: 2, result: null });
    assert.equal(await transfer, null, "120 ms of steady progress outlives a 60 ms timeout");
  });

  it("an exit rejects every pending call with kind closed, and later calls at once", async () => {
    const peer = new FakePeer();
    const client = createSidecarClient(peer);
    const pending = client.call("ping");
    peer.end({ code: 3, signal: null });
    const error = await rejection<SidecarError>(pending);
    assert.equal(error.kind, "closed");
    assert.match(error.message, /exited with code 3/);
    assert.equal((await rejection<SidecarError>(client.call("ping"))).kind, "closed");
    await assert.rejects(client.ready);
    assert.deepEqual(await client.exited, { code: 3, signal: null });
    assert.equal(client.closed, true);
  });

  it("close() sends shutdown, exit and EOF, and exits without a kill when the peer obeys", async () => {
    let peer: FakePeer;
    peer = new FakePeer((m) => {
      if (m["method"] === "exit") queueMicrotask(() => peer.end({ code: 0, signal: null }));
      return m["method"] === "shutdown" ? { jsonrpc: "2.0", id: m["id"], result: null } : undefined;
    });
    const client = createSidecarClient(peer);
    assert.deepEqual(await client.close(), { code: 0, signal: null });
    assert.deepEqual(peer.sent.map((m) => m["method"]), ["shutdown", "exit"]);
    assert.equal(peer.inputClosed, true);
    assert.equal(peer.killed, false);
    assert.equal(await client.close(), await client.close(), "idempotent");
  });

  it("close() kills a peer that ignores shutdown after the grace period", async () => {
    const peer = new FakePeer();
    const client = createSidecarClient(peer, { closeGraceMs: 50 });
    const started = Date.now();
    assert.deepEqual(await client.close(), { code: null, signal: "SIGKILL" });
    assert.equal(peer.killed, true);
    assert.ok(Date.now() - started < 1000);
  });
});

describe("line splitting", () => {
  it("splits on LF only, strips a trailing CR, drops blank lines, keeps U+2028", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of ['{"a":1}\r\n\n  \r\n{"b"', ':"x\u2028y"}\n{"c":', "3}"]) splitter.push(chunk);
    splitter.end();
    assert.deepEqual(lines, ['{"a":1}', '{"b":"x\u2028y"}', '{"c":3}']);
  });

  it("joins a multi-megabyte line fed in small chunks", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const big = JSON.stringify({ data: "x".repeat(8 * 1024 * 1024) });
    for (let i = 0; i < big.length; i += 65536) splitter.push(big.slice(i, i + 65536));
    splitter.push("\n");
    assert.equal(lines.length, 1);
    assert.equal(lines[0], big);
  });

  it("cleanLine treats whitespace-only as blank", () => {
    assert.equal(cleanLine(" \t\r"), null);
    assert.equal(cleanLine("{}\r"), "{}");
  });
});

describe("node transport", () => {
  it("a binary that cannot start ends the client with kind closed and the reason", async () => {
    const client = startSidecar({ command: join(tmpdir(), "no-such-ytracker-sidecar") });
    const error = await rejection<SidecarError>(client.call("ping"));
    assert.equal(error.kind, "closed");
    const info = await client.exited;
    assert.match(info.error ?? "", /could not be started: .*ENOENT/);
    assert.equal(client.closed, true);
    assert.deepEqual(await client.close(), info);
  });
});
