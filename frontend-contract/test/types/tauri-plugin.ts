/**
 * Type-level proof that the real `@tauri-apps/plugin-shell` (a dev dependency only) fits the
 * minimal interfaces the Tauri transport is typed against. Checked by `tsc --noEmit --strict`.
 */

import type { Child, Command } from "@tauri-apps/plugin-shell";

import type { TauriChild, TauriCommand, createTauriTransport } from "../../src/transports/tauri.js";

type Assert<T extends true> = T;
type Accepts<Param, Arg> = [Arg] extends [Param] ? true : false;

export type LineModeCommand = Assert<Accepts<TauriCommand<string>, Command<string>>>;
export type RawModeCommand = Assert<Accepts<TauriCommand<Uint8Array>, Command<Uint8Array>>>;
export type PluginChild = Assert<Accepts<TauriChild, Child>>;
export type SidecarFactory = Assert<
  Accepts<Parameters<typeof createTauriTransport>[0], ReturnType<typeof Command.sidecar>>
>;

/** The README's Tauri start-up, compiled against the real plugin types (never run here). */
export async function readmeTauriStartup(): Promise<void> {
  const { Command } = await import("@tauri-apps/plugin-shell");
  const { setSidecarClient } = await import("../../src/compat.js");
  const { startTauriSidecar } = await import("../../src/transports/tauri.js");
  const sidecar = startTauriSidecar(Command.sidecar("binaries/ytracker-sidecar"));
  setSidecarClient(sidecar);
  const client = await sidecar;
  const issue = await client.call("get_issue", { issueKey: "DESK-1" });
  console.log(issue.status.display);
}
