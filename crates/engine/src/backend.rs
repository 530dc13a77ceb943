//! Choosing the compute backend: WebGPU where the browser offers an adapter, burn's CPU
//! backend (flex, WebAssembly SIMD) otherwise or when the user forces it.

use burn::tensor::Device;
use hearth_core::protocol::Backend;

/// The engine's devices. WebGPU can be initialised only once per worker, so the first
/// attempt's outcome (device or reason) is kept and reused.
pub struct Backends {
    cpu: Device,
    webgpu: Option<Result<Device, String>>,
    active: Backend,
}

impl Default for Backends {
    fn default() -> Self {
        Backends {
            cpu: Device::flex(),
            webgpu: None,
            active: Backend::Cpu,
        }
    }
}

impl Backends {
    /// Makes WebGPU active unless `force_cpu` or WebGPU is unavailable; returns the active
    /// backend and, when it is the CPU, why.
    pub async fn select(&mut self, force_cpu: bool) -> (Backend, Option<String>) {
        if force_cpu {
            self.active = Backend::Cpu;
            return (
                Backend::Cpu,
                Some("WebGPU turned off by the user".to_string()),
            );
        }
        let outcome = match self.webgpu.take() {
            Some(outcome) => outcome,
            None => webgpu_device().await,
        };
        let (backend, reason) = match &outcome {
            Ok(_) => (Backend::WebGpu, None),
            Err(reason) => (Backend::Cpu, Some(reason.clone())),
        };
        self.webgpu = Some(outcome);
        self.active = backend;
        (backend, reason)
    }

    /// The active backend.
    pub fn active(&self) -> Backend {
        match (&self.active, &self.webgpu) {
            (Backend::WebGpu, Some(Ok(_))) => Backend::WebGpu,
            _ => Backend::Cpu,
        }
    }

    /// Stops using WebGPU for the rest of this worker's life (its device failed), and
    /// makes the CPU active; a later [`Backends::select`] gives the CPU with `reason`.
    pub fn give_up_webgpu(&mut self, reason: String) {
        self.webgpu = Some(Err(reason));
        self.active = Backend::Cpu;
    }

    /// The CPU backend's device.
    pub fn cpu_device(&self) -> Device {
        self.cpu.clone()
    }

    /// The device of `backend` (the CPU's where WebGPU is not working).
    pub fn device(&self, backend: Backend) -> Device {
        match (backend, &self.webgpu) {
            (Backend::WebGpu, Some(Ok(device))) => device.clone(),
            _ => self.cpu.clone(),
        }
    }

    /// The device of the active backend.
    pub fn active_device(&self) -> Device {
        self.device(self.active)
    }
}

#[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
thread_local! {
    /// The outcome of the first start of WebGPU in this worker: burn's WebGPU runtime
    /// can be registered only once, so every later request gets the same answer.
    static WEBGPU: std::cell::RefCell<Option<Result<Device, String>>> =
        const { std::cell::RefCell::new(None) };
}

/// burn's WebGPU device, started on first use (after checking that the browser offers an
/// adapter, since wgpu would otherwise fail less clearly) and the same device after that.
#[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
pub async fn webgpu_device() -> Result<Device, String> {
    if let Some(outcome) = WEBGPU.with(|cell| cell.borrow().clone()) {
        return outcome;
    }
    let outcome = start_webgpu().await;
    WEBGPU.with(|cell| *cell.borrow_mut() = Some(outcome.clone()));
    outcome
}

#[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
async fn start_webgpu() -> Result<Device, String> {
    // wgpu would fail less clearly without an adapter: ask first, in words.
    hearth_core::js::webgpu_adapter().await?;
    Device::wgpu_options()
        .graphics_api(burn::tensor::wgpu::WgpuBackend::WebGpu)
        .init_async()
        .await
        .map_err(|error| format!("WebGPU failed to start: {error}"))
}

/// Outside the browser the engine computes on the CPU.
#[cfg(not(target_arch = "wasm32"))]
pub async fn webgpu_device() -> Result<Device, String> {
    Err("WebGPU is used only in the browser".to_string())
}

/// The CPU engine has no WebGPU stack (the page loads the WebGPU engine where it can).
#[cfg(all(target_arch = "wasm32", not(feature = "webgpu")))]
pub async fn webgpu_device() -> Result<Device, String> {
    Err("this is the CPU engine: the WebGPU engine is still loading".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forcing_the_cpu_says_why() {
        let mut backends = Backends::default();
        let (backend, reason) = pollster::block_on(backends.select(true));
        assert_eq!(backend, Backend::Cpu);
        assert_eq!(reason.as_deref(), Some("WebGPU turned off by the user"));
    }

    #[test]
    fn a_failed_webgpu_is_not_chosen_again() {
        let mut backends = Backends::default();
        backends.give_up_webgpu("WebGPU stopped working (device lost)".to_string());
        assert_eq!(backends.active(), Backend::Cpu);
        let (backend, reason) = pollster::block_on(backends.select(false));
        assert_eq!(backend, Backend::Cpu);
        assert_eq!(
            reason.as_deref(),
            Some("WebGPU stopped working (device lost)")
        );
    }

    #[test]
    fn without_webgpu_the_cpu_is_chosen_with_the_reason() {
        let mut backends = Backends::default();
        let (backend, reason) = pollster::block_on(backends.select(false));
        assert_eq!(backend, Backend::Cpu);
        assert_eq!(
            reason.as_deref(),
            Some("WebGPU is used only in the browser")
        );
        assert_eq!(backends.active_device(), Device::flex());
    }
}
