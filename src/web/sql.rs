//! `POST /api/v1/sql` (analysts and ministry staff): one read-only statement
//! over chiso's data database, answered as JSON or CSV; and `GET
//! /api/v1/schema`, the tables and columns it may read. The query runs as the
//! analyst ClickHouse user (`store::analyst`): the server enforces read-only,
//! the database and the limits; `store::sql_guard` only refuses early.
//!
//! The body is JSON (`{"query": "...", "format": "csv"}`), a form (`query`,
//! `format`, `csrf`), or the SQL text itself. `?format=csv|json` or
//! `Accept: text/csv` choose the output; JSON is the default:
//! `{"columns": [{"name", "type"}], "rows": [[...]], "row_count": n}`.
//! The answer streams (`sql_answer` says how an error after the first rows
//! shows); each query has a `query_id`, killed on the server when the client
//! goes away or the time is up; an account runs at most
//! `MAX_QUERIES_PER_ACCOUNT` at once (429 beyond).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{RoleCode, Viewer};
use super::error::ErrorBody;
use super::sql_answer::AnswerFormat;
use super::{schema, ApiError, State};
use crate::store::{AnalystError, AnalystLimits, AnalystRun, AuditEvent, AuditKind, Store};

/// Queries one account may have running at once, per chiso process.
pub const MAX_QUERIES_PER_ACCOUNT: usize = 2;

/// Bytes gathered before a chunk goes to the client.
const CHUNK_BYTES: usize = 32 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(post_sql).service(get_schema);
}

/// Analyst queries running per login in this process, and the lanes all
/// logins share (`web.sql_max_concurrent`).
pub struct SqlSlots {
    running: Mutex<HashMap<String, usize>>,
    lanes: std::sync::Arc<tokio::sync::Semaphore>,
}

/// One running query of a login; frees its place when dropped.
struct Slot {
    slots: web::Data<SqlSlots>,
    login: String,
}

impl SqlSlots {
    /// `max_concurrent` lanes; 0 gives half the cores, at least one.
    pub fn new(max_concurrent: u64) -> Self {
        let lanes = match usize::try_from(max_concurrent) {
            Ok(n) if n > 0 => n,
            _ => std::thread::available_parallelism().map_or(1, |c| (usize::from(c) / 2).max(1)),
        };
        Self {
            running: Mutex::default(),
            lanes: std::sync::Arc::new(tokio::sync::Semaphore::new(lanes)),
        }
    }

    /// A lane, waited for up to `wait`; `None` when none came free.
    async fn lane(&self, wait: std::time::Duration) -> Option<tokio::sync::OwnedSemaphorePermit> {
        tokio::time::timeout(wait, self.lanes.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }

    fn take(slots: &web::Data<SqlSlots>, login: &str) -> Option<Slot> {
        let mut running = slots.running.lock().unwrap_or_else(|e| e.into_inner());
        let count = running.entry(login.to_string()).or_insert(0);
        if *count >= MAX_QUERIES_PER_ACCOUNT {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: slots.clone(),
            login: login.to_string(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self.slots.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = running.get_mut(&self.login) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.login);
            }
        }
    }
}

/// The statement, as JSON or a form; a `text/plain` body is the SQL alone.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SqlRequest {
    /// One read-only statement (SELECT, WITH … SELECT, DESCRIBE, EXISTS, SHOW TABLES).
    #[serde(default)]
    query: String,
    /// `json` (default) or `csv`.
    format: Option<String>,
    /// A browser session's CSRF token (or the `X-CSRF-Token` header).
    csrf: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct FormatQuery {
    /// `json` (default) or `csv`; `Accept: text/csv` also gives CSV.
    format: Option<String>,
}

/// The JSON answer (the schema of what `sql_answer` streams).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: the answer is streamed, not serialised from it
pub(super) struct SqlAnswer {
    /// Each column's name and ClickHouse type, in order.
    columns: Vec<SqlColumn>,
    /// The rows, each an array in column order (numbers, strings, null).
    rows: Vec<Vec<serde_json::Value>>,
    row_count: u64,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct SqlColumn {
    name: String,
    /// The ClickHouse type, e.g. `UInt64`, `Nullable(Float64)`.
    r#type: String,
}

fn parse_request(req: &HttpRequest, body: &[u8]) -> Result<SqlRequest, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        serde_json::from_slice(body).map_err(|e| ApiError::bad("body", e.to_string()))
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded_form(body)
    } else {
        let query = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::bad("query", "the SQL text must be UTF-8"))?;
        Ok(SqlRequest {
            query,
            ..SqlRequest::default()
        })
    }
}

fn serde_urlencoded_form(body: &[u8]) -> Result<SqlRequest, ApiError> {
    web::Query::<SqlRequest>::from_query(&String::from_utf8_lossy(body))
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::bad("body", e.to_string()))
}

fn output_format(
    req: &HttpRequest,
    query: Option<&str>,
    body: Option<&str>,
) -> Result<AnswerFormat, ApiError> {
    let accept_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    match query.or(body) {
        Some("csv") => Ok(AnswerFormat::Csv),
        Some("json") => Ok(AnswerFormat::Json),
        Some(other) => Err(ApiError::bad(
            "format",
            format!("'{other}' is not a format: csv or json"),
        )),
        None if accept_csv => Ok(AnswerFormat::Csv),
        None => Ok(AnswerFormat::Json),
    }
}

fn refusal(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": message }))
}

/// One read-only statement over chiso's database, as the analysts' ClickHouse user.
///
/// Runs as `[clickhouse] analyst_user` (readonly=1, chiso's database only,
/// limits in its profile). The answer streams; one cut short by a limit ends
/// with a line `ERROR: …` (JSON then does not parse). The query is killed when
/// the client leaves. At most 2 queries per account at once (429), and
/// `web.sql_max_concurrent` for all accounts (the others wait). CSV cells
/// starting =, +, -, @, tab or CR get a leading '. Refuses writes, DDL,
/// SYSTEM, SET, SETTINGS/FORMAT/INTO clauses, table functions, a second
/// statement, and tables outside chiso's database.
/// Access: analyst or ministry.
#[utoipa::path(post, path = "/api/v1/sql", tag = "analysts", params(FormatQuery),
    request_body(content((SqlRequest = "application/json"),
                         (SqlRequest = "application/x-www-form-urlencoded"),
                         (String = "text/plain"))),
    responses((status = 200, description = "The rows, as JSON or CSV with a header line.",
               content((SqlAnswer = "application/json"), (String = "text/csv"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 429, description = "This account already has 2 queries running.", body = ErrorBody),
              (status = 503, description = "No analyst_user is configured, or no place for a query came free in time.", body = ErrorBody)))]
#[post("/api/v1/sql")]
pub(super) async fn post_sql(
    req: HttpRequest,
    state: State,
    slots: web::Data<SqlSlots>,
    viewer: Viewer,
    query: web::Query<FormatQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let account = viewer.require_role(&[RoleCode::Analyst])?.login.clone();
    let request = parse_request(&req, &body)?;
    let header_csrf = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    viewer.check_csrf(request.csrf.as_deref().or(header_csrf))?;
    let format = output_format(&req, query.format.as_deref(), request.format.as_deref())?;
    let Some(slot) = SqlSlots::take(&slots, &account) else {
        return Ok(refusal(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "this account already has {MAX_QUERIES_PER_ACCOUNT} queries running; wait for one to end"
            ),
        ));
    };
    let web = &state.settings.web;
    // Queued behind other analysts' queries rather than beside them: the
    // public pages keep the rest of the machine.
    let wait = std::time::Duration::from_secs(web.sql_max_execution_time_secs);
    let Some(lane) = slots.lane(wait).await else {
        return Ok(refusal(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "every analyst query place was taken for {} s (web.sql_max_concurrent); retry later",
                wait.as_secs()
            ),
        ));
    };
    let limits = AnalystLimits {
        max_execution_time_secs: web.sql_max_execution_time_secs,
        max_result_rows: web.sql_max_result_rows,
        max_result_bytes: web.sql_max_result_bytes,
    };
    let query_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(login = %account, %query_id, query = %request.query, "analyst query");
    // Dropped with this future if the client leaves while the server works:
    // the run's drop kills the query.
    let run = match state
        .store
        .analyst_query(&request.query, &query_id, limits)
        .await
    {
        Ok(run) => run,
        Err(AnalystError::Refused(r)) => {
            let refused = r.to_string();
            audit_refused(&state.store, &account, &query_id, &request.query, &refused).await;
            return Err(ApiError::bad("query", refused));
        }
        Err(AnalystError::Server(m)) => {
            let refused = format!("clickhouse refused it: {m}");
            audit_refused(&state.store, &account, &query_id, &request.query, &refused).await;
            return Err(ApiError::bad("query", refused));
        }
        Err(AnalystError::NotConfigured) => {
            return Ok(refusal(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                &AnalystError::NotConfigured.to_string(),
            ))
        }
        Err(AnalystError::Store(e)) => return Err(e.into()),
    };
    let answer = Answer {
        run,
        format,
        rows: 0,
        phase: Phase::Head,
        _slot: slot,
        _lane: lane,
        login: account,
        query_id,
        started: Instant::now(),
        bytes: 0,
        ended: None,
        store: state.store.clone(),
        query: request.query,
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("X-Chiso-Query-Id", answer.query_id.clone()))
        .streaming(futures::stream::unfold(answer, Answer::next_chunk)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Head,
    Rows,
    Done,
}

/// A streaming answer: owns the run (dropping it kills the query) and the slot.
struct Answer {
    run: AnalystRun,
    format: AnswerFormat,
    rows: u64,
    phase: Phase,
    _slot: Slot,
    /// Held until the answer ends (streamed, cut or dropped).
    _lane: tokio::sync::OwnedSemaphorePermit,
    login: String,
    query_id: String,
    started: Instant,
    /// Bytes handed to the client so far.
    bytes: u64,
    /// How the answer ended: `Some("")` whole, `Some(error)` cut short; `None`
    /// while it streams (a drop then means the client left).
    ended: Option<String>,
    store: Store,
    query: String,
}

/// A query refused before any row: recorded with its text and the reason.
async fn audit_refused(store: &Store, login: &str, query_id: &str, query: &str, why: &str) {
    let event = AuditEvent::new(AuditKind::SqlQuery, login, query_id)
        .with_detail(format!("{query}\n-- refused: {why}"))
        .with_query(0, 0, 0, true);
    store.audit_or_warn(&event).await;
}

/// Every answered query lands in the audit log once, however it ended:
/// whole, cut short by an error, or left by its client.
impl Drop for Answer {
    fn drop(&mut self) {
        let outcome = match self.ended.as_deref() {
            Some("") => "answered".to_string(),
            Some(error) => format!("cut short: {error}"),
            None => "the client left before the end".to_string(),
        };
        let elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let event = AuditEvent::new(AuditKind::SqlQuery, &self.login, &self.query_id)
            .with_detail(format!("{}\n-- {outcome}", self.query))
            .with_query(self.rows, self.bytes, elapsed_ms, false);
        let store = self.store.clone();
        actix_web::rt::spawn(async move { store.audit_or_warn(&event).await });
    }
}

impl Answer {
    async fn next_chunk(mut self) -> Option<(Result<web::Bytes, actix_web::Error>, Self)> {
        let mut out = String::new();
        match self.phase {
            Phase::Done => return None,
            Phase::Head => {
                self.format.head(self.run.columns(), &mut out);
                self.phase = Phase::Rows;
            }
            Phase::Rows => {}
        }
        while out.len() < CHUNK_BYTES {
            match self.run.next_row().await {
                Ok(Some(row)) => {
                    self.format.row(self.rows, &row, &mut out);
                    self.rows += 1;
                }
                Ok(None) => {
                    self.format.end(self.rows, &mut out);
                    self.phase = Phase::Done;
                    self.log(None);
                    break;
                }
                Err(e) => {
                    let message = match e {
                        AnalystError::Server(m) => m,
                        other => other.to_string(),
                    };
                    self.log(Some(&message));
                    AnswerFormat::error(&message, &mut out);
                    self.phase = Phase::Done;
                    break;
                }
            }
        }
        self.bytes += out.len() as u64;
        Some((Ok(web::Bytes::from(out)), self))
    }

    fn log(&mut self, error: Option<&str>) {
        self.ended = Some(error.unwrap_or_default().to_string());
        let elapsed_ms = self.started.elapsed().as_millis() as u64;
        match error {
            None => {
                tracing::info!(login = %self.login, query_id = %self.query_id, rows = self.rows, elapsed_ms, "analyst query answered")
            }
            Some(e) => {
                tracing::warn!(login = %self.login, query_id = %self.query_id, rows = self.rows, elapsed_ms, error = %e, "analyst query cut short")
            }
        }
    }
}

/// The tables and views analysts may read.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SchemaBody {
    /// chiso's data database.
    database: String,
    tables: Vec<schema::Table>,
}

/// Every table and view analysts may read, with its columns in plain words.
///
/// Access: analyst or ministry.
#[utoipa::path(get, path = "/api/v1/schema", tag = "analysts",
    responses((status = 200, body = SchemaBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
#[get("/api/v1/schema")]
pub(super) async fn get_schema(state: State, viewer: Viewer) -> Result<HttpResponse, ApiError> {
    viewer.require_role(&[RoleCode::Analyst])?;
    Ok(HttpResponse::Ok().json(SchemaBody {
        database: state.store.database().to_string(),
        tables: schema::tables(&state.store).await?,
    }))
}
