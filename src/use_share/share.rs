//! Download, open and keep models; the Saved models list and the storage it uses.

use leptos::prelude::*;

use crate::browser;
use crate::browser::files::NamedFile;
use crate::context;
use crate::widgets::format::bytes_label;
use crate::widgets::project::ProjectControls;

/// Download, open and keep models; the Saved models list and the storage it uses.
#[component]
pub fn SharePanel(has_model: Signal<bool>) -> impl IntoView {
    let keeper = context::keeper();
    let saved = keeper.saved;
    let dragging = RwSignal::new(false);
    let open_first = move |files: Vec<NamedFile>| {
        if let Some((name, file)) = files.into_iter().next() {
            keeper.open_file(name, file.as_ref());
        }
    };
    view! {
        <section class="share" aria-labelledby="share-heading">
            <h3 id="share-heading">"Share and keep"</h3>
            <div class="share-actions">
                <button type="button" data-testid="download-model" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.download()>"Download model (.safetensors)"</button>
                <button type="button" data-testid="save-model" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.save_to_list()>"Save in this browser"</button>
                <button type="button" data-testid="download-pytorch" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.download_pytorch()>"PyTorch (.py)"</button>
                <button type="button" data-testid="download-onnx" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.download_onnx()>"ONNX (.onnx)"</button>
                <button type="button" data-testid="download-torchrun" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.download_torchrun()>"torchrun training script (.py)"</button>
            </div>
            <ProjectControls />
            <p class="hint">"The PyTorch file defines the model as a torch.nn.Module and loads the weights from the downloaded .safetensors file: keep the two side by side. The torchrun script trains it further on many processes or machines (torchrun --nproc_per_node=N, on a CSV or a folder of class folders) and writes a Hearth model file: keep it beside both. The ONNX file stands alone: any ONNX runtime reads it, and for a table it takes the columns as they are in your CSV."</p>
            <WebPage />
            <div class="dropzone model-drop" class:dragging=move || dragging.get() data-testid="model-drop"
                on:dragover=move |event: web_sys::DragEvent| { event.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |event: web_sys::DragEvent| { dragging.set(false); open_first(browser::files::dropped_files(&event)); }>
                <label class="field">
                    "Open a model file (.safetensors), or drop one here"
                    <input type="file" accept=".safetensors" data-testid="open-model"
                        on:change=move |event| open_first(browser::files::input_files(&event)) />
                </label>
            </div>
            {move || saved.with(|saved| saved.problem.clone()).map(|problem| view! { <p class="problem" role="alert" data-testid="share-problem">{problem}</p> })}
            {move || saved.with(|saved| saved.notice.clone()).map(|notice| view! { <p class="notice-ok" role="status" data-testid="share-notice">{notice}</p> })}
            <h4>"Saved models"</h4>
            {move || {
                let list = saved.with(|saved| saved.list.clone());
                if list.is_empty() {
                    return view! { <p class="hint" data-testid="saved-empty">"No models saved in this browser yet."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="saved" data-testid="saved-models">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Saved"</th><th scope="col">"Task"</th><th scope="col">"Test score"</th><th scope="col">"Size"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|info| {
                                let (open_id, delete_id) = (info.id.clone(), info.id.clone());
                                let name = info.name.clone();
                                view! {
                                    <tr>
                                        <td>{info.name.clone()}</td>
                                        <td>{browser::clock::local_date(info.saved_at)}</td>
                                        <td>{info.task.clone()}</td>
                                        <td>{if info.metric.is_empty() { "–".to_string() } else { info.metric.clone() }}</td>
                                        <td class="number">{bytes_label(info.bytes as f64)}</td>
                                        <td class="actions">
                                            <button type="button" aria-label=format!("Open {name}") on:click=move |_| keeper.open_saved(open_id.clone())>"Open"</button>
                                            <button type="button" aria-label=format!("Delete {}", info.name) on:click=move |_| keeper.delete_saved(delete_id.clone())>"Delete"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
            <p class="hint" data-testid="storage-usage">{move || saved.with(|saved| match saved.usage {
                Some((used, quota)) => format!("Storage: {} used of {} this browser allows. Everything stays on this device.", bytes_label(used), bytes_label(quota)),
                None => "Storage: this browser does not say how much it allows.".to_string(),
            })}</p>
        </section>
    }
}

/// The model in someone's own web page: the lines to copy, and the ZIP with the runtime,
/// the model and an example page.
#[component]
fn WebPage() -> impl IntoView {
    let keeper = context::keeper();
    let copied = RwSignal::new(false);
    view! {
        <section class="web-page" aria-labelledby="web-page-heading">
            <h4 id="web-page-heading">"Use it in a web page"</h4>
            {move || match keeper.web_snippet() {
                None => view! { <p class="hint">"Train or open a model to use it in a web page."</p> }.into_any(),
                Some(Err(why)) => view! { <p class="hint" data-testid="web-unsupported">{format!("Not for this model: {why}.")}</p> }.into_any(),
                Some(Ok(snippet)) => {
                    let text = snippet.clone();
                    view! {
                        <p class="hint">"Hearth's web runtime (about 165 KB compressed, no UI) runs the model in any page, with the same numbers as here. Download the bundle, put its hearth folder beside your page, and add:"</p>
                        <pre class="snippet" data-testid="web-snippet"><code>{snippet}</code></pre>
                        <div class="share-actions">
                            <button type="button" data-testid="copy-snippet" on:click=move |_| {
                                browser::clipboard::copy_text(&text);
                                copied.set(true);
                            }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                            <button type="button" data-testid="download-web" on:click=move |_| keeper.download_web_page()>"Download for a web page (.zip)"</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}
