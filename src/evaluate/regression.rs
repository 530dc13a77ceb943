//! A regression's metrics: R², predicted against actual, and the residuals.

use hearth_core::metrics::RegressionMetrics;
use leptos::prelude::*;

use crate::widgets::chart::{MARGIN, PLOT, scale};

/// A regression's headline, predicted against actual, and the residuals.
#[component]
pub fn RegressionView(scores: RegressionMetrics, points: Vec<(f64, f64)>) -> impl IntoView {
    let low = points
        .iter()
        .flat_map(|(a, p)| [*a, *p])
        .fold(f64::INFINITY, f64::min);
    let high = points
        .iter()
        .flat_map(|(a, p)| [*a, *p])
        .fold(f64::NEG_INFINITY, f64::max);
    let range = if low.is_finite() {
        (low, high)
    } else {
        (0.0, 1.0)
    };
    let residuals: Vec<(f64, f64)> = points.iter().map(|(a, p)| (*p, a - p)).collect();
    let worst = residuals
        .iter()
        .map(|(_, r)| r.abs())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let dots = |values: &[(f64, f64)], x: (f64, f64), y: (f64, f64)| {
        values
            .iter()
            .map(|&(px, py)| {
                view! { <circle cx=format!("{:.1}", scale(px, x, false)) cy=format!("{:.1}", scale(py, y, true)) r="2.5" class="dot" /> }
            })
            .collect_view()
    };
    let r2 = scores.r2.map_or("–".to_string(), |r2| format!("{r2:.3}"));
    view! {
        <p class="headline" data-testid="eval-headline">
            <strong>{format!("R² {r2}")}</strong>
            {format!(" on {} test rows · MSE {:.4} · MAE {:.4}", scores.n, scores.mse, scores.mae)}
        </p>
        <div class="charts">
            <figure class="chart" data-testid="predicted-vs-actual">
                <svg viewBox=format!("0 0 {PLOT} {PLOT}") role="img"
                    aria-label=format!("Predicted against actual for {} test rows; R² {r2}; points on the diagonal are exact", scores.n)>
                    <line x1=scale(range.0, range, false) y1=scale(range.0, range, true) x2=scale(range.1, range, false) y2=scale(range.1, range, true) class="diagonal" />
                    {dots(&points, range, range)}
                    <text x=MARGIN y={PLOT - 4.0} class="axis">"actual →"</text>
                    <text x="2" y="12" class="axis">"predicted ↑"</text>
                </svg>
                <figcaption>"Predicted vs actual"</figcaption>
            </figure>
            <figure class="chart" data-testid="residuals">
                <svg viewBox=format!("0 0 {PLOT} {PLOT}") role="img"
                    aria-label=format!("Residuals (actual minus predicted) against predicted; the largest is {worst:.4}")>
                    <line x1=MARGIN y1=scale(0.0, (-worst, worst), true) x2={PLOT - MARGIN} y2=scale(0.0, (-worst, worst), true) class="diagonal" />
                    {dots(&residuals, range, (-worst, worst))}
                    <text x=MARGIN y={PLOT - 4.0} class="axis">"predicted →"</text>
                    <text x="2" y="12" class="axis">"residual ↑"</text>
                </svg>
                <figcaption>"Residuals"</figcaption>
            </figure>
        </div>
    }
}
