/**
 * The renderer's import: `invoke` and `listen` with the signatures of `@tauri-apps/api/core` and
 * `@tauri-apps/api/event`, served by the preload. In the YTracker frontend:
 *
 *     -import { invoke } from "@tauri-apps/api/core";
 *     -import { listen } from "@tauri-apps/api/event";
 *     +import { invoke, listen } from "./sidecar";
 *
 * Type-only imports from the contract package: nothing of it is bundled into the page.
 */

import type { EventCallback, InvokeArgs, UnlistenFn } from "@ytracker/sidecar-contract/compat";

export interface YTrackerBridge {
  invoke(cmd: string, args?: InvokeArgs): Promise<unknown>;
  listen(event: string, handler: EventCallback<unknown>): Promise<UnlistenFn>;
}

declare global {
  interface Window {
    ytracker: YTrackerBridge;
  }
}

export function invoke<T = unknown>(cmd: string, args?: InvokeArgs): Promise<T> {
  return window.ytracker.invoke(cmd, args) as Promise<T>;
}

export function listen<T = unknown>(event: string, handler: EventCallback<T>): Promise<UnlistenFn> {
  return window.ytracker.listen(event, handler as EventCallback<unknown>);
}
