//! The data-quality page's flags: only unusual AND material month-over-month
//! changes, most severe first.

use std::sync::Arc;

use chiso::compute::national::read_inputs;
use chiso::compute::outliers::{outliers, Materiality};
use chiso::store::{RoleCode, Units, Verdict};
use chiso::web;

use super::common::{
    account_token, http, import_lines, ministry_token, month, registry, service_line, test_app,
    test_store, SERVICE_HEADER,
};

const UNITS: [&str; 10] = ["01", "02", "04", "06", "08", "10", "11", "12", "14", "15"];

/// Every unit 50% online in May. In June 04 jumps to 80% (30 points); in July
/// 06 moves one point, 50% → 51%, while no other unit moves at all: unusual
/// among the month's changes, but not material.
fn lines() -> Vec<String> {
    let mut lines = Vec::new();
    for m in ["2021-05", "2021-06", "2021-07"] {
        for unit in UNITS {
            let online = match (unit, m) {
                ("04", "2021-06" | "2021-07") => 80,
                ("06", "2021-07") => 51,
                _ => 50,
            };
            lines.push(service_line(unit, m, 100, online, 100, 90));
        }
    }
    lines
}

#[tokio::test]
async fn a_planted_30_point_jump_is_flagged_and_a_1_point_move_is_not() {
    let store = test_store("quality_flags").await;
    let dir = tempfile::tempdir().unwrap();
    import_lines(&store, &dir, "quality.csv", SERVICE_HEADER, &lines()).await;
    let app = test_app(store.clone());
    let months = [month("2021-05"), month("2021-06"), month("2021-07")];
    let deadline = app.computer().deadline;
    let inputs = read_inputs(
        &store,
        (&app.registry, &app.indicators),
        &months,
        Units::All,
        deadline,
    )
    .await
    .unwrap();
    let shipped = Materiality {
        min_points: app.settings.compute.outlier_min_points,
        min_relative: app.settings.compute.outlier_min_relative,
    };
    let flagged = outliers(&app.registry, &app.indicators, &inputs, &months, shipped);
    let keys: Vec<(&str, &str, &str)> = flagged
        .iter()
        .map(|o| (o.unit_code.as_str(), o.indicator.as_str(), o.month.as_str()))
        .collect();
    // The fixture's services are all fully online, so the share of dossiers
    // handled fully online jumps with the online share: the same move, twice.
    assert_eq!(
        keys,
        [
            ("04", "online_dossier_rate", "2021-06"),
            ("04", "fully_online_dossier_rate", "2021-06")
        ],
        "{flagged:?}"
    );

    // The check switched off: the one-point move alone in a quiet month is
    // unusual by its z-score, and only materiality keeps it off the page.
    let off = Materiality {
        min_points: 0.0,
        min_relative: 0.0,
    };
    let all = outliers(&app.registry, &app.indicators, &inputs, &months, off);
    assert!(
        all.iter()
            .any(|o| o.unit_code == "06" && o.month == "2021-07"),
        "{all:?}"
    );
    assert_eq!(all[0].unit_code, "04", "the largest change first: {all:?}");

    let token = ministry_token(&store).await;
    let server = web::serve(Arc::new(app), ([127, 0, 0, 1], 0).into(), 1).unwrap();
    let html = http()
        .get(format!("{}/chat-luong?to=2021-07", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html
        .find("<table id=\"outliers\"")
        .expect("an outlier table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let name = |code: &str| {
        registry()
            .get(&chiso::domain::UnitCode::new(code))
            .unwrap()
            .name
            .clone()
    };
    assert!(table.contains(&name("04")), "{table}");
    assert!(!table.contains(&name("06")), "{table}");

    // A reviewer marks the jump, then changes the verdict: both kept, the newest stands.
    let review = |verdict: &'static str, note: &'static str, token: String| {
        let url = format!("{}/chat-luong/ra-soat", server.url());
        async move {
            http()
                .post(url)
                .bearer_auth(token)
                .form(&[
                    ("unit", "04"),
                    ("indicator", "online_dossier_rate"),
                    ("month", "2021-06"),
                    ("verdict", verdict),
                    ("note", note),
                    ("to", "2021-07"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        review("to_correct", "Số trực tuyến gấp đôi?", token.clone()).await,
        303
    );
    assert_eq!(
        review("correct", "Đã gọi điện: cổng mới từ tháng 6", token.clone()).await,
        303
    );
    let unit_staff = account_token(&store, "staff04", RoleCode::Unit, Some("04")).await;
    assert_eq!(
        review("correct", "", unit_staff).await,
        403,
        "ministry staff only"
    );
    let reviews = store
        .reviews(month("2021-05"), month("2021-07"))
        .await
        .unwrap();
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert_eq!(
        (reviews[0].verdict, reviews[0].note.as_str()),
        (Verdict::Correct, "Đã gọi điện: cổng mới từ tháng 6")
    );
    let html = http()
        .get(format!("{}/chat-luong?to=2021-07", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã kiểm tra, đúng"), "{html}");
    assert!(html.contains("cổng mới từ tháng 6"));
    server.stop().await;
}
