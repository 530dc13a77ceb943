//! "Record sounds": the microphone with a level meter, a hold-to-record button per class
//! (every second held becomes one example) and sound files added to a class; and Use &
//! share's live microphone and sound file for a sound model. The microphone turns on only
//! when asked, and off when the view goes.

use std::cell::RefCell;
use std::rc::Rc;

use hearth_core::model::summary::PredictInput;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::classes::{
    ClassList, LoadCaptured, add, add_named, captures, class_name, revealed_section,
};
use super::listening::{Listening, wav};
use super::state::Source;
use crate::browser::audio::{self, Microphone};
use crate::browser::clock::{self, Ticker};
use crate::browser::{files, media};
use crate::context;
use crate::data::loading::Loader;
use crate::engine::link::send_files;

/// How often the level meter (and the live view) looks at the microphone, in milliseconds.
const METER_MS: u32 = 100;
/// How often the live view may ask the model, in milliseconds (when the last answer is in).
const LIVE_MS: u32 = 250;

/// The microphone's state as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Mic {
    Off,
    Starting,
    On,
    Problem(String),
}

/// The microphone while it is on, shared with the view's cleanup.
type MicSlot = Rc<RefCell<Option<Microphone>>>;
/// What it heard, shared with the audio callback.
type Heard = Rc<RefCell<Option<Listening>>>;

/// The microphone, what it heard and the recording, as the views' handlers use them.
#[derive(Clone, Copy)]
pub struct Ears {
    mic: StoredValue<MicSlot, LocalStorage>,
    heard: StoredValue<Heard, LocalStorage>,
    pub state: RwSignal<Mic>,
    /// The latest tenth of a second's loudness, 0 to 1.
    pub level: RwSignal<f64>,
    /// The class whose button is held.
    holding: RwSignal<Option<usize>>,
    meter: StoredValue<Option<Ticker>, LocalStorage>,
}

fn close(slot: &MicSlot) {
    if let Some(mic) = slot.borrow_mut().take() {
        mic.close();
    }
}

impl Ears {
    /// Ears on `slot` (the view's cleanup closes what is in it).
    fn new(slot: MicSlot) -> Ears {
        Ears {
            mic: StoredValue::new_local(slot),
            heard: StoredValue::new_local(Heard::default()),
            state: RwSignal::new(Mic::Off),
            level: RwSignal::new(0.0),
            holding: RwSignal::new(None),
            meter: StoredValue::new_local(None),
        }
    }

    /// The latest second heard, and its sample rate.
    fn last_second(self) -> Option<(Vec<f32>, u32)> {
        let heard = self.heard.try_get_value()?;
        let heard = heard.borrow();
        let listening = heard.as_ref()?;
        Some((listening.last_second(), listening.rate()))
    }

    /// Turns the microphone on; each second recorded goes to the held class.
    fn turn_on(self) {
        self.turn_off();
        self.state.set(Mic::Starting);
        let captures = captures();
        let Some(heard) = self.heard.try_get_value() else {
            return;
        };
        let hear = {
            let heard = heard.clone();
            move |samples: &[f32]| {
                let clips = heard
                    .borrow_mut()
                    .as_mut()
                    .map(|listening| (listening.hear(samples), listening.rate()));
                if let Some((clips, rate)) = clips {
                    for (class, clip) in clips {
                        keep_clip(captures, class, &clip, rate);
                    }
                }
            }
        };
        spawn_local(async move {
            match Microphone::open(hear).await {
                Ok(mic) => {
                    // The view went while the browser asked: off.
                    let Some(slot) = self.mic.try_get_value() else {
                        mic.close();
                        return;
                    };
                    *heard.borrow_mut() = Some(Listening::new(mic.rate()));
                    if let Some(old) = slot.borrow_mut().replace(mic) {
                        old.close();
                    }
                    self.state.set(Mic::On);
                    let meter = clock::every(METER_MS, move || {
                        let level = heard.borrow().as_ref().map_or(0.0, Listening::level);
                        self.level.set(level);
                    });
                    self.meter.set_value(Some(meter));
                }
                Err(problem) => self.state.set(Mic::Problem(problem)),
            }
        });
    }

    /// Stops recording and turns the microphone off.
    fn turn_off(self) {
        self.stop();
        self.meter.set_value(None);
        if let Some(slot) = self.mic.try_get_value() {
            close(&slot);
        }
        if let Some(heard) = self.heard.try_get_value() {
            heard.borrow_mut().take();
        }
        let _ = self.level.try_set(0.0);
    }

    /// Records seconds into `class` until [`Ears::stop`].
    fn start(self, class: usize) {
        if self.state.get_untracked() != Mic::On || self.holding.get_untracked().is_some() {
            return;
        }
        if let Some(heard) = self.heard.try_get_value()
            && let Some(listening) = heard.borrow_mut().as_mut()
        {
            listening.start(class);
            self.holding.set(Some(class));
        }
    }

    /// Stops recording; the last part is kept when it is half a second or more.
    fn stop(self) {
        let _ = self.holding.try_set(None);
        let Some(heard) = self.heard.try_get_value() else {
            return;
        };
        let rest = heard
            .borrow_mut()
            .as_mut()
            .and_then(|listening| Some((listening.stop()?, listening.rate())));
        if let Some(((class, clip), rate)) = rest {
            keep_clip(captures(), class, &clip, rate);
        }
    }
}

/// A recorded clip as a WAV example of `class`.
fn keep_clip(captures: super::classes::CaptureSignal, class: usize, clip: &[f32], rate: u32) {
    if let Some(blob) = audio::blob(&wav(clip, rate), "audio/wav") {
        add(captures, Source::Sound, class, blob);
    }
}

/// The sound capture view.
#[component]
pub fn SoundCapture(loader: Loader, disabled: Signal<bool>) -> impl IntoView {
    let slot = MicSlot::default();
    let ears = Ears::new(slot.clone());
    let slot = send_wrapper::SendWrapper::new(slot);
    on_cleanup(move || close(&slot));
    let record = move |class: usize| {
        view! {
            <SoundRecordButton ears class />
            <AddSoundFiles class />
        }
    };
    let section = revealed_section();
    view! {
        <section node_ref=section class="capture sound-capture" aria-labelledby="sound-title" data-testid="sound-capture">
            <h3 id="sound-title">"Record sounds"</h3>
            <p class="hint">
                "The first class is the room's own background noise: record 20 seconds or more of it as it is, so that the model can tell when none of your sounds is playing. "
                "Then name a class for each sound and hold its button (or Space) while it plays: every second becomes one example. "
                "Or add sound files (WAV, MP3, Ogg, FLAC) to a class: each second of a file becomes an example. Sounds stay on this device."
            </p>
            <MicControls ears />
            <ClassList source=Source::Sound record=record />
            <LoadCaptured source=Source::Sound loader disabled />
        </section>
    }
}

/// On and off, the level meter, and what went wrong.
#[component]
fn MicControls(ears: Ears) -> impl IntoView {
    let state = ears.state;
    view! {
        <div class="camera-controls mic-controls">
            {move || if matches!(state.get(), Mic::On | Mic::Starting) {
                view! { <button type="button" data-testid="mic-off" on:click=move |_| { ears.turn_off(); state.set(Mic::Off); }>"Turn off the microphone"</button> }.into_any()
            } else {
                view! { <button type="button" class="primary" data-testid="mic-on" on:click=move |_| ears.turn_on()>"Turn on the microphone"</button> }.into_any()
            }}
            <label class="inline">
                "Level"
                <meter min="0" max="1" low="0.15" high="0.9" optimum="0.5" data-testid="mic-level"
                    prop:value=move || ears.level.get()></meter>
            </label>
        </div>
        {move || match state.get() {
            Mic::Problem(problem) => Some(view! { <p class="problem" role="alert" data-testid="mic-problem">{problem}</p> }.into_any()),
            Mic::Starting => Some(view! { <p class="hint">"Starting the microphone… (the browser may ask you to allow it)"</p> }.into_any()),
            _ => None,
        }}
    }
}

/// A class's record button: held (pointer, touch, Space or Enter), it records seconds.
#[component]
fn SoundRecordButton(ears: Ears, class: usize) -> impl IntoView {
    let captures = captures();
    let holding = move || ears.holding.get() == Some(class);
    let stop = move || {
        if ears.holding.get_untracked() == Some(class) {
            ears.stop();
        }
    };
    view! {
        <button type="button" class="record" data-testid=format!("record-{class}")
            aria-label=move || format!("Hold to record sounds of {}", class_name(captures, Source::Sound, class))
            class:recording=holding
            aria-pressed=move || holding().to_string()
            prop:disabled=move || ears.state.get() != Mic::On
            on:pointerdown=move |event| {
                media::hold_pointer(&event);
                ears.start(class);
            }
            on:pointerup=move |_| stop()
            on:pointercancel=move |_| stop()
            on:lostpointercapture=move |_| stop()
            on:contextmenu=move |event| event.prevent_default()
            on:keydown=move |event| {
                if (event.key() == " " || event.key() == "Enter") && !event.repeat() {
                    event.prevent_default();
                    ears.start(class);
                }
            }
            on:keyup=move |event| if event.key() == " " || event.key() == "Enter" { stop() }
            on:blur=move |_| stop()>
            {move || if holding() { "Recording…" } else { "Hold to record" }}
        </button>
    }
}

/// "Add sound files" to a class.
#[component]
fn AddSoundFiles(class: usize) -> impl IntoView {
    let captures = captures();
    view! {
        <label class="button small">
            "Add sound files"
            <input type="file" multiple accept="audio/*,.wav,.mp3,.ogg,.oga,.flac"
                data-testid=format!("add-sounds-{class}")
                aria-label=move || format!("Add sound files to {}", class_name(captures, Source::Sound, class))
                on:change=move |event| {
                    for (name, file) in files::input_files(&event) {
                        add_named(captures, Source::Sound, class, file.into(), name);
                    }
                } />
        </label>
    }
}

/// Use & share for a sound model: a sound file, and the microphone live.
#[component]
pub fn SoundInputs() -> impl IntoView {
    let (link, uses) = (context::link(), context::uses());
    let open = RwSignal::new(false);
    view! {
        <label class="field">
            "Choose a sound file (WAV, MP3, Ogg, FLAC; its loudest second is classified)"
            <input type="file" accept="audio/*,.wav,.mp3,.ogg,.oga,.flac" data-testid="predict-sound" on:change=move |event| {
                if let Some((name, file)) = files::input_files(&event).into_iter().next() {
                    let message = uses.try_update(|uses| uses.ask(PredictInput::ImageFile { name }));
                    send_files(link, message, Some(file.as_ref()), &[]);
                }
            } />
        </label>
        <div class="live-camera">
            {move || if open.get() {
                view! { <LiveMicrophone on_close=move || open.set(false) /> }.into_any()
            } else {
                view! { <button type="button" data-testid="live-mic" on:click=move |_| open.set(true)>"Classify the microphone live"</button> }.into_any()
            }}
        </div>
    }
}

/// The microphone, classified live: the latest second, several times a second (one at a
/// time: the next goes when the last answer is in).
#[component]
fn LiveMicrophone(on_close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let (link, uses) = (context::link(), context::uses());
    let slot = MicSlot::default();
    let ears = Ears::new(slot.clone());
    let slot = send_wrapper::SendWrapper::new(slot);
    on_cleanup(move || {
        close(&slot);
        uses.update(|uses| uses.live = false);
    });
    uses.update(|uses| uses.live = true);
    ears.turn_on();
    let tick = move || {
        if ears.state.get_untracked() != Mic::On || uses.with_untracked(|uses| uses.pending()) {
            return;
        }
        let Some((samples, sample_rate)) = ears.last_second() else {
            return;
        };
        // Wait for half a second of sound after turning on.
        if (samples.len() as u32) < sample_rate / 2 {
            return;
        }
        let message = uses.try_update(|uses| {
            uses.ask(PredictInput::Recording {
                samples,
                sample_rate,
            })
        });
        send_files(link, message, None, &[]);
    };
    let ticker = StoredValue::new_local(Some(clock::every(LIVE_MS, tick)));
    let stop = move || {
        ticker.set_value(None);
        ears.turn_off();
        on_close();
    };
    view! {
        <section class="capture live" aria-labelledby="live-mic-title" data-testid="live-mic-feed">
            <h3 id="live-mic-title">"The microphone, classified live"</h3>
            <MicControls ears />
            <p class="live-answer" data-testid="live-answer" aria-live="off">{move || super::live::now_seen(uses)}</p>
            <div class="live-actions">
                <button type="button" data-testid="live-close" on:click=move |_| stop()>"Stop"</button>
            </div>
            <p class="hint">"The latest second is classified four times a second, on this device, and not kept."</p>
        </section>
    }
}
