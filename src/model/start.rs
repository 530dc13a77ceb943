//! "Start from a model" on the Model step: choose a model (the one in use, a saved one or
//! a file), see its layers with their outputs and parameters, pick how many to keep and
//! whether they stay frozen or are fine-tuned at a lower rate, and build the new model on
//! them with a head for the loaded data.

use hearth_core::model::Shape;
use hearth_core::model::base::describe;
use hearth_core::protocol::BaseSource;
use hearth_core::text::thousands;
use leptos::prelude::*;

use super::state::DataShape;
use crate::browser;
use crate::context;
use crate::keeping::kept_models::saved_file;

/// The "Start from a model" section.
#[component]
pub fn StartFromModel(shape: Memo<Option<DataShape>>) -> impl IntoView {
    let specs = context::specs();
    let uses = context::uses();
    let keeper = context::keeper();
    let in_use = move || uses.with(|uses| uses.model.as_ref().map(|model| model.name.clone()));
    let choose_in_use = move |_| {
        if let Some(name) = in_use() {
            specs.update(|specs| specs.choosing(name));
            keeper.choose_base(BaseSource::InUse, None);
        }
    };
    let choose_file = move |name: String, file: &web_sys::Blob| {
        specs.update(|specs| specs.choosing(name.clone()));
        keeper.choose_base(BaseSource::File { name }, Some(file));
    };
    let choose_saved = move |id: String| {
        leptos::task::spawn_local(async move {
            match saved_file(&id).await {
                Some((info, blob)) => choose_file(info.name, &blob),
                None => specs.update(|specs| {
                    specs.start.problem = Some(
                        "That saved model could not be read back; delete it and save it again."
                            .to_string(),
                    );
                }),
            }
        });
    };
    let saved = move || keeper.saved.with(|saved| saved.list.clone());
    // Changing what is kept rebuilds a model already built on this base.
    let rebuild = move || {
        if let Some(shape) = shape.get_untracked() {
            specs.update(|specs| {
                if specs.built_on_base() {
                    specs.build_on_base(shape);
                }
            });
        }
    };
    view! {
        <details class="start-from" data-testid="start-from" prop:open=move || specs.with(|specs| {
            specs.start.base.is_some() || specs.start.choosing.is_some() || specs.kept() > 0
        })>
            <summary>"Start from a model"</summary>
            <p class="hint">
                "Keep the first layers of a trained model, with what they learned, and put a new output on them for your classes: a few examples of each then go a long way."
            </p>
            <div class="row">
                <button type="button" data-testid="base-in-use" prop:disabled=move || in_use().is_none() on:click=choose_in_use>
                    {move || match in_use() {
                        Some(name) => format!("The model in use: {name}"),
                        None => "The model in use (none yet)".to_string(),
                    }}
                </button>
                <label class="button">
                    "A model file…"
                    <input type="file" accept=".safetensors" data-testid="base-file" on:change=move |event| {
                        if let Some((name, file)) = browser::files::input_files(&event).into_iter().next() {
                            choose_file(name, &file);
                        }
                    } />
                </label>
                {move || {
                    let list = saved();
                    (!list.is_empty()).then(|| view! {
                        <label class="field">
                            "A saved model"
                            <select data-testid="base-saved" on:change=move |event| {
                                let id = event_target_value(&event);
                                if !id.is_empty() {
                                    choose_saved(id);
                                }
                            }>
                                <option value="">"Choose…"</option>
                                {list.into_iter().map(|info| view! {
                                    <option value=info.id.clone()>{info.name.clone()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    })
                }}
            </div>
            {move || specs.with(|specs| specs.start.choosing.clone()).map(|name| view! {
                <p class="hint" role="status">{format!("Reading the layers of {name}…")}</p>
            })}
            {move || specs.with(|specs| specs.start.problem.clone()).map(|problem| view! {
                <p class="problem" role="alert" data-testid="base-problem">{problem}</p>
            })}
            {move || specs.with(|specs| {
                let origin = specs.spec.as_ref()?.origin.clone()?;
                specs.start.base.is_none().then(|| view! {
                    <p class="hint" data-testid="base-missing">{format!(
                        "This model is built on {}, which this page no longer holds (it was reloaded): choose {} again above to train it, or pick a preset to start afresh.",
                        origin.model, origin.model
                    )}</p>
                })
            })}
            <BaseLayers shape=shape rebuild=rebuild />
        </details>
    }
}

/// The chosen base: its layers, which are kept, frozen or fine-tuned, and the button that
/// builds the new model on it.
#[component]
fn BaseLayers(
    shape: Memo<Option<DataShape>>,
    rebuild: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let specs = context::specs();
    move || {
        let base = specs.with(|specs| specs.start.base.clone())?;
        let misfit = specs.with(|specs| specs.base_misfit(shape.get()));
        let kept = move || specs.with(|specs| specs.start.kept);
        let frozen = move || specs.with(|specs| specs.start.frozen);
        let short: String = base.sha256.chars().take(12).collect();
        let count = base.layers.len();
        let rows = base
            .layers
            .iter()
            .zip(&base.infos)
            .enumerate()
            .map(|(index, (layer, info))| {
                let is_kept = move || index < kept();
                view! {
                    <tr class:kept=is_kept data-testid=format!("base-layer-{}", index + 1)>
                        <th scope="row">{index + 1}</th>
                        <td>{layer.label()}</td>
                        <td class="shape">{info.output.label()}</td>
                        <td class="number">{thousands(info.params)}</td>
                        <td data-testid=format!("base-layer-{}-kept", index + 1)>
                            {move || match (is_kept(), frozen()) {
                                (true, true) => "kept, frozen",
                                (true, false) => "kept, fine-tuned",
                                (false, _) => "left out",
                            }}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        let name = base.name.clone();
        Some(view! {
            <div class="base" data-testid="base">
                <p>
                    <strong data-testid="base-name">{base.name.clone()}</strong>
                    {format!(" · reads {} · file sha256 {short}…", describe(base.input))}
                </p>
                <div class="layers-wrap"><table class="layers">
                    <caption>"Its layers (its output layer is always replaced)"</caption>
                    <thead><tr><th scope="col">"#"</th><th scope="col">"Layer"</th><th scope="col">"Output"</th><th scope="col">"Parameters"</th><th scope="col">"In the new model"</th></tr></thead>
                    <tbody>
                        <tr><th scope="row">"in"</th><td>"Input"</td><td class="shape">{Shape::from(base.input).label()}</td><td></td><td></td></tr>
                        {rows}
                    </tbody>
                </table></div>
                <div class="row">
                    <label class="field">
                        "Keep layers 1 to"
                        <select data-testid="keep-layers" on:change=move |event| {
                            if let Ok(value) = event_target_value(&event).parse::<usize>() {
                                specs.update(|specs| specs.start.kept = value);
                                rebuild();
                            }
                        }>
                            {(1..=count).map(|layers| view! {
                                <option value=layers.to_string() selected=move || kept() == layers>{layers.to_string()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <fieldset class="row">
                    <legend>"The kept layers"</legend>
                    <label>
                        <input type="radio" name="kept-training" data-testid="kept-frozen" prop:checked=frozen on:change=move |_| {
                            specs.update(|specs| specs.start.frozen = true);
                            rebuild();
                        } />
                        "frozen: they stay as they are, and cost nothing to train"
                    </label>
                    <label>
                        <input type="radio" name="kept-training" data-testid="kept-tuned" prop:checked=move || !frozen() on:change=move |_| {
                            specs.update(|specs| specs.start.frozen = false);
                            rebuild();
                        } />
                        "fine-tuned at"
                    </label>
                    <input type="number" min="0.001" max="1" step="0.01" data-testid="kept-rate"
                        aria-label="The kept layers' learning rate, as a fraction of the run's"
                        prop:disabled=frozen
                        prop:value=move || specs.with(|specs| specs.start.kept_rate.to_string())
                        on:change=move |event| {
                            match event_target_value(&event).trim().parse::<f64>() {
                                Ok(rate) if rate > 0.0 && rate <= 1.0 => {
                                    specs.update(|specs| specs.start.kept_rate = rate);
                                    rebuild();
                                }
                                _ => specs.update(|specs| specs.problem = Some(
                                    "The kept layers' rate is a fraction of the learning rate: more than 0, at most 1 (0.1 is a tenth).".to_string(),
                                )),
                            }
                        } />
                    <span>"× the learning rate"</span>
                </fieldset>
                {misfit.clone().map(|misfit| view! {
                    <p class="problem" role="alert" data-testid="base-misfit">{misfit}</p>
                })}
                <button type="button" class="primary" data-testid="use-base"
                    prop:disabled=misfit.is_some() || shape.get().is_none()
                    on:click=move |_| {
                        if let Some(shape) = shape.get_untracked() {
                            specs.update(|specs| specs.build_on_base(shape));
                        }
                    }>
                    {format!("Build the new model on {name}")}
                </button>
            </div>
        })
    }
}
