//! The OAuth app's credentials for ytracker-sidecar, kept out of the webview.
//!
//! YTracker's `build.rs` turns `YTRACKER_CLIENT_ID` / `YTRACKER_CLIENT_SECRET` (from the build's
//! environment or `.env`) into compile-time variables. `pass_to_sidecar` copies them into this
//! process's environment; the sidecar that the webview spawns through the shell plugin inherits
//! it. The JavaScript bundle never contains them, and no command hands them to the page.

/// Call first thing in `run()`, before the Tauri runtime starts any thread.
pub fn pass_to_sidecar() {
    let compiled_in = [
        ("YTRACKER_CLIENT_ID", option_env!("YTRACKER_CLIENT_ID")),
        ("YTRACKER_CLIENT_SECRET", option_env!("YTRACKER_CLIENT_SECRET")),
    ];
    for (name, value) in compiled_in {
        if let Some(value) = value {
            std::env::set_var(name, value);
        }
    }
}
