//! The HTML pages over HTTP, from a real ClickHouse: what a reader sees.

use std::sync::Arc;

use chiso::store::{RoleCode, Store};
use chiso::web::{self, WebHandle};

use super::common::{
    account_token, http, import_lines, ministry_token, service_line, test_app, test_store,
    MEASURE_HEADER, SERVICE_HEADER,
};

/// Eight provinces report April to June 2021, each moving a point or two a
/// month; 04 (Cao Bằng) jumps from 20% to 90% online in June.
const REPORTING: [&str; 8] = ["01", "02", "04", "06", "08", "10", "11", "12"];

/// The server, a ministry token, and the store behind them.
pub(super) struct Site {
    pub(super) server: WebHandle,
    pub(super) token: String,
    pub(super) store: Store,
}

pub(super) async fn serve(test: &str) -> Site {
    let store = test_store(test).await;
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for (k, m) in ["2021-04", "2021-05", "2021-06"].into_iter().enumerate() {
        for (i, unit) in REPORTING.into_iter().enumerate() {
            let online = match unit {
                "04" if k == 2 => 90,
                "04" => 20,
                _ => 30 + 5 * i as u32 + k as u32 * (1 + i as u32 % 3),
            };
            lines.push(service_line(unit, m, 100, online, 100, 80));
        }
    }
    import_lines(&store, &dir, "pages.csv", SERVICE_HEADER, &lines).await;
    let token = ministry_token(&store).await;
    let app = Arc::new(test_app(store.clone()));
    let server = web::serve(app, ([127, 0, 0, 1], 0).into(), 1).unwrap();
    Site {
        server,
        token,
        store,
    }
}

/// GETs `path` with a ministry account's token.
async fn get(site: &Site, path: &str) -> (u16, String, String) {
    get_as(site, path, Some(&site.token)).await
}

async fn get_as(site: &Site, path: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = http().get(format!("{}{path}", site.server.url()));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

#[tokio::test]
async fn the_ranking_page_lists_every_province_in_vietnamese_and_marks_missing_data() {
    let server = serve("pages_ranking").await;
    let (status, kind, html) = get(&server, "/xep-hang?period=2021-06&group=province").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(kind, "text/html; charset=utf-8");
    // All 63 provinces of 2021 are rows, with their names in full diacritics.
    assert_eq!(html.matches("<tr data-unit=").count(), 63);
    for name in [
        "Thành phố Hà Nội",
        "Tỉnh Hà Giang",
        "Tỉnh Cao Bằng",
        "Tỉnh Bà Rịa - Vũng Tàu",
    ] {
        assert!(html.contains(name), "{name} missing");
    }
    // Fifty-five provinces sent nothing: marked, never a score of 0.
    assert_eq!(html.matches("Không có số liệu</span>").count(), 55);
    assert!(
        html.contains("Kết quả tạm tính"),
        "a provisional period says so"
    );
    // 04 leads June (90% online); its row comes first.
    let first_row = html.find("<tr data-unit=").unwrap();
    assert!(html[first_row..].starts_with("<tr data-unit=\"04\""));
    // Sorting by name ascending puts An Giang (89) first.
    let (_, _, by_name) = get(
        &server,
        "/xep-hang?period=2021-06&group=province&sort=name&dir=asc",
    )
    .await;
    let first_row = by_name.find("<tr data-unit=").unwrap();
    assert!(
        by_name[first_row..].starts_with("<tr data-unit=\"89\""),
        "{}",
        &by_name[first_row..first_row + 40]
    );
    // The CSV has a header and one line per province; missing values are empty.
    let (status, kind, csv) = get(&server, "/xep-hang.csv?period=2021-06&group=province").await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    assert_eq!(csv.lines().count(), 1 + 63);
    // 04 rose from 8th in May to 1st.
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("1,7,04,Tỉnh Cao Bằng,"),
        "{csv}"
    );
    server.server.stop().await;
}

#[tokio::test]
async fn a_unit_page_has_its_cards_svg_trends_and_reporting_history() {
    let server = serve("pages_unit").await;
    let (status, _, html) = get(&server, "/don-vi/01?from=2021-04&to=2021-06").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>Thành phố Hà Nội</h1>"));
    assert!(html.matches("<figure class=\"chart\"").count() >= 3);
    assert!(html.contains("<svg"));
    // Cards for June: Hà Nội (the first of REPORTING) has 30 + 2 = 32% online.
    assert!(html.contains("32,0%"));
    // Reports of 2021 imported today: arrival unknown, neither on time nor late; none is missing.
    assert_eq!(html.matches(">Không rõ thời điểm<").count(), 3);
    assert!(!html.contains(">Muộn<"));
    assert!(!html.contains(">Chưa báo cáo<"));
    let (status, _, _) = get(&server, "/don-vi/ZZ").await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&server, "/don-vi/01?from=2021-13").await;
    assert_eq!(status, 400);
    server.server.stop().await;
}

#[tokio::test]
async fn the_quality_page_flags_a_jump_for_review_and_counts_reports() {
    let server = serve("pages_quality").await;
    let (status, _, html) = get(&server, "/chat-luong?to=2021-06").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<table id=\"reporting-rate\""));
    // June: 63 provinces and 22 ministries due, 8 reported, none on time.
    let row = &html[html.find(">2021-06</td>").expect("June row")..];
    assert!(
        row.starts_with(">2021-06</td><td>85</td><td>8</td><td>0</td>"),
        "{}",
        &row[..120]
    );
    // 04's online rate jumped from 20% to 90% while the others did not move.
    let start = html
        .find("<table id=\"outliers\"")
        .expect("an outlier table");
    let outliers = &html[start..start + html[start..].find("</table>").unwrap()];
    assert!(outliers.contains("Tỉnh Cao Bằng"));
    assert!(!outliers.contains("Thành phố Hà Nội"), "{outliers}");
    server.server.stop().await;
}

#[tokio::test]
async fn pages_follow_the_roles_and_a_published_ranking_is_public() {
    let server = serve("pages_roles").await;
    // A provisional ranking needs an account: anonymous readers are sent to log in.
    let (status, _, _) = get_as(&server, "/xep-hang?period=2021-06", None).await;
    assert_eq!(status, 303);
    let store = server.store.clone();
    let unit_token = account_token(&store, "can-bo-01", RoleCode::Unit, Some("01")).await;
    let (status, _, _) = get_as(&server, "/don-vi/01", Some(&unit_token)).await;
    assert_eq!(status, 200);
    let (status, _, _) = get_as(&server, "/don-vi/02", Some(&unit_token)).await;
    assert_eq!(status, 403);
    let (status, _, _) = get_as(&server, "/chat-luong", Some(&unit_token)).await;
    assert_eq!(status, 403);
    // Once frozen, the ranking is public.
    let app = test_app(store);
    app.computer()
        .freeze("2021-06".parse().unwrap())
        .await
        .unwrap();
    let (status, _, html) = get_as(&server, "/xep-hang?period=2021-06", None).await;
    assert_eq!(status, 200);
    assert!(html.contains("Kết quả đã công bố"));
    assert_eq!(html.matches("Không có số liệu</span>").count(), 55);
    // A page drawn once is kept, and drawn again for a newly published
    // computation: 14 reports June late, June is frozen again, 54 lack data.
    let dir = tempfile::tempdir().unwrap();
    let late = [service_line("14", "2021-06", 100, 50, 100, 80)];
    import_lines(&app.store, &dir, "late.csv", SERVICE_HEADER, &late).await;
    let (_, _, kept) = get_as(&server, "/xep-hang?period=2021-06", None).await;
    assert_eq!(kept, html, "the frozen page until June is frozen again");
    app.computer()
        .freeze("2021-06".parse().unwrap())
        .await
        .unwrap();
    let (_, _, refrozen) = get_as(&server, "/xep-hang?period=2021-06", None).await;
    assert_eq!(refrozen.matches("Không có số liệu</span>").count(), 54);
    assert!(refrozen.contains("<tr data-unit=\"14\""));
    server.server.stop().await;
}

#[tokio::test]
async fn a_dashboard_draws_every_panel_of_its_file() {
    let site = serve("pages_dashboard").await;
    let (status, _, html) = get(&site, "/bang/ho-so?from=2021-04&to=2021-06").await;
    assert_eq!(status, 200, "{html}");
    let dashboard = super::common::test_app(site.store.clone())
        .dashboards
        .into_iter()
        .find(|d| d.slug == "ho-so")
        .unwrap();
    assert_eq!(
        html.matches("<section class=\"panel\"").count(),
        dashboard.panels.len()
    );
    // Every panel ran: no panel says its query failed.
    assert!(!html.contains("Không chạy được truy vấn"), "{html}");
    // The on-time chart is an SVG; the table lists the eight reporting units.
    assert!(html.matches("<figure class=\"chart\"").count() >= 2);
    assert!(html.contains("<td>04</td>"));
    // Every shipped dashboard's queries run on this server.
    for d in super::common::test_app(site.store.clone()).dashboards {
        let (status, _, html) =
            get(&site, &format!("/bang/{}?from=2021-04&to=2021-06", d.slug)).await;
        assert_eq!(status, 200, "{}", d.slug);
        assert!(!html.contains("Không chạy được truy vấn"), "{}", d.slug);
    }
    site.server.stop().await;
}

#[tokio::test]
async fn an_indicator_page_shows_the_spread_and_the_national_trend() {
    let site = serve("pages_indicator").await;
    let (status, _, html) = get(&site, "/chi-so/online_dossier_rate?period=2021-06").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>Tỷ lệ hồ sơ tiếp nhận trực tuyến</h1>"));
    // Provinces: 8 of 63 with data; a spread chart and a trend chart.
    assert!(html.contains("8 / 63 đơn vị có số liệu"), "{html}");
    assert!(html.contains("Phân bố · Tỉnh, thành phố"));
    assert!(html.contains("Diễn biến toàn quốc · Tỉnh, thành phố"));
    let (status, _, _) = get(&site, "/chi-so/no_such_indicator").await;
    assert_eq!(status, 404);
    site.server.stop().await;
}

#[tokio::test]
async fn the_schema_page_describes_every_readable_table_and_hides_accounts() {
    let site = serve("pages_schema").await;
    let (status, _, html) = get(&site, "/luoc-do").await;
    assert_eq!(status, 200, "{html}");
    for table in [
        "service_stats_current",
        "indicator_results",
        "job_runs",
        "send_ledger",
    ] {
        assert!(
            html.contains(&format!("<section class=\"table\" id=\"{table}\"")),
            "{table}"
        );
    }
    assert!(!html.contains("id=\"users\"") && !html.contains("id=\"api_tokens\""));
    site.server.stop().await;
}

#[tokio::test]
async fn numbers_read_the_vietnamese_way_on_pages_csv_and_chart_axes() {
    let site = serve("pages_numbers").await;
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = ["2021-04", "2021-05", "2021-06"]
        .iter()
        .map(|m| format!("01,{m},documents_exchanged_electronic,754917"))
        .collect();
    import_lines(&site.store, &dir, "documents.csv", MEASURE_HEADER, &lines).await;

    let (status, _, html) = get(&site, "/don-vi/01?from=2021-04&to=2021-06").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("754.917"), "a count has thousands points");
    assert!(!html.contains("754917"), "and no machine form");
    assert!(html.contains("Tỷ lệ (%)"), "axis titles are Vietnamese");
    assert!(!html.contains(">percent<"), "no English unit on an axis");

    let (_, _, csv) = get(&site, "/don-vi/01.csv?from=2021-04&to=2021-06").await;
    let documents = csv
        .lines()
        .find(|l| l.starts_with("2021-06,electronic_documents,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(documents.contains("\"754.917,00\""), "{documents}");
    let online = csv
        .lines()
        .find(|l| l.starts_with("2021-06,online_dossier_rate,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(online.contains(",32,100,\"32,00\","), "{online}");

    let (_, _, indicator) = get(&site, "/chi-so/online_dossier_rate").await;
    assert!(indicator.contains("Tỷ lệ (%)"), "{indicator}");
    assert!(!indicator.contains(">percent<"));
    site.server.stop().await;
}
