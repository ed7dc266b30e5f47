//! The upload pages: the form, the preview of a file's problems, and what a
//! confirmed file stored.

use actix_web::HttpResponse;
use maud::{html, Markup};

use super::super::layout::page;
use super::super::publish::hanoi;
use super::{Checked, MAX_UPLOAD_BYTES};
use crate::collect::UnitResult;
use crate::domain::UnitCode;
use crate::store::{Outcome, UploadRow};
use crate::web::auth::{Account, Role, Viewer};
use crate::web::State;

fn csrf(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf_token().unwrap_or_default()); }
}

/// The file input and its send button.
fn upload_form(viewer: &Viewer) -> Markup {
    html! {
        form #upload method="post" action="/nop-so-lieu" enctype="multipart/form-data" {
            (csrf(viewer))
            p {
                label for="file" { "Tệp CSV (UTF-8) hoặc Excel (.xlsx, trang tính đầu tiên), tối đa " (MAX_UPLOAD_BYTES >> 20) " MiB: " }
                input #file type="file" name="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
            }
            button type="submit" { "Gửi và kiểm tra" }
        }
    }
}

pub fn form_page(viewer: &Viewer, account: &Account) -> HttpResponse {
    let whose = match &account.role {
        Role::Unit(own) => {
            format!("Tài khoản này gửi số liệu của đơn vị {own} (và các đơn vị đã hợp nhất vào đơn vị này); dòng của đơn vị khác bị từ chối.")
        }
        _ => "Cán bộ Bộ được gửi số liệu của mọi đơn vị.".to_string(),
    };
    page(
        "Nộp số liệu",
        html! {
            h1 { "Nộp số liệu hằng tháng" }
            p { "Tệp theo một trong hai mẫu của lệnh " code { "chiso import" }
                " (theo thủ tục hoặc theo chỉ số; xem tài liệu nguồn số liệu). Tệp được kiểm tra trước; "
                "số liệu chỉ được ghi nhận khi bạn xác nhận." }
            p.muted { (whose) }
            (upload_form(viewer))
        },
    )
}

/// The unit's name when the registry knows the code.
fn unit_name(state: &State, code: &str) -> String {
    state
        .registry
        .get(&UnitCode::new(code))
        .map(|u| format!("{code} {}", u.name))
        .unwrap_or_else(|| code.to_string())
}

/// What the file does to a unit-month: new, replacing what was stored, unchanged or refused.
fn outcome_vi(r: &UnitResult, dry_run: bool) -> String {
    let replaced = r.replaced.map(|(services, measures)| {
        format!(" (thay thế số liệu đã có: {services} thủ tục, {measures} chỉ số)")
    });
    match (r.outcome, dry_run, replaced) {
        (Outcome::Stored, true, None) => "Sẽ ghi nhận mới".into(),
        (Outcome::Stored, true, Some(what)) => format!("Sẽ ghi nhận{what}"),
        (Outcome::Stored, false, None) => "Đã ghi nhận".into(),
        (Outcome::Stored, false, Some(what)) => format!("Đã ghi nhận{what}"),
        (o, _, _) => outcome_other(o).into(),
    }
}

fn outcome_other(o: Outcome) -> &'static str {
    match o {
        Outcome::Stored => "Đã ghi nhận",
        Outcome::Unchanged => "Giống số liệu đã có, không thay đổi",
        Outcome::Rejected => "Bị từ chối",
        Outcome::Failed => "Lỗi khi ghi",
    }
}

fn results_table(state: &State, results: &[UnitResult], dry_run: bool) -> Markup {
    html! {
        div.scroll { table #unit-months {
            thead { tr { th.name { "Đơn vị" } th { "Tháng" } th { "Thủ tục" } th { "Chỉ số" } th.name { "Kết quả" } } }
            tbody {
                @for r in results {
                    tr data-unit=(r.unit) data-month=(r.month) {
                        td.name { (unit_name(state, r.unit.as_str())) }
                        td { (r.month) }
                        td { (r.services) }
                        td { (r.measures) }
                        td.name { (outcome_vi(r, dry_run)) }
                    }
                }
            }
        } }
    }
}

pub fn preview_page(
    state: &State,
    viewer: &Viewer,
    row: &UploadRow,
    checked: &Checked,
) -> HttpResponse {
    let results = &checked.outcome.report.results;
    page(
        "Kiểm tra tệp",
        html! {
            h1 { "Kiểm tra tệp " (row.file_name) }
            @if checked.problems.is_empty() {
                p.muted #verdict { "Tệp không có lỗi. Xác nhận để ghi nhận số liệu." }
                (results_table(state, results, true))
                form #confirm method="post" action="/nop-so-lieu/xac-nhan" {
                    (csrf(viewer))
                    input type="hidden" name="upload" value=(row.upload_id);
                    button type="submit" { "Xác nhận gửi số liệu" }
                }
            } @else {
                p.note #verdict { "Tệp có " (checked.problems.len())
                    " lỗi; chưa có số liệu nào được ghi nhận. Hãy sửa tệp rồi gửi lại." }
                div.scroll { table #problems {
                    thead { tr { th { "Dòng" } th.name { "Đơn vị" } th { "Tháng" } th.name { "Trường" } th.name { "Vấn đề" } } }
                    tbody {
                        @for p in &checked.problems {
                            tr data-line=(p.line.map(|l| l.to_string()).unwrap_or_default()) {
                                td { @match p.line { Some(l) => (l), None => "—" } }
                                td.name { (p.unit) }
                                td { (p.month) }
                                td.name { (p.field) }
                                td.name { (p.message) }
                            }
                        }
                    }
                } }
                h2 { "Gửi lại tệp đã sửa" }
                (upload_form(viewer))
            }
        },
    )
}

pub fn done_page(state: &State, row: &UploadRow, checked: &Checked) -> HttpResponse {
    let report = &checked.outcome.report;
    page(
        "Đã nhận số liệu",
        html! {
            h1 { "Đã nhận tệp " (row.file_name) }
            p #received { "Nhận lúc " (hanoi(row.received_at, "%H:%M ngày %d/%m/%Y"))
                "; thời điểm này được tính cho việc báo cáo đúng hạn." }
            @if !checked.problems.is_empty() {
                p.note { (checked.problems.len()) " tháng bị từ chối khi ghi; xem bảng dưới đây." }
            }
            (results_table(state, &report.results, false))
            p { a href="/nop-so-lieu" { "Gửi tệp khác" } }
        },
    )
}
