//! The user's preferences kept in the browser's local storage.

const FORCE_CPU_KEY: &str = "hearth.force_cpu";
const PREFER_WEBGPU_KEY: &str = "hearth.prefer_webgpu";
const STEP_KEY: &str = "hearth.step";

/// The user's saved choice to skip WebGPU.
pub fn load_force_cpu() -> bool {
    load_flag(FORCE_CPU_KEY)
}

/// Saves the user's choice to skip WebGPU.
pub fn save_force_cpu(force_cpu: bool) {
    save_flag(FORCE_CPU_KEY, force_cpu);
}

/// The user's saved choice to train on WebGPU without the trial that picks the faster.
pub fn load_prefer_webgpu() -> bool {
    load_flag(PREFER_WEBGPU_KEY)
}

/// Saves the user's choice to train on WebGPU without a trial.
pub fn save_prefer_webgpu(prefer_webgpu: bool) {
    save_flag(PREFER_WEBGPU_KEY, prefer_webgpu);
}

fn load_flag(key: &str) -> bool {
    local_storage()
        .and_then(|storage| storage.get_item(key).ok().flatten())
        .is_some_and(|value| value == "true")
}

fn save_flag(key: &str, value: bool) {
    // Storage can be full or disabled; the choice then lasts for this visit only.
    // The value is JSON's `true` or `false`, as earlier versions (gloo-storage) wrote it.
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, if value { "true" } else { "false" });
    }
}

/// The step the user was on when they last left (none on a first visit).
pub fn load_step() -> Option<String> {
    local_storage().and_then(|storage| storage.get_item(STEP_KEY).ok().flatten())
}

/// Saves the step the user is on, so that a returning visit opens there.
pub fn save_step(id: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(STEP_KEY, id);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
