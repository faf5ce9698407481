/**
 * A drop-in for `@tauri-apps/api/core`'s `invoke` and `@tauri-apps/api/event`'s `listen`,
 * served by the sidecar, so the YTracker frontend can swap one import and change nothing else.
 *
 * `invoke(cmd, args)` resolves with the command's result and rejects with the bare error
 * **string** (the sidecar's exact message), as a Tauri command returning `Result<_, String>`
 * did: the frontend does `String(err)` and substring checks on it. `listen(event, handler)`
 * delivers sidecar notifications as Tauri events `{event, id, payload}`.
 *
 *     setSidecarClient(startTauriSidecar(Command.sidecar("binaries/ytracker-sidecar")));
 *     const issues = await invoke<IssuePagePayload>("get_issues", { query: null, ... });
 */

import type { SidecarClient } from "./client.js";

export type InvokeArgs = Record<string, unknown>;

/** The shape of a Tauri event as `listen` handlers receive it. */
export interface Event<T> {
  event: string;
  /** The listener's id, as Tauri passes it. */
  id: number;
  payload: T;
}

export type EventCallback<T> = (event: Event<T>) => void;
export type UnlistenFn = () => void;

export interface Compat {
  invoke<T = unknown>(cmd: string, args?: InvokeArgs): Promise<T>;
  listen<T = unknown>(event: string, handler: EventCallback<T>): Promise<UnlistenFn>;
  once<T = unknown>(event: string, handler: EventCallback<T>): Promise<UnlistenFn>;
}

/** `invoke`/`listen`/`once` bound to one client (or to a client that is still starting). */
export function createCompat(client: SidecarClient | Promise<SidecarClient>): Compat {
  let nextListenerId = 1;
  const ready = Promise.resolve(client);

  async function invoke<T = unknown>(cmd: string, args: InvokeArgs = {}): Promise<T> {
    try {
      return (await (await ready).request(cmd, args)) as T;
    } catch (error) {
      throw errorString(error);
    }
  }

  async function listen<T = unknown>(event: string, handler: EventCallback<T>): Promise<UnlistenFn> {
    const id = nextListenerId++;
    return (await ready).onNotification((method, params) => {
      if (method === event) handler({ event, id, payload: params as T });
    });
  }

  async function once<T = unknown>(event: string, handler: EventCallback<T>): Promise<UnlistenFn> {
    const unlisten = await listen<T>(event, (e) => {
      unlisten();
      handler(e);
    });
    return unlisten;
  }

  return { invoke, listen, once };
}

/** The bare string a Tauri command's `Err(String)` would have been. */
export function errorString(error: unknown): string {
  if (typeof error === "string") return error;
  if (error instanceof Error) return error.message;
  return String(error);
}

// -- a process-wide default, for apps that import `invoke` and `listen` directly -------------

let current: Compat | null = null;
let waiting: Array<(compat: Compat) => void> = [];

/** Install the client the module-level `invoke`/`listen`/`once` use (once, at startup). */
export function setSidecarClient(client: SidecarClient | Promise<SidecarClient>): void {
  current = createCompat(client);
  for (const resolve of waiting) resolve(current);
  waiting = [];
}

function installed(): Promise<Compat> {
  return current ? Promise.resolve(current) : new Promise((resolve) => waiting.push(resolve));
}

export async function invoke<T = unknown>(cmd: string, args?: InvokeArgs): Promise<T> {
  return (await installed()).invoke<T>(cmd, args);
}

export async function listen<T = unknown>(event: string, handler: EventCallback<T>): Promise<UnlistenFn> {
  return (await installed()).listen<T>(event, handler);
}

export async function once<T = unknown>(event: string, handler: EventCallback<T>): Promise<UnlistenFn> {
  return (await installed()).once<T>(event, handler);
}
