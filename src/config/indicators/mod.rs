//! `indicators.toml`: the indicator catalogue. Each indicator is a formula over
//! measures (per-service rows, chiso's reporting records, `measures.toml`), with
//! the yearly targets of the directives, its 766-style points and its weight.
//! Read by compute (values, targets, scoring, ranking); adding an indicator is
//! editing the file, not code.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{read_toml, ConfigError, MeasureCatalogue, MeasureKind, Problems, Registry};
use crate::domain::{RankingGroup, UnitCode};

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

const GROUPS: [RankingGroup; 3] = [
    RankingGroup::Province,
    RankingGroup::MinistryServices,
    RankingGroup::MinistryNoServices,
];

/// Slack for sums of points and weights: TOML decimals such as 0.1 are not exact.
const EPSILON: f64 = 1e-6;

/// How an indicator's value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueUnit {
    /// numerator / denominator × 100, or a percent measure itself; 0 to 100.
    Percent,
    /// A score measure itself, such as a published sub-index.
    Score,
    /// A count measure itself.
    Count,
}

impl ValueUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueUnit::Percent => "percent",
            ValueUnit::Score => "score",
            ValueUnit::Count => "count",
        }
    }

    /// The unit an indicator has when it shows this kind of measure as it is.
    fn of_kind(kind: MeasureKind) -> Self {
        match kind {
            MeasureKind::Count => ValueUnit::Count,
            MeasureKind::Percent => ValueUnit::Percent,
            MeasureKind::Score => ValueUnit::Score,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    HigherIsBetter,
    /// A target is then a ceiling.
    LowerIsBetter,
}

/// What a point-carrying ratio scores when its denominator is zero, i.e. the unit
/// had nothing to handle (Decision 766/QĐ-TTg gives full points for some).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDenominator {
    /// Left out of the unit's score.
    #[default]
    NoData,
    ZeroPoints,
    FullPoints,
}

/// How indicators combine into the score that ranks units within their group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompositeMethod {
    /// The sum of each indicator's points, 100 in all (Decision 766/QĐ-TTg).
    SumOfPoints,
    /// The weighted sum of indicator values, DTI-style (Decision 922/QĐ-BTTTT).
    WeightedSum,
}

/// 766-style points: `max × min(1, value / cap_percent)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Points {
    /// Points at or above the cap; above 0.
    pub max: f64,
    /// The value earning full points; in (0, 100].
    pub cap_percent: f64,
    pub zero_denominator: ZeroDenominator,
}

/// A threshold set by a directive for a span of years.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearTarget {
    pub from_year: i32,
    /// Last year included; `None` = still in force.
    pub until_year: Option<i32>,
    /// In the indicator's unit.
    pub value: f64,
    /// Never empty; a subset of the indicator's `applies_to`.
    pub groups: Vec<RankingGroup>,
    /// A per-unit override when not empty: these units only, winning over
    /// the entries for their group.
    pub units: Vec<UnitCode>,
}

impl YearTarget {
    fn covers(&self, year: i32, group: RankingGroup) -> bool {
        self.from_year <= year
            && self.until_year.is_none_or(|u| year <= u)
            && self.groups.contains(&group)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// lower_snake ASCII, unique.
    pub code: String,
    /// Vietnamese, as shown on pages and in mails.
    pub name: String,
    pub description: String,
    /// The directive the indicator comes from.
    pub source: String,
    /// A measure name (service, reporting or `measures.toml`).
    pub numerator: String,
    /// `None`: the indicator is the numerator's value itself.
    pub denominator: Option<String>,
    pub unit: ValueUnit,
    pub direction: Direction,
    /// Never empty.
    pub applies_to: Vec<RankingGroup>,
    /// Share in the weighted composite, relative within a group; ≥ 0.
    pub weight: f64,
    pub points: Option<Points>,
    pub targets: Vec<YearTarget>,
}

impl Indicator {
    pub fn applies_to_group(&self, group: RankingGroup) -> bool {
        self.applies_to.contains(&group)
    }

    /// The target in force in `year` for `unit` of `group`: an override naming
    /// the unit first, else its group's. Where entries overlap, the one starting
    /// latest wins: a later directive supersedes an earlier one.
    pub fn target_for(&self, year: i32, group: RankingGroup, unit: &UnitCode) -> Option<f64> {
        let latest = |own: bool| {
            self.targets
                .iter()
                .filter(|t| t.covers(year, group))
                .filter(|t| {
                    if own {
                        t.units.contains(unit)
                    } else {
                        t.units.is_empty()
                    }
                })
                .max_by_key(|t| t.from_year)
                .map(|t| t.value)
        };
        latest(true).or_else(|| latest(false))
    }

    /// Unit codes named by target overrides, for checking against the registry.
    pub fn override_units(&self) -> impl Iterator<Item = (usize, &UnitCode)> {
        self.targets
            .iter()
            .enumerate()
            .flat_map(|(j, t)| t.units.iter().map(move |u| (j, u)))
    }
}

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
            check_formula(&r, measures, &at, &mut p);
            check_scoring(&r, &at, &mut p);
            check_groups(&r, &at, &mut p);
            check_targets(&r, &at, &mut p);
            indicators.push(r.into_indicator());
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    composite: RawComposite,
    indicator: Vec<RawIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComposite {
    method: CompositeMethod,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    code: String,
    name: String,
    description: String,
    source: String,
    numerator: String,
    denominator: Option<String>,
    unit: ValueUnit,
    #[serde(default)]
    direction: Direction,
    applies_to: Vec<RankingGroup>,
    weight: f64,
    points: Option<RawPoints>,
    #[serde(default)]
    target: Vec<RawTarget>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoints {
    max: f64,
    cap_percent: f64,
    zero_denominator: Option<ZeroDenominator>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    from_year: i32,
    until_year: Option<i32>,
    value: f64,
    groups: Option<Vec<RankingGroup>>,
    #[serde(default)]
    units: Vec<UnitCode>,
}

impl RawIndicator {
    fn into_indicator(self) -> Indicator {
        let applies_to = self.applies_to;
        let targets = self
            .target
            .into_iter()
            .map(|t| YearTarget {
                from_year: t.from_year,
                until_year: t.until_year,
                value: t.value,
                groups: t.groups.unwrap_or_else(|| applies_to.clone()),
                units: t.units,
            })
            .collect();
        Indicator {
            code: self.code,
            name: self.name,
            description: self.description,
            source: self.source,
            numerator: self.numerator,
            denominator: self.denominator,
            unit: self.unit,
            direction: self.direction,
            applies_to,
            weight: self.weight,
            points: self.points.map(|pt| Points {
                max: pt.max,
                cap_percent: pt.cap_percent,
                zero_denominator: pt.zero_denominator.unwrap_or_default(),
            }),
            targets,
        }
    }
}

fn group_key(group: RankingGroup) -> &'static str {
    group.as_str()
}

fn kind_name(kind: MeasureKind) -> &'static str {
    ValueUnit::of_kind(kind).as_str()
}

/// The kind of a measure a formula names; service and reporting measures are counts.
fn measure_kind(name: &str, measures: &MeasureCatalogue) -> Option<MeasureKind> {
    if SERVICE_MEASURES.contains(&name) || REPORTING_MEASURES.contains(&name) {
        return Some(MeasureKind::Count);
    }
    measures.get(name).map(|d| d.kind)
}

fn check_text(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
    let snake = r.code.starts_with(|c: char| c.is_ascii_lowercase())
        && r.code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        p.add(
            at("code"),
            format!(
                "'{}' must be lower_snake ASCII: a letter, then letters, digits and _",
                r.code
            ),
        );
    }
    for (field, text) in [
        ("name", &r.name),
        ("description", &r.description),
        ("source", &r.source),
    ] {
        if text.trim().is_empty() {
            p.add(at(field), "is empty");
        }
    }
}

fn check_formula(
    r: &RawIndicator,
    measures: &MeasureCatalogue,
    at: &dyn Fn(&str) -> String,
    p: &mut Problems,
) {
    let known = |field: &str, name: &str, p: &mut Problems| {
        let kind = measure_kind(name, measures);
        if kind.is_none() {
            p.add(
                at(field),
                format!(
                    "unknown measure '{name}': not a service measure, a reporting measure \
                     or a code of measures.toml"
                ),
            );
        }
        kind
    };
    let numerator = known("numerator", &r.numerator, p);
    if let Some(d) = &r.denominator {
        known("denominator", d, p);
        if r.unit != ValueUnit::Percent {
            p.add(
                at("denominator"),
                format!(
                    "only a percent indicator has a denominator (numerator / denominator \
                     × 100); unit is '{}'",
                    r.unit.as_str()
                ),
            );
        }
    } else if let Some(kind) = numerator.filter(|&k| ValueUnit::of_kind(k) != r.unit) {
        // Without a denominator the indicator is the measure itself, so it keeps its kind.
        p.add(
            at("unit"),
            format!(
                "'{}' without a denominator needs a {} measure, but '{}' is a {}",
                r.unit.as_str(),
                r.unit.as_str(),
                r.numerator,
                kind_name(kind)
            ),
        );
    }
}

fn check_scoring(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
    if !(r.weight.is_finite() && r.weight >= 0.0) {
        p.add(
            at("weight"),
            format!("must be a number of at least 0, got {}", r.weight),
        );
    } else if r.weight > 0.0 && r.unit == ValueUnit::Count {
        p.add(
            at("weight"),
            "a count is not on the 0–100 scale of the weighted composite; use weight 0",
        );
    }
    let Some(pt) = &r.points else { return };
    if !(pt.max.is_finite() && pt.max > 0.0) {
        p.add(
            at("points.max"),
            format!("must be a number above 0, got {}", pt.max),
        );
    }
    if !(pt.cap_percent > 0.0 && pt.cap_percent <= 100.0) {
        p.add(
            at("points.cap_percent"),
            format!("must be above 0 and at most 100, got {}", pt.cap_percent),
        );
    }
    if pt.zero_denominator.is_some() && r.denominator.is_none() {
        p.add(
            at("points.zero_denominator"),
            "has no effect without a denominator; remove it",
        );
    }
    if r.unit == ValueUnit::Count {
        p.add(
            at("points"),
            "a count has no percent to compare with cap_percent; score a percent or a score",
        );
    }
    if r.direction == Direction::LowerIsBetter {
        p.add(
            at("points"),
            "points reward higher values (max × min(1, value / cap)); a lower_is_better \
             indicator cannot carry them",
        );
    }
}

fn check_groups(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
    if r.applies_to.is_empty() {
        p.add(
            at("applies_to"),
            "is empty: name at least one of province, ministry_services, ministry_no_services",
        );
    }
    for (j, g) in r.applies_to.iter().enumerate() {
        if r.applies_to[..j].contains(g) {
            p.add(at("applies_to"), format!("lists '{}' twice", group_key(*g)));
        }
    }
}

fn check_targets(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
    let groups_of = |t: &RawTarget| t.groups.clone().unwrap_or_else(|| r.applies_to.clone());
    for (j, t) in r.target.iter().enumerate() {
        let key = |field: &str| at(&format!("target[{j}].{field}"));
        if let Some(until) = t.until_year.filter(|&u| u < t.from_year) {
            p.add(
                key("until_year"),
                format!("{until} is before from_year {}", t.from_year),
            );
        }
        let ceiling = if r.unit == ValueUnit::Percent {
            100.0
        } else {
            f64::INFINITY
        };
        if !(t.value.is_finite() && (0.0..=ceiling).contains(&t.value)) {
            p.add(
                key("value"),
                format!("{} is not a valid {} value", t.value, r.unit.as_str()),
            );
        }
        match &t.groups {
            Some(gs) if gs.is_empty() => p.add(
                key("groups"),
                "is empty; leave it out to mean every group of applies_to",
            ),
            Some(gs) => {
                for g in gs.iter().filter(|g| !r.applies_to.contains(g)) {
                    p.add(
                        key("groups"),
                        format!("'{}' is not in applies_to", group_key(*g)),
                    );
                }
            }
            None => {}
        }
        // target_for picks the latest from_year; two equal ones would leave it guessing.
        let mine = groups_of(t);
        let same_units = |o: &RawTarget| {
            (o.units.is_empty() && t.units.is_empty())
                || o.units.iter().any(|u| t.units.contains(u))
        };
        let clash = r.target[..j]
            .iter()
            .enumerate()
            .filter(|(_, o)| o.from_year == t.from_year && same_units(o))
            .find_map(|(k, o)| {
                let shared = groups_of(o).into_iter().find(|g| mine.contains(g));
                shared.map(|g| (k, g))
            });
        if let Some((k, g)) = clash {
            p.add(
                key("from_year"),
                format!(
                    "target[{k}] also starts in {} for group '{}'; give one a later from_year",
                    t.from_year,
                    group_key(g)
                ),
            );
        }
    }
}

/// Decision 766/QĐ-TTg scores a unit out of 100: a group's points must add up to it.
fn check_points_sum(indicators: &[Indicator], p: &mut Problems) {
    for group in GROUPS {
        let scored: Vec<(&str, f64)> = indicators
            .iter()
            .filter(|i| i.applies_to_group(group))
            .filter_map(|i| i.points.map(|pt| (i.code.as_str(), pt.max)))
            .collect();
        let sum: f64 = scored.iter().map(|(_, max)| max).sum();
        if !scored.is_empty() && (sum - 100.0).abs() > EPSILON {
            let parts: Vec<String> = scored.iter().map(|(c, m)| format!("{c} {m}")).collect();
            p.add(
                "indicator.points.max",
                format!(
                    "points of group '{}' sum to {sum}, expected 100 ({})",
                    group_key(group),
                    parts.join(", ")
                ),
            );
        }
    }
}

/// Every group that has indicators must get a composite score from the chosen method.
fn check_composite(indicators: &[Indicator], method: CompositeMethod, p: &mut Problems) {
    for group in GROUPS {
        let of_group: Vec<&Indicator> = indicators
            .iter()
            .filter(|i| i.applies_to_group(group))
            .collect();
        let message = match method {
            _ if of_group.is_empty() => continue,
            CompositeMethod::SumOfPoints if of_group.iter().all(|i| i.points.is_none()) => {
                "sum_of_points needs points, but none of its indicators carries any"
            }
            CompositeMethod::WeightedSum if of_group.iter().all(|i| i.weight <= 0.0) => {
                "weighted_sum needs a weight above 0, but all of its indicators weigh 0"
            }
            _ => continue,
        };
        p.add(
            "composite.method",
            format!("group '{}': {message}", group_key(group)),
        );
    }
}

#[cfg(test)]
mod tests;
