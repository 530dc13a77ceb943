//! Hearth's compute engine: burn, run inside a Web Worker, driven by the page through
//! [`hearth_core::protocol`] messages.
//!
//! The path of a message: the page posts a `ToEngine`; the listener in `worker` takes its
//! attached `File`s off (`worker::transport`) and queues it; the message loop hands it to
//! `worker::dispatch`, whose `match` calls the method of its concern (`data`, `training`,
//! `prediction`, `files`, `bench`); that method answers with `FromEngine` messages through
//! `transport::post`. While a run trains, queued messages are handled between its steps.

pub mod backend;
#[cfg(target_arch = "wasm32")]
pub mod worker;
