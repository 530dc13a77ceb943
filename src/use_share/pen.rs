//! The drawing pad's logic without the browser: the keys that move the pen, and a digit's
//! ink as pixels to show.

/// What a key does to the keyboard's pen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PenKey {
    /// An arrow key: move by (x, y) pixels.
    Move(f64, f64),
    /// Space or Enter.
    LowerOrLift,
    /// Delete, Backspace or Escape.
    Clear,
}

impl PenKey {
    /// The pen's action for `key` (as `KeyboardEvent.key` names it); Shift makes steps
    /// small. None for the keys the pad leaves alone.
    pub fn of(key: &str, shift: bool) -> Option<PenKey> {
        let step = if shift { 3.0 } else { 10.0 };
        Some(match key {
            "ArrowLeft" => PenKey::Move(-step, 0.0),
            "ArrowRight" => PenKey::Move(step, 0.0),
            "ArrowUp" => PenKey::Move(0.0, -step),
            "ArrowDown" => PenKey::Move(0.0, step),
            " " | "Enter" => PenKey::LowerOrLift,
            "Delete" | "Backspace" | "Escape" => PenKey::Clear,
            _ => return None,
        })
    }
}

/// A digit's ink (0 to 1 per pixel) as RGBA pixels: black ink on white.
pub fn ink_rgba(ink: &[f32]) -> Vec<u8> {
    ink.iter()
        .flat_map(|&v| {
            let g = 255 - (v * 255.0).round() as u8;
            [g, g, g, 255]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_move_lower_or_clear_the_pen_and_ink_is_black_on_white() {
        assert_eq!(PenKey::of("ArrowUp", false), Some(PenKey::Move(0.0, -10.0)));
        assert_eq!(PenKey::of("ArrowLeft", true), Some(PenKey::Move(-3.0, 0.0)));
        assert_eq!(PenKey::of(" ", false), Some(PenKey::LowerOrLift));
        assert_eq!(PenKey::of("Escape", false), Some(PenKey::Clear));
        assert_eq!(PenKey::of("a", false), None);
        assert_eq!(ink_rgba(&[0.0, 1.0]), [255, 255, 255, 255, 0, 0, 0, 255]);
    }
}
