//! National figures for every indicator, shown both ways and labelled: the
//! pooled rate (Σ numerators ÷ Σ denominators, every dossier weighs the same)
//! and the mean of unit rates (every unit weighs the same), with the coverage
//! each rests on. Missing data is left out and counted, never taken as 0.

use serde::{Deserialize, Serialize};

use super::national::GroupRanking;
use crate::config::{IndicatorCatalogue, ValueUnit};
use crate::domain::RankingGroup;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NationalFigure {
    pub indicator: String,
    /// `None`: every group the indicator applies to, together.
    pub group: Option<RankingGroup>,
    /// Σ numerators ÷ Σ denominators × 100 for a ratio; the total for a count;
    /// `None` for a percent or score reported as such (it has no pool).
    pub pooled: Option<f64>,
    /// The plain mean of the units' values.
    pub mean_of_units: Option<f64>,
    pub units_with_data: usize,
    pub units_expected: usize,
    /// Unit-months with figures, of those expected.
    pub reports_with_data: usize,
    pub reports_expected: usize,
}

/// One figure per indicator and group it applies to, then one per indicator
/// over all its groups, in catalogue order.
pub fn national_figures(
    indicators: &IndicatorCatalogue,
    groups: &[GroupRanking],
) -> Vec<NationalFigure> {
    let mut out = Vec::new();
    for indicator in indicators.iter() {
        let applicable: Vec<&GroupRanking> = groups
            .iter()
            .filter(|g| indicator.applies_to_group(g.group))
            .collect();
        for g in &applicable {
            out.push(figure(&indicator.code, indicator.unit, Some(g.group), &[g]));
        }
        if applicable.len() > 1 {
            out.push(figure(&indicator.code, indicator.unit, None, &applicable));
        }
    }
    out
}

fn figure(
    code: &str,
    unit: ValueUnit,
    group: Option<RankingGroup>,
    groups: &[&GroupRanking],
) -> NationalFigure {
    let evaluations: Vec<_> = groups
        .iter()
        .flat_map(|g| g.units.iter())
        .filter_map(|u| u.evaluations.iter().find(|e| e.indicator == code))
        .collect();
    let valued: Vec<f64> = evaluations.iter().filter_map(|e| e.value).collect();
    let ratio: Vec<(f64, f64)> = evaluations
        .iter()
        .filter(|e| e.value.is_some())
        .filter_map(|e| Some((e.numerator?, e.denominator?)))
        .collect();
    let pooled = if !ratio.is_empty() {
        let (num, den) = ratio
            .iter()
            .fold((0.0, 0.0), |(n, d), (a, b)| (n + a, d + b));
        (den > 0.0).then(|| num / den * 100.0)
    } else if unit == ValueUnit::Count && !valued.is_empty() {
        Some(valued.iter().sum())
    } else {
        None
    };
    let mean_of_units =
        (!valued.is_empty()).then(|| valued.iter().sum::<f64>() / valued.len() as f64);
    // A sum that overflowed is "no data", never inf or NaN.
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    NationalFigure {
        indicator: code.to_string(),
        group,
        pooled: finite(pooled),
        mean_of_units: finite(mean_of_units),
        units_with_data: valued.len(),
        units_expected: evaluations.len(),
        reports_with_data: evaluations.iter().map(|e| e.months_with_data).sum(),
        reports_expected: evaluations.iter().map(|e| e.months_expected).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::evaluate::{Composite, Evaluation, Status};
    use crate::compute::national::UnitStanding;

    fn standing(code: &str, num: Option<f64>, den: Option<f64>) -> UnitStanding {
        let value = num
            .zip(den)
            .and_then(|(n, d)| (d > 0.0).then(|| n / d * 100.0));
        UnitStanding {
            code: code.into(),
            name: code.into(),
            group: RankingGroup::Province,
            evaluations: vec![Evaluation {
                indicator: "online_dossier_rate".into(),
                numerator: num,
                denominator: den,
                value,
                months_with_data: usize::from(num.is_some()),
                months_expected: 1,
                target: None,
                trajectory: None,
                gap: None,
                status: Status::NoTarget,
                points: None,
            }],
            composite: Composite {
                score: value,
                scored: 1,
                expected: 1,
            },
            rank: None,
            rank_change: None,
        }
    }

    #[test]
    fn pooled_and_mean_differ_and_missing_units_are_counted_not_zeroed() {
        let catalogue = IndicatorCatalogue::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/indicators.toml"),
            &crate::config::MeasureCatalogue::load(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/measures.toml"),
            )
            .unwrap(),
        )
        .unwrap();
        let groups = [GroupRanking {
            group: RankingGroup::Province,
            units: vec![
                // 90 of 100 and 10 of 900: pooled 100/1000 = 10%, mean (90+1.11)/2.
                standing("01", Some(90.0), Some(100.0)),
                standing("02", Some(10.0), Some(900.0)),
                standing("04", None, None),
                // A zero denominator is no data, not 0%.
                standing("06", Some(0.0), Some(0.0)),
            ],
        }];
        let figures = national_figures(&catalogue, &groups);
        let f = figures
            .iter()
            .find(|f| {
                f.indicator == "online_dossier_rate" && f.group == Some(RankingGroup::Province)
            })
            .unwrap();
        assert!((f.pooled.unwrap() - 10.0).abs() < 1e-9, "{f:?}");
        let mean = (90.0 + 10.0 / 900.0 * 100.0) / 2.0;
        assert!((f.mean_of_units.unwrap() - mean).abs() < 1e-9, "{f:?}");
        assert_eq!((f.units_with_data, f.units_expected), (2, 4));
        assert_eq!((f.reports_with_data, f.reports_expected), (3, 4));
    }
}
