/**
 * The Tauri transport over a stand-in for `@tauri-apps/plugin-shell`'s Command that really
 * spawns the sidecar and delivers stdout the way the plugin does: one event per line in line
 * mode (the "\n" kept, sometimes a "\r" and a blank event split off), byte chunks in raw mode.
 * Plus the compat layer's `listen`, fed by the real process's notifications.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { describe, it } from "node:test";

import { createCompat } from "../src/compat.js";
import type { Event } from "../src/compat.js";
import type { TimerState } from "../src/generated/types.js";
import { LineSplitter } from "../src/lines.js";
import { startTauriSidecar } from "../src/transports/tauri.js";
import type { TauriChild, TauriCommand } from "../src/transports/tauri.js";
import { FakeTracker, REPO, sidecarCommand } from "./helpers.js";

type Listener<T> = (value: T) => void;

class Emitter<T> {
  private listeners: Array<Listener<T>> = [];
  on(_event: string, listener: Listener<T>): this {
    this.listeners.push(listener);
    return this;
  }
  emit(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
}

/** Behaves like plugin-shell's Command<string> (line mode) or Command<Uint8Array> (raw). */
class FakeCommand implements TauriCommand<string | Uint8Array> {
  readonly stdout = new Emitter<string | Uint8Array>();
  readonly stderr = new Emitter<string | Uint8Array>();
  private readonly closeEvents = new Emitter<{ code: number | null; signal: number | null }>();
  private readonly errorEvents = new Emitter<string>();
  proc: ChildProcessWithoutNullStreams | undefined;

  constructor(
    private readonly args: string[],
    private readonly raw: boolean,
  ) {}

  on(event: "close", listener: (payload: { code: number | null; signal: number | null }) => void): this;
  on(event: "error", listener: (error: string) => void): this;
  // The implementation signature of the two overloads above, which keep callers typed.
  on(event: "close" | "error", listener: Listener<any>): this {
    if (event === "close") this.closeEvents.on(event, listener);
    else this.errorEvents.on(event, listener);
    return this;
  }

  async spawn(): Promise<TauriChild> {
    const base = sidecarCommand();
    const proc = spawn(base.command, [...base.args, ...this.args], { cwd: REPO, stdio: "pipe" });
    this.proc = proc;
    let flip = false;
    const lineMode = new LineSplitter((line) => {
      flip = !flip; // alternate the shapes the plugin's line reader produces
      if (flip) this.stdout.emit(line + "\n");
      else {
        this.stdout.emit(line + "\r");
        this.stdout.emit("\n");
      }
    });
    proc.stdout.on("data", (chunk: Buffer) => {
      if (this.raw) this.stdout.emit(new Uint8Array(chunk));
      else lineMode.push(chunk.toString("utf8"));
    });
    proc.stderr.on("data", (chunk: Buffer) => {
      this.stderr.emit(this.raw ? new Uint8Array(chunk) : chunk.toString("utf8"));
    });
    proc.on("close", (code) => this.closeEvents.emit({ code, signal: null }));
    return {
      pid: proc.pid ?? -1,
      write: (data) =>
        new Promise<void>((resolve, reject) =>
          proc.stdin.write(typeof data === "string" ? data : Buffer.from(data), (e) => (e ? reject(e) : resolve())),
        ),
      kill: async () => {
        proc.kill("SIGKILL");
      },
    };
  }
}

for (const raw of [false, true]) {
  describe(`Tauri transport (${raw ? "raw bytes" : "line events"})`, () => {
    it("calls, notifications through listen(), and a clean close via shutdown + exit", async () => {
      const fake = await FakeTracker.start();
      const command = new FakeCommand(
        [
          ...fake.args("--secrets", "memory", "--log-level", "debug", "--config-dir", REPO + "/frontend-contract/dist/tauri-config"),
          "--no-disk-cache", // never the user's cache folder
        ],
        raw,
      );
      let stderr = "";
      const client = await startTauriSidecar(command as unknown as TauriCommand<string>, { onStderr: (t) => (stderr += t) });
      try {
        const { invoke, listen } = createCompat(client);
        await invoke("login_with_token", { token: fake.info.token, orgId: fake.info.orgId, orgType: "yandex360" });
        const events: Array<Event<TimerState>> = [];
        const unlisten = await listen<TimerState>("timer-tick", (event) => events.push(event));
        await invoke("start_timer", { issueKey: "TEST-1", issueSummary: null });
        await invoke("stop_timer");
        unlisten();
        await invoke("start_timer", { issueKey: "TEST-2", issueSummary: null });
        assert.deepEqual(
          events.map((e) => [e.event, e.payload.active, e.payload.issue_key]),
          [
            ["timer-tick", true, "TEST-1"],
            ["timer-tick", false, null],
          ],
        );
        assert.equal(typeof events[0]!.id, "number");
        const page = await invoke<{ issues: unknown[] }>("get_issues", { query: "Queue: TEST", filter: null, scroll_id: null });
        assert.ok(page.issues.length >= 5);
        const info = await client.close({ graceMs: 3000 });
        assert.equal(info.code, 0, "shutdown + exit end the process without a kill");
        assert.match(stderr, /"level"/, "stderr (JSON log lines) reaches onStderr");
      } finally {
        await client.close();
        await fake.close();
      }
    });
  });
}
