//! Hearth's page: the leptos user interface.
//!
//! The heavy engine (burn) runs in a Web Worker built from `crates/engine`; this page
//! only renders state and exchanges [`hearth_core::protocol`] messages with it. Each step
//! has its folder (its panel's components and its `state.rs`, plain structs tested
//! natively); the rest is the shell, the engine link, keeping work, shared widgets and
//! the browser boundary.
//!
//! Only wasm32 builds have the views: natively (`cargo test`) the crate is the steps'
//! state, which is plain Rust, and its tests, so the host never compiles leptos or web-sys.

/// The shell: the App component, the step navigation and which panel shows.
pub mod app;
/// The browser boundary: files, canvas, camera, address, downloads, panics, JSON, preferences.
pub mod browser;
/// Step 1's own examples: classes recorded from the camera or drawn on a pad.
pub mod capture;
/// The signals App shares with the panels, and their typed accessors.
#[cfg(target_arch = "wasm32")]
pub mod context;
/// Step 1, Data: choosing, loading and configuring the data set.
pub mod data;
/// The page's side of the engine: its worker link, status, widgets and connection.
pub mod engine;
/// Step 4, Evaluate: the model's metrics on the held-out test split.
pub mod evaluate;
/// Keeping work: the session a reload restores, kept models, the browser storage.
pub mod keeping;
/// Step 2, Model: presets, layers, the spec as JSON and as a link.
pub mod model;
/// Step 3, Train: settings, the run's controls and progress, live charts.
pub mod train;
/// Step 5, Use & share: predictions, the model card, keeping and sharing models.
pub mod use_share;
/// Widgets and helpers more than one step uses: thumbnails, chart scaling, formatting.
pub mod widgets;

/// Starts the page: installs the panic reporter, then mounts the app.
#[cfg(target_arch = "wasm32")]
#[allow(
    clippy::panic,
    reason = "?debug=panic asks for a panic, so that tests see the panic reporter work"
)]
pub fn start() {
    browser::panics::install_panic_reporter();
    leptos::mount::mount_to_body(app::App);
    if browser::url::debug_panic_requested() {
        panic!("a test panic, asked for by ?debug=panic");
    }
}
