//! Hearth's core: everything that is not a web page.
//!
//! Without the default `burn` feature the crate holds only what the page needs (the
//! protocol to the engine worker); with it, the tensor work that the engine worker and
//! the command line share.

pub mod autotune;
pub mod bench;
pub mod data;
pub mod digits;
pub mod error;
mod flat;
#[cfg(feature = "ingest")]
pub mod hostile;
#[cfg(feature = "burn")]
pub mod inference;
#[cfg(feature = "js")]
pub mod js;
pub mod kernels;
pub mod metrics;
pub mod model;
pub mod protocol;
#[cfg(feature = "burn")]
pub mod selftest;
pub mod sound;
pub mod text;
#[cfg(feature = "burn")]
pub mod training;

pub use error::Error;
