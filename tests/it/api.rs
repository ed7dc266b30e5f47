//! The JSON API over HTTP, served from a real ClickHouse.

use std::sync::Arc;

use chiso::app::App;
use chiso::collect::import_file;
use chiso::web::{self, WebHandle};
use serde_json::Value;

use super::common::{
    catalogue, ministry_token, registry, test_app, test_store, write, SERVICE_HEADER,
};

/// One service per unit-month with `received` dossiers, `online` of them online.
fn line(unit: &str, month: &str, received: u32, online: u32) -> String {
    format!("{unit},{month},1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,{received},{online},{received},{received},0,0")
}

/// A server over a fresh database holding `lines`, and a ministry token for it.
async fn serve_with(test: &str, lines: &[String]) -> (Served, Arc<App>) {
    let store = test_store(test).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        &dir,
        "fixture.csv",
        &format!("{SERVICE_HEADER}\n{}\n", lines.join("\n")),
    );
    let out = import_file(&csv, &registry(), &catalogue(), &store, false)
        .await
        .unwrap();
    assert!(out.report.all_succeeded(), "{}", out.report);
    let token = ministry_token(&store).await;
    let app = Arc::new(test_app(store));
    let handle = web::serve(app.clone(), ([127, 0, 0, 1], 0).into(), 1).unwrap();
    (Served { handle, token }, app)
}

struct Served {
    handle: WebHandle,
    token: String,
}

impl Served {
    async fn stop(self) {
        self.handle.stop().await;
    }
}

async fn get(server: &Served, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.handle.url()))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn online_rate(unit: &Value) -> Option<f64> {
    unit["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["indicator"] == "online_dossier_rate")
        .and_then(|e| e["value"].as_f64())
}

#[tokio::test]
async fn rankings_are_served_per_group_with_national_figures_and_frozen_status() {
    let (server, app) = serve_with(
        "api_rankings",
        &[
            line("01", "2021-06", 100, 80),
            line("02", "2021-06", 100, 20),
        ],
    )
    .await;
    let (status, body) = get(&server, "/api/v1/rankings?period=2021-06&group=province").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "provisional");
    let groups = body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["group"], "province");
    let units = groups[0]["units"].as_array().unwrap();
    assert_eq!(units.len(), 63);
    assert_eq!(units[0]["code"], "01");
    assert_eq!(online_rate(&units[0]), Some(80.0));
    assert_eq!(units[1]["code"], "02");
    // Provinces with no report: listed with null score and rank, never 0.
    assert!(units[2]["composite"]["score"].is_null() && units[2]["rank"].is_null());
    let national = groups[0]["national"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == "online_dossier_rate")
        .unwrap();
    // Pooled (80 + 20) / 200 = 50%; mean of rates (80 + 20) / 2 = 50%; 2 of 63 units.
    assert_eq!(national["pooled"].as_f64(), Some(50.0));
    assert_eq!(national["units_with_data"], 2);
    assert_eq!(national["units_expected"], 63);

    app.computer()
        .freeze("2021-06".parse().unwrap())
        .await
        .unwrap();
    let (_, body) = get(&server, "/api/v1/rankings?period=2021-06").await;
    assert_eq!(body["status"], "frozen");
    assert!(body["frozen_at"].is_string());
    assert_eq!(body["groups"].as_array().unwrap().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn bad_parameters_are_json_errors_naming_the_parameter_and_unknowns_are_404() {
    let (server, _app) = serve_with("api_errors", &[line("01", "2021-06", 10, 5)]).await;
    let cases = [
        ("/api/v1/rankings", 400, Some("period")),
        ("/api/v1/rankings?period=2021-13", 400, Some("period")),
        (
            "/api/v1/rankings?period=2021-06&group=tinh",
            400,
            Some("group"),
        ),
        ("/api/v1/rankings?period=2021-06&colour=red", 400, None),
        (
            "/api/v1/units/01/indicators?from=2021-06&to=2021-01",
            400,
            Some("from"),
        ),
        ("/api/v1/units/01/indicators?from=June", 400, Some("from")),
        ("/api/v1/units/ZZ/indicators", 404, None),
        (
            "/api/v1/national?indicator=no_such&from=2021-01&to=2021-02",
            404,
            None,
        ),
        ("/api/v1/national", 400, Some("indicator")),
    ];
    for (path, expected, parameter) in cases {
        let (status, body) = get(&server, path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
        if let Some(p) = parameter {
            assert_eq!(body["parameter"], p, "{path}: {body}");
            assert!(
                body["error"].as_str().unwrap().contains(p),
                "{path}: {body}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_unit_series_and_the_national_series_come_month_by_month() {
    let (server, _app) = serve_with(
        "api_series",
        &[
            line("01", "2021-05", 100, 40),
            line("01", "2021-06", 100, 60),
            line("02", "2021-06", 300, 60),
        ],
    )
    .await;
    let (status, body) = get(
        &server,
        "/api/v1/units/01/indicators?from=2021-05&to=2021-07",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Thành phố Hà Nội");
    let months = body["months"].as_array().unwrap();
    let rates: Vec<Option<f64>> = months.iter().map(online_rate).collect();
    // July was not reported: no data, not 0%.
    assert_eq!(rates, [Some(40.0), Some(60.0), None]);

    let (status, body) = get(
        &server,
        "/api/v1/national?indicator=online_dossier_rate&from=2021-05&to=2021-06",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let june = &body["months"][1];
    assert_eq!(june["month"], "2021-06");
    let province = june["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["group"] == "province")
        .unwrap();
    // Pooled (60 + 60) / (100 + 300) = 30%; mean (60% + 20%) / 2 = 40%.
    assert!((province["pooled"].as_f64().unwrap() - 30.0).abs() < 1e-9);
    assert!((province["mean_of_units"].as_f64().unwrap() - 40.0).abs() < 1e-9);

    let (status, body) = get(&server, "/api/v1/indicators").await;
    assert_eq!(status, 200);
    assert!(body["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["code"] == "online_dossier_rate" && i["name"].is_string()));
    server.stop().await;
}
