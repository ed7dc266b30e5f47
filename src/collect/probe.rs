//! The portal probe (issue 15 §4, docs/probes.md): one GET of each unit's
//! public service portal — the registry's `portal.url`, never another URL —
//! with the collector's client rules (timeouts, no proxy, the public-address
//! resolver) plus redirects followed only on the portal's own host, and the
//! peer certificate read on the same connection (`probe_tls`). Each probe is
//! a row of `portal_probes`; one portal failing never stops the others.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::stream::{self, StreamExt};

use super::address::{check_literal_host, refusal_in, PublicOnlyResolver};
use super::probe_tls::{ProbeRoots, ProbeTlsError, SeenCertificate};
use super::reply::{base_builder, escaped_start, shown_url, QUOTED_CHARS};
use crate::config::{PortalConfig, ProbeSettings, Registry, Settings};
use crate::domain::Month;
use crate::store::ProbeRow;

/// Probes the registry's portals; built once at start-up.
#[derive(Debug, Clone)]
pub struct Prober {
    roots: ProbeRoots,
    settings: ProbeSettings,
    zone: Tz,
}

/// What one probe got, before it becomes a row.
struct Answer {
    ok: bool,
    status: u16,
    response_ms: u32,
    cert_days_left: Option<i32>,
    error: String,
}

impl Prober {
    /// `extra_root` is the PEM text of `probe.extra_root_certificate` and the
    /// path it came from; `zone` is `schedule.timezone` (a probe's month).
    pub fn new(
        settings: &ProbeSettings,
        extra_root: Option<(&str, &[u8])>,
        zone: Tz,
    ) -> Result<Self, ProbeTlsError> {
        Ok(Self {
            roots: ProbeRoots::new(extra_root)?,
            settings: settings.clone(),
            zone,
        })
    }

    /// From `[probe]` and `schedule.timezone`, the extra root read from its
    /// file (relative to the folder of `chiso.toml`).
    pub fn from_settings(settings: &Settings) -> Result<Self, ProbeTlsError> {
        let zone: Tz = settings.schedule.timezone.parse().map_err(|_| {
            ProbeTlsError::Setup(format!(
                "schedule.timezone '{}' is not an IANA time zone",
                settings.schedule.timezone
            ))
        })?;
        let Some(path) = &settings.probe.extra_root_certificate else {
            return Self::new(&settings.probe, None, zone);
        };
        let path = settings.resolve(path);
        let shown = path.display().to_string();
        let pem = std::fs::read(&path).map_err(|e| ProbeTlsError::ExtraRoot {
            path: shown.clone(),
            detail: format!("cannot read: {e}"),
        })?;
        Self::new(&settings.probe, Some((&shown, &pem)), zone)
    }

    /// Probes every portal of a unit valid on `at`'s day, `probe.concurrency`
    /// at a time; rows in registry order, all stamped `at`.
    pub async fn probe_registry(&self, registry: &Registry, at: DateTime<Utc>) -> Vec<ProbeRow> {
        let local = at.with_timezone(&self.zone).date_naive();
        let month = Month::of(local).first_day();
        let probes: Vec<_> = registry
            .valid_on(local)
            .filter_map(|u| Some((u.code.to_string(), u.portal.clone()?)))
            .map(|(unit, portal)| self.probe_row(unit, portal, month, at))
            .collect();
        stream::iter(probes)
            .buffered(self.settings.concurrency.max(1))
            .collect()
            .await
    }

    async fn probe_row(
        &self,
        unit: String,
        portal: PortalConfig,
        month: chrono::NaiveDate,
        at: DateTime<Utc>,
    ) -> ProbeRow {
        let answer = self.probe(&portal).await;
        ProbeRow {
            unit_code: unit,
            portal_url: shown_url(&portal.url),
            month,
            probed_at: at,
            probed_us: u64::try_from(at.timestamp_micros()).unwrap_or_default(),
            ok: u8::from(answer.ok),
            http_status: answer.status,
            response_ms: answer.response_ms,
            cert_days_left: answer.cert_days_left,
            error: answer.error,
        }
    }

    async fn probe(&self, portal: &PortalConfig) -> Answer {
        let failed = |error: String| Answer {
            ok: false,
            status: 0,
            response_ms: 0,
            cert_days_left: None,
            error,
        };
        let url = match reqwest::Url::parse(&portal.url) {
            Ok(url) => url,
            Err(e) => return failed(format!("not a URL: {e}")),
        };
        if !portal.allow_private_address {
            if let Err(refused) = check_literal_host(&url) {
                return failed(refused.to_string());
            }
        }
        let (client, seen) = match self.client(portal.allow_private_address) {
            Ok(built) => built,
            Err(e) => return failed(format!("client: {e}")),
        };
        let started = Instant::now();
        let sent = client.get(url).send().await;
        let response_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let cert_days_left = seen.days_left(Utc::now());
        let (status, error) = match sent {
            Ok(resp) => (resp.status().as_u16(), self.judge(&resp)),
            Err(e) => (0, Some(self.transport_error(&e, cert_days_left))),
        };
        Answer {
            ok: error.is_none(),
            status,
            response_ms,
            cert_days_left,
            error: error.unwrap_or_default(),
        }
    }

    /// A client of its own for each probe: a fresh connection, so every probe
    /// sees the certificate served now.
    fn client(
        &self,
        allow_private: bool,
    ) -> Result<(reqwest::Client, Arc<SeenCertificate>), String> {
        let (tls, seen) = self.roots.recording().map_err(|e| e.to_string())?;
        let mut builder = base_builder(Duration::from_secs(self.settings.timeout_secs))
            .use_preconfigured_tls(tls)
            .redirect(same_host_only(self.settings.max_redirects));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok((client, seen))
    }

    /// `None` for a 2xx; else why the portal does not count as up.
    fn judge(&self, resp: &reqwest::Response) -> Option<String> {
        let status = resp.status();
        if status.is_success() {
            return None;
        }
        if !status.is_redirection() {
            return Some(format!("HTTP {}", status.as_u16()));
        }
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default();
        let target = resp.url().join(location).ok();
        let shown = escaped_start(location.as_bytes(), QUOTED_CHARS);
        Some(match target {
            Some(t) if !same_origin(resp.url(), &t) => format!(
                "redirect refused: HTTP {} to another host '{shown}'",
                status.as_u16()
            ),
            Some(_) => format!(
                "redirect not followed: more than {} redirects (probe.max_redirects), last to '{shown}'",
                self.settings.max_redirects
            ),
            None => format!("HTTP {} without a usable Location", status.as_u16()),
        })
    }

    fn transport_error(&self, e: &reqwest::Error, cert_days_left: Option<i32>) -> String {
        if let Some(refused) = refusal_in(e) {
            return refused.to_string();
        }
        if e.is_timeout() {
            return format!(
                "no answer within {} s (probe.timeout_secs)",
                self.settings.timeout_secs
            );
        }
        if let Some(days) = cert_days_left.filter(|d| *d < 0) {
            return format!("certificate expired {} days ago", -i64::from(days));
        }
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail = format!("{detail}: {s}");
            source = s.source();
        }
        format!(
            "cannot connect: {}",
            escaped_start(detail.as_bytes(), 2 * QUOTED_CHARS)
        )
    }
}

/// Scheme, host and port: what "the portal's own host" means.
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Follows at most `max` redirects, each on the first URL's origin; a stopped
/// redirect comes back as the 3xx answer, which `judge` names.
fn same_host_only(max: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let on_host = attempt
            .previous()
            .first()
            .is_some_and(|first| same_origin(first, attempt.url()));
        if on_host && attempt.previous().len() <= max {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `34 portals probed: 31 up, 3 down (01: HTTP 503; 79: certificate expired 30 days ago)`
pub fn probe_summary(rows: &[ProbeRow]) -> String {
    let down: Vec<String> = rows
        .iter()
        .filter(|r| r.ok == 0)
        .map(|r| format!("{}: {}", r.unit_code, r.error))
        .collect();
    let mut line = format!(
        "{} portals probed: {} up, {} down",
        rows.len(),
        rows.len() - down.len(),
        down.len()
    );
    if !down.is_empty() {
        line.push_str(&format!(" ({})", down.join("; ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> reqwest::Url {
        reqwest::Url::parse(u).unwrap()
    }

    #[test]
    fn the_same_host_means_scheme_host_and_port() {
        let portal = url("https://dichvucong.example.vn/");
        assert!(same_origin(
            &portal,
            &url("https://dichvucong.example.vn:443/home")
        ));
        assert!(!same_origin(&portal, &url("http://dichvucong.example.vn/")));
        assert!(!same_origin(&portal, &url("https://evil.example/")));
        assert!(!same_origin(
            &portal,
            &url("https://dichvucong.example.vn:8443/")
        ));
    }

    #[test]
    fn the_summary_names_the_portals_down() {
        let row = |unit: &str, ok: u8, error: &str| ProbeRow {
            unit_code: unit.into(),
            portal_url: String::new(),
            month: chrono::NaiveDate::default(),
            probed_at: DateTime::default(),
            probed_us: 0,
            ok,
            http_status: 0,
            response_ms: 0,
            cert_days_left: None,
            error: error.into(),
        };
        let rows = [row("01", 1, ""), row("79", 0, "HTTP 503")];
        assert_eq!(
            probe_summary(&rows),
            "2 portals probed: 1 up, 1 down (79: HTTP 503)"
        );
    }
}
