//! The layer table: each layer's settings, output shape and parameters, editable in place,
//! and "Add layer".

use hearth_core::data::summary::Task;
use hearth_core::model::{Activation, Layer, Padding, Shape};
use hearth_core::text::thousands;
use leptos::prelude::*;

use super::state::{LAYER_KINDS, layer_kind};
use crate::context;

/// The layers with their output shapes and parameters, editable in place.
#[component]
pub fn LayerTable() -> impl IntoView {
    let specs = context::specs();
    move || {
        let Some(spec) = specs.with(|specs| specs.spec.clone()) else {
            return ().into_any();
        };
        let inferred = spec.infer();
        let (infos, error) = match &inferred {
            Ok(infos) => (infos.clone(), None),
            Err(error) => (Vec::new(), Some(error.clone())),
        };
        let error_at = |layer: usize| {
            error
                .as_ref()
                .filter(|error| error.layer == layer)
                .map(|error| error.message.clone())
        };
        let input_label = Shape::from(spec.input).label();
        let count = spec.layers.len();
        let kept = spec.origin.as_ref().map_or(0, |origin| origin.kept_layers);
        let how = match &spec.origin {
            Some(origin) if origin.frozen => format!("kept from {}, frozen", origin.model),
            Some(origin) => format!("kept from {}, fine-tuned", origin.model),
            None => String::new(),
        };
        let rows = spec
            .layers
            .iter()
            .enumerate()
            .map(|(index, layer)| {
                let info = infos.get(index).cloned();
                let problem = error_at(index + 1);
                let layer = *layer;
                let is_kept = index < kept;
                let settings = if is_kept {
                    view! {
                        <span>{layer.label()}</span>
                        <span class="badge" data-testid=format!("layer-{}-kept", index + 1)>{how.clone()}</span>
                    }
                    .into_any()
                } else {
                    view! { <LayerEditor index=index layer=layer /> }.into_any()
                };
                view! {
                    <tr class:error=problem.is_some() class:kept=is_kept data-testid=format!("layer-{}", index + 1)>
                        <th scope="row">{index + 1}</th>
                        <td>{settings}</td>
                        <td class="shape" data-testid=format!("layer-{}-shape", index + 1)>
                            {info.as_ref().map(|info| info.output.label()).unwrap_or_else(|| "?".into())}
                        </td>
                        <td class="number">{info.as_ref().map(|info| thousands(info.params))}</td>
                        <td class="actions">
                            <button type="button" aria-label=format!("Move layer {} up", index + 1)
                                prop:disabled=index <= kept
                                on:click=move |_| specs.update(|specs| specs.shift(index, -1))>"↑"</button>
                            <button type="button" aria-label=format!("Move layer {} down", index + 1)
                                prop:disabled=is_kept || index + 1 == count
                                on:click=move |_| specs.update(|specs| specs.shift(index, 1))>"↓"</button>
                            <button type="button" aria-label=format!("Remove layer {}", index + 1)
                                data-testid=format!("remove-layer-{}", index + 1)
                                prop:disabled=is_kept
                                on:click=move |_| specs.update(|specs| specs.remove(index))>"✕"</button>
                        </td>
                    </tr>
                    {problem.map(|problem| view! {
                        <tr class="error-message"><td colspan="5" role="alert" data-testid="layer-error">
                            {format!("Layer {}: {problem}", index + 1)}
                        </td></tr>
                    })}
                }
            })
            .collect_view();
        let head = infos.last().cloned();
        let head_problem = error_at(count + 1);
        let total = inferred
            .as_ref()
            .ok()
            .map(|_| (spec.params(), spec.flops()));
        view! {
            <div class="layers-wrap"><table class="layers" data-testid="layers">
                <caption>"Layers, each with its output shape and parameter count"</caption>
                <thead><tr><th scope="col">"#"</th><th scope="col">"Layer"</th><th scope="col">"Output"</th><th scope="col">"Parameters"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                <tbody>
                    <tr><th scope="row">"in"</th><td>"Input"</td><td class="shape">{input_label}</td><td></td><td></td></tr>
                    {rows}
                    <tr class:error=head_problem.is_some()>
                        <th scope="row">"out"</th>
                        <td>{head_label(spec.task, spec.outputs)}</td>
                        <td class="shape">{head.as_ref().map(|info| info.output.label())}</td>
                        <td class="number">{head.as_ref().map(|info| thousands(info.params))}</td>
                        <td></td>
                    </tr>
                    {head_problem.map(|problem| view! {
                        <tr class="error-message"><td colspan="5" role="alert" data-testid="layer-error">{format!("Output: {problem}")}</td></tr>
                    })}
                </tbody>
                <tfoot>
                    <tr><th scope="row" colspan="3">"Total"</th>
                        <td class="number" data-testid="total-params">{total.map(|(params, _)| thousands(params))}</td>
                        <td class="flops">{total.map(|(_, flops)| format!("{} FLOPs per example", thousands(flops)))}</td>
                    </tr>
                </tfoot>
            </table></div>
        }
        .into_any()
    }
}

fn head_label(task: Task, outputs: usize) -> String {
    match task {
        Task::MultiClass => format!("Output: {outputs} classes, softmax"),
        Task::Binary => "Output: 1 unit, sigmoid".to_string(),
        Task::Regression => "Output: 1 value, linear".to_string(),
    }
}

/// One layer's settings.
#[component]
pub fn LayerEditor(index: usize, layer: Layer) -> impl IntoView {
    let specs = context::specs();
    let set = move |layer: Layer| specs.update(|specs| specs.set(index, layer));
    let number =
        move |label: &'static str, value: usize, min: usize, apply: fn(Layer, usize) -> Layer| {
            view! {
                <label class="field">
                    {label}
                    <input type="number" min=min.to_string() value=value.to_string()
                        aria-label=format!("Layer {} {}", index + 1, label)
                        on:change=move |event| {
                            if let Ok(value) = event_target_value(&event).trim().parse::<usize>()
                                && value >= min
                            {
                                set(apply(layer, value));
                            }
                        } />
                </label>
            }
        };
    let activation = move |current: Activation, apply: fn(Layer, Activation) -> Layer| {
        view! {
            <label class="field">
                "activation"
                <select aria-label=format!("Layer {} activation", index + 1) on:change=move |event| {
                    let chosen = event_target_value(&event);
                    if let Some(activation) = Activation::ALL.into_iter().find(|a| a.label() == chosen) {
                        set(apply(layer, activation));
                    }
                }>
                    {Activation::ALL.into_iter().map(|a| view! {
                        <option value=a.label() selected=a == current>{a.label()}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let kind = LAYER_KINDS
        .iter()
        .find(|(id, _)| *id == layer_kind(&layer))
        .map_or("", |(_, label)| label);
    let fields = match layer {
        Layer::Dense { units, activation: act } => view! {
            {number("units", units, 1, |layer, units| match layer {
                Layer::Dense { activation, .. } => Layer::Dense { units, activation },
                other => other,
            })}
            {activation(act, |layer, activation| match layer {
                Layer::Dense { units, .. } => Layer::Dense { units, activation },
                other => other,
            })}
        }
        .into_any(),
        Layer::Conv2d { filters, kernel, stride, padding, activation: act } => view! {
            {number("filters", filters, 1, |layer, filters| match layer {
                Layer::Conv2d { kernel, stride, padding, activation, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
            {number("kernel", kernel, 1, |layer, kernel| match layer {
                Layer::Conv2d { filters, stride, padding, activation, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
            {number("stride", stride, 1, |layer, stride| match layer {
                Layer::Conv2d { filters, kernel, padding, activation, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
            <label class="field">
                "padding"
                <select aria-label=format!("Layer {} padding", index + 1) on:change=move |event| {
                    let padding = if event_target_value(&event) == "same" { Padding::Same } else { Padding::Valid };
                    if let Layer::Conv2d { filters, kernel, stride, activation, .. } = layer {
                        set(Layer::Conv2d { filters, kernel, stride, padding, activation });
                    }
                }>
                    <option value="valid" selected=padding == Padding::Valid>"valid"</option>
                    <option value="same" selected=padding == Padding::Same>"same"</option>
                </select>
            </label>
            {activation(act, |layer, activation| match layer {
                Layer::Conv2d { filters, kernel, stride, padding, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
        }
        .into_any(),
        Layer::MaxPool2d { size, .. } => number("size", size, 1, |_, size| Layer::MaxPool2d { size, stride: None }).into_any(),
        Layer::AvgPool2d { size, .. } => number("size", size, 1, |_, size| Layer::AvgPool2d { size, stride: None }).into_any(),
        Layer::Flatten => ().into_any(),
        Layer::Dropout { rate } => view! {
            <label class="field">
                "rate"
                <input type="number" min="0" max="0.95" step="0.05" value=rate.to_string()
                    aria-label=format!("Layer {} dropout rate", index + 1)
                    on:change=move |event| {
                        if let Ok(rate) = event_target_value(&event).trim().parse::<f32>()
                            && (0.0..1.0).contains(&rate)
                        {
                            set(Layer::Dropout { rate });
                        }
                    } />
            </label>
        }
        .into_any(),
        Layer::BatchNorm { activation: act } => activation(act, |_, activation| Layer::BatchNorm { activation }).into_any(),
    };
    view! {
        <div class="layer-editor">
            <strong>{kind}</strong>
            {fields}
        </div>
    }
}

/// "Add layer": a kind and a button.
#[component]
pub fn AddLayer() -> impl IntoView {
    let specs = context::specs();
    let kind = RwSignal::new("dense".to_string());
    view! {
        <div class="row add-layer">
            <label>
                "Add a layer "
                <select data-testid="add-layer-kind" on:change=move |event| kind.set(event_target_value(&event))>
                    {LAYER_KINDS.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                </select>
            </label>
            <button type="button" data-testid="add-layer"
                prop:disabled=move || specs.with(|specs| specs.spec.is_none())
                on:click=move |_| specs.update(|specs| specs.add(&kind.get_untracked()))>"Add"</button>
        </div>
    }
}
