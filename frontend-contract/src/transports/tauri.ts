/**
 * The Tauri v2 transport: the sidecar spawned through `@tauri-apps/plugin-shell`.
 *
 * Typed against the few members of the plugin's `Command`/`Child` it uses, so this package has
 * no runtime dependency: the app passes `Command.sidecar("binaries/ytracker-sidecar", args)`.
 * In the default line mode each stdout event is one line, possibly still carrying "\n" or a
 * "\r", or (when the plugin's reader stopped at a CR) a blank; with `encoding: "raw"` events
 * are byte chunks, reassembled here. The plugin drains stderr itself; `onStderr` may log it.
 * The JS API cannot close the child's stdin, so `close()` relies on `shutdown` + `exit`, then
 * `kill()`.
 */

import { createSidecarClient } from "../client.js";
import type { ClientOptions, SidecarClient } from "../client.js";
import { LineSplitter, cleanLine } from "../lines.js";
import { Relay } from "../transport.js";
import type { ExitInfo, Transport } from "../transport.js";

/** What `@tauri-apps/plugin-shell`'s `Child` offers that is used here. */
export interface TauriChild {
  readonly pid: number;
  write(data: string | Uint8Array | number[]): Promise<void>;
  kill(): Promise<void>;
}

/** What `@tauri-apps/plugin-shell`'s `Command` offers that is used here. */
export interface TauriCommand<O extends string | Uint8Array = string> {
  readonly stdout: { on(event: "data", listener: (data: O) => void): unknown };
  readonly stderr: { on(event: "data", listener: (data: O) => void): unknown };
  on(event: "close", listener: (payload: { code: number | null; signal: number | null }) => void): unknown;
  on(event: "error", listener: (error: string) => void): unknown;
  spawn(): Promise<TauriChild>;
}

export interface TauriSidecarOptions {
  /** Receives stderr (the sidecar's JSON log lines). */
  onStderr?: (text: string) => void;
}

export interface TauriTransport extends Transport {
  readonly child: TauriChild;
}

/** Spawn `command` and return its transport (lines are queued until a client subscribes). */
export async function createTauriTransport(
  command: TauriCommand<string> | TauriCommand<Uint8Array>,
  options: TauriSidecarOptions = {},
): Promise<TauriTransport> {
  const lines = new Relay<string>();
  const exits = new Relay<ExitInfo>();
  const stdout = stdoutReader((line) => lines.emit(line));
  let lastError: string | undefined;
  const cmd = command as TauriCommand<string | Uint8Array>;
  cmd.stdout.on("data", stdout.push);
  cmd.stderr.on("data", (data) => options.onStderr?.(asText(data)));
  cmd.on("error", (error) => (lastError = String(error)));
  cmd.on("close", ({ code, signal }) => {
    stdout.end();
    exits.emit(lastError === undefined ? { code, signal } : { code, signal, error: lastError });
  });
  const child = await cmd.spawn();
  return {
    child,
    send: (frame) => child.write(frame + "\n"),
    onLine: (listener) => lines.subscribe(listener),
    onExit: (listener) => exits.subscribe(listener),
    kill: () => child.kill(),
  };
}

/** Spawn the sidecar command and wrap it in a client in one step. */
export async function startTauriSidecar(
  command: TauriCommand<string> | TauriCommand<Uint8Array>,
  options: TauriSidecarOptions & ClientOptions = {},
): Promise<SidecarClient> {
  return createSidecarClient(await createTauriTransport(command, options), options);
}

function asText(data: string | Uint8Array): string {
  return typeof data === "string" ? data : new TextDecoder().decode(data);
}

/** Line events (strings) are complete lines; raw events (bytes) are re-split. */
function stdoutReader(emit: (line: string) => void): {
  push: (data: string | Uint8Array) => void;
  end: () => void;
} {
  const decoder = new TextDecoder("utf-8");
  const splitter = new LineSplitter(emit);
  return {
    push(data) {
      if (typeof data !== "string") {
        splitter.push(decoder.decode(data, { stream: true }));
        return;
      }
      for (const piece of data.split("\n")) {
        const line = cleanLine(piece);
        if (line !== null) emit(line);
      }
    },
    end() {
      splitter.push(decoder.decode());
      splitter.end();
    },
  };
}
