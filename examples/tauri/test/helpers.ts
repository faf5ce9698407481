/**
 * Test plumbing: where the example and the repository are, the real sidecar's command line
 * (`YTRACKER_SIDECAR_BIN`, else `python -m sidecar` from `YTRACKER_SIDECAR_PYTHON` or the
 * repository's `.venv`), and the `@tauri-apps/plugin-shell` stand-in registered for the modules
 * loaded after it.
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

/** From now on `import "@tauri-apps/plugin-shell"` loads the stand-in. */
export function usePluginShellStandIn(): void {
  register("./hooks.js", import.meta.url);
}
