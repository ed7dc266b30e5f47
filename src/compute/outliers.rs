//! Month-over-month outliers for review: for each indicator and month, each
//! unit's change from the month before is compared with every other unit's
//! change by the modified z-score (Iglewicz and Hoaglin: 0.6745 × (x − median)
//! / MAD, flagged above 3.5). Flagged, never dropped: the data stays as sent.
//! A change is flagged only when it is also material — at least
//! `compute.outlier_min_points` in the indicator's unit and
//! `compute.outlier_min_relative` of the month before — so a reviewer is not
//! shown hundreds of one-point moves (88,9 → 87,6) that merely stand out
//! in a quiet month. Flags come most severe (largest change) first.
//! Reporting rates are left out: they say when reports came, not what was in them.

use std::collections::HashMap;

use serde::Serialize;

use super::figures::Inputs;
use super::national::evaluate_unit;
use crate::config::{IndicatorCatalogue, Registry, Unit, REPORTING_MEASURES};
use crate::domain::Month;

/// Indicator → (value the month before, value this month).
type BeforeAndNow = HashMap<String, (Option<f64>, Option<f64>)>;

/// The score above which a change is unusual.
pub const THRESHOLD: f64 = 3.5;

/// How large a change must be to be worth a reviewer's time (`chiso.toml` [compute]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Materiality {
    /// In the indicator's unit: percentage points for rates.
    pub min_points: f64,
    /// A share of the month before's value: 0.1 = 10 %.
    pub min_relative: f64,
}

impl Materiality {
    /// Both thresholds met; a change from 0 is relatively infinite.
    pub fn is_material(self, previous: f64, value: f64) -> bool {
        let change = (value - previous).abs();
        let relative = if previous.abs() > f64::EPSILON {
            change / previous.abs()
        } else {
            f64::INFINITY
        };
        change >= self.min_points && relative >= self.min_relative
    }
}

impl Outlier {
    /// The change from the month before, in the indicator's unit.
    pub fn change(&self) -> f64 {
        self.value - self.previous
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outlier {
    pub unit_code: String,
    pub unit_name: String,
    pub indicator: String,
    pub month: String,
    pub previous: f64,
    pub value: f64,
    pub score: f64,
}

/// Modified z-scores of `xs`. When most values are equal the median absolute
/// deviation is 0, and the mean absolute deviation stands in (× 1.253314, so
/// both estimate the same spread); `None` when every value is the same.
pub fn modified_z(xs: &[f64]) -> Option<Vec<f64>> {
    let middle = median(xs)?;
    let deviations: Vec<f64> = xs.iter().map(|x| (x - middle).abs()).collect();
    let mad = median(&deviations)?;
    if mad > f64::EPSILON {
        return Some(xs.iter().map(|x| 0.6745 * (x - middle) / mad).collect());
    }
    let mean_ad = deviations.iter().sum::<f64>() / deviations.len() as f64;
    if mean_ad <= f64::EPSILON {
        return None;
    }
    Some(
        xs.iter()
            .map(|x| (x - middle) / (1.253314 * mean_ad))
            .collect(),
    )
}

fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// Flags every unit-month whose change stands out among its group's changes
/// that month, for each indicator; `months` in order, the first only as a base.
pub fn outliers(
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    inputs: &Inputs,
    months: &[Month],
    materiality: Materiality,
) -> Vec<Outlier> {
    let mut out = Vec::new();
    for pair in months.windows(2) {
        let (before, now) = (pair[0], pair[1]);
        // Each unit's values in both months, seen as the units stand in `now`.
        let values: Vec<(&Unit, BeforeAndNow)> = registry
            .valid_in(now)
            .map(|unit| {
                let at = |m: Month| evaluate_unit(registry, indicators, inputs, unit, &[m], now).0;
                let mut by_indicator = BeforeAndNow::new();
                for e in at(before) {
                    by_indicator.entry(e.indicator).or_default().0 = e.value;
                }
                for e in at(now) {
                    by_indicator.entry(e.indicator).or_default().1 = e.value;
                }
                (unit, by_indicator)
            })
            .collect();
        // Reporting rates describe when reports came, not what units sent.
        for indicator in indicators
            .iter()
            .filter(|i| !REPORTING_MEASURES.contains(&i.numerator.as_str()))
        {
            let changes: Vec<(&Unit, f64, f64)> = values
                .iter()
                .filter_map(|(unit, by)| match by.get(&indicator.code) {
                    Some((Some(p), Some(v))) => Some((*unit, *p, *v)),
                    _ => None,
                })
                .collect();
            let deltas: Vec<f64> = changes.iter().map(|(_, p, v)| v - p).collect();
            let Some(scores) = modified_z(&deltas) else {
                continue;
            };
            for ((unit, previous, value), score) in changes.into_iter().zip(scores) {
                if score.abs() > THRESHOLD && materiality.is_material(previous, value) {
                    out.push(Outlier {
                        unit_code: unit.code.to_string(),
                        unit_name: unit.name.clone(),
                        indicator: indicator.code.clone(),
                        month: now.to_string(),
                        previous,
                        value,
                        score,
                    });
                }
            }
        }
    }
    // Most severe first: the largest change, then the most unusual.
    out.sort_by(|a, b| {
        b.change()
            .abs()
            .total_cmp(&a.change().abs())
            .then(b.score.abs().total_cmp(&a.score.abs()))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_change_far_from_the_others_scores_above_the_threshold() {
        let deltas = [1.0, -1.0, 0.5, 0.0, -0.5, 40.0];
        let z = modified_z(&deltas).unwrap();
        // median 0.25, MAD 0.75: 40 scores 0.6745 × 39.75 / 0.75 ≈ 35.7.
        assert!((z[5] - 0.6745 * 39.75 / 0.75).abs() < 1e-9);
        assert!(z[..5].iter().all(|s| s.abs() < THRESHOLD));
    }

    #[test]
    fn only_changes_past_both_thresholds_are_material() {
        let m = Materiality {
            min_points: 5.0,
            min_relative: 0.1,
        };
        assert!(!m.is_material(88.9, 87.6), "a one-point move");
        assert!(m.is_material(40.0, 70.0), "a 30-point jump");
        assert!(m.is_material(70.0, 40.0), "a 30-point fall");
        assert!(!m.is_material(60.0, 65.5), "5,5 points but 9 %");
        assert!(!m.is_material(10_000.0, 10_900.0), "a count up 9 %");
        assert!(m.is_material(0.0, 6.0), "from nothing");
    }

    #[test]
    fn identical_changes_flag_nothing() {
        assert_eq!(modified_z(&[2.0, 2.0, 2.0]), None);
        assert_eq!(modified_z(&[]), None);
    }

    #[test]
    fn when_most_changes_are_zero_the_mean_deviation_still_finds_the_jump() {
        let mut deltas = vec![0.0; 9];
        deltas.push(70.0);
        let z = modified_z(&deltas).unwrap();
        // median 0, MAD 0, mean deviation 7: 70 / (1.253314 × 7) ≈ 7.98.
        assert!((z[9] - 70.0 / (1.253314 * 7.0)).abs() < 1e-9);
        assert!(z[9] > THRESHOLD && z[..9].iter().all(|s| *s == 0.0));
    }
}
