//! Scaling values into the SVG boxes of the page's charts: line charts (the engine check's
//! sparkline, the Train step's loss and accuracy) and the Evaluate step's square plots.

/// The width of the Train step's charts, in SVG units.
pub const CHART_WIDTH: f64 = 320.0;
/// The height of the Train step's charts, in SVG units.
pub const CHART_HEIGHT: f64 = 160.0;

/// The side of the Evaluate step's square plots, in SVG units.
pub const PLOT: f64 = 240.0;
/// The room left around the Evaluate step's plots for their axes' labels.
pub const MARGIN: f64 = 30.0;

/// Where a line chart draws inside its SVG box.
struct Frame {
    /// The x of the first point.
    left: f64,
    /// The width the x range spans.
    width: f64,
    /// The y of the lowest value.
    bottom: f64,
    /// The height the y range spans.
    height: f64,
}

impl Frame {
    /// `values` (x, y) as SVG polyline points: x from 0 to `x_max`, y within `y_range`.
    fn points(&self, values: &[(f64, f64)], x_max: f64, y_range: (f64, f64)) -> String {
        let (low, high) = y_range;
        let span = (high - low).max(1e-12);
        values
            .iter()
            .map(|(x, y)| {
                let px = self.left + x / x_max.max(1e-9) * self.width;
                let py = self.bottom - (y - low) / span * self.height;
                format!("{px:.1},{py:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Scales `losses` into SVG polyline points inside a `width` x `height` box, one point a
/// step, from the highest loss at the top to the lowest at the bottom.
pub fn loss_polyline(losses: &[f32], width: f64, height: f64) -> String {
    if losses.is_empty() {
        return String::new();
    }
    let values: Vec<(f64, f64)> = losses
        .iter()
        .enumerate()
        .map(|(index, loss)| (index as f64, f64::from(*loss)))
        .collect();
    let frame = Frame {
        left: 0.0,
        width,
        bottom: height - 2.0,
        height: height - 4.0,
    };
    let steps = (losses.len().max(2) - 1) as f64;
    frame.points(&values, steps, y_range(values.iter().map(|(_, y)| *y)))
}

/// Points of `values` (x, y) scaled into the Train step's chart box; `x_max` is the x
/// range, `y_range` the y values' (see [`y_range`]).
pub fn chart_points(values: &[(f64, f64)], x_max: f64, y_range: (f64, f64)) -> String {
    let frame = Frame {
        left: 30.0,
        width: CHART_WIDTH - 40.0,
        bottom: CHART_HEIGHT - 20.0,
        height: CHART_HEIGHT - 30.0,
    };
    frame.points(values, x_max, y_range)
}

/// The lowest and highest finite values; 0 to 1 when there is none.
pub fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for value in values.filter(|value| value.is_finite()) {
        low = low.min(value);
        high = high.max(value);
    }
    if low > high { (0.0, 1.0) } else { (low, high) }
}

/// Maps a value in `range` onto a square plot's pixels (y grows downwards when `flip`).
pub fn scale(value: f64, range: (f64, f64), flip: bool) -> f64 {
    let span = (range.1 - range.0).max(1e-12);
    let unit = ((value - range.0) / span).clamp(0.0, 1.0);
    if flip {
        MARGIN + (1.0 - unit) * (PLOT - 2.0 * MARGIN) + MARGIN / 2.0
    } else {
        MARGIN + unit * (PLOT - 2.0 * MARGIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyline_spans_the_box_from_highest_to_lowest_loss() {
        let points = loss_polyline(&[1.0, 0.5, 0.0], 100.0, 50.0);
        assert_eq!(points, "0.0,2.0 50.0,25.0 100.0,48.0");
        assert_eq!(loss_polyline(&[], 100.0, 50.0), "");
        assert_eq!(loss_polyline(&[0.7], 100.0, 50.0), "0.0,48.0");
    }

    #[test]
    fn train_charts_and_square_plots_keep_their_margins() {
        assert_eq!(
            chart_points(&[(0.0, 0.0), (2.0, 1.0)], 2.0, (0.0, 1.0)),
            "30.0,140.0 310.0,10.0"
        );
        assert_eq!(y_range([f64::NAN, 3.0, -1.0].into_iter()), (-1.0, 3.0));
        assert_eq!(y_range(std::iter::empty()), (0.0, 1.0));
        assert!((scale(0.5, (0.0, 1.0), false) - PLOT / 2.0).abs() < 1e-9);
    }
}
