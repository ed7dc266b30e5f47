//! The work a soak keeps chiso doing: collect, compute and remind of the
//! soak's months, one after another, each a `chiso` process that may be
//! SIGKILLed at a moment drawn from the seed; and the runs of the recovery,
//! each repeated until it succeeds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chiso::domain::Month;

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
    pub today: chrono::NaiveDate,
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
            Verb::Remind => vec![
                v("remind"),
                v("--month"),
                self.remind_month.to_string(),
                v("--today"),
                self.today.to_string(),
            ],
        }
    }
}

/// Runs per verb and how they ended.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub ended: BTreeMap<(Verb, &'static str), u32>,
    /// Runs that hung past `HANG_BOUND`, and why others failed (first few).
    pub hung: Vec<String>,
    pub failures: Vec<String>,
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
/// with a chance of one in three.
pub async fn keep_busy(
    chiso: &Chiso,
    plan: &Plan,
    rng: &mut Rng,
    timeline: &Timeline,
    until: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    while Instant::now() < until {
        for verb in [Verb::Collect, Verb::Compute, Verb::Remind] {
            if Instant::now() >= until {
                break;
            }
            let (lo, hi) = verb.kill_window_ms();
            let kill_after = rng.chance(33).then(|| rng.millis(lo, hi));
            let began = Instant::now();
            let run = chiso
                .run(verb.as_str(), &plan.args(verb), kill_after, HANG_BOUND)
                .await?;
            if let (Ended::Killed, Some(after)) = (&run.ended, kill_after) {
                timeline.record(
                    began + after,
                    FaultKind::ChisoKilled,
                    format!("chiso {} after {:.1} s", verb.as_str(), after.as_secs_f64()),
                );
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
