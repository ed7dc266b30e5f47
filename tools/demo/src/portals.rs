//! Simulated public service portals for the demo (issue 15 §4, docs/probes.md):
//! a few units get a portal on loopback — up, flapping, slow, with an expired
//! certificate, down — entered in the demo's registry, and are probed over
//! the newest month, so their unit pages show the portal card.

use std::path::Path;
use std::time::Duration;

use chiso::app::App;
use chiso::collect::Prober;
use chiso::config::{PortalConfig, Registry};
use chiso::domain::Month;
use chiso::schedule::probe_portals;
use chiso::simulate::{PortalCertificates, PortalMode, SimulatedPortal};
use chrono::TimeZone;

/// The portals' faults, given to the first units in registry order.
const MODES: [PortalMode; 6] = [
    PortalMode::Up,
    // Down for the first 4 of the month's 10 probe rounds: 60 % available.
    PortalMode::Down,
    PortalMode::Slow,
    PortalMode::ExpiredCertificate,
    PortalMode::Up,
    PortalMode::Down,
];
const FLAPPING: usize = 1;
const ROUNDS: u32 = 10;

/// Running portals: they stop when dropped.
pub struct DemoPortals {
    _running: Vec<SimulatedPortal>,
}

/// Starts the portals, enters them in `app.registry` and probes them on ten
/// days of `month`.
pub async fn start(app: &mut App, month: Month) -> anyhow::Result<DemoPortals> {
    let certs = PortalCertificates::generate()?;
    let mut units: Vec<_> = app.registry.all().to_vec();
    let mut running = Vec::new();
    let valid = units
        .iter_mut()
        .filter(|u| u.valid_on(month.last_day()))
        .zip(MODES);
    for (unit, mode) in valid {
        let portal = SimulatedPortal::start(&certs, mode, Duration::from_millis(300)).await?;
        unit.portal = Some(PortalConfig {
            url: portal.url(),
            allow_private_address: true,
        });
        println!(
            "  portal of {:<4} {:<22?} {}",
            unit.code.as_str(),
            mode,
            portal.url()
        );
        running.push(portal);
    }
    app.registry = Registry::build(Path::new("units.toml (demo portals)"), units)?;
    let zone = app.zone();
    let prober = Prober::new(
        &app.settings.probe,
        Some(("simulated portals CA", certs.ca_pem.as_bytes())),
        zone,
    )?;
    let mut line = String::new();
    for round in 0..ROUNDS {
        if let Some(flapping) = running.get(FLAPPING) {
            let mode = if round < 4 {
                PortalMode::Down
            } else {
                PortalMode::Up
            };
            flapping.set_mode(mode);
        }
        let day = month.first_day() + chrono::Days::new(u64::from(round * 3));
        let at = zone
            .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_else(chrono::Utc::now);
        line = probe_portals(&app.store, &prober, &app.registry, at).await?;
    }
    println!("  {ROUNDS} probe rounds over {month}; the last: {line}");
    Ok(DemoPortals { _running: running })
}
