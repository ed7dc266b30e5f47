//! Without the crate's schema validation (18.16 cannot), each row struct is
//! compared with DESCRIBE TABLE, column for column, in order.

use clickhouse::Row;

use chiso::store::{
    AttemptRow, AuditEvent, BatchRow, ComputationRow, FreezeRow, IndicatorResultRow, JobRunRow,
    LedgerRow, MeasureRow, RejectedRow, ServiceRow, TokenRow, TokenUse, TrajectoryRow,
    UnitResultRow, UserRow,
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

async fn assert_mirrors<T: Row>(store: &chiso::store::Store, table: &str) {
    let expected: Vec<String> = T::COLUMN_NAMES.iter().map(|c| c.to_string()).collect();
    assert_eq!(columns(store, table).await, expected, "table {table}");
}

#[tokio::test]
async fn row_structs_mirror_their_tables() {
    let store = test_store("schema_rows").await;
    assert_mirrors::<ServiceRow>(&store, "service_stats").await;
    assert_mirrors::<MeasureRow>(&store, "measure_values").await;
    assert_mirrors::<BatchRow>(&store, "batches").await;
    assert_mirrors::<AttemptRow>(&store, "collection_attempts").await;
    assert_mirrors::<RejectedRow>(&store, "rejected_payloads").await;
    assert_mirrors::<ComputationRow>(&store, "computations").await;
    assert_mirrors::<FreezeRow>(&store, "freezes").await;
    assert_mirrors::<UnitResultRow>(&store, "unit_results").await;
    assert_mirrors::<IndicatorResultRow>(&store, "indicator_results").await;
    assert_mirrors::<TrajectoryRow>(&store, "trajectories").await;
    assert_mirrors::<JobRunRow>(&store, "job_runs").await;
    assert_mirrors::<LedgerRow>(&store, "send_ledger").await;
    let private = store.private_database();
    assert_mirrors::<UserRow>(&store, &format!("{private}.users")).await;
    assert_mirrors::<TokenRow>(&store, &format!("{private}.api_tokens")).await;
    assert_mirrors::<TokenUse>(&store, &format!("{private}.token_uses")).await;
    assert_mirrors::<AuditEvent>(&store, &format!("{private}.audit_log")).await;
}

#[tokio::test]
async fn migrating_twice_applies_nothing_the_second_time() {
    let store = test_store("schema_migrate_twice").await;
    assert!(store.migrate().await.unwrap().is_empty());
}
