//! A loaded image set: classes with counts and thumbnails, and the augmentation applied
//! while training.

use hearth_core::data::summary::{AUGMENT_PREVIEW_VARIANTS, Augment, ImageSummary};
use leptos::prelude::*;

use crate::context;
use crate::engine::link::send;
use crate::widgets::thumbnail::ThumbnailCanvas;

/// A loaded image set: classes with counts and thumbnails.
#[component]
pub fn ImageView(images: ImageSummary) -> impl IntoView {
    let total: usize = images.classes.iter().map(|(_, count)| count).sum();
    let (width, height) = (images.width, images.height);
    let sound = images.sound.is_some();
    let unit = if sound { "seconds of sound" } else { "images" };
    view! {
        <section class="image-view" aria-label="The loaded images">
            <h3 data-testid="data-name">{images.name.clone()}</h3>
            <p data-testid="data-shape">
                {if sound {
                    format!(
                        "{total} one-second sounds in {} classes, each a spectrogram of {width} frames × {height} mel bands (low pitches at the bottom)",
                        images.classes.len(),
                    )
                } else {
                    format!(
                        "{total} images in {} classes, {width} × {height} {}",
                        images.classes.len(),
                        if images.channels == 1 { "grayscale" } else { "colour" }
                    )
                }}
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
                                <span class="count">{format!("{count} {unit}")}</span>
                                <span class="thumbs">
                                    {thumbs.into_iter().map(|pixels| view! { <ThumbnailCanvas width=width height=height pixels=pixels /> }).collect_view()}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            // A flipped or shifted spectrogram is another sound: sounds are not augmented.
            {(!sound).then(|| view! { <AugmentControls width=width height=height /> })}
        </section>
    }
}

/// The augmentation applied to training images, with examples.
#[component]
pub fn AugmentControls(width: u32, height: u32) -> impl IntoView {
    let data = context::data();
    let link = context::link();
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
                                    {row.iter().map(|t| view! { <ThumbnailCanvas width=width height=height pixels=t.rgba.clone() /> }).collect_view()}
                                </div>
                            })
                            .collect_view()}
                    })
                }}
            </div>
        </fieldset>
    }
}
