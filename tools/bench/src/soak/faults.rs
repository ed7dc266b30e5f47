//! The faults a soak injects, drawn from its seeded generator, and the
//! timeline that records each with its moment: ClickHouse killed and
//! restarted, slow and broken units, the mail server down or silent, and
//! (drawn by the cycles, see `cycles.rs`) chiso itself killed mid-run.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chiso::simulate::{Fault, FaultMode, SimulatorHandle};

use super::rng::Rng;
use super::world::{ClickHouse, Sink, SinkState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    ClickHouseKilled,
    SlowUnits,
    BrokenUnits,
    SmtpDown,
    SmtpSilent,
    ChisoKilled,
}

impl FaultKind {
    pub const ALL: [FaultKind; 6] = [
        FaultKind::ClickHouseKilled,
        FaultKind::SlowUnits,
        FaultKind::BrokenUnits,
        FaultKind::SmtpDown,
        FaultKind::SmtpSilent,
        FaultKind::ChisoKilled,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FaultKind::ClickHouseKilled => "ClickHouse killed (SIGKILL), restarted",
            FaultKind::SlowUnits => "slow units",
            FaultKind::BrokenUnits => "broken units",
            FaultKind::SmtpDown => "SMTP server down",
            FaultKind::SmtpSilent => "SMTP server silent",
            FaultKind::ChisoKilled => "chiso killed (SIGKILL) mid-run",
        }
    }

    /// Faults after which a mail accepted by the server may be recorded
    /// `sending` only, and so sent again with the same Message-ID (the
    /// documented limit of docs/alerts.md).
    pub fn may_lose_an_outcome(self) -> bool {
        matches!(
            self,
            FaultKind::ClickHouseKilled | FaultKind::SmtpDown | FaultKind::ChisoKilled
        )
    }
}

/// One fault, from `at` (since the soak began) for `lasted`.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: Duration,
    pub lasted: Duration,
    pub kind: FaultKind,
    pub detail: String,
}

/// Every fault injected, shared by the tasks that inject them.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub start: Instant,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Timeline {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            events: Arc::default(),
        }
    }

    pub fn record(&self, began: Instant, kind: FaultKind, detail: String) {
        let at = began.saturating_duration_since(self.start);
        let lasted = began.elapsed();
        if let Ok(mut e) = self.events.lock() {
            e.push(Event {
                at,
                lasted,
                kind,
                detail,
            });
        }
    }

    pub fn events(&self) -> Vec<Event> {
        let mut all = self.events.lock().map(|e| e.clone()).unwrap_or_default();
        all.sort_by_key(|e| e.at);
        all
    }
}

/// What the fault driver may break.
pub struct Targets<'a> {
    pub clickhouse: &'a ClickHouse,
    pub sink: &'a mut Sink,
    pub simulator: &'a SimulatorHandle,
    /// Units with an API (the simulator serves them).
    pub units: &'a [String],
}

const BROKEN: [FaultMode; 6] = [
    FaultMode::Http500,
    FaultMode::MalformedJson,
    FaultMode::InconsistentCounts,
    FaultMode::WrongMonth,
    FaultMode::ImplausibleValue,
    FaultMode::RedirectLoopback,
];

/// Injects one fault after another until `until`: a pause, a fault held for
/// a while, undone. Errors undoing a fault end the soak (its servers are gone).
pub async fn drive(
    rng: &mut Rng,
    t: &mut Targets<'_>,
    timeline: &Timeline,
    until: Instant,
) -> anyhow::Result<()> {
    // Each kind once in an order drawn from the seed, so that even a short
    // soak meets them all; then any kind at random.
    let mut first: Vec<FaultKind> = FaultKind::ALL[..5].to_vec();
    for i in (1..first.len()).rev() {
        let j = rng.range(0, i as u64 + 1) as usize;
        first.swap(i, j);
    }
    first.reverse();
    while Instant::now() + Duration::from_secs(2) < until {
        tokio::time::sleep(rng.millis(500, 3_000)).await;
        let kind = match first.pop() {
            Some(k) => k,
            None => match rng.pick(&FaultKind::ALL[..5]) {
                Some(&k) => k,
                None => continue,
            },
        };
        let hold = rng.millis(1_000, 6_000);
        let began = Instant::now();
        let detail = inject(rng, t, kind, hold).await?;
        timeline.record(began, kind, detail);
    }
    Ok(())
}

async fn inject(
    rng: &mut Rng,
    t: &mut Targets<'_>,
    kind: FaultKind,
    hold: Duration,
) -> anyhow::Result<String> {
    match kind {
        FaultKind::ClickHouseKilled => {
            t.clickhouse.kill().await?;
            tokio::time::sleep(hold).await;
            t.clickhouse.restart().await?;
            Ok(format!("down {:.1} s", hold.as_secs_f64()))
        }
        FaultKind::SlowUnits | FaultKind::BrokenUnits => {
            let count = rng.range(2, 9);
            let mut faults = Vec::new();
            for _ in 0..count {
                let Some(unit) = rng.pick(t.units) else {
                    break;
                };
                let mode = match kind {
                    FaultKind::SlowUnits => FaultMode::Slow,
                    _ => *rng.pick(&BROKEN).unwrap_or(&FaultMode::Http500),
                };
                faults.push(Fault {
                    unit: unit.clone(),
                    mode,
                    tries: 0,
                    months: Vec::new(),
                });
            }
            let names: Vec<String> = faults
                .iter()
                .map(|f| format!("{} {:?}", f.unit, f.mode))
                .collect();
            t.simulator.faults.set(faults);
            tokio::time::sleep(hold).await;
            t.simulator.faults.set(Vec::new());
            Ok(format!("{:.1} s: {}", hold.as_secs_f64(), names.join(", ")))
        }
        FaultKind::SmtpDown | FaultKind::SmtpSilent => {
            let state = if kind == FaultKind::SmtpDown {
                SinkState::Down
            } else {
                SinkState::Silent
            };
            t.sink.set(state).await?;
            tokio::time::sleep(hold).await;
            t.sink.set(SinkState::Up).await?;
            Ok(format!("{:.1} s", hold.as_secs_f64()))
        }
        FaultKind::ChisoKilled => Ok(String::new()),
    }
}
