//! Portal probes (issue 15 §4) against simulated portals on loopback: the
//! monthly figures of each fault mode, hand-worked; redirects; only the
//! registry's URLs; certificates read, expired ones with negative days.

use std::time::Duration;

use chiso::collect::Prober;
use chiso::compute::portal::{portal_month, portal_months};
use chiso::config::{ProbeSettings, Registry};
use chiso::schedule::probe_portals;
use chiso::simulate::{
    PortalCertificates, PortalMode, SimulatedPortal, EXPIRED_DAYS_AGO, VALID_DAYS_LEFT,
};
use chrono::{DateTime, TimeZone, Utc};

use super::common::{month, test_store};

/// How long a slow portal takes to answer; the probe waits 2 s.
const SLOW: Duration = Duration::from_millis(400);

pub(super) struct Portals {
    pub certs: PortalCertificates,
    pub running: Vec<(String, SimulatedPortal)>,
}

impl Portals {
    pub async fn start(modes: &[(&str, PortalMode)]) -> Portals {
        let certs = PortalCertificates::generate().unwrap();
        let mut running = Vec::new();
        for (unit, mode) in modes {
            let portal = SimulatedPortal::start(&certs, *mode, SLOW).await.unwrap();
            running.push((unit.to_string(), portal));
        }
        Portals { certs, running }
    }

    pub fn get(&self, unit: &str) -> &SimulatedPortal {
        &self.running.iter().find(|(u, _)| u == unit).unwrap().1
    }

    /// A units.toml of these portals' units (all allowed loopback but `strict`).
    pub fn units_toml(&self, strict: &[&str]) -> String {
        let mut text = String::new();
        for (i, (unit, portal)) in self.running.iter().enumerate() {
            text.push_str(&format!(
                "[[unit]]\ncode = \"{unit}\"\nname = \"Tỉnh thử {i}\"\nkind = \"province\"\n\
                 group = \"province\"\nfrom = \"2019-01-01\"\ncontacts = [\"cds.{unit}@units.invalid\"]\n\
                 source = {{ type = \"file\" }}\nportal = {{ url = \"{}\", allow_private_address = {} }}\n\n",
                portal.url(),
                !strict.contains(&unit.as_str()),
            ));
        }
        text
    }

    pub fn registry(&self, strict: &[&str]) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("units.toml");
        std::fs::write(&path, self.units_toml(strict)).unwrap();
        Registry::load(&path).unwrap()
    }

    pub fn prober(&self) -> Prober {
        let settings = ProbeSettings {
            timeout_secs: 2,
            ..ProbeSettings::default()
        };
        let pem = self.certs.ca_pem.as_bytes();
        Prober::new(
            &settings,
            Some(("test CA", pem)),
            chrono_tz::Asia::Ho_Chi_Minh,
        )
        .unwrap()
    }
}

/// The `k`-th probe of June 2026: 10:00 in Hanoi on the 2nd, hourly.
pub(super) fn june(k: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 2, 3 + k, 0, 0).unwrap()
}

#[tokio::test]
async fn the_fault_modes_give_the_hand_worked_monthly_figures() {
    let store = test_store("probes_monthly_figures").await;
    let portals = Portals::start(&[
        ("01", PortalMode::Up),
        ("02", PortalMode::Down),
        ("04", PortalMode::Slow),
        ("06", PortalMode::ExpiredCertificate),
        ("08", PortalMode::Up),
    ])
    .await;
    let (registry, prober) = (portals.registry(&[]), portals.prober());
    // 08 goes up, down, slow, up: 3 of 4 probes succeed, the slow one the p95.
    let mixed = [
        PortalMode::Up,
        PortalMode::Down,
        PortalMode::Slow,
        PortalMode::Up,
    ];
    for (k, mode) in mixed.into_iter().enumerate() {
        portals.get("08").set_mode(mode);
        let line = probe_portals(&store, &prober, &registry, june(k as u32))
            .await
            .unwrap();
        assert!(line.starts_with("5 portals probed"), "{line}");
    }
    let june_only = (month("2026-06"), month("2026-06"));
    let months = portal_months(&store, june_only).await.unwrap();
    let by = |u: &str| months.iter().find(|m| m.unit == u).unwrap();
    let ms = |p: Option<u32>| p.map(u128::from);
    let slow = SLOW.as_millis();

    let up = by("01");
    assert_eq!((up.probes, up.ok_probes), (4, 4));
    assert_eq!(up.availability_pct, 100.0);
    assert!(ms(up.p95_response_ms).unwrap() < slow, "{up:?}");
    assert_eq!(up.cert_days_min, Some(VALID_DAYS_LEFT as i32));

    let down = by("02");
    assert_eq!((down.probes, down.ok_probes), (4, 0));
    assert_eq!(down.availability_pct, 0.0);
    assert_eq!(down.p95_response_ms, None, "no successful probe to rank");
    assert_eq!(down.last.status, 503);
    assert_eq!(down.last.error, "HTTP 503");
    assert_eq!(down.cert_days_min, Some(VALID_DAYS_LEFT as i32));

    let slowed = by("04");
    assert_eq!(slowed.availability_pct, 100.0);
    let p95 = ms(slowed.p95_response_ms).unwrap();
    assert!((slow..2000).contains(&p95), "{slowed:?}");

    let expired = by("06");
    assert_eq!(expired.availability_pct, 0.0);
    assert_eq!(expired.cert_days_min, Some(-(EXPIRED_DAYS_AGO as i32)));
    assert_eq!(expired.last.status, 0);
    assert_eq!(
        expired.last.error,
        format!("certificate expired {EXPIRED_DAYS_AGO} days ago")
    );

    let mixed = by("08");
    assert_eq!((mixed.probes, mixed.ok_probes), (4, 3));
    assert_eq!(mixed.availability_pct, 75.0);
    // Nearest rank over 3 successful probes: the 3rd smallest, the slow one.
    assert!(ms(mixed.p95_response_ms).unwrap() >= slow, "{mixed:?}");
    assert!(mixed.last.ok);

    // A month without probes has no figures at all, not zeros.
    assert!(portal_months(&store, (month("2026-07"), month("2026-07")))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        portal_month(&store, "01", month("2026-05")).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn an_expired_certificate_is_recorded_with_negative_days() {
    let store = test_store("probes_expired_certificate").await;
    let portals = Portals::start(&[("06", PortalMode::ExpiredCertificate)]).await;
    let (registry, prober) = (portals.registry(&[]), portals.prober());
    probe_portals(&store, &prober, &registry, june(0))
        .await
        .unwrap();
    let rows = store.probes_of("06", month("2026-06")).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.ok, 0, "an expired certificate is not a portal up");
    assert_eq!(row.cert_days_left, Some(-30));
    assert_eq!(row.error, "certificate expired 30 days ago");
    assert_eq!(row.portal_url, portals.get("06").url());
    assert_eq!(row.probed_at, june(0));
}

#[tokio::test]
async fn redirects_are_followed_on_the_host_and_refused_off_it() {
    let store = test_store("probes_redirects").await;
    let portals = Portals::start(&[
        ("01", PortalMode::RedirectOnHost),
        ("02", PortalMode::RedirectOffHost),
    ])
    .await;
    let (registry, prober) = (portals.registry(&[]), portals.prober());
    probe_portals(&store, &prober, &registry, june(0))
        .await
        .unwrap();
    let on = &store.probes_of("01", month("2026-06")).await.unwrap()[0];
    assert_eq!((on.ok, on.http_status), (1, 200), "{on:?}");
    let off = &store.probes_of("02", month("2026-06")).await.unwrap()[0];
    assert_eq!((off.ok, off.http_status), (0, 302), "{off:?}");
    assert_eq!(
        off.error,
        "redirect refused: HTTP 302 to another host 'https://portal.invalid/'"
    );
}

#[tokio::test]
async fn a_probe_goes_only_to_the_registry_urls_and_their_address_rules() {
    let store = test_store("probes_only_registry").await;
    let portals = Portals::start(&[("01", PortalMode::Up), ("02", PortalMode::Up)]).await;
    // 02 is listed without allow_private_address: its loopback URL is refused.
    let registry = portals.registry(&["02"]);
    let unlisted = SimulatedPortal::start(&portals.certs, PortalMode::Up, SLOW)
        .await
        .unwrap();
    let line = probe_portals(&store, &portals.prober(), &registry, june(0))
        .await
        .unwrap();
    assert!(line.starts_with("2 portals probed: 1 up, 1 down"), "{line}");
    assert_eq!(unlisted.connections(), 0, "a portal not in the registry");
    assert_eq!(portals.get("02").connections(), 0, "a refused address");
    assert_eq!(portals.get("01").connections(), 1);
    let refused = &store.probes_of("02", month("2026-06")).await.unwrap()[0];
    assert!(
        refused
            .error
            .starts_with("address refused: '127.0.0.1' is loopback"),
        "{refused:?}"
    );
    let june = (month("2026-06"), month("2026-06"));
    let all = store.probe_months(june, None).await.unwrap();
    let units: Vec<&str> = all.iter().map(|r| r.unit_code.as_str()).collect();
    assert_eq!(units, ["01", "02"]);
}

#[tokio::test]
async fn the_monthly_figures_reach_the_portal_indicators_and_missing_stays_missing() {
    let store = test_store("probes_indicators").await;
    let portals = Portals::start(&[("01", PortalMode::Up), ("02", PortalMode::Down)]).await;
    let (registry, prober) = (portals.registry(&[]), portals.prober());
    // 01: up, up, up, down → 75 %; 02 down throughout.
    for k in 0..4 {
        if k == 3 {
            portals.get("01").set_mode(PortalMode::Down);
        }
        probe_portals(&store, &prober, &registry, june(k))
            .await
            .unwrap();
    }
    let indicators = chiso::config::IndicatorCatalogue::load(
        &super::common::config_dir().join("indicators.toml"),
        &super::common::catalogue(),
    )
    .unwrap();
    let months = [month("2026-05"), month("2026-06")];
    let inputs = chiso::compute::national::read_inputs(
        &store,
        (&registry, &indicators),
        &months,
        chiso::store::Units::All,
        super::common::deadline(),
    )
    .await
    .unwrap();
    let figures = |unit: &str, m: &str| inputs.figures.get(unit, month(m));
    let evaluate = |code: &str, unit: &str, m: &str| {
        let indicator = indicators.get(code).unwrap();
        chiso::compute::evaluate::evaluate(indicator, &[figures(unit, m)], Default::default())
    };
    assert_eq!(figures("01", "2026-06")["portal_availability_pct"], 75.0);
    assert_eq!(
        evaluate("portal_availability", "01", "2026-06").value,
        Some(75.0)
    );
    assert_eq!(
        evaluate("portal_availability", "02", "2026-06").value,
        Some(0.0)
    );
    assert_eq!(
        evaluate("portal_cert_days_left", "02", "2026-06").value,
        Some(VALID_DAYS_LEFT as f64)
    );
    // No successful probe: no response time, not 0 ms.
    assert!(!figures("02", "2026-06").contains_key("portal_p95_response_ms"));
    assert_eq!(evaluate("portal_p95_response", "02", "2026-06").value, None);
    assert!(
        evaluate("portal_p95_response", "01", "2026-06")
            .value
            .unwrap()
            < 400.0
    );
    // May was never probed: no data, never 0 %.
    assert!(!figures("01", "2026-05").contains_key("portal_availability_pct"));
    assert_eq!(evaluate("portal_availability", "01", "2026-05").value, None);
}

#[tokio::test]
async fn a_portal_down_past_the_threshold_gets_its_reminder_once_across_restarts() {
    let portals = Portals::start(&[
        ("01", PortalMode::Down),
        ("02", PortalMode::Up),
        ("04", PortalMode::ExpiredCertificate),
    ])
    .await;
    let thresholds = "portal_down_threshold_pct = 10.0\ncert_warn_days = 45";
    let f = super::notify::fixture_with(
        "probes_reminder_once",
        &portals.units_toml(&[]),
        &[],
        thresholds,
    )
    .await;
    let prober = portals.prober();
    // 02 fails 1 probe of 10: at the threshold, not past it.
    for k in 0..10 {
        let mode = if k == 0 {
            PortalMode::Down
        } else {
            PortalMode::Up
        };
        portals.get("02").set_mode(mode);
        probe_portals(&f.app.store, &prober, &f.app.registry, june(k))
            .await
            .unwrap();
    }
    // 1 July: too early for any report reminder of June; the portal ones are due.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    let june_month = month("2026-06");
    let run = |app| async move {
        chiso::notify::remind(app, june_month, today, &super::notify::smtp(app))
            .await
            .unwrap()
    };
    let first = run(&f.app).await;
    assert_eq!((first.due, first.sent), (3, 3), "{first}");
    let mut subjects: Vec<(String, String)> = super::notify::arrivals(&f.sink.received());
    subjects.sort();
    assert_eq!(
        subjects,
        [
            (
                "cds.01@units.invalid".to_string(),
                "[Chỉ số CĐS] Tỉnh thử 0 — Cổng dịch vụ công gián đoạn trong tháng 06/2026"
                    .to_string()
            ),
            (
                "cds.04@units.invalid".to_string(),
                "[Chỉ số CĐS] Tỉnh thử 2 — Cổng dịch vụ công gián đoạn trong tháng 06/2026"
                    .to_string()
            ),
            (
                "cds.04@units.invalid".to_string(),
                "[Chỉ số CĐS] Tỉnh thử 2 — chứng thư số của Cổng dịch vụ công đã hết hạn"
                    .to_string()
            ),
        ]
    );
    let down = f
        .sink
        .received()
        .into_iter()
        .map(|r| {
            mail_parser::MessageParser::default()
                .parse(&r.raw)
                .unwrap()
                .body_text(0)
                .unwrap()
                .replace("\r\n", "\n")
        })
        .find(|t| t.contains("Tỉnh thử 0"))
        .unwrap();
    for needle in [
        "kiểm tra Cổng dịch vụ công của đơn vị (https://127.0.0.1:",
        ") 10 lần; 10 lần không truy cập được.",
        "- Tỷ lệ sẵn sàng: 0,0%",
        "(ngưỡng cảnh báo 10,0%)",
        "- Lỗi ghi nhận ở lần kiểm tra gần nhất: HTTP 503",
    ] {
        assert!(down.contains(needle), "missing {needle:?} in:\n{down}");
    }

    // Again, and again from a new process: nothing more.
    let again = run(&f.app).await;
    assert_eq!((again.sent, again.already_sent), (0, 3), "{again}");
    let restarted = chiso::app::App::load(
        &f.config.path().join("chiso.toml"),
        &chiso::config::Overrides {
            clickhouse_url: Some(f.url.clone()),
            database: Some(f.database.clone()),
            source_override: None,
        },
    )
    .unwrap();
    let after_restart = run(&restarted).await;
    assert_eq!(
        (after_restart.sent, after_restart.already_sent),
        (0, 3),
        "{after_restart}"
    );
    assert_eq!(f.sink.received().len(), 3);
    super::notify::assert_no_duplicates(&f.sink.received());
}

#[tokio::test]
async fn the_unit_page_card_shows_the_month_and_follows_new_probes() {
    let store = test_store("probes_unit_card").await;
    let portals = Portals::start(&[
        ("01", PortalMode::Up),
        ("04", PortalMode::ExpiredCertificate),
    ])
    .await;
    let (registry, prober) = (portals.registry(&[]), portals.prober());
    let app = chiso::app::App {
        registry: registry.clone(),
        ..super::common::test_app(store.clone())
    };
    let token = super::common::ministry_token(&store).await;
    let server =
        chiso::web::serve(std::sync::Arc::new(app), ([127, 0, 0, 1], 0).into(), 1).unwrap();
    let page = |code: &'static str| {
        let (url, token) = (server.url(), token.clone());
        async move {
            let response = super::common::http()
                .get(format!("{url}/don-vi/{code}?from=2026-05&to=2026-06"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.text().await.unwrap()
        }
    };
    let before = page("01").await;
    assert!(
        before.contains("Chưa có lần kiểm tra nào trong tháng 06/2026."),
        "{before}"
    );

    probe_portals(&store, &prober, &registry, june(0))
        .await
        .unwrap();
    let up = page("01").await;
    assert!(up.contains("<h2>Cổng dịch vụ công</h2>"), "{up}");
    assert!(up.contains(">100,0%<"), "{up}");
    assert!(up.contains("Còn 90 ngày"), "{up}");
    let expired = page("04").await;
    assert!(expired.contains("Đã hết hạn 30 ngày"), "{expired}");
    assert!(
        expired.contains("certificate expired 30 days ago"),
        "{expired}"
    );

    // A new probe shows at once: the kept page is drawn again.
    portals.get("01").set_mode(PortalMode::Down);
    probe_portals(&store, &prober, &registry, june(1))
        .await
        .unwrap();
    let half = page("01").await;
    assert!(half.contains(">50,0%<"), "{half}");
    assert!(half.contains("Không truy cập được"), "{half}");

    // The probes counted on /metrics, per unit and outcome.
    let metrics = super::common::http()
        .get(format!("{}/metrics", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "chiso_probe_total{unit=\"01\",outcome=\"up\"} 1",
        "chiso_probe_total{unit=\"01\",outcome=\"down\"} 1",
        "chiso_probe_total{unit=\"04\",outcome=\"down\"} 2",
    ] {
        assert!(metrics.contains(line), "missing {line} in:\n{metrics}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_portal_slower_than_the_timeout_is_down_and_says_so() {
    let store = test_store("probes_timeout").await;
    let mut portals = Portals::start(&[]).await;
    let stalled = SimulatedPortal::start(&portals.certs, PortalMode::Slow, Duration::from_secs(5))
        .await
        .unwrap();
    portals.running.push(("01".to_string(), stalled));
    let (registry, prober) = (portals.registry(&[]), portals.prober());
    let started = std::time::Instant::now();
    probe_portals(&store, &prober, &registry, june(0))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the probe waited past its timeout"
    );
    let row = &store.probes_of("01", month("2026-06")).await.unwrap()[0];
    assert_eq!((row.ok, row.http_status), (0, 0), "{row:?}");
    assert_eq!(row.error, "no answer within 2 s (probe.timeout_secs)");
    assert!((2000..4000).contains(&row.response_ms), "{row:?}");
    // The handshake completed before the stall: the certificate is known.
    assert_eq!(row.cert_days_left, Some(VALID_DAYS_LEFT as i32));
}
