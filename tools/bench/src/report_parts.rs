//! The report's sections on the pages: dashboards under `wrk`, analysts'
//! SQL beside the public page, freshness after a correction, the cluster.

use std::fmt::Write;
use std::time::Duration;

use crate::dashboards::PageFigures;
use crate::freshness::FreshRun;
use crate::report::{mib, thousands};
use crate::run::Report;
use crate::stats::{at_least, judge, under, Spread};

/// The ranking page's targets under 64 connections, which every page is held to.
const RANKING_RPS: f64 = 1000.0;
const RANKING_P99_MS: f64 = 50.0;
/// A corrected figure on its unit page, after the collect.
const FRESH_UNIT_SECS: f64 = 5.0;

fn show(s: Option<Spread>, f: impl Fn(f64) -> String) -> String {
    s.map_or_else(|| "—".into(), |s| s.show(f))
}

fn ms(v: f64) -> String {
    format!("{v:.1} ms")
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn page_row(o: &mut String, p: &PageFigures) {
    let requests: u64 = p.runs.iter().map(|w| w.requests).sum();
    let failed: u64 = p.runs.iter().map(|w| w.non_2xx).sum();
    let errors: u64 = p.runs.iter().map(|w| w.socket_errors).sum();
    // wrk's latencies are of answered requests; when none was, say so.
    let none = failed + errors >= requests;
    let latency = |s: Option<Spread>| match none {
        true => "— (none answered)".to_string(),
        false => show(s, ms),
    };
    let _ = writeln!(
        o,
        "| {} `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
        p.name,
        p.path,
        p.status,
        thousands(requests),
        show(p.rate(), whole),
        latency(p.p50_ms()),
        latency(p.p99_ms()),
        failed,
        errors,
        page_verdict(p, none)
    );
}

/// Every page is held to the ranking page's targets (issue 17): both on the median.
fn page_verdict(p: &PageFigures, none_answered: bool) -> String {
    if none_answered {
        return "MISS (none answered)".into();
    }
    let rate = judge(p.rate(), |v| at_least(v, RANKING_RPS));
    let p99 = judge(p.p99_ms(), |v| under(v, RANKING_P99_MS));
    match (rate.as_str(), p99.as_str()) {
        ("PASS", "PASS") => "**PASS**".into(),
        _ => format!("**MISS**: req/s {rate}; p99 {p99}"),
    }
}

pub fn dashboards(o: &mut String, r: &Report) {
    let d = &r.dashboards;
    let _ = writeln!(
        o,
        "## 3. Dashboards: `wrk` (its own process) against the release server ({} workers) over `bench`\n",
        d.workers
    );
    let _ = writeln!(
        o,
        "| page | status | requests (all runs) | req/s | p50 | p99 | non-2xx | socket errors | ≥ {} req/s, p99 < {RANKING_P99_MS} ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        thousands(RANKING_RPS as u64)
    );
    for p in &d.pages {
        page_row(o, p);
    }
    match &r.uncomputed {
        Ok(p) => page_row(o, p),
        Err(e) => {
            let _ = writeln!(
                o,
                "| unit page, months never computed | failed: {e} | | | | | | | **MISS** (not measured) |"
            );
        }
    }
    if let Some(ranking) = d.pages.first() {
        let _ = writeln!(
            o,
            "\nTargets (ranking page, {} connections, on the median): ≥ {} req/s: **{}**; p99 < {RANKING_P99_MS} ms: **{}**.",
            ranking.runs.first().map_or(0, |_| 64),
            thousands(RANKING_RPS as u64),
            judge(ranking.rate(), |v| at_least(v, RANKING_RPS)),
            judge(ranking.p99_ms(), |v| under(v, RANKING_P99_MS))
        );
    }
    let _ = writeln!(
        o,
        "The unit page `…never computed` is over `bench_uncomputed`, a copy of `bench`'s rows \
         with no computation stored: every month of its range is computed live."
    );
    match d.peak_rss {
        Some(b) => {
            let _ = writeln!(
                o,
                "Server peak RSS (VmHWM, all runs): {}; target < 150 MB: **{}**.\n",
                mib(b),
                under(b as f64 / 1e6, 150.0)
            );
        }
        None => {
            let _ = writeln!(o, "Server peak RSS: not readable.\n");
        }
    }
}

pub fn analysts(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## 4. Analyst SQL beside the public page\n");
    let all = match &r.analysts {
        Ok(all) => all,
        Err(e) => {
            let _ = writeln!(o, "Not measured: {e}\n");
            return;
        }
    };
    for (n, a) in all.iter().enumerate() {
        if n > 0 {
            let _ = writeln!(
                o,
                "The same analysts then ask the same question of the monthly sums \
                 docs/analysts.md points them to (`service_month_sums_current`, one row per \
                 unit-month):\n"
            );
        }
        analyst_figures(o, a);
    }
}

fn analyst_figures(o: &mut String, a: &crate::analysts::AnalystFigures) {
    let failed: u64 = a.runs.iter().map(|r| r.failed).sum();
    let answered: u64 = a.runs.iter().map(|r| r.answered).sum();
    let _ = writeln!(
        o,
        "{} analysts, each its own account and token, each running in a loop through \
         `POST /api/v1/sql` (as the analyst ClickHouse user, {} queries at once allowed, each up to {} s):\n\n```sql\n{}\n```\n\n\
         while `wrk` loads the frozen national ranking on the same server.\n",
        a.analysts,
        a.analysts,
        crate::analysts::MAX_EXECUTION_SECS,
        a.query
    );
    let _ = writeln!(
        o,
        "| figure | median (min–max) |\n| --- | ---: |\n\
         | analyst queries answered per second | {} |\n\
         | analyst query p99 | {} |\n\
         | analyst queries answered / failed (all runs) | {} / {} |\n\
         | ranking page req/s meanwhile | {} |\n\
         | ranking page p99 meanwhile | {} |",
        show(a.rate(), |v| format!("{v:.2}")),
        show(a.p99_secs(), |v| format!("{v:.2} s")),
        thousands(answered),
        thousands(failed),
        show(a.ranking_rate(), whole),
        show(a.ranking_p99_ms(), ms)
    );
    if let Some(why) = a.runs.iter().find_map(|r| r.first_failure.as_deref()) {
        let why: String = why.chars().take(300).collect();
        let _ = writeln!(o, "\nThe first failed query: {}", why.replace('\n', " "));
    }
    let _ = writeln!(
        o,
        "\nThe public page meanwhile stays within its p99 < {RANKING_P99_MS} ms (median): **{}**.\n",
        judge(a.ranking_p99_ms(), |v| under(v, RANKING_P99_MS))
    );
}

fn opt_secs(d: Option<Duration>, watched: &str) -> String {
    d.map_or_else(
        || format!("not within {watched}"),
        |d| format!("{:.2} s", d.as_secs_f64()),
    )
}

/// The unit page's freshness of the runs, a run not seen counting as the
/// slowest: the median is judged, so most runs must show it in time.
pub fn unit_page_spread(runs: &[FreshRun]) -> Option<Spread> {
    Spread::of(
        runs.iter()
            .map(|r| r.unit_page.map_or(f64::MAX, |d| d.as_secs_f64())),
    )
}

pub fn freshness(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## 5. Freshness: a unit's correction to its pages\n");
    let runs = match &r.freshness {
        Ok(runs) => runs,
        Err(e) => {
            let _ = writeln!(o, "Not measured: {e}\n");
            return;
        }
    };
    let _ = writeln!(
        o,
        "Each run: the simulator serves other figures for a province's month; `chiso collect \
         --month M --unit U` stores them; the unit page (ministry token) is polled every 100 ms \
         for 10 s; then `chiso compute --freeze M`, and the ranking page of M is polled until it \
         changes. Times are from the end of each command.\n"
    );
    let _ = writeln!(
        o,
        "| unit, month | figure looked for | collect | unit page after collect | freeze | unit page after freeze | ranking page after freeze |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for f in runs {
        let _ = writeln!(
            o,
            "| {} {} | {} | {:.2} s | {} | {:.2} s | {} | {} |",
            f.unit,
            f.month,
            f.indicator,
            f.collect.as_secs_f64(),
            opt_secs(f.unit_page, "10 s"),
            f.freeze.as_secs_f64(),
            opt_secs(f.unit_page_after_freeze, "30 s"),
            opt_secs(f.ranking_page, "30 s"),
        );
    }
    let unit = unit_page_spread(runs);
    let verdict = match unit {
        Some(s) if s.median == f64::MAX => format!(
            "MISS: not shown within 10 s of the collect in {} of {} runs (the page shows the \
             stored computation until a compute)",
            runs.iter().filter(|r| r.unit_page.is_none()).count(),
            runs.len()
        ),
        other => judge(other, |v| under(v, FRESH_UNIT_SECS)),
    };
    let _ = writeln!(
        o,
        "\nTarget: the corrected figure on the unit page under {FRESH_UNIT_SECS} s after the \
         collect, on the median: **{verdict}**.\n"
    );
}

pub fn cluster(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "## 7. Cluster: two replicas (quorum 2) and ZooKeeper on the same machine, beside one server\n"
    );
    let c = match &r.cluster {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(o, "Not measured: {e}\n");
            return;
        }
    };
    let single_ingest = Spread::of(r.ingest.iter().map(|i| i.collector_rate()));
    let cluster_ingest = c.ingest_rate();
    let single_page = r.dashboards.pages.first();
    let ratio = |a: Option<Spread>, b: Option<Spread>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}", a.median / b.median.max(1e-9)),
        _ => "—".into(),
    };
    let _ = writeln!(
        o,
        "| figure | one server | cluster | cluster / one server (medians) |\n| --- | ---: | ---: | ---: |"
    );
    let _ = writeln!(
        o,
        "| ingest through the collectors, rows/s | {} | {} | {} |",
        show(single_ingest, whole),
        show(cluster_ingest, whole),
        ratio(cluster_ingest, single_ingest)
    );
    let single_rate = single_page.and_then(PageFigures::rate);
    let single_p99 = single_page.and_then(PageFigures::p99_ms);
    let _ = writeln!(
        o,
        "| frozen ranking page, req/s | {} | {} | {} |",
        show(single_rate, whole),
        show(c.ranking.rate(), whole),
        ratio(c.ranking.rate(), single_rate)
    );
    let _ = writeln!(
        o,
        "| frozen ranking page, p99 | {} | {} | {} |",
        show(single_p99, ms),
        show(c.ranking.p99_ms(), ms),
        ratio(c.ranking.p99_ms(), single_p99)
    );
    let _ = writeln!(
        o,
        "\nOne server: parts 1 and 3 of this run (`{}`). Cluster: the same months through the \
         same collectors into `[clickhouse] cluster` mode over both replicas' URLs, then the \
         ranking page of its last month, frozen.\n",
        c.ranking.path
    );
    let _ = writeln!(
        o,
        "Failover: two `chiso serve` on the cluster's lease (session {} s); the leader SIGKILLed, \
         the other's `/readyz` polled every 50 ms until `X-Chiso-Role: leader`: **{}** \
         (runs: {}).\n",
        c.session_secs,
        show(c.failover_secs(), |v| format!("{v:.2} s")),
        c.failover
            .iter()
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
