//! The demo's service plans (letter 1145/BTTTT-THH, docs/plans.md): most units
//! filed one by the deadline, every seventh late, every nineteenth none. Each
//! plan is the simulator's services: eligible ones with a target month near
//! the month the simulator puts them fully online (some early, some late,
//! some never reached), the others not eligible with a reason.

use std::collections::HashMap;

use chrono::{Days, TimeZone, Utc};

use chiso::app::App;
use chiso::domain::Month;
use chiso::store::{PlanFiling, PlanRow};

const REASONS: [&str; 4] = [
    "in_person",
    "original_documents",
    "physical_result",
    "rarely_used",
];

/// Files the demo's plans for units that have none; returns how many.
pub async fn file_demo_plans(
    app: &App,
    (from, to): (Month, Month),
    seed: u64,
) -> anyhow::Result<usize> {
    let deadline = app.plans.deadline;
    let mut filed = 0;
    for (i, unit) in app.registry.valid_in(Month::of(deadline)).enumerate() {
        if i % 19 == 18 || !app.store.plan_filings(unit.code.as_str()).await?.is_empty() {
            continue;
        }
        // The span's months the unit reports in; a unit merged away before it, the deadline's.
        let months: Vec<Month> = from.through(to).filter(|m| unit.valid_in(*m)).collect();
        let months = if months.is_empty() {
            vec![Month::of(deadline)]
        } else {
            months
        };
        let last = *months.last().unwrap_or(&to);
        let page = chiso::simulate::generate(unit, last, seed);
        // The first month the simulator reports each service fully online.
        let mut first_full: HashMap<String, Month> = HashMap::new();
        for m in &months {
            for s in chiso::simulate::generate(unit, *m, seed).services {
                if s.level == "full_online" {
                    first_full.entry(s.code).or_insert(*m);
                }
            }
        }
        let days = if i % 7 == 6 {
            20 + i as u64
        } else {
            1 + (i % 10) as u64
        };
        let day = if i % 7 == 6 {
            deadline.checked_add_days(Days::new(days))
        } else {
            deadline.checked_sub_days(Days::new(days))
        }
        .unwrap_or(deadline);
        let at = Utc
            .from_local_datetime(&day.and_hms_opt(3, 0, 0).unwrap_or_default())
            .single()
            .unwrap_or_else(Utc::now);
        let version = u64::try_from(at.timestamp_micros()).unwrap_or_default();
        let mut rows = Vec::new();
        for (k, s) in page.services.iter().enumerate() {
            let target = s.eligible_full_online.then(|| {
                let base = first_full.get(&s.code).copied().unwrap_or(last);
                let mut m = base;
                for _ in 0..(k % 5) {
                    m = if k % 2 == 0 { m.next() } else { m.prev() };
                }
                m.max(months[0])
            });
            rows.push(PlanRow {
                unit_code: unit.code.to_string(),
                version,
                line: u32::try_from(k + 2).unwrap_or(u32::MAX),
                service_code: s.code.clone(),
                service_name: s.name.clone(),
                eligible: u8::from(target.is_some()),
                target_month: target.map(Month::first_day).unwrap_or_default(),
                reason: match target {
                    Some(_) => String::new(),
                    None => REASONS[k % REASONS.len()].to_string(),
                },
            });
        }
        let filing = PlanFiling {
            unit_code: unit.code.to_string(),
            version,
            filed_at: at,
            filed_by: "demo".into(),
            file_name: format!("ke-hoach-{}.csv", unit.code),
            services: u32::try_from(rows.len()).unwrap_or(u32::MAX),
            eligible: u32::try_from(rows.iter().filter(|r| r.eligible == 1).count()).unwrap_or(0),
            sha256: String::new(),
        };
        app.store.file_plan(&filing, &rows).await?;
        filed += 1;
    }
    Ok(filed)
}
