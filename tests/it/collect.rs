//! Collecting from the simulator into the real ClickHouse.

use chiso::store::{Outcome, Store, UnitMonthTotals};

use super::common::{collector, month, simulated_totals, simulator, test_store};

const MONTHS: [&str; 3] = ["2021-04", "2021-05", "2021-06"];

async fn collect_all(store: &Store, sim: &chiso::simulate::SimulatorHandle) {
    let c = collector(store, sim);
    for m in MONTHS.map(month) {
        let units = c.units_for(m, None).unwrap();
        let report = c.collect(m, &units, false).await;
        assert!(report.all_succeeded(), "{report}");
        assert_eq!(
            report.results.len(),
            63 + 22,
            "every province and ministry valid in {m}"
        );
    }
}

async fn totals(store: &Store) -> Vec<Vec<UnitMonthTotals>> {
    let mut all = Vec::new();
    for m in MONTHS.map(month) {
        all.push(store.month_totals(m).await.unwrap());
    }
    all
}

#[tokio::test]
async fn collecting_three_months_stores_exactly_what_the_simulator_sent() {
    let store = test_store("collect_three_months").await;
    let sim = simulator(vec![]);
    collect_all(&store, &sim).await;
    for (m, stored) in MONTHS.map(month).into_iter().zip(totals(&store).await) {
        // Ministries without public services report measures only.
        assert_eq!(stored.len(), 63 + 22 - 3, "units with services in {m}");
        for t in &stored {
            assert_eq!(
                *t,
                simulated_totals(&t.unit_code, m),
                "unit {} month {m}",
                t.unit_code
            );
        }
        let measures = store.month_measures(m).await.unwrap();
        // Provinces 14 measures, ministries with services 13, the 3 without 10
        // (no e-identification, e-authentication or portal connection).
        assert_eq!(
            measures.len(),
            63 * 14 + 19 * 13 + 3 * 10,
            "measures in {m}"
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn recollecting_the_same_months_changes_nothing() {
    let store = test_store("recollect_same_months").await;
    let sim = simulator(vec![]);
    collect_all(&store, &sim).await;
    let before = totals(&store).await;
    let c = collector(&store, &sim);
    for m in MONTHS.map(month) {
        let units = c.units_for(m, None).unwrap();
        let report = c.collect(m, &units, false).await;
        assert!(
            report
                .results
                .iter()
                .all(|r| r.outcome == Outcome::Unchanged),
            "{report}"
        );
        assert_eq!(report.rows(), 0);
    }
    assert_eq!(totals(&store).await, before);
    sim.stop().await;
}

#[tokio::test]
async fn a_changed_repull_replaces_the_month_without_doubling() {
    let store = test_store("changed_repull").await;
    let m = month("2021-06");
    let first = simulator(vec![]);
    let c = collector(&store, &first);
    let units = c.units_for(m, Some("79")).unwrap();
    assert_eq!(
        c.collect(m, &units, false).await.results[0].outcome,
        Outcome::Stored
    );
    first.stop().await;

    // The unit corrects its figures: a simulator with another seed serves different ones.
    let config = chiso::simulate::SimulatorConfig {
        seed: 99,
        page_size: 300,
        slow_delay_ms: 1,
        fault: vec![],
    };
    let second = chiso::simulate::serve(
        super::common::registry(),
        config,
        ([127, 0, 0, 1], 0).into(),
    )
    .unwrap();
    let c = collector(&store, &second);
    let report = c.collect(m, &units, false).await;
    assert_eq!(report.results[0].outcome, Outcome::Stored, "{report}");

    let reg = super::common::registry();
    let page =
        chiso::simulate::generate(reg.get(&chiso::domain::UnitCode::new("79")).unwrap(), m, 99);
    let stored = store.month_totals(m).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].services,
        page.services.len() as u64,
        "no service counted twice or left from the old version"
    );
    assert_eq!(
        stored[0].received,
        page.services.iter().map(|s| s.received as u64).sum::<u64>()
    );
    second.stop().await;
}

#[tokio::test]
async fn a_dry_run_stores_nothing_and_says_what_it_would_do() {
    let store = test_store("collect_dry_run").await;
    let sim = simulator(vec![]);
    let c = collector(&store, &sim);
    let m = month("2021-06");
    let units = c.units_for(m, Some("01")).unwrap();
    let report = c.collect(m, &units, true).await;
    assert!(report.to_string().contains("would insert"), "{report}");
    assert!(store.month_totals(m).await.unwrap().is_empty());
    assert!(
        store.last_attempts(m).await.unwrap().is_empty(),
        "a dry run records no attempt"
    );
    sim.stop().await;
}

async fn pages_of(sim: &chiso::simulate::SimulatorHandle, unit: &str, m: &str) -> Vec<String> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}/{unit}/v1/stats?month={m}", sim.base_url());
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let body = super::common::http()
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page: serde_json::Value = serde_json::from_str(&body).unwrap();
        cursor = page["next_cursor"].as_str().map(String::from);
        pages.push(body);
        if cursor.is_none() {
            return pages;
        }
    }
}

#[tokio::test]
async fn prepared_pages_are_the_pages_served_on_demand_and_faults_still_apply() {
    let sim = simulator(vec![]);
    // 79 (Hồ Chí Minh City) has more services than a page holds.
    let on_demand = pages_of(&sim, "79", "2021-06").await;
    assert!(on_demand.len() > 1, "79 spans pages");
    let rendered = sim.prepare(&[month("2021-06")]);
    assert!(rendered >= 85, "a page at least per unit: {rendered}");
    assert_eq!(pages_of(&sim, "79", "2021-06").await, on_demand);

    sim.faults.set(vec![chiso::simulate::Fault {
        unit: "79".into(),
        mode: chiso::simulate::FaultMode::WrongUnit,
        tries: 0,
        months: vec![],
    }]);
    let faulty = pages_of(&sim, "79", "2021-06").await;
    assert!(
        faulty[0].contains("\"unit_code\":\"79X\""),
        "{}",
        &faulty[0][..80]
    );
    sim.stop().await;
}
