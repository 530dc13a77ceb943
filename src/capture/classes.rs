//! The classes being captured, shared by the camera and the pad: names, counts,
//! thumbnails with a remove button each, and loading them as the data set.

use leptos::prelude::*;
use web_sys::Blob;

use super::state::{CaptureSet, Source};
use crate::browser::media;
use crate::data::loading::{IMAGE_SHAPES, Loader};

/// The captured classes of both sources; kept while the user moves between steps.
pub struct Captures {
    /// Frames of the camera.
    pub camera: CaptureSet<Blob>,
    /// Drawings.
    pub drawing: CaptureSet<Blob>,
    /// Sounds.
    pub sound: CaptureSet<Blob>,
    /// Whether the camera's frames are mirrored: the examples and the live view's frames
    /// alike, so that a model sees the camera as it was recorded.
    pub mirrored: bool,
}

impl Captures {
    /// The set of `source`.
    pub fn of(&self, source: Source) -> &CaptureSet<Blob> {
        match source {
            Source::Camera => &self.camera,
            Source::Drawing => &self.drawing,
            Source::Sound => &self.sound,
        }
    }

    /// The set of `source`, to change.
    pub fn of_mut(&mut self, source: Source) -> &mut CaptureSet<Blob> {
        match source {
            Source::Camera => &mut self.camera,
            Source::Drawing => &mut self.drawing,
            Source::Sound => &mut self.sound,
        }
    }
}

/// The page's captures (App provides them once).
pub type CaptureSignal = RwSignal<Captures, LocalStorage>;

/// The captures for App to provide: empty, or the kept ones once read back.
pub fn provide() {
    let captures: CaptureSignal = RwSignal::new_local(Captures {
        camera: CaptureSet::new(Source::Camera),
        drawing: CaptureSet::new(Source::Drawing),
        sound: CaptureSet::new(Source::Sound),
        mirrored: true,
    });
    provide_context(captures);
    let keeper = crate::context::keeper();
    super::keep::keep(
        captures,
        Signal::derive(move || keeper.session.with(|session| session.keep_uploads)),
    );
}

/// The page's captures.
pub fn captures() -> CaptureSignal {
    expect_context()
}

/// Adds `blob` to class `class` of `source`; frees its URL when the class is full.
pub fn add(captures: CaptureSignal, source: Source, class: usize, blob: Blob) {
    add_named(captures, source, class, blob, String::new());
}

/// Adds `blob`, from the file `name` (empty: recorded here), to class `class` of `source`.
pub fn add_named(captures: CaptureSignal, source: Source, class: usize, blob: Blob, name: String) {
    let url = media::object_url(&blob);
    let added = captures
        .try_update(|captures| {
            captures
                .of_mut(source)
                .add_named_sample(class, blob, url.clone(), name)
        })
        .unwrap_or(false);
    if !added {
        media::forget(&url);
    }
}

/// What `read` makes of class `class` of `source` (tracked), or the default when the
/// class is gone.
fn with_class<T: Default>(
    captures: CaptureSignal,
    source: Source,
    class: usize,
    read: impl FnOnce(&super::state::Class<Blob>) -> T,
) -> T {
    captures.with(|captures| {
        captures
            .of(source)
            .classes
            .get(class)
            .map(read)
            .unwrap_or_default()
    })
}

/// The name of class `class` of `source` ("" when gone), for labels.
pub fn class_name(captures: CaptureSignal, source: Source, class: usize) -> String {
    with_class(captures, source, class, |class| class.name.clone())
}

/// A view's section that scrolls into view once shown (a capture view opens below the fold).
pub fn revealed_section() -> NodeRef<leptos::html::Section> {
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(section) = section.get() {
            media::reveal(&section);
        }
    });
    section
}

/// How many thumbnails a class shows (its newest).
const SHOWN: usize = 12;

/// The class list: each class's name, its count and newest thumbnails, and `record`, the
/// source's control for adding to it (a hold-to-record button, an "add this drawing").
#[component]
pub fn ClassList<R, V>(source: Source, record: R) -> impl IntoView
where
    R: Fn(usize) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let captures = captures();
    // Only a class added or removed redraws the rows (not every new sample).
    let count = Memo::new(move |_| captures.with(|captures| captures.of(source).classes.len()));
    view! {
        <ol class="capture-classes" data-testid="capture-classes">
            {move || (0..count.get()).map(|class| view! { <ClassRow source class record /> }).collect_view()}
        </ol>
        <button type="button" data-testid="add-capture-class"
            on:click=move |_| captures.update(|captures| captures.of_mut(source).add_class())>
            "Add a class"
        </button>
    }
}

#[component]
fn ClassRow<R, V>(source: Source, class: usize, record: R) -> impl IntoView
where
    R: Fn(usize) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let captures = captures();
    let name = move || class_name(captures, source, class);
    let count = move || with_class(captures, source, class, |class| class.samples.len());
    let newest = move || {
        with_class(captures, source, class, |class| {
            class
                .samples
                .iter()
                .rev()
                .take(SHOWN)
                .map(|sample| (sample.id, sample.url.clone(), sample.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let remove = move |id: u64| {
        let removed = captures
            .try_update(|captures| captures.of_mut(source).remove_sample(class, id))
            .flatten();
        if let Some(sample) = removed {
            media::forget(&sample.url);
        }
    };
    let forget_all = move |samples: Vec<super::state::Sample<Blob>>| {
        for sample in samples {
            media::forget(&sample.url);
        }
    };
    view! {
        <li class="capture-class" data-testid=format!("capture-class-{class}")>
            <div class="capture-class-head">
                <input type="text" aria-label=format!("Name of class {}", class + 1)
                    data-testid=format!("capture-name-{class}")
                    prop:value=name
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        captures.update(|captures| captures.of_mut(source).rename(class, &value));
                    } />
                <span class="count" data-testid=format!("capture-count-{class}") aria-live="polite">
                    {move || match count() { 1 => "1 example".to_string(), n => format!("{n} examples") }}
                </span>
                {record(class)}
                <button type="button" class="small" data-testid=format!("capture-clear-{class}")
                    aria-label=move || format!("Clear the examples of {}", name())
                    prop:disabled=move || count() == 0
                    on:click=move |_| forget_all(captures.try_update(|captures| captures.of_mut(source).clear_class(class)).unwrap_or_default())>
                    "Clear"
                </button>
                <button type="button" class="small" data-testid=format!("capture-remove-class-{class}")
                    aria-label=move || format!("Remove the class {}", name())
                    on:click=move |_| forget_all(captures.try_update(|captures| captures.of_mut(source).remove_class(class)).unwrap_or_default())>
                    "Remove class"
                </button>
            </div>
            <ul class="capture-thumbs" aria-label=move || format!("Newest examples of {}", name())>
                {move || newest().into_iter().map(|(id, url, file)| view! {
                    <li>
                        {if source.is_sound() {
                            let label = if file.is_empty() { "a recorded second".to_string() } else { file.clone() };
                            view! {
                                <button type="button" class="play-sample" data-testid="play-sample" title=label.clone()
                                    aria-label=move || format!("Play {label} of {}", name())
                                    on:click=move |_| crate::browser::audio::play(&url)>"▶"</button>
                            }.into_any()
                        } else {
                            view! { <img src=url alt="" width="48" height="48" /> }.into_any()
                        }}
                        <button type="button" class="remove-sample" data-testid="remove-sample"
                            aria-label=move || format!("Remove this example of {}", name())
                            on:click=move |_| remove(id)>"×"</button>
                    </li>
                }).collect_view()}
            </ul>
        </li>
    }
}

/// The size the samples are read at, and the button that loads them as the data set.
#[component]
pub fn LoadCaptured(source: Source, loader: Loader, disabled: Signal<bool>) -> impl IntoView {
    let captures = captures();
    let problem = move || captures.with(|captures| captures.of(source).problem());
    let total = move || captures.with(|captures| captures.of(source).total());
    let load = move |_| {
        let files: Vec<(Option<String>, String, web_sys::File)> =
            captures.with_untracked(|captures| {
                captures
                    .of(source)
                    .labelled()
                    .into_iter()
                    .filter_map(|(class, path, blob)| {
                        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
                        media::as_file(&blob, &name).map(|file| (Some(class), path, file))
                    })
                    .collect()
            });
        if source.is_sound() {
            loader.sounds(files);
        } else {
            loader.labelled(files);
        }
    };
    view! {
        <div class="capture-load">
            // Sounds have one size: a second's spectrogram.
            {(!source.is_sound()).then(|| view! {
                <label class="field">
                    "Read each example at"
                    <select data-testid="capture-shape" on:change=move |event| {
                        if let Ok(index) = event_target_value(&event).parse::<usize>() {
                            loader.image_shape.set(index);
                        }
                    }>
                        {IMAGE_SHAPES.iter().enumerate().map(|(index, (label, ..))| view! {
                            <option value=index.to_string() selected=move || loader.image_shape.get() == index>{*label}</option>
                        }).collect_view()}
                    </select>
                </label>
            })}
            <button type="button" class="primary" data-testid="load-captured"
                prop:disabled=move || disabled.get() || problem().is_some()
                on:click=load>
                {move || format!("Use these {} examples as the data set", total())}
            </button>
            {move || problem().map(|problem| view! { <p class="hint" data-testid="capture-problem">{problem}</p> })}
        </div>
    }
}
