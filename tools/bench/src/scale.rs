//! Part 6, scale: `bench` copied with every service row `scale` times (and
//! its sums and formula aggregates as the copies would have been counted),
//! then every period computed over it; then once more with the formula
//! aggregates emptied, which is what a catalogue gaining its aggregates costs
//! once over that history.

use std::time::{Duration, Instant};

use crate::compute::{baselines, compute_all, Baseline, ComputeRun};
use crate::run::{say, scale_copy, settle, DB_SCALED};
use crate::Target;
use chiso::domain::Period;

#[derive(Debug, Clone)]
pub struct ScaleFigures {
    pub copy: Duration,
    /// The first compute over the copy (the target: under 5 s).
    pub first: ComputeRun,
    /// The same periods again after emptying `service_aggregates`: every
    /// formula aggregate counted from the rows, then read.
    pub refilled: ComputeRun,
    pub baselines: Vec<Baseline>,
}

pub async fn part(t: &Target, scale: u32, all: &[Period]) -> anyhow::Result<ScaleFigures> {
    say(&format!(
        "scale: copying the history ×{scale} in ClickHouse"
    ));
    let app = t.fresh_app(DB_SCALED).await?;
    let started = Instant::now();
    scale_copy(t, DB_SCALED, scale).await?;
    let copy = started.elapsed();
    settle(t, DB_SCALED).await;
    say("scale: computing");
    let first = compute_all(&app, all).await?;
    let chosen = ["online_dossier_rate", "on_time_rate"];
    let baselines = baselines(&app, |code| chosen.contains(&code)).await?;
    say("scale: computing again with the formula aggregates emptied");
    let sql = format!("TRUNCATE TABLE {DB_SCALED}.service_aggregates");
    let out = t.client(&["--query", &sql]).output().await?;
    if !out.status.success() {
        anyhow::bail!("{sql}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let refilled = compute_all(&app, all).await?;
    Ok(ScaleFigures {
        copy,
        first,
        refilled,
        baselines,
    })
}
