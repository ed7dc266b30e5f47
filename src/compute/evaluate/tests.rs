//! Hand-worked figures for evaluation and composites.

use super::*;
use crate::config::Points;
use crate::domain::formula::Formula;
use crate::domain::RankingGroup;

fn ratio(code: &str, points: Option<(f64, f64, ZeroDenominator)>) -> Indicator {
    Indicator {
        code: code.into(),
        name: code.into(),
        description: String::new(),
        source: String::new(),
        numerator: Formula::measure("num"),
        denominator: Some(Formula::measure("den")),
        unit: ValueUnit::Percent,
        direction: Direction::HigherIsBetter,
        applies_to: vec![RankingGroup::Province],
        weight: 1.0,
        points: points.map(|(max, cap_percent, zero_denominator)| Points {
            max,
            cap_percent,
            zero_denominator,
        }),
        targets: vec![],
    }
}

fn month(num: f64, den: f64) -> MonthFigures {
    [("num".to_string(), num), ("den".to_string(), den)]
        .into_iter()
        .collect()
}

fn goals(target: f64, trajectory: Option<f64>) -> Goals {
    Goals {
        target: Some(target),
        trajectory,
    }
}

#[test]
fn a_period_sums_numerators_and_denominators_instead_of_averaging_rates() {
    // 10/100 = 10% and 90/300 = 30%: pooled 100/400 = 25%, not the 20% mean of rates.
    let e = evaluate(
        &ratio("r", None),
        &[month(10.0, 100.0), month(90.0, 300.0)],
        Goals::default(),
    );
    assert_eq!(
        (e.numerator, e.denominator, e.value),
        (Some(100.0), Some(400.0), Some(25.0))
    );
    assert_eq!((e.months_with_data, e.status), (2, Status::NoTarget));
}

#[test]
fn a_zero_denominator_is_no_data_never_zero_percent() {
    let e = evaluate(&ratio("r", None), &[month(0.0, 0.0)], goals(50.0, None));
    assert_eq!((e.value, e.status, e.gap), (None, Status::NoData, None));
}

#[test]
fn a_zero_denominator_scores_by_each_policy() {
    let policy = |z| {
        evaluate(
            &ratio("r", Some((20.0, 100.0, z))),
            &[month(0.0, 0.0)],
            Goals::default(),
        )
        .points
    };
    assert_eq!(policy(ZeroDenominator::NoData), None);
    assert_eq!(policy(ZeroDenominator::ZeroPoints), Some(0.0));
    assert_eq!(policy(ZeroDenominator::FullPoints), Some(20.0));
}

#[test]
fn no_report_at_all_is_no_data_whatever_the_policy() {
    let e = evaluate(
        &ratio("r", Some((20.0, 100.0, ZeroDenominator::FullPoints))),
        &[MonthFigures::new()],
        goals(50.0, None),
    );
    assert_eq!(
        (e.value, e.points, e.months_with_data, e.status),
        (None, None, 0, Status::NoData)
    );
}

#[test]
fn points_are_proportional_below_the_cap_and_full_above_it() {
    let i = ratio("r", Some((20.0, 80.0, ZeroDenominator::NoData)));
    assert_eq!(
        evaluate(&i, &[month(60.0, 100.0)], Goals::default()).points,
        Some(15.0)
    );
    assert_eq!(
        evaluate(&i, &[month(90.0, 100.0)], Goals::default()).points,
        Some(20.0)
    );
}

#[test]
fn status_and_gap_against_target_and_trajectory() {
    let i = ratio("r", None);
    let at = |v: f64, g: Goals| evaluate(&i, &[month(v, 100.0)], g);
    let achieved = at(60.0, goals(50.0, None));
    assert_eq!(
        (achieved.status, achieved.gap),
        (Status::Achieved, Some(10.0))
    );
    let on_track = at(40.0, goals(50.0, Some(35.0)));
    assert_eq!(
        (on_track.status, on_track.gap),
        (Status::OnTrack, Some(-10.0))
    );
    assert_eq!(at(40.0, goals(50.0, Some(45.0))).status, Status::Lagging);
    assert_eq!(at(40.0, goals(50.0, None)).status, Status::Lagging);
    assert_eq!(
        at(50.0, goals(50.0, None)).status,
        Status::Achieved,
        "meeting the target exactly achieves it"
    );
}

#[test]
fn lower_is_better_turns_the_comparison_around() {
    let mut i = ratio("late", None);
    i.direction = Direction::LowerIsBetter;
    assert_eq!(
        evaluate(&i, &[month(5.0, 100.0)], goals(10.0, None)).status,
        Status::Achieved
    );
    assert_eq!(
        evaluate(&i, &[month(15.0, 100.0)], goals(10.0, None)).status,
        Status::Lagging
    );
}

#[test]
fn value_only_indicators_average_percents_and_sum_counts() {
    let mut i = ratio("satisfaction", None);
    i.denominator = None;
    let m = |v: f64| -> MonthFigures { [("num".to_string(), v)].into_iter().collect() };
    assert_eq!(
        evaluate(
            &i,
            &[m(80.0), m(90.0), MonthFigures::new()],
            Goals::default()
        )
        .value,
        Some(85.0)
    );
    i.unit = ValueUnit::Count;
    assert_eq!(
        evaluate(&i, &[m(3.0), m(4.0)], Goals::default()).value,
        Some(7.0)
    );
}

#[test]
fn sum_of_points_rescales_to_the_indicators_with_data() {
    let a = ratio("a", Some((60.0, 100.0, ZeroDenominator::NoData)));
    let b = ratio("b", Some((40.0, 100.0, ZeroDenominator::NoData)));
    let ea = evaluate(&a, &[month(50.0, 100.0)], Goals::default()); // 30 of 60 points
    let eb = evaluate(&b, &[MonthFigures::new()], Goals::default()); // no data
    let c = composite(CompositeMethod::SumOfPoints, &[(&a, &ea), (&b, &eb)]);
    assert_eq!(
        c,
        Composite {
            score: Some(50.0),
            scored: 1,
            expected: 2
        }
    );
    let none = composite(CompositeMethod::SumOfPoints, &[(&b, &eb)]);
    assert_eq!(none.score, None, "no data is never a score of 0");
}

#[test]
fn weighted_sum_weighs_values() {
    let mut a = ratio("a", None);
    a.weight = 0.6;
    let mut b = ratio("b", None);
    b.weight = 0.4;
    let ea = evaluate(&a, &[month(50.0, 100.0)], Goals::default());
    let eb = evaluate(&b, &[month(100.0, 100.0)], Goals::default());
    let c = composite(CompositeMethod::WeightedSum, &[(&a, &ea), (&b, &eb)]);
    assert!((c.score.unwrap() - 70.0).abs() < 1e-9, "{c:?}");
    assert_eq!((c.scored, c.expected), (2, 2));
}

#[test]
fn a_sum_that_overflows_is_no_data_never_inf() {
    let e = evaluate(
        &ratio("r", None),
        &[month(f64::MAX, 1.0), month(f64::MAX, 1.0)],
        goals(50.0, None),
    );
    assert_eq!(e.value, None);
    assert_eq!(e.status, Status::NoData);
}
