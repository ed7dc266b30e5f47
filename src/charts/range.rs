//! What a chart may be given: plotters computes its ticks from the range, and
//! a range of `inf`, `NaN` or 1e307 makes it loop or spin. Values beyond what
//! a chart can show are left out and the chart says so in a note; the
//! validator already bounds what units send, this keeps any value that slips
//! through (a sum, a rate) from taking a web worker down.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::svg::Series;
use super::FONT_FAMILY;

/// Largest magnitude drawn: far above any count or rate chiso shows.
pub const PLOTTABLE_LIMIT: f64 = 1e12;

/// The note a chart carries when it left values out, in the current
/// language (mails: Vietnamese).
pub fn out_of_range_note() -> String {
    crate::t!("chart-out-of-range")
}

/// `values` with anything non-finite or beyond `PLOTTABLE_LIMIT` made a gap;
/// `true` when something was left out.
pub fn plottable(values: &[Option<f64>]) -> (Vec<Option<f64>>, bool) {
    let mut dropped = false;
    let kept = values
        .iter()
        .map(|v| match v {
            Some(x) if x.is_finite() && x.abs() <= PLOTTABLE_LIMIT => Some(*x),
            Some(_) => {
                dropped = true;
                None
            }
            None => None,
        })
        .collect();
    (kept, dropped)
}

/// An axis top for `top`: finite, positive and at least `floor`.
pub fn axis_top(top: f64, floor: f64) -> f64 {
    if top.is_finite() && top > floor {
        top.min(PLOTTABLE_LIMIT)
    } else {
        floor
    }
}

/// The series with values no chart can draw made gaps (`range::plottable`);
/// `true` when any was left out.
pub(super) fn drawable(series: &[Series]) -> (Vec<Series>, bool) {
    let mut dropped = false;
    let kept = series
        .iter()
        .map(|s| {
            let (values, d) = plottable(&s.values);
            dropped |= d;
            Series {
                values,
                ..s.clone()
            }
        })
        .collect();
    (kept, dropped)
}

/// The out-of-range note, at the bottom left.
pub(super) fn note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    size: (u32, u32),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = TextStyle::from((FONT_FAMILY, 11).into_font()).color(&super::svg::PALETTE[1]);
    let y = i32::try_from(size.1).unwrap_or(i32::MAX).saturating_sub(14);
    root.draw_text(&out_of_range_note(), &style, (6, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_and_huge_values_become_gaps() {
        let (kept, dropped) = plottable(&[
            Some(1.0),
            Some(f64::NAN),
            None,
            Some(f64::INFINITY),
            Some(-1e308),
            Some(1e12),
        ]);
        assert!(dropped);
        assert_eq!(kept, vec![Some(1.0), None, None, None, None, Some(1e12)]);
        assert_eq!(
            plottable(&[Some(2.0), None]),
            (vec![Some(2.0), None], false)
        );
    }

    #[test]
    fn axis_tops_are_finite_and_positive() {
        assert_eq!(axis_top(f64::NAN, 100.0), 100.0);
        assert_eq!(axis_top(f64::INFINITY, 100.0), 100.0);
        assert_eq!(axis_top(0.0, 1.0), 1.0);
        assert_eq!(axis_top(250.0, 100.0), 250.0);
        assert_eq!(axis_top(1e300, 1.0), PLOTTABLE_LIMIT);
    }
}
