//! Copying text for the user.

/// Copies `text` to the clipboard (where the browser allows it).
pub fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}
