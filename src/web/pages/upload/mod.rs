//! A unit's monthly file through the web (`/nop-so-lieu`), for units without
//! an API: the same CSV layouts `chiso import` reads (docs/source-api.md).
//!
//! 1. `POST /nop-so-lieu` (multipart): the file is checked as a dry run of the
//!    import and kept whole (`uploads`, state previewed); the page lists every
//!    problem by the line the unit's editor shows, with unit, month and field.
//! 2. `POST /nop-so-lieu/xac-nhan`: the sender confirms a file without
//!    problems; it is checked again and goes through the import's batch path
//!    (all or nothing per unit-month, a second confirm changes nothing), its
//!    arrival time counting for timeliness.
//!
//! Unit staff may send their own unit's rows only: another unit's rows are a
//! problem, and a file with any is refused at confirmation whatever the page
//! showed. Ministry staff may send any unit's rows. Both forms carry the
//! session's CSRF token.

pub(super) mod form;
pub(super) mod problems;
mod view;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::layout::{problem, PageError};
use crate::collect::{
    import_bytes, ImportError, ImportOutcome, Problem, ProblemKind, Scope, Source,
};
use crate::store::{AuditEvent, AuditKind, UploadRow, UploadState};
use crate::t;
use crate::web::auth::{Account, Role, RoleCode, Viewer};
use crate::web::State;
use form::FormError;
pub use form::MAX_UPLOAD_BYTES;

/// Files one account may preview in 24 hours: each is kept (up to
/// `MAX_UPLOAD_BYTES`) until confirmed or dropped after a week, so the cap
/// bounds what one account can store.
pub const MAX_PREVIEWS_PER_DAY: u64 = 20;

#[get("/nop-so-lieu")]
pub async fn form_handler(viewer: Viewer, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let account = viewer
        .require_role(&[RoleCode::Unit])
        .map_err(|e| PageError::access(e, &req))?;
    Ok(view::form_page(&viewer, account))
}

#[post("/nop-so-lieu")]
pub async fn preview_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let account = viewer
        .require_role(&[RoleCode::Unit])
        .map_err(|e| PageError::access(e, &req))?;
    let sent = match form::read(payload).await {
        Ok(sent) => sent,
        Err(FormError::TooLarge) => {
            let limit = MAX_UPLOAD_BYTES >> 20;
            let message = t!("upload-too-large", mib = limit);
            return Ok(problem(StatusCode::PAYLOAD_TOO_LARGE, &message));
        }
        Err(e) => return Err(PageError::bad(e.to_string())),
    };
    viewer
        .check_csrf(sent.csrf.as_deref())
        .map_err(|e| PageError::access(e, &req))?;
    if !sent.has_file || sent.bytes.is_empty() {
        return Err(PageError::bad(t!("upload-no-file")));
    }
    let day_ago = Utc::now() - chrono::Duration::hours(24);
    if state.store.previews_since(&account.login, day_ago).await? >= MAX_PREVIEWS_PER_DAY {
        let message = t!("upload-too-many", count = MAX_PREVIEWS_PER_DAY);
        return Ok(problem(StatusCode::TOO_MANY_REQUESTS, &message));
    }
    let file_name = if sent.file_name.is_empty() {
        "tep.csv".to_string()
    } else {
        sent.file_name
    };
    let checked = check(&state, account, &file_name, &sent.bytes, Check::DryRun).await?;
    let row = upload_row(
        account,
        file_name,
        sent.bytes,
        &checked,
        UploadState::Previewed,
    );
    state.store.record_upload(&row).await?;
    Ok(view::preview_page(&state, &viewer, &row, &checked))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    upload: String,
    csrf: Option<String>,
}

#[post("/nop-so-lieu/xac-nhan")]
pub async fn confirm_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    let account = viewer
        .require_form(&[RoleCode::Unit], form.csrf.as_deref())
        .map_err(|e| PageError::access(e, &req))?;
    let Some(upload) = state.store.upload(&form.upload).await? else {
        return Err(PageError::not_found(t!("upload-no-such-upload")));
    };
    if upload.uploaded_by != account.login {
        let message = t!("upload-other-account");
        return Ok(problem(StatusCode::FORBIDDEN, &message));
    }
    // Checked again here: what the preview showed is a courtesy, this is the rule.
    let (name, bytes) = (&upload.file_name, &upload.content);
    let again = check(&state, account, name, bytes, Check::DryRun).await?;
    if let Some(refusal) = refusal(&again.problems) {
        return Ok(refusal);
    }
    let stored = check(&state, account, name, bytes, Check::Store).await?;
    let row = upload_row(
        account,
        upload.file_name.clone(),
        upload.content.clone(),
        &stored,
        UploadState::Confirmed,
    );
    let row = UploadRow {
        upload_id: upload.upload_id.clone(),
        ..row
    };
    state.store.record_upload(&row).await?;
    let event = AuditEvent::new(AuditKind::Import, &account.login, &format!("upload {name}"))
        .with_address(
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string),
        )
        .with_detail(format!(
            "upload {}; {}; {} problems",
            row.upload_id,
            stored.outcome.report,
            stored.problems.len()
        ));
    state.store.audit_or_warn(&event).await;
    Ok(view::done_page(&state, &row, &stored))
}

/// Whose rows `account` may send.
fn scope_of(account: &Account) -> Scope {
    match &account.role {
        Role::Unit(own) => Scope::OnlyUnit(own.clone()),
        _ => Scope::AnyUnit,
    }
}

/// A file with problems is not confirmed: another unit's rows are refused
/// (403), any other problem asks for a corrected file (400).
fn refusal(problems: &[Problem]) -> Option<HttpResponse> {
    let first = problems.first()?;
    let (status, what) = match problems.iter().find(|p| p.foreign) {
        Some(p) => (StatusCode::FORBIDDEN, p),
        None => (StatusCode::BAD_REQUEST, first),
    };
    let line = what
        .line
        .map(|l| format!("{}: ", t!("upload-refused-line", line = l)))
        .unwrap_or_default();
    let message = t!(
        "upload-refused",
        count = problems.len(),
        line = line,
        field = what.field.as_str(),
        problem = problems::message(&what.kind)
    );
    Some(problem(status, &message))
}

#[derive(PartialEq)]
enum Check {
    DryRun,
    Store,
}

/// What checking (or storing) a file found.
pub struct Checked {
    pub outcome: ImportOutcome,
    pub problems: Vec<Problem>,
}

async fn check(
    state: &State,
    account: &Account,
    file: &str,
    bytes: &[u8],
    how: Check,
) -> Result<Checked, PageError> {
    let scope = scope_of(account);
    let source = Source {
        file,
        bytes,
        scope: &scope,
    };
    let dry_run = how == Check::DryRun;
    let (registry, catalogue) = (&state.registry, &state.catalogue);
    match import_bytes(source, registry, catalogue, &state.store, dry_run).await {
        Ok(outcome) => Ok(Checked {
            problems: outcome.problems.clone(),
            outcome,
        }),
        // A file the reader cannot start on: its header (line 1) is the problem.
        Err(
            e @ (ImportError::Header { .. } | ImportError::Read { .. } | ImportError::Xlsx { .. }),
        ) => Ok(Checked {
            problems: vec![Problem {
                line: Some(1),
                unit: String::new(),
                month: String::new(),
                field: "header".into(),
                message: e.to_string(),
                kind: header_problem(&e),
                foreign: false,
            }],
            outcome: ImportOutcome::default(),
        }),
        Err(e @ ImportError::Open { .. }) => Err(PageError::internal(&e)),
    }
}

/// What is wrong with a file's header (or its first bytes), as a kind.
fn header_problem(e: &ImportError) -> ProblemKind {
    match e {
        ImportError::Header {
            found,
            services,
            measures,
            ..
        } => ProblemKind::BadHeader {
            found: found.join(","),
            services: services.join(","),
            measures: measures.join(","),
        },
        other => ProblemKind::Other(other.to_string()),
    }
}

fn upload_row(
    account: &Account,
    file_name: String,
    content: Vec<u8>,
    checked: &Checked,
    state: UploadState,
) -> UploadRow {
    let now = Utc::now();
    let sha256 = Sha256::digest(&content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    UploadRow {
        upload_id: uuid::Uuid::new_v4().to_string(),
        uploaded_by: account.login.clone(),
        unit_code: match &account.role {
            Role::Unit(own) => own.to_string(),
            _ => String::new(),
        },
        file_name,
        content,
        sha256,
        problems: u32::try_from(checked.problems.len()).unwrap_or(u32::MAX),
        state,
        received_at: now,
        version: u64::try_from(now.timestamp_micros()).unwrap_or_default(),
    }
}
