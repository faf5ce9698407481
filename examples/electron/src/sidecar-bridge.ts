/**
 * The main-process half of the Electron kit: one ytracker-sidecar for the app, the renderer's
 * calls forwarded to it over IPC, its notifications broadcast to every window (and to the main
 * process's own listeners: the tray), a restart when it crashes, and a clean stop when the app
 * quits.
 *
 * Owns: the IPC channels, the reply envelope (errors travel as data: a rejection from
 * `ipcMain.handle` reaches the renderer rewrapped as "Error invoking remote method …", and the
 * frontend matches the bare string), which senders are trusted, and the quit sequence.
 * Must not know: the page, or where the binary lives (`main.ts` decides).
 */

import { app, BrowserWindow, ipcMain } from "electron";
import type { IpcMainInvokeEvent } from "electron";
import type { ClientOptions, ExitInfo, SidecarClient } from "@ytracker/sidecar-contract";
import { errorString } from "@ytracker/sidecar-contract/compat";
import { startSidecar } from "@ytracker/sidecar-contract/transports/node";
import type { NodeSidecarOptions } from "@ytracker/sidecar-contract/transports/node";

export const INVOKE_CHANNEL = "ytracker:invoke";
export const EVENT_CHANNEL = "ytracker:event";

/** What the preload receives for each `invoke`; it rethrows `error` as the bare string. */
export type InvokeReply = { ok: true; result: unknown } | { ok: false; error: string };

export interface BridgeOptions extends NodeSidecarOptions, ClientOptions {
  /** Restarts after unexpected exits before giving up (default 3). */
  maxRestarts?: number;
  /** Told about each unexpected exit (for the log); the bridge restarts by itself. */
  onExit?: (info: ExitInfo, restarting: boolean) => void;
  /** Which IPC senders may call the sidecar (default: top-level frames, never iframes). */
  trustSender?: (event: IpcMainInvokeEvent) => boolean;
}

export interface SidecarBridge {
  /** The running client (a new one after a restart). */
  readonly client: SidecarClient;
  /** Stop for good: `shutdown`, `exit`, EOF, then kill after the grace period. */
  stop(): Promise<ExitInfo>;
  /** Every notification of this and every later sidecar (the tray follows restarts); returns the unsubscribe function. */
  onNotification(handler: (method: string, params: unknown) => void): () => void;
}

/** Start the sidecar and wire it to IPC and to the app's quit. Call once, at start-up. */
export function bridgeSidecar(options: BridgeOptions): SidecarBridge {
  const bridge = new Bridge(options);
  ipcMain.handle(INVOKE_CHANNEL, (event, cmd: unknown, args: unknown) => bridge.invoke(event, cmd, args));
  app.on("will-quit", (event) => bridge.holdQuit(event));
  return bridge;
}

/** An iframe (an embedded page, an ad, a preview) must not reach the user's Tracker session. */
export function isTopLevelFrame(event: IpcMainInvokeEvent): boolean {
  return event.senderFrame !== null && event.senderFrame.parent === null;
}

class Bridge implements SidecarBridge {
  client: SidecarClient;
  private restarts = 0;
  private stopping: Promise<ExitInfo> | null = null;
  private readonly listeners = new Set<(method: string, params: unknown) => void>();

  constructor(private readonly options: BridgeOptions) {
    this.client = this.start();
  }

  async invoke(event: IpcMainInvokeEvent, cmd: unknown, args: unknown): Promise<InvokeReply> {
    if (!(this.options.trustSender ?? isTopLevelFrame)(event)) {
      return { ok: false, error: "ytracker: this frame may not call the sidecar" };
    }
    if (typeof cmd !== "string") return { ok: false, error: "ytracker: the command name must be a string" };
    try {
      return { ok: true, result: await this.client.request(cmd, args ?? {}) };
    } catch (error) {
      return { ok: false, error: errorString(error) };
    }
  }

  stop(): Promise<ExitInfo> {
    this.stopping ??= this.client.close();
    return this.stopping;
  }

  onNotification(handler: (method: string, params: unknown) => void): () => void {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  /** `will-quit`: hold the quit until the sidecar has stopped, then quit again. */
  holdQuit(event: { preventDefault(): void }): void {
    if (this.client.closed) return;
    event.preventDefault();
    void this.stop().finally(() => app.quit());
  }

  private start(): SidecarClient {
    const client = startSidecar(this.options);
    client.onNotification((method, params) => {
      broadcast(method, params);
      for (const listener of this.listeners) listener(method, params);
    });
    void client.exited.then((info) => this.exited(client, info));
    return client;
  }

  private exited(client: SidecarClient, info: ExitInfo): void {
    if (this.stopping !== null || client !== this.client) return;
    const restarting = this.restarts < (this.options.maxRestarts ?? 3);
    this.options.onExit?.(info, restarting);
    if (!restarting) return;
    this.restarts += 1;
    this.client = this.start(); // the session is in the OS keyring: the user stays signed in
  }
}

function broadcast(method: string, params: unknown): void {
  for (const win of BrowserWindow.getAllWindows()) {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, method, params);
  }
}
