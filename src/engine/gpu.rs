//! The WebGPU engine: looked for once the CPU engine is ready, loaded in the background
//! where the browser offers an adapter, and made the engine once it has booted and
//! nothing is running (the decisions are [`EngineStatus`]'s, tested natively).
//!
//! [`EngineStatus`]: crate::engine::status::EngineStatus

use hearth_core::protocol::FromEngine;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::context::Shared;
use crate::engine::connection::EngineConnection;
use crate::engine::link::{EngineLink, start_worker};
use crate::engine::status::GpuEngine;

/// The WebGPU engine booting in the background, until it becomes the engine.
struct Standby {
    worker: web_sys::Worker,
    /// Its messages so far (the engine's link replays them).
    backlog: js_sys::Array,
}

/// Looks for WebGPU whenever the status wants it, and moves the work onto the WebGPU
/// engine once it may.
pub fn watch(shared: Shared, connection: EngineConnection) {
    let standby = StoredValue::new_local(None::<Standby>);
    Effect::new(move |_| {
        if shared.status.with(|status| status.wants_gpu()) {
            shared
                .status
                .update(|status| status.gpu = GpuEngine::Checking);
            wasm_bindgen_futures::spawn_local(look_for_gpu(shared, standby));
        }
    });
    Effect::new(move |_| {
        let busy = shared.train.with(|train| train.busy())
            || shared.data.with(|data| data.loading.is_some());
        if shared.status.with(|status| status.may_switch_to_gpu(busy))
            && let Some(Standby { worker, backlog }) =
                standby.try_update_value(Option::take).flatten()
        {
            worker.set_onmessage(None);
            worker.set_onerror(None);
            connection.switch_to_gpu(EngineLink::adopt(worker, backlog));
        }
    });
}

/// Asks the browser for an adapter; where there is one, starts the WebGPU engine.
async fn look_for_gpu(shared: Shared, standby: StoredValue<Option<Standby>, LocalStorage>) {
    let set = move |gpu: GpuEngine| shared.status.update(|status| status.gpu = gpu);
    // The page asks first; the engine's own request follows once it runs.
    if let Err(reason) = hearth_core::js::webgpu_adapter().await {
        set(GpuEngine::Unavailable { reason });
        return;
    }
    let worker = match start_worker(true) {
        Ok(worker) => worker,
        Err(reason) => {
            set(GpuEngine::Failed { reason });
            return;
        }
    };
    set(GpuEngine::Loading {
        loaded: 0.0,
        total: None,
    });
    let backlog = js_sys::Array::new();
    let on_message = {
        let (backlog, worker) = (backlog.clone(), worker.clone());
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            backlog.push(&data);
            match serde_wasm_bindgen::from_value::<FromEngine>(data) {
                Ok(FromEngine::Loading { loaded, total }) => {
                    set(GpuEngine::Loading { loaded, total })
                }
                Ok(FromEngine::Booted { .. }) => set(GpuEngine::Standby),
                Ok(FromEngine::Error { message, .. }) => {
                    worker.terminate();
                    standby.set_value(None);
                    set(GpuEngine::Failed { reason: message });
                }
                _ => {}
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = {
        let worker = worker.clone();
        Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            event.prevent_default();
            worker.terminate();
            standby.set_value(None);
            set(GpuEngine::Failed {
                reason: event.message(),
            });
        })
    };
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    standby.set_value(Some(Standby { worker, backlog }));
}
