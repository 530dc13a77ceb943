pub mod chart;
pub mod format;
pub mod thumbnail;
