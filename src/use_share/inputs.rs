//! The other ways to ask the model: an image file, or a table row.

use hearth_core::model::summary::{InputKind, PredictInput};
use leptos::prelude::*;

use crate::browser;
use crate::context;
use crate::engine::link::send_files;

/// An image file to classify.
#[component]
pub fn ImageInput() -> impl IntoView {
    let link = context::link();
    let uses = context::uses();
    view! {
        <label class="field">
            "Choose an image (PNG or JPEG)"
            <input type="file" accept="image/png,image/jpeg" data-testid="predict-image" on:change=move |event| {
                let files = browser::files::input_files(&event);
                if let Some((name, file)) = files.into_iter().next() {
                    let message = uses.try_update(|uses| uses.ask(PredictInput::ImageFile { name }));
                    send_files(link, message, Some(file.as_ref()), &[]);
                }
            } />
        </label>
    }
}

/// A form for one table row, or a held-out test row.
#[component]
pub fn RowForm(
    columns: Vec<hearth_core::model::summary::InputColumn>,
    target: String,
    test_rows: usize,
    on_predict: impl Fn(PredictInput) + Copy + 'static,
) -> impl IntoView {
    let uses = context::uses();
    let values: Vec<RwSignal<String>> = columns
        .iter()
        .map(|column| {
            RwSignal::new(match &column.kind {
                InputKind::Number { typical } => format!("{}", (typical * 1000.0).round() / 1000.0),
                InputKind::YesNo { true_value } => true_value.clone(),
                InputKind::Choice { levels } => levels.first().cloned().unwrap_or_default(),
            })
        })
        .collect();
    let names: Vec<String> = columns.iter().map(|column| column.name.clone()).collect();
    let cells = {
        let (names, values) = (names.clone(), values.clone());
        move || {
            names
                .iter()
                .cloned()
                .zip(values.iter().map(|value| value.get_untracked()))
                .collect::<Vec<_>>()
        }
    };
    let next_test = RwSignal::new(0usize);
    let fields = columns
        .into_iter()
        .zip(values.clone())
        .map(|(column, value)| {
            let id = format!("input-{}", column.name);
            let control = match column.kind {
                InputKind::Number { .. } => view! {
                    <input type="text" inputmode="decimal" id=id.clone() data-testid=id.clone()
                        prop:value=move || value.get() on:input=move |event| value.set(event_target_value(&event)) />
                }.into_any(),
                InputKind::YesNo { true_value } => view! {
                    <select id=id.clone() data-testid=id.clone() on:change=move |event| value.set(event_target_value(&event))>
                        <option value=true_value.clone() selected=move || value.get() == true_value>"yes"</option>
                        <option value="no" selected=move || value.get() == "no">"no"</option>
                    </select>
                }.into_any(),
                InputKind::Choice { levels } => view! {
                    <select id=id.clone() data-testid=id.clone() prop:value=move || value.get() on:change=move |event| value.set(event_target_value(&event))>
                        {levels.into_iter().map(|level| view! { <option value=level.clone()>{level.clone()}</option> }).collect_view()}
                    </select>
                }.into_any(),
            };
            view! { <label class="field" for=id.clone()>{column.name.clone()} {control}</label> }
        })
        .collect_view();
    let fill = {
        let (names, values) = (names.clone(), values.clone());
        move |row: &[(String, String)]| {
            for (name, value) in names.iter().zip(&values) {
                if let Some((_, cell)) = row.iter().find(|(column, _)| column == name) {
                    value.set(cell.clone());
                }
            }
        }
    };
    // A picked test row fills the form.
    Effect::new(move |_| {
        if let Some(row) = uses.with(|uses| uses.prediction.as_ref().and_then(|p| p.row.clone())) {
            fill(&row);
        }
    });
    let cells_for_button = cells.clone();
    view! {
        <form class="row-form" data-testid="row-form" on:submit=move |event| {
            event.prevent_default();
            on_predict(PredictInput::Row { cells: cells_for_button() });
        }>
            <p class="hint">{format!("Enter a row to predict \"{target}\".")}</p>
            <div class="fields">{fields}</div>
            <div class="row">
                <button type="submit" class="primary" data-testid="predict-row">"Predict"</button>
                {(test_rows > 0).then(|| view! {
                    <button type="button" data-testid="pick-test-row" on:click=move |_| {
                        let index = next_test.get_untracked() % test_rows;
                        next_test.set(index + 1);
                        on_predict(PredictInput::TestRow { index });
                    }>{move || format!("Try test row {} of {test_rows}", next_test.get() % test_rows + 1)}</button>
                })}
            </div>
        </form>
    }
}
