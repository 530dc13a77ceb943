//! Panics shown on the page, not only in the console, so that a bug never leaves a blank
//! page.

const FATAL_ELEMENT_ID: &str = "fatal-error";

/// Shows panics on the page (not only in the console), so a bug never leaves a blank page.
pub fn install_panic_reporter() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal_message(&format!(
            "Hearth hit a bug and stopped: {}. Reload the page to start again.",
            hearth_core::error::describe_panic(info)
        ));
    }));
}

/// Writes `message` into the page's static error box, outside the app's own DOM, so it
/// shows even when the app's runtime is broken.
pub fn show_fatal_message(message: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let element = match document.get_element_by_id(FATAL_ELEMENT_ID) {
        Some(element) => element,
        None => {
            let Ok(element) = document.create_element("div") else {
                return;
            };
            element.set_id(FATAL_ELEMENT_ID);
            let _ = element.set_attribute("role", "alert");
            if let Some(body) = document.body() {
                let _ = body.prepend_with_node_1(&element);
            }
            element
        }
    };
    element.set_text_content(Some(message));
    let _ = element.remove_attribute("hidden");
}
