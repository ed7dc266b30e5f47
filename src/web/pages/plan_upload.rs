//! `/ke-hoach`: a unit files its service plan (letter 1145/BTTTT-THH,
//! docs/plans.md) through the web, the file `chiso plans import` reads. Unit
//! staff file for their own unit only; ministry staff for the unit they name
//! (`?don-vi=CODE`). The form carries the session's CSRF token; a file with
//! any problem stores nothing and lists them by line, unit and field.
//! The Vietnamese words of the page are all in this file.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse, HttpResponseBuilder};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{page_html, problem, PageError};
use super::upload::form::{self, FormError, MAX_UPLOAD_BYTES};
use crate::collect::service_plan::{file_plan, Filed, PlanFileError, PlanSource, PLAN_HEADER};
use crate::collect::Problem;
use crate::config::Unit;
use crate::domain::UnitCode;
use crate::web::auth::{Account, Role, RoleCode, Viewer};
use crate::web::State;

#[derive(Deserialize)]
pub struct Query {
    #[serde(rename = "don-vi")]
    unit: Option<String>,
}

/// The unit `account` files for: its own (unit staff, who may name no
/// other), or the one ministry staff name.
fn filing_unit<'a>(
    state: &'a State,
    account: &Account,
    asked: Option<&str>,
) -> Result<&'a Unit, (StatusCode, String)> {
    let code = match (&account.role, asked) {
        (Role::Unit(own), Some(asked)) if asked != own.as_str() => {
            let message = format!(
                "Tài khoản này chỉ nộp kế hoạch của đơn vị {own}, không nộp cho đơn vị {asked}."
            );
            return Err((StatusCode::FORBIDDEN, message));
        }
        (Role::Unit(own), _) => own.clone(),
        (_, Some(asked)) => UnitCode::new(asked),
        (_, None) => {
            let message = "Hãy chọn đơn vị: /ke-hoach?don-vi=MÃ (ví dụ /ke-hoach?don-vi=01).";
            return Err((StatusCode::BAD_REQUEST, message.to_string()));
        }
    };
    state.registry.get(&code).ok_or_else(|| {
        let message = format!("Không có đơn vị mã '{code}'.");
        (StatusCode::NOT_FOUND, message)
    })
}

fn respond(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    HttpResponseBuilder::new(status)
        .content_type("text/html; charset=utf-8")
        .body(page_html(title, body))
}

fn upload_form(viewer: &Viewer, unit: &Unit) -> Markup {
    html! {
        form #plan-upload method="post" action=(format!("/ke-hoach?don-vi={}", unit.code))
            enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(viewer.csrf_token().unwrap_or_default());
            p {
                label for="file" { "Tệp CSV (UTF-8, tối đa " (MAX_UPLOAD_BYTES >> 20) " MiB): " }
                input #file type="file" name="file" accept=".csv,text/csv" required;
            }
            button type="submit" { "Nộp kế hoạch" }
        }
    }
}

fn form_body(state: &State, viewer: &Viewer, unit: &Unit) -> Markup {
    html! {
        h1 { "Nộp kế hoạch dịch vụ công trực tuyến toàn trình — " (unit.name) }
        p { "Theo Công văn 1145/BTTTT-THH: mỗi dòng một thủ tục. Thủ tục đủ điều kiện ghi tháng "
            "đưa lên trực tuyến toàn trình (YYYY-MM); thủ tục không đủ điều kiện ghi mã lý do. "
            "Hạn nộp: " (state.plans.deadline.format("%d/%m/%Y")) ". Kế hoạch nộp lại thay kế hoạch trước "
            "(các lần nộp đều được lưu)." }
        p { "Dòng đầu của tệp: " code { (PLAN_HEADER.join(",")) } }
        h2 { "Mã lý do không đủ điều kiện" }
        table #plan-reasons {
            thead { tr { th.name { "Mã" } th.name { "Lý do" } } }
            tbody { @for r in &state.plans.reasons { tr { td.name { code { (r.code) } } td.name { (r.label) } } } }
        }
        (upload_form(viewer, unit))
        p { a href=(format!("/don-vi/{}", unit.code)) { "Xem kế hoạch hiện hành trên trang đơn vị" } }
    }
}

#[get("/ke-hoach")]
pub async fn form_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let account = viewer
        .require_role(&[RoleCode::Unit])
        .map_err(|e| PageError::access(e, &req))?;
    let unit = match filing_unit(&state, account, query.unit.as_deref()) {
        Ok(u) => u,
        Err((status, message)) => return Ok(problem(status, &message)),
    };
    let body = form_body(&state, &viewer, unit);
    Ok(respond(StatusCode::OK, "Nộp kế hoạch", body))
}

#[post("/ke-hoach")]
pub async fn file_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<Query>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let account = viewer
        .require_role(&[RoleCode::Unit])
        .map_err(|e| PageError::access(e, &req))?;
    let sent = match form::read(payload).await {
        Ok(sent) => sent,
        Err(FormError::TooLarge) => {
            let message = format!("Tệp lớn quá {} MiB.", MAX_UPLOAD_BYTES >> 20);
            return Ok(problem(StatusCode::PAYLOAD_TOO_LARGE, &message));
        }
        Err(e) => return Err(PageError::bad(e.to_string())),
    };
    viewer
        .check_csrf(sent.csrf.as_deref())
        .map_err(|e| PageError::access(e, &req))?;
    let unit = match filing_unit(&state, account, query.unit.as_deref()) {
        Ok(u) => u,
        Err((status, message)) => return Ok(problem(status, &message)),
    };
    if !sent.has_file || sent.bytes.is_empty() {
        return Err(PageError::bad("Chưa chọn tệp, hoặc tệp rỗng."));
    }
    let name = match sent.file_name.as_str() {
        "" => "ke-hoach.csv",
        n => n,
    };
    let source = PlanSource {
        file_name: name,
        bytes: &sent.bytes,
        unit: &unit.code,
        filed_by: &account.login,
        address: req
            .connection_info()
            .realip_remote_addr()
            .map(str::to_string),
    };
    match file_plan(source, &state.registry, &state.plans, &state.store, false).await {
        Ok(filed) => Ok(respond(
            StatusCode::OK,
            "Đã nhận kế hoạch",
            done(unit, &filed),
        )),
        Err(e @ PlanFileError::Invalid { .. }) => {
            let problems = e.problems();
            // Another unit's lines are not this account's to file: 403, as the upload page.
            let status = match problems.iter().any(|p| p.foreign) {
                true => StatusCode::FORBIDDEN,
                false => StatusCode::BAD_REQUEST,
            };
            let body = refused(&viewer, unit, problems);
            Ok(respond(status, "Kế hoạch không được nhận", body))
        }
        Err(e) => Err(PageError::internal(&e)),
    }
}

fn done(unit: &Unit, filed: &Filed) -> Markup {
    html! {
        h1 { "Đã nhận kế hoạch của " (unit.name) }
        p #filed {
            @if filed.stored { "Kế hoạch mới gồm " } @else { "Tệp giống kế hoạch hiện hành, không thay đổi: " }
            (filed.services) " thủ tục, trong đó " (filed.eligible) " thủ tục đủ điều kiện trực tuyến toàn trình."
        }
        p { a href=(format!("/don-vi/{}", unit.code)) { "Xem kế hoạch so với thực tế" } }
    }
}

fn refused(viewer: &Viewer, unit: &Unit, problems: &[Problem]) -> Markup {
    html! {
        h1 { "Kế hoạch không được nhận" }
        p.note #verdict { "Tệp có " (problems.len()) " lỗi; chưa có gì được lưu. Hãy sửa tệp rồi nộp lại." }
        div.scroll { table #problems {
            thead { tr { th { "Dòng" } th.name { "Đơn vị" } th.name { "Trường" } th.name { "Vấn đề" } } }
            tbody {
                @for p in problems {
                    tr data-line=(p.line.map(|l| l.to_string()).unwrap_or_default()) {
                        td { @match p.line { Some(l) => (l), None => "—" } }
                        td.name { (p.unit) }
                        td.name { (p.field) }
                        td.name { (p.message) }
                    }
                }
            }
        } }
        h2 { "Nộp lại tệp đã sửa" }
        (upload_form(viewer, unit))
    }
}
