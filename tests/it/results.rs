//! Computed results from data stored in the real ClickHouse, checked against
//! figures worked out by hand: values, gaps, statuses, points, composites and
//! ranks; frozen periods; recomputing; a merger; national figures.
//!
//! The 676 quarter calendar (14 March in Q1, 15 March in Q2) is a pure rule,
//! proved by `the_676_calendar_puts_14_march_in_q1_and_15_march_in_q2` in
//! `src/domain/period.rs`.

use chiso::collect::plan_import::import_plan;
use chiso::compute::evaluate::Evaluation;
use chiso::compute::national::{national_ranking, GroupRanking, UnitStanding};
use chiso::compute::publish::{Computer, FreezeOutcome, Written};
use chiso::compute::summary::{national_figures, NationalFigure};
use chiso::config::{IndicatorCatalogue, Registry};
use chiso::domain::{Period, QuarterCalendar, RankingGroup, UnitCode};
use chiso::store::{Store, RECORDS_KEPT_FOR};
use clickhouse::sql::Identifier;
use tempfile::TempDir;

use super::common::{
    another_store, deadline, import_lines, indicators, month, province, registry, service_line,
    test_store, write, MEASURE_HEADER, SERVICE_HEADER,
};

/// Three province indicators, one per zero-denominator policy, worth
/// 40 + 40 + 20 = 100 points; weights 0.5, 0.3, 0.2. Hà Giang (02) has its own
/// online target of 30% instead of the group's 50%.
const THREE_INDICATORS: &str = r#"
[[indicator]]
code = "online_rate"
name = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
description = "Hồ sơ tiếp nhận trực tuyến trên tổng số hồ sơ tiếp nhận"
source = "Nghị quyết 17/NQ-CP"
numerator = "dossiers_received_online"
denominator = "dossiers_received"
unit = "percent"
applies_to = ["province"]
weight = 0.5

[indicator.points]
max = 40
cap_percent = 50
zero_denominator = "full_points"

[[indicator.target]]
from_year = 2021
value = 50

[[indicator.target]]
from_year = 2021
value = 30
units = ["02"]

[[indicator]]
code = "on_time_rate"
name = "Tỷ lệ hồ sơ giải quyết đúng hạn"
description = "Hồ sơ giải quyết đúng hạn trên tổng số hồ sơ đã giải quyết"
source = "Quyết định 766/QĐ-TTg"
numerator = "dossiers_processed_on_time"
denominator = "dossiers_processed"
unit = "percent"
applies_to = ["province"]
weight = 0.3

[indicator.points]
max = 40
cap_percent = 100
zero_denominator = "zero_points"

[[indicator.target]]
from_year = 2021
value = 90

[[indicator]]
code = "feedback_rate"
name = "Tỷ lệ phản ánh, kiến nghị đã xử lý"
description = "Phản ánh, kiến nghị đã xử lý trên tổng số tiếp nhận"
source = "Quyết định 766/QĐ-TTg"
numerator = "feedback_resolved"
denominator = "feedback_received"
unit = "percent"
applies_to = ["province"]
weight = 0.2

[indicator.points]
max = 20
cap_percent = 100
zero_denominator = "no_data"

[[indicator.target]]
from_year = 2021
value = 80
"#;

/// One province indicator: the online rate, 100 points at 100%, so the score
/// equals the rate under either method.
const ONLINE_ONLY: &str = r#"
[[indicator]]
code = "online_rate"
name = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
description = "Hồ sơ tiếp nhận trực tuyến trên tổng số hồ sơ tiếp nhận"
source = "Nghị quyết 17/NQ-CP"
numerator = "dossiers_received_online"
denominator = "dossiers_received"
unit = "percent"
applies_to = ["province"]
weight = 1.0

[indicator.points]
max = 100
cap_percent = 100
zero_denominator = "no_data"

[[indicator.target]]
from_year = 2021
value = 50
"#;

const SUM_OF_POINTS: &str = "sum_of_points";
const WEIGHTED_SUM: &str = "weighted_sum";

fn with_method(method: &str, indicators: &str) -> String {
    format!("[composite]\nmethod = \"{method}\"\n{indicators}")
}

/// Feedback received and resolved in a unit-month, as two measure lines.
fn feedback(unit: &str, month: &str, received: u32, resolved: u32) -> [String; 2] {
    [
        format!("{unit},{month},feedback_received,{received}"),
        format!("{unit},{month},feedback_resolved,{resolved}"),
    ]
}

/// Provinces 01 Hà Nội, 02 Hà Giang, 04 Cao Bằng, 06 Bắc Kạn over April–June 2021.
/// April: 06 sends nothing and nobody reports feedback. June: 06 received and
/// settled nothing and had no feedback (every denominator 0); 02 reports no feedback.
async fn import_fixture(store: &Store, dir: &TempDir) {
    let services = [
        // unit, month, received, online, processed, on time
        service_line("01", "2021-04", 100, 30, 100, 100),
        service_line("02", "2021-04", 100, 30, 100, 90),
        service_line("04", "2021-04", 100, 30, 100, 90),
        service_line("01", "2021-05", 100, 50, 100, 100),
        service_line("02", "2021-05", 100, 25, 100, 50),
        service_line("04", "2021-05", 100, 50, 100, 75),
        service_line("06", "2021-05", 100, 10, 100, 60),
        service_line("01", "2021-06", 200, 80, 100, 90),
        service_line("02", "2021-06", 100, 40, 100, 92),
        service_line("04", "2021-06", 50, 30, 40, 28),
        service_line("06", "2021-06", 0, 0, 0, 0),
    ];
    import_lines(store, dir, "services.csv", SERVICE_HEADER, &services).await;
    let measures: Vec<String> = [
        feedback("01", "2021-05", 10, 10),
        feedback("02", "2021-05", 10, 5),
        feedback("04", "2021-05", 10, 5),
        feedback("06", "2021-05", 10, 4),
        feedback("01", "2021-06", 10, 9),
        feedback("04", "2021-06", 5, 5),
        feedback("06", "2021-06", 0, 0),
    ]
    .concat();
    import_lines(store, dir, "measures.csv", MEASURE_HEADER, &measures).await;
}

/// The fixture with the three-indicator catalogue under `method`, and the
/// June trajectories of 01 (online 40%) and 04 (on time 75%).
async fn fixture(test: &str, method: &str) -> (Store, IndicatorCatalogue, TempDir) {
    let store = test_store(test).await;
    let dir = tempfile::tempdir().unwrap();
    import_fixture(&store, &dir).await;
    let catalogue = indicators(
        &dir,
        &format!("{method}.toml"),
        &with_method(method, THREE_INDICATORS),
    );
    for (unit, plan) in [
        ("01", "01,online_rate,2021-06,40"),
        ("04", "04,on_time_rate,2021-06,75"),
    ] {
        let path = write(
            &dir,
            &format!("plan_{unit}.csv"),
            &format!("unit,indicator,month,value\n{plan}\n"),
        );
        import_plan(&path, &registry(), &catalogue, &store, false)
            .await
            .unwrap();
    }
    (store, catalogue, dir)
}

async fn ranking(
    store: &Store,
    indicators: &IndicatorCatalogue,
    period: &str,
) -> Vec<GroupRanking> {
    national_ranking(
        store,
        &registry(),
        indicators,
        period.parse().unwrap(),
        QuarterCalendar::Calendar,
        deadline(),
    )
    .await
    .unwrap()
}

fn computer<'a>(
    store: &'a Store,
    registry: &'a Registry,
    indicators: &'a IndicatorCatalogue,
) -> Computer<'a> {
    Computer {
        store,
        registry,
        indicators,
        calendar: QuarterCalendar::Calendar,
        deadline: deadline(),
    }
}

fn period(text: &str) -> Period {
    text.parse().unwrap()
}

fn unit<'g>(group: &'g GroupRanking, code: &str) -> &'g UnitStanding {
    group.units.iter().find(|u| u.code == code).unwrap()
}

fn evaluation<'g>(group: &'g GroupRanking, code: &str, indicator: &str) -> &'g Evaluation {
    unit(group, code)
        .evaluations
        .iter()
        .find(|e| e.indicator == indicator)
        .unwrap()
}

/// Floats rounded to 6 decimals, so 40 × 0.92 compares equal to 36.8.
fn r(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 1e6).round() / 1e6)
}

fn approx(got: Option<f64>, want: f64) -> bool {
    got.is_some_and(|g| (g - want).abs() < 1e-9)
}

/// An evaluation in one line, "-" for none:
/// `numerator/denominator = value% | target, trajectory, gap | status | points`.
fn facts(e: &Evaluation) -> String {
    let show = |x: Option<f64>| r(x).map_or("-".to_string(), |v| v.to_string());
    format!(
        "{}/{} = {}% | target {}, trajectory {}, gap {} | {} | {} points",
        show(e.numerator),
        show(e.denominator),
        show(e.value),
        show(e.target),
        show(e.trajectory),
        show(e.gap),
        e.status.as_str(),
        show(e.points),
    )
}

/// The first `n` units as (code, rank, rank change).
fn ranks(group: &GroupRanking, n: usize) -> Vec<(&str, Option<u32>, Option<i64>)> {
    group
        .units
        .iter()
        .take(n)
        .map(|u| (u.code.as_str(), u.rank, u.rank_change))
        .collect()
}

/// The first `n` units as (code, score, indicators scored, expected).
fn scores(group: &GroupRanking, n: usize) -> Vec<(&str, Option<f64>, usize, usize)> {
    group
        .units
        .iter()
        .take(n)
        .map(|u| {
            let c = u.composite;
            (u.code.as_str(), r(c.score), c.scored, c.expected)
        })
        .collect()
}

#[tokio::test]
async fn a_hand_made_month_gives_hand_worked_values_gaps_statuses_and_points() {
    let (store, sum, _dir) = fixture("results_evaluations", SUM_OF_POINTS).await;
    let june = ranking(&store, &sum, "2021-06").await;
    let p = province(&june);
    let got = |code: &str, indicator: &str| facts(evaluation(p, code, indicator));

    // Online rate: 40 × min(1, value / 50) points; target 50%, Hà Giang's own 30%.
    // 01: 80/200 = 40%, 10 short of 50 but on its 40% trajectory; 40 × 40/50 = 32.
    assert_eq!(
        got("01", "online_rate"),
        "80/200 = 40% | target 50, trajectory 40, gap -10 | on_track | 32 points"
    );
    // 02: also 40%, but against its own 30% target: achieved, gap +10.
    assert_eq!(
        got("02", "online_rate"),
        "40/100 = 40% | target 30, trajectory -, gap 10 | achieved | 32 points"
    );
    // 04: 30/50 = 60%, above the 50% cap: the full 40 points.
    assert_eq!(
        got("04", "online_rate"),
        "30/50 = 60% | target 50, trajectory -, gap 10 | achieved | 40 points"
    );
    // 06: 0/0 is no data, never 0%; the full_points policy gives it 40.
    assert_eq!(
        got("06", "online_rate"),
        "0/0 = -% | target 50, trajectory -, gap - | no_data | 40 points"
    );

    // On-time rate: 40 × min(1, value / 100) points; target 90%.
    // 01: 90/100 meets the target exactly; 40 × 0.9 = 36.
    assert_eq!(
        got("01", "on_time_rate"),
        "90/100 = 90% | target 90, trajectory -, gap 0 | achieved | 36 points"
    );
    // 02: 92%, gap +2; 40 × 0.92 = 36.8.
    assert_eq!(
        got("02", "on_time_rate"),
        "92/100 = 92% | target 90, trajectory -, gap 2 | achieved | 36.8 points"
    );
    // 04: 28/40 = 70%, gap -20, short of its 75% trajectory too: lagging; 40 × 0.7 = 28.
    assert_eq!(
        got("04", "on_time_rate"),
        "28/40 = 70% | target 90, trajectory 75, gap -20 | lagging | 28 points"
    );
    // 06: nothing settled; the zero_points policy gives it 0.
    assert_eq!(
        got("06", "on_time_rate"),
        "0/0 = -% | target 90, trajectory -, gap - | no_data | 0 points"
    );

    // Feedback rate: 20 × min(1, value / 100) points; target 80%.
    // 01: 9/10 = 90%, gap +10; 20 × 0.9 = 18. 04: 5/5 = 100%, gap +20; 20.
    assert_eq!(
        got("01", "feedback_rate"),
        "9/10 = 90% | target 80, trajectory -, gap 10 | achieved | 18 points"
    );
    assert_eq!(
        got("04", "feedback_rate"),
        "5/5 = 100% | target 80, trajectory -, gap 20 | achieved | 20 points"
    );
    // 02 reported no feedback: no data, no points, no month with data.
    assert_eq!(
        got("02", "feedback_rate"),
        "-/- = -% | target 80, trajectory -, gap - | no_data | - points"
    );
    let e = evaluation(p, "02", "feedback_rate");
    assert_eq!((e.months_with_data, e.months_expected), (0, 1));
    // 06 reported 0 of 0: the no_data policy leaves it out of the score.
    assert_eq!(
        got("06", "feedback_rate"),
        "0/0 = -% | target 80, trajectory -, gap - | no_data | - points"
    );
    let e = evaluation(p, "06", "feedback_rate");
    assert_eq!((e.months_with_data, e.months_expected), (1, 1));
}

/// The fixture's June 2021 by sum of points as (code, rank, rank change): 04 88,
/// 01 and 02 tied at 86, 06 50; worked out in the test below.
/// Ties are listed alphabetically by place (Hà Giang before Hà Nội).
const JUNE_BY_POINTS: [(&str, Option<u32>, Option<i64>); 4] = [
    ("04", Some(1), Some(1)),
    ("02", Some(2), Some(1)),
    ("01", Some(2), Some(-1)),
    ("06", Some(4), Some(0)),
];

#[tokio::test]
async fn composites_by_either_method_rank_with_a_tie_and_rank_changes() {
    let (store, sum, dir) = fixture("results_ranks", SUM_OF_POINTS).await;
    let june = ranking(&store, &sum, "2021-06").await;
    let p = province(&june);
    // Sum of points (points of the test above), out of the points at stake among
    // indicators with data, × 100:
    // 04: 40 + 28 + 20 = 88 of 100 → 88
    // 01: 32 + 36 + 18 = 86 of 100 → 86
    // 02: 32 + 36.8 = 68.8 of 80 (no feedback) → 86, a tie with 01
    // 06: 40 + 0 = 40 of 80 (feedback left out) → 50
    assert_eq!(
        scores(p, 4),
        [
            ("04", Some(88.0), 3, 3),
            // Tied, listed alphabetically by place: Hà Giang before Hà Nội.
            ("02", Some(86.0), 2, 3),
            ("01", Some(86.0), 3, 3),
            ("06", Some(50.0), 2, 3),
        ]
    );
    // May, by the same rule: 01 40+40+20 = 100; 04 40+30+10 = 80; 02 20+20+10 = 50;
    // 06 8+24+8 = 40: ranks 01 1, 04 2, 02 3, 06 4. The tie shares rank 2 (Thành phố
    // Hà Nội before Tỉnh Hà Giang) and rank 3 is skipped; change = May rank − June rank.
    assert_eq!(ranks(p, 4), JUNE_BY_POINTS);
    // The other 59 provinces reported nothing: listed, never ranked or scored as 0.
    assert_eq!(p.units.len(), 63);
    assert!(p.units[4..]
        .iter()
        .all(|u| u.rank.is_none() && u.rank_change.is_none() && u.composite.score.is_none()));

    // Weighted sum, Σ weight × value over Σ weight of indicators with data:
    // 04: 0.5×60 + 0.3×70 + 0.2×100 = 30 + 21 + 20 = 71
    // 01: 0.5×40 + 0.3×90 + 0.2×90 = 20 + 27 + 18 = 65
    // 02: (0.5×40 + 0.3×92) / 0.8 = 47.6 / 0.8 = 59.5 (no feedback)
    // 06: no value at all → no score, not ranked, whatever its points
    // May: 01 25+30+20 = 75; 04 25+22.5+10 = 57.5; 02 12.5+15+10 = 37.5; 06 5+18+8 = 31.
    let weighted = indicators(
        &dir,
        "weighted.toml",
        &with_method(WEIGHTED_SUM, THREE_INDICATORS),
    );
    let june = ranking(&store, &weighted, "2021-06").await;
    let p = province(&june);
    assert_eq!(
        scores(p, 3),
        [
            ("04", Some(71.0), 3, 3),
            ("01", Some(65.0), 3, 3),
            ("02", Some(59.5), 2, 3),
        ]
    );
    assert_eq!(
        ranks(p, 3),
        [
            ("04", Some(1), Some(1)),
            ("01", Some(2), Some(-1)),
            ("02", Some(3), Some(0)),
        ]
    );
    let bac_kan = unit(p, "06");
    let c = bac_kan.composite;
    assert_eq!(
        (c.score, c.scored, bac_kan.rank, bac_kan.rank_change),
        (None, 0, None, None)
    );
}

#[tokio::test]
async fn a_quarter_pools_its_months_and_counts_a_missing_one() {
    let (store, sum, _dir) = fixture("results_quarter", SUM_OF_POINTS).await;
    // April–June pooled (06 sent nothing in April, nobody feedback):
    // 01: online 160/400 = 40% → 32; on time 290/300 → 40 × 290/300 = 116/3;
    //     feedback 19/20 = 95% → 19: 32 + 116/3 + 19 = 89.67
    // 04: online 110/250 = 44% → 35.2; on time 193/240 → 32.17; feedback 10/15 → 13.33: 80.7
    // 02: online 95/300 → 25.33; on time 232/300 → 30.93; feedback 5/10 → 10: 66.27
    // 06: online 10/100 = 10% → 8; on time 60/100 → 24; feedback 4/10 → 8: 40 (June's
    //     zeros pool with May: no zero-denominator policy applies).
    let q2 = ranking(&store, &sum, "2021-Q2").await;
    let p = province(&q2);
    assert_eq!(
        ranks(p, 4),
        [
            ("01", Some(1), None),
            ("04", Some(2), None),
            ("02", Some(3), None),
            ("06", Some(4), None),
        ],
        "nobody was ranked in Q1: no rank change"
    );
    assert!(approx(
        unit(p, "01").composite.score,
        32.0 + 116.0 / 3.0 + 19.0
    ));
    assert!(approx(unit(p, "04").composite.score, 80.7));
    assert!(approx(unit(p, "06").composite.score, 40.0));
    let e = evaluation(p, "01", "online_rate");
    assert_eq!(
        facts(e),
        "160/400 = 40% | target 50, trajectory 40, gap -10 | on_track | 32 points"
    );
    assert_eq!((e.months_with_data, e.months_expected), (3, 3));
    // 06: two months with figures of the three expected; no trajectory: lagging.
    let e = evaluation(p, "06", "online_rate");
    assert_eq!(
        facts(e),
        "10/100 = 10% | target 50, trajectory -, gap -40 | lagging | 8 points"
    );
    assert_eq!((e.months_with_data, e.months_expected), (2, 3));
}

#[tokio::test]
async fn a_frozen_period_keeps_its_ranking_after_new_data_arrives() {
    let (store, sum, dir) = fixture("results_frozen", SUM_OF_POINTS).await;
    let reg = registry();
    let computer = computer(&store, &reg, &sum);
    let june = period("2021-06");

    let (outcome, frozen) = computer.freeze(june).await.unwrap();
    assert_eq!(outcome, FreezeOutcome::Frozen);
    assert!(frozen.frozen_at.is_some());
    assert_eq!(ranks(province(&frozen.groups), 4), JUNE_BY_POINTS);
    let (again, _) = computer.freeze(june).await.unwrap();
    assert_eq!(again, FreezeOutcome::AlreadyFrozen);

    // 06 sends June again, now 100/100 online and 100/100 on time: 40 + 40 of 80 → 100,
    // first; 04 88 second; 01 and 02 86 third. Against May (01 1, 04 2, 02 3, 06 4):
    // 06 +3, 04 0, 01 −2, 02 0.
    let corrected = [service_line("06", "2021-06", 100, 100, 100, 100)];
    import_lines(&store, &dir, "correction.csv", SERVICE_HEADER, &corrected).await;
    let recomputed = computer.compute(june).await.unwrap();
    assert_eq!(recomputed.written, Written::Stored);
    assert_ne!(recomputed.computation_id, frozen.computation_id);
    assert_eq!(
        ranks(province(&recomputed.groups), 4),
        [
            ("06", Some(1), Some(3)),
            ("04", Some(2), Some(0)),
            ("02", Some(3), Some(0)),
            ("01", Some(3), Some(-2)),
        ]
    );
    assert_eq!(store.computations("2021-06").await.unwrap().len(), 2);

    // What the rankings show is still the frozen computation, as frozen.
    let shown = computer.published(june).await.unwrap().unwrap();
    assert_eq!(shown.computation_id, frozen.computation_id);
    assert_eq!(shown.frozen_at, frozen.frozen_at);
    assert_eq!(shown.groups, frozen.groups);
    assert_eq!(computer.published_or_live(june).await.unwrap(), shown);
    // A unit's series too shows June as frozen, not the new data; May, never
    // computed, comes from the current data.
    let bac_kan = reg.get(&UnitCode::new("06")).unwrap();
    let series = computer
        .unit_series(bac_kan, month("2021-05"), month("2021-06"))
        .await
        .unwrap();
    let frozen_06 = &unit(province(&frozen.groups), "06").evaluations;
    let live_june = ranking(&store, &sum, "2021-06").await;
    assert_ne!(&unit(province(&live_june), "06").evaluations, frozen_06);
    assert_eq!(&series[1].evaluations, frozen_06);
    let live_may = ranking(&store, &sum, "2021-05").await;
    assert_eq!(
        series[0].evaluations,
        unit(province(&live_may), "06").evaluations
    );
    // National series read the frozen results too: online pooled (80+40+30)/(200+100+50)
    // = 150/350, not the (150+100)/(350+100) of the new data.
    let series = computer
        .national_series("online_rate", month("2021-06"), month("2021-06"))
        .await
        .unwrap();
    assert!(series[0].frozen);
    assert!(
        approx(series[0].figures[0].pooled, 150.0 / 350.0 * 100.0),
        "{series:?}"
    );

    // Freezing again publishes the new computation.
    let (outcome, republished) = computer.freeze(june).await.unwrap();
    assert_eq!(outcome, FreezeOutcome::Frozen);
    assert_eq!(republished.computation_id, recomputed.computation_id);
    assert_eq!(republished.groups, recomputed.groups);
    assert!(republished.frozen_at >= frozen.frozen_at);
    assert_eq!(store.computations("2021-06").await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_zero_denominator_is_no_data_and_never_ranked_as_zero() {
    let store = test_store("results_zero_denominator").await;
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        service_line("01", "2021-06", 10, 5, 10, 10),
        service_line("06", "2021-06", 0, 0, 0, 0),
    ];
    import_lines(&store, &dir, "services.csv", SERVICE_HEADER, &rows).await;
    let reg = registry();
    for method in [SUM_OF_POINTS, WEIGHTED_SUM] {
        let catalogue = indicators(
            &dir,
            &format!("{method}.toml"),
            &with_method(method, ONLINE_ONLY),
        );
        let computed = computer(&store, &reg, &catalogue)
            .compute(period("2021-06"))
            .await
            .unwrap();
        let p = province(&computed.groups);
        // 01: 5/10 = 50%, the only ranked unit.
        assert_eq!(scores(p, 1), [("01", Some(50.0), 1, 1)], "{method}");
        assert_eq!(p.units.iter().filter(|u| u.rank.is_some()).count(), 1);
        let bac_kan = unit(p, "06");
        let e = &bac_kan.evaluations[0];
        assert_eq!(
            facts(e),
            "0/0 = -% | target 50, trajectory -, gap - | no_data | - points",
            "{method}"
        );
        // It reported (unlike the 61 silent provinces), yet has no score and no rank.
        assert_eq!(e.months_with_data, 1);
        assert_eq!(
            (bac_kan.composite.score, bac_kan.rank, bac_kan.rank_change),
            (None, None, None),
            "{method}"
        );
    }
    // Stored as NULL, never 0, in every stored computation.
    let (rows, nulls): (u64, u64) = store
        .client()
        .query(
            "SELECT count(), countIf(isNull(value) AND isNull(points) AND status = 'no_data') \
             FROM indicator_results WHERE unit_code = ?",
        )
        .bind("06")
        .fetch_one()
        .await
        .unwrap();
    assert!(rows >= 1 && nulls == rows, "{nulls} of {rows}");
    let (rows, unranked): (u64, u64) = store
        .client()
        .query(
            "SELECT count(), countIf(isNull(score) AND isNull(rank)) FROM unit_results \
             WHERE unit_code = ?",
        )
        .bind("06")
        .fetch_one()
        .await
        .unwrap();
    assert!(rows >= 1 && unranked == rows, "{unranked} of {rows}");
}

/// Rows of `table` for `period`.
async fn count(store: &Store, table: &str, period: &str) -> u64 {
    store
        .client()
        .query("SELECT count() FROM ? WHERE period = ?")
        .bind(Identifier(table))
        .bind(period)
        .fetch_one()
        .await
        .unwrap()
}

#[tokio::test]
async fn recomputing_writes_nothing_and_results_read_back_exactly() {
    let (store, sum, _dir) = fixture("results_recompute", SUM_OF_POINTS).await;
    let reg = registry();
    let computer = computer(&store, &reg, &sum);
    let june = period("2021-06");

    let first = computer.compute(june).await.unwrap();
    assert_eq!(first.written, Written::Stored);
    let second = computer.compute(june).await.unwrap();
    assert_eq!(second.written, Written::Unchanged);
    assert_eq!(second.computation_id, first.computation_id);
    assert_eq!(second.groups, first.groups);

    // The job's path: every period June feeds; the month is unchanged.
    let all = computer.compute_months(&[month("2021-06")]).await.unwrap();
    let periods: Vec<&str> = all.iter().map(|c| c.period.as_str()).collect();
    assert_eq!(periods, ["2021-06", "2021-Q2", "2021", "2021-06-YTD"]);
    assert_eq!(all[0].written, Written::Unchanged);
    assert_eq!(all[0].computation_id, first.computation_id);

    // One computation; 63 provinces + 22 ministries valid in 2021 → 85 unit rows;
    // 3 indicators for each province (none apply to ministries) → 189 indicator rows.
    assert_eq!(count(&store, "computations", "2021-06").await, 1);
    assert_eq!(count(&store, "unit_results", "2021-06").await, 85);
    assert_eq!(count(&store, "indicator_results", "2021-06").await, 189);

    // Through the tables and back, exactly what was computed; never frozen, so provisional.
    let published = computer.published(june).await.unwrap().unwrap();
    assert_eq!(published.computation_id, first.computation_id);
    assert_eq!(published.frozen_at, None);
    assert_eq!(published.groups, first.groups);
}

#[tokio::test]
async fn a_freeze_by_another_process_shows_within_seconds_and_one_by_this_process_at_once() {
    let (store, sum, dir) = fixture("results_kept_records", SUM_OF_POINTS).await;
    let reg = registry();
    let here = computer(&store, &reg, &sum);
    let june = period("2021-06");
    let computed = here.compute(june).await.unwrap();
    let read_at = std::time::Instant::now();
    assert_eq!(here.published(june).await.unwrap().unwrap().frozen_at, None);

    let other_store = another_store("results_kept_records");
    let there = computer(&other_store, &reg, &sum);
    let (outcome, frozen) = there.freeze(june).await.unwrap();
    assert_eq!(outcome, FreezeOutcome::Frozen);
    assert_eq!(frozen.computation_id, computed.computation_id);
    // Pages here keep what they read for up to RECORDS_KEPT_FOR...
    let kept = here.published(june).await.unwrap().unwrap();
    if read_at.elapsed() < RECORDS_KEPT_FOR {
        assert_eq!(kept.frozen_at, None, "read again before RECORDS_KEPT_FOR");
    }
    // ...and show the other process's freeze after it.
    tokio::time::sleep(RECORDS_KEPT_FOR).await;
    let shown = here.published(june).await.unwrap().unwrap();
    assert_eq!(shown.frozen_at, frozen.frozen_at);

    // This process's own writes show at once: new data, recomputed and frozen here.
    let corrected = [service_line("06", "2021-06", 100, 100, 100, 100)];
    import_lines(&store, &dir, "correction.csv", SERVICE_HEADER, &corrected).await;
    let (outcome, refrozen) = here.freeze(june).await.unwrap();
    assert_eq!(outcome, FreezeOutcome::Frozen);
    assert_ne!(refrozen.computation_id, computed.computation_id);
    let shown = here.published(june).await.unwrap().unwrap();
    assert_eq!(shown.computation_id, refrozen.computation_id);
    assert_eq!(shown.frozen_at, refrozen.frozen_at);

    // A period listed twice in one run is stored once.
    let twice = here
        .compute_periods(&[period("2021-Q2"), period("2021-Q2")])
        .await
        .unwrap();
    assert_eq!(twice[0].written, Written::Stored);
    assert_eq!(twice[1].written, Written::Unchanged);
    assert_eq!(twice[1].computation_id, twice[0].computation_id);
    assert_eq!(count(&store, "computations", "2021-Q2").await, 1);
}

#[tokio::test]
async fn a_province_merged_mid_year_keeps_a_continuous_series() {
    let store = test_store("results_merger").await;
    let dir = tempfile::tempdir().unwrap();
    // 02 Hà Giang merges into 08 Tuyên Quang on 2025-07-01; 01 Hà Nội is unchanged.
    let rows = [
        service_line("01", "2025-05", 100, 30, 100, 100),
        service_line("02", "2025-05", 100, 50, 100, 100),
        service_line("08", "2025-05", 100, 10, 100, 100),
        service_line("01", "2025-06", 100, 50, 100, 100),
        service_line("02", "2025-06", 100, 90, 100, 100),
        service_line("08", "2025-06", 300, 30, 300, 300),
        service_line("01", "2025-07", 100, 80, 100, 100),
        service_line("08", "2025-07", 200, 100, 200, 200),
    ];
    import_lines(&store, &dir, "services.csv", SERVICE_HEADER, &rows).await;
    let online = indicators(&dir, "online.toml", &with_method(WEIGHTED_SUM, ONLINE_ONLY));

    // June: the 63 provinces of then, 02 and 08 apart. 02 90%, 01 50%, 08 30/300 = 10%;
    // May ranked them the same way (50%, 30%, 10%).
    let june = ranking(&store, &online, "2025-06").await;
    let p = province(&june);
    assert_eq!(p.units.len(), 63);
    assert_eq!(
        ranks(p, 3),
        [
            ("02", Some(1), Some(0)),
            ("01", Some(2), Some(0)),
            ("08", Some(3), Some(0))
        ]
    );
    let e = evaluation(p, "08", "online_rate");
    assert_eq!(
        (r(e.numerator), r(e.denominator), e.months_expected),
        (Some(30.0), Some(300.0), 1)
    );

    // July: 34 provinces, 02 gone. 01 80%, 08 100/200 = 50%; 08 moved from 3 to 2.
    let july = ranking(&store, &online, "2025-07").await;
    let p = province(&july);
    assert_eq!(p.units.len(), 34);
    assert!(p.units.iter().all(|u| u.code != "02"));
    assert_eq!(
        ranks(p, 2),
        [("01", Some(1), Some(1)), ("08", Some(2), Some(1))]
    );

    // 08's series carries 02's figures before the merger:
    // May (50+10)/(100+100) = 30%, June (90+30)/(100+300) = 30%, July 100/200 = 50%.
    let reg = registry();
    let computer = computer(&store, &reg, &online);
    let tuyen_quang = reg.get(&UnitCode::new("08")).unwrap();
    let series = computer
        .unit_series(tuyen_quang, month("2025-05"), month("2025-07"))
        .await
        .unwrap();
    let got: Vec<_> = series
        .iter()
        .map(|m| {
            let e = &m.evaluations[0];
            (
                m.month.as_str(),
                r(e.numerator),
                r(e.denominator),
                r(e.value),
                e.months_with_data,
                e.months_expected,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2025-05", Some(60.0), Some(200.0), Some(30.0), 2, 2),
            ("2025-06", Some(120.0), Some(400.0), Some(30.0), 2, 2),
            ("2025-07", Some(100.0), Some(200.0), Some(50.0), 1, 1),
        ]
    );
    // Hà Giang's own series ends with it and holds only its own figures.
    let ha_giang = reg.get(&UnitCode::new("02")).unwrap();
    let own = computer
        .unit_series(ha_giang, month("2025-05"), month("2025-06"))
        .await
        .unwrap();
    let values: Vec<_> = own.iter().map(|m| r(m.evaluations[0].value)).collect();
    assert_eq!(values, [Some(50.0), Some(90.0)]);

    // The year 2025 ranks the 34 provinces of its end. 08 sums 02's months:
    // (50+10+90+30+100)/(100+100+100+300+200) = 280/800 = 35%, 5 reports of the
    // 18 expected (January–June 2 units a month, July–December 1). 01: 160/300 = 53.3%.
    let year = ranking(&store, &online, "2025").await;
    let p = province(&year);
    assert_eq!(p.units.len(), 34);
    assert_eq!(ranks(p, 2), [("01", Some(1), None), ("08", Some(2), None)]);
    let e = evaluation(p, "08", "online_rate");
    assert_eq!(
        (r(e.numerator), r(e.denominator), r(e.value)),
        (Some(280.0), Some(800.0), Some(35.0))
    );
    assert_eq!((e.months_with_data, e.months_expected), (5, 18));
    assert!(approx(
        evaluation(p, "01", "online_rate").value,
        160.0 / 300.0 * 100.0
    ));
}

fn figure<'f>(figures: &'f [NationalFigure], indicator: &str) -> &'f NationalFigure {
    figures
        .iter()
        .find(|f| f.indicator == indicator && f.group == Some(RankingGroup::Province))
        .unwrap()
}

#[tokio::test]
async fn national_figures_pool_and_average_with_their_coverage() {
    let (store, sum, _dir) = fixture("results_national", SUM_OF_POINTS).await;
    let june = ranking(&store, &sum, "2021-06").await;
    let figures = national_figures(&sum, &june);
    // One figure per indicator: each applies to the province group only.
    assert_eq!(figures.len(), 3);

    // Online: 01 80/200, 02 40/100, 04 30/50; 06's 0/0 has no value and stays out.
    // Pooled 150/350 = 42.86%; mean (40 + 40 + 60)/3 = 46.67%.
    let f = figure(&figures, "online_rate");
    assert!(approx(f.pooled, 150.0 / 350.0 * 100.0), "{f:?}");
    assert!(approx(f.mean_of_units, 140.0 / 3.0), "{f:?}");
    // 3 provinces valued of 63; 4 unit-months with figures (06's zeros count) of 63.
    assert_eq!(
        (
            f.units_with_data,
            f.units_expected,
            f.reports_with_data,
            f.reports_expected
        ),
        (3, 63, 4, 63)
    );

    // On time: 90/100, 92/100, 28/40 → pooled 210/240 = 87.5%; mean (90+92+70)/3 = 84.
    let f = figure(&figures, "on_time_rate");
    assert!(approx(f.pooled, 87.5), "{f:?}");
    assert!(approx(f.mean_of_units, 84.0), "{f:?}");
    assert_eq!((f.units_with_data, f.reports_with_data), (3, 4));

    // Feedback: 01 9/10, 04 5/5 (02 did not report, 06 had none) → pooled 14/15 = 93.33%;
    // mean (90 + 100)/2 = 95.
    let f = figure(&figures, "feedback_rate");
    assert!(approx(f.pooled, 14.0 / 15.0 * 100.0), "{f:?}");
    assert!(approx(f.mean_of_units, 95.0), "{f:?}");
    assert_eq!(
        (
            f.units_with_data,
            f.units_expected,
            f.reports_with_data,
            f.reports_expected
        ),
        (2, 63, 3, 63)
    );
}
