//! The microphone: asking for it, hearing its samples as they come (Web Audio), turning it
//! off; and playing a recorded or chosen sound.
//!
//! Samples come through a `ScriptProcessorNode`: deprecated in favour of `AudioWorklet`,
//! but it runs in every browser without a second script file (a worklet is a module the
//! page would have to ship and the Content-Security-Policy allow), and a 4,096-sample
//! buffer on the page's thread is cheap (about 12 a second at 48 kHz).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Samples per buffer handed to the page.
const BUFFER: u32 = 4096;

/// Why the microphone could not be used, in words that say what to do.
pub fn microphone_problem(error: &JsValue) -> String {
    let name = error
        .dyn_ref::<web_sys::DomException>()
        .map(web_sys::DomException::name)
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => "Hearth was not allowed to use the microphone. Allow it in the browser's settings for this site (often the icon in the address bar), then press \"Turn on the microphone\" again. Adding sound files still works.".to_string(),
        "NotFoundError" | "OverconstrainedError" => "No microphone was found. Connect one, then try again. Adding sound files still works.".to_string(),
        "NotReadableError" | "AbortError" => "The microphone is in use by another program or could not start. Close the other program, then try again.".to_string(),
        _ => format!(
            "The microphone could not be started ({}). Adding sound files still works.",
            hearth_core::js::describe(error)
        ),
    }
}

/// The microphone while it is on: its stream and the audio graph that hands its samples
/// to the page. [`Microphone::close`] turns it off.
pub struct Microphone {
    stream: web_sys::MediaStream,
    context: web_sys::AudioContext,
    processor: web_sys::ScriptProcessorNode,
    _on_audio: Closure<dyn FnMut(web_sys::AudioProcessingEvent)>,
}

impl Microphone {
    /// Asks for the microphone (the browser asks the user the first time), then calls
    /// `hear` with each buffer of mono samples.
    pub async fn open(mut hear: impl FnMut(&[f32]) + 'static) -> Result<Microphone, String> {
        let devices = web_sys::window()
            .and_then(|window| window.navigator().media_devices().ok())
            .ok_or_else(|| "This browser offers no microphone to web pages here: it needs a secure page (https, or localhost). Adding sound files still works.".to_string())?;
        let constraints = web_sys::MediaStreamConstraints::new();
        constraints.set_audio(&JsValue::TRUE);
        constraints.set_video(&JsValue::FALSE);
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|error| microphone_problem(&error))?;
        let stream: web_sys::MediaStream = JsFuture::from(promise)
            .await
            .map_err(|error| microphone_problem(&error))?
            .dyn_into()
            .map_err(|_| "The browser gave no microphone stream.".to_string())?;
        let graph = || -> Result<_, JsValue> {
            let context = web_sys::AudioContext::new()?;
            let source = context.create_media_stream_source(&stream)?;
            let processor = context
                .create_script_processor_with_buffer_size_and_number_of_input_channels_and_number_of_output_channels(BUFFER, 1, 1)?;
            source.connect_with_audio_node(&processor)?;
            // A processor hears only while connected onwards; its output stays silent.
            processor.connect_with_audio_node(&context.destination())?;
            Ok((context, processor))
        };
        let (context, processor) = match graph() {
            Ok(graph) => graph,
            Err(error) => {
                super::media::stop(&stream);
                return Err(microphone_problem(&error));
            }
        };
        let on_audio = Closure::<dyn FnMut(web_sys::AudioProcessingEvent)>::new(
            move |event: web_sys::AudioProcessingEvent| {
                if let Ok(samples) = event
                    .input_buffer()
                    .and_then(|buffer| buffer.get_channel_data(0))
                {
                    hear(&samples);
                }
            },
        );
        processor.set_onaudioprocess(Some(on_audio.as_ref().unchecked_ref()));
        // Opened from a click, so the browser lets it run.
        if let Ok(resumed) = context.resume() {
            let _ = JsFuture::from(resumed).await;
        }
        Ok(Microphone {
            stream,
            context,
            processor,
            _on_audio: on_audio,
        })
    }

    /// Samples per second (the device's, often 48,000).
    pub fn rate(&self) -> u32 {
        self.context.sample_rate() as u32
    }

    /// Turns the microphone off (the browser's recording sign goes out).
    pub fn close(self) {
        self.processor.set_onaudioprocess(None);
        let _ = self.processor.disconnect();
        let _ = self.context.close();
        super::media::stop(&self.stream);
    }
}

/// Plays the sound at `url` (a `blob:` URL of a clip or a chosen file).
pub fn play(url: &str) {
    if let Ok(audio) = web_sys::HtmlAudioElement::new_with_src(url) {
        // A refusal (no sound device) only leaves it silent.
        let _ = audio.play();
    }
}

/// `bytes` as a `Blob` of type `kind`.
pub fn blob(bytes: &[u8], kind: &str) -> Option<web_sys::Blob> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let array = js_sys::Uint8Array::from(bytes);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&js_sys::Array::of1(&array), &options)
        .ok()
}
