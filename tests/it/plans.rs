//! Service plans as letter 1145/BTTTT-THH asks (issue 15 §3, docs/plans.md):
//! filing a plan file whole or not at all, late and missing plans, plan
//! against actual through the real ClickHouse, the API and the reminder.

use chiso::collect::service_plan::{file_plan, Filed, PlanFileError, PlanSource};
use chiso::compute::plan_progress::{unit_plan, ServiceStatus};
use chiso::domain::UnitCode;
use chiso::store::Store;

use super::common::{import_service_lines, month, test_app, test_store};

pub const HEADER: &str = "unit,service_code,service_name,eligible,target_month,reason";

/// Unit 01's plan of the hand-worked fixture: S1–S5 and S7 eligible, S6 not.
pub const PLAN_01: &str = "unit,service_code,service_name,eligible,target_month,reason\n\
    01,S1,Đăng ký khai sinh,có,2021-03,\n\
    01,S2,Cấp phép xây dựng,có,2021-02,\n\
    01,S3,Đăng ký kết hôn,có,2021-04,\n\
    01,S4,Cấp giấy phép lái xe,có,2021-09,\n\
    01,S5,Cấp phiếu lý lịch tư pháp,có,2021-05,\n\
    01,S6,Cấp căn cước,không,,in_person\n\
    01,S7,Đăng ký đất đai,có,2021-06,\n";

pub async fn file(
    store: &Store,
    unit: &str,
    text: &str,
    filed_by: &str,
) -> Result<Filed, PlanFileError> {
    let app = test_app(store.clone());
    let unit = UnitCode::new(unit);
    let source = PlanSource {
        file_name: "ke-hoach.csv",
        bytes: text.as_bytes(),
        unit: &unit,
        filed_by,
        address: None,
    };
    file_plan(source, &app.registry, &app.plans, store, false).await
}

async fn count(store: &Store, table: &str) -> u64 {
    store
        .client()
        .query(&format!("SELECT count() FROM {table}"))
        .fetch_one()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_good_plan_is_filed_whole_and_filing_it_again_changes_nothing() {
    let store = test_store("plans_good").await;
    let filed = file(&store, "01", PLAN_01, "").await.unwrap();
    assert_eq!((filed.services, filed.eligible, filed.stored), (7, 6, true));
    let (filing, rows) = store.current_plan("01").await.unwrap().unwrap();
    assert_eq!(filing.services, 7);
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[5].reason, "in_person");
    // The same file again is the current plan already: no new filing.
    let again = file(&store, "01", PLAN_01, "").await.unwrap();
    assert!(!again.stored);
    assert_eq!(store.plan_filings("01").await.unwrap().len(), 1);
    // A corrected file replaces it; the first stays in the history.
    let corrected = PLAN_01.replace(
        "01,S4,Cấp giấy phép lái xe,có,2021-09,",
        "01,S4,Cấp giấy phép lái xe,có,2021-08,",
    );
    assert!(file(&store, "01", &corrected, "").await.unwrap().stored);
    let filings = store.plan_filings("01").await.unwrap();
    assert_eq!(filings.len(), 2);
    let (_, rows) = store.current_plan("01").await.unwrap().unwrap();
    assert_eq!(rows[3].target_month.to_string(), "2021-08-01");
    let audited: u64 = store
        .client()
        .query(&format!(
            "SELECT count() FROM {}.audit_log WHERE subject = 'plan 01'",
            store.private_database()
        ))
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(audited, 2, "each filing is in the audit log");
}

#[tokio::test]
async fn a_bad_plan_is_refused_naming_line_and_field_and_nothing_is_stored() {
    let store = test_store("plans_bad").await;
    let bad = format!(
        "{HEADER}\n\
         01,S1,Đăng ký khai sinh,có,,\n\
         01,S2,Cấp phép xây dựng,không,,because\n\
         01,S3,Đăng ký kết hôn,có,2021-04,\n\
         01,S3,Đăng ký kết hôn (lần 2),có,2021-05,\n\
         02,S9,Thủ tục của đơn vị khác,có,2021-05,\n\
         01,S4,Cấp giấy phép lái xe,có,2021-09,\n"
    );
    let err = file(&store, "01", &bad, "").await.unwrap_err();
    let message = err.to_string();
    for expected in [
        "nothing stored, 4 problem(s)",
        "line 2: unit 01: field 'target_month': required for an eligible service",
        "line 3: unit 01: field 'reason': 'because' is not a reason",
        "line 5: unit 01: field 'service_code': 'S3' is listed twice (first on line 4)",
        "line 6: unit 02: field 'unit': unit 02 is not the unit filing this plan (01)",
    ] {
        assert!(
            message.contains(expected),
            "{expected:?} not in:\n{message}"
        );
    }
    assert_eq!(count(&store, "service_plan_rows").await, 0);
    assert_eq!(count(&store, "plan_filings").await, 0);
    assert!(store.current_plan("01").await.unwrap().is_none());
}

/// One service line of `unit` in `m` at `level`, 10 dossiers, `online` online.
fn service(unit: &str, m: &str, code: &str, level: &str, online: u32) -> String {
    format!("{unit},{m},{code},Thủ tục {code},Tư pháp,{level},1,0,10,{online},10,10,0,0")
}

/// Unit 01 reports January to June 2021 but April:
/// S1 fully online from March (target March: on time), S2 from May (target
/// February: late), S3 never (target April: behind plan), S4 never (target
/// September: not yet due), S5 from January (target May: ahead), S6 not
/// online (not eligible), S7 never (target June, as of June: not yet due).
/// S8, fully online, is not in the plan. Unit 02 has S3 fully online:
/// another unit's service counts for nothing.
pub async fn hand_worked_services(store: &Store) {
    let mut lines = Vec::new();
    for m in ["2021-01", "2021-02", "2021-03", "2021-05", "2021-06"] {
        let full = |from: &str| {
            if m >= from {
                "full_online"
            } else {
                "partial_online"
            }
        };
        lines.push(service("01", m, "S1", full("2021-03"), 5));
        lines.push(service("01", m, "S2", full("2021-05"), 5));
        lines.push(service("01", m, "S3", "partial_online", 0));
        lines.push(service("01", m, "S4", "partial_online", 0));
        lines.push(service("01", m, "S5", "full_online", 9));
        lines.push(service("01", m, "S6", "not_online", 0));
        lines.push(service("01", m, "S7", "partial_online", 1));
        lines.push(service("01", m, "S8", "full_online", 2));
        lines.push(service("02", m, "S3", "full_online", 3));
    }
    import_service_lines(store, &lines).await;
}

#[tokio::test]
async fn plan_against_actual_for_a_hand_worked_unit() {
    let store = test_store("plans_actual").await;
    hand_worked_services(&store).await;
    file(&store, "01", PLAN_01, "").await.unwrap();
    let plan = unit_plan(&store, "01", month("2021-06"))
        .await
        .unwrap()
        .unwrap();
    let statuses: Vec<(&str, ServiceStatus, Option<String>)> = plan
        .progress
        .services
        .iter()
        .map(|s| {
            let first = s.first_full_online.map(|m| m.to_string());
            (s.service_code.as_str(), s.status, first)
        })
        .collect();
    let m = |s: &str| Some(s.to_string());
    assert_eq!(
        statuses,
        [
            ("S1", ServiceStatus::OnTime, m("2021-03")),
            ("S2", ServiceStatus::Late, m("2021-05")),
            ("S3", ServiceStatus::BehindPlan, None),
            ("S4", ServiceStatus::NotYetDue, None),
            ("S5", ServiceStatus::Ahead, m("2021-01")),
            ("S6", ServiceStatus::NotEligible, None),
            ("S7", ServiceStatus::NotYetDue, None),
        ]
    );
    let months: Vec<(String, u32, Option<u32>)> = plan
        .progress
        .months
        .iter()
        .map(|x| (x.month.to_string(), x.planned, x.actual))
        .collect();
    let row = |m: &str, planned, actual| (m.to_string(), planned, actual);
    assert_eq!(
        months,
        [
            row("2021-02", 1, Some(1)),
            row("2021-03", 2, Some(2)),
            // Not reported: no count, not zero.
            row("2021-04", 3, None),
            row("2021-05", 4, Some(3)),
            row("2021-06", 5, Some(3)),
            row("2021-07", 5, None),
            row("2021-08", 5, None),
            row("2021-09", 6, None),
        ]
    );
    assert_eq!(plan.progress.not_in_plan, ["S8"]);
    // A month later June has passed: S7 is behind the plan too.
    let july = unit_plan(&store, "01", month("2021-07"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(july.progress.count(ServiceStatus::BehindPlan), 2);
}

async fn get_json(url: &str, token: &str) -> (u16, serde_json::Value) {
    let res = super::common::http()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A filing record dated `at` for `unit` (one service), as a plan filed then would be.
async fn filed_on(store: &Store, unit: &str, at: &str) {
    let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
    let version = at.timestamp_micros() as u64;
    let row = chiso::store::PlanRow {
        unit_code: unit.into(),
        version,
        line: 2,
        service_code: "S1".into(),
        service_name: "Đăng ký khai sinh".into(),
        eligible: 1,
        target_month: month("2021-06").first_day(),
        reason: String::new(),
    };
    let filing = chiso::store::PlanFiling {
        unit_code: unit.into(),
        version,
        filed_at: at,
        filed_by: "cli".into(),
        file_name: "ke-hoach.csv".into(),
        services: 1,
        eligible: 1,
        sha256: String::new(),
    };
    store.file_plan(&filing, &[row]).await.unwrap();
}

#[tokio::test]
async fn plans_filed_late_or_missing_and_plan_against_actual_are_in_the_api() {
    let store = test_store("plans_api").await;
    hand_worked_services(&store).await;
    // 01 files today, years after the 28/4/2021 deadline: late. 02 filed on
    // the deadline at 23:30 in Hà Nội: on time. 04 never filed: missing.
    file(&store, "01", PLAN_01, "").await.unwrap();
    filed_on(&store, "02", "2021-04-28T16:30:00Z").await;
    let token = super::common::ministry_token(&store).await;
    let (server, _app) = super::common::serve(store.clone());
    let base = server.url();

    let (status, body) = get_json(
        &format!("{base}/api/v1/units/01/plan?as_of=2021-06"),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "late");
    assert_eq!(body["deadline"], "2021-04-28");
    assert_eq!(body["as_of"], "2021-06");
    let services = body["services"].as_array().unwrap();
    assert_eq!(services.len(), 7);
    assert_eq!(services[2]["service_code"], "S3");
    assert_eq!(services[2]["status"], "behind_plan");
    assert_eq!(services[0]["first_full_online"], "2021-03");
    assert_eq!(body["months"][2]["month"], "2021-04");
    assert_eq!(body["months"][2]["actual"], serde_json::Value::Null);
    assert_eq!(body["months"][3]["actual"], 3);
    assert_eq!(body["not_in_plan"], serde_json::json!(["S8"]));
    let behind = body["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "behind_plan")
        .unwrap();
    assert_eq!(behind["services"], 1);

    let (_, two) = get_json(&format!("{base}/api/v1/units/02/plan"), &token).await;
    assert_eq!(two["status"], "filed");
    let (_, four) = get_json(&format!("{base}/api/v1/units/04/plan"), &token).await;
    assert_eq!(four["status"], "missing");
    assert_eq!(four["services"].as_array().unwrap().len(), 0);

    let (status, all) = get_json(&format!("{base}/api/v1/plans"), &token).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        (all["filed"].as_u64(), all["late"].as_u64()),
        (Some(1), Some(1))
    );
    let units = all["units"].as_array().unwrap();
    assert_eq!(all["missing"].as_u64(), Some(units.len() as u64 - 2));

    let (status, _) = get_json(
        &format!("{base}/api/v1/units/01/plan?as_of=2021-13"),
        &token,
    )
    .await;
    assert_eq!(status, 400);
    // Another unit's staff may not read 01's plan.
    let other =
        super::common::account_token(&store, "u02", chiso::store::RoleCode::Unit, Some("02")).await;
    let (status, _) = get_json(&format!("{base}/api/v1/units/01/plan"), &other).await;
    assert_eq!(status, 403);

    // The national picture on the data-quality page.
    let quality = super::common::http()
        .get(format!("{base}/chat-luong?to=2021-06"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(quality.contains("data-status=\"filed\">1<"), "{quality}");
    assert!(quality.contains("data-status=\"late\">1<"));
    assert!(
        quality.contains("tr data-unit=\"04\""),
        "04 is listed as missing"
    );

    // The unit page shows the section; a plan filed after the page was drawn
    // shows at once (the page is kept until the next collect or filing).
    let page = |code: &str| {
        let (base, token) = (base.clone(), token.clone());
        let url = format!("{base}/don-vi/{code}?from=2021-01&to=2021-06");
        async move {
            let res = super::common::http()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            res.text().await.unwrap()
        }
    };
    let one = page("01").await;
    assert!(one.contains("id=\"plan\""), "{one}");
    assert!(one.contains("Nộp muộn"), "the late status is shown");
    assert!(one.contains("data-service=\"S3\" data-status=\"behind_plan\""));
    assert!(page("04").await.contains("Chưa nộp, đã quá hạn"));
    file(&store, "04", &PLAN_01.replace("\n01,", "\n04,"), "")
        .await
        .unwrap();
    let four = page("04").await;
    assert!(
        four.contains("Nộp muộn") && four.contains("data-service=\"S4\""),
        "{four}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_missing_plan_gets_its_reminder_once_across_runs_and_a_filed_one_none() {
    use super::notify::{after_deadline, arrivals, fixture, month, smtp};
    let mut f = fixture("plans_remind").await;
    f.app.plans.remind_missing = true;
    // 01 filed (late, but filed); the five others have none on 6/7/2021.
    file(&f.app.store, "01", PLAN_01, "").await.unwrap();
    let plan_mails = |f: &super::notify::Fixture| -> Vec<(String, String)> {
        arrivals(&f.sink.received())
            .into_iter()
            .filter(|(_, subject)| subject.contains("kế hoạch"))
            .collect()
    };
    let first = chiso::notify::remind(&f.app, month(), after_deadline(), &smtp(&f.app))
        .await
        .unwrap();
    assert!(first.errors.is_empty(), "{first:?}");
    let mails = plan_mails(&f);
    let to: Vec<&str> = mails.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(
        to,
        [
            "cds.02@units.invalid",
            "cds.04@units.invalid",
            "cds.06@units.invalid",
            "cds.08@units.invalid",
            "cds.10@units.invalid",
            "vanphong.04@units.invalid",
        ]
    );
    assert_eq!(
        mails[0].1,
        "[Chỉ số CĐS] Tỉnh Hà Giang — chưa nộp kế hoạch cung cấp dịch vụ công trực tuyến toàn trình (hạn 28/04/2021)"
    );
    // The next day's run, and the next month's: nothing more.
    let next_day = after_deadline().succ_opt().unwrap();
    chiso::notify::remind(&f.app, month(), next_day, &smtp(&f.app))
        .await
        .unwrap();
    let august = chiso::domain::Month::of(chrono::NaiveDate::from_ymd_opt(2021, 8, 6).unwrap());
    chiso::notify::remind(&f.app, august.prev(), august.first_day(), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!(plan_mails(&f).len(), 6, "each reminder is sent once");
    let keys = f.app.store.ledger("plan-2021-04-28").await.unwrap();
    assert_eq!(keys.len(), 6);
    assert!(keys
        .iter()
        .all(|k| k.state == chiso::store::SendState::Sent));
}

const BOUNDARY: &str = "----chiso-plan-test-boundary";

/// Posts `text` as the plan file to `/ke-hoach?don-vi={unit}`.
async fn post_plan(base: &str, token: &str, unit: &str, text: &str) -> (u16, String) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ke-hoach.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(text.as_bytes());
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let r = super::common::http()
        .post(format!("{base}/ke-hoach?don-vi={unit}"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_plan_page_files_for_the_accounts_own_unit_only() {
    use chiso::store::RoleCode;
    let store = test_store("plans_page").await;
    let own = super::common::account_token(&store, "u01", RoleCode::Unit, Some("01")).await;
    let other = super::common::account_token(&store, "u02", RoleCode::Unit, Some("02")).await;
    let ministry = super::common::ministry_token(&store).await;
    let (server, _app) = super::common::serve(store.clone());
    let base = server.url();

    // Another unit's staff, for unit 01 or with 01's lines in its own file: 403.
    let (status, _) = post_plan(&base, &other, "01", PLAN_01).await;
    assert_eq!(status, 403);
    let (status, page) = post_plan(&base, &other, "02", PLAN_01).await;
    assert_eq!(status, 403, "{page}");
    // In the page's language, Vietnamese by default (the CLI keeps the English).
    assert!(
        page.contains("Đơn vị 01 không phải là đơn vị nộp kế hoạch này (02)"),
        "{page}"
    );
    assert_eq!(count(&store, "plan_filings").await, 0);
    assert_eq!(count(&store, "service_plan_rows").await, 0);

    // A bad file: 400, its problems by line and field, nothing stored.
    let bad = PLAN_01.replace(
        "01,S4,Cấp giấy phép lái xe,có,2021-09,",
        "01,S4,Cấp giấy phép lái xe,có,,",
    );
    let (status, page) = post_plan(&base, &own, "01", &bad).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("data-line=\"5\"") && page.contains("target_month"),
        "{page}"
    );
    assert!(
        page.contains("Thủ tục đủ điều kiện phải ghi tháng mục tiêu (YYYY-MM)"),
        "{page}"
    );
    assert!(!page.contains("required for an eligible service"), "{page}");
    assert_eq!(count(&store, "plan_filings").await, 0);

    // Its own staff file it; ministry staff may file for any unit.
    let (status, page) = post_plan(&base, &own, "01", PLAN_01).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("7 thủ tục, trong đó 6 thủ tục"), "{page}");
    let (filing, _) = store.current_plan("01").await.unwrap().unwrap();
    assert_eq!(filing.filed_by, "u01");
    let (status, _) = post_plan(&base, &ministry, "04", &PLAN_01.replace("\n01,", "\n04,")).await;
    assert_eq!(status, 200);
    assert_eq!(
        store.plan_filings("04").await.unwrap()[0].filed_by,
        "ministry"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_session_files_a_plan_only_with_its_csrf_token() {
    let store = test_store("plans_csrf").await;
    super::common::account_token(&store, "ha-noi", chiso::store::RoleCode::Unit, Some("01")).await;
    let (server, _) = super::common::serve(store.clone());
    let base = server.url();
    let (cookie, csrf) = super::upload::session(&base, "ha-noi").await;
    let send = |token: Option<&str>| {
        let mut body = Vec::new();
        if let Some(t) = token {
            let field = format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{t}\r\n"
            );
            body.extend_from_slice(field.as_bytes());
        }
        let file = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"k.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n{PLAN_01}\r\n--{BOUNDARY}--\r\n"
        );
        body.extend_from_slice(file.as_bytes());
        super::common::http()
            .post(format!("{base}/ke-hoach?don-vi=01"))
            .header("cookie", &cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    };
    assert_eq!(send(None).await.unwrap().status(), 403);
    assert_eq!(send(Some("wrong")).await.unwrap().status(), 403);
    assert_eq!(count(&store, "plan_filings").await, 0);
    let form = super::common::http()
        .get(format!("{base}/ke-hoach"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains(&csrf), "the form carries the session's token");
    assert_eq!(send(Some(&csrf)).await.unwrap().status(), 200);
    assert_eq!(count(&store, "plan_filings").await, 1);
    server.stop().await;
}

#[tokio::test]
async fn a_plan_workbook_is_read_as_the_csv_of_its_first_sheet() {
    let store = test_store("plans_xlsx").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in PLAN_01.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let app = test_app(store.clone());
    let unit = UnitCode::new("01");
    let source = PlanSource {
        file_name: "ke-hoach.xlsx",
        bytes: &bytes,
        unit: &unit,
        filed_by: "",
        address: None,
    };
    let filed = file_plan(source, &app.registry, &app.plans, &store, false)
        .await
        .unwrap();
    assert_eq!((filed.services, filed.eligible), (7, 6));
    let (_, rows) = store.current_plan("01").await.unwrap().unwrap();
    assert_eq!((rows[0].line, rows[0].service_code.as_str()), (2, "S1"));
}
