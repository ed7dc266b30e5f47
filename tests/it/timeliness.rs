//! Report timeliness: on time, late, missing, and "arrival unknown" for a month
//! first collected after its deadline (a backfill, an import of history), which
//! the on-time rate leaves out instead of counting late.

use chiso::compute::evaluate::Evaluation;
use chiso::domain::{Month, Period};

use chiso::store::Outcome;

use super::common::{
    collector, import_lines, month, service_line, simulator, test_app, test_store, SEED,
    SERVICE_HEADER,
};

/// The month now in Asia/Ho_Chi_Minh: its deadline (the 5th of the next month)
/// is always ahead, so a report stored now is on time.
fn current_month() -> Month {
    Month::of(
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .date_naive(),
    )
}

fn on_time_rate(published: &chiso::compute::publish::Published, unit: &str) -> Evaluation {
    published
        .groups
        .iter()
        .flat_map(|g| &g.units)
        .find(|u| u.code == unit)
        .and_then(|u| {
            u.evaluations
                .iter()
                .find(|e| e.indicator == "reporting_on_time_rate")
        })
        .cloned()
        .unwrap_or_else(|| panic!("{unit} has no on-time rate"))
}

#[tokio::test]
async fn a_report_stored_before_its_deadline_is_on_time_and_a_backfilled_month_is_unknown() {
    let store = test_store("timeliness").await;
    let dir = tempfile::tempdir().unwrap();
    let now = current_month();
    let line = |unit: &str, m: &str| service_line(unit, m, 100, 50, 100, 90);
    // History: June 2021 imported today, years after its deadline.
    let history = [line("01", "2021-06"), line("02", "2021-06")];
    import_lines(&store, &dir, "history.csv", SERVICE_HEADER, &history).await;
    // July 2021: chiso tried to pull unit 02 on 2 August 2021, before the
    // deadline, so it was collecting the month; 01's report is stored only now.
    store
        .client()
        .query(
            "INSERT INTO collection_attempts (attempt_id, unit_code, month, channel, started_at, \
             started_us, finished_at, outcome, http_status, tries, services, measures, error) VALUES \
             ('early', '02', '2021-07-01', 'http', '2021-08-02 02:00:00', 1627869600000000, \
             '2021-08-02 02:00:01', 'failed', 503, 3, 0, 0, 'HTTP 503')",
        )
        .execute()
        .await
        .unwrap();
    import_lines(
        &store,
        &dir,
        "july.csv",
        SERVICE_HEADER,
        &[line("01", "2021-07")],
    )
    .await;
    // The live month: 01 reports it now, before its deadline; 79 has not.
    let live = [line("01", &now.to_string())];
    import_lines(&store, &dir, "live.csv", SERVICE_HEADER, &live).await;

    let app = test_app(store.clone());
    let computer = app.computer();
    let june = computer
        .published_or_live(Period::Month(month("2021-06")))
        .await
        .unwrap();
    let unknown = on_time_rate(&june, "01");
    assert_eq!(
        unknown.value, None,
        "arrival unknown is neither on time nor late: {unknown:?}"
    );
    assert_eq!((unknown.months_with_data, unknown.months_expected), (0, 1));

    let july = computer
        .published_or_live(Period::Month(month("2021-07")))
        .await
        .unwrap();
    assert_eq!(
        on_time_rate(&july, "01").value,
        Some(0.0),
        "stored after the deadline of a month chiso was collecting: late"
    );

    let live = computer
        .published_or_live(Period::Month(now))
        .await
        .unwrap();
    assert_eq!(
        on_time_rate(&live, "01").value,
        Some(100.0),
        "stored before its deadline: on time"
    );
    assert_eq!(
        on_time_rate(&live, "79").value,
        Some(0.0),
        "missing is not on time"
    );

    // The year 2021 for 01: June unknown, July late, the other months missing;
    // its coverage says June is left out.
    let year = computer
        .published_or_live(Period::Year(2021))
        .await
        .unwrap();
    let rate = on_time_rate(&year, "01");
    assert_eq!(rate.value, Some(0.0));
    assert_eq!((rate.months_with_data, rate.months_expected), (11, 12));
}

/// The demo's simulator serves a unit's month only once the unit has submitted
/// it: the month in progress is not there yet (the collector records the
/// attempt, so chiso was collecting it), history is.
#[tokio::test]
async fn a_simulator_releasing_at_submission_times_serves_no_report_before_it_is_submitted() {
    let store = test_store("timeliness_submission").await;
    let sim = simulator(vec![]);
    sim.release_at_submission_times();
    let c = collector(&store, &sim);
    let now = current_month();
    let units = c.units_for(now, Some("01")).unwrap();
    let report = c.collect(now, &units, false).await;
    assert_eq!(report.results[0].outcome, Outcome::Failed, "{report}");
    assert!(report.results[0].message.contains("404"), "{report}");
    let units = c.units_for(month("2021-06"), Some("01")).unwrap();
    assert!(c
        .collect(month("2021-06"), &units, false)
        .await
        .all_succeeded());
    let watched = store.months_watched((month("2021-06"), now)).await.unwrap();
    assert_eq!(watched.len(), 2, "{watched:?}");
    sim.stop().await;
}

/// The demo's replay: a past month collected day by day on a clock shared by
/// the collector and the simulator. Each unit's report is on time, late or
/// missing exactly as its simulated submission time says, and the month has
/// all three, as a real one does.
#[tokio::test]
async fn a_month_replayed_day_by_day_is_on_time_late_or_missing_as_each_unit_submitted() {
    use chiso::collect::REPLAY_DAYS;
    use chrono::TimeZone;

    let zone = chrono_tz::Asia::Ho_Chi_Minh;
    let store = test_store("timeliness_replay").await;
    let sim = simulator(vec![]);
    sim.release_at_submission_times();
    let mut c = collector(&store, &sim);
    c.clock = sim.clock();
    let m = month("2024-03");
    let days = c.replay_month(m, (&REPLAY_DAYS, 17, zone)).await.unwrap();
    assert_eq!(days.len(), REPLAY_DAYS.len());
    assert!(
        c.clock.now() > days[days.len() - 1].0,
        "back on the wall clock"
    );

    let deadline = zone
        .with_ymd_and_hms(2024, 4, 5, 23, 59, 59)
        .single()
        .unwrap();
    let published = test_app(store.clone())
        .computer()
        .published_or_live(Period::Month(m))
        .await
        .unwrap();
    let (mut on_time, mut late, mut missing) = (0, 0, 0);
    for unit in c.units_for(m, None).unwrap() {
        let code = unit.code.as_str();
        let submitted = zone
            .from_local_datetime(&chiso::simulate::submission_time(code, m, SEED))
            .single()
            .unwrap();
        // The first replay day at or after the submission stores the report.
        let stored_at = days.iter().map(|(at, _)| *at).find(|at| *at >= submitted);
        let rate = on_time_rate(&published, code).value;
        match stored_at {
            Some(at) if at <= deadline => {
                on_time += 1;
                assert_eq!(rate, Some(100.0), "{code} submitted {submitted}: on time");
            }
            Some(_) => {
                late += 1;
                assert_eq!(rate, Some(0.0), "{code} submitted {submitted}: late");
            }
            None => {
                missing += 1;
                assert_eq!(rate, Some(0.0), "{code} submitted {submitted}: missing");
            }
        }
        let stored = store
            .first_stored((m, m), chiso::store::Units::Only(&[code.to_string()]))
            .await
            .unwrap();
        assert_eq!(stored.len(), usize::from(stored_at.is_some()), "{code}");
        if let (Some(at), Some(row)) = (stored_at, stored.first()) {
            // Stored on the replayed day, not today.
            assert!(
                i64::from(row.first_stored_at) - at.timestamp() < 60,
                "{code}"
            );
        }
    }
    assert!(
        on_time > 0 && late > 0 && missing > 0,
        "{on_time} on time, {late} late, {missing} missing"
    );
}
