//! A loaded table: target and task, columns with roles and statistics, the report, split
//! and scaling, and a preview.

use hearth_core::data::summary::{
    ColumnKind, ColumnSummary, MissingStrategy, Role, Scaling, TableSummary, Task,
};
use hearth_core::protocol::ToEngine;
use leptos::prelude::*;

use super::state::DataState;
use crate::context;
use crate::engine::link::send;
use crate::widgets::format::percent;

/// A loaded table: target and task, columns with roles and statistics, split, preview.
#[component]
#[allow(clippy::too_many_lines, reason = "view! markup")]
pub fn TableView(table: TableSummary) -> impl IntoView {
    let data = context::data();
    let link = context::link();
    let columns = StoredValue::new(table.columns.clone());
    let config = move || data.with(|data| data.config.clone());
    let report = move || data.with(|data| data.report.clone());
    let target = move || config().and_then(|config| config.target().map(str::to_string));
    let edit = move |change: &dyn Fn(&mut DataState) -> Option<ToEngine>| {
        let message = data.try_update(|data| change(data)).flatten();
        send(link, message);
    };

    let headers = table
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect::<Vec<_>>();
    view! {
        <section class="table-view" aria-label="The loaded table">
            <h3 data-testid="data-name">{table.name.clone()}</h3>
            <p data-testid="data-shape">{format!("{} rows, {} columns", table.rows, table.columns.len())}</p>
            <ul class="notices">
                {table.notices.iter().map(|notice| view! { <li>{notice.clone()}</li> }).collect_view()}
            </ul>

            <div class="target-row">
                <label>
                    "Target (what to predict) "
                    <select data-testid="target-select" on:change=move |event| {
                        let name = event_target_value(&event);
                        edit(&|data| data.set_target(&name));
                    }>
                        <option value="" disabled selected=move || target().is_none()>"Choose…"</option>
                        {headers
                            .iter()
                            .map(|name| {
                                let value = name.clone();
                                let selected = name.clone();
                                view! { <option value=value selected=move || target().as_deref() == Some(selected.as_str())>{name.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    " Task "
                    <select data-testid="task-select" on:change=move |event| {
                        let value = event_target_value(&event);
                        let task = Task::ALL.into_iter().find(|task| format!("{task:?}") == value);
                        edit(&|data| data.set_task(task));
                    }>
                        <option value="auto" selected=move || config().is_some_and(|c| c.task.is_none())>
                            {move || {
                                report()
                                    .and_then(|r| r.target)
                                    .map(|t| format!("inferred: {}", t.inferred.label()))
                                    .unwrap_or_else(|| "inferred".to_string())
                            }}
                        </option>
                        {Task::ALL
                            .into_iter()
                            .map(|task| {
                                view! {
                                    <option value=format!("{task:?}") selected=move || config().is_some_and(|c| c.task == Some(task))>
                                        {task.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <ClassBalance />
            <ReportView />

            <h4>"Columns"</h4>
            <p class="hint" data-testid="roles-hint">
                "Roles: a feature is an input; the target is what the model predicts; a sensitive column (gender, age group, …) is left out of the inputs and used to compare groups in step 4; a sensitive input is both read by the model and compared by group; an excluded column never reaches the model."
            </p>
            <div class="scroll">
                <table class="columns" data-testid="columns">
                    <thead>
                        <tr>
                            <th>"Column"</th>
                            <th>"Type"</th>
                            <th>"Role"</th>
                            <th>"Missing"</th>
                            <th>"If missing"</th>
                            <th>"Summary"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            columns
                                .get_value()
                                .into_iter()
                                .map(|column| view! { <ColumnRow column=column /> })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>

            <h4>"Split and scaling"</h4>
            <SplitControls />

            <h4>"Preview"</h4>
            <div class="scroll">
                <table class="preview" data-testid="preview">
                    <thead>
                        <tr>{headers.iter().map(|name| view! { <th>{name.clone()}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>
                        {table
                            .preview
                            .iter()
                            .map(|row| view! { <tr>{row.iter().map(|cell| view! { <td>{cell.clone()}</td> }).collect_view()}</tr> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="hint">{format!("The first {} of {} rows.", table.preview.len(), table.rows)}</p>
        </section>
    }
}

/// One column: its inferred type, role, missing values and statistics.
#[component]
pub fn ColumnRow(column: ColumnSummary) -> impl IntoView {
    let data = context::data();
    let link = context::link();
    let name = column.name.clone();
    let entry = {
        let name = name.clone();
        move || {
            data.with(|data| {
                data.config
                    .as_ref()
                    .and_then(|config| config.columns.iter().find(|c| c.name == name).cloned())
            })
        }
    };
    let role = {
        let entry = entry.clone();
        move || entry().map_or(Role::Excluded, |entry| entry.role)
    };
    let strategy = {
        let entry = entry.clone();
        move || entry().map_or(MissingStrategy::Mean, |entry| entry.missing)
    };
    let indicator = move || entry().is_some_and(|entry| entry.indicator);
    let kind = column.kind;
    let stats = describe(&column);
    let testid = format!("column-{name}");
    let (role_name, missing_name, indicator_name) = (name.clone(), name.clone(), name.clone());
    view! {
        <tr data-testid=testid class:excluded={let role = role.clone(); move || role() == Role::Excluded}>
            <th scope="row">
                {name.clone()}
                {column
                    .personal
                    .map(|personal| view! { <span class="badge privacy" title="Personal data">{format!("personal: {}", personal.label())}</span> })}
            </th>
            <td data-label="Type">{kind.label()}</td>
            <td data-label="Role">
                <select
                    data-testid=format!("role-{name}")
                    aria-label=format!("Role of {name}")
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        if let Some(new_role) = Role::ALL.into_iter().find(|r| r.label() == value) {
                            let message = data.try_update(|data| data.set_role(&role_name, new_role)).flatten();
                            send(link, message);
                        }
                    }
                >
                    {Role::ALL
                        .into_iter()
                        .map(|option| {
                            let role = role.clone();
                            view! { <option value=option.label() selected=move || role() == option>{option.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </td>
            <td class="number" data-label="Missing">{column.missing}</td>
            <td data-label="If missing">
                <select
                    aria-label=format!("Missing values of {name}")
                    prop:disabled=column.missing == 0
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        if let Some(new) = MissingStrategy::ALL.into_iter().find(|s| s.label() == value) {
                            let message = data.try_update(|data| data.set_missing(&missing_name, new)).flatten();
                            send(link, message);
                        }
                    }
                >
                    {MissingStrategy::ALL
                        .into_iter()
                        .filter(|option| option.fits(kind))
                        .map(|option| {
                            let strategy = strategy.clone();
                            view! { <option value=option.label() selected=move || strategy() == option>{option.label()}</option> }
                        })
                        .collect_view()}
                </select>
                <label class="inline small">
                    <input
                        type="checkbox"
                        prop:checked=indicator
                        prop:disabled=column.missing == 0
                        on:change=move |event| {
                            let checked = event_target_checked(&event);
                            let message = data.try_update(|data| data.set_indicator(&indicator_name, checked)).flatten();
                            send(link, message);
                        }
                    />
                    "+ indicator"
                </label>
            </td>
            <td data-label="Summary">
                {stats}
                {column.note.map(|note| view! { <p class="note">{note}</p> })}
            </td>
        </tr>
    }
}

/// A column's statistics in a few words.
fn describe(column: &ColumnSummary) -> String {
    let distinct = if column.distinct_capped {
        format!("over {} distinct", column.distinct)
    } else {
        format!("{} distinct", column.distinct)
    };
    match (&column.numeric, column.kind) {
        (Some(stats), ColumnKind::Numeric) => format!(
            "min {} · mean {} · median {} · max {} · sd {}",
            short(stats.min),
            short(stats.mean),
            short(stats.median),
            short(stats.max),
            short(stats.std)
        ),
        _ => {
            let top = column
                .top
                .iter()
                .take(4)
                .map(|(value, count)| format!("{value} ({count})"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{distinct}: {top}")
        }
    }
}

fn short(value: f64) -> String {
    if value == 0.0 || (value.abs() >= 0.01 && value.abs() < 100_000.0) {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{value:.3e}")
    }
}

/// The target's classes with their counts, as bars.
#[component]
pub fn ClassBalance() -> impl IntoView {
    let data = context::data();
    move || {
        let target = data.with(|data| {
            data.report
                .as_ref()
                .and_then(|report| report.target.clone())
        })?;
        let total: usize = target.classes.iter().map(|(_, count)| count).sum();
        let description = if target.task.is_classification() {
            format!("{} classes in \"{}\"", target.classes.len(), target.column)
        } else {
            target.numeric.map_or(String::new(), |stats| {
                format!(
                    "\"{}\" ranges from {} to {} (mean {})",
                    target.column,
                    short(stats.min),
                    short(stats.max),
                    short(stats.mean)
                )
            })
        };
        Some(view! {
            <div class="class-balance" data-testid="class-balance">
                <p>{format!("Task: {}. ", target.task.label())} {description}</p>
                <ul>
                    {target
                        .classes
                        .iter()
                        .take(20)
                        .map(|(label, count)| {
                            let share = *count as f64 / total.max(1) as f64;
                            view! {
                                <li>
                                    <span class="label">{label.clone()}</span>
                                    <span class="bar" style:width=percent(share)></span>
                                    <span class="count">{format!("{count} ({:.0}%)", share * 100.0)}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        })
    }
}

/// What the model will see: inputs, split sizes, dropped rows, notices or the problem.
#[component]
pub fn ReportView() -> impl IntoView {
    let data = context::data();
    move || {
        let report = data.with(|data| data.report.clone())?;
        Some(match report.problem {
            Some(problem) => view! {
                <div class="problem" role="alert" data-testid="data-report-problem"><p>{problem}</p></div>
            }
            .into_any(),
            None => {
                let [train, validation, test] = report.split_rows;
                view! {
                    <div class="report" data-testid="data-report">
                        <p>
                            {format!(
                                "{} model inputs. Rows: {train} training, {validation} validation, {test} test",
                                report.inputs.len()
                            )}
                            {(report.dropped_rows > 0).then(|| format!("; {} left out", report.dropped_rows))}
                            "."
                        </p>
                        <ul class="notices">
                            {report.notices.into_iter().map(|notice| view! { <li>{notice}</li> }).collect_view()}
                        </ul>
                    </div>
                }
                .into_any()
            }
        })
    }
}

/// Training/validation/test percentages and the scaling of numbers.
#[component]
pub fn SplitControls() -> impl IntoView {
    let data = context::data();
    let link = context::link();
    let split = move || {
        data.with(|data| {
            data.config
                .as_ref()
                .map(|config| config.split)
                .unwrap_or_default()
        })
    };
    let scaling = move || {
        data.with(|data| {
            data.config
                .as_ref()
                .map_or(Scaling::Standardize, |config| config.scaling)
        })
    };
    let set = move |train: f64, validation: f64| {
        let message = data
            .try_update(|data| data.set_split(train, validation))
            .flatten();
        send(link, message);
    };
    view! {
        <div class="split">
            <label>
                "Training % "
                <input
                    type="number"
                    min="10"
                    max="100"
                    data-testid="split-train"
                    prop:value=move || format!("{:.0}", split().train * 100.0)
                    on:change=move |event| {
                        let train = event_target_value(&event).parse().unwrap_or(70.0);
                        set(train, split().validation * 100.0);
                    }
                />
            </label>
            <label>
                " Validation % "
                <input
                    type="number"
                    min="0"
                    max="90"
                    data-testid="split-validation"
                    prop:value=move || format!("{:.0}", split().validation * 100.0)
                    on:change=move |event| {
                        let validation = event_target_value(&event).parse().unwrap_or(15.0);
                        set(split().train * 100.0, validation);
                    }
                />
            </label>
            <span data-testid="split-test">{move || format!(" Test: {:.0}%", split().test() * 100.0)}</span>
            <label>
                " Scale numbers: "
                <select on:change=move |event| {
                    let value = event_target_value(&event);
                    if let Some(new) = Scaling::ALL.into_iter().find(|s| s.label() == value) {
                        let message = data.try_update(|data| data.set_scaling(new)).flatten();
                        send(link, message);
                    }
                }>
                    {Scaling::ALL
                        .into_iter()
                        .map(|option| view! { <option value=option.label() selected=move || scaling() == option>{option.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <p class="hint">"Scaling and fill-in values are fitted on the training rows only."</p>
        </div>
    }
}
