//! `/ke-hoach`: a unit files its service plan (letter 1145/BTTTT-THH,
//! docs/plans.md) through the web, the file `chiso plans import` reads. Unit
//! staff file for their own unit only; ministry staff for the unit they name
//! (`?don-vi=CODE`). The form carries the session's CSRF token; a file with
//! any problem stores nothing and lists them by line, unit and field.
//! Its words are in the message catalogue (`plan-*`).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse, HttpResponseBuilder};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{page_html, problem, PageError};
use super::periods::date;
use super::upload::form::{self, FormError, MAX_UPLOAD_BYTES};
use crate::collect::service_plan::{file_plan, Filed, PlanFileError, PlanSource, PLAN_HEADER};
use crate::collect::Problem;
use crate::config::Unit;
use crate::domain::UnitCode;
use crate::t;
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
            let message = t!("plan-only-own", own = own.to_string(), asked = asked);
            return Err((StatusCode::FORBIDDEN, message));
        }
        (Role::Unit(own), _) => own.clone(),
        (_, Some(asked)) => UnitCode::new(asked),
        (_, None) => {
            return Err((StatusCode::BAD_REQUEST, t!("plan-choose-unit")));
        }
    };
    state.registry.get(&code).ok_or_else(|| {
        let message = t!("unit-not-found", code = code.to_string());
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
                label for="file" { (t!("upload-file-label", mib = MAX_UPLOAD_BYTES >> 20)) " " }
                input #file type="file" name="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
            }
            button type="submit" { (t!("plan-file")) }
        }
    }
}

fn form_body(state: &State, viewer: &Viewer, unit: &Unit) -> Markup {
    html! {
        h1 { (t!("plan-upload-heading", unit = unit.name.as_str())) }
        p { (t!("plan-upload-intro", deadline = date(state.plans.deadline))) }
        p { (t!("plan-first-line")) " " code { (PLAN_HEADER.join(",")) } }
        h2 { (t!("plan-reason-codes")) }
        table #plan-reasons {
            thead { tr { th.name { (t!("services-code")) } th.name { (t!("plan-reason")) } } }
            tbody { @for r in &state.plans.reasons { tr { td.name { code { (r.code) } } td.name { (r.label) } } } }
        }
        (upload_form(viewer, unit))
        p { a href=(format!("/don-vi/{}", unit.code)) { (t!("plan-see-current")) } }
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
    Ok(respond(StatusCode::OK, &t!("plan-file"), body))
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
            let message = t!("plan-too-large", mib = MAX_UPLOAD_BYTES >> 20);
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
        return Err(PageError::bad(t!("upload-no-file")));
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
            &t!("plan-received"),
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
            Ok(respond(status, &t!("plan-refused"), body))
        }
        Err(e) => Err(PageError::internal(&e)),
    }
}

fn done(unit: &Unit, filed: &Filed) -> Markup {
    html! {
        h1 { (t!("plan-received-of", unit = unit.name.as_str())) }
        p #filed {
            @if filed.stored { (t!("plan-new")) } @else { (t!("plan-unchanged")) }
            " " (t!("plan-counts", services = filed.services, eligible = filed.eligible))
        }
        p { a href=(format!("/don-vi/{}", unit.code)) { (t!("plan-see-progress")) } }
    }
}

fn refused(viewer: &Viewer, unit: &Unit, problems: &[Problem]) -> Markup {
    html! {
        h1 { (t!("plan-refused")) }
        p.note #verdict { (t!("plan-problems", count = problems.len())) }
        div.scroll { table #problems {
            thead { tr { th { (t!("plan-line")) } th.name { (t!("common-unit")) } th.name { (t!("common-field")) } th.name { (t!("plan-problem")) } } }
            tbody {
                @for p in problems {
                    tr data-line=(p.line.map(|l| l.to_string()).unwrap_or_default()) {
                        td { @match p.line { Some(l) => (l), None => "—" } }
                        td.name { (p.unit) }
                        td.name { (p.field) }
                        td.name { (super::upload::problems::message(&p.kind)) }
                    }
                }
            }
        } }
        h2 { (t!("plan-refile")) }
        (upload_form(viewer, unit))
    }
}
