/**
 * Test plumbing: where the repository and its Python are, spawning the real sidecar (demo mode
 * or pointed at the fake Tracker), and steering the fake Tracker (`fake_tracker.py`).
 *
 * `YTRACKER_SIDECAR_BIN` runs a frozen binary instead of `python -m sidecar`;
 * `YTRACKER_SIDECAR_PYTHON` names the interpreter (default: the repository's `.venv`).
 */

import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { LineSplitter } from "../src/lines.js";
import type { SidecarClient, ClientOptions } from "../src/client.js";
import { startSidecar } from "../src/transports/node.js";
import type { NodeSidecarOptions } from "../src/transports/node.js";

/** frontend-contract/ (tests run compiled from dist/test/). */
export const PACKAGE_DIR = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
export const REPO = resolve(PACKAGE_DIR, "..");

export function python(): string {
  const explicit = process.env["YTRACKER_SIDECAR_PYTHON"];
  if (explicit) return explicit;
  const venv = process.platform === "win32" ? [".venv", "Scripts", "python.exe"] : [".venv", "bin", "python"];
  const local = join(REPO, ...venv);
  return existsSync(local) ? local : "python3";
}

/** The command and leading args that start the sidecar under test. */
export function sidecarCommand(): { command: string; args: string[] } {
  const binary = process.env["YTRACKER_SIDECAR_BIN"];
  return binary ? { command: binary, args: [] } : { command: python(), args: ["-m", "sidecar"] };
}

export interface Started {
  client: SidecarClient;
  stderr: () => string;
  configDir: string;
  stop: () => Promise<void>;
}

/** Spawn the real sidecar with `args`, a private config dir (its disk cache inside it, never the
 * user's) and fast retries. */
export function start(args: string[], options: ClientOptions & { env?: NodeJS.ProcessEnv } = {}): Started {
  const configDir = mkdtempSync(join(tmpdir(), "ytracker-ts-"));
  const base = sidecarCommand();
  let stderr = "";
  const spawnOptions: NodeSidecarOptions & ClientOptions = {
    ...options,
    command: base.command,
    args: [...base.args, ...args, "--config-dir", configDir],
    cwd: REPO,
    env: {
      ...process.env,
      YTRACKER_RETRY_SLEEP_SCALE: "0",
      YTRACKER_SECRETS: "memory",
      YTRACKER_CACHE_DIR: join(configDir, "cache"),
      ...options.env,
    },
    onStderr: (text) => (stderr += text),
  };
  const client = startSidecar(spawnOptions);
  return {
    client,
    stderr: () => stderr,
    configDir,
    stop: async () => {
      await client.close();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** The demo, with the Tracker cooldown cut from 350 ms so bursts of calls stay quick. */
export function startDemo(options: ClientOptions = {}): Started {
  return start(["--demo", "--cooldown-ms", "10"], options);
}

export interface FakeInfo {
  url: string;
  oauthUrl: string;
  caFile: string;
  token: string;
  orgId: string;
  clientId: string;
  clientSecret: string;
}

/** The Python test suite's fake Tracker, in its own process, steered by JSON lines. */
export class FakeTracker {
  private readonly replies: Array<(value: Record<string, unknown>) => void> = [];
  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly info: FakeInfo,
  ) {}

  static async start(): Promise<FakeTracker> {
    const proc = spawn(python(), [join(PACKAGE_DIR, "test", "fake_tracker.py")], { cwd: REPO, stdio: "pipe" });
    proc.stderr.on("data", () => undefined);
    let fake: FakeTracker | undefined;
    const first = new Promise<FakeInfo>((resolveInfo, reject) => {
      const splitter = new LineSplitter((line) => {
        const message = JSON.parse(line) as Record<string, unknown>;
        if (!fake) resolveInfo(message as unknown as FakeInfo);
        else fake.replies.shift()?.(message);
      });
      proc.stdout.setEncoding("utf8").on("data", (text: string) => splitter.push(text));
      proc.on("close", (code) => reject(new Error(`fake Tracker exited with ${code}`)));
    });
    fake = new FakeTracker(proc, await first);
    return fake;
  }

  async command(command: Record<string, unknown>): Promise<unknown> {
    const reply = new Promise<Record<string, unknown>>((resolveReply) => this.replies.push(resolveReply));
    this.proc.stdin.write(JSON.stringify(command) + "\n");
    const message = await reply;
    if (!message["ok"]) throw new Error(`fake Tracker: ${String(message["error"])}`);
    return message["result"];
  }

  fault(method: string, path: string, options: Record<string, unknown> = {}): Promise<unknown> {
    return this.command({ op: "fault", method, path, ...options });
  }

  reset(): Promise<unknown> {
    return this.command({ op: "reset" });
  }

  async authCode(): Promise<string> {
    return (await this.command({ op: "auth_code" })) as string;
  }

  /** Sidecar flags that point it at this fake over HTTPS. */
  args(...extra: string[]): string[] {
    const { url, oauthUrl, caFile } = this.info;
    return ["--api-base-url", url, "--oauth-base-url", oauthUrl, "--ca-file", caFile, "--cooldown-ms", "0", ...extra];
  }

  env(): NodeJS.ProcessEnv {
    return { YTRACKER_CLIENT_ID: this.info.clientId, YTRACKER_CLIENT_SECRET: this.info.clientSecret };
  }

  /** A sidecar on this fake, signed in as alice unless `signIn` is false. */
  async sidecar(options: { signIn?: boolean; args?: string[] } & ClientOptions = {}): Promise<Started> {
    const started = start(this.args(...(options.args ?? [])), { ...options, env: this.env() });
    if (options.signIn !== false) {
      const { token, orgId } = this.info;
      await started.client.call("login_with_token", { token, orgId, orgType: "yandex360" });
    }
    return started;
  }

  async close(): Promise<void> {
    const done = new Promise((resolveDone) => this.proc.on("close", resolveDone));
    this.proc.stdin.end();
    await done;
  }
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** The rejection of `promise`, failing when it resolves instead. */
export async function rejection<T = unknown>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error("expected a rejection, got a result");
}
