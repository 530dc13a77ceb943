//! The Data step's panel: the sources (built-in sets, uploads, drops), the loading status,
//! and the loaded table or images.

use hearth_core::data::catalog::{BUILTINS, BuiltinKind};
use hearth_core::data::summary::DataSummary;
use hearth_core::protocol::ToEngine;
use leptos::prelude::*;

use super::class_picker::ClassPicker;
use super::image_view::ImageView;
use super::table_view::TableView;
use crate::browser;
use crate::browser::files::{File, NamedFile};
use crate::context;
use crate::engine::link::{send, send_files};
use crate::engine::status::EngineStatus;
use crate::keeping::keeper::Upload;
use crate::keeping::snapshot::DataChoice;

/// Image sizes offered for uploaded images.
const IMAGE_SHAPES: [(&str, u32, u32, u8); 3] = [
    ("28 × 28 grayscale", 28, 28, 1),
    ("32 × 32 colour", 32, 32, 3),
    ("64 × 64 colour", 64, 64, 3),
];

/// The Data step's content.
#[component]
#[allow(clippy::too_many_lines, reason = "view! markup")]
pub fn DataPanel() -> impl IntoView {
    let (data, status, link) = (context::data(), context::status(), context::link());
    let ready = move || status.with(EngineStatus::is_ready);
    let busy = move || data.with(|data| data.loading.is_some());
    let disabled = move || !ready() || busy();
    let keeper = context::keeper();
    // The last CSV file, so that "skip these rows" can read it again.
    let last_csv = StoredValue::new_local(None::<File>);
    let image_shape = RwSignal::new(0usize);

    let load_csv = move |file: File, skip_ragged: bool| {
        let (name, size) = browser::files::name_and_size(&file);
        let accepted = data
            .try_update(|data| {
                let ok = data.check_csv_file(&name, size);
                if ok {
                    data.start(&format!("Reading {name}"));
                }
                ok
            })
            .unwrap_or(false);
        if !accepted {
            return;
        }
        keeper.choose_data(
            DataChoice::Csv { name: name.clone() },
            Some(Upload::Csv(file.clone())),
        );
        send_files(
            link,
            Some(ToEngine::LoadCsv { name, skip_ragged }),
            Some(file.as_ref()),
            &[],
        );
        last_csv.set_value(Some(file));
    };
    // Images with their class where the user gave one (else their folder names it).
    let load_labelled = move |files: Vec<(Option<String>, String, File)>| {
        if files.is_empty() {
            return;
        }
        let (_, width, height, channels) = IMAGE_SHAPES[image_shape.get_untracked()];
        let named: Vec<NamedFile> = files
            .iter()
            .map(|(_, path, file)| (path.clone(), file.clone()))
            .collect();
        let name = common_folder(&named).unwrap_or_else(|| format!("{} images", files.len()));
        data.update(|data| data.start(&format!("Reading {} images", files.len())));
        let paths: Vec<String> = files.iter().map(|(_, path, _)| path.clone()).collect();
        let classes: Vec<Option<String>> = files.iter().map(|(class, ..)| class.clone()).collect();
        let files: Vec<File> = files.into_iter().map(|(_, _, file)| file).collect();
        let choice = DataChoice::Images {
            name,
            paths,
            classes,
            width,
            height,
            channels,
        };
        let message = choice.load_message(false);
        keeper.choose_data(choice, Some(Upload::Images(files.clone())));
        send_files(link, Some(message), None, &files);
    };
    let load_images = move |files: Vec<NamedFile>| {
        load_labelled(
            files
                .into_iter()
                .map(|(path, file)| (None, path, file))
                .collect(),
        );
    };
    let load_dropped = move |files: Vec<NamedFile>| {
        let csv = files.iter().position(|(path, _)| is_table_file(path));
        match csv {
            Some(index) if files.len() == 1 => {
                if let Some((_, file)) = files.into_iter().nth(index) {
                    load_csv(file, false);
                }
            }
            _ => load_images(files),
        }
    };

    view! {
        <div class="data-panel">
            <section class="sources" aria-label="Choose data">
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
                                        prop:disabled=disabled
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
                        leptos::task::spawn_local(async move { load_dropped(files.await) });
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
                                        load_csv(file, false);
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
                                on:change=move |event| load_images(browser::files::input_files(&event))
                            />
                        </label>
                    </div>
                    <label class="inline">
                        "Images are resized to "
                        <select on:change=move |event| {
                            image_shape.set(event_target_value(&event).parse().unwrap_or(0));
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
                <ClassPicker disabled=Signal::derive(disabled) on_load=move |files| load_labelled(files) />
                <label class="inline keep-uploads">
                    <input type="checkbox" data-testid="keep-uploads"
                        prop:checked=move || keeper.session.with(|session| session.keep_uploads)
                        on:change=move |event| keeper.set_keep_uploads(event_target_checked(&event)) />
                    "Keep uploaded files in this browser, so that a reload brings them back (they stay on this device)"
                </label>
                {move || (!ready()).then(|| view! { <p class="hint">"The engine is still loading; data can be loaded in a moment."</p> })}
            </section>
            <DataStatus on_skip=move || {
                if let Some(file) = last_csv.get_value() {
                    load_csv(file, true);
                }
            } />
            {move || match data.with(|data| data.summary.clone()) {
                Some(DataSummary::Table(table)) => view! { <TableView table=table /> }.into_any(),
                Some(DataSummary::Images(images)) => view! { <ImageView images=images /> }.into_any(),
                None => view! { <p class="empty" data-testid="no-data">"No data loaded yet."</p> }.into_any(),
            }}
        </div>
    }
}

/// Whether a path names a table rather than an image.
fn is_table_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".csv", ".tsv", ".txt"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// The top folder shared by all paths ("pets" for pets/cats/a.png, pets/dogs/b.png).
fn common_folder(files: &[NamedFile]) -> Option<String> {
    let first = files.first()?.0.split('/').next()?.to_string();
    let shared = files
        .iter()
        .all(|(path, _)| path.contains('/') && path.split('/').next() == Some(first.as_str()));
    shared.then_some(first)
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
