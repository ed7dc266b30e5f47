//! `target/bench/soak.md`: the seed, the duration, every fault with its
//! moment, the runs, and each invariant PASS or FAIL with its figures.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::faults::FaultKind;
use super::Soak;

pub fn render(s: &Soak) -> String {
    let mut out = String::new();
    let _ = write_report(s, &mut out);
    out
}

fn write_report(s: &Soak, out: &mut String) -> std::fmt::Result {
    writeln!(out, "# chiso soak\n")?;
    writeln!(
        out,
        "Seed {}, started {}; faults for {} s (the phase ended after {:.0} s, with the runs under way), {:.0} s in all. Result: **{}**.\n",
        s.seed,
        s.started.format("%Y-%m-%d %H:%M:%S UTC"),
        s.duration.as_secs(),
        s.fault_phase.as_secs_f64(),
        s.total.as_secs_f64(),
        if s.passed() { "PASS" } else { "FAIL" }
    )?;
    writeln!(
        out,
        "One-shot `chiso collect`/`compute` of {}..{} and `chiso remind` (of {} as of {}, and \
         every other time of an earlier month without data, a new one once the last is all sent: {} months in all), one after another, \
         each SIGKILLed with a chance of one in three; beside them one `chiso serve` with \
         collect, compute and remind every 15–30 s over the recent months. \
         Rerun with `chiso-bench soak --seed {}`.\n",
        s.plan.from,
        s.plan.to,
        s.plan.remind_month,
        s.plan.remind_day(s.plan.remind_month),
        s.tally.reminded.len(),
        s.seed
    )?;

    writeln!(out, "## Invariants\n")?;
    writeln!(out, "| invariant | result | figures |\n|---|---|---|")?;
    for v in &s.verdicts {
        writeln!(
            out,
            "| {} | {} | {} |",
            v.name,
            if v.pass { "PASS" } else { "**FAIL**" },
            v.figures
                .iter()
                .map(|f| f.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join("<br>")
        )?;
    }

    writeln!(out, "\n## Faults injected\n")?;
    let mut counts: BTreeMap<FaultKind, usize> = BTreeMap::new();
    for e in &s.events {
        *counts.entry(e.kind).or_default() += 1;
    }
    writeln!(
        out,
        "{}\n",
        FaultKind::ALL
            .iter()
            .map(|k| format!("{}: {}", k.label(), counts.get(k).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(" · ")
    )?;
    writeln!(out, "| at (s) | fault | detail |\n|---:|---|---|")?;
    for e in &s.events {
        writeln!(
            out,
            "| {:.1} | {} | {} |",
            e.at.as_secs_f64(),
            e.kind.label(),
            e.detail.replace('|', "\\|")
        )?;
    }

    writeln!(out, "\n## Runs during the faults\n")?;
    for ((verb, how), n) in &s.tally.ended {
        writeln!(out, "- {} {how}: {n}", verb.as_str())?;
    }
    if !s.tally.failures.is_empty() {
        writeln!(
            out,
            "\nWhy some failed (first {}):\n",
            s.tally.failures.len()
        )?;
        for f in &s.tally.failures {
            writeln!(out, "- {}", f.replace('\n', " "))?;
        }
    }
    Ok(())
}
