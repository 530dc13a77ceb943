//! The user's preferences kept in the browser's local storage.

const FORCE_CPU_KEY: &str = "hearth.force_cpu";
const STEP_KEY: &str = "hearth.step";

/// The user's saved choice to skip WebGPU.
pub fn load_force_cpu() -> bool {
    local_storage()
        .and_then(|storage| storage.get_item(FORCE_CPU_KEY).ok().flatten())
        .is_some_and(|value| value == "true")
}

/// Saves the user's choice to skip WebGPU.
pub fn save_force_cpu(force_cpu: bool) {
    // Storage can be full or disabled; the choice then lasts for this visit only.
    // The value is JSON's `true` or `false`, as earlier versions (gloo-storage) wrote it.
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(FORCE_CPU_KEY, if force_cpu { "true" } else { "false" });
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
