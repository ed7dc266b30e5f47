//! Pulling one unit-month from the source API: every page, each request under a
//! timeout, retried with exponential backoff and full jitter on timeouts,
//! connection errors and 5xx — never on 4xx, which retrying cannot fix. No
//! redirect is followed (a 3xx is refused), bodies are capped, the pages of a
//! unit-month are counted and the whole pull has a deadline (`reply`, `address`).

use std::time::Duration;

use reqwest::StatusCode;

use super::address::{check_literal_host, refusal_in, RefusedAddress};
use super::reply::{describe_body, escaped_start, read_capped, shown_url, BodyError, QUOTED_CHARS};
use crate::config::CollectorSettings;
use crate::domain::payload::StatsPage;
use crate::domain::{Month, UnitCode};

/// Everything the unit sent for the month.
#[derive(Debug)]
pub struct Fetched {
    pub pages: Vec<StatsPage>,
    /// The bodies as received, one per page, kept for the rejection record.
    pub raw: Vec<String>,
    pub http_status: u16,
    /// Tries of the request that needed most (1 when nothing was retried).
    pub tries: u32,
}

/// Why a pull got no usable answer. Every message is chiso's own words plus
/// classified facts: an upstream body is never quoted beyond a short escaped start.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no answer within {timeout_secs} s after {tries} tries ({url})")]
    Timeout {
        url: String,
        timeout_secs: u64,
        tries: u32,
    },
    #[error("cannot connect after {tries} tries ({url}): {detail}")]
    Connect {
        url: String,
        tries: u32,
        detail: String,
    },
    #[error("HTTP {status} after {tries} tries ({url}): {body}")]
    Status {
        url: String,
        status: u16,
        tries: u32,
        /// Classified: size and escaped start (`reply::describe_body`).
        body: String,
    },
    #[error("redirect refused: HTTP {status} to '{location}' ({url}); redirects are not followed")]
    Redirect {
        url: String,
        status: u16,
        /// The Location header, escaped and cut.
        location: String,
    },
    #[error("{refused} ({url})")]
    Refused {
        url: String,
        refused: RefusedAddress,
    },
    #[error("body too large: more than {limit} bytes in the unit-month (collector.max_body_bytes) ({url})")]
    TooLarge {
        url: String,
        status: u16,
        limit: u64,
    },
    #[error("deadline passed: unit-month not collected within {secs} s (collector.unit_month_deadline_secs)")]
    Deadline { secs: u64, tries: u32 },
    /// The body is not the JSON of the contract; `field` is where parsing stopped.
    #[error("field '{field}': malformed payload: {detail}")]
    Malformed {
        field: String,
        detail: String,
        raw: Vec<String>,
        http_status: u16,
        tries: u32,
    },
    #[error("pagination: {detail}")]
    Pagination {
        detail: String,
        raw: Vec<String>,
        tries: u32,
    },
}

impl FetchError {
    pub fn http_status(&self) -> u16 {
        match self {
            FetchError::Status { status, .. }
            | FetchError::Redirect { status, .. }
            | FetchError::TooLarge { status, .. } => *status,
            FetchError::Malformed { http_status, .. } => *http_status,
            _ => 0,
        }
    }

    pub fn tries(&self) -> u32 {
        match self {
            FetchError::Timeout { tries, .. }
            | FetchError::Connect { tries, .. }
            | FetchError::Status { tries, .. }
            | FetchError::Malformed { tries, .. }
            | FetchError::Pagination { tries, .. }
            | FetchError::Deadline { tries, .. } => *tries,
            FetchError::Redirect { .. }
            | FetchError::Refused { .. }
            | FetchError::TooLarge { .. } => 1,
        }
    }
}

/// Where and how to reach one unit's source.
pub struct Endpoint {
    /// `{base}` of the contract; pages are at `{base}/v1/stats`.
    pub base_url: String,
    pub token: Option<String>,
    /// May connect to loopback, link-local or private addresses (the unit's
    /// `allow_private_address`, or the simulator override).
    pub allow_private: bool,
}

/// Retry timing: `base × 2^n`, capped, scaled by a random factor (full jitter)
/// so that many units failing together do not retry together.
pub fn backoff(settings: &CollectorSettings, retry: u32, jitter: f64) -> Duration {
    let exp = settings
        .backoff_base_ms
        .saturating_mul(1u64 << retry.min(20));
    Duration::from_millis((exp.min(settings.backoff_max_ms) as f64 * jitter.clamp(0.0, 1.0)) as u64)
}

/// Pulls every page of `month` within `collector.unit_month_deadline_secs`.
pub async fn fetch_month(
    http: &reqwest::Client,
    settings: &CollectorSettings,
    endpoint: &Endpoint,
    unit: &UnitCode,
    month: Month,
) -> Result<Fetched, FetchError> {
    let url = format!("{}/v1/stats", endpoint.base_url.trim_end_matches('/'));
    if !endpoint.allow_private {
        let parsed = reqwest::Url::parse(&url).map_err(|e| FetchError::Connect {
            url: shown_url(&url),
            tries: 0,
            detail: format!("not a URL: {e}"),
        })?;
        check_literal_host(&parsed).map_err(|refused| FetchError::Refused {
            url: shown_url(&url),
            refused,
        })?;
    }
    let secs = settings.unit_month_deadline_secs;
    let pages = fetch_pages(http, settings, endpoint, &url, unit, month);
    tokio::time::timeout(Duration::from_secs(secs), pages)
        .await
        .unwrap_or(Err(FetchError::Deadline { secs, tries: 0 }))
}

async fn fetch_pages(
    http: &reqwest::Client,
    settings: &CollectorSettings,
    endpoint: &Endpoint,
    url: &str,
    unit: &UnitCode,
    month: Month,
) -> Result<Fetched, FetchError> {
    let mut fetched = Fetched {
        pages: Vec::new(),
        raw: Vec::new(),
        http_status: 0,
        tries: 0,
    };
    let mut cursor: Option<String> = None;
    loop {
        // The cap bounds the unit-month's pages together, so memory stays
        // bounded by it (times the concurrency) whatever a source sends.
        let received: usize = fetched.raw.iter().map(String::len).sum();
        let budget = settings.max_body_bytes.saturating_sub(received as u64);
        let (status, body, tries) = get_with_retries(
            http,
            settings,
            endpoint,
            url,
            (month, cursor.as_deref()),
            budget,
        )
        .await?;
        fetched.tries = fetched.tries.max(tries);
        fetched.http_status = status;
        fetched.raw.push(body);
        let body = fetched.raw.last().map(String::as_str).unwrap_or_default();
        let page: StatsPage =
            parse_page(body).map_err(|(field, detail)| FetchError::Malformed {
                // The parser quotes what it met: the body's words, cut and escaped.
                field: escaped_start(field.as_bytes(), QUOTED_CHARS),
                detail: escaped_start(detail.as_bytes(), QUOTED_CHARS),
                raw: fetched.raw.clone(),
                http_status: status,
                tries: fetched.tries,
            })?;
        let next = page.next_cursor.clone().filter(|c| !c.is_empty());
        fetched.pages.push(page);
        let pages = fetched.pages.len();
        let stuck = match next {
            None => return Ok(fetched),
            Some(c) if Some(&c) == cursor.as_ref() => format!(
                "unit {unit}, month {month}: cursor '{}' does not advance after {pages} pages",
                escaped_start(c.as_bytes(), QUOTED_CHARS)
            ),
            Some(_) if pages >= settings.max_pages => format!(
                "unit {unit}, month {month}: endless cursor: still more after {pages} pages (collector.max_pages)"
            ),
            Some(c) => {
                cursor = Some(c);
                continue;
            }
        };
        return Err(FetchError::Pagination {
            detail: stuck,
            raw: std::mem::take(&mut fetched.raw),
            tries: fetched.tries,
        });
    }
}

/// Parses a page, naming the JSON path where it went wrong.
pub fn parse_page(body: &str) -> Result<StatsPage, (String, String)> {
    // The plain parser is the fast path; a body it refuses is parsed again,
    // tracking the path, to name the field.
    if let Ok(page) = serde_json::from_str(body) {
        return Ok(page);
    }
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // The path is "?" or "." when parsing stopped before any field.
        let field = if matches!(path.as_str(), "." | "?" | "") {
            "(body)".to_string()
        } else {
            path
        };
        (field, e.into_inner().to_string())
    })
}

async fn get_with_retries(
    http: &reqwest::Client,
    settings: &CollectorSettings,
    endpoint: &Endpoint,
    url: &str,
    (month, cursor): (Month, Option<&str>),
    budget: u64,
) -> Result<(u16, String, u32), FetchError> {
    let mut retry = 0;
    loop {
        let tries = retry + 1;
        let mut req = http.get(url).query(&[("month", month.to_string())]);
        if let Some(c) = cursor {
            req = req.query(&[("cursor", c)]);
        }
        if let Some(token) = &endpoint.token {
            req = req.bearer_auth(token);
        }
        let outcome = match req.send().await {
            Ok(resp) => answer(resp, url, settings, tries, budget).await,
            Err(e) => Err(transport_error(url, settings, tries, &e)),
        };
        let err = match outcome {
            Ok(ok) => return Ok(ok),
            Err(err) => err,
        };
        let retryable = match &err {
            FetchError::Status { status, .. } => *status >= 500,
            FetchError::Timeout { .. } | FetchError::Connect { .. } => true,
            _ => false,
        };
        if !retryable || retry >= settings.retries {
            return Err(err);
        }
        tracing::debug!(url, retry, error = %err, "retrying");
        tokio::time::sleep(backoff(settings, retry, fastrand::f64())).await;
        retry += 1;
    }
}

/// One answer: a page body (2xx), or the classified reason it is not one.
async fn answer(
    resp: reqwest::Response,
    url: &str,
    settings: &CollectorSettings,
    tries: u32,
    budget: u64,
) -> Result<(u16, String, u32), FetchError> {
    let status = resp.status();
    if status.is_redirection() {
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| escaped_start(l.as_bytes(), QUOTED_CHARS))
            .unwrap_or_else(|| "(no Location)".into());
        return Err(FetchError::Redirect {
            url: shown_url(url),
            status: status.as_u16(),
            location,
        });
    }
    match read_capped(resp, budget).await {
        Ok(body) if status.is_success() => Ok((status.as_u16(), text(&body), tries)),
        Ok(body) => Err(status_error(url, status, tries, &body)),
        Err(BodyError::TooLarge) => Err(FetchError::TooLarge {
            url: shown_url(url),
            status: status.as_u16(),
            limit: settings.max_body_bytes,
        }),
        Err(BodyError::Transport(e)) => Err(transport_error(url, settings, tries, &e)),
    }
}

/// A body as text: checked UTF-8 in one pass, else lossy (the rejection
/// record keeps what came, the parser names where it went wrong).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(body) => body.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn status_error(url: &str, status: StatusCode, tries: u32, body: &[u8]) -> FetchError {
    FetchError::Status {
        url: shown_url(url),
        status: status.as_u16(),
        tries,
        body: describe_body(body),
    }
}

fn transport_error(
    url: &str,
    settings: &CollectorSettings,
    tries: u32,
    e: &reqwest::Error,
) -> FetchError {
    if let Some(refused) = refusal_in(e) {
        return FetchError::Refused {
            url: shown_url(url),
            refused,
        };
    }
    if e.is_timeout() {
        FetchError::Timeout {
            url: shown_url(url),
            timeout_secs: settings.timeout_secs,
            tries,
        }
    } else {
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail = format!("{detail}: {s}");
            source = s.source();
        }
        FetchError::Connect {
            url: shown_url(url),
            tries,
            detail: escaped_start(detail.as_bytes(), 4 * QUOTED_CHARS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CollectorSettings {
        CollectorSettings {
            concurrency: 1,
            timeout_secs: 1,
            retries: 3,
            backoff_base_ms: 100,
            backoff_max_ms: 1000,
            source_override: None,
            max_body_bytes: 1 << 20,
            max_pages: 10,
            unit_month_deadline_secs: 60,
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let s = settings();
        assert_eq!(backoff(&s, 0, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(&s, 2, 1.0), Duration::from_millis(400));
        assert_eq!(backoff(&s, 9, 1.0), Duration::from_millis(1000));
        assert_eq!(backoff(&s, 2, 0.5), Duration::from_millis(200));
        assert_eq!(backoff(&s, 40, 0.0), Duration::ZERO);
    }

    #[test]
    fn malformed_pages_name_where_parsing_stopped() {
        let (field, _) = parse_page(r#"{"unit_code":"01","month":"2021-06","generated_at":"x","services":[{"code":"a","received":1.5}]}"#).unwrap_err();
        assert_eq!(field, "services[0].received");
        let (field, detail) = parse_page(r#"{"unit_code":"01","mon"#).unwrap_err();
        assert_eq!(field, "(body)");
        assert!(
            detail.contains("EOF") || detail.contains("line"),
            "{detail}"
        );
    }
}
