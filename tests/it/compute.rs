//! Rankings computed from data stored in the real ClickHouse, checked against
//! values worked out by hand.

use chiso::compute::evaluate::Status;
use chiso::compute::national::{national_ranking, GroupRanking};
use chiso::domain::{Period, QuarterCalendar};

use super::common::{
    deadline, import_lines, indicators, province, registry, service_line, test_store,
    ONLINE_RATE_CATALOGUE, SERVICE_HEADER,
};

/// One service per unit-month with `received` dossiers, `online` of them online,
/// all processed on time.
fn line(unit: &str, month: &str, received: u32, online: u32) -> String {
    service_line(unit, month, received, online, received, received)
}

/// Imports the CSV lines, then ranks `period` with the one-indicator catalogue.
async fn import_and_rank(test: &str, lines: &[String], periods: &[&str]) -> Vec<Vec<GroupRanking>> {
    let store = test_store(test).await;
    let dir = tempfile::tempdir().unwrap();
    import_lines(&store, &dir, "fixture.csv", SERVICE_HEADER, lines).await;
    let indicators = indicators(&dir, "indicators.toml", ONLINE_RATE_CATALOGUE);
    let mut out = Vec::new();
    for p in periods {
        let period: Period = p.parse().unwrap();
        out.push(
            national_ranking(
                &store,
                &registry(),
                &indicators,
                period,
                QuarterCalendar::Calendar,
                deadline(),
            )
            .await
            .unwrap(),
        );
    }
    out
}

#[tokio::test]
async fn a_month_ranks_provinces_by_hand_worked_values_with_ties_and_rank_changes() {
    let rows = [
        // May: 01 leads.
        line("01", "2021-05", 100, 90),
        line("02", "2021-05", 100, 60),
        line("04", "2021-05", 100, 50),
        line("06", "2021-05", 100, 40),
        // June: 06 80%, 02 and 04 tie at 60%, 01 40%.
        line("01", "2021-06", 200, 80),
        line("02", "2021-06", 50, 30),
        line("04", "2021-06", 100, 60),
        line("06", "2021-06", 100, 80),
    ];
    let ranked = import_and_rank("compute_month_ranking", &rows, &["2021-06", "2021-Q2"]).await;
    let groups = &ranked[0];
    let p = province(groups);
    let top: Vec<(&str, Option<u32>, Option<i64>)> = p
        .units
        .iter()
        .take(5)
        .map(|u| (u.code.as_str(), u.rank, u.rank_change))
        .collect();
    // Ties share rank 2 and are listed alphabetically (Cao Bằng before Hà Giang); the next rank is 4.
    assert_eq!(
        top,
        [
            ("06", Some(1), Some(3)),
            ("04", Some(2), Some(1)),
            ("02", Some(2), Some(0)),
            ("01", Some(4), Some(-3)),
            (p.units[4].code.as_str(), None, None)
        ]
    );
    let unit = |code: &str| p.units.iter().find(|u| u.code == code).unwrap();
    let e = &unit("01").evaluations[0];
    assert_eq!(
        (e.numerator, e.denominator, e.value),
        (Some(80.0), Some(200.0), Some(40.0))
    );
    assert_eq!(
        (e.target, e.gap, e.status),
        (Some(50.0), Some(-10.0), Status::Lagging)
    );
    assert_eq!(unit("06").evaluations[0].status, Status::Achieved);
    // The 59 other provinces reported nothing: listed, marked, never ranked as 0.
    assert_eq!(p.units.len(), 63);
    assert!(p.units[4..]
        .iter()
        .all(|u| u.rank.is_none() && u.composite.score.is_none()));

    // A quarter sums numerators and denominators: 01 has (90+80)/(100+200) = 56.67%.
    let p = province(&ranked[1]);
    let e = &p.units.iter().find(|u| u.code == "01").unwrap().evaluations[0];
    assert!(
        (e.value.unwrap() - 170.0 / 300.0 * 100.0).abs() < 1e-9,
        "{e:?}"
    );
    assert_eq!(e.months_with_data, 2);
}

#[tokio::test]
async fn recomputing_gives_identical_results() {
    let rows = [line("01", "2021-06", 10, 5), line("02", "2021-06", 10, 7)];
    let ranked = import_and_rank("compute_twice", &rows, &["2021-06", "2021-06"]).await;
    let (first, second) = (&ranked[0], &ranked[1]);
    assert_eq!(first, second);
}

#[tokio::test]
async fn rank_changes_are_measured_against_the_frozen_previous_period() {
    let store = test_store("compute_rank_change_frozen").await;
    let dir = tempfile::tempdir().unwrap();
    let indicators = indicators(&dir, "indicators.toml", ONLINE_RATE_CATALOGUE);
    let computer = chiso::compute::publish::Computer {
        store: &store,
        registry: &registry(),
        indicators: &indicators,
        calendar: QuarterCalendar::Calendar,
        deadline: deadline(),
    };
    // May as published: 01 first (90%), 02 second (50%).
    import_lines(
        &store,
        &dir,
        "may.csv",
        SERVICE_HEADER,
        &[
            line("01", "2021-05", 100, 90),
            line("02", "2021-05", 100, 50),
        ],
    )
    .await;
    computer.freeze("2021-05".parse().unwrap()).await.unwrap();
    // A late correction swaps May's order, and June keeps 01 ahead.
    import_lines(
        &store,
        &dir,
        "correction.csv",
        SERVICE_HEADER,
        &[
            line("01", "2021-05", 100, 10),
            line("01", "2021-06", 100, 80),
            line("02", "2021-06", 100, 70),
        ],
    )
    .await;
    let june = computer.compute("2021-06".parse().unwrap()).await.unwrap();
    let p = province(&june.groups);
    let change = |code: &str| p.units.iter().find(|u| u.code == code).unwrap().rank_change;
    // Against the frozen May (01 was 1st, 02 2nd): no change. Against a
    // recomputed May (02 1st) it would have been +1 and -1.
    assert_eq!((change("01"), change("02")), (Some(0), Some(0)));
}
