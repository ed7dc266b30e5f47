//! The upload pages: the form, the preview of a file's problems, and what a
//! confirmed file stored.

use actix_web::HttpResponse;
use maud::{html, Markup};

use super::super::layout::page;
use super::super::periods::time_and_day;
use super::{problems, Checked, MAX_UPLOAD_BYTES};
use crate::collect::UnitResult;
use crate::domain::UnitCode;
use crate::store::{Outcome, UploadRow};
use crate::t;
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
                label for="file" { (t!("upload-file-label", mib = MAX_UPLOAD_BYTES >> 20)) " " }
                input #file type="file" name="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
            }
            button type="submit" { (t!("upload-send-and-check")) }
        }
    }
}

pub fn form_page(viewer: &Viewer, account: &Account) -> HttpResponse {
    let whose = match &account.role {
        Role::Unit(own) => t!("upload-whose-unit", own = own.to_string()),
        _ => t!("upload-whose-ministry"),
    };
    page(
        &t!("nav-upload"),
        html! {
            h1 { (t!("upload-heading")) }
            p { (t!("upload-intro-before")) " " code { "chiso import" } " " (t!("upload-intro-after")) }
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

/// What the file does to a unit-month: new, replacing what was stored
/// (and how much), unchanged or refused.
fn outcome_name(r: &UnitResult, dry_run: bool) -> String {
    let replaced = r.replaced.map(|(services, measures)| {
        t!(
            "upload-outcome-replaces",
            services = services,
            measures = measures
        )
    });
    match (r.outcome, dry_run, replaced) {
        (Outcome::Stored, true, None) => t!("upload-outcome-will-store-new"),
        (Outcome::Stored, true, Some(what)) => {
            format!("{} {what}", t!("upload-outcome-will-store"))
        }
        (Outcome::Stored, false, None) => t!("upload-outcome-stored"),
        (Outcome::Stored, false, Some(what)) => format!("{} {what}", t!("upload-outcome-stored")),
        (Outcome::Unchanged, _, _) => t!("upload-outcome-unchanged"),
        (Outcome::Rejected, _, _) => t!("upload-outcome-rejected"),
        (Outcome::Failed, _, _) => t!("upload-outcome-failed"),
    }
}

fn results_table(state: &State, results: &[UnitResult], dry_run: bool) -> Markup {
    html! {
        div.scroll { table #unit-months {
            thead { tr {
                th.name { (t!("common-unit")) } th { (t!("common-month")) } th { (t!("upload-procedures")) }
                th { (t!("upload-measures")) } th.name { (t!("common-result")) }
            } }
            tbody {
                @for r in results {
                    tr data-unit=(r.unit) data-month=(r.month) {
                        td.name { (unit_name(state, r.unit.as_str())) }
                        td { (r.month) }
                        td { (r.services) }
                        td { (r.measures) }
                        td.name { (outcome_name(r, dry_run)) }
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
        &t!("upload-check-title"),
        html! {
            h1 { (t!("upload-check-heading", file = row.file_name.as_str())) }
            @if checked.problems.is_empty() {
                p.muted #verdict { (t!("upload-no-problems")) }
                (results_table(state, results, true))
                form #confirm method="post" action="/nop-so-lieu/xac-nhan" {
                    (csrf(viewer))
                    input type="hidden" name="upload" value=(row.upload_id);
                    button type="submit" { (t!("upload-confirm")) }
                }
            } @else {
                p.note #verdict { (t!("upload-has-problems", count = checked.problems.len())) }
                div.scroll { table #problems {
                    thead { tr {
                        th { (t!("upload-line")) } th.name { (t!("common-unit")) } th { (t!("common-month")) }
                        th.name { (t!("common-field")) } th.name { (t!("upload-problem")) }
                    } }
                    tbody {
                        @for p in &checked.problems {
                            tr data-line=(p.line.map(|l| l.to_string()).unwrap_or_default()) {
                                td { @match p.line { Some(l) => (l), None => "—" } }
                                td.name { (p.unit) }
                                td { (p.month) }
                                td.name { (p.field) }
                                td.name { (problems::message(&p.kind)) }
                            }
                        }
                    }
                } }
                h2 { (t!("upload-send-again")) }
                (upload_form(viewer))
            }
        },
    )
}

pub fn done_page(state: &State, row: &UploadRow, checked: &Checked) -> HttpResponse {
    let report = &checked.outcome.report;
    page(
        &t!("upload-done-title"),
        html! {
            h1 { (t!("upload-done-heading", file = row.file_name.as_str())) }
            p #received { (t!("upload-received-at", when = time_and_day(row.received_at))) }
            @if !checked.problems.is_empty() {
                p.note { (t!("upload-months-refused", count = checked.problems.len())) }
            }
            (results_table(state, &report.results, false))
            p { a href="/nop-so-lieu" { (t!("upload-send-another")) } }
        },
    )
}
