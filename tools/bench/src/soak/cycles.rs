//! The work a soak keeps chiso doing: collect, compute and remind of the
//! soak's months, one after another, each a `chiso` process that may be
//! SIGKILLed at a moment drawn from the seed; and the runs of the recovery,
//! each repeated until it succeeds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chiso::domain::Month;
use chiso::notify::deadline_of;

use super::check::RemindLine;
use super::child::{Chiso, Ended, Run};
use super::faults::{FaultKind, Timeline};
use super::rng::Rng;

/// A run still going after this is hung: killed, and the soak fails.
pub const HANG_BOUND: Duration = Duration::from_secs(180);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    Collect,
    Compute,
    Remind,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Collect => "collect",
            Verb::Compute => "compute",
            Verb::Remind => "remind",
        }
    }

    /// How late a kill may fall: past most runs' end, so some finish.
    fn kill_window_ms(self) -> (u64, u64) {
        match self {
            Verb::Collect => (100, 6_000),
            Verb::Compute => (100, 4_000),
            Verb::Remind => (100, 4_000),
        }
    }
}

/// The soak's months and the day its reminders are judged on.
#[derive(Debug, Clone)]
pub struct Plan {
    pub from: Month,
    pub to: Month,
    pub remind_month: Month,
    /// `[compute] deadline_day`: a month is reminded about the day after it.
    pub deadline_day: u32,
}

impl Plan {
    pub fn args(&self, verb: Verb) -> Vec<String> {
        let v = |s: &str| s.to_string();
        match verb {
            Verb::Collect | Verb::Compute => vec![
                v(verb.as_str()),
                v("--from"),
                self.from.to_string(),
                v("--to"),
                self.to.to_string(),
            ],
            Verb::Remind => self.remind_args(self.remind_month),
        }
    }

    /// The day after `month`'s deadline: lagging units, escalations for
    /// units not reported, the digest.
    pub fn remind_day(&self, month: Month) -> chrono::NaiveDate {
        let deadline = deadline_of(month, self.deadline_day);
        deadline.succ_opt().unwrap_or(deadline)
    }

    pub fn remind_args(&self, month: Month) -> Vec<String> {
        vec![
            "remind".into(),
            "--month".into(),
            month.to_string(),
            "--today".into(),
            self.remind_day(month).to_string(),
        ]
    }
}

/// Runs per verb and how they ended.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub ended: BTreeMap<(Verb, &'static str), u32>,
    /// Runs that hung past `HANG_BOUND`, and why others failed (first few).
    pub hung: Vec<String>,
    pub failures: Vec<String>,
    /// Every month a remind ran for: the recovery completes each.
    pub reminded: BTreeSet<Month>,
}

impl Tally {
    fn note(&mut self, verb: Verb, run: &Run) {
        let key = match &run.ended {
            Ended::Succeeded => "succeeded",
            Ended::Failed(why) => {
                if self.failures.len() < 12 {
                    self.failures.push(format!("{}: {why}", verb.as_str()));
                }
                "failed"
            }
            Ended::Killed => "killed",
            Ended::Hung => {
                self.hung.push(format!(
                    "{} still running after {} s",
                    verb.as_str(),
                    HANG_BOUND.as_secs()
                ));
                "hung"
            }
        };
        *self.ended.entry((verb, key)).or_default() += 1;
    }
}

/// Collect, compute, remind, again and again until `until`; each run killed
/// with a chance of one in three, at a moment within the length of the
/// previous run of its kind. Every other remind is of an earlier month
/// without data (every unit escalated), a new one once the last is all sent,
/// so mails are being sent when the faults strike.
pub async fn keep_busy(
    chiso: &Chiso,
    plan: &Plan,
    rng: &mut Rng,
    timeline: &Timeline,
    until: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let mut lasted: BTreeMap<String, Duration> = BTreeMap::new();
    let mut fresh = plan.from;
    let mut fresh_sent = true;
    let mut round = 0u32;
    while Instant::now() < until {
        round += 1;
        for verb in [Verb::Collect, Verb::Compute, Verb::Remind] {
            if Instant::now() >= until {
                break;
            }
            let (kind, args) = match verb {
                Verb::Remind if round.is_multiple_of(2) => {
                    if fresh_sent {
                        fresh = fresh.prev();
                    }
                    (
                        "remind an earlier month".to_string(),
                        plan.remind_args(fresh),
                    )
                }
                _ => (verb.as_str().to_string(), plan.args(verb)),
            };
            if verb == Verb::Remind {
                tally.reminded.insert(if round.is_multiple_of(2) {
                    fresh
                } else {
                    plan.remind_month
                });
            }
            let (lo, hi) = match lasted.get(&kind) {
                Some(d) => {
                    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
                    ((ms / 10).max(20), ms.max(50))
                }
                None => verb.kill_window_ms(),
            };
            let kill_after = rng.chance(33).then(|| rng.millis(lo, hi));
            let began = Instant::now();
            let run = chiso
                .run(verb.as_str(), &args, kill_after, HANG_BOUND)
                .await?;
            if let (Ended::Killed, Some(after)) = (&run.ended, kill_after) {
                timeline.record(
                    began + after,
                    FaultKind::ChisoKilled,
                    format!(
                        "chiso {} (`{}`) after {:.2} s",
                        kind,
                        args.join(" "),
                        after.as_secs_f64()
                    ),
                );
            } else {
                lasted.insert(kind, began.elapsed());
            }
            if verb == Verb::Remind && round.is_multiple_of(2) {
                fresh_sent = RemindLine::parse(&run.stdout).is_some_and(|l| l.complete());
            }
            tally.note(verb, &run);
            if matches!(run.ended, Ended::Failed(_)) {
                // As an operator would: a moment before trying again.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    Ok(tally)
}

/// How one job of the recovery went.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub what: String,
    pub tries: u32,
    pub took: Duration,
    pub ok: bool,
    pub last: Option<RemindLine>,
    pub why: String,
}

impl Recovered {
    /// Many runs as one line: done when each is.
    pub fn all(what: String, runs: &[Recovered]) -> Self {
        let failed: Vec<&Recovered> = runs.iter().filter(|r| !r.ok).collect();
        Self {
            what,
            tries: runs.iter().map(|r| r.tries).sum(),
            took: runs.iter().map(|r| r.took).sum(),
            ok: failed.is_empty(),
            last: None,
            why: failed
                .iter()
                .take(3)
                .map(|r| r.why.clone())
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// Runs `args` until it succeeds (and, for a remind, until every due mail
/// is sent), at most `tries` times, a pause between.
pub async fn until_done(
    chiso: &Chiso,
    what: &str,
    args: &[String],
    tries: u32,
    pause: Duration,
) -> anyhow::Result<Recovered> {
    let started = Instant::now();
    let mut why = String::new();
    let mut last = None;
    for n in 1..=tries {
        let run = chiso.run("recovery", args, None, HANG_BOUND).await?;
        let line = RemindLine::parse(&run.stdout);
        let remind_done = line.as_ref().is_none_or(RemindLine::complete);
        let is_remind = args.first().is_some_and(|a| a == "remind");
        if is_remind {
            last = line;
        }
        match &run.ended {
            Ended::Succeeded if !is_remind || remind_done => {
                return Ok(Recovered {
                    what: what.to_string(),
                    tries: n,
                    took: started.elapsed(),
                    ok: true,
                    last,
                    why: String::new(),
                })
            }
            Ended::Succeeded => why = "mails still waiting".into(),
            Ended::Failed(w) => why = w.clone(),
            Ended::Killed | Ended::Hung => why = "hung".into(),
        }
        tokio::time::sleep(pause).await;
    }
    Ok(Recovered {
        what: what.to_string(),
        tries,
        took: started.elapsed(),
        ok: false,
        last,
        why,
    })
}
