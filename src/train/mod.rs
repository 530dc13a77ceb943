pub mod charts;
pub mod panel;
pub mod settings;
pub mod state;
