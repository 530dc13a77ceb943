//! Use & share's live camera: the model in use classifies the camera's frames several
//! times a second (one at a time: the next frame goes when the last answer is in), and
//! pausing keeps a frame with its saliency map.

use hearth_core::model::summary::PredictInput;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::camera::{Camera, CameraControls, Live, Recorder, SAMPLE_SIZE, stop_stream};
use crate::browser::{clock, media};
use crate::context;
use crate::engine::link::send_files;

/// How often a frame may be sent, in milliseconds (when the last one is answered).
const EVERY_MS: u32 = 200;

/// "Classify the camera live", and the live view once asked.
#[component]
pub fn LiveCamera() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="live-camera">
            {move || if open.get() {
                view! { <LiveFeed on_close=move || open.set(false) /> }.into_any()
            } else {
                view! { <button type="button" data-testid="live-camera" on:click=move |_| open.set(true)>"Classify the camera live"</button> }.into_any()
            }}
        </div>
    }
}

#[component]
fn LiveFeed(on_close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let (link, uses) = (context::link(), context::uses());
    let live = Live::default();
    let recorder = Recorder::new(live.clone());
    let live = send_wrapper::SendWrapper::new(live);
    on_cleanup(move || {
        stop_stream(&live);
        uses.update(|uses| uses.live = false);
    });
    let paused = RwSignal::new(false);
    let sending = StoredValue::new(false);
    uses.update(|uses| uses.live = true);
    recorder.turn_on();
    let tick = move || {
        let ready = recorder.state.get_untracked() == Camera::On;
        if !ready
            || paused.get_untracked()
            || sending.get_value()
            || uses.with_untracked(|uses| uses.pending())
        {
            return;
        }
        let Some(video) = recorder.video.get_untracked() else {
            return;
        };
        sending.set_value(true);
        let mirror = recorder.mirrored.get_untracked();
        spawn_local(async move {
            let file = media::frame(&video, SAMPLE_SIZE, mirror)
                .await
                .and_then(|blob| media::as_file(&blob, "camera.jpg"));
            if let Some(file) = file {
                let name = "camera.jpg".to_string();
                let message = uses.try_update(|uses| uses.ask(PredictInput::ImageFile { name }));
                send_files(link, message, Some(file.as_ref()), &[]);
            }
            sending.set_value(false);
        });
    };
    let ticker = StoredValue::new_local(Some(clock::every(EVERY_MS, tick)));
    let pause = move |pause: bool| {
        paused.set(pause);
        uses.update(|uses| uses.live = !pause);
        if let Some(video) = recorder.video.get_untracked() {
            media::hold(&video, pause);
        }
    };
    let close = move || {
        ticker.set_value(None);
        recorder.turn_off();
        on_close();
    };
    view! {
        <section class="capture live" aria-labelledby="live-title" data-testid="live-feed">
            <h3 id="live-title">"The camera, classified live"</h3>
            <CameraControls recorder />
            {move || match recorder.state.get() {
                Camera::Problem(problem) => Some(view! { <p class="problem" role="alert" data-testid="camera-problem">{problem}</p> }),
                _ => None,
            }}
            <div class="live-view">
                <video node_ref=recorder.video class="camera-preview" class:mirrored=move || recorder.mirrored.get()
                    autoplay muted playsinline data-testid="camera-preview" aria-label="The camera's preview"></video>
                <p class="live-answer" data-testid="live-answer" aria-live="off">{move || now_seen(uses)}</p>
            </div>
            <div class="live-actions">
                {move || if paused.get() {
                    view! { <button type="button" data-testid="live-resume" on:click=move |_| pause(false)>"Go on classifying"</button> }.into_any()
                } else {
                    view! { <button type="button" data-testid="live-pause" on:click=move |_| pause(true)>"Pause on this frame and explain it"</button> }.into_any()
                }}
                <button type="button" data-testid="live-close" on:click=move |_| close()>"Stop"</button>
            </div>
            <p class="hint">"Each frame is classified on this device and not kept. Pausing shows which pixels decided the answer (the saliency map below)."</p>
        </section>
    }
}

/// The latest answer in a few words, beside the preview ("Class 1, 87%"); the bars and the
/// saliency map are below, with every prediction.
pub(crate) fn now_seen(uses: RwSignal<crate::use_share::state::UseState>) -> String {
    uses.with(|uses| {
        let prediction = uses.prediction.as_ref()?;
        let model = uses.model.as_ref()?;
        let best = model
            .labels
            .iter()
            .position(|label| *label == prediction.predicted)
            .and_then(|index| prediction.outputs.get(index))?;
        Some(format!(
            "{}, {}",
            prediction.predicted,
            crate::widgets::format::percent(f64::from(*best))
        ))
    })
    .unwrap_or_else(|| "Looking…".to_string())
}
