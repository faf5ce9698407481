/**
 * The Electron main process: finds the sidecar binary, starts it through the bridge, and opens
 * the window with the sandboxed preload that exposes `window.ytracker.invoke` / `listen`.
 *
 * The binary runs from the main process with `child_process` (a `utilityProcess` cannot pipe
 * stdin) and ships outside the asar archive (nothing inside it can be executed). The OAuth app's
 * credentials reach the sidecar through its environment, from here: never from the renderer,
 * whose bundle anyone can read and whose scripts an injected page could run.
 */

import { app, BrowserWindow } from "electron";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { bridgeSidecar } from "./sidecar-bridge.js";

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/src
const root = path.join(here, "..", "..");

/** `YTRACKER_SIDECAR_BIN` (development), else the packaged copy, else `binaries/` here. */
export function sidecarCommand(): string {
  const override = process.env["YTRACKER_SIDECAR_BIN"];
  if (override) return override;
  const exe = process.platform === "win32" ? "ytracker-sidecar.exe" : "ytracker-sidecar";
  return app.isPackaged ? path.join(process.resourcesPath, "bin", exe) : path.join(root, "binaries", exe);
}

export const sidecar = bridgeSidecar({
  command: sidecarCommand(),
  // YTRACKER_CLIENT_ID / YTRACKER_CLIENT_SECRET, if set, go along with the rest of the environment.
  env: process.env,
  onStderr: (text) => process.stderr.write(text), // JSON log lines
  onExit: (info, restarting) => console.error("ytracker-sidecar ended", info, restarting ? "restarting" : "giving up"),
});

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    webPreferences: {
      preload: path.join(here, "preload.cjs"),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  void win.loadFile(path.join(root, "index.html"));
  return win;
}

void app.whenReady().then(() => {
  createWindow();
  app.on("activate", () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on("window-all-closed", () => {
  if (process.platform !== "darwin") app.quit(); // will-quit then stops the sidecar
});
