//! Captured examples kept in the browser's storage with the session, under the same
//! choice as uploaded files ("Keep uploaded files in this browser"): saved a moment after
//! each change while the choice is on, removed when it is turned off, and brought back
//! when the page opens.

use js_sys::Array;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use web_sys::Blob;

use super::classes::{CaptureSignal, Captures};
use super::state::{CaptureSet, Source};
use crate::browser::{clock, media};
use crate::keeping::storage;

/// The session store's key for the captures.
const KEY: &str = "captures";
/// How long after the last change the captures are saved, in milliseconds.
const SETTLE_MS: u32 = 600;

fn set_value(set: &CaptureSet<Blob>) -> JsValue {
    let extension = set.source.extension();
    let classes: Array = set
        .classes
        .iter()
        .map(|class| {
            let files: Vec<web_sys::File> = class
                .samples
                .iter()
                .filter_map(|sample| {
                    let name = if sample.name.is_empty() {
                        format!("{}.{extension}", sample.id)
                    } else {
                        format!("{}-{}", sample.id, sample.name)
                    };
                    media::as_file(&sample.blob, &name)
                })
                .collect();
            storage::record(&[
                ("name", &JsValue::from_str(&class.name)),
                ("files", &storage::files_value(&files)),
            ])
        })
        .collect();
    classes.into()
}

fn read_set(record: &JsValue, source: Source) -> Option<CaptureSet<Blob>> {
    let classes: Array = storage::field(record, source.key())?.into();
    let mut set = CaptureSet::new(source);
    set.classes.clear();
    for (index, class) in classes.iter().enumerate() {
        set.add_class();
        let name = storage::field(&class, "name")
            .and_then(|name| name.as_string())
            .unwrap_or_default();
        set.rename(index, &name);
        for file in storage::files_field(&class, "files").unwrap_or_default() {
            let name = added_name(&file.name());
            let blob: Blob = file.into();
            let url = media::object_url(&blob);
            set.add_named_sample(index, blob, url, name);
        }
    }
    (!set.classes.is_empty()).then_some(set)
}

/// The name of the file a kept sample came from: "12-bark.mp3" was the file "bark.mp3",
/// "12.wav" was recorded here (no name).
fn added_name(kept: &str) -> String {
    match kept.split_once('-') {
        Some((id, name)) if id.bytes().all(|b| b.is_ascii_digit()) => name.to_string(),
        _ => String::new(),
    }
}

/// Brings back the kept captures (when none were made since the page opened), then keeps
/// them after each change while `keep` says so.
pub fn keep(captures: CaptureSignal, keep: Signal<bool>) {
    // Nothing is saved before the kept captures are read back (it would replace them).
    let restored = StoredValue::new(false);
    spawn_local(async move {
        let kept = storage::get(storage::SESSION, KEY).await;
        restored.set_value(true);
        let Ok(Some(record)) = kept else {
            return;
        };
        let _ = captures.try_update(|captures| {
            if captures.camera.total() + captures.drawing.total() + captures.sound.total() > 0 {
                return;
            }
            if let Some(set) = read_set(&record, Source::Camera) {
                captures.camera = set;
            }
            if let Some(set) = read_set(&record, Source::Drawing) {
                captures.drawing = set;
            }
            if let Some(set) = read_set(&record, Source::Sound) {
                captures.sound = set;
            }
            if let Some(mirrored) =
                storage::field(&record, "mirrored").and_then(|value| value.as_bool())
            {
                captures.mirrored = mirrored;
            }
        });
    });
    let pending = StoredValue::new_local(None::<clock::Later>);
    Effect::new(move |first: Option<()>| {
        captures.track();
        let keeping = keep.get();
        if first.is_none() || !restored.get_value() {
            return;
        }
        if !keeping {
            pending.set_value(None);
            spawn_local(async {
                let _ = storage::delete(storage::SESSION, KEY).await;
            });
            return;
        }
        pending.set_value(Some(clock::after(SETTLE_MS, move || save(captures))));
    });
}

fn save(captures: CaptureSignal) {
    let Some(value) = captures.try_with_untracked(|captures: &Captures| {
        storage::record(&[
            ("camera", &set_value(&captures.camera)),
            ("drawing", &set_value(&captures.drawing)),
            ("sound", &set_value(&captures.sound)),
            ("mirrored", &JsValue::from_bool(captures.mirrored)),
        ])
    }) else {
        return;
    };
    spawn_local(async move {
        if let Err(problem) = storage::put(storage::SESSION, KEY, &value).await {
            web_sys::console::warn_1(
                &format!("The captured examples could not be kept: {problem}").into(),
            );
        }
    });
}
