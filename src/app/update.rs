//! The app's offline side on the page: the banner that offers a new build, and the
//! request that the large files be kept for offline use once the page is usable.

use hearth_core::data::catalog::BUILTINS;
use leptos::prelude::*;

use super::chunks;
use crate::browser::offline;
use crate::context;

/// "A new version of Hearth is ready", with the button that reloads into it. The button
/// waits while a run trains (the session is kept after every epoch, but a reload would
/// stop the run); after the reload the session comes back from storage.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let ready = RwSignal::new(offline::update_ready());
    offline::on_window_event("hearth-update", move || ready.set(true));
    let train = context::train();
    let training = move || train.with(|train| train.busy());
    move || {
        ready.get().then(|| {
            view! {
                <div class="update-banner" role="status" data-testid="update-banner">
                    <span>"A new version of Hearth is ready."</span>
                    <button type="button" data-testid="apply-update" prop:disabled=training
                        on:click=move |_| offline::apply_update()>
                        "Reload to update"
                    </button>
                    {move || training().then(|| view! {
                        <span class="hint">"(once this training run ends: your work is kept either way)"</span>
                    })}
                </div>
            }
        })
    }
}

/// Once the engine is ready and the model in use has loaded (the page is usable), fetches
/// the page's chunks (the steps after Data), then registers the service worker (on a first
/// visit its precaching then finds the page's files in the HTTP cache) and asks it to keep
/// the built-in sets' files for offline use, and the threaded engine where it runs (it is
/// not precached: a page that is not cross-origin isolated never loads it), all in the
/// background.
pub fn keep_data_for_offline() {
    let (status, uses) = (context::status(), context::uses());
    let asked = StoredValue::new(false);
    Effect::new(move |_| {
        let usable =
            status.with(|status| status.is_ready()) && uses.with(|uses| uses.model.is_some());
        if usable && !asked.get_value() {
            asked.set_value(true);
            let threaded = status.with_untracked(|status| status.threads > 1);
            leptos::task::spawn_local(async move {
                chunks::preload_all().await;
                offline::register();
                let mut files: Vec<&str> = BUILTINS.iter().filter_map(|info| info.file).collect();
                if threaded {
                    files.extend(["engine-mt.js", "engine-mt_bg.wasm"]);
                }
                offline::keep_for_offline(&files);
            });
        }
    });
}
