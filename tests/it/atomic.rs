//! A unit-month's new version is visible only once its batch record is
//! written (issue 12 §4): a write cut short after the data rows leaves every
//! reader (the analysts' views, compute's figures, the collectors' own
//! comparison) on the previous version whole; the next write completes it and
//! nothing is doubled. The promise is the readers' filter on the batch
//! records; there is no check in front of it to switch off.

use chiso::collect::import_file;
use chiso::store::{Store, Units};

use super::common::{
    catalogue, import_lines, month, registry, test_store, write, MEASURE_HEADER, SERVICE_HEADER,
};

const UNIT: &str = "04";
const MONTH: &str = "2021-06";

/// Services `1.001`, `1.002`, … with `received` dossiers each, and one measure.
fn version(services: usize, received: u32, documents: u32) -> (Vec<String>, Vec<String>) {
    let services = (1..=services)
        .map(|i| {
            format!(
                "{UNIT},{MONTH},1.00{i},Thủ tục {i},Xây dựng,full_online,1,1,{received},{received},{received},{received},0,0"
            )
        })
        .collect();
    let measures = vec![format!(
        "{UNIT},{MONTH},documents_exchanged_electronic,{documents}"
    )];
    (services, measures)
}

/// (services, dossiers received, documents) as each reader sees the unit-month.
async fn seen(store: &Store) -> Vec<(u64, u64, f64)> {
    let m = month(MONTH);
    let totals = store.month_totals(m).await.unwrap();
    let measures = store.month_measures(m).await.unwrap();
    let documents = measures
        .iter()
        .find(|(u, code, _)| u == UNIT && code == "documents_exchanged_electronic")
        .map(|(_, _, v)| *v)
        .unwrap_or(f64::NAN);
    let view = totals
        .iter()
        .find(|t| t.unit_code == UNIT)
        .map(|t| (t.services, t.received))
        .unwrap_or_default();
    let figures = store
        .service_figures((m, m), Units::All)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.unit_code == UNIT)
        .map(|f| (f.services_total, f.dossiers_received))
        .unwrap_or_default();
    let computed_documents = store
        .measure_figures((m, m), Units::All)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.unit_code == UNIT && f.measure_code == "documents_exchanged_electronic")
        .map(|f| f.value)
        .unwrap_or(f64::NAN);
    vec![
        (view.0, view.1, documents),
        (figures.0, figures.1, computed_documents),
    ]
}

async fn import(store: &Store, (services, measures): &(Vec<String>, Vec<String>)) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{SERVICE_HEADER}\n{}\n", services.join("\n"));
    let csv = write(&dir, "services.csv", &text);
    let services_ok = import_file(&csv, &registry(), &catalogue(), store, false)
        .await
        .unwrap()
        .report
        .all_succeeded();
    let text = format!("{MEASURE_HEADER}\n{}\n", measures.join("\n"));
    let csv = write(&dir, "measures.csv", &text);
    let measures_ok = import_file(&csv, &registry(), &catalogue(), store, false)
        .await
        .unwrap()
        .report
        .all_succeeded();
    services_ok && measures_ok
}

async fn rename(store: &Store, from: &str, to: &str) {
    store
        .client()
        .query(&format!("RENAME TABLE {from} TO {to}"))
        .execute()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_write_cut_short_after_the_data_rows_leaves_the_previous_version_whole() {
    let store = test_store("atomic_cut_short").await;
    let dir = tempfile::tempdir().unwrap();
    let (s1, m1) = version(2, 10, 7);
    import_lines(&store, &dir, "v1.csv", SERVICE_HEADER, &s1).await;
    import_lines(&store, &dir, "v1m.csv", MEASURE_HEADER, &m1).await;
    let before = seen(&store).await;
    assert_eq!(before, vec![(2, 20, 7.0), (2, 20, 7.0)]);
    let batch_before = store.current_batch(UNIT, month(MONTH)).await.unwrap();

    // The batch log stays readable but takes no rows: the next version's data
    // rows are written, its batch records are not (the write is cut short
    // where a crash would cut it).
    rename(&store, "batch_log", "batch_log_away").await;
    let c = store.client();
    c.query("CREATE VIEW batch_log AS SELECT * FROM batch_log_away")
        .execute()
        .await
        .unwrap();
    let v2 = version(3, 100, 70);
    assert!(!import(&store, &v2).await, "the write must fail");
    c.query("DROP TABLE batch_log").execute().await.unwrap();
    rename(&store, "batch_log_away", "batch_log").await;

    // The new rows are in the table, yet every reader keeps version 1 whole.
    let stored: u64 = store
        .client()
        .query("SELECT count() FROM service_stats WHERE received = 100")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(stored, 3, "the cut-short write did leave its data rows");
    // Merges fold nothing of version 1 away (the key holds the version).
    store
        .client()
        .query("OPTIMIZE TABLE service_stats FINAL")
        .execute()
        .await
        .unwrap();
    assert_eq!(seen(&store).await, before);
    assert_eq!(
        store.current_batch(UNIT, month(MONTH)).await.unwrap(),
        batch_before
    );

    // The next write completes the month: version 2 whole, nothing doubled.
    assert!(import(&store, &v2).await);
    assert_eq!(seen(&store).await, vec![(3, 300, 70.0), (3, 300, 70.0)]);
    let rows: u64 = store
        .client()
        .query("SELECT count() FROM service_stats_current WHERE unit_code = ?")
        .bind(UNIT)
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(rows, 3);
    // And re-importing the newest file stores nothing.
    let versions = || async {
        store
            .client()
            .query("SELECT uniqExact(version) FROM measure_values WHERE unit_code = ?")
            .bind(UNIT)
            .fetch_one::<u64>()
            .await
            .unwrap()
    };
    assert_eq!(versions().await, 3, "versions 1, the cut-short one and 2");
    import_lines(&store, &dir, "v2m.csv", MEASURE_HEADER, &v2.1).await;
    assert_eq!(versions().await, 3);
}

#[tokio::test]
async fn migrating_re_keys_tables_of_an_older_database_and_keeps_their_rows() {
    let store = test_store("atomic_rekey").await;
    let dir = tempfile::tempdir().unwrap();
    let (s1, m1) = version(2, 10, 7);
    import_lines(&store, &dir, "v1.csv", SERVICE_HEADER, &s1).await;
    import_lines(&store, &dir, "v1m.csv", MEASURE_HEADER, &m1).await;
    let before = seen(&store).await;

    // Put service_stats back as 0001 made it, and forget 0011 was applied.
    let c = store.client();
    c.query("CREATE TABLE service_stats_0001 AS service_stats ENGINE = ReplacingMergeTree(version) PARTITION BY toYear(month) ORDER BY (unit_code, month, service_code)")
        .execute()
        .await
        .unwrap();
    c.query("INSERT INTO service_stats_0001 SELECT * FROM service_stats")
        .execute()
        .await
        .unwrap();
    c.query("DROP TABLE service_stats").execute().await.unwrap();
    rename(&store, "service_stats_0001", "service_stats").await;
    c.query("ALTER TABLE schema_migrations DELETE WHERE name = '0011_committed_versions'")
        .execute()
        .await
        .unwrap();
    // A run cut short between the two renames left only the copy.
    c.query("CREATE TABLE measure_values_rekeyed AS measure_values")
        .execute()
        .await
        .unwrap();
    c.query("INSERT INTO measure_values_rekeyed SELECT * FROM measure_values")
        .execute()
        .await
        .unwrap();
    c.query("DROP TABLE measure_values")
        .execute()
        .await
        .unwrap();

    // ALTER … DELETE is a mutation: wait until the record is gone.
    for _ in 0..100 {
        let left: u64 = c
            .query("SELECT count() FROM schema_migrations WHERE name = '0011_committed_versions'")
            .fetch_one()
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let applied = store.migrate().await.unwrap();
    assert_eq!(applied, ["0011_committed_versions"]);
    for table in ["service_stats", "measure_values"] {
        let key: String = c
            .query("SELECT sorting_key FROM system.tables WHERE database = ? AND name = ?")
            .bind(store.database())
            .bind(table)
            .fetch_one()
            .await
            .unwrap();
        assert!(key.contains("version"), "{table}: {key}");
    }
    let left: u64 = c
        .query("SELECT count() FROM system.tables WHERE database = ? AND name LIKE '%rekey%'")
        .bind(store.database())
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(left, 0, "no copy or old table is left behind");
    assert_eq!(seen(&store).await, before);
    assert!(store.migrate().await.unwrap().is_empty());
}

/// `scripts/clickhouse.sh start DIR`: a ClickHouse of this test's own (the
/// shared one must not die under the other tests); its URL.
async fn start_own_clickhouse(dir: &std::path::Path) -> String {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/clickhouse.sh");
    let out = tokio::process::Command::new(script)
        .arg("start")
        .arg(dir)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn clickhouse_killed_during_a_collect_shows_no_half_month_and_the_next_collect_completes_it()
{
    use super::common::{collector, simulated_totals, simulator};
    use chiso::config::ClickHouseSettings;

    let dir = tempfile::tempdir().unwrap();
    let url = start_own_clickhouse(dir.path()).await;
    let store = Store::new(&ClickHouseSettings {
        url,
        user: "default".into(),
        password: String::new(),
        database: "chiso_it_atomic_kill".into(),
        timeout_secs: 30,
        analyst_user: String::new(),
        analyst_password: String::new(),
        cluster: String::new(),
        insert_quorum: 2,
    });
    store.migrate().await.unwrap();
    let sim = simulator(vec![]);
    let c = collector(&store, &sim);
    let m = month("2021-07");
    let units: Vec<chiso::config::Unit> =
        c.units_for(m, None).unwrap().into_iter().cloned().collect();

    // The collect runs while the server is killed at a moment of chance.
    let run = {
        let c = collector(&store, &sim);
        let units = units.clone();
        tokio::spawn(async move {
            let refs: Vec<_> = units.iter().collect();
            c.collect(m, &refs, false).await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(50..600))).await;
    let pid = std::fs::read_to_string(dir.path().join("clickhouse.pid")).unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    let first = run.await.unwrap();
    assert!(
        !first.all_succeeded(),
        "the kill fell inside the run:\n{first}"
    );
    start_own_clickhouse(dir.path()).await;

    // Each unit-month is whole or absent, never part of itself.
    let seen = store.month_totals(m).await.unwrap();
    for t in &seen {
        assert_eq!(
            *t,
            simulated_totals(&t.unit_code, m),
            "unit {}",
            t.unit_code
        );
    }
    // The next collect stores what is missing, once.
    let refs: Vec<_> = units.iter().collect();
    let second = c.collect(m, &refs, false).await;
    assert!(second.all_succeeded(), "first:\n{first}\nsecond:\n{second}");
    let all = store.month_totals(m).await.unwrap();
    let with_services: Vec<_> = units
        .iter()
        .filter(|u| u.group.provides_services())
        .collect();
    assert_eq!(all.len(), with_services.len());
    for t in &all {
        assert_eq!(
            *t,
            simulated_totals(&t.unit_code, m),
            "unit {}",
            t.unit_code
        );
    }
    let (rows, distinct): (u64, u64) = store
        .client()
        .query("SELECT count(), uniqExact(unit_code, service_code) FROM service_stats_current WHERE month = toDate('2021-07-01')")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(rows, distinct, "no service is doubled");
    store.drop_database().await.unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/clickhouse.sh");
    let _ = std::process::Command::new(script)
        .arg("stop")
        .arg(dir.path())
        .status();
}
