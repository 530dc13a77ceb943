//! The core's one error type, with messages a user can act on.

/// What can go wrong in Hearth's core.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// The compute backend failed (a lost GPU device, a failed read-back).
    #[error("the compute backend failed: {0}")]
    Backend(String),
    /// The model or training settings cannot work (the message says why).
    #[error("{0}")]
    Config(String),
    /// Training produced a NaN or infinite loss.
    #[error("training diverged at step {step} (loss {loss}); try a lower learning rate")]
    Diverged { step: usize, loss: f32 },
}

/// Describes a panic for the user: its message and, where known, the source line,
/// e.g. `index out of bounds (at src/data.rs:42)`. Used by the page's and the engine's
/// panic hooks, which then show it on the page.
pub fn describe_panic(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown error".to_string());
    match info.location() {
        Some(location) => format!("{payload} (at {}:{})", location.file(), location.line()),
        None => payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_panic_is_described_by_its_message_and_place() {
        let described = Arc::new(Mutex::new(String::new()));
        let sink = described.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut text) = sink.lock() {
                *text = describe_panic(info);
            }
        }));
        let result = std::panic::catch_unwind(|| panic!("boom {}", 42));
        std::panic::set_hook(previous);
        assert!(result.is_err());
        let text = described
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default();
        assert!(text.starts_with("boom 42 (at "), "{text}");
        assert!(text.contains("error.rs:"), "{text}");
    }
}
