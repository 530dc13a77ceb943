//! Hearth's compute engine: burn, run inside a Web Worker, driven by the page through
//! [`hearth_core::protocol`] messages.
//!
//! The path of a message: the page posts a `ToEngine` (with any `File`s attached);
//! `worker::transport` takes the files off it and queues it; the loop in `worker` hands it
//! to `worker::dispatch`, whose `match` calls the method of its concern (`data`,
//! `training`, `prediction`, `files`, `bench`); that method replies with `FromEngine`
//! messages through `transport::post`. While a run trains, the loop handles the messages
//! queued between its steps (`training::train_step`, bookkeeping in `run`).

pub mod backend;
#[cfg(target_arch = "wasm32")]
pub mod worker;
