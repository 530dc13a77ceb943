//! Hearth's page: the leptos user interface.
//!
//! The heavy engine (burn) runs in a Web Worker built from `crates/engine`; this page
//! only renders state and exchanges [`hearth_core::protocol`] messages with it.

pub mod app;
pub mod data_panel;
pub mod data_state;
pub mod engine_status;
pub mod evaluate_panel;
pub mod json;
pub mod keeping;
pub mod platform;
pub mod session;
pub mod steps;
pub mod storage;
pub mod studio_panels;
pub mod studio_state;

/// Starts the page: installs the panic reporter, then mounts the app.
pub fn start() {
    platform::install_panic_reporter();
    leptos::mount::mount_to_body(app::App);
    if platform::debug_panic_requested() {
        panic!("a test panic, asked for by ?debug=panic");
    }
}
