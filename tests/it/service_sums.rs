//! `service_sums` (0016) against the reference read through `FINAL`: the same
//! figures on the same data, corrections and replaced months included, and
//! the migration fills it from the rows stored before it.

use chiso::domain::Month;
use chiso::store::{ServiceFigures, Store, Units};

use super::common::{import_lines, month, test_store, MEASURE_HEADER, SERVICE_HEADER};

/// A service line: `level` as in the CSV, flags, and dossier counts.
fn service(unit: &str, m: &str, code: u32, level: &str, received: u32, online: u32) -> String {
    let (processed, on_time) = (received.saturating_sub(3), received.saturating_sub(5));
    let late = processed - on_time;
    // Fully online only where eligible (the validator's rule); the flags vary otherwise.
    let eligible = u32::from(level == "full_online" || code % 2 == 1);
    format!(
        "{unit},{m},2.{code:03},Thủ tục {code},Tư pháp,{level},{eligible},{},{received},{online},{processed},{on_time},{late},{}",
        code % 2,
        code % 4
    )
}

fn month_of(unit: &str, m: &str, services: u32, scale: u32) -> Vec<String> {
    let levels = ["full_online", "partial_online", "not_online"];
    (1..=services)
        .map(|c| {
            service(
                unit,
                m,
                c,
                levels[c as usize % 3],
                10 * c * scale,
                3 * c * scale,
            )
        })
        .collect()
}

async fn both(store: &Store, span: (Month, Month), units: Units<'_>) -> Vec<ServiceFigures> {
    let by_key = |mut v: Vec<ServiceFigures>| {
        v.sort_by(|a, b| (&a.unit_code, &a.month).cmp(&(&b.unit_code, &b.month)));
        v
    };
    let new = by_key(store.service_figures(span, units).await.unwrap());
    let old = by_key(store.service_figures_from_rows(span, units).await.unwrap());
    assert_eq!(new, old, "service_sums and the FINAL read differ");
    new
}

fn figure<'a>(all: &'a [ServiceFigures], unit: &str, m: &str) -> &'a ServiceFigures {
    all.iter()
        .find(|f| f.unit_code == unit && f.month.starts_with(m))
        .unwrap_or_else(|| panic!("no figures of {unit} {m}: {all:?}"))
}

#[tokio::test]
async fn sums_equal_the_final_read_through_corrections_and_replaced_months() {
    let store = test_store("sums_equal_final").await;
    let dir = tempfile::tempdir().unwrap();
    let mut first = Vec::new();
    for unit in ["01", "02", "04"] {
        for m in ["2020-11", "2020-12", "2021-01", "2021-02"] {
            first.extend(month_of(unit, m, 5, 1));
        }
    }
    import_lines(&store, &dir, "first.csv", SERVICE_HEADER, &first).await;
    let span = (month("2020-01"), month("2021-12"));
    let before = both(&store, span, Units::All).await;
    assert_eq!(before.len(), 12);
    assert_eq!(figure(&before, "01", "2020-12").services_total, 5);

    // A re-pulled month with changed values and a service fewer; another month
    // replaced by a file of a single service; a measures-only report that
    // leaves the services as they were.
    let mut second = month_of("01", "2020-12", 4, 7);
    second.extend(month_of("02", "2021-01", 1, 3));
    import_lines(&store, &dir, "second.csv", SERVICE_HEADER, &second).await;
    let documents = vec!["04,2021-02,documents_exchanged_electronic,12".to_string()];
    import_lines(&store, &dir, "measures.csv", MEASURE_HEADER, &documents).await;

    let after = both(&store, span, Units::All).await;
    let corrected = figure(&after, "01", "2020-12");
    assert_eq!(corrected.services_total, 4);
    assert_eq!(corrected.dossiers_received, 70 * (1 + 2 + 3 + 4));
    assert_eq!(figure(&after, "02", "2021-01").services_total, 1);
    assert_eq!(
        figure(&after, "04", "2021-02"),
        figure(&before, "04", "2021-02")
    );
    assert_eq!(
        figure(&after, "01", "2021-01"),
        figure(&before, "01", "2021-01")
    );
    // One unit, a span inside one year, a span across years.
    let one = ["01".to_string()];
    assert_eq!(both(&store, span, Units::Only(&one)).await.len(), 4);
    let dec = (month("2020-12"), month("2020-12"));
    assert_eq!(both(&store, dec, Units::All).await.len(), 3);

    assert_eq!(analysts_view_equals_the_current_rows(&store).await, 12);

    // Merged parts change nothing.
    for table in ["service_stats", "service_sums"] {
        let sql = format!("OPTIMIZE TABLE {table} FINAL");
        store.client().query(&sql).execute().await.unwrap();
    }
    assert_eq!(both(&store, span, Units::All).await, after);
    assert_eq!(analysts_view_equals_the_current_rows(&store).await, 12);
}

/// The analysts' view (0020) holds, unit-month by unit-month, the sums of
/// `service_stats_current`; returns how many unit-months it has.
async fn analysts_view_equals_the_current_rows(store: &Store) -> usize {
    let read = |sql: String| async move {
        let line = format!(
            "SELECT concat(unit_code, ' ', toString(month), {}) AS line FROM ({sql}) ORDER BY line",
            "' ', toString(t), ' ', toString(f), ' ', toString(o), ' ', toString(r), ' ', \
             toString(ro), ' ', toString(ot), ' ', toString(po)"
        );
        store
            .client()
            .query(&line)
            .fetch_all::<String>()
            .await
            .unwrap()
    };
    let view = read(
        "SELECT unit_code, month, services_total AS t, services_full_online AS f, \
         services_online AS o, dossiers_received AS r, dossiers_received_online AS ro, \
         dossiers_processed_on_time AS ot, dossiers_pending_overdue AS po \
         FROM service_month_sums_current"
            .into(),
    )
    .await;
    let rows = read(
        "SELECT unit_code, month, count() AS t, countIf(level = 'full_online') AS f, \
         countIf(level != 'not_online') AS o, sum(received) AS r, sum(received_online) AS ro, \
         sum(processed_on_time) AS ot, sum(pending_overdue) AS po \
         FROM service_stats_current GROUP BY unit_code, month"
            .into(),
    )
    .await;
    assert_eq!(
        view, rows,
        "service_month_sums_current and service_stats_current differ"
    );
    view.len()
}

#[tokio::test]
async fn migrating_fills_the_sums_of_rows_stored_before_them() {
    let store = test_store("sums_backfilled").await;
    let dir = tempfile::tempdir().unwrap();
    let mut lines = month_of("01", "2021-03", 6, 1);
    lines.extend(month_of("06", "2021-03", 2, 5));
    import_lines(&store, &dir, "v1.csv", SERVICE_HEADER, &lines).await;
    import_lines(
        &store,
        &dir,
        "v2.csv",
        SERVICE_HEADER,
        &month_of("01", "2021-03", 3, 2),
    )
    .await;
    let span = (month("2021-03"), month("2021-03"));
    let expected = both(&store, span, Units::All).await;

    // A database from before 0016: the table empty, the migration not applied.
    let c = store.client();
    c.query("TRUNCATE TABLE service_sums")
        .execute()
        .await
        .unwrap();
    assert!(store
        .service_figures(span, Units::All)
        .await
        .unwrap()
        .is_empty());
    forget_migration(&store).await;
    let applied = store.migrate().await.unwrap();
    assert!(applied.contains(&"0016_service_sums"), "{applied:?}");
    assert_eq!(both(&store, span, Units::All).await, expected);
    // A second run adds nothing.
    forget_migration(&store).await;
    store.migrate().await.unwrap();
    assert_eq!(both(&store, span, Units::All).await, expected);
}

/// Forgets 0016 was applied, waiting for the mutation (async on 18.16).
async fn forget_migration(store: &Store) {
    let c = store.client();
    c.query("ALTER TABLE schema_migrations DELETE WHERE name = '0016_service_sums'")
        .execute()
        .await
        .unwrap();
    for _ in 0..100 {
        let left: u64 = c
            .query("SELECT count() FROM schema_migrations WHERE name = '0016_service_sums'")
            .fetch_one()
            .await
            .unwrap();
        if left == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the migration record was not deleted");
}
