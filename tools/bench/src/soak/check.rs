//! The soak's invariants, each a verdict with its figures: the data equals
//! the simulator's (no duplicates, no half month ever visible), every due mail
//! arrived once, the long-lived process kept its size.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};

use chiso::domain::Month;
use chiso::store::{LedgerRow, SendState, Store, StoreError};

use super::expected::{visible_differences, Expected};
use super::faults::Event;
use super::world::Received;

/// One invariant, held or broken, with the figures that show it.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub name: &'static str,
    pub pass: bool,
    pub figures: Vec<String>,
}

/// What readers saw while the faults ran.
#[derive(Debug, Default)]
pub struct Watch {
    pub reads: u64,
    pub failed_reads: u64,
    pub unit_months_seen: u64,
    pub wrong: Vec<String>,
}

/// Reads every month as a dashboard would, every `every`, until `until`,
/// noting each visible unit-month that is not the simulator's whole month.
pub async fn watch(store: &Store, expected: &Expected, until: Instant, every: Duration) -> Watch {
    let mut w = Watch::default();
    while Instant::now() < until {
        for month in expected.months() {
            match visible_differences(store, expected, month).await {
                Ok((seen, wrong)) => {
                    w.reads += 1;
                    w.unit_months_seen += seen as u64;
                    for line in wrong {
                        if w.wrong.len() < 20 {
                            w.wrong.push(line);
                        }
                    }
                }
                Err(_) => w.failed_reads += 1,
            }
        }
        tokio::time::sleep(every).await;
    }
    w
}

pub fn half_months(w: &Watch) -> Verdict {
    let mut figures = vec![format!(
        "{} reads during the faults ({} failed while ClickHouse was down), {} unit-months seen",
        w.reads, w.failed_reads, w.unit_months_seen
    )];
    figures.extend(w.wrong.iter().cloned());
    Verdict {
        name: "no half month visible during the faults",
        pass: w.wrong.is_empty() && w.reads > 0,
        figures,
    }
}

/// Every unit-month the simulator serves is stored, whole, and nothing else.
pub async fn data(store: &Store, expected: &Expected) -> Result<Verdict, StoreError> {
    let mut problems = Vec::new();
    let mut stored = 0;
    for month in expected.months() {
        let (seen, wrong) = visible_differences(store, expected, month).await?;
        stored += seen;
        problems.extend(wrong);
        let have: BTreeSet<String> = store
            .month_totals(month)
            .await?
            .into_iter()
            .map(|t| t.unit_code)
            .collect();
        for unit in expected
            .totals
            .get(&month)
            .into_iter()
            .flat_map(|t| t.keys())
        {
            if !have.contains(unit) {
                problems.push(format!("unit {unit} month {month}: missing"));
            }
        }
        let mut measures = store.month_measures(month).await?;
        measures.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let want = expected.measures.get(&month).cloned().unwrap_or_default();
        if measures != want {
            problems.push(format!(
                "month {month}: {} measures stored, {} served, or values differ",
                measures.len(),
                want.len()
            ));
        }
    }
    let mut figures = vec![format!(
        "{stored} of {} unit-months stored ({} months: {}), services and measures compared",
        expected.unit_months(),
        expected.totals.len(),
        expected
            .months()
            .iter()
            .map(Month::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let pass = problems.is_empty();
    figures.extend(problems.into_iter().take(20));
    Ok(Verdict {
        name: "stored unit-months equal the simulator's",
        pass,
        figures,
    })
}

const DUPLICATES: [(&str, &str); 2] = [
    (
        "services",
        "SELECT count(), uniqExact(unit_code, month, service_code) FROM service_stats_current",
    ),
    (
        "measures",
        "SELECT count(), uniqExact(unit_code, month, measure_code) FROM measure_values_current",
    ),
];

/// No row twice in what readers see.
pub async fn duplicates(store: &Store) -> anyhow::Result<Verdict> {
    let mut figures = Vec::new();
    let mut pass = true;
    for (what, sql) in DUPLICATES {
        let (rows, distinct): (u64, u64) = store.client().query(sql).fetch_one().await?;
        pass &= rows == distinct;
        figures.push(format!("{what}: {rows} current rows, {distinct} distinct"));
    }
    Ok(Verdict {
        name: "no duplicates in the current views",
        pass,
        figures,
    })
}

/// A `chiso remind` run's closing line: `month M: sent S of D due; A already sent, …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemindLine {
    pub month: String,
    pub sent: u64,
    pub due: u64,
    pub already: u64,
}

impl RemindLine {
    pub fn parse(stdout: &str) -> Option<Self> {
        let line = stdout.lines().rev().find(|l| l.starts_with("month "))?;
        let (month, rest) = line.strip_prefix("month ")?.split_once(": sent ")?;
        let (sent, rest) = rest.split_once(" of ")?;
        let (due, rest) = rest.split_once(" due; ")?;
        let (already, _) = rest.split_once(" already sent")?;
        Some(Self {
            month: month.to_string(),
            sent: sent.trim().parse().ok()?,
            due: due.trim().parse().ok()?,
            already: already.trim().parse().ok()?,
        })
    }

    /// Every due mail sent, now or before.
    pub fn complete(&self) -> bool {
        self.sent + self.already == self.due
    }
}

/// The fault that could have cut off the outcome of a mail the server
/// accepted at `arrival` (so chiso re-sent it, same Message-ID).
fn outcome_lost_by(arrival: SystemTime, start: SystemTime, events: &[Event]) -> Option<&Event> {
    events.iter().find(|e| {
        let from = start + e.at;
        let to = from + e.lasted;
        e.kind.may_lose_an_outcome()
            && from <= arrival + Duration::from_secs(5)
            && to + Duration::from_secs(2) >= arrival
    })
}

/// Every mail due was received exactly once: the ledger against the sink.
pub fn mail(
    ledger: &[LedgerRow],
    received: &[Received],
    finals: &[RemindLine],
    events: &[Event],
    start: SystemTime,
) -> Verdict {
    let mut problems = Vec::new();
    for f in finals {
        if !f.complete() {
            problems.push(format!(
                "month {}: {} due, {} sent in the last run and {} before",
                f.month, f.due, f.sent, f.already
            ));
        }
    }
    let by_id: BTreeMap<&str, &LedgerRow> =
        ledger.iter().map(|r| (r.message_id.as_str(), r)).collect();
    let mut arrivals: BTreeMap<&str, Vec<SystemTime>> = BTreeMap::new();
    for r in received {
        arrivals.entry(&r.message_id).or_default().push(r.arrived);
    }
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for r in ledger {
        *states
            .entry(format!("{:?}", r.state).to_lowercase())
            .or_default() += 1;
        if r.state == SendState::Sent && !arrivals.contains_key(r.message_id.as_str()) {
            problems.push(format!(
                "{} ({}): sent in the ledger, never received",
                r.key, r.message_id
            ));
        }
    }
    let (mut twice, mut explained) = (0, Vec::new());
    for (id, times) in &arrivals {
        let Some(row) = by_id.get(id) else {
            problems.push(format!("{id}: received, in no ledger row"));
            continue;
        };
        // Every receipt but the last must have lost its outcome to a fault,
        // and the last too when the ledger does not say sent.
        let settled = usize::from(row.state == SendState::Sent);
        let unsettled = times.len().saturating_sub(settled);
        twice += usize::from(times.len() > 1);
        for arrival in times.iter().take(unsettled) {
            match outcome_lost_by(*arrival, start, events) {
                Some(e) => explained.push(format!(
                    "{} re-sent or unrecorded after \"{}\" at {:.1} s",
                    row.key,
                    e.kind.label(),
                    e.at.as_secs_f64()
                )),
                None => problems.push(format!(
                    "{} ({}): received {} times, ledger {:?}, no fault explains it",
                    row.key,
                    id,
                    times.len(),
                    row.state
                )),
            }
        }
    }
    let mut figures = vec![
        format!(
            "ledger: {} keys ({})",
            ledger.len(),
            states
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "sink: {} messages, {} distinct Message-IDs, {} received more than once",
            received.len(),
            arrivals.len(),
            twice
        ),
        format!(
            "last runs: {}",
            finals
                .iter()
                .map(|f| format!("{} {} due, all sent: {}", f.month, f.due, f.complete()))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        format!(
            "{} receipts whose outcome a crash or outage cut off (re-sent with the same Message-ID, the documented limit of docs/alerts.md)",
            explained.len()
        ),
    ];
    figures.extend(explained.into_iter().take(10));
    let pass = problems.is_empty() && !ledger.is_empty();
    figures.extend(problems.into_iter().take(20));
    Verdict {
        name: "every due mail received exactly once",
        pass,
        figures,
    }
}

/// Samples of the first minute are warm-up (caches, pools, the first
/// pages), not growth; a run without a few minutes after it is not judged.
pub const RSS_WARM_UP: Duration = Duration::from_secs(60);
const RSS_MIN_JUDGED: Duration = Duration::from_secs(120);

/// RSS in KiB at moments of the run: the median of the last third of the
/// samples after warm-up may not exceed that of the first third by the margin.
pub fn rss(samples: &[(Duration, u64)], margin_percent: u64, margin_floor_kib: u64) -> Verdict {
    let name = "RSS of chiso serve flat";
    let judged: Vec<(Duration, u64)> = samples
        .iter()
        .copied()
        .filter(|(at, _)| *at >= RSS_WARM_UP)
        .collect();
    let span = judged
        .last()
        .zip(judged.first())
        .map_or(Duration::ZERO, |(l, f)| l.0.saturating_sub(f.0));
    let mib = |k: u64| k as f64 / 1024.0;
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    if span < RSS_MIN_JUDGED {
        return Verdict {
            name,
            pass: true,
            figures: vec![format!(
                "not judged: {} samples, {:.0} s after the first minute's warm-up; growth needs {} s (make soak, 5 min, judges it); peak {:.1} MiB",
                samples.len(),
                span.as_secs_f64(),
                RSS_MIN_JUDGED.as_secs(),
                mib(peak)
            )],
        };
    }
    let third = judged.len() / 3;
    let median = |part: &[(Duration, u64)]| {
        let mut v: Vec<u64> = part.iter().map(|s| s.1).collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let first = median(&judged[..third]);
    let last = median(&judged[judged.len() - third..]);
    let allowed = first + (first * margin_percent / 100).max(margin_floor_kib);
    Verdict {
        name,
        pass: third >= 2 && last <= allowed,
        figures: vec![format!(
            "{} samples after the first minute: median {:.1} MiB in the first third, {:.1} MiB in the last (allowed {:.1}: +{margin_percent} %, at least +{:.0} MiB), peak {:.1} MiB",
            judged.len(),
            mib(first),
            mib(last),
            mib(allowed),
            mib(margin_floor_kib),
            mib(peak)
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remind_summary_is_read_back() {
        let out = "retry later: x\nmonth 2024-03: sent 2 of 9 due; 7 already sent, 0 waiting to retry, 0 to retry later, 0 failed now, 0 failed earlier\n";
        let line = RemindLine::parse(out).unwrap();
        assert_eq!(
            line,
            RemindLine {
                month: "2024-03".into(),
                sent: 2,
                due: 9,
                already: 7
            }
        );
        assert!(line.complete());
        assert_eq!(RemindLine::parse("error: ClickHouse down"), None);
    }

    fn sent(key: &str) -> LedgerRow {
        LedgerRow {
            key: key.into(),
            rule: chiso::store::RuleKind::Digest,
            unit_code: String::new(),
            period: "2024-06".into(),
            recipient: "a@b.vn".into(),
            message_id: format!("<{key}@chiso.invalid>"),
            state: SendState::Sent,
            tries: 1,
            last_reply: "250".into(),
            next_try_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            version: 2,
            epoch: 0,
        }
    }

    fn got(key: &str, at_secs: u64, start: SystemTime) -> Received {
        Received {
            message_id: format!("<{key}@chiso.invalid>"),
            arrived: start + Duration::from_secs(at_secs),
        }
    }

    #[test]
    fn a_mail_received_twice_fails_unless_a_crash_cut_off_its_outcome() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ledger = [sent("a"), sent("b")];
        let finals = [RemindLine {
            month: "2024-06".into(),
            sent: 2,
            due: 2,
            already: 0,
        }];
        let once = [got("a", 10, start), got("b", 11, start)];
        assert!(mail(&ledger, &once, &finals, &[], start).pass);
        let twice = [
            got("a", 10, start),
            got("b", 11, start),
            got("a", 40, start),
        ];
        assert!(!mail(&ledger, &twice, &finals, &[], start).pass);
        let crash = Event {
            at: Duration::from_secs(12),
            lasted: Duration::from_secs(3),
            kind: super::super::faults::FaultKind::ClickHouseKilled,
            detail: String::new(),
        };
        let v = mail(
            &ledger,
            &twice,
            &finals,
            std::slice::from_ref(&crash),
            start,
        );
        assert!(v.pass, "{:?}", v.figures);
        let missing = [got("a", 10, start)];
        assert!(!mail(&ledger, &missing, &finals, &[crash], start).pass);
        let stranger = [
            got("a", 10, start),
            got("b", 11, start),
            got("c", 12, start),
        ];
        assert!(!mail(&ledger, &stranger, &finals, &[], start).pass);
    }

    #[test]
    fn rss_that_grows_past_the_margin_fails() {
        // Warm-up growth in the first minute is not judged.
        let sample = |i: u64, kib: u64| (Duration::from_secs(i * 5), kib);
        let flat: Vec<_> = (0..60)
            .map(|i| sample(i, if i < 12 { 20_000 + i * 2_000 } else { 50_000 }))
            .collect();
        assert!(rss(&flat, 20, 8_192).pass);
        let growing: Vec<_> = (0..60).map(|i| sample(i, 50_000 + i * 2_000)).collect();
        assert!(!rss(&growing, 20, 8_192).pass);
        // Too short to judge: passes, and says so.
        let short: Vec<_> = (0..20).map(|i| sample(i, 50_000 + i * 9_000)).collect();
        let verdict = rss(&short, 20, 8_192);
        assert!(verdict.pass && verdict.figures[0].starts_with("not judged"));
    }
}
