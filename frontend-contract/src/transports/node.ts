/**
 * The Node.js transport: the sidecar as a `child_process` (Electron's main process, scripts,
 * tests).
 *
 * Owns: spawning with three pipes and no console window, UTF-8 decoding that never splits a
 * character, NDJSON splitting on "\n" (not `readline`, which also breaks lines at U+2028 in
 * some versions), draining stderr so a chatty sidecar can never block on a full pipe, EPIPE
 * after the child died, and reporting the exit once stdout is fully read.
 */

import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { StringDecoder } from "node:string_decoder";

import { createSidecarClient } from "../client.js";
import type { ClientOptions, SidecarClient } from "../client.js";
import { LineSplitter } from "../lines.js";
import { Relay } from "../transport.js";
import type { ExitInfo, Transport } from "../transport.js";

export interface NodeSidecarOptions {
  /** The binary: the frozen `ytracker-sidecar`, or a Python interpreter. */
  command: string;
  /** Its arguments, e.g. `["-m", "sidecar", "--demo"]` for a Python interpreter. */
  args?: readonly string[];
  /** The environment (default: this process's). `PYTHONUNBUFFERED=1` is always added. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives stderr (the sidecar's JSON log lines) as text. Drained either way. */
  onStderr?: (text: string) => void;
  /** How much of the end of stderr to keep for `stderrTail()` (default 64 KiB). */
  stderrTailChars?: number;
}

export interface NodeTransport extends Transport {
  readonly child: ChildProcessWithoutNullStreams;
  /** The last part of what the sidecar wrote to stderr (for error reports). */
  stderrTail(): string;
}

export function spawnSidecar(options: NodeSidecarOptions): NodeTransport {
  const child = spawn(options.command, [...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), PYTHONUNBUFFERED: "1" },
    stdio: ["pipe", "pipe", "pipe"],
    windowsHide: true,
  });
  return new NodeChild(child, options);
}

/** Spawn the sidecar and wrap it in a client in one step. */
export function startSidecar(options: NodeSidecarOptions & ClientOptions): SidecarClient {
  return createSidecarClient(spawnSidecar(options), options);
}

class NodeChild implements NodeTransport {
  private readonly lines = new Relay<string>();
  private readonly exits = new Relay<ExitInfo>();
  private tail = "";
  private spawnError: string | undefined;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly options: NodeSidecarOptions,
  ) {
    this.readStdout();
    this.drainStderr();
    child.stdin.on("error", () => undefined); // EPIPE once the child is gone: the exit reports it
    child.on("error", (error) => (this.spawnError = error.message));
    child.on("close", (code, signal) => this.closed(code, signal));
  }

  send(frame: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.child.stdin.writable) {
        reject(new Error("the sidecar's stdin is closed"));
        return;
      }
      this.child.stdin.write(frame + "\n", (error) => (error ? reject(error) : resolve()));
    });
  }

  onLine(listener: (line: string) => void): void {
    this.lines.subscribe(listener);
  }

  onExit(listener: (info: ExitInfo) => void): void {
    this.exits.subscribe(listener);
  }

  closeInput(): Promise<void> {
    return new Promise((resolve) => this.child.stdin.end(resolve));
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  stderrTail(): string {
    return this.tail;
  }

  private readStdout(): void {
    const decoder = new StringDecoder("utf8");
    const splitter = new LineSplitter((line) => this.lines.emit(line));
    this.child.stdout.on("data", (chunk: Buffer) => splitter.push(decoder.write(chunk)));
    this.child.stdout.on("end", () => {
      splitter.push(decoder.end());
      splitter.end();
    });
  }

  private drainStderr(): void {
    const keep = this.options.stderrTailChars ?? 64 * 1024;
    const decoder = new StringDecoder("utf8");
    this.child.stderr.on("data", (chunk: Buffer) => {
      const text = decoder.write(chunk);
      this.tail = (this.tail + text).slice(-keep);
      this.options.onStderr?.(text);
    });
  }

  private closed(code: number | null, signal: NodeJS.Signals | null): void {
    const info: ExitInfo = { code, signal };
    if (this.spawnError !== undefined) info.error = `could not be started: ${this.spawnError}`;
    this.exits.emit(info);
  }
}
