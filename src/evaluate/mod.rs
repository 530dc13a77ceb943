pub mod classification;
pub mod cost;
pub mod fairness;
pub mod panel;
pub mod regression;
pub mod state;
