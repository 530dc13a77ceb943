//! "Capture from the camera": a live preview, the camera to use, mirroring, and a
//! hold-to-record button per class. The camera turns on only when asked, and off when
//! the view goes (leaving the Data step) or the user turns it off.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::classes::{ClassList, LoadCaptured, add, captures, class_name, revealed_section};
use super::state::Source;
use crate::browser::clock::{self, Ticker};
use crate::browser::media::{self, CameraChoice};
use crate::data::loading::Loader;

/// Samples per second while a record button is held.
const RATE: u32 = 8;
/// A sample's side in pixels (the largest centred square of the frame, scaled).
pub(crate) const SAMPLE_SIZE: u32 = 128;

/// The camera's state as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Camera {
    Off,
    Starting,
    On,
    Problem(String),
}

/// The camera, its preview and the recording, as the view's handlers use them. Cheap to
/// copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Recorder {
    pub(crate) video: NodeRef<leptos::html::Video>,
    /// The camera's stream while it is on; shared with the view's cleanup, which runs
    /// after the reactive values are gone.
    stream: StoredValue<Live, LocalStorage>,
    pub(crate) state: RwSignal<Camera>,
    pub(crate) mirrored: RwSignal<bool>,
    choice: RwSignal<CameraChoice>,
    devices: RwSignal<Vec<(String, String)>>,
    recording: StoredValue<Option<Ticker>, LocalStorage>,
    /// The class whose button is held.
    holding: RwSignal<Option<usize>>,
}

/// The stream while the camera is on.
pub(crate) type Live = Rc<RefCell<Option<web_sys::MediaStream>>>;

/// Turns off the camera of `live`, if on.
pub(crate) fn stop_stream(live: &Live) {
    if let Some(stream) = live.borrow_mut().take() {
        media::stop(&stream);
    }
}

impl Recorder {
    pub(crate) fn new(live: Live) -> Recorder {
        Recorder {
            video: NodeRef::new(),
            stream: StoredValue::new_local(live),
            state: RwSignal::new(Camera::Off),
            mirrored: RwSignal::new(captures().with_untracked(|captures| captures.mirrored)),
            choice: RwSignal::new(CameraChoice::Front),
            devices: RwSignal::new(Vec::new()),
            recording: StoredValue::new_local(None),
            holding: RwSignal::new(None),
        }
    }

    /// Stops recording and turns the camera off.
    pub(crate) fn turn_off(self) {
        self.stop();
        if let Some(live) = self.stream.try_get_value() {
            stop_stream(&live);
        }
        if let Some(video) = self.video.get_untracked() {
            media::show(&video, None);
        }
    }

    /// Turns the chosen camera on (the one on before goes off), then lists the cameras
    /// (their names are known once one is allowed).
    pub(crate) fn turn_on(self) {
        self.turn_off();
        self.state.set(Camera::Starting);
        spawn_local(async move {
            match media::open_camera(&self.choice.get_untracked()).await {
                Ok(opened) => {
                    // The view went while the browser asked (the user left the step): off.
                    let Some(live) = self.stream.try_get_value() else {
                        media::stop(&opened);
                        return;
                    };
                    // (Not `opened.clone()`: that is MediaStream.clone(), a second stream.)
                    if let Some(old) = live.borrow_mut().replace(Clone::clone(&opened)) {
                        media::stop(&old);
                    }
                    if let Some(video) = self.video.get_untracked() {
                        media::show(&video, Some(&opened));
                    }
                    self.state.set(Camera::On);
                    self.devices.set(media::cameras().await);
                }
                Err(problem) => self.state.set(Camera::Problem(problem)),
            }
        });
    }

    /// Records frames into `class` at a steady rate until [`Recorder::stop`].
    fn start(self, captures: super::classes::CaptureSignal, class: usize) {
        if self.state.get_untracked() != Camera::On || self.holding.get_untracked().is_some() {
            return;
        }
        self.holding.set(Some(class));
        let take = move || {
            let Some(video) = self.video.get_untracked() else {
                return;
            };
            let mirror = self.mirrored.get_untracked();
            spawn_local(async move {
                if let Some(blob) = media::frame(&video, SAMPLE_SIZE, mirror).await {
                    add(captures, Source::Camera, class, blob);
                }
            });
        };
        take();
        self.recording
            .set_value(Some(clock::every(1000 / RATE, take)));
    }

    fn stop(self) {
        self.recording.set_value(None);
        self.holding.set(None);
    }
}

/// The camera capture view.
#[component]
pub fn CameraCapture(loader: Loader, disabled: Signal<bool>) -> impl IntoView {
    let live = Live::default();
    let recorder = Recorder::new(live.clone());
    let live = send_wrapper::SendWrapper::new(live);
    on_cleanup(move || stop_stream(&live));
    let record = move |class: usize| view! { <RecordButton recorder class /> };
    let state = recorder.state;
    // Camera examples are read in colour unless the user chose a size already.
    if loader.image_shape.get_untracked() == 0 {
        loader.image_shape.set(1);
    }
    let section = revealed_section();
    view! {
        <section node_ref=section class="capture camera-capture" aria-labelledby="camera-title" data-testid="camera-capture">
            <h3 id="camera-title">"Capture from the camera"</h3>
            <p class="hint">"Name a class, show it to the camera, and hold its button (or Space) to record examples, "
                {RATE}" a second. Frames stay on this device."</p>
            <CameraControls recorder />
            {move || match state.get() {
                Camera::Problem(problem) => Some(view! { <p class="problem" role="alert" data-testid="camera-problem">{problem}</p> }.into_any()),
                Camera::Starting => Some(view! { <p class="hint">"Starting the camera… (the browser may ask you to allow it)"</p> }.into_any()),
                _ => None,
            }}
            <video node_ref=recorder.video class="camera-preview" class:mirrored=move || recorder.mirrored.get()
                class:off=move || state.get() != Camera::On
                autoplay muted playsinline data-testid="camera-preview"
                aria-label="The camera's preview"></video>
            <ClassList source=Source::Camera record=record />
            <LoadCaptured source=Source::Camera loader disabled />
        </section>
    }
}

/// A class's record button: held (pointer, touch, Space or Enter), it records.
#[component]
fn RecordButton(recorder: Recorder, class: usize) -> impl IntoView {
    let captures = captures();
    let holding = move || recorder.holding.get() == Some(class);
    // Only this class's recording: pressing another button blurs this one.
    let stop = move || {
        if recorder.holding.get_untracked() == Some(class) {
            recorder.stop();
        }
    };
    view! {
        <button type="button" class="record" data-testid=format!("record-{class}")
            aria-label=move || format!("Hold to record examples of {}", class_name(captures, Source::Camera, class))
            class:recording=holding
            aria-pressed=move || holding().to_string()
            prop:disabled=move || recorder.state.get() != Camera::On
            on:pointerdown=move |event| {
                media::hold_pointer(&event);
                recorder.start(captures, class);
            }
            on:pointerup=move |_| stop()
            on:pointercancel=move |_| stop()
            on:lostpointercapture=move |_| stop()
            on:contextmenu=move |event| event.prevent_default()
            on:keydown=move |event| {
                if (event.key() == " " || event.key() == "Enter") && !event.repeat() {
                    event.prevent_default();
                    recorder.start(captures, class);
                }
            }
            on:keyup=move |event| if event.key() == " " || event.key() == "Enter" { stop() }
            on:blur=move |_| stop()>
            {move || if holding() { "Recording…" } else { "Hold to record" }}
        </button>
    }
}

/// On and off, which camera, mirroring.
#[component]
pub fn CameraControls(recorder: Recorder) -> impl IntoView {
    let (state, choice) = (recorder.state, recorder.choice);
    let options = move || {
        let mut options = vec![
            ("front".to_string(), "Front camera (facing you)".to_string()),
            ("back".to_string(), "Back camera".to_string()),
        ];
        for (index, (id, label)) in recorder.devices.get().into_iter().enumerate() {
            let label = if label.is_empty() {
                format!("Camera {}", index + 1)
            } else {
                label
            };
            options.push((format!("device:{id}"), label));
        }
        options
    };
    let chosen = move || match choice.get() {
        CameraChoice::Front => "front".to_string(),
        CameraChoice::Back => "back".to_string(),
        CameraChoice::Device(id) => format!("device:{id}"),
    };
    view! {
        <div class="camera-controls">
            {move || if matches!(state.get(), Camera::On | Camera::Starting) {
                view! { <button type="button" data-testid="camera-off" on:click=move |_| { recorder.turn_off(); state.set(Camera::Off); }>"Turn off the camera"</button> }.into_any()
            } else {
                view! { <button type="button" class="primary" data-testid="camera-on" on:click=move |_| recorder.turn_on()>"Turn on the camera"</button> }.into_any()
            }}
            <label class="field inline">
                "Camera"
                <select data-testid="camera-choice" prop:value=chosen on:change=move |event| {
                    let value = event_target_value(&event);
                    choice.set(match value.as_str() {
                        "back" => CameraChoice::Back,
                        other => other.strip_prefix("device:").map_or(CameraChoice::Front, |id| CameraChoice::Device(id.to_string())),
                    });
                    if state.get_untracked() == Camera::On {
                        recorder.turn_on();
                    }
                }>
                    {move || options().into_iter().map(|(value, label)| {
                        let selected = value == chosen();
                        view! { <option value=value selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="inline">
                <input type="checkbox" data-testid="camera-mirror" prop:checked=move || recorder.mirrored.get()
                    on:change=move |event| {
                        let mirrored = event_target_checked(&event);
                        recorder.mirrored.set(mirrored);
                        captures().update(|captures| captures.mirrored = mirrored);
                    } />
                "Mirror (as in a mirror; the examples are mirrored too)"
            </label>
        </div>
    }
}
