/**
 * Test plumbing: the `electron` stand-in registered for the modules loaded after it, the real
 * sidecar behind a tiny launcher script (so `main.ts` runs unchanged with
 * `YTRACKER_SIDECAR_BIN`), and polling without timed assertions.
 *
 * `YTRACKER_SIDECAR_BIN` (a frozen binary) is what the launcher runs when set, else
 * `python -m sidecar` from `YTRACKER_SIDECAR_PYTHON` or the repository's `.venv`.
 */

import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const EXAMPLE_DIR = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
export const REPO = resolve(EXAMPLE_DIR, "..", "..");

/** From now on `import "electron"` loads the stand-in. Call before importing the example. */
export function useElectronStandIn(): void {
  register("./hooks.js", import.meta.url);
}

function sidecarArgv(): string[] {
  const binary = process.env["YTRACKER_SIDECAR_BIN"];
  if (binary) return [binary];
  const python = process.env["YTRACKER_SIDECAR_PYTHON"] ?? join(REPO, ".venv", "bin", "python");
  return [existsSync(python) ? python : "python3", "-m", "sidecar"];
}

const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * A POSIX launcher for the real sidecar in `--demo` mode with a private config folder (and
 * `extra` flags); it records its pid (kept by `exec`) in `<dir>/sidecar.pid` at each start.
 */
export function writeDemoLauncher(dir: string, extra: string[] = []): string {
  const argv = [...sidecarArgv(), "--demo", "--secrets", "memory", "--config-dir", dir, "--cooldown-ms", "10", ...extra];
  const script = join(dir, "ytracker-sidecar");
  const body = `#!/bin/sh\necho $$ > ${quote(join(dir, "sidecar.pid"))}\nexec ${argv.map(quote).join(" ")} "$@"\n`;
  writeFileSync(script, body);
  chmodSync(script, 0o755);
  return script;
}

export function launchedPid(dir: string): number {
  return Number(readFileSync(join(dir, "sidecar.pid"), "utf8").trim());
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll `check` until it returns a value other than undefined (fails after ~30 s). */
export async function eventually<T>(check: () => T | undefined, what: string): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A tray menu as text: `label`, `label (disabled)`, `---`, or `{label: [its items]}` for a submenu. */
export type MenuShape = Array<string | Record<string, MenuShape>>;

interface SidecarEntry {
  kind: string;
  label: string | null;
  enabled: boolean;
  items: SidecarEntry[];
}

/** What the sidecar's `menu` should look like once drawn. */
export function expectedShape(menu: SidecarEntry[]): MenuShape {
  return menu.map((entry) => {
    if (entry.kind === "separator") return "---";
    const label = entry.enabled ? (entry.label ?? "") : `${entry.label ?? ""} (disabled)`;
    return entry.kind === "submenu" ? { [label]: expectedShape(entry.items) } : label;
  });
}
