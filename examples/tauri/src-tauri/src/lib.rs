// YTracker's `src-tauri/src/lib.rs` once its backend is the sidecar: the shell plugin that
// spawns it, the credentials it inherits, and the plugins that show its notifications and quit
// from its tray (the app already links both: `App.tsx` asks `isPermissionGranted`, `useBridge.ts`
// calls `relaunch`). The tray itself is `app.trayIcon` in tauri.conf.json, drawn by `src/tray.ts`
// (`tauri = { version = "2", features = ["tray-icon"] }` in Cargo.toml). The app's other plugins
// stay as they were.

mod sidecar_env;

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    sidecar_env::pass_to_sidecar();
    tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_process::init())
        // .plugin(tauri_plugin_opener::init()) … the app's other plugins
        .run(tauri::generate_context!())
        .expect("error while running tauri application");
}
