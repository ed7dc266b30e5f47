//! The shipped per-service indicators (formulas over each service's rows),
//! counted in the real ClickHouse and compared with a hand-worked unit.

use chiso::compute::evaluate::Evaluation;
use chiso::compute::national::national_ranking;
use chiso::domain::{Period, QuarterCalendar};

use super::common::{
    deadline, import_lines, province, registry, test_app, test_store, SERVICE_HEADER,
};

/// One service row of unit 01: `level`, dossiers received and received online.
fn row(month: &str, service: &str, level: &str, received: u32, online: u32) -> String {
    format!("01,{month},{service},Thủ tục {service},Xây dựng,{level},1,1,{received},{online},{received},{received},0,0")
}

#[tokio::test]
async fn shipped_service_formulas_match_a_hand_worked_unit() {
    let app = test_app(test_store("formulas_hand_worked").await);
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for month in ["2021-04", "2021-05", "2021-06"] {
        // A: declared full-online, never an online dossier: flagged in June.
        rows.push(row(month, "A", "full_online", 4, 0));
        // C: partial online, used every month.
        rows.push(row(month, "C", "partial_online", 10, 5));
        // D: not online at all.
        rows.push(row(month, "D", "not_online", 20, 0));
    }
    // B: full-online, unused in April and May, one online dossier in June: not flagged.
    rows.push(row("2021-04", "B", "full_online", 3, 0));
    rows.push(row("2021-05", "B", "full_online", 3, 0));
    rows.push(row("2021-06", "B", "full_online", 3, 1));
    // E: full-online and unused, but not reported in April: three months are not confirmed.
    rows.push(row("2021-05", "E", "full_online", 2, 0));
    rows.push(row("2021-06", "E", "full_online", 2, 0));
    import_lines(&app.store, &dir, "services.csv", SERVICE_HEADER, &rows).await;

    let evaluation = |period: &str| {
        let app = &app;
        let period: Period = period.parse().unwrap();
        async move {
            let groups = national_ranking(
                &app.store,
                &registry(),
                &app.indicators,
                period,
                QuarterCalendar::Calendar,
                deadline(),
            )
            .await
            .unwrap();
            let unit = province(&groups)
                .units
                .iter()
                .find(|u| u.code == "01")
                .expect("unit 01 ranked")
                .clone();
            unit.evaluations
        }
    };
    let value = |evaluations: &[Evaluation], code: &str| {
        evaluations
            .iter()
            .find(|e| e.indicator == code)
            .unwrap_or_else(|| panic!("{code} evaluated"))
            .value
    };

    let june = evaluation("2021-06").await;
    // Online services in June: A, B, C, E (4); with an online dossier: B, C (2).
    assert_eq!(value(&june, "online_services_used_rate"), Some(50.0));
    // Received online through full-online services: B's 1 of 4 + 3 + 10 + 20 + 2 = 39.
    let fully = value(&june, "fully_online_dossier_rate").unwrap();
    assert!((fully - 100.0 / 39.0).abs() < 1e-9, "{fully}");
    // Full-online with no online dossier in April, May and June: A only.
    assert_eq!(value(&june, "full_online_services_unused_3m"), Some(1.0));

    let april = evaluation("2021-04").await;
    // April: online services A, B, C; used: C.
    let used = value(&april, "online_services_used_rate").unwrap();
    assert!((used - 100.0 / 3.0).abs() < 1e-9, "{used}");
    // The three-month window reaches back before any report: nothing confirmed yet.
    assert_eq!(value(&april, "full_online_services_unused_3m"), Some(0.0));

    // An insert repeated after a lost answer repeats the rows of the same
    // version: counted without FINAL, each service still counts once.
    app.store
        .client()
        .query("INSERT INTO service_stats SELECT * FROM service_stats WHERE unit_code = '01'")
        .execute()
        .await
        .unwrap();
    let again = evaluation("2021-06").await;
    for code in [
        "online_services_used_rate",
        "fully_online_dossier_rate",
        "full_online_services_unused_3m",
    ] {
        assert_eq!(
            value(&again, code),
            value(&june, code),
            "{code} after a repeated insert"
        );
    }

    // A month the unit did not report has no value: missing, never zero.
    let july = evaluation("2021-07").await;
    assert_eq!(value(&july, "online_services_used_rate"), None);
    assert_eq!(value(&july, "full_online_services_unused_3m"), None);
}
