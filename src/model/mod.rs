pub mod layers;
pub mod panel;
pub mod state;
