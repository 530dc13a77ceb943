//! "Open project" and "Download project" (on the Data step and in Use & share): the
//! buttons, and what the last one did.

use leptos::prelude::*;

use crate::browser;
use crate::capture::classes::captures;
use crate::context;
use crate::engine::status::EngineStatus;

/// The project buttons and their messages.
#[component]
pub fn ProjectControls() -> impl IntoView {
    let (keeper, status, data) = (context::keeper(), context::status(), context::data());
    let captures = captures();
    let project = keeper.project;
    let busy = move || project.with(|project| project.busy);
    // Opening one replaces the data set: not while the engine is busy with another.
    let cannot_open = move || {
        busy() || !status.with(EngineStatus::is_ready) || data.with(|data| data.loading.is_some())
    };
    view! {
        <div class="project-controls" role="group" aria-label="Project file">
            <label class="button" class:disabled=cannot_open>
                "Open project"
                <input type="file" accept=".hearth" data-testid="open-project"
                    prop:disabled=cannot_open
                    on:change=move |event| {
                        if let Some((name, file)) = browser::files::input_files(&event).into_iter().next() {
                            keeper.open_project(captures, name, file);
                        }
                    } />
            </label>
            <button type="button" data-testid="download-project" prop:disabled=busy
                on:click=move |_| keeper.download_project(captures)>
                "Download project"
            </button>
            <p class="hint">
                "A project file (.hearth) holds your recorded examples, your data set, its settings, the model's layers and training settings, and the trained model: open it in Hearth on another machine to go on from there."
            </p>
            {move || project.with(|project| project.problem.clone()).map(|problem| view! {
                <p class="problem" role="alert" data-testid="project-problem">{problem}</p>
            })}
            {move || project.with(|project| project.notice.clone()).map(|notice| view! {
                <p class="notice-ok" role="status" data-testid="project-notice">{notice}</p>
            })}
        </div>
    }
}
