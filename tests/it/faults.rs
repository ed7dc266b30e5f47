//! Every fault mode of the simulator: the faulty unit's attempt is recorded with
//! a reason naming unit, month and field; other units succeed; data stored
//! earlier for the faulty unit stays.

use chiso::simulate::{Fault, FaultMode};
use chiso::store::Outcome;

use super::common::{
    collector, collector_settings, collector_with, month, simulated_totals, simulator, test_store,
};

const OTHERS: [&str; 2] = ["01", "06"];
const FAULTY: &str = "04";

#[tokio::test]
async fn every_fault_mode_is_recorded_and_leaves_earlier_data_in_place() {
    let store = test_store("fault_modes").await;
    let sim = simulator(vec![]);
    // 1 s, so the slow mode (2.5 s) times out quickly.
    let mut settings = collector_settings(&sim.base_url());
    settings.timeout_secs = 1;
    let c = collector_with(&store, settings);
    let m = month("2021-06");
    let reg = super::common::registry();
    let units: Vec<_> = [FAULTY, OTHERS[0], OTHERS[1]]
        .iter()
        .map(|code| {
            reg.get(&chiso::domain::UnitCode::new(*code))
                .unwrap()
                .clone()
        })
        .collect();
    let unit_refs: Vec<_> = units.iter().collect();
    assert!(c.collect(m, &unit_refs, false).await.all_succeeded());
    let earlier = simulated_totals(FAULTY, m);

    let cases: [(FaultMode, Outcome, &str); 8] = [
        (FaultMode::Slow, Outcome::Failed, "no answer within 1 s"),
        (
            FaultMode::Http500,
            Outcome::Failed,
            "HTTP 500 after 2 tries",
        ),
        (
            FaultMode::MalformedJson,
            Outcome::Rejected,
            "malformed payload",
        ),
        (
            FaultMode::NegativeCount,
            Outcome::Rejected,
            "field 'services[code=1.000000].received': -5 is negative",
        ),
        (
            FaultMode::InconsistentCounts,
            Outcome::Rejected,
            "field 'services[code=1.000000].received_online'",
        ),
        (
            FaultMode::WrongMonth,
            Outcome::Rejected,
            "field 'month': '2021-05' does not match",
        ),
        (
            FaultMode::WrongUnit,
            Outcome::Rejected,
            "field 'unit_code': '04X' does not match",
        ),
        (
            FaultMode::Empty,
            Outcome::Rejected,
            "field 'services': the payload is empty",
        ),
    ];
    for (mode, outcome, reason) in cases {
        sim.faults.set(vec![Fault {
            unit: FAULTY.into(),
            mode,
            tries: 0,
            months: vec![],
        }]);
        let report = c.collect(m, &unit_refs, false).await;
        let faulty = report
            .results
            .iter()
            .find(|r| r.unit.as_str() == FAULTY)
            .unwrap();
        assert_eq!(faulty.outcome, outcome, "{mode:?}: {report}");
        assert!(
            faulty.message.contains("unit 04, month 2021-06"),
            "{mode:?}: {}",
            faulty.message
        );
        assert!(
            faulty.message.contains(reason),
            "{mode:?}: {}",
            faulty.message
        );
        for other in OTHERS {
            let r = report
                .results
                .iter()
                .find(|r| r.unit.as_str() == other)
                .unwrap();
            assert!(
                r.outcome.is_success(),
                "{mode:?}: unit {other}: {}",
                r.message
            );
        }
        let last = store.last_attempts(m).await.unwrap();
        let recorded = last.iter().find(|a| a.unit_code == FAULTY).unwrap();
        assert_eq!(recorded.outcome, outcome, "{mode:?}");
        assert!(
            recorded.error.contains(reason),
            "{mode:?}: {}",
            recorded.error
        );
        let stored = store.month_totals(m).await.unwrap();
        assert_eq!(
            stored.iter().find(|t| t.unit_code == FAULTY),
            Some(&earlier),
            "{mode:?}: earlier data lost"
        );
    }
    // Every rejection kept its payload whole, with the field named.
    let rejected = store.rejections(FAULTY, m.first_day()).await.unwrap();
    assert_eq!(rejected.len(), 6);
    assert!(rejected
        .iter()
        .all(|r| !r.payload.is_empty() && !r.field.is_empty()));
    let malformed = rejected
        .iter()
        .find(|r| r.reason.contains("malformed"))
        .unwrap();
    assert!(
        malformed.payload.starts_with("{\"unit_code\":\"04\""),
        "{}",
        &malformed.payload[..60]
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_unit_failing_then_answering_is_collected_by_the_retry() {
    let store = test_store("fault_retry").await;
    let sim = simulator(vec![Fault {
        unit: FAULTY.into(),
        mode: FaultMode::Http500,
        tries: 1,
        months: vec![],
    }]);
    let c = collector(&store, &sim);
    let m = month("2021-06");
    let units = c.units_for(m, Some(FAULTY)).unwrap();
    let report = c.collect(m, &units, false).await;
    assert_eq!(report.results[0].outcome, Outcome::Stored, "{report}");
    let attempt = &store.last_attempts(m).await.unwrap()[0];
    assert_eq!(attempt.tries, 2);
    assert_eq!(
        store.month_totals(m).await.unwrap()[0],
        simulated_totals(FAULTY, m)
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let store = test_store("fault_4xx").await;
    let sim = simulator(vec![]);
    // The simulator answers 404 for a unit it does not know: point one unit there.
    let mut settings = super::common::collector_settings(&format!("{}/nowhere", sim.base_url()));
    settings.retries = 3;
    let c = chiso::collect::Collector::new(
        store.clone(),
        super::common::registry(),
        super::common::catalogue(),
        settings,
    )
    .unwrap();
    let m = month("2021-06");
    let units = c.units_for(m, Some("01")).unwrap();
    let report = c.collect(m, &units, false).await;
    assert_eq!(report.results[0].outcome, Outcome::Failed);
    assert!(
        report.results[0].message.contains("HTTP 404 after 1 tries"),
        "{}",
        report.results[0].message
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_failed_write_fails_every_unit_month_it_carried_and_records_each() {
    let store = test_store("fault_write").await;
    let sim = simulator(vec![]);
    let c = collector(&store, &sim);
    let (june, july) = (month("2021-06"), month("2021-07"));
    let runs: Vec<_> = [june, july]
        .into_iter()
        .map(|m| {
            let units: Vec<_> = c
                .units_for(m, None)
                .unwrap()
                .into_iter()
                .filter(|u| [FAULTY, OTHERS[0], OTHERS[1]].contains(&u.code.as_str()))
                .collect();
            (m, units)
        })
        .collect();
    let first = c.collect_months(&runs[..1], false).await;
    assert!(first[0].all_succeeded(), "{}", first[0]);
    let stored_june = store.month_totals(june).await.unwrap();

    // The measures table goes away: July's write cannot be made.
    let create: String = store
        .client()
        .query("SHOW CREATE TABLE measure_values")
        .fetch_one()
        .await
        .unwrap();
    store
        .client()
        .query("DROP TABLE measure_values")
        .execute()
        .await
        .unwrap();
    let reports = c.collect_months(&runs, false).await;
    assert_eq!(reports.len(), 2);
    // June is unchanged (nothing to write); every July unit-month failed, named.
    assert!(reports[0]
        .results
        .iter()
        .all(|r| r.outcome == Outcome::Unchanged));
    assert_eq!(reports[1].results.len(), 3);
    for r in &reports[1].results {
        assert_eq!(r.outcome, Outcome::Failed, "{}", reports[1]);
        assert!(
            r.message
                .contains(&format!("unit {}, month 2021-07: storing", r.unit)),
            "{}",
            r.message
        );
    }
    // Each attempt is recorded as failed, with the reason; June's data is intact,
    // and July has no batch, so the next pull stores it.
    let attempts = store.last_attempts(july).await.unwrap();
    assert_eq!(attempts.len(), 3);
    for a in &attempts {
        assert_eq!(a.outcome, Outcome::Failed, "{}", a.unit_code);
        assert!(a.error.contains("storing"), "{}", a.error);
    }
    assert_eq!(store.month_totals(june).await.unwrap(), stored_june);
    assert!(store.current_batches(july).await.unwrap().is_empty());
    // With the table back, the next pull stores July.
    store.client().query(&create).execute().await.unwrap();
    let again = c.collect_months(&runs[1..], false).await;
    assert!(
        again[0]
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Stored),
        "{}",
        again[0]
    );
    sim.stop().await;
}
