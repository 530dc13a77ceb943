//! The core's one error type, with messages a user can act on.

/// What can go wrong in Hearth's core.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// The compute backend failed (a lost GPU device, a failed read-back).
    #[error("the compute backend failed: {0}")]
    Backend(String),
    /// Training produced a NaN or infinite loss.
    #[error("training diverged at step {step} (loss {loss}); try a lower learning rate")]
    Diverged { step: usize, loss: f32 },
}
