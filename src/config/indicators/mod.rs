//! `indicators.toml`: the indicator catalogue. Each indicator is a formula over
//! measures (per-service rows, chiso's reporting records, `measures.toml`), with
//! the yearly targets of the directives, its 766-style points and its weight.
//! Read by compute (values, targets, scoring, ranking); adding an indicator is
//! editing the file, not code.

use std::collections::BTreeMap;
use std::path::Path;

mod checks;
mod raw;

use super::{read_toml, ConfigError, MeasureCatalogue, MeasureKind, Problems, Registry};
use crate::domain::RankingGroup;
pub use crate::domain::{
    CompositeMethod, Direction, Indicator, Points, ValueUnit, YearTarget, ZeroDenominator,
};
use checks::*;
use raw::RawCatalogue;

/// Measures derived by summing a unit's per-service rows of a month.
pub const SERVICE_MEASURES: &[&str] = &[
    "services_total",
    "services_full_online",
    "services_partial_online",
    "services_online",
    "services_eligible_full_online",
    "services_integrated_national_portal",
    "dossiers_received",
    "dossiers_received_online",
    "dossiers_processed",
    "dossiers_processed_on_time",
    "dossiers_processed_late",
    "dossiers_pending_overdue",
];

/// Measures chiso computes from its own collection records: months a unit was
/// expected to report, and how many it reported, and on time.
pub const REPORTING_MEASURES: &[&str] = &[
    "reports_due_months",
    "reports_received_months",
    "reports_on_time_months",
];

/// Computed by chiso from the portal probes (issue 15 §4, docs/probes.md),
/// with the kind an indicator showing them takes. Percent and score are
/// averaged over a period's months, counts summed.
pub const PORTAL_MEASURES: &[(&str, MeasureKind)] = &[
    ("portal_probes", MeasureKind::Count),
    ("portal_probes_ok", MeasureKind::Count),
    ("portal_availability_pct", MeasureKind::Percent),
    ("portal_p95_response_ms", MeasureKind::Score),
    ("portal_cert_days_left", MeasureKind::Score),
];

pub(super) const GROUPS: [RankingGroup; 3] = [
    RankingGroup::Province,
    RankingGroup::MinistryServices,
    RankingGroup::MinistryNoServices,
];

/// Slack for sums of points and weights: TOML decimals such as 0.1 are not exact.
pub(super) const EPSILON: f64 = 1e-6;

/// The validated catalogue, in file order.
#[derive(Debug, Clone)]
pub struct IndicatorCatalogue {
    indicators: Vec<Indicator>,
    composite: CompositeMethod,
}

impl IndicatorCatalogue {
    pub fn load(path: &Path, measures: &MeasureCatalogue) -> Result<Self, ConfigError> {
        let raw: RawCatalogue = read_toml(path)?;
        Self::build(path, raw, measures)
    }

    fn build(
        path: &Path,
        raw: RawCatalogue,
        measures: &MeasureCatalogue,
    ) -> Result<Self, ConfigError> {
        let mut p = Problems::new(path);
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        let mut indicators = Vec::with_capacity(raw.indicator.len());
        for (i, r) in raw.indicator.into_iter().enumerate() {
            let at = |field: &str| format!("indicator[{i}] ({}).{field}", r.code);
            if let Some(j) = first.get(&r.code) {
                p.add(
                    at("code"),
                    format!("duplicate code '{}' (also indicator[{j}])", r.code),
                );
            } else {
                first.insert(r.code.clone(), i);
            }
            check_text(&r, &at, &mut p);
            let formulas = check_formula(&r, measures, &at, &mut p);
            check_scoring(&r, &at, &mut p);
            check_groups(&r, &at, &mut p);
            check_targets(&r, &at, &mut p);
            indicators.push(r.into_indicator(formulas));
        }
        let composite = raw.composite.method;
        check_points_sum(&indicators, &mut p);
        check_composite(&indicators, composite, &mut p);
        p.into_result(Self {
            indicators,
            composite,
        })
    }

    pub fn get(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter()
    }

    pub fn for_group(&self, group: RankingGroup) -> impl Iterator<Item = &Indicator> {
        self.indicators
            .iter()
            .filter(move |i| i.applies_to_group(group))
    }

    pub fn composite(&self) -> CompositeMethod {
        self.composite
    }

    /// Target overrides must name units of the registry, in a group the
    /// indicator applies to; checked once both files are loaded.
    pub fn check_units(&self, path: &Path, registry: &Registry) -> Result<(), ConfigError> {
        let mut p = Problems::new(path);
        for (i, ind) in self.indicators.iter().enumerate() {
            for (j, code) in ind.override_units() {
                let key = format!("indicator[{i}] ({}).target[{j}].units", ind.code);
                match registry.get(code) {
                    None => p.add(key, format!("unit '{code}' is not in the registry")),
                    Some(u) if !ind.applies_to_group(u.group) => p.add(
                        key,
                        format!(
                            "unit '{code}' is in group '{}', which the indicator does not apply to",
                            group_key(u.group)
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
        p.into_result(())
    }
}

#[cfg(test)]
mod directive_targets;
#[cfg(test)]
mod tests;
