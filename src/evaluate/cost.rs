//! What training cost: size, arithmetic, time and where it ran.

use leptos::prelude::*;

use crate::widgets::format::{bytes_label, duration};

/// A large count in words: 1.2 million, 3.4 billion (GFLOPs read poorly to most users).
fn large(value: f64) -> String {
    match value {
        v if v >= 1e15 => format!("{:.1} quadrillion", v / 1e15),
        v if v >= 1e12 => format!("{:.1} trillion", v / 1e12),
        v if v >= 1e9 => format!("{:.1} billion", v / 1e9),
        v if v >= 1e6 => format!("{:.1} million", v / 1e6),
        v => hearth_core::text::thousands(v.round() as u64),
    }
}

/// What training cost: size, arithmetic, time and where it ran.
#[component]
pub fn CostView(cost: hearth_core::metrics::Cost) -> impl IntoView {
    let rows = [
        ("Parameters", hearth_core::text::thousands(cost.parameters)),
        (
            "Model size (weights as float32)",
            bytes_label(cost.model_bytes as f64),
        ),
        (
            "Forward pass, per example",
            format!("{} FLOPs", large(cost.forward_flops as f64)),
        ),
        (
            "Backward pass, per example (counted as 2× forward)",
            format!("{} FLOPs", large(cost.backward_flops as f64)),
        ),
        (
            "Training, in all",
            format!(
                "{} FLOPs over {} examples ({})",
                large(cost.training_flops),
                hearth_core::text::thousands(cost.examples),
                hearth_core::text::counted(cost.epochs as u64, "epoch")
            ),
        ),
        (
            "Wall time",
            if cost.seconds < 60.0 {
                format!("{:.1} s", cost.seconds)
            } else {
                duration(cost.seconds)
            },
        ),
        (
            "Speed",
            format!("{:.0} examples per second", cost.examples_per_second),
        ),
        ("Backend", cost.backend.clone()),
    ];
    view! {
        <h3>"Cost of the run"</h3>
        <table class="metrics cost" data-testid="cost">
            <tbody>
                {rows.into_iter().map(|(name, value)| view! { <tr><th scope="row">{name}</th><td>{value}</td></tr> }).collect_view()}
            </tbody>
        </table>
        <p class="hint">"FLOPs count a multiply-add as two. No energy figure is shown: this page cannot measure power, and a guess would not be worth reading."</p>
    }
}
