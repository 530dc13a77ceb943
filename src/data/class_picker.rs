//! Classes made by hand: a name and images for each.

use leptos::prelude::*;

use crate::browser;
use crate::browser::files::{File, NamedFile};

/// Classes made by hand: a name and images for each, then one click loads them all.
#[component]
pub fn ClassPicker(
    disabled: Signal<bool>,
    on_load: impl Fn(Vec<(Option<String>, String, File)>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // The chosen files stay in the page as `File` handles (no bytes are read here).
    let files = StoredValue::new_local(Vec::<(usize, String, File)>::new());
    let names = RwSignal::new(vec!["class 1".to_string(), "class 2".to_string()]);
    let counts = RwSignal::new(vec![0usize, 0]);
    let add_files = move |class: usize, chosen: Vec<NamedFile>| {
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
                                            accept="image/*"
                                            data-testid=format!("class-files-{class}")
                                            on:change=move |event| add_files(class, browser::files::input_files(&event))
                                        />
                                    </label>
                                    <span
                                        class="count"
                                        on:dragover=move |event| event.prevent_default()
                                        on:drop=move |event| add_files(class, browser::files::dropped_files(&event))
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
