/**
 * Test plumbing: where the example and the repository are, the real sidecar's command line
 * (`YTRACKER_SIDECAR_BIN`, else `python -m sidecar` from `YTRACKER_SIDECAR_PYTHON` or the
 * repository's `.venv`), the stand-ins for `@tauri-apps/plugin-shell` and Tauri's tray, menu,
 * window, notification and process modules registered for the modules loaded after them, and
 * polling without timed assertions.
 */

import { existsSync } from "node:fs";
import { register } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const EXAMPLE_DIR = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
export const REPO = resolve(EXAMPLE_DIR, "..", "..");

export function sidecarArgv(): string[] {
  const binary = process.env["YTRACKER_SIDECAR_BIN"];
  if (binary) return [binary];
  const python = process.env["YTRACKER_SIDECAR_PYTHON"] ?? join(REPO, ".venv", "bin", "python");
  return [existsSync(python) ? python : "python3", "-m", "sidecar"];
}

/** From now on the example's Tauri imports load the stand-ins (see `hooks.ts`). */
export function useTauriStandIns(): void {
  register("./hooks.js", import.meta.url);
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

interface Entry {
  kind: string;
  enabled: boolean;
}

/** The sidecar's `menu` (`label`, `items`) or a drawn menu (`text`, `items`) as a `MenuShape`. */
export function shape<E extends Entry & ({ label: string | null } | { text: string }) & { items: E[] }>(menu: E[]): MenuShape {
  return menu.map((entry) => {
    if (entry.kind === "separator") return "---";
    const text = "text" in entry ? entry.text : (entry.label ?? "");
    const label = entry.enabled ? text : `${text} (disabled)`;
    return entry.kind === "submenu" ? { [label]: shape(entry.items) } : label;
  });
}
