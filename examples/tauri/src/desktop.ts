/**
 * What the old app's native loop showed, now drawn from the sidecar's messages: the tray
 * (`tray.ts`), `notify` messages as OS notifications through the notification plugin, and the
 * main window that closing only hides (the tray's Quit ends the app, as in the old app).
 *
 * Owns: showing the window, quitting (the sidecar stops first: `shutdown`, then `exit`), the
 * notification permission. Must not know: what the notifications say or when they come.
 */

import { getCurrentWindow } from "@tauri-apps/api/window";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { exit } from "@tauri-apps/plugin-process";
import type { SidecarClient } from "@ytracker/sidecar-contract";

import { showTray } from "./tray.js";
import type { ShellActions } from "./tray.js";

/** Start the tray, the notifications and close-to-tray; call once the sidecar is started. */
export async function startDesktop(client: SidecarClient): Promise<ShellActions> {
  const win = getCurrentWindow();
  const shell: ShellActions = {
    async showWindow() {
      await win.unminimize();
      await win.show();
      await win.setFocus();
    },
    async quit() {
      await client.close();
      await exit(0);
    },
  };
  await win.onCloseRequested(async (event) => {
    event.preventDefault(); // the app lives on in the tray
    await win.hide();
  });
  showNotices(client);
  await showTray(client, shell);
  return shell;
}

/** Show each `notify` message as an OS notification once the user allows them. */
export function showNotices(client: SidecarClient): () => void {
  const allowed = notificationsAllowed();
  return client.on("notify", ({ title, body }) => {
    void allowed.then((yes) => yes && sendNotification({ title, body }));
  });
}

async function notificationsAllowed(): Promise<boolean> {
  try {
    return (await isPermissionGranted()) || (await requestPermission()) === "granted";
  } catch (error) {
    console.error("ytracker: notifications are unavailable", error);
    return false;
  }
}
