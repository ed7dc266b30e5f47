//! The analyst path's promises, held by ClickHouse itself: each class of
//! attack is refused by the analyst user alone (the guard switched off, via
//! `Store::run_readonly`) and again through the endpoint (guard on), and a
//! marker stored in another database never comes back. Also the direct
//! `analyst` user of scripts/clickhouse/users.xml, streaming with a cap,
//! killing a query whose client left, the per-account cap and CSV cells.

use std::time::Duration;

use chiso::store::{AnalystError, AnalystLimits, RoleCode, Store};

use super::common::{account_token, analyst_store, http, serve, test_store};

const MARKER: &str = "MARKER-7f3c1d";

const LIMITS: AnalystLimits = AnalystLimits {
    max_execution_time_secs: 30,
    max_result_rows: 1_000_000,
    max_result_bytes: 500_000_000,
};

/// `{private}.secret` holding MARKER, as the accounts database would.
async fn private_secret(store: &Store) -> String {
    let private = format!("{}_private", store.database());
    let admin = store.client();
    for sql in [
        format!("CREATE DATABASE IF NOT EXISTS {private}"),
        format!("DROP TABLE IF EXISTS {private}.secret"),
        format!("CREATE TABLE {private}.secret (s String) ENGINE = Log"),
    ] {
        admin.query(&sql).execute().await.unwrap();
    }
    admin
        .query(&format!("INSERT INTO {private}.secret VALUES (?)"))
        .bind(MARKER)
        .execute()
        .await
        .unwrap();
    private
}

/// Each class of the issue with a query that tries it; `{p}` is the private database.
fn attacks() -> Vec<(&'static str, String)> {
    [
        ("escape in an identifier", r#"SELECT s FROM "{q}".secret"#),
        ("escape in a table name", r#"SELECT s FROM {p}."s\x65cret""#),
        (
            "escape in a string",
            r"SELECT * FROM merge('{p}', '\x73ecret')",
        ),
        (
            "quoted table function",
            r#"SELECT * FROM "url"('http://127.0.0.1:9/', CSV, 's String')"#,
        ),
        (
            "quoted function",
            r#"SELECT "dictGetString"('d', 'a', toUInt64(1))"#,
        ),
        ("CTE", "WITH (SELECT any(s) FROM {p}.secret) AS x SELECT x"),
        ("subquery", "SELECT * FROM (SELECT s FROM {p}.secret)"),
        (
            "IN subquery",
            "SELECT 1 WHERE 'x' IN (SELECT s FROM {p}.secret)",
        ),
        ("table function numbers", "SELECT * FROM numbers(10)"),
        (
            "table function file",
            "SELECT * FROM file('x.csv', CSV, 's String')",
        ),
        (
            "table function remote",
            "SELECT * FROM remote('127.0.0.1', {p}.secret)",
        ),
        (
            "INTO OUTFILE",
            "SELECT 1 INTO OUTFILE '/tmp/chiso_analyst_outfile'",
        ),
        ("SETTINGS readonly", "SELECT 1 SETTINGS readonly = 0"),
        ("SETTINGS a limit", "SELECT 1 SETTINGS max_result_rows = 0"),
        ("SET", "SET max_result_rows = 0"),
        ("FORMAT", "SELECT 'x' FORMAT TabSeparated"),
        (
            "FORMAT over another database",
            "SELECT s FROM {p}.secret FORMAT TSV",
        ),
        ("system table users", "SELECT * FROM system.users"),
        ("other database", "SELECT s FROM {p}.secret"),
        ("other database, describe", "DESCRIBE TABLE {p}.secret"),
        ("other database, exists", "EXISTS TABLE {p}.secret"),
        (
            "other database, show create",
            "SHOW CREATE TABLE {p}.secret",
        ),
        ("two statements", "SELECT 1; SELECT s FROM {p}.secret"),
        (
            "comment hiding a keyword",
            "SELECT 1 /* x */ SETTINGS readonly = 0",
        ),
        (
            "comment hiding a database",
            "SELECT s FROM /* x */ {p} -- y\n.secret",
        ),
        ("insert", "INSERT INTO {p}.secret VALUES ('x')"),
        ("create", "CREATE TABLE evil (x UInt8) ENGINE = Log"),
        ("drop", "DROP TABLE {p}.secret"),
        ("huge read", "SELECT count() FROM system.numbers"),
        (
            "huge result",
            "SELECT number FROM system.numbers LIMIT 1000000",
        ),
        (
            "huge arrayJoin",
            "SELECT arrayJoin(range(1000)) AS a, arrayJoin(range(1001)) AS b",
        ),
    ]
    .into_iter()
    .map(|(class, sql)| (class, sql.to_string()))
    .collect()
}

fn fill(sql: &str, private: &str) -> String {
    // {q}: the private database's name with its first 'p' as a hex escape.
    let escaped = private.replacen('p', r"\x70", 1);
    sql.replace("{p}", private).replace("{q}", &escaped)
}

#[tokio::test]
async fn the_analyst_user_alone_refuses_every_class_with_the_guard_off() {
    let store = analyst_store("analyst_server_wall").await;
    let private = private_secret(&store).await;
    for (class, sql) in attacks() {
        let sql = fill(&sql, &private);
        match store.run_readonly(&sql, LIMITS).await {
            Err(AnalystError::Server(message)) => {
                assert!(!message.contains(MARKER), "{class}: {message}")
            }
            Err(other) => panic!("{class}: `{sql}`: {other}"),
            Ok(answer) => panic!(
                "{class}: `{sql}` was not refused by the server: {} rows",
                answer.rows.len()
            ),
        }
    }
    assert!(!std::path::Path::new("/tmp/chiso_analyst_outfile").exists());
    // The system tables list only the analyst's database (and `system`).
    for sql in [
        "SELECT name FROM system.databases",
        "SELECT database, name, create_table_query FROM system.tables",
        "SELECT database, table, name FROM system.columns",
        "SELECT database, table FROM system.parts",
        "SELECT database, table FROM system.mutations",
    ] {
        let answer = store.run_readonly(sql, LIMITS).await.unwrap();
        let text = serde_json::to_string(&answer.rows).unwrap();
        assert!(
            !text.contains(&private) && !text.contains(MARKER),
            "{sql}: {text}"
        );
    }
    let marker: String = store
        .client()
        .query(&format!("SELECT any(s) FROM {private}.secret"))
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(marker, MARKER, "nothing was dropped or written");
}

#[tokio::test]
async fn the_endpoint_refuses_every_class_and_never_answers_the_marker() {
    let store = analyst_store("analyst_endpoint_wall").await;
    let private = private_secret(&store).await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    for (class, sql) in attacks() {
        let sql = fill(&sql, &private);
        for format in ["json", "csv"] {
            let response = http()
                .post(format!("{}/api/v1/sql?format={format}", server.url()))
                .bearer_auth(&token)
                .json(&serde_json::json!({ "query": sql }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            assert!(
                status == 400 || body.contains("\nERROR: "),
                "{class} ({format}): {status} {}",
                body.chars().take(300).collect::<String>()
            );
            assert!(!body.contains(MARKER), "{class}");
        }
    }
    server.stop().await;
}

/// The `analyst` user of scripts/clickhouse/users.xml, as clickhouse-client
/// or Grafana connects: reads `chiso`, nothing else, never writes, no table
/// functions, and cannot raise its limits.
#[tokio::test]
async fn the_direct_analyst_user_reads_chiso_only_and_cannot_raise_its_limits() {
    let store = test_store("analyst_direct").await;
    let private = private_secret(&store).await;
    let admin = store.client();
    for sql in [
        "CREATE DATABASE IF NOT EXISTS chiso",
        "CREATE TABLE IF NOT EXISTS chiso.direct_analyst_probe (n UInt8) ENGINE = Log",
    ] {
        admin.query(sql).execute().await.unwrap();
    }
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
    let analyst = clickhouse::Client::default()
        .with_url(url)
        .with_user("analyst")
        .with_password("analyst")
        .with_database("chiso")
        .with_validation(false);
    let count: u64 = analyst
        .query("SELECT count() FROM direct_analyst_probe")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(count, 0);
    let refusals = [
        (format!("SELECT s FROM {private}.secret"), "Access denied"),
        (
            format!("SELECT count() FROM {}.service_stats", store.database()),
            "Access denied",
        ),
        (
            "INSERT INTO direct_analyst_probe VALUES (1)".to_string(),
            "readonly",
        ),
        (
            "CREATE TABLE evil (x UInt8) ENGINE = Log".to_string(),
            "readonly",
        ),
        ("DROP TABLE direct_analyst_probe".to_string(), "readonly"),
        (
            "SELECT * FROM numbers(10)".to_string(),
            "Table functions are forbidden",
        ),
        (
            "SELECT 1 SETTINGS max_result_rows = 0".to_string(),
            "readonly",
        ),
    ];
    for (sql, expected) in refusals {
        let err = analyst.query(&sql).execute().await.unwrap_err().to_string();
        assert!(err.contains(expected), "{sql}: {err}");
        assert!(!err.contains(MARKER));
    }
    // A limit sent as a query setting, as an HTTP client would.
    let err = analyst
        .query("SELECT 1")
        .with_setting("max_result_rows", "0")
        .fetch_one::<u8>()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("Cannot override setting"), "{err}");
}

#[tokio::test]
async fn a_streamed_answer_over_the_cap_ends_with_an_error_not_fewer_rows() {
    let store = analyst_store("analyst_stream_cap").await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    many_rows(&store, 200_000).await;
    let (server, _app) = serve(store);
    // 65 536 rows (one block, flushed) pass the server's 100 000-row cap; the
    // second block does not, after the status line went out.
    let sql = "SELECT concat(toString(n), '-padding-padding-padding') AS s FROM many";
    for format in ["json", "csv"] {
        let response = http()
            .post(format!("{}/api/v1/sql?format={format}", server.url()))
            .bearer_auth(&token)
            .body(sql)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{format}: the first rows streamed");
        let text = response.text().await.unwrap();
        let last = text.trim_end().lines().last().unwrap_or("");
        assert!(
            last.starts_with("ERROR: ") && last.contains("Limit for result exceeded"),
            "{format}: {}",
            &text[text.len().saturating_sub(300)..]
        );
        if format == "json" {
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
        }
    }
    server.stop().await;
}

/// A table `many` of `rows` numbers in the test's database.
async fn many_rows(store: &Store, rows: u64) {
    let admin = store.client();
    admin
        .query("CREATE TABLE many (n UInt64) ENGINE = MergeTree ORDER BY n")
        .execute()
        .await
        .unwrap();
    admin
        .query("INSERT INTO many SELECT number FROM system.numbers LIMIT ?")
        .bind(rows)
        .execute()
        .await
        .unwrap();
}

/// How many queries of the server's list carry `tag` (the test's own not counted).
async fn running(store: &Store, tag: &str) -> u64 {
    store
        .client()
        .query("SELECT count() FROM system.processes WHERE query LIKE ? AND query NOT LIKE '%system.processes%'")
        .bind(format!("%{tag}%"))
        .fetch_one()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_query_whose_client_left_is_killed_on_the_server() {
    let store = analyst_store("analyst_kill").await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store.clone());
    many_rows(&store, 2_000_000).await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    // 0.65 s of sleep per block of rows, no CPU: runs until the 10 s limit
    // unless killed (the server checks for a kill between blocks).
    let sql = format!("SELECT sum(sleepEachRow(0.00001)) /* {tag} */ FROM many");
    let request = http()
        .post(format!("{}/api/v1/sql", server.url()))
        .bearer_auth(&token)
        .body(sql)
        .timeout(Duration::from_millis(1500))
        .send();
    let client = tokio::spawn(request);
    let mut seen = false;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if running(&store, &tag).await > 0 {
            seen = true;
            break;
        }
    }
    assert!(seen, "the query ran on the server");
    assert!(client.await.unwrap().is_err(), "the client gave up");
    let mut gone = false;
    for _ in 0..40 {
        if running(&store, &tag).await == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        gone,
        "the query was killed within 4 s of the client leaving"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_account_runs_at_most_two_queries_at_once() {
    let store = analyst_store("analyst_slots").await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let other = account_token(&store, "analyst2", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let post = |token: String, sql: &'static str| {
        http()
            .post(format!("{}/api/v1/sql", server.url()))
            .bearer_auth(token)
            .body(sql)
            .send()
    };
    let slow = "SELECT sleep(2)";
    let first = tokio::spawn(post(token.clone(), slow));
    let second = tokio::spawn(post(token.clone(), slow));
    tokio::time::sleep(Duration::from_millis(700)).await;
    let third = post(token.clone(), "SELECT 1").await.unwrap();
    assert_eq!(third.status(), 429);
    let another_account = post(other, "SELECT 1").await.unwrap();
    assert_eq!(another_account.status(), 200, "the cap is per account");
    assert_eq!(first.await.unwrap().unwrap().status(), 200);
    assert_eq!(second.await.unwrap().unwrap().status(), 200);
    let after = post(token, "SELECT 1").await.unwrap();
    assert_eq!(after.status(), 200, "places are given back");
    server.stop().await;
}

#[tokio::test]
async fn csv_cells_that_start_a_formula_come_back_quoted() {
    let store = analyst_store("analyst_csv_cells").await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let body = http()
        .post(format!("{}/api/v1/sql?format=csv", server.url()))
        .bearer_auth(&token)
        .body("SELECT '=1+1' AS f, '@SUM(A1)' AS g, '-2+3' AS h, -5 AS n")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        body,
        "\"f\",\"g\",\"h\",\"n\"\n\"'=1+1\",\"'@SUM(A1)\",\"'-2+3\",-5\n"
    );
    server.stop().await;
}

#[tokio::test]
async fn without_an_analyst_user_the_endpoint_is_off_and_never_uses_chisos_own() {
    let store = test_store("analyst_not_configured").await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let response = http()
        .post(format!("{}/api/v1/sql", server.url()))
        .bearer_auth(&token)
        .body("SELECT 1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body = response.text().await.unwrap();
    assert!(body.contains("analyst_user"), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_query_past_chisos_time_limit_is_stopped_and_killed() {
    let store = analyst_store("analyst_time_limit").await;
    many_rows(&store, 2_000_000).await;
    let token = account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let mut app = super::common::test_app(store.clone());
    // chiso waits this plus 5 s; the test server's own limit (10 s) is later.
    app.settings.web.sql_max_execution_time_secs = 1;
    let server =
        chiso::web::serve(std::sync::Arc::new(app), ([127, 0, 0, 1], 0).into(), 1).unwrap();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let response = http()
        .post(format!("{}/api/v1/sql", server.url()))
        .bearer_auth(&token)
        .body(format!(
            "SELECT sum(sleepEachRow(0.00001)) /* {tag} */ FROM many"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("ran past 1 s"), "{body}");
    let mut gone = false;
    for _ in 0..30 {
        if running(&store, &tag).await == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the query was killed, not left to the server's limit");
    server.stop().await;
}
