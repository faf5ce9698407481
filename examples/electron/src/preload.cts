/**
 * The preload: exposes `window.ytracker.invoke` and `window.ytracker.listen`, shaped like Tauri's
 * `invoke` (rejects with the bare error string) and `listen` (events `{event, id, payload}`,
 * resolves with an unlisten function), so the YTracker frontend swaps one import.
 *
 * CommonJS (`preload.cjs`) and self-contained, as a sandboxed preload must be: it can require
 * nothing but `electron`. The channel names repeat `sidecar-bridge.ts`'s, which it cannot import.
 */

import { contextBridge, ipcRenderer } from "electron";
import type { IpcRendererEvent } from "electron";

type InvokeReply = { ok: true; result: unknown } | { ok: false; error: string };
type Handler = (event: { event: string; id: number; payload: unknown }) => void;

let nextListenerId = 1;

contextBridge.exposeInMainWorld("ytracker", {
  async invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    const reply = (await ipcRenderer.invoke("ytracker:invoke", cmd, args ?? {})) as InvokeReply;
    if (!reply.ok) throw reply.error; // the bare string, as a Tauri command's Err(String) was
    return reply.result;
  },

  async listen(event: string, handler: Handler): Promise<() => void> {
    const id = nextListenerId++;
    const listener = (_e: IpcRendererEvent, method: string, payload: unknown): void => {
      if (method === event) handler({ event, id, payload });
    };
    ipcRenderer.on("ytracker:event", listener);
    return () => {
      ipcRenderer.removeListener("ytracker:event", listener);
    };
  },
});
