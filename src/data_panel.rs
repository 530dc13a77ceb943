//! The Data step: choose a built-in set or upload a CSV file or images, then see what
//! Hearth made of it (types, roles, missing values, statistics, target, split, preview)
//! and change it.

use hearth_core::data::catalog::{BUILTINS, BuiltinKind};
use hearth_core::data::summary::{
    AUGMENT_PREVIEW_VARIANTS, Augment, ColumnKind, ColumnSummary, DataSummary, ImageSummary,
    MissingStrategy, Role, Scaling, TableSummary, Task,
};
use hearth_core::protocol::ToEngine;
use leptos::prelude::*;

use crate::data_state::DataState;
use crate::engine_status::EngineStatus;
use crate::keeping::{Keeper, Upload};
use crate::platform::{self, Link, send, send_files};
use crate::session::DataChoice;

/// Image sizes offered for uploaded images.
const IMAGE_SHAPES: [(&str, u32, u32, u8); 3] = [
    ("28 × 28 grayscale", 28, 28, 1),
    ("32 × 32 colour", 32, 32, 3),
    ("64 × 64 colour", 64, 64, 3),
];

/// The Data step's content.
#[component]
pub fn DataPanel(
    data: RwSignal<DataState>,
    status: RwSignal<EngineStatus>,
    link: Link,
) -> impl IntoView {
    let ready = move || status.with(EngineStatus::is_ready);
    let busy = move || data.with(|data| data.loading.is_some());
    let disabled = move || !ready() || busy();
    let keeper = expect_context::<Keeper>();
    // The last CSV file, so that "skip these rows" can read it again.
    let last_csv = StoredValue::new_local(None::<web_sys::File>);
    let image_shape = RwSignal::new(0usize);

    let load_csv = move |file: web_sys::File, skip_ragged: bool| {
        let name = file.name();
        let accepted = data
            .try_update(|data| {
                let ok = data.check_csv_file(&name, file.size());
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
    let load_labelled = move |files: Vec<(Option<String>, String, web_sys::File)>| {
        if files.is_empty() {
            return;
        }
        let (_, width, height, channels) = IMAGE_SHAPES[image_shape.get_untracked()];
        let named: Vec<(String, web_sys::File)> = files
            .iter()
            .map(|(_, path, file)| (path.clone(), file.clone()))
            .collect();
        let name = common_folder(&named).unwrap_or_else(|| format!("{} images", files.len()));
        data.update(|data| data.start(&format!("Reading {} images", files.len())));
        let paths: Vec<String> = files.iter().map(|(_, path, _)| path.clone()).collect();
        let classes: Vec<Option<String>> = files.iter().map(|(class, ..)| class.clone()).collect();
        let files: Vec<web_sys::File> = files.into_iter().map(|(_, _, file)| file).collect();
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
    let load_images = move |files: Vec<(String, web_sys::File)>| {
        load_labelled(
            files
                .into_iter()
                .map(|(path, file)| (None, path, file))
                .collect(),
        );
    };
    let load_dropped = move |files: Vec<(String, web_sys::File)>| {
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
                        let files = platform::dropped_tree(&event);
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
                                    if let Some((_, file)) = platform::input_files(&event).into_iter().next() {
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
                                on:change=move |event| load_images(platform::input_files(&event))
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
            <DataStatus data=data on_skip=move || {
                if let Some(file) = last_csv.get_value() {
                    load_csv(file, true);
                }
            } />
            {move || match data.with(|data| data.summary.clone()) {
                Some(DataSummary::Table(table)) => view! { <TableView table=table data=data link=link /> }.into_any(),
                Some(DataSummary::Images(images)) => view! { <ImageView images=images data=data link=link /> }.into_any(),
                None => view! { <p class="empty" data-testid="no-data">"No data loaded yet."</p> }.into_any(),
            }}
        </div>
    }
}

/// Classes made by hand: a name and images for each, then one click loads them all.
#[component]
fn ClassPicker(
    disabled: Signal<bool>,
    on_load: impl Fn(Vec<(Option<String>, String, web_sys::File)>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // The chosen files stay in the page as `File` handles (no bytes are read here).
    let files = StoredValue::new_local(Vec::<(usize, String, web_sys::File)>::new());
    let names = RwSignal::new(vec!["class 1".to_string(), "class 2".to_string()]);
    let counts = RwSignal::new(vec![0usize, 0]);
    let add_files = move |class: usize, chosen: Vec<(String, web_sys::File)>| {
        let added = chosen.len();
        files.update_value(|files| {
            files.extend(chosen.into_iter().map(|(path, file)| (class, path, file)))
        });
        counts.update(|counts| {
            if let Some(count) = counts.get_mut(class) {
                *count += added;
            }
        });
    };
    let total = move || counts.with(|counts| counts.iter().sum::<usize>());
    view! {
        <details class="class-picker">
            <summary>"Or make classes by hand and pick images for each"</summary>
            <ol class="picked-classes">
                {move || {
                    (0..names.with(Vec::len))
                        .map(|class| {
                            let name = move || names.with(|names| names.get(class).cloned().unwrap_or_default());
                            view! {
                                <li>
                                    <input
                                        type="text"
                                        aria-label=format!("Name of class {}", class + 1)
                                        data-testid=format!("class-name-{class}")
                                        prop:value=name
                                        on:change=move |event| {
                                            let value = event_target_value(&event);
                                            names.update(|names| names[class] = value);
                                        }
                                    />
                                    <label class="button small">
                                        "Add images"
                                        <input
                                            type="file"
                                            multiple
                                            accept="image/png,image/jpeg"
                                            data-testid=format!("class-files-{class}")
                                            on:change=move |event| add_files(class, platform::input_files(&event))
                                        />
                                    </label>
                                    <span
                                        class="count"
                                        on:dragover=move |event| event.prevent_default()
                                        on:drop=move |event| add_files(class, platform::dropped_files(&event))
                                    >
                                        {move || format!("{} image(s), or drop them here", counts.with(|c| c.get(class).copied().unwrap_or(0)))}
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            <button type="button" on:click=move |_| {
                names.update(|names| names.push(format!("class {}", names.len() + 1)));
                counts.update(|counts| counts.push(0));
            }>"Add a class"</button>
            " "
            <button
                type="button"
                data-testid="load-classes"
                prop:disabled=move || disabled.get() || total() == 0
                on:click=move |_| {
                    let names = names.get_untracked();
                    let chosen = files
                        .get_value()
                        .into_iter()
                        .map(|(class, path, file)| (names.get(class).cloned(), path, file))
                        .collect();
                    on_load(chosen);
                }
            >
                {move || format!("Load {} image(s)", total())}
            </button>
        </details>
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
fn common_folder(files: &[(String, web_sys::File)]) -> Option<String> {
    let first = files.first()?.0.split('/').next()?.to_string();
    let shared = files
        .iter()
        .all(|(path, _)| path.contains('/') && path.split('/').next() == Some(first.as_str()));
    shared.then_some(first)
}

/// Loading progress and the last problem.
#[component]
fn DataStatus(
    data: RwSignal<DataState>,
    on_skip: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
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

/// A loaded table: target and task, columns with roles and statistics, split, preview.
#[component]
fn TableView(table: TableSummary, data: RwSignal<DataState>, link: Link) -> impl IntoView {
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
            <ClassBalance data=data />
            <ReportView data=data />

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
                                .map(|column| view! { <ColumnRow column=column data=data link=link /> })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>

            <h4>"Split and scaling"</h4>
            <SplitControls data=data link=link />

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
fn ColumnRow(column: ColumnSummary, data: RwSignal<DataState>, link: Link) -> impl IntoView {
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
fn ClassBalance(data: RwSignal<DataState>) -> impl IntoView {
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
                                    <span class="bar" style:width=format!("{:.1}%", share * 100.0)></span>
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
fn ReportView(data: RwSignal<DataState>) -> impl IntoView {
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
fn SplitControls(data: RwSignal<DataState>, link: Link) -> impl IntoView {
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

/// A loaded image set: classes with counts and thumbnails.
#[component]
fn ImageView(images: ImageSummary, data: RwSignal<DataState>, link: Link) -> impl IntoView {
    let total: usize = images.classes.iter().map(|(_, count)| count).sum();
    let (width, height) = (images.width, images.height);
    view! {
        <section class="image-view" aria-label="The loaded images">
            <h3 data-testid="data-name">{images.name.clone()}</h3>
            <p data-testid="data-shape">
                {format!(
                    "{total} images in {} classes, {width} × {height} {}",
                    images.classes.len(),
                    if images.channels == 1 { "grayscale" } else { "colour" }
                )}
            </p>
            <ul class="notices">
                {images.notices.iter().map(|notice| view! { <li>{notice.clone()}</li> }).collect_view()}
            </ul>
            <ul class="image-classes" data-testid="image-classes">
                {images
                    .classes
                    .iter()
                    .enumerate()
                    .map(|(index, (class, count))| {
                        let thumbs: Vec<Vec<u8>> = images
                            .thumbnails
                            .iter()
                            .filter(|thumbnail| thumbnail.class as usize == index)
                            .map(|thumbnail| thumbnail.rgba.clone())
                            .collect();
                        view! {
                            <li>
                                <span class="class-name">{class.clone()}</span>
                                <span class="count">{format!("{count} images")}</span>
                                <span class="thumbs">
                                    {thumbs.into_iter().map(|pixels| view! { <Thumbnail width=width height=height pixels=pixels /> }).collect_view()}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <AugmentControls data=data link=link width=width height=height />
        </section>
    }
}

/// The augmentation applied to training images, with examples.
#[component]
fn AugmentControls(
    data: RwSignal<DataState>,
    link: Link,
    width: u32,
    height: u32,
) -> impl IntoView {
    let augment = move || data.with(|data| data.augment);
    let change = move |edit: &dyn Fn(&mut Augment)| {
        let message = data
            .try_update(|data| data.set_augment(|augment| edit(augment)))
            .flatten();
        send(link, message);
    };
    let preview = move || data.with(|data| data.augment_preview.clone());
    view! {
        <fieldset class="augment" data-testid="augment">
            <legend>"Augmentation (applied while training)"</legend>
            <p class="hint">
                "Each training image is varied at random every time it is seen, so the model learns the shapes rather than their exact places. Mirroring suits photos, not digits or letters."
            </p>
            <label>
                "Shift up to "
                <select data-testid="augment-shift" on:change=move |event| {
                    let value: u32 = event_target_value(&event).parse().unwrap_or(0);
                    change(&|augment| augment.max_shift = value);
                }>
                    {[0u32, 1, 2, 3, 4]
                        .into_iter()
                        .map(|pixels| view! { <option value=pixels.to_string() selected=move || augment().max_shift == pixels>{format!("{pixels} px")}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                " Rotate up to "
                <select data-testid="augment-rotation" on:change=move |event| {
                    let value: f32 = event_target_value(&event).parse().unwrap_or(0.0);
                    change(&|augment| augment.max_rotation_degrees = value);
                }>
                    {[0u32, 5, 10, 15, 25]
                        .into_iter()
                        .map(|degrees| view! { <option value=degrees.to_string() selected=move || augment().max_rotation_degrees == degrees as f32>{format!("{degrees}°")}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="inline">
                <input
                    type="checkbox"
                    data-testid="augment-flip"
                    prop:checked=move || augment().flip_horizontal
                    on:change=move |event| {
                        let checked = event_target_checked(&event);
                        change(&|augment| augment.flip_horizontal = checked);
                    }
                />
                "Mirror left–right"
            </label>
            <div class="augment-preview" data-testid="augment-preview">
                {move || {
                    let thumbnails = preview();
                    (!thumbnails.is_empty()).then(|| view! {
                        <p class="hint">"Examples: each row starts with an original image, followed by random variants."</p>
                        {thumbnails
                            .chunks(AUGMENT_PREVIEW_VARIANTS)
                            .map(|row| view! {
                                <div class="thumbs">
                                    {row.iter().map(|t| view! { <Thumbnail width=width height=height pixels=t.rgba.clone() /> }).collect_view()}
                                </div>
                            })
                            .collect_view()}
                    })
                }}
            </div>
        </fieldset>
    }
}

/// One image drawn on a canvas.
#[component]
pub fn Thumbnail(width: u32, height: u32, pixels: Vec<u8>) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    canvas.on_load(move |canvas| platform::paint_rgba(&canvas, width, height, &pixels));
    view! { <canvas node_ref=canvas width=width height=height class="thumb"></canvas> }
}
