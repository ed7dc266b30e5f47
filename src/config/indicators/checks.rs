//! The checks of the catalogue, each adding every problem it finds as
//! `indicators.toml: indicator[i] (code).field: message`.

use super::raw::{RawIndicator, RawTarget};
use super::{Indicator, EPSILON, GROUPS, PORTAL_MEASURES, REPORTING_MEASURES, SERVICE_MEASURES};
use crate::config::{MeasureCatalogue, MeasureKind, Problems};
use crate::domain::formula::{Expr, Formula};
use crate::domain::{CompositeMethod, Direction, RankingGroup, ValueUnit};

pub(super) fn group_key(group: RankingGroup) -> &'static str {
    group.as_str()
}

/// The unit an indicator has when it shows this kind of measure as it is.
pub(super) fn unit_of_kind(kind: MeasureKind) -> ValueUnit {
    match kind {
        MeasureKind::Count => ValueUnit::Count,
        MeasureKind::Percent => ValueUnit::Percent,
        MeasureKind::Score => ValueUnit::Score,
    }
}

pub(super) fn kind_name(kind: MeasureKind) -> &'static str {
    unit_of_kind(kind).as_str()
}

/// The kind of a measure a formula names; service and reporting measures are counts.
pub(super) fn measure_kind(name: &str, measures: &MeasureCatalogue) -> Option<MeasureKind> {
    if SERVICE_MEASURES.contains(&name) || REPORTING_MEASURES.contains(&name) {
        return Some(MeasureKind::Count);
    }
    if let Some((_, kind)) = PORTAL_MEASURES.iter().find(|(m, _)| *m == name) {
        return Some(*kind);
    }
    measures.get(name).map(|d| d.kind)
}

pub(super) fn check_text(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
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

/// Parses and checks the numerator and denominator formulas, returning them
/// parsed; a formula with a problem comes back as its text read as one measure,
/// which never reaches a computation because the problem fails the load.
pub(super) fn check_formula(
    r: &RawIndicator,
    measures: &MeasureCatalogue,
    at: &dyn Fn(&str) -> String,
    p: &mut Problems,
) -> (Formula, Option<Formula>) {
    let read = |field: &str, text: &str, p: &mut Problems| -> (Formula, Kind) {
        let formula = match Formula::parse(text) {
            Ok(f) => f,
            Err(e) => {
                p.add(at(field), format!("'{text}': {e}"));
                return (Formula::measure(text), Kind::Unknown);
            }
        };
        let mut known = true;
        for name in formula.expr().measures() {
            if measure_kind(name, measures).is_none() {
                known = false;
                p.add(
                    at(field),
                    format!(
                        "unknown measure '{name}': not a service measure, a reporting measure \
                         or a code of measures.toml"
                    ),
                );
            }
        }
        let kind = if known {
            kind_of(formula.expr(), measures)
        } else {
            Kind::Unknown
        };
        if let Kind::Mixed(why) = &kind {
            p.add(at(field), format!("'{text}': {why}"));
        }
        (formula, kind)
    };
    let (numerator, kind) = read("numerator", &r.numerator, p);
    let denominator = r
        .denominator
        .as_deref()
        .map(|d| read("denominator", d, p).0);
    if denominator.is_some() {
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
        return (numerator, denominator);
    }
    // Without a denominator the indicator is the formula's value, so it keeps its kind.
    let wrong = match kind {
        Kind::Of(k) if unit_of_kind(k) != r.unit => Some(kind_name(k)),
        Kind::Constant => Some("constant"),
        Kind::Derived => Some("product or quotient of measures"),
        _ => None,
    };
    if let Some(what) = wrong {
        p.add(
            at("unit"),
            format!(
                "'{}' without a denominator needs a {} formula, but '{}' is a {what}",
                r.unit.as_str(),
                r.unit.as_str(),
                r.numerator,
            ),
        );
    }
    (numerator, None)
}

/// What a formula's value is, so a unit can be checked: a sum of counts is a
/// count; a count added to a percent is a mistake the loader names.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Constant,
    Of(MeasureKind),
    /// Two measures multiplied or divided: fine inside a ratio, not as a value.
    Derived,
    Mixed(String),
    /// A measure the catalogue does not know (reported on its own).
    Unknown,
}

fn kind_of(e: &Expr, measures: &MeasureCatalogue) -> Kind {
    let same = |a: Kind, b: Kind, op: &str| match (a, b) {
        (k @ (Kind::Mixed(_) | Kind::Unknown), _) | (_, k @ (Kind::Mixed(_) | Kind::Unknown)) => k,
        (Kind::Constant, k) | (k, Kind::Constant) => k,
        (Kind::Of(x), Kind::Of(y)) if x != y => Kind::Mixed(format!(
            "{op} of a {} and a {}: their units differ",
            kind_name(x),
            kind_name(y)
        )),
        (a, b) if a == b => a,
        _ => Kind::Mixed(format!("{op} of a measure and a product of measures")),
    };
    let scaled = |a: Kind, b: Kind| match (a, b) {
        (k @ (Kind::Mixed(_) | Kind::Unknown), _) | (_, k @ (Kind::Mixed(_) | Kind::Unknown)) => k,
        (Kind::Constant, k) | (k, Kind::Constant) => k,
        _ => Kind::Derived,
    };
    match e {
        Expr::Number(_) => Kind::Constant,
        Expr::Measure(m) => measure_kind(m, measures).map_or(Kind::Unknown, Kind::Of),
        Expr::Services(_) => Kind::Of(MeasureKind::Count),
        Expr::Neg(a) => kind_of(a, measures),
        Expr::Add(a, b) => same(kind_of(a, measures), kind_of(b, measures), "a sum"),
        Expr::Sub(a, b) => same(kind_of(a, measures), kind_of(b, measures), "a difference"),
        Expr::Mul(a, b) | Expr::Div(a, b) => scaled(kind_of(a, measures), kind_of(b, measures)),
        Expr::Call(f, args) => args
            .iter()
            .map(|a| kind_of(a, measures))
            .reduce(|a, b| same(a, b, f.as_str()))
            .unwrap_or(Kind::Constant),
    }
}

pub(super) fn check_scoring(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
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

pub(super) fn check_groups(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
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

pub(super) fn check_targets(r: &RawIndicator, at: &dyn Fn(&str) -> String, p: &mut Problems) {
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
pub(super) fn check_points_sum(indicators: &[Indicator], p: &mut Problems) {
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
pub(super) fn check_composite(indicators: &[Indicator], method: CompositeMethod, p: &mut Problems) {
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
