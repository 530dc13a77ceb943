//! The steps after Data are split out of the page's wasm: each is a chunk of its own,
//! fetched the first time the step is opened, so that a first visit downloads only the
//! Data step (and the drawing pad it shows) before the page is usable. So are the views of
//! a loaded data set (the table's columns, the image classes), which a first screen without
//! data does not show, and the capture views (camera, pad, microphone).
//!
//! A function marked `#[wasm_split(chunk, …)]` is the entry of a chunk: the build
//! (scripts/page.sh) runs `wasm-split-cli` on the linked wasm, which moves every function
//! reachable only from that entry into `chunk.wasm` and makes calls to it load the chunk
//! first. Code the main part also uses (leptos, the state, the shared widgets) stays in the
//! main part. The service worker precaches the chunks with the rest of the build, so every
//! step opens offline after one visit.

use std::future::Future;

use hearth_core::data::summary::{ImageSummary, TableSummary};
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

use crate::capture::camera::CameraCapture;
use crate::capture::drawn::DrawnCapture;
use crate::capture::sound::SoundCapture;
use crate::capture::state::Source;
use crate::data::image_view::ImageView;
use crate::data::loading::Loader;
use crate::data::table_view::TableView;
use crate::engine::widgets::EngineCheck;
use crate::evaluate::panel::EvaluatePanel;
use crate::keeping::project::{Done, Job};
use crate::model::panel::ModelPanel;
use crate::train::panel::TrainPanel;
use crate::use_share::panel::UsePanel;

/// A step's chunk could not be fetched: the network is gone and the service worker has
/// not kept the build yet (it does once the page is usable).
#[derive(Debug, Clone, Copy)]
pub struct NotFetched;

impl From<SplitLoaderError> for NotFetched {
    fn from(_: SplitLoaderError) -> Self {
        NotFetched
    }
}

#[wasm_split(model_step, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_model_step))]
pub fn model_step() -> Result<AnyView, NotFetched> {
    Ok(view! { <ModelPanel /> }.into_any())
}

#[wasm_split(train_step, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_train_step))]
pub fn train_step() -> Result<AnyView, NotFetched> {
    Ok(view! {
        <TrainPanel />
        <EngineCheck />
    }
    .into_any())
}

#[wasm_split(evaluate_step, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_evaluate_step))]
pub fn evaluate_step() -> Result<AnyView, NotFetched> {
    Ok(view! { <EvaluatePanel /> }.into_any())
}

#[wasm_split(use_step, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_use_step))]
pub fn use_step() -> Result<AnyView, NotFetched> {
    Ok(view! { <UsePanel /> }.into_any())
}

#[wasm_split(table_view, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_table_view))]
pub fn table_view(table: TableSummary) -> Result<AnyView, NotFetched> {
    Ok(view! { <TableView table=table /> }.into_any())
}

#[wasm_split(image_view, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_image_view))]
pub fn image_view(images: ImageSummary) -> Result<AnyView, NotFetched> {
    Ok(view! { <ImageView images=images /> }.into_any())
}

#[wasm_split(capture_view, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_capture_view))]
pub fn capture_view(
    source: Source,
    loader: Loader,
    disabled: Signal<bool>,
) -> Result<AnyView, NotFetched> {
    Ok(match source {
        Source::Camera => view! { <CameraCapture loader disabled /> }.into_any(),
        Source::Drawing => view! { <DrawnCapture loader disabled /> }.into_any(),
        Source::Sound => view! { <SoundCapture loader disabled /> }.into_any(),
    })
}

/// The project file's code (the ZIP reader and writer): fetched when a project is first
/// downloaded or opened.
#[wasm_split(project_file, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_project_file))]
pub fn project_file(job: Job) -> Result<Done, NotFetched> {
    Ok(crate::keeping::project::run(job))
}

/// The ONNX writer (hearth-core's `model::onnx`, with prost): the ONNX file of the model
/// file `bytes`, or why it cannot be written. Fetched when an ONNX file is first asked for.
#[wasm_split(onnx_file, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_onnx_file))]
pub fn onnx_file(name: String, bytes: Vec<u8>) -> Result<Result<Vec<u8>, String>, NotFetched> {
    Ok(hearth_core::model::onnx::export(&name, &bytes).map_err(|error| error.to_string()))
}

/// The "Download for a web page" ZIP (the example page's writer and the ZIP writer):
/// fetched when one is first asked for.
#[wasm_split(web_bundle, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_web_bundle))]
pub fn web_bundle(
    job: crate::keeping::web_bundle::Bundle,
) -> Result<Result<Vec<u8>, String>, NotFetched> {
    Ok(job.zip())
}

/// Fetches every chunk (the page calls it once it is usable, so that every step then opens
/// at once, and with no request). One that fails is fetched again when it is opened.
pub async fn preload_all() {
    let loads = [
        preload_model_step().await,
        preload_train_step().await,
        preload_evaluate_step().await,
        preload_use_step().await,
        preload_table_view().await,
        preload_image_view().await,
        preload_capture_view().await,
        preload_project_file().await,
        preload_onnx_file().await,
        preload_web_bundle().await,
    ];
    let failed = loads.iter().filter(|load| load.is_err()).count();
    if failed > 0 {
        web_sys::console::warn_1(
            &format!("{failed} of the page's chunks could not be fetched yet; each is fetched again when it is opened").into(),
        );
    }
}

/// What `load` makes, once its chunk is here: a line saying so while it is fetched, and
/// where it could not be, why, with a button to try again.
pub fn lazily<Load, Loading>(load: Load) -> impl IntoView
where
    Load: Fn() -> Loading + Send + Sync + 'static,
    Loading: Future<Output = Result<AnyView, NotFetched>> + Send + 'static,
{
    let attempt = RwSignal::new(0_u32);
    move || {
        attempt.track();
        let loading = load();
        view! {
            <Suspense fallback=|| view! { <p class="hint" data-testid="chunk-loading">"Loading…"</p> }>
                {Suspend::new(async move {
                    match loading.await {
                        Ok(content) => content,
                        Err(NotFetched) => view! { <NotFetchedView attempt /> }.into_any(),
                    }
                })}
            </Suspense>
        }
    }
}

/// A part of the page whose code could not be fetched: why, and a button to try again.
#[component]
fn NotFetchedView(attempt: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="problem" role="alert" data-testid="chunk-not-fetched">
            <p>
                "This part of Hearth could not be opened: its code is not on this device yet, and the network seems to be gone. "
                "Hearth keeps all of itself for offline use once a first visit has fully loaded. Reconnect, then try again; your data and model are still here."
            </p>
            <button type="button" on:click=move |_| attempt.update(|count| *count += 1)>"Try again"</button>
        </div>
    }
}
