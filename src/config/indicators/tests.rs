//! Tests of the indicator catalogue: the shipped file and every validation rule.
use super::raw::*;
use super::*;
use crate::domain::UnitCode;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn measures() -> MeasureCatalogue {
    MeasureCatalogue::load(&root().join("config/measures.toml")).unwrap()
}

fn shipped() -> IndicatorCatalogue {
    IndicatorCatalogue::load(&root().join("config/indicators.toml"), &measures())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A valid province ratio worth all 100 points.
fn indicator(code: &str) -> RawIndicator {
    RawIndicator {
        code: code.into(),
        name: "Tỷ lệ hồ sơ giải quyết đúng hạn".into(),
        description: "Mô tả.".into(),
        source: "Quyết định 766/QĐ-TTg ngày 23/6/2022".into(),
        numerator: "dossiers_processed_on_time".into(),
        denominator: Some("dossiers_processed".into()),
        unit: ValueUnit::Percent,
        direction: Direction::HigherIsBetter,
        applies_to: vec![RankingGroup::Province],
        weight: 1.0,
        points: Some(RawPoints {
            max: 100.0,
            cap_percent: 100.0,
            zero_denominator: None,
        }),
        target: Vec::new(),
    }
}

fn target(from_year: i32, until_year: Option<i32>, value: f64) -> RawTarget {
    RawTarget {
        from_year,
        until_year,
        value,
        groups: None,
        units: Vec::new(),
    }
}

fn parse(text: &str) -> Result<IndicatorCatalogue, ConfigError> {
    let raw: RawCatalogue = toml::from_str(text).unwrap();
    IndicatorCatalogue::build(Path::new("i.toml"), raw, &measures())
}

fn build(indicators: Vec<RawIndicator>) -> Result<IndicatorCatalogue, ConfigError> {
    let raw = RawCatalogue {
        composite: RawComposite {
            method: CompositeMethod::WeightedSum,
        },
        indicator: indicators,
    };
    IndicatorCatalogue::build(Path::new("i.toml"), raw, &measures())
}

/// Builds `one` alone and returns the error text, which must mention `expected`.
fn rejected(one: RawIndicator, expected: &str) -> String {
    let err = build(vec![one]).unwrap_err().to_string();
    assert!(err.contains(expected), "{expected:?} not in:\n{err}");
    err
}

#[test]
fn shipped_catalogue_loads_against_shipped_measures() {
    let c = shipped();
    assert_eq!(c.composite(), CompositeMethod::WeightedSum);
    for code in [
        "online_dossier_rate",
        "full_online_service_rate",
        "online_service_rate",
        "on_time_rate",
        "national_portal_integration_rate",
        "reporting_rate",
        "reporting_on_time_rate",
        "periodic_reports_on_time_rate",
        "satisfaction",
        "feedback_resolution_rate",
        "national_portal_index",
    ] {
        assert!(c.get(code).is_some(), "{code} missing");
    }
    let feedback = c.get("feedback_resolution_rate").and_then(|i| i.points);
    assert_eq!(
        feedback.map(|pt| pt.zero_denominator),
        Some(ZeroDenominator::FullPoints)
    );
}

#[test]
fn ministries_without_services_get_no_dossier_indicators() {
    let c = shipped();
    let codes: Vec<&str> = c
        .for_group(RankingGroup::MinistryNoServices)
        .map(|i| i.code.as_str())
        .collect();
    assert!(codes.contains(&"reporting_rate"), "{codes:?}");
    assert!(
        codes.contains(&"periodic_reports_on_time_rate"),
        "{codes:?}"
    );
    assert!(codes.contains(&"electronic_documents"), "{codes:?}");
    for i in c.for_group(RankingGroup::MinistryNoServices) {
        for m in std::iter::once(&i.numerator).chain(&i.denominator) {
            assert!(!SERVICE_MEASURES.contains(&m.as_str()), "{}: {m}", i.code);
        }
    }
}

#[test]
fn shipped_points_sum_to_100_per_group() {
    let c = shipped();
    for group in GROUPS {
        let points: Vec<f64> = c
            .for_group(group)
            .filter_map(|i| i.points.map(|pt| pt.max))
            .collect();
        let sum: f64 = points.iter().sum();
        assert!(
            points.is_empty() || (sum - 100.0).abs() < EPSILON,
            "{group:?}: {sum}"
        );
    }
    let province = c.for_group(RankingGroup::Province);
    assert!(province.filter(|i| i.points.is_some()).count() >= 5);
}

#[test]
fn target_for_picks_the_latest_entry_in_force() {
    let c = shipped();
    let rate = c.get("online_dossier_rate").unwrap();
    assert_eq!(
        rate.target_for(2020, RankingGroup::Province, &any_unit()),
        Some(30.0)
    );
    assert_eq!(
        rate.target_for(2023, RankingGroup::Province, &any_unit()),
        Some(50.0)
    );
    assert_eq!(
        rate.target_for(2019, RankingGroup::Province, &any_unit()),
        None
    );
    assert_eq!(
        rate.target_for(2019, RankingGroup::MinistryServices, &any_unit()),
        Some(20.0)
    );
    assert_eq!(
        rate.target_for(2020, RankingGroup::MinistryServices, &any_unit()),
        Some(30.0)
    );
    assert_eq!(
        rate.target_for(2026, RankingGroup::Province, &any_unit()),
        None
    );
    let full = c.get("full_online_service_rate").unwrap();
    assert_eq!(
        full.target_for(2030, RankingGroup::Province, &any_unit()),
        Some(100.0)
    );
}

fn any_unit() -> UnitCode {
    UnitCode::new("01")
}

#[test]
fn a_unit_override_wins_over_its_group_target_and_only_for_that_unit() {
    let text = r#"
[composite]
method = "weighted_sum"

[[indicator]]
code = "online_dossier_rate"
name = "Tỷ lệ hồ sơ trực tuyến"
description = "Hồ sơ tiếp nhận trực tuyến trên tổng số"
source = "Nghị quyết 17/NQ-CP"
numerator = "dossiers_received_online"
denominator = "dossiers_received"
unit = "percent"
applies_to = ["province"]
weight = 1.0

[[indicator.target]]
from_year = 2021
value = 50.0

[[indicator.target]]
from_year = 2021
value = 35.0
units = ["02"]
"#;
    let c = parse(text).unwrap();
    let rate = c.get("online_dossier_rate").unwrap();
    let year = |u: &str| rate.target_for(2022, RankingGroup::Province, &UnitCode::new(u));
    assert_eq!(year("02"), Some(35.0));
    assert_eq!(year("01"), Some(50.0));
    assert_eq!(
        rate.target_for(2020, RankingGroup::Province, &UnitCode::new("02")),
        None
    );
}

#[test]
fn problems_are_all_reported_at_once() {
    let mut a = indicator("a");
    a.weight = -1.0;
    a.applies_to.clear();
    let err = build(vec![a, indicator("Bad-Code")]).unwrap_err();
    assert!(err.problems.len() >= 3, "{err}");
}

#[test]
fn duplicate_code_is_rejected() {
    let mut second = indicator("a");
    second.applies_to = vec![RankingGroup::MinistryServices];
    let err = build(vec![indicator("a"), second]).unwrap_err().to_string();
    assert!(
        err.contains("i.toml: indicator[1] (a).code: duplicate code 'a' (also indicator[0])"),
        "{err}"
    );
}

#[test]
fn bad_code_is_rejected() {
    rejected(indicator("OnTime"), "'OnTime' must be lower_snake ASCII");
}

#[test]
fn unknown_measure_names_indicator_and_measure() {
    let mut one = indicator("on_time_rate");
    one.numerator = "dossiers_procesed".into();
    one.denominator = Some("nope".into());
    let err = rejected(
        one,
        "indicator[0] (on_time_rate).numerator: unknown measure 'dossiers_procesed'",
    );
    assert!(
        err.contains("indicator[0] (on_time_rate).denominator: unknown measure 'nope'"),
        "{err}"
    );
}

#[test]
fn percent_without_denominator_needs_a_percent_measure() {
    let mut one = indicator("reports");
    one.numerator = "reports_on_time".into();
    one.denominator = None;
    one.points = None;
    rejected(
        one.clone(),
        "(reports).unit: 'percent' without a denominator needs a percent formula, \
         but 'reports_on_time' is a count",
    );
    one.numerator = "satisfaction_percent".into();
    assert!(build(vec![one]).is_ok());
}

#[test]
fn a_formula_error_names_the_indicator_the_field_and_the_column() {
    let mut one = indicator("used");
    one.numerator = "count_services(received_online > 0".into();
    rejected(
        one.clone(),
        "indicator[0] (used).numerator: 'count_services(received_online > 0': \
         at column 35: expected ')'",
    );
    one.numerator = "count_services(received_online > 0)".into();
    one.denominator = Some("services_total - dossiers_recieved".into());
    rejected(
        one.clone(),
        "indicator[0] (used).denominator: unknown measure 'dossiers_recieved'",
    );
    one.denominator = Some("services_online".into());
    assert!(build(vec![one]).is_ok());
}

#[test]
fn a_formula_keeps_its_units_honest() {
    let mut one = indicator("mixed");
    one.numerator = "dossiers_received + satisfaction_percent".into();
    rejected(
        one.clone(),
        "(mixed).numerator: 'dossiers_received + satisfaction_percent': a sum of a count and a percent",
    );
    // Without a denominator a count formula makes a count indicator…
    one.numerator =
        "count_services(level = full_online and received_online = 0, months = 3)".into();
    one.denominator = None;
    one.points = None;
    one.weight = 0.0;
    one.unit = ValueUnit::Count;
    one.target.clear();
    if let Err(e) = build(vec![one.clone(), indicator("scored")]) {
        panic!("{e}");
    }
    // …and a quotient of measures is not a value with a unit.
    one.numerator = "dossiers_received / services_total".into();
    rejected(one, "is a product or quotient of measures");
}

#[test]
fn only_percent_indicators_have_a_denominator() {
    let mut one = indicator("a");
    one.unit = ValueUnit::Score;
    rejected(one, "only a percent indicator has a denominator");
}

#[test]
fn cap_percent_out_of_range_is_rejected() {
    for cap in [0.0, 100.5, f64::NAN] {
        let mut one = indicator("a");
        one.points = Some(RawPoints {
            max: 100.0,
            cap_percent: cap,
            zero_denominator: None,
        });
        rejected(one, "points.cap_percent: must be above 0 and at most 100");
    }
}

#[test]
fn non_positive_max_is_rejected() {
    let mut one = indicator("a");
    one.points = Some(RawPoints {
        max: 0.0,
        cap_percent: 100.0,
        zero_denominator: None,
    });
    rejected(one, "(a).points.max: must be a number above 0, got 0");
}

#[test]
fn negative_or_infinite_weight_is_rejected() {
    for weight in [-0.5, f64::INFINITY] {
        let mut one = indicator("a");
        one.weight = weight;
        rejected(one, "(a).weight: must be a number of at least 0");
    }
}

#[test]
fn empty_applies_to_is_rejected() {
    let mut one = indicator("a");
    one.applies_to.clear();
    rejected(one, "(a).applies_to: is empty");
}

#[test]
fn target_ending_before_it_starts_is_rejected() {
    let mut one = indicator("a");
    one.target = vec![target(2025, Some(2021), 50.0)];
    rejected(
        one,
        "(a).target[0].until_year: 2021 is before from_year 2025",
    );
}

#[test]
fn targets_starting_the_same_year_for_a_group_are_rejected() {
    let mut one = indicator("a");
    one.target = vec![target(2021, None, 50.0), target(2021, Some(2025), 60.0)];
    rejected(
        one,
        "target[1].from_year: target[0] also starts in 2021 for group 'province'",
    );
}

#[test]
fn target_for_a_group_outside_applies_to_is_rejected() {
    let mut one = indicator("a");
    let mut t = target(2021, None, 50.0);
    t.groups = Some(vec![RankingGroup::MinistryServices]);
    one.target = vec![t];
    rejected(one, "'ministry_services' is not in applies_to");
}

#[test]
fn points_not_summing_to_100_name_group_and_sum() {
    let mut a = indicator("a");
    a.points = Some(RawPoints {
        max: 60.0,
        cap_percent: 90.0,
        zero_denominator: Some(ZeroDenominator::FullPoints),
    });
    let mut b = indicator("b");
    b.applies_to.push(RankingGroup::MinistryServices);
    b.points = Some(RawPoints {
        max: 40.0,
        cap_percent: 50.0,
        zero_denominator: None,
    });
    let err = build(vec![a, b]).unwrap_err().to_string();
    assert!(
        err.contains("points of group 'ministry_services' sum to 40, expected 100 (b 40)"),
        "{err}"
    );
    assert!(!err.contains("group 'province'"), "{err}");
}

#[test]
fn points_on_a_lower_is_better_indicator_are_rejected() {
    let mut one = indicator("a");
    one.direction = Direction::LowerIsBetter;
    rejected(one, "a lower_is_better indicator cannot carry them");
}

#[test]
fn sum_of_points_needs_points_in_every_group() {
    let mut one = indicator("a");
    one.points = None;
    let raw = RawCatalogue {
        composite: RawComposite {
            method: CompositeMethod::SumOfPoints,
        },
        indicator: vec![one],
    };
    let err = IndicatorCatalogue::build(Path::new("i.toml"), raw, &measures())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("composite.method: group 'province': sum_of_points needs points"),
        "{err}"
    );
}

#[test]
fn unknown_fields_are_rejected() {
    let err = toml::from_str::<RawCatalogue>(
        "[composite]\nmethod = \"weighted_sum\"\n[[indicator]]\ncode = \"a\"\nwieght = 1\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("wieght"), "{err}");
}
