//! `POST /api/v1/sql` (analysts and ministry staff): one read-only statement
//! over chiso's database, answered as JSON or CSV; and `GET /api/v1/schema`,
//! the tables and columns it may read. The query is checked
//! (`store::sql_guard`) and then run by ClickHouse under `readonly=1` with the
//! limits of `[web]`.
//!
//! The body is JSON (`{"query": "...", "format": "csv"}`), a form (`query`,
//! `format`, `csrf`), or the SQL text itself. `?format=csv|json` or
//! `Accept: text/csv` choose the output; JSON is the default:
//! `{"columns": [{"name", "type"}], "rows": [[...]], "row_count": n}`.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{RoleCode, Viewer};
use super::{schema, ApiError, State};
use crate::store::{AnalystError, AnalystFormat, AnalystLimits};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(post_sql).service(get_schema);
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SqlRequest {
    #[serde(default)]
    query: String,
    format: Option<String>,
    csrf: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    format: Option<String>,
}

#[derive(Deserialize)]
struct CompactMeta {
    name: String,
    #[serde(rename = "type")]
    column_type: String,
}

#[derive(Deserialize)]
struct Compact {
    meta: Vec<CompactMeta>,
    data: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct ColumnBody {
    name: String,
    #[serde(rename = "type")]
    column_type: String,
}

#[derive(Serialize)]
struct SqlBody {
    columns: Vec<ColumnBody>,
    rows: Vec<serde_json::Value>,
    row_count: usize,
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
) -> Result<AnalystFormat, ApiError> {
    let accept_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    match query.or(body) {
        Some("csv") => Ok(AnalystFormat::Csv),
        Some("json") => Ok(AnalystFormat::JsonCompact),
        Some(other) => Err(ApiError::bad(
            "format",
            format!("'{other}' is not a format: csv or json"),
        )),
        None if accept_csv => Ok(AnalystFormat::Csv),
        None => Ok(AnalystFormat::JsonCompact),
    }
}

#[post("/api/v1/sql")]
async fn post_sql(
    req: HttpRequest,
    state: State,
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
    let web = &state.settings.web;
    let limits = AnalystLimits {
        max_execution_time_secs: web.sql_max_execution_time_secs,
        max_result_rows: web.sql_max_result_rows,
        max_result_bytes: web.sql_max_result_bytes,
    };
    tracing::info!(login = %account, query = %request.query, "analyst query");
    let bytes = match state
        .store
        .analyst_query(&request.query, format, limits)
        .await
    {
        Ok(b) => b,
        Err(AnalystError::Refused(r)) => return Err(ApiError::bad("query", r.to_string())),
        Err(AnalystError::Server(m)) => {
            return Err(ApiError::bad(
                "query",
                format!("clickhouse refused it: {m}"),
            ))
        }
        Err(AnalystError::Store(e)) => return Err(e.into()),
    };
    match format {
        AnalystFormat::Csv => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(bytes)),
        AnalystFormat::JsonCompact => {
            let compact: Compact = serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::Internal(format!("analyst query: JSONCompact does not parse: {e}"))
            })?;
            Ok(HttpResponse::Ok().json(SqlBody {
                columns: compact
                    .meta
                    .into_iter()
                    .map(|m| ColumnBody {
                        name: m.name,
                        column_type: m.column_type,
                    })
                    .collect(),
                row_count: compact.data.len(),
                rows: compact.data,
            }))
        }
    }
}

#[derive(Serialize)]
struct SchemaBody {
    database: String,
    tables: Vec<schema::Table>,
}

#[get("/api/v1/schema")]
async fn get_schema(state: State, viewer: Viewer) -> Result<HttpResponse, ApiError> {
    viewer.require_role(&[RoleCode::Analyst])?;
    Ok(HttpResponse::Ok().json(SchemaBody {
        database: state.store.database().to_string(),
        tables: schema::tables(&state.store).await?,
    }))
}
