/**
 * Starts ytracker-sidecar once, before the app renders, installs it behind the compat
 * `invoke`/`listen` of `@ytracker/sidecar-contract`, and shows its tray and notifications
 * (`desktop.ts`). Import it first in `src/main.tsx`; then `useBridge.ts` and `App.tsx` import
 * `invoke`/`listen` from the contract package instead of `@tauri-apps/api` and change nothing
 * else.
 *
 * No credentials here: the sidecar inherits `YTRACKER_CLIENT_ID` / `YTRACKER_CLIENT_SECRET` from
 * the app's process (`src-tauri/src/sidecar_env.rs`). Anything in this bundle, a `VITE_*`
 * variable included, ships as readable JavaScript.
 */

import { Command } from "@tauri-apps/plugin-shell";
import { setSidecarClient } from "@ytracker/sidecar-contract/compat";
import { startTauriSidecar } from "@ytracker/sidecar-contract/transports/tauri";

import { startDesktop } from "./desktop.js";

/** Exactly `bundle.externalBin` in tauri.conf.json, and the capability's scope `name`. */
export const SIDECAR = "binaries/ytracker-sidecar";

const KEEP_LOG_LINES = 200;
const log: string[] = [];

/** The sidecar's last stderr lines (JSON log records), for an error report or a support dialog. */
export function sidecarLog(): readonly string[] {
  return log;
}

export const sidecar = startTauriSidecar(Command.sidecar(SIDECAR), {
  onStderr: (line) => {
    log.push(line.trimEnd());
    if (log.length > KEEP_LOG_LINES) log.shift();
  },
});

setSidecarClient(sidecar);

/** The tray, the notifications and close-to-tray, once the sidecar is started. */
export const desktop = sidecar.then(startDesktop);
desktop.catch((error: unknown) => console.error("ytracker: the tray could not start", error));
