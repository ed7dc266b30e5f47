//! The upload page (`/nop-so-lieu`) through the real server: a unit account
//! sends its monthly file, sees its problems by the line its editor shows,
//! confirms, and may not send another unit's rows.

use chiso::store::{AuditFilter, AuditKind, RoleCode, Units, UploadRow, UploadState};
use chiso::web::MAX_PREVIEWS_PER_DAY;

use super::common::{
    account_token, another_store, http, month, serve, service_line, test_store, SERVICE_HEADER,
};

pub(super) const BOUNDARY: &str = "----chiso-upload-test-boundary";

/// A multipart/form-data body with a `file` field named `name`.
pub(super) fn multipart(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn send(base: &str, token: &str, name: &str, bytes: &[u8]) -> (u16, String) {
    let r = http()
        .post(format!("{base}/nop-so-lieu"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(name, bytes))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn confirm(base: &str, token: &str, upload: &str) -> (u16, String) {
    let r = http()
        .post(format!("{base}/nop-so-lieu/xac-nhan"))
        .bearer_auth(token)
        .form(&[("upload", upload)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The upload id the preview's confirm form carries.
fn upload_id(html: &str) -> Option<String> {
    let at = html.find("name=\"upload\" value=\"")? + "name=\"upload\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

/// A file of `lines` under the services header, with `ending` between lines.
pub(super) fn file(lines: &[String], ending: &str) -> Vec<u8> {
    let mut all = vec![SERVICE_HEADER.to_string()];
    all.extend(lines.iter().cloned());
    (all.join(ending) + ending).into_bytes()
}

#[tokio::test]
async fn a_bad_file_is_previewed_by_its_editor_lines_lf_and_crlf_alike_and_nothing_is_stored() {
    let store = test_store("upload_bad").await;
    let token = account_token(&store, "ha-noi", RoleCode::Unit, Some("01")).await;
    let (server, _) = serve(store.clone());
    let base = server.url();
    let lines = vec![
        service_line("01", "2021-06", 100, 40, 90, 80),
        // Line 3: online above received.
        "01,2021-06,1.002,Đăng ký khai sinh,Hộ tịch,full_online,1,1,10,20,10,10,0,0".to_string(),
        // Line 4: not a number.
        "01,2021-07,1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,mười,0,0,0,0,0"
            .to_string(),
    ];
    for (name, ending) in [("lf.csv", "\n"), ("crlf.csv", "\r\n")] {
        let bytes = file(&lines, ending);
        let (status, html) = send(&base, &token, name, &bytes).await;
        assert_eq!(status, 200, "{name}: {html}");
        assert!(html.contains("Tệp có 2 lỗi"), "{name}: {html}");
        assert!(
            upload_id(&html).is_none(),
            "{name}: a file with problems offers no confirmation"
        );
        for (line, month, field) in [
            ("3", "2021-06", "services[code=1.002].received_online"),
            ("4", "2021-07", "received"),
        ] {
            let row_at = html
                .find(&format!("<tr data-line=\"{line}\">"))
                .unwrap_or_else(|| panic!("{name}: no problem on line {line}: {html}"));
            let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
            assert!(
                row.contains(">01<") && row.contains(month) && row.contains(field),
                "{name}: line {line}: {row}"
            );
        }
    }
    server.stop().await;
    let store = another_store("upload_bad");
    let totals = store.month_totals(month("2021-06")).await.unwrap();
    assert!(totals.is_empty(), "a preview stores no data: {totals:?}");
}

#[tokio::test]
async fn a_confirmed_upload_is_stored_once_kept_whole_and_counts_its_arrival() {
    let store = test_store("upload_good").await;
    let token = account_token(&store, "ha-noi", RoleCode::Unit, Some("01")).await;
    let (server, _) = serve(store.clone());
    let base = server.url();
    let bytes = file(
        &[
            service_line("01", "2021-06", 100, 40, 90, 80),
            service_line("01", "2021-07", 50, 30, 50, 50),
        ],
        "\r\n",
    );
    let (status, html) = send(&base, &token, "thang-6.csv", &bytes).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Tệp không có lỗi"), "{html}");
    assert!(html.contains("Sẽ ghi nhận"), "{html}");
    let id = upload_id(&html).expect("a confirm form");

    let before = chrono::Utc::now().timestamp() - 1;
    let (status, html) = confirm(&base, &token, &id).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Đã nhận tệp thang-6.csv"), "{html}");
    assert!(html.contains("Đã ghi nhận"), "{html}");
    let after = chrono::Utc::now().timestamp() + 1;
    // Confirming again is the same batch: nothing new is stored.
    let (status, html) = confirm(&base, &token, &id).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("không thay đổi") && !html.contains("Đã ghi nhận"),
        "{html}"
    );
    server.stop().await;

    let store = another_store("upload_good");
    let totals = store.month_totals(month("2021-06")).await.unwrap();
    let hanoi = totals.iter().find(|t| t.unit_code == "01").unwrap();
    assert_eq!((hanoi.received, hanoi.received_online), (100, 40));
    // Its arrival time is the confirmation's: what timeliness reads.
    let arrivals = store
        .first_stored((month("2021-06"), month("2021-07")), Units::All)
        .await
        .unwrap();
    assert_eq!(arrivals.len(), 2, "{arrivals:?}");
    for a in &arrivals {
        let at = i64::from(a.first_stored_at);
        assert!(
            before <= at && at <= after,
            "{a:?} not in {before}..{after}"
        );
    }
    // The file is kept whole, CRLF and all, with who sent it.
    let kept = store.upload(&id).await.unwrap().unwrap();
    assert_eq!(kept.state, UploadState::Confirmed);
    assert_eq!(kept.content, bytes);
    assert_eq!(
        (kept.uploaded_by.as_str(), kept.unit_code.as_str()),
        ("ha-noi", "01")
    );
    let events = store
        .audit_log(
            &AuditFilter {
                kind: Some(AuditKind::Import),
                who: Some("ha-noi".into()),
                ..AuditFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 2, "one per confirmation: {events:#?}");
    assert!(events[0].subject.contains("thang-6.csv"), "{events:#?}");
}

#[tokio::test]
async fn another_units_rows_are_refused_even_when_confirmed_without_the_page() {
    let store = test_store("upload_foreign").await;
    let hanoi = account_token(&store, "ha-noi", RoleCode::Unit, Some("01")).await;
    let ministry = account_token(&store, "bo-truong", RoleCode::Ministry, None).await;
    let analyst = account_token(&store, "phan-tich", RoleCode::Analyst, None).await;
    let (server, _) = serve(store.clone());
    let base = server.url();
    let bytes = file(
        &[
            service_line("01", "2021-06", 100, 40, 90, 80),
            service_line("79", "2021-06", 500, 400, 500, 500),
        ],
        "\n",
    );
    let (status, html) = send(&base, &hanoi, "hai-don-vi.csv", &bytes).await;
    assert_eq!(status, 200, "{html}");
    let row_at = html.find("<tr data-line=\"3\">").expect("line 3 refused");
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
    assert!(
        // In the page's language (issue 14), Vietnamese by default.
        row.contains(">79<") && row.contains("Đơn vị 79 không phải là đơn vị của tài khoản này"),
        "{row}"
    );
    assert!(upload_id(&html).is_none(), "{html}");

    // Confirming the stored preview by hand, past the page: refused, nothing stored.
    let imports = AuditFilter {
        kind: Some(AuditKind::Import),
        ..AuditFilter::default()
    };
    let events = store.audit_log(&imports, 10).await.unwrap();
    assert!(events.is_empty(), "a preview is not an import: {events:#?}");
    let preview = newest_upload(&store, "ha-noi").await;
    let (status, html) = confirm(&base, &hanoi, &preview).await;
    assert_eq!(status, 403, "{html}");
    assert!(
        html.contains("trường &#39;unit&#39;") || html.contains("trường 'unit'"),
        "{html}"
    );
    assert!(store
        .month_totals(month("2021-06"))
        .await
        .unwrap()
        .is_empty());
    // Another account may not confirm someone else's file.
    let (status, _) = confirm(&base, &ministry, &preview).await;
    assert_eq!(status, 403);
    // Analysts send no data.
    let (status, _) = send(&base, &analyst, "x.csv", &bytes).await;
    assert_eq!(status, 403);

    // Ministry staff may send any unit's rows.
    let (status, html) = send(&base, &ministry, "hai-don-vi.csv", &bytes).await;
    assert_eq!(status, 200, "{html}");
    let id = upload_id(&html).expect("a confirm form");
    let (status, html) = confirm(&base, &ministry, &id).await;
    assert_eq!(status, 200, "{html}");
    let totals = store.month_totals(month("2021-06")).await.unwrap();
    assert_eq!(totals.len(), 2, "{totals:?}");

    // A file past the limit is refused before it is read whole.
    let big = vec![b'x'; chiso::web::MAX_UPLOAD_BYTES + 1];
    let (status, _) = send(&base, &hanoi, "big.csv", &big).await;
    assert_eq!(status, 413);
    server.stop().await;
}

/// The id of the newest upload `login` sent.
async fn newest_upload(store: &chiso::store::Store, login: &str) -> String {
    store
        .newest_upload_of(login)
        .await
        .unwrap()
        .expect("an upload")
        .upload_id
}

/// A browser session of `login` (password of `account_token`): its cookie
/// and the CSRF token its forms must carry.
pub(super) async fn session(base: &str, login: &str) -> (String, String) {
    let cookie_of = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
            .unwrap()
    };
    let page = http().get(format!("{base}/login")).send().await.unwrap();
    let login_csrf = cookie_of(&page, "chiso_login_csrf");
    let r = http()
        .post(format!("{base}/login"))
        .header("cookie", format!("chiso_login_csrf={login_csrf}"))
        .form(&[
            ("login", login),
            ("password", "a long enough password"),
            ("csrf", &login_csrf),
        ])
        .send()
        .await
        .unwrap();
    let cookie = format!("chiso_session={}", cookie_of(&r, "chiso_session"));
    let me: serde_json::Value = http()
        .get(format!("{base}/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (cookie, me["csrf"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_session_sends_its_csrf_token_with_the_upload_and_publish_forms_or_is_refused() {
    let store = test_store("upload_csrf").await;
    account_token(&store, "ha-noi", RoleCode::Unit, Some("01")).await;
    account_token(&store, "bo-truong", RoleCode::Ministry, None).await;
    let (server, _) = serve(store.clone());
    let base = server.url();
    let bytes = file(&[service_line("01", "2021-06", 100, 40, 90, 80)], "\n");
    let (cookie, csrf) = session(&base, "ha-noi").await;
    let upload_with = |token: Option<&str>| {
        let mut body = Vec::new();
        if let Some(t) = token {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{t}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend(multipart("x.csv", &bytes));
        http()
            .post(format!("{base}/nop-so-lieu"))
            .header("cookie", &cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    };
    assert_eq!(upload_with(None).await.unwrap().status(), 403);
    assert_eq!(upload_with(Some("wrong")).await.unwrap().status(), 403);
    let ok = upload_with(Some(&csrf)).await.unwrap();
    assert_eq!(ok.status(), 200);
    let id = upload_id(&ok.text().await.unwrap()).unwrap();
    let confirm_with = |token: &str| {
        http()
            .post(format!("{base}/nop-so-lieu/xac-nhan"))
            .header("cookie", &cookie)
            .form(&[("upload", id.as_str()), ("csrf", token)])
            .send()
    };
    assert_eq!(confirm_with("wrong").await.unwrap().status(), 403);
    assert!(store
        .month_totals(month("2021-06"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(confirm_with(&csrf).await.unwrap().status(), 200);

    let (cookie, csrf) = session(&base, "bo-truong").await;
    let publish_with = |token: &str| {
        http()
            .post(format!("{base}/xep-hang/cong-bo"))
            .header("cookie", &cookie)
            .form(&[
                ("period", "2021-06"),
                ("reason", "tháng 6"),
                ("csrf", token),
            ])
            .send()
    };
    assert_eq!(publish_with("wrong").await.unwrap().status(), 403);
    assert_eq!(publish_with(&csrf).await.unwrap().status(), 303);
    server.stop().await;
}

/// A preview row of `login` received `days_ago` days ago, in `state`.
fn stored_upload(id: &str, login: &str, days_ago: i64, state: UploadState) -> UploadRow {
    let at = chrono::Utc::now() - chrono::Duration::days(days_ago);
    UploadRow {
        upload_id: id.into(),
        uploaded_by: login.into(),
        unit_code: "01".into(),
        file_name: "t.csv".into(),
        content: b"unit_code\n".to_vec(),
        sha256: String::new(),
        problems: 0,
        state,
        received_at: at,
        version: u64::try_from(at.timestamp_micros()).unwrap() + state as u64,
    }
}

#[tokio::test]
async fn one_account_may_preview_so_many_files_a_day_and_unconfirmed_previews_go_after_a_week() {
    let store = test_store("upload_bounds").await;
    let token = account_token(&store, "ha-noi", RoleCode::Unit, Some("01")).await;
    let other = account_token(&store, "ha-noi-2", RoleCode::Unit, Some("01")).await;
    let (server, _) = serve(store.clone());
    let base = server.url();
    let bytes = file(&[service_line("01", "2021-06", 100, 40, 90, 80)], "\n");
    // The day's previews already sent, one of them a day and a half ago.
    for i in 0..MAX_PREVIEWS_PER_DAY {
        store
            .record_upload(&stored_upload(
                &format!("p{i}"),
                "ha-noi",
                0,
                UploadState::Previewed,
            ))
            .await
            .unwrap();
    }
    store
        .record_upload(&stored_upload("old", "ha-noi", 8, UploadState::Previewed))
        .await
        .unwrap();
    let (status, html) = send(&base, &token, "one-more.csv", &bytes).await;
    assert_eq!(status, 429, "{html}");
    assert!(html.contains("trong 24 giờ qua"), "{html}");
    assert!(store
        .newest_upload_of("ha-noi")
        .await
        .unwrap()
        .unwrap()
        .upload_id
        .starts_with('p'));
    // Another account is not held by the first one's previews.
    let (status, html) = send(&base, &other, "mine.csv", &bytes).await;
    assert_eq!(status, 200, "{html}");
    server.stop().await;
    // A fresh client: the server's stop may close the connections it shared.
    let store = another_store("upload_bounds");

    // A week on: the unconfirmed old preview goes; a confirmed upload as old
    // keeps both rows, and the day's previews stay.
    store
        .record_upload(&stored_upload("done", "ha-noi", 9, UploadState::Previewed))
        .await
        .unwrap();
    store
        .record_upload(&stored_upload("done", "ha-noi", 9, UploadState::Confirmed))
        .await
        .unwrap();
    let week_ago = chrono::Utc::now() - chrono::Duration::days(7);
    assert_eq!(store.prune_previews(week_ago).await.unwrap(), 1);
    // The mutation is applied in the background.
    let mut gone = false;
    for _ in 0..100 {
        if store.upload("old").await.unwrap().is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the stale preview is still there");
    assert_eq!(
        store.upload("done").await.unwrap().unwrap().state,
        UploadState::Confirmed
    );
    assert!(store.upload("p0").await.unwrap().is_some());
    assert_eq!(store.prune_previews(week_ago).await.unwrap(), 0);
}

/// A workbook whose first sheet holds `lines` (CSV text) under the services
/// header: codes, month, names and level as text, counts as numbers.
fn workbook(lines: &[String]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut all = vec![SERVICE_HEADER.to_string()];
    all.extend(lines.iter().cloned());
    for (r, line) in all.iter().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(n) if r > 0 && c >= 6 => sheet.write_number(r, c, n).map(|_| ()),
                _ => sheet.write_string(r, c, cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_xlsx_file_names_its_rows_a_merged_unit_s_months_are_accepted_and_a_replacement_is_said()
{
    let store = test_store("upload_xlsx").await;
    // Hồ Chí Minh City (79) took in Bình Dương (74) on 2025-07-01.
    let token = account_token(&store, "hcm", RoleCode::Unit, Some("79")).await;
    let (server, _) = serve(store.clone());
    let base = server.url();
    let good = vec![
        service_line("79", "2025-08", 100, 40, 90, 80),
        service_line("74", "2025-05", 60, 30, 60, 50),
    ];
    let mut bad = good.clone();
    // Row 4: online above received.
    bad.push(
        "79,2025-09,1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,10,20,10,10,0,0".into(),
    );
    let (status, html) = send(&base, &token, "thang.xlsx", &workbook(&bad)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Tệp có 1 lỗi"), "{html}");
    let row_at = html.find("<tr data-line=\"4\">").expect("row 4 named");
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
    assert!(
        row.contains("2025-09") && row.contains("received_online"),
        "{row}"
    );

    let bytes = workbook(&good);
    let (status, html) = send(&base, &token, "thang.xlsx", &bytes).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Tệp không có lỗi"), "{html}");
    assert!(html.contains("Sẽ ghi nhận mới"), "{html}");
    let id = upload_id(&html).expect("a confirm form");
    let (status, html) = confirm(&base, &token, &id).await;
    assert_eq!(status, 200, "{html}");
    // The workbook is kept whole, as sent.
    assert_eq!(store.upload(&id).await.unwrap().unwrap().content, bytes);

    // The same month again, with other numbers: the preview says it replaces.
    let again = file(&[service_line("79", "2025-08", 120, 60, 100, 90)], "\n");
    let (status, html) = send(&base, &token, "sua.csv", &again).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Sẽ ghi nhận (thay thế số liệu đã có: 1 thủ tục, 0 chỉ số)"),
        "{html}"
    );
    server.stop().await;

    let store = another_store("upload_xlsx");
    for (unit, m, received) in [("79", "2025-08", 100), ("74", "2025-05", 60)] {
        let totals = store.month_totals(month(m)).await.unwrap();
        let t = totals.iter().find(|t| t.unit_code == unit).unwrap();
        assert_eq!(t.received, received, "{unit} {m}");
    }
}
