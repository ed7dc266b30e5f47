//! `config/directive_targets.toml` against `config/indicators.toml`: every
//! quantitative target of the directives (shared/directives/) has a target at
//! least as demanding, for each year and group it names, on an indicator that
//! cites the directive.

use std::path::Path;

use serde::Deserialize;

use super::IndicatorCatalogue;
use crate::config::MeasureCatalogue;
use crate::domain::{Direction, RankingGroup, UnitCode};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectiveTargets {
    target: Vec<DirectiveTarget>,
    untracked: Vec<Untracked>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectiveTarget {
    directive: String,
    clause: String,
    text: String,
    indicator: String,
    value: f64,
    from_year: i32,
    until_year: i32,
    groups: Vec<RankingGroup>,
    #[serde(default)]
    units: Vec<UnitCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Untracked {
    directive: String,
    clause: String,
    text: String,
    reason: String,
}

fn load() -> (DirectiveTargets, IndicatorCatalogue) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let text = std::fs::read_to_string(root.join("directive_targets.toml")).unwrap();
    let list: DirectiveTargets = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let measures = MeasureCatalogue::load(&root.join("measures.toml")).unwrap();
    let catalogue = IndicatorCatalogue::load(&root.join("indicators.toml"), &measures)
        .unwrap_or_else(|e| panic!("{e}"));
    (list, catalogue)
}

/// A code no target override names: the group's own target.
fn any_unit() -> UnitCode {
    UnitCode::new("any")
}

#[test]
fn every_target_the_directives_set_is_configured_and_cited() {
    let (list, catalogue) = load();
    let mut problems = Vec::new();
    for t in &list.target {
        let at = format!(
            "{} {} ({}) → {}",
            t.directive, t.clause, t.text, t.indicator
        );
        let Some(indicator) = catalogue.get(&t.indicator) else {
            problems.push(format!("{at}: no such indicator"));
            continue;
        };
        if !indicator.source.contains(&t.directive) {
            problems.push(format!(
                "{at}: source '{}' does not cite it",
                indicator.source
            ));
        }
        let units = if t.units.is_empty() {
            vec![any_unit()]
        } else {
            t.units.clone()
        };
        for year in t.from_year..=t.until_year {
            for group in &t.groups {
                for unit in &units {
                    let configured = indicator.target_for(year, *group, unit);
                    let demanding = configured.is_some_and(|v| match indicator.direction {
                        Direction::HigherIsBetter => v >= t.value,
                        Direction::LowerIsBetter => v <= t.value,
                    });
                    if !demanding {
                        problems.push(format!(
                            "{at}: {year}, {group:?}, unit {unit}: target {configured:?}, directive {}",
                            t.value
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_directive_of_the_folder_is_listed_and_untracked_figures_say_why() {
    let (list, _) = load();
    for directive in ["17/NQ-CP", "1145/BTTTT-THH", "676/QĐ-BKHCN"] {
        assert!(
            list.target.iter().any(|t| t.directive == directive),
            "{directive}"
        );
    }
    for u in &list.untracked {
        assert!(
            !u.reason.trim().is_empty() && !u.text.is_empty() && !u.clause.is_empty(),
            "{} {}",
            u.directive,
            u.text
        );
    }
}
