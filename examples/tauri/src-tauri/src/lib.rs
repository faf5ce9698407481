// YTracker's `src-tauri/src/lib.rs` once its backend is the sidecar: the shell plugin that
// spawns it, and the credentials it inherits. The app's other plugins stay as they were.

mod sidecar_env;

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    sidecar_env::pass_to_sidecar();
    tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        // .plugin(tauri_plugin_opener::init()) … the app's other plugins
        .run(tauri::generate_context!())
        .expect("error while running tauri application");
}
