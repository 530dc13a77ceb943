//! The engine's widgets: the backend switch in the header, the engine check in the Train
//! step, and the status bar at the bottom.

use leptos::prelude::*;

use crate::browser;
use crate::context;
use crate::engine::link::send;
use crate::engine::status::EngineStatus;
use crate::widgets::chart::loss_polyline;

/// Which backend computes, and the switch to force the CPU.
#[component]
pub fn BackendControl() -> impl IntoView {
    let (status, link) = (context::status(), context::link());
    // The choice is kept for the next visit, and a running engine starts again on it.
    let on_force_cpu = move |force_cpu: bool| {
        browser::preferences::save_force_cpu(force_cpu);
        let message = status
            .try_update(|status| status.set_force_cpu(force_cpu))
            .flatten();
        send(link, message);
    };
    let label = move || status.with(|status| status.backend_label());
    let force_cpu = move || status.with(|status| status.force_cpu);
    view! {
        <div class="backend">
            <span data-testid="backend" data-threads=move || status.with(|status| status.threads.to_string())>
                "Backend: " <strong>{label}</strong>
            </span>
            <label class="toggle">
                <input
                    type="checkbox"
                    data-testid="force-cpu"
                    prop:checked=force_cpu
                    on:change=move |event| on_force_cpu(event_target_checked(&event))
                />
                "Force CPU"
            </label>
        </div>
    }
}

/// Trains a tiny network in the engine and shows its loss falling.
#[component]
pub fn EngineCheck() -> impl IntoView {
    let (status, link) = (context::status(), context::link());
    let on_run = move || {
        let message = status
            .try_update(|status| status.start_self_test())
            .flatten();
        send(link, message);
    };
    let ready = move || status.with(|status| status.is_ready() && !status.self_test.running);
    let result = move || {
        status.with(|status| {
            let test = &status.self_test;
            let (first, last) = (test.losses.first()?, test.losses.last()?);
            let speed = test
                .steps_per_second
                .map(|speed| format!(" at {speed:.0} steps per second"))
                .unwrap_or_default();
            Some(format!(
                "Loss {first:.3} → {last:.3} over {} steps{speed} on {}.",
                test.losses.len(),
                status.backend_label()
            ))
        })
    };
    let points = move || status.with(|status| loss_polyline(&status.self_test.losses, 240.0, 60.0));
    let notice = move || status.with(|status| status.notice.clone());
    view! {
        <div class="engine-check">
            <h3>"Engine check"</h3>
            <p>"Trains a tiny network for a few steps, to show that the engine computes on this device."</p>
            <button type="button" data-testid="self-test" prop:disabled=move || !ready() on:click=move |_| on_run()>
                "Run engine check"
            </button>
            <svg class="sparkline" class:empty=move || status.with(|status| status.self_test.losses.is_empty())
                viewBox="0 0 240 60" width="240" height="60" role="img" aria-label="Loss per step">
                <polyline points=points fill="none" stroke="currentColor" stroke-width="2" />
            </svg>
            <p data-testid="self-test-result" aria-live="polite">{result}</p>
            <p class="notice" role="status">{notice}</p>
        </div>
    }
}

/// The engine's loading progress and state, always visible at the bottom.
#[component]
pub fn EngineStatusBar(on_restart: impl Fn() + 'static) -> impl IntoView {
    let status = context::status();
    let summary = move || status.with(|status| status.summary());
    let fraction = move || status.with(|status| status.loading_fraction());
    let failed = move || status.with(EngineStatus::has_failed);
    view! {
        <footer class="statusbar" class:failed=failed>
            <progress max="1" value=move || fraction().map(|value| value.to_string()) aria-label="Engine loading"></progress>
            <span data-testid="engine-status" role="status">{summary}</span>
            <button type="button" data-testid="restart-engine" hidden=move || !failed()
                on:click=move |_| on_restart()>"Restart the engine"</button>
        </footer>
    }
}
