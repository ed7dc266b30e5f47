//! A hostile or broken unit (issue 12): redirects, private addresses, bodies
//! without end, cursors without end, values no unit can have. Each is refused
//! with a named reason, nothing of an upstream body is shown, and what was
//! stored before stays.

use chiso::collect::{import_file, Collector, Report};
use chiso::config::{Registry, SourceConfig};
use chiso::domain::UnitCode;
use chiso::simulate::{Fault, FaultMode, REDIRECT_BODY, SECRET_BODY};
use chiso::store::{Outcome, Store};

use super::common::{
    catalogue, collector_settings, collector_with, http, ministry_token, month, registry, serve,
    simulator, test_store, write,
};

fn fault(unit: &str, mode: FaultMode) -> Fault {
    Fault {
        unit: unit.into(),
        mode,
        tries: 0,
        months: vec![],
    }
}

async fn collect(c: &Collector, code: &str) -> Report {
    let m = month("2021-06");
    let units = c.units_for(m, Some(code)).unwrap();
    c.collect(m, &units, false).await
}

/// The one result of a one-unit report, which must have `outcome`.
fn only(report: &Report, outcome: Outcome) -> String {
    let r = &report.results[0];
    assert_eq!(r.outcome, outcome, "{report}");
    r.message.clone()
}

/// What the unit page shows of the unit's attempts (`unit_attempts` feeds it).
async fn shown_attempts(store: &Store, unit: &str) -> Vec<String> {
    let attempts = store.unit_attempts(unit, 12).await.unwrap();
    attempts.into_iter().map(|a| a.error).collect()
}

#[tokio::test]
async fn a_redirect_even_to_loopback_is_refused_and_its_body_never_shown() {
    let store = test_store("hostile_redirect").await;
    let sim = simulator(vec![]);
    let c = collector_with(&store, collector_settings(&sim.base_url()));
    only(&collect(&c, "04").await, Outcome::Stored);
    let before = store.month_totals(month("2021-06")).await.unwrap();

    sim.faults
        .set(vec![fault("04", FaultMode::RedirectLoopback)]);
    let message = only(&collect(&c, "04").await, Outcome::Failed);
    assert!(
        message
            .contains("unit 04, month 2021-06: redirect refused: HTTP 302 to 'http://127.0.0.1:"),
        "{message}"
    );
    let errors = shown_attempts(&store, "04").await;
    assert_eq!(errors.len(), 2);
    assert!(errors[0].contains("redirect refused"), "{errors:?}");
    for text in errors.iter().chain([&message]) {
        assert!(!text.contains("SIMULATED-SECRET"), "{text}");
        assert!(!text.contains(&SECRET_BODY[..20]), "{text}");
        assert!(!text.contains(REDIRECT_BODY), "{text}");
    }
    let rejected = store
        .rejections("04", month("2021-06").first_day())
        .await
        .unwrap();
    assert!(
        rejected.is_empty(),
        "a redirect is no payload: {rejected:?}"
    );
    assert_eq!(store.month_totals(month("2021-06")).await.unwrap(), before);

    // The unit page, as staff see it: the classified reason only.
    let token = ministry_token(&store).await;
    let (site, _) = serve(store.clone());
    let page = http()
        .get(format!("{}/don-vi/04", site.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("redirect refused: HTTP 302"),
        "no reason shown"
    );
    assert!(!html.contains("SIMULATED-SECRET") && !html.contains(REDIRECT_BODY));
    site.stop().await;
    sim.stop().await;
}

/// The registry with each unit's source pointed at `base_url` of it, and
/// `allow_private_address` as given.
fn registry_with_sources(sources: &[(&str, String, bool)]) -> Registry {
    let mut units = registry().all().to_vec();
    for (code, base_url, allow) in sources {
        let unit = units.iter_mut().find(|u| u.code.as_str() == *code).unwrap();
        unit.source = SourceConfig::Http {
            base_url: base_url.clone(),
            token_env: "CHISO_TOKEN_NONE".into(),
            allow_private_address: *allow,
        };
    }
    Registry::build(std::path::Path::new("units.toml"), units).unwrap()
}

#[tokio::test]
async fn a_private_address_is_refused_unless_the_unit_allows_it() {
    let store = test_store("hostile_private").await;
    let sim = simulator(vec![]);
    let port = sim.addr.port();
    let registry = registry_with_sources(&[
        ("04", format!("http://127.0.0.1:{port}/04"), false),
        ("01", format!("http://localhost:{port}/01"), false),
        ("06", format!("http://127.0.0.1:{port}/06"), true),
    ]);
    let mut settings = collector_settings("");
    settings.source_override = None;
    let c = Collector::new(store.clone(), registry, catalogue(), settings).unwrap();
    let literal = only(&collect(&c, "04").await, Outcome::Failed);
    assert!(
        literal.contains("address refused: '127.0.0.1' is loopback"),
        "{literal}"
    );
    // A name is checked on what it resolves to, as a rebinding name would be.
    let named = only(&collect(&c, "01").await, Outcome::Failed);
    assert!(
        named.contains("address refused: 'localhost' is loopback"),
        "{named}"
    );
    only(&collect(&c, "06").await, Outcome::Stored);
    let stored = store.month_totals(month("2021-06")).await.unwrap();
    let units: Vec<&str> = stored.iter().map(|t| t.unit_code.as_str()).collect();
    assert_eq!(units, ["06"]);
    sim.stop().await;
}

#[tokio::test]
async fn an_oversized_body_an_endless_cursor_and_a_slow_month_are_refused_by_name() {
    let store = test_store("hostile_limits").await;
    let sim = simulator(vec![
        fault("04", FaultMode::Oversized),
        fault("01", FaultMode::EndlessCursor),
        fault("06", FaultMode::Slow),
    ]);
    let mut settings = collector_settings(&sim.base_url());
    settings.max_body_bytes = 1 << 20;
    settings.max_pages = 5;
    // Below the simulator's slow delay (2.5 s) and the request timeout.
    settings.unit_month_deadline_secs = 1;
    let c = collector_with(&store, settings);
    let m = month("2021-06");
    let reg = registry();
    let units: Vec<_> = ["04", "01", "06"]
        .iter()
        .map(|code| reg.get(&UnitCode::new(*code)).unwrap())
        .collect();
    let report = c.collect(m, &units, false).await;
    let message = |code: &str| {
        let r = report
            .results
            .iter()
            .find(|r| r.unit.as_str() == code)
            .unwrap();
        assert_eq!(r.outcome, Outcome::Failed, "{report}");
        r.message.clone()
    };
    assert!(
        message("04").contains(
            "body too large: more than 1048576 bytes in the unit-month (collector.max_body_bytes)"
        ),
        "{report}"
    );
    assert!(
        message("01").contains("endless cursor: still more after 5 pages (collector.max_pages)"),
        "{report}"
    );
    assert!(
        message("06").contains("deadline passed: unit-month not collected within 1 s"),
        "{report}"
    );
    let recorded = store.last_attempts(m).await.unwrap();
    assert_eq!(recorded.len(), 3);
    assert!(recorded.iter().all(|a| a.outcome == Outcome::Failed));
    assert!(store.month_totals(m).await.unwrap().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn an_implausible_value_is_rejected_by_pull_and_import_and_earlier_data_stays() {
    let store = test_store("hostile_bounds").await;
    let sim = simulator(vec![]);
    let c = collector_with(&store, collector_settings(&sim.base_url()));
    let m = month("2021-06");
    only(&collect(&c, "04").await, Outcome::Stored);
    let (totals, measures) = (
        store.month_totals(m).await.unwrap(),
        store.month_measures(m).await.unwrap(),
    );

    sim.faults
        .set(vec![fault("04", FaultMode::ImplausibleValue)]);
    let pulled = only(&collect(&c, "04").await, Outcome::Rejected);
    assert!(
        pulled.contains(
            "unit 04, month 2021-06: field 'measures[code=documents_exchanged_electronic].value': \
             1e307 exceeds the plausible maximum"
        ),
        "{pulled}"
    );

    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "measures.csv",
            "unit,month,measure,value\n04,2021-06,documents_exchanged_electronic,1e307\n"
                .to_string(),
            "field 'measures[code=documents_exchanged_electronic].value'",
        ),
        (
            "services.csv",
            format!(
                "{}\n{}\n",
                super::common::SERVICE_HEADER,
                "04,2021-06,1.001,Cấp giấy phép,Xây dựng,full_online,1,1,2000000000,0,0,0,0,0"
            ),
            "field 'services[code=1.001].received': 2000000000 exceeds the plausible maximum",
        ),
    ];
    for (name, text, field) in files {
        let csv = write(&dir, name, &text);
        let out = import_file(&csv, &registry(), &catalogue(), &store, false)
            .await
            .unwrap();
        let imported = only(&out.report, Outcome::Rejected);
        assert!(imported.contains("unit 04, month 2021-06"), "{imported}");
        assert!(imported.contains(field), "{imported}");
    }
    assert_eq!(store.month_totals(m).await.unwrap(), totals);
    assert_eq!(store.month_measures(m).await.unwrap(), measures);
    sim.stop().await;
}
