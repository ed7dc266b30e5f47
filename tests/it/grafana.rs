//! The Grafana export's queries, run as Grafana's ClickHouse data source runs
//! them (macros expanded) against the real server: a time-series panel's
//! first column is a real DateTime named `time`, its value a number.

use serde_json::Value;

use crate::common;

/// `$__fromTime` / `$__toTime` as the plugin expands them, and the `unit` variable.
fn expand(sql: &str) -> String {
    sql.replace("$__fromTime", "toDateTime(1546300800)") // 2019-01-01
        .replace("$__toTime", "toDateTime(1767225599)") // 2025-12-31
        .replace("${unit}", "01")
}

#[tokio::test]
async fn every_exported_query_runs_and_time_series_have_a_datetime_column() {
    let store = common::test_store("grafana_export").await;
    common::import_service_lines(
        &store,
        &[
            common::simple_service_line("01", "2024-05", 100, 40),
            common::simple_service_line("01", "2024-06", 120, 60),
        ],
    )
    .await;
    let dashboards = chiso::dashboards::load_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards"),
    )
    .unwrap();
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
    let http = common::http();
    let (mut time_series, mut points) = (0, 0);
    for d in &dashboards {
        let exported = chiso::dashboards::grafana::to_grafana(d);
        for panel in exported["panels"].as_array().unwrap() {
            let target = &panel["targets"][0];
            let sql = expand(target["rawSql"].as_str().unwrap());
            let response = http
                .post(&url)
                .query(&[("database", store.database())])
                .body(format!("{sql}\nFORMAT JSON"))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            assert!(status.is_success(), "{}: {}\n{sql}", panel["title"], text);
            let body: Value = serde_json::from_str(&text).unwrap();
            if target["queryType"] == "timeseries" {
                time_series += 1;
                let meta = body["meta"].as_array().unwrap();
                assert_eq!(meta[0]["name"], "time", "{}", panel["title"]);
                assert_eq!(meta[0]["type"], "DateTime", "{}", panel["title"]);
                assert!(
                    meta[1]["type"].as_str().unwrap().starts_with("Float")
                        || meta[1]["type"].as_str().unwrap().contains("Int"),
                    "{}: {:?}",
                    panel["title"],
                    meta[1]
                );
                points += body["rows"].as_u64().unwrap();
            }
        }
    }
    assert!(
        time_series > 0 && points > 0,
        "{time_series} panels, {points} points"
    );
}
