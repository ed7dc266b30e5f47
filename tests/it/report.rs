//! The monthly report (`chiso report`, `/bao-cao/{month}`) over a small
//! hand-made month in the real ClickHouse: every group's ranking in order,
//! the national figures worked out by hand, the workbook's sheets and cells,
//! and the page for ministry staff only.

use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use chiso::app::App;
use chiso::collect::import_file;
use chiso::config::Overrides;
use chiso::domain::{Month, Period};
use chiso::store::RoleCode;

use super::common::{
    account_token, config_folder, http, ministry_token, test_store, MEASURE_HEADER, SERVICE_HEADER,
};

const MONTH: &str = "2025-07";

/// Four provinces (06 silent), two ministries with public services, three
/// without (UBDT silent).
const UNITS: &str = r#"
[[unit]]
code = "01"
name = "Thành phố Hà Nội"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.01@units.invalid"]
source = { type = "file" }

[[unit]]
code = "02"
name = "Tỉnh Hà Giang"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.02@units.invalid"]
source = { type = "file" }

[[unit]]
code = "04"
name = "Tỉnh Cao Bằng"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.04@units.invalid"]
source = { type = "file" }

[[unit]]
code = "06"
name = "Tỉnh Bắc Kạn"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.06@units.invalid"]
source = { type = "file" }

[[unit]]
code = "BCA"
name = "Bộ Công an"
kind = "ministry"
group = "ministry_services"
from = "2019-01-01"
contacts = ["cds.bca@units.invalid"]
source = { type = "file" }

[[unit]]
code = "BTP"
name = "Bộ Tư pháp"
kind = "ministry"
group = "ministry_services"
from = "2019-01-01"
contacts = ["cds.btp@units.invalid"]
source = { type = "file" }

[[unit]]
code = "BNG"
name = "Bộ Ngoại giao"
kind = "ministry"
group = "ministry_no_services"
from = "2019-01-01"
contacts = ["cds.bng@units.invalid"]
source = { type = "file" }

[[unit]]
code = "BNV"
name = "Bộ Nội vụ"
kind = "ministry"
group = "ministry_no_services"
from = "2019-01-01"
contacts = ["cds.bnv@units.invalid"]
source = { type = "file" }

[[unit]]
code = "UBDT"
name = "Ủy ban Dân tộc"
kind = "ministry"
group = "ministry_no_services"
from = "2019-01-01"
contacts = ["cds.ubdt@units.invalid"]
source = { type = "file" }
"#;

/// The online-dossier rate (provinces and ministries with services, 50 %
/// target) and the electronic-document rate (ministries without, 80 %).
const CATALOGUE: &str = r#"
[composite]
method = "weighted_sum"

[[indicator]]
code = "online_dossier_rate"
name = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
description = "Hồ sơ tiếp nhận trực tuyến trên tổng số hồ sơ tiếp nhận"
source = "Nghị quyết 17/NQ-CP"
numerator = "dossiers_received_online"
denominator = "dossiers_received"
unit = "percent"
applies_to = ["province", "ministry_services"]
weight = 1.0

[[indicator.target]]
from_year = 2021
value = 50.0

[[indicator]]
code = "electronic_document_rate"
name = "Tỷ lệ văn bản điện tử"
description = "Văn bản trao đổi giữa các cơ quan nhà nước dưới dạng điện tử"
source = "Quyết định 676/QĐ-BKHCN"
numerator = "documents_electronic_percent"
unit = "percent"
applies_to = ["ministry_no_services"]
weight = 1.0

[[indicator.target]]
from_year = 2021
value = 80.0
"#;

fn service(unit: &str, received: u32, online: u32) -> String {
    format!("{unit},{MONTH},1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,{received},{online},{received},{received},0,0")
}

struct Fixture {
    app: App,
    config: tempfile::TempDir,
    url: String,
    database: String,
}

/// The config folder, the month imported (and a refused payload from 06),
/// computed and frozen.
async fn fixture(test: &str) -> Fixture {
    let store = test_store(test).await;
    let config = config_folder(UNITS);
    let dir = config.path();
    std::fs::write(dir.join("indicators.toml"), CATALOGUE).unwrap();
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/mail");
    let alerts = std::fs::read_to_string(super::common::config_dir().join("alerts.toml"))
        .unwrap()
        .replace(
            "\"../templates/mail\"",
            &format!("\"{}\"", templates.display()),
        )
        .replace("\"../var/state/remind.lock\"", "\"state/remind.lock\"");
    std::fs::write(dir.join("alerts.toml"), alerts).unwrap();
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
    let database = store.database().to_string();
    let app = App::load(
        &dir.join("chiso.toml"),
        &Overrides {
            clickhouse_url: Some(url.clone()),
            database: Some(database.clone()),
            source_override: None,
        },
    )
    .unwrap();
    let import = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // Provinces 75 %, 40 %, 60 %; ministries 90 % and 25 %.
    let services = [
        service("01", 200, 150),
        service("02", 100, 40),
        service("04", 300, 180),
        service("BCA", 1000, 900),
        service("BTP", 400, 100),
    ];
    let measures = [
        format!("BNG,{MONTH},documents_electronic_percent,92"),
        format!("BNV,{MONTH},documents_electronic_percent,70"),
    ];
    for path in [
        import(
            "services.csv",
            format!("{SERVICE_HEADER}\n{}\n", services.join("\n")),
        ),
        import(
            "measures.csv",
            format!("{MEASURE_HEADER}\n{}\n", measures.join("\n")),
        ),
    ] {
        let out = import_file(&path, &app.registry, &app.catalogue, &app.store, false)
            .await
            .unwrap();
        assert!(out.report.all_succeeded(), "{}", out.report);
    }
    // 06 sends a percent above 100: refused, so it still has not reported.
    let refused = import(
        "refused.csv",
        format!("{MEASURE_HEADER}\n06,{MONTH},satisfaction_percent,140\n"),
    );
    let out = import_file(&refused, &app.registry, &app.catalogue, &app.store, false)
        .await
        .unwrap();
    assert!(!out.report.all_succeeded(), "{}", out.report);
    let month: Month = MONTH.parse().unwrap();
    app.computer().freeze(Period::Month(month)).await.unwrap();
    Fixture {
        app,
        config,
        url,
        database,
    }
}

/// The text of the table row that `marker` (an attribute) opens.
fn row<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no row {marker}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

/// The position of each name in `html`, which must be increasing.
fn in_order(section: &str, names: &[&str]) {
    let at: Vec<usize> = names
        .iter()
        .map(|n| {
            section
                .find(&format!(">{n}<"))
                .unwrap_or_else(|| panic!("{n} missing"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{names:?} at {at:?}");
}

/// The HTML of the section with `id`, up to the next section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!(" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    &rest[..rest.find("<section").unwrap_or(rest.len())]
}

fn cell(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn float(range: &Range<Data>, row: u32, col: u32) -> f64 {
    match cell(range, row, col) {
        Data::Float(v) => v,
        other => panic!("({row}, {col}) is {other:?}, not a number"),
    }
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match cell(range, row, col) {
        Data::String(s) => s,
        other => panic!("({row}, {col}) is {other:?}, not text"),
    }
}

#[tokio::test]
async fn chiso_report_writes_every_groups_ranking_and_the_hand_worked_national_figures() {
    let f = fixture("report_cli").await;
    let out = tempfile::tempdir().unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
        .arg("--config")
        .arg(f.config.path().join("chiso.toml"))
        .args(["--clickhouse-url", &f.url, "--database", &f.database])
        .args(["report", "--month", MONTH, "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("month 2025-07 (published)"), "{stdout}");
    let html = std::fs::read_to_string(out.path().join("report-2025-07.html")).unwrap();

    // Header: the month, published with its as-of time; print-ready.
    assert!(html.contains("Báo cáo tiến độ chỉ số chính phủ số tháng 07/2025"));
    assert!(html.contains("Số liệu đã công bố, chốt lúc "), "{html}");
    assert!(html.contains("@media print") && html.contains("size:A4"));
    assert!(html.contains("break-before:page"));

    // National figures by hand. Provinces: (150+40+180)/(200+100+300) = 61,7 %,
    // mean (75+40+60)/3 = 58,3 %; 2 of 4 meet 50 %, 3 of 4 have data.
    let p = row(
        &html,
        r#"data-indicator="online_dossier_rate" data-group="province""#,
    );
    for want in ["61,7%", "58,3%", "50,0%", ">Đạt<", "2/4", "3/4"] {
        assert!(p.contains(want), "{want} not in {p}");
    }
    // Ministries with services: 1000/1400 = 71,4 %, mean (90+25)/2 = 57,5 %.
    let m = row(
        &html,
        r#"data-indicator="online_dossier_rate" data-group="ministry_services""#,
    );
    for want in ["71,4%", "57,5%", "1/2", "2/2"] {
        assert!(m.contains(want), "{want} not in {m}");
    }
    // Both groups: 1370/2000 = 68,5 %, mean 290/5 = 58,0 %.
    let all = row(
        &html,
        r#"data-indicator="online_dossier_rate" data-group="all""#,
    );
    for want in ["68,5%", "58,0%", "3/6", "5/6"] {
        assert!(all.contains(want), "{want} not in {all}");
    }
    // A percent reported as such has no pool: missing, not 0; mean (92+70)/2 = 81,0 % meets 80 %.
    let e = row(
        &html,
        r#"data-indicator="electronic_document_rate" data-group="ministry_no_services""#,
    );
    for want in ["—", "81,0%", "80,0%", ">Đạt<", "1/3", "2/3"] {
        assert!(e.contains(want), "{want} not in {e}");
    }
    assert!(!e.contains(">0,0%<"), "{e}");
    assert!(
        section(&html, "national").contains("<svg"),
        "figures beside targets"
    );

    // Each group ranked apart, in order; the silent unit last, unranked.
    let provinces = section(&html, "group-province");
    in_order(
        provinces,
        &[
            "Thành phố Hà Nội",
            "Tỉnh Cao Bằng",
            "Tỉnh Hà Giang",
            "Tỉnh Bắc Kạn",
        ],
    );
    assert!(provinces.contains("<svg"), "a chart per group");
    assert!(provinces.contains("(1) Tỷ lệ hồ sơ tiếp nhận trực tuyến."));
    assert!(row(provinces, r#"data-unit="06""#).contains("Không có số liệu"));
    in_order(
        section(&html, "group-ministry_services"),
        &["Bộ Công an", "Bộ Tư pháp"],
    );
    in_order(
        section(&html, "group-ministry_no_services"),
        &["Bộ Ngoại giao", "Bộ Nội vụ", "Ủy ban Dân tộc"],
    );
    let first = row(provinces, r#"data-unit="01""#);
    assert!(
        first.contains("<td>1</td>") && first.contains("75,0%"),
        "{first}"
    );

    // Lagging: reported but behind a target; not reported: 06 and UBDT.
    let lagging = section(&html, "lagging");
    in_order(lagging, &["Tỉnh Hà Giang", "Bộ Tư pháp", "Bộ Nội vụ"]);
    assert!(!lagging.contains("Tỉnh Bắc Kạn"), "silent is not lagging");
    // With each unit, why the lagging alert went to it, by the mails' own rule
    // (shipped bottom_n = 3: all three ranked provinces are the bottom three).
    let ha_giang = row(lagging, r#"data-unit="02""#);
    assert!(
        ha_giang.contains("thuộc nhóm 3 đơn vị cuối bảng xếp hạng"),
        "{ha_giang}"
    );
    let silent = section(&html, "not-reported");
    in_order(silent, &["Tỉnh Bắc Kạn", "Ủy ban Dân tộc"]);
    assert!(!silent.contains("Bộ Nội vụ"));
    // Data quality: 7 of 9 reported; 06's refused payload named with its field.
    let quality = section(&html, "quality");
    assert!(quality.contains("<td>9</td><td>7</td>"), "{quality}");
    assert!(quality.contains("satisfaction_percent"), "{quality}");

    let bytes = std::fs::read(out.path().join("report-2025-07.xlsx")).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Thông tin",
            "Toàn quốc",
            "Tỉnh, thành phố",
            "Bộ, ngành có DVC",
            "Bộ, ngành không có DVC",
            "Chưa đạt chỉ tiêu",
            "Chưa báo cáo",
            "Chất lượng dữ liệu"
        ]
    );
    let facts = book.worksheet_range("Thông tin").unwrap();
    assert_eq!(text(&facts, 1, 1), "07/2025");
    assert_eq!(text(&facts, 2, 1), "Đã công bố (chốt số liệu)");

    let national = book.worksheet_range("Toàn quốc").unwrap();
    let line = (1..national.height() as u32)
        .find(|&r| {
            text(&national, r, 0) == "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
                && text(&national, r, 1) == "Tỉnh, thành phố"
        })
        .unwrap();
    assert!((float(&national, line, 2) - 370.0 / 600.0 * 100.0).abs() < 1e-9);
    assert!((float(&national, line, 3) - 175.0 / 3.0).abs() < 1e-9);
    assert_eq!(float(&national, line, 4), 50.0);
    assert_eq!(text(&national, line, 5), "Đạt");
    let pooled_missing = (1..national.height() as u32)
        .find(|&r| text(&national, r, 0) == "Tỷ lệ văn bản điện tử")
        .unwrap();
    assert_eq!(text(&national, pooled_missing, 2), "—", "missing, never 0");

    let provinces = book.worksheet_range("Tỉnh, thành phố").unwrap();
    assert_eq!(text(&provinces, 0, 5), "Tỷ lệ hồ sơ tiếp nhận trực tuyến");
    let names: Vec<String> = (1..=4).map(|r| text(&provinces, r, 3)).collect();
    assert_eq!(
        names,
        [
            "Thành phố Hà Nội",
            "Tỉnh Cao Bằng",
            "Tỉnh Hà Giang",
            "Tỉnh Bắc Kạn"
        ]
    );
    let ranks: Vec<Data> = (1..=4).map(|r| cell(&provinces, r, 0)).collect();
    assert_eq!(
        ranks,
        [
            Data::Float(1.0),
            Data::Float(2.0),
            Data::Float(3.0),
            Data::String("—".into())
        ]
    );
    assert_eq!(float(&provinces, 1, 5), 75.0);
    assert_eq!(text(&provinces, 4, 5), "—");
    let services = book.worksheet_range("Bộ, ngành có DVC").unwrap();
    assert_eq!(
        (text(&services, 1, 3), text(&services, 2, 3)),
        ("Bộ Công an".into(), "Bộ Tư pháp".into())
    );
    let none = book.worksheet_range("Bộ, ngành không có DVC").unwrap();
    assert_eq!(text(&none, 3, 3), "Ủy ban Dân tộc");
    let silent = book.worksheet_range("Chưa báo cáo").unwrap();
    assert_eq!(
        (text(&silent, 1, 1), text(&silent, 2, 1)),
        ("06".into(), "UBDT".into())
    );
}

#[tokio::test]
async fn the_report_page_answers_ministry_staff_and_refuses_units_and_anonymous() {
    let f = fixture("report_web").await;
    let store = f.app.store.clone();
    let ministry = ministry_token(&store).await;
    let unit = account_token(&store, "hanoi", RoleCode::Unit, Some("01")).await;
    let server =
        chiso::web::serve(std::sync::Arc::new(f.app), ([127, 0, 0, 1], 0).into(), 1).unwrap();
    let client = http();
    let get = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{}{path}", server.url()));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send()
    };

    let page = get("/bao-cao/2025-07", Some(&ministry)).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("tháng 07/2025") && html.contains("Bộ Công an"));
    assert!(html.contains(r#"href="/bao-cao/2025-07.xlsx""#));
    let workbook = get("/bao-cao/2025-07.xlsx", Some(&ministry)).await.unwrap();
    assert_eq!(workbook.status(), 200);
    assert_eq!(
        workbook.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = workbook.bytes().await.unwrap().to_vec();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert!(book.sheet_names().contains(&"Toàn quốc".to_string()));
    // A month never computed: drawn from the current data, said to be provisional.
    let later = get("/bao-cao/2025-08", Some(&ministry)).await.unwrap();
    assert_eq!(later.status(), 200);
    let later = later.text().await.unwrap();
    assert!(later.contains("Số liệu tạm tính lúc "), "{later}");
    assert!(!later.contains("đã công bố"), "{later}");
    let bad = get("/bao-cao/2025-13", Some(&ministry)).await.unwrap();
    assert_eq!(bad.status(), 400);

    for path in ["/bao-cao/2025-07", "/bao-cao/2025-07.xlsx"] {
        let refused = get(path, Some(&unit)).await.unwrap();
        assert_eq!(refused.status(), 403, "{path} for a unit account");
        let anonymous = get(path, None).await.unwrap();
        assert_eq!(anonymous.status(), 303, "{path} for nobody");
        assert!(anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
    }

    // The ranking page links to the month's report.
    let ranking = get("/xep-hang?period=2025-07", Some(&ministry))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ranking.contains(r#"href="/bao-cao/2025-07""#), "{ranking}");
    server.stop().await;
}
