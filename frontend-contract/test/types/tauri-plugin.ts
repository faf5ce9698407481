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
