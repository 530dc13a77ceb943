//! The Data step's panel: the sources (built-in sets, uploads, drops), the loading status,
//! and the loaded table or images.

use hearth_core::data::catalog::{BUILTINS, BuiltinKind};
use hearth_core::data::summary::DataSummary;
use hearth_core::protocol::ToEngine;
use leptos::prelude::*;

use super::class_picker::ClassPicker;
use super::loading::{IMAGE_SHAPES, Loader};
use super::welcome::DrawFirst;
use crate::app::chunks::{capture_view, image_view, lazily, table_view};
use crate::browser;
use crate::capture::state::Source;
use crate::context;
use crate::engine::link::send;
use crate::engine::status::EngineStatus;
use crate::keeping::snapshot::DataChoice;
use crate::widgets::project::ProjectControls;

/// The Data step's content.
#[component]
pub fn DataPanel() -> impl IntoView {
    let (data, status) = (context::data(), context::status());
    let ready = move || status.with(EngineStatus::is_ready);
    let busy = move || data.with(|data| data.loading.is_some());
    let disabled = move || !ready() || busy();
    let keeper = context::keeper();
    let loader = Loader::from_context();
    // The capture view open (camera or pad), if any; its samples live in the page's
    // captures, so closing it or leaving the step keeps them.
    let capturing = RwSignal::new(None::<Source>);

    // A memo: the pad must not be drawn anew on every data message (it would lose the ink).
    let no_data = Memo::new(move |_| data.with(|data| data.summary.is_none()));
    view! {
        <div class="data-panel">
            <div class="data-start" class:first=no_data>
            <section class="sources" aria-label="Choose data">
                <BuiltinList disabled=Signal::derive(disabled) />
                <h3>"Your data"</h3>
                <div
                    class="dropzone"
                    data-testid="dropzone"
                    on:dragover=move |event| event.prevent_default()
                    on:drop=move |event: web_sys::DragEvent| {
                        event.prevent_default();
                        if disabled() {
                            return;
                        }
                        let files = browser::files::dropped_tree(&event);
                        leptos::task::spawn_local(async move { loader.dropped(files.await) });
                    }
                >
                    <p>"Drop a CSV file, or image files, here, or:"</p>
                    <div class="upload-buttons">
                        <label class="button" class:disabled=disabled>
                            "Upload a CSV file"
                            <input
                                type="file"
                                accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values"
                                data-testid="upload-csv"
                                prop:disabled=disabled
                                on:change=move |event| {
                                    if let Some((_, file)) = browser::files::input_files(&event).into_iter().next() {
                                        loader.csv(file, false);
                                    }
                                }
                            />
                        </label>
                        <label class="button" class:disabled=disabled>
                            "Upload a folder of class folders"
                            <input
                                type="file"
                                prop:webkitdirectory=true
                                data-testid="upload-folder"
                                prop:disabled=disabled
                                on:change=move |event| loader.images(browser::files::input_files(&event))
                            />
                        </label>
                    </div>
                    <label class="inline">
                        "Images are resized to "
                        <select prop:value=move || loader.image_shape.get().to_string() on:change=move |event| {
                            loader.image_shape.set(event_target_value(&event).parse().unwrap_or(0));
                        }>
                            {IMAGE_SHAPES
                                .iter()
                                .enumerate()
                                .map(|(index, (label, ..))| view! { <option value=index.to_string()>{*label}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <p class="hint">
                        "Images: put each class in its own folder (cats/…, dogs/…) and upload the parent folder, or pick files from class folders. Nothing is uploaded anywhere: the files stay in this browser."
                    </p>
                </div>
                <ClassPicker disabled=Signal::derive(disabled) on_load=move |files| loader.labelled(files) />
                <div class="capture-choices" role="group" aria-label="Record your own examples">
                    <button type="button" data-testid="open-camera-capture"
                        aria-pressed=move || (capturing.get() == Some(Source::Camera)).to_string()
                        on:click=move |_| capturing.update(|open| *open = toggle(*open, Source::Camera))>
                        "Capture from the camera"
                    </button>
                    <button type="button" data-testid="open-drawn-capture"
                        aria-pressed=move || (capturing.get() == Some(Source::Drawing)).to_string()
                        on:click=move |_| capturing.update(|open| *open = toggle(*open, Source::Drawing))>
                        "Draw examples"
                    </button>
                    <button type="button" data-testid="open-sound-capture"
                        aria-pressed=move || (capturing.get() == Some(Source::Sound)).to_string()
                        on:click=move |_| capturing.update(|open| *open = toggle(*open, Source::Sound))>
                        "Record sounds"
                    </button>
                </div>
                <h3>"Projects"</h3>
                <ProjectControls />
                <label class="inline keep-uploads">
                    <input type="checkbox" data-testid="keep-uploads"
                        prop:checked=move || keeper.session.with(|session| session.keep_uploads)
                        on:change=move |event| keeper.set_keep_uploads(event_target_checked(&event)) />
                    "Keep uploaded files in this browser, so that a reload brings them back (they stay on this device)"
                </label>
                {move || (!ready()).then(|| view! { <p class="hint">"The engine is still loading; data can be loaded in a moment."</p> })}
            </section>
            {move || no_data.get().then(|| view! { <DrawFirst /> })}
            </div>
            {move || capturing.get().map(|source| {
                let disabled = Signal::derive(disabled);
                lazily(move || capture_view(source, loader, disabled))
            })}
            <DataStatus on_skip=move || {
                loader.skip_ragged_rows();
            } />
            {move || match data.with(|data| data.summary.clone()) {
                Some(DataSummary::Table(table)) => lazily(move || table_view(table.clone())).into_any(),
                Some(DataSummary::Images(images)) => lazily(move || image_view(images.clone())).into_any(),
                None => view! { <p class="empty" data-testid="no-data">"No data loaded yet."</p> }.into_any(),
            }}
        </div>
    }
}

/// The built-in sets, each a button that loads it.
#[component]
fn BuiltinList(disabled: Signal<bool>) -> impl IntoView {
    let (data, link, keeper) = (context::data(), context::link(), context::keeper());
    view! {
                <h3>"Built-in data sets"</h3>
                <ul class="builtins">
                    {BUILTINS
                        .iter()
                        .map(|info| {
                            let name = info.name;
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        data-testid=format!("builtin-{name}")
                                        prop:disabled=move || disabled.get()
                                        on:click=move |_| {
                                            data.update(|data| data.start(&format!("Loading {name}")));
                                            keeper.choose_data(DataChoice::Builtin { name: name.to_string() }, None);
                                            send(link, Some(ToEngine::LoadBuiltin { name: name.to_string() }));
                                        }
                                    >
                                        <strong>{info.title}</strong>
                                        <span class="kind">
                                            {match info.kind {
                                                BuiltinKind::Table => "table",
                                                BuiltinKind::Images => "images",
                                            }}
                                        </span>
                                        <span class="description">{info.description}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
    }
}

/// Loading progress and the last problem.
#[component]
pub fn DataStatus(on_skip: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let data = context::data();
    let loading = move || data.with(|data| data.loading.clone());
    let problem = move || data.with(|data| data.problem.clone());
    view! {
        {move || {
            loading()
                .map(|loading| {
                    let fraction = data.with(|data| data.loading_fraction());
                    view! {
                        <div class="data-progress" data-testid="data-progress" role="status">
                            <progress max="1" value=fraction.map(|f| f.to_string())></progress>
                            <span>{loading.stage} "…"</span>
                        </div>
                    }
                })
        }}
        {move || {
            problem()
                .map(|problem| {
                    view! {
                        <div class="problem" role="alert" data-testid="data-problem">
                            <p>{problem.message}</p>
                            {problem
                                .skippable_rows
                                .map(|rows| {
                                    view! {
                                        <button type="button" data-testid="skip-rows" on:click=move |_| on_skip()>
                                            {format!("Skip the {rows} row(s) and load the rest")}
                                        </button>
                                    }
                                })}
                        </div>
                    }
                })
        }}
    }
}

/// The capture view to show after a click on `source`'s button: it, or none if it was open.
fn toggle(open: Option<Source>, source: Source) -> Option<Source> {
    (open != Some(source)).then_some(source)
}
