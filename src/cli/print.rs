//! Plain-text tables the CLI prints.

use chiso::compute::publish::Published;
use chiso::compute::summary::national_figures;
use chiso::config::IndicatorCatalogue;

fn or_dash(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())
}

/// Each group's ranking, then the national figures of every indicator.
pub fn ranking(published: &Published, indicators: &IndicatorCatalogue) {
    let as_of = match published.frozen_at {
        Some(t) => format!("frozen {}", t.format("%Y-%m-%d %H:%M UTC")),
        None => format!(
            "provisional, computed {}",
            published.computed_at.format("%Y-%m-%d %H:%M UTC")
        ),
    };
    for g in &published.groups {
        println!(
            "\n== {} · {} ({as_of})",
            published.period,
            g.group.name_vi()
        );
        println!(
            "{:>4} {:>6}  {:<8} {:<40} {:>8}  indicators",
            "rank", "change", "unit", "name", "score"
        );
        for u in &g.units {
            let rank = u.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into());
            let change = u.rank_change.map(|c| format!("{c:+}")).unwrap_or_default();
            let score = u
                .composite
                .score
                .map(|s| format!("{s:.2}"))
                .unwrap_or_else(|| "no data".into());
            println!(
                "{rank:>4} {change:>6}  {:<8} {:<40} {score:>8}  {}/{}",
                u.code, u.name, u.composite.scored, u.composite.expected
            );
        }
    }
    println!(
        "\n== national figures: pooled (Σ numerators ÷ Σ denominators) and mean of unit rates"
    );
    println!(
        "{:<36} {:<22} {:>8} {:>8}  units  reports",
        "indicator", "group", "pooled", "mean"
    );
    for f in national_figures(indicators, &published.groups) {
        let group = f.group.map(|g| g.as_str()).unwrap_or("all");
        println!(
            "{:<36} {:<22} {:>8} {:>8}  {}/{}  {}/{}",
            f.indicator,
            group,
            or_dash(f.pooled),
            or_dash(f.mean_of_units),
            f.units_with_data,
            f.units_expected,
            f.reports_with_data,
            f.reports_expected
        );
    }
}
