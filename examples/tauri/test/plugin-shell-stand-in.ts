/**
 * A stand-in for `@tauri-apps/plugin-shell` 2.x under plain Node: `Command.sidecar(name, args,
 * options)` runs the real sidecar, and the plugin's permission checks are applied from the
 * example's own capability file, so a capability that forgot a permission fails here as it
 * would in the app.
 *
 * Like the plugin: spawning needs a `shell:allow-spawn` scope entry `{name, sidecar: true}` whose
 * `args` admit the arguments (`false`: none; a list: fixed strings or whole-match validators);
 * `write` needs `shell:allow-stdin-write`, `kill` needs `shell:allow-kill`; refusals reject with
 * a string; stdout and stderr arrive one line per `data` event without the newline; the child
 * inherits the app's environment plus `options.env`; `close` carries `{code, signal}` with the
 * signal as a number.
 */

import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { constants } from "node:os";

type Json = Record<string, unknown>;
type Listener = (value: never) => void;

interface Setup {
  /** The real program that stands for the bundled binary, and its leading arguments. */
  argv: string[];
  capability: Json;
}

let setup: Setup | null = null;

/** Call before the example is imported: what runs, and under which capability. */
export function configure(next: Setup): void {
  setup = next;
}

function granted(identifier: string): Json[] {
  const permissions = (setup?.capability["permissions"] as unknown[]) ?? [];
  return permissions
    .map((p) => (typeof p === "string" ? { identifier: p } : (p as Json)))
    .filter((p) => p["identifier"] === identifier);
}

function demand(identifier: string, what: string): void {
  if (granted(identifier).length === 0) throw `${what} not allowed. Permissions associated with this command: ${identifier}`;
}

function argsAllowed(allowed: unknown, args: string[]): boolean {
  if (allowed === true) return true;
  if (allowed === false || allowed === undefined) return args.length === 0;
  const rules = allowed as Array<string | { validator: string }>;
  return (
    rules.length === args.length &&
    rules.every((rule, i) => (typeof rule === "string" ? rule === args[i] : new RegExp(`^${rule.validator}$`).test(args[i]!)))
  );
}

function checkSpawn(program: string, args: string[]): void {
  const entries = granted("shell:allow-spawn").flatMap((p) => (p["allow"] as Json[] | undefined) ?? []);
  const entry = entries.find((e) => e["name"] === program && e["sidecar"] === true);
  if (!entry) throw `Scoped command ${program} not found`;
  if (!argsAllowed(entry["args"], args)) throw `Scoped command argument at position 0 was found, but failed regex validation`;
}

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, value: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (v: unknown) => void)(value);
  }
}

export class Child {
  constructor(
    readonly pid: number,
    private readonly proc: ChildProcessWithoutNullStreams,
  ) {}

  async write(data: string | Uint8Array | number[]): Promise<void> {
    demand("shell:allow-stdin-write", "shell.stdin_write");
    this.proc.stdin.write(typeof data === "string" ? data : Buffer.from(data as Uint8Array));
  }

  async kill(): Promise<void> {
    demand("shell:allow-kill", "shell.kill");
    this.proc.kill("SIGKILL");
  }
}

function emitLines(stream: NodeJS.ReadableStream, target: Emitter): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (text: string) => {
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) target.emit("data", line);
  });
}

export class Command extends Emitter {
  static readonly spawned: Command[] = [];
  readonly stdout = new Emitter();
  readonly stderr = new Emitter();

  private constructor(
    readonly program: string,
    readonly args: string[],
    readonly options: { env?: Record<string, string> } | undefined,
  ) {
    super();
  }

  static sidecar(program: string, args: string | string[] = [], options?: { env?: Record<string, string> }): Command {
    return new Command(program, typeof args === "string" ? [args] : args, options);
  }

  async spawn(): Promise<Child> {
    if (!setup) throw new Error("plugin-shell stand-in: configure() was not called");
    checkSpawn(this.program, this.args);
    const [command, ...leading] = setup.argv;
    const env = { ...process.env, ...this.options?.env };
    const proc = spawn(command!, [...leading, ...this.args], { env, stdio: ["pipe", "pipe", "pipe"] });
    Command.spawned.push(this);
    emitLines(proc.stdout, this.stdout);
    emitLines(proc.stderr, this.stderr);
    proc.on("error", (error) => this.emit("error", error.message));
    proc.on("close", (code, signal) => this.emit("close", { code, signal: signal ? constants.signals[signal] : null }));
    return new Child(proc.pid ?? -1, proc);
  }
}
