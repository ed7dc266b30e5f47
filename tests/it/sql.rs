//! The analyst SQL endpoint against the real ClickHouse: what it refuses (and
//! that the server refuses it too when the check is bypassed), what it
//! answers, and the schema document. tests/it/analyst.rs holds the wall.

use chiso::store::{AnalystError, AnalystLimits, RoleCode, Store};
use serde_json::Value;

use super::common::{
    account_token, analyst_store, http, import_service_lines, serve, simple_service_line, test_app,
    test_store,
};

const LIMITS: AnalystLimits = AnalystLimits {
    max_execution_time_secs: 10,
    max_result_rows: 1000,
    max_result_bytes: 1_000_000,
};

async fn post(base: &str, token: &str, sql: &str, format: &str) -> (u16, String) {
    let response = http()
        .post(format!("{base}/api/v1/sql{format}"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": sql }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn seeded(test: &str) -> Store {
    let store = analyst_store(test).await;
    import_service_lines(
        &store,
        &[
            simple_service_line("01", "2021-06", 100, 80),
            simple_service_line("02", "2021-06", 300, 60),
        ],
    )
    .await;
    store
}

#[tokio::test]
async fn writes_ddl_settings_second_statements_and_other_databases_are_refused() {
    let store = seeded("sql_refusals").await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store.clone());
    let base = server.url();
    let cases = [
        (
            "INSERT INTO service_stats (unit_code) VALUES ('99')",
            "INSERT is refused",
        ),
        ("DROP TABLE service_stats", "DROP is refused"),
        (
            "ALTER TABLE service_stats DELETE WHERE 1",
            "ALTER is refused",
        ),
        ("SYSTEM DROP MARK CACHE", "SYSTEM is refused"),
        ("SET readonly = 0", "SET is refused"),
        ("SELECT 1 SETTINGS readonly = 0", "SETTINGS clause"),
        (
            "SELECT 1; DROP TABLE service_stats",
            "statement 2: only one statement",
        ),
        (
            "SELECT name FROM system.users",
            "table 'system.users' is outside database",
        ),
        ("SELECT * FROM users", "accounts"),
    ];
    for (sql, expected) in cases {
        let (status, body) = post(&base, &token, sql, "").await;
        assert_eq!(status, 400, "{sql}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["parameter"], "query", "{sql}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(expected),
            "{sql}: {body}"
        );
    }
    let count: u64 = store
        .client()
        .query("SELECT count() FROM service_stats")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(count, 2, "nothing was written or dropped");
    server.stop().await;
}

#[tokio::test]
async fn the_server_refuses_writes_and_settings_even_when_the_check_is_bypassed() {
    let store = seeded("sql_server_lock").await;
    for sql in [
        "INSERT INTO service_stats (unit_code) VALUES ('99')",
        "CREATE TABLE evil (x UInt8) ENGINE = Log",
        "DROP TABLE service_stats",
        "SELECT 1 SETTINGS readonly = 0",
        "SELECT 1 SETTINGS max_result_rows = 0",
        "SET readonly = 0",
    ] {
        match store.run_readonly(sql, LIMITS).await {
            Err(AnalystError::Server(message)) => {
                assert!(message.contains("readonly"), "{sql}: {message}")
            }
            other => panic!("{sql}: {other:?}"),
        }
    }
    // The limits are the server's too (the test user's profile: 100 000 rows).
    let err = store
        .run_readonly("SELECT number FROM system.numbers LIMIT 200000", LIMITS)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Limit for result exceeded"),
        "{err}"
    );
    let count: u64 = store
        .client()
        .query("SELECT count() FROM service_stats")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test]
async fn a_select_answers_the_right_rows_as_json_and_as_csv() {
    let store = seeded("sql_select").await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let base = server.url();
    let sql = "SELECT unit_code, sum(received) AS received FROM service_stats_current \
               WHERE month = '2021-06-01' GROUP BY unit_code ORDER BY unit_code; -- done";
    let (status, body) = post(&base, &token, sql, "").await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["columns"],
        serde_json::json!([{"name": "unit_code", "type": "String"}, {"name": "received", "type": "UInt64"}])
    );
    assert_eq!(body["rows"], serde_json::json!([["01", 100], ["02", 300]]));
    assert_eq!(body["row_count"], 2);

    let (status, csv) = post(&base, &token, sql, "?format=csv").await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(csv, "\"unit_code\",\"received\"\n\"01\",100\n\"02\",300\n");
    // The SQL text as the body, CSV by Accept.
    let response = http()
        .post(format!("{base}/api/v1/sql"))
        .bearer_auth(&token)
        .header("accept", "text/csv")
        .body("SELECT count() AS n FROM service_stats")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "\"n\"\n2\n");
    server.stop().await;
}

#[tokio::test]
async fn every_table_and_column_is_described_and_accounts_are_not_served() {
    let store = test_store("sql_schema").await;
    let columns = store.columns().await.unwrap();
    assert!(columns.iter().any(|c| c.table == "service_stats_current"));
    let problems = chiso::web::schema::undocumented(&columns);
    assert!(
        problems.is_empty(),
        "docs/schema.toml:\n{}",
        problems.join("\n")
    );

    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let body: Value = http()
        .get(format!("{}/api/v1/schema", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tables: Vec<&str> = body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tables.contains(&"service_stats_current") && tables.contains(&"job_runs"));
    assert!(!tables.contains(&"users") && !tables.contains(&"api_tokens"));
    let first = &body["tables"][0]["columns"][0];
    assert!(first["type"].is_string() && !first["about"].as_str().unwrap().is_empty());
    server.stop().await;
}

/// Analysts' queries take turns for the places all accounts share
/// (`web.sql_max_concurrent`), so analysts never take the whole machine from
/// the public pages: with one place, two accounts' one-second queries are
/// both answered, one after the other. Run side by side (the setting
/// switched off) they would both end after about a second.
#[tokio::test]
async fn analysts_queries_take_turns_for_the_places_all_accounts_share() {
    let store = seeded("sql_lanes").await;
    let first = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let second = account_token(&store, "analyst2", RoleCode::Analyst, None).await;
    let mut app = test_app(store);
    app.settings.web.sql_max_concurrent = 1;
    let server =
        chiso::web::serve(std::sync::Arc::new(app), ([127, 0, 0, 1], 0).into(), 2).unwrap();
    let base = server.url();
    let started = std::time::Instant::now();
    let sleep = "SELECT sleep(1) AS slept";
    let (a, b) = tokio::join!(
        post(&base, &first, sleep, ""),
        post(&base, &second, sleep, "")
    );
    let both = started.elapsed();
    assert_eq!(a.0, 200, "{}", a.1);
    assert_eq!(b.0, 200, "{}", b.1);
    assert!(
        both >= std::time::Duration::from_millis(1900),
        "two one-second queries ended together after {both:?}"
    );
    server.stop().await;
}
