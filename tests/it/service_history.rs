//! A unit's services over the months (issue 15 §2) and the flag for services
//! declared fully online that received no online dossier in 3 months: on the
//! services page and its CSV, the unit page, the quality page and the staff
//! digest, all by the one predicate the shipped indicator counts.

use std::sync::Arc;

use chiso::domain::formula::{unused_full_online, Expr};
use chiso::store::{RoleCode, Units};
use mail_parser::MessageParser;

use super::common::{account_token, http, ministry_token, test_app};
use super::notify::{after_deadline, fixture_with, month, smtp, UNITS};

/// A row of `unit`: `level`, dossiers received and received online.
fn row(unit: &str, month: &str, service: &str, level: &str, received: u32, online: u32) -> String {
    let field = if service == "D" {
        "Đất đai"
    } else {
        "Xây dựng"
    };
    format!("{unit},{month},{service},Thủ tục {service},{field},{level},1,1,{received},{online},{received},{received},0,0")
}

/// Hà Nội (01): A full-online and never used (flagged in June); B used once in
/// June (not flagged); C partial; D not online; E unused but not reported in
/// April (not confirmed). Every other unit: one used service.
fn lines() -> Vec<String> {
    let mut rows = Vec::new();
    for m in ["2021-04", "2021-05", "2021-06"] {
        rows.push(row("01", m, "A", "full_online", 4, 0));
        rows.push(row("01", m, "C", "partial_online", 10, 5));
        rows.push(row("01", m, "D", "not_online", 20, 0));
        for unit in ["02", "04", "06", "08"] {
            rows.push(row(unit, m, "A", "full_online", 10, 6));
        }
    }
    rows.push(row("01", "2021-04", "B", "full_online", 3, 0));
    rows.push(row("01", "2021-05", "B", "full_online", 3, 0));
    rows.push(row("01", "2021-06", "B", "full_online", 3, 1));
    rows.push(row("01", "2021-05", "E", "full_online", 2, 0));
    rows.push(row("01", "2021-06", "E", "full_online", 2, 0));
    rows
}

#[tokio::test]
async fn a_full_online_service_unused_for_three_months_is_flagged_everywhere_and_a_used_one_is_not()
{
    let f = fixture_with("service_history", UNITS, &lines(), "").await;
    let june = month();

    // The flag and the shipped indicator are one predicate and window.
    let shipped_catalogue = test_app(f.app.store.clone()).indicators;
    let shipped = shipped_catalogue
        .get("full_online_services_unused_3m")
        .expect("the shipped indicator");
    assert_eq!(
        shipped.numerator.expr(),
        &Expr::Services(unused_full_online(3))
    );
    let unused = f
        .app
        .store
        .unused_full_online(june, 3, Units::All)
        .await
        .unwrap();
    let flagged: Vec<(&str, &str)> = unused
        .iter()
        .map(|u| (u.unit_code.as_str(), u.service_code.as_str()))
        .collect();
    assert_eq!(flagged, [("01", "A")]);
    // In May only two months are confirmed.
    let may = june.prev();
    assert!(f
        .app
        .store
        .unused_full_online(may, 3, Units::All)
        .await
        .unwrap()
        .is_empty());
    // A two-month window also takes E, confirmed in May and June.
    let two = f
        .app
        .store
        .unused_full_online(june, 2, Units::All)
        .await
        .unwrap();
    let codes: Vec<&str> = two.iter().map(|u| u.service_code.as_str()).collect();
    assert_eq!(codes, ["A", "E"]);

    // The staff digest names the unit and its service.
    let report = chiso::notify::remind(&f.app, june, after_deadline(), &smtp(&f.app))
        .await
        .unwrap();
    assert!(report.sent > 0, "{report:?}");
    let received = f.sink.received();
    let digest = received
        .iter()
        .map(|r| MessageParser::default().parse(&r.raw).unwrap())
        .find(|m| m.subject().unwrap().contains("Tổng hợp"))
        .expect("a digest");
    let text = digest.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        text.contains(
            "Dịch vụ công bố toàn trình nhưng không có hồ sơ trực tuyến 3 tháng liền (1 đơn vị):\n- Thành phố Hà Nội: 1 dịch vụ (A)\n"
        ),
        "{text}"
    );

    let store = f.app.store.clone();
    let ministry = ministry_token(&store).await;
    let other_unit = account_token(&store, "staff02", RoleCode::Unit, Some("02")).await;
    let server = chiso::web::serve(Arc::new(f.app), ([127, 0, 0, 1], 0).into(), 1).unwrap();
    let get = |path: String, token: String| {
        let url = format!("{}{path}", server.url());
        async move {
            let r = http().get(url).bearer_auth(token).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // The services page: every service with its month it became full online;
    // A flagged, B, C, D and E not.
    let (status, html) = get(
        "/don-vi/01/dich-vu?from=2021-04&to=2021-06".into(),
        ministry.clone(),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    for code in ["A", "B", "C", "D", "E"] {
        assert!(
            html.contains(&format!("data-service=\"{code}\"")),
            "{code}: {html}"
        );
    }
    assert!(
        html.contains(r#"<tr class="unused" data-service="A">"#),
        "{html}"
    );
    assert!(
        !html.contains(r#"<tr class="unused" data-service="B">"#),
        "{html}"
    );
    assert!(html.contains("1 dịch vụ công bố toàn trình nhưng không có hồ sơ trực tuyến nào trong 3 tháng liền đến 06/2021"), "{html}");
    // E became full online in May, when it was first reported.
    let e_row = &html[html.find(r#"data-service="E""#).unwrap()..];
    assert!(
        e_row[..e_row.find("</tr>").unwrap()].contains("05/2021"),
        "{e_row}"
    );

    // Filters: the flagged only; by level; by field.
    let (_, html) = get(
        "/don-vi/01/dich-vu?from=2021-04&to=2021-06&muc_do=unused".into(),
        ministry.clone(),
    )
    .await;
    assert_eq!(html.matches("data-service=").count(), 1, "{html}");
    let (_, html) = get(
        "/don-vi/01/dich-vu?from=2021-04&to=2021-06&muc_do=partial_online".into(),
        ministry.clone(),
    )
    .await;
    assert!(
        html.contains(r#"data-service="C""#) && html.matches("data-service=").count() == 1,
        "{html}"
    );
    let (_, html) = get(
        "/don-vi/01/dich-vu?from=2021-04&to=2021-06&linh_vuc=%C4%90%E1%BA%A5t%20%C4%91ai".into(),
        ministry.clone(),
    )
    .await;
    assert!(
        html.contains(r#"data-service="D""#) && html.matches("data-service=").count() == 1,
        "{html}"
    );
    let (status, html) = get("/don-vi/01/dich-vu?muc_do=level4".into(), ministry.clone()).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("muc_do"), "{html}");

    // The export: the same rows and filters; months not reported are empty.
    let (status, csv) = get(
        "/don-vi/01/dich-vu.csv?from=2021-04&to=2021-06".into(),
        ministry.clone(),
    )
    .await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let by_code = |code: &str| rows.iter().find(|r| &r[0] == code).unwrap().clone();
    assert_eq!(rows.len(), 5);
    assert_eq!(&by_code("A")[col("flagged")], "1");
    assert_eq!(&by_code("B")[col("flagged")], "0");
    assert_eq!(&by_code("B")[col("received_online")], "1");
    assert_eq!(&by_code("E")[col("level_2021-04")], "");
    assert_eq!(&by_code("E")[col("full_online_since")], "2021-05");
    assert_eq!(&by_code("C")[col("level")], "partial_online");

    // The unit page names the flagged service and links to the list.
    let (_, html) = get(
        "/don-vi/01?from=2021-04&to=2021-06".into(),
        ministry.clone(),
    )
    .await;
    let note = &html[html.find(r#"id="unused""#).expect("the unit page's flag")..];
    let note = &note[..note.find("</p>").unwrap()];
    assert!(
        note.contains(">A</span>") && !note.contains(">B</span>"),
        "{note}"
    );

    // The quality page lists the unit with its flagged service.
    let (_, html) = get("/chat-luong?to=2021-06".into(), ministry.clone()).await;
    let table = &html[html
        .find(r#"<table id="unused-services""#)
        .expect("the quality list")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains(r#"data-unit="01""#) && table.contains(">A</span>"),
        "{table}"
    );
    assert_eq!(table.matches("data-unit=").count(), 1, "{table}");

    // Another unit's staff may not see Hà Nội's services.
    let (status, _) = get("/don-vi/01/dich-vu".into(), other_unit.clone()).await;
    assert_eq!(status, 403);
    let (status, _) = get("/don-vi/01/dich-vu.csv".into(), other_unit).await;
    assert_eq!(status, 403);
}
