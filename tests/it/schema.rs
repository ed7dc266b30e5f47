//! Without the crate's schema validation (18.16 cannot), each row struct is
//! compared with DESCRIBE TABLE, column for column, in order.

use clickhouse::Row;

use chiso::store::{
    AttemptRow, AuditEvent, BatchRow, ComputationRow, FreezeRow, IndicatorResultRow, JobRunRow,
    LedgerRow, MeasureRow, RejectedRow, ReviewRow, ServiceRow, TokenRow, TokenUse, TrajectoryRow,
    UnitResultRow, UploadRow, UserRow,
};

use super::common::test_store;

/// Column names in declaration order. Read as text: DESCRIBE has more columns on newer servers.
async fn columns(store: &chiso::store::Store, table: &str) -> Vec<String> {
    let mut cursor = store
        .client()
        .query(&format!("DESCRIBE TABLE {table}"))
        .fetch_bytes("TabSeparated")
        .unwrap();
    let mut text = Vec::new();
    while let Some(chunk) = cursor.next().await.unwrap() {
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

fn columns_of<T: Row>() -> Vec<String> {
    T::COLUMN_NAMES.iter().map(|c| c.to_string()).collect()
}

/// The tables (not views) of `database`.
async fn tables(store: &chiso::store::Store, database: &str) -> Vec<String> {
    store
        .client()
        .query("SELECT name FROM system.tables WHERE database = ? AND engine NOT LIKE '%View' ORDER BY name")
        .bind(database)
        .fetch_all::<String>()
        .await
        .unwrap()
}

#[tokio::test]
async fn row_structs_mirror_their_tables() {
    let store = test_store("schema_rows").await;
    let main = vec![
        ("service_stats", columns_of::<ServiceRow>()),
        ("service_sums", columns_of::<chiso::store::ServiceSumsRow>()),
        (
            "service_aggregates",
            columns_of::<chiso::store::ServiceAggregateRow>(),
        ),
        ("measure_values", columns_of::<MeasureRow>()),
        ("batches", columns_of::<BatchRow>()),
        ("batch_log", columns_of::<BatchRow>()),
        ("collection_attempts", columns_of::<AttemptRow>()),
        ("rejected_payloads", columns_of::<RejectedRow>()),
        ("computations", columns_of::<ComputationRow>()),
        ("freezes", columns_of::<FreezeRow>()),
        ("unit_results", columns_of::<UnitResultRow>()),
        ("indicator_results", columns_of::<IndicatorResultRow>()),
        ("trajectories", columns_of::<TrajectoryRow>()),
        ("job_runs", columns_of::<JobRunRow>()),
        ("send_ledger", columns_of::<LedgerRow>()),
        ("outlier_reviews", columns_of::<ReviewRow>()),
        ("uploads", columns_of::<UploadRow>()),
        ("portal_probes", columns_of::<chiso::store::ProbeRow>()),
        ("service_plan_rows", columns_of::<chiso::store::PlanRow>()),
        ("plan_filings", columns_of::<chiso::store::PlanFiling>()),
    ];
    let private = vec![
        ("users", columns_of::<UserRow>()),
        ("api_tokens", columns_of::<TokenRow>()),
        ("token_uses", columns_of::<TokenUse>()),
        ("audit_log", columns_of::<AuditEvent>()),
    ];
    for (database, checked) in [
        (store.database().to_string(), main),
        (store.private_database(), private),
    ] {
        for (table, expected) in &checked {
            let name = format!("{database}.{table}");
            assert_eq!(&columns(&store, &name).await, expected, "table {name}");
        }
        // Every table has its row struct here, but the migrations' own record.
        let mut covered: Vec<String> = checked.iter().map(|(t, _)| t.to_string()).collect();
        covered.push("schema_migrations".into());
        covered.sort();
        assert_eq!(
            tables(&store, &database).await,
            covered,
            "{database}: a table without a row struct checked here"
        );
    }
}

#[tokio::test]
async fn migrating_twice_applies_nothing_the_second_time() {
    let store = test_store("schema_migrate_twice").await;
    assert!(store.migrate().await.unwrap().is_empty());
}
