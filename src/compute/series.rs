//! Month-by-month series: a unit's indicators (its merged predecessors summed
//! before a merger, so the trend runs on) and the national figures of one
//! indicator.

use serde::Serialize;

use super::evaluate::{Composite, Evaluation};
use super::lineage::members;
use super::national::{evaluate_unit, read_inputs};
use super::publish::Computer;
use super::summary::{national_figures, NationalFigure};
use crate::config::Unit;
use crate::domain::{Month, Period};
use crate::store::{StoreError, Units};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitMonth {
    pub month: String,
    pub evaluations: Vec<Evaluation>,
    pub composite: Composite,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NationalMonth {
    pub month: String,
    /// Whether the month's results are frozen (published).
    pub frozen: bool,
    pub figures: Vec<NationalFigure>,
}

impl Computer<'_> {
    /// `unit`'s evaluations for each month of `from..=to`, as the rankings of
    /// each month show them (their published results) where the unit stands
    /// alone in them; computed from the current data where it does not (a
    /// month before a merger carries the predecessors' sums) or where the
    /// month was never computed.
    pub async fn unit_series(
        &self,
        unit: &Unit,
        from: Month,
        to: Month,
    ) -> Result<Vec<UnitMonth>, StoreError> {
        // An ended unit's series is seen from its own last month.
        let reference = unit
            .until
            .map(Month::of)
            .filter(|end| *end < to)
            .unwrap_or(to);
        let mut series = Vec::new();
        let mut live = Vec::new();
        let changed = self.last_changed(unit, from, to).await?;
        for m in from.through(to) {
            let folded = members(self.registry, unit, m, reference);
            let alone = matches!(folded.as_slice(), [only] if only.code == unit.code);
            let published = match alone {
                true => self.publication(Period::Month(m)).await?,
                false => None,
            };
            // A provisional computation older than the unit's newest report of
            // the month no longer shows it: the month is evaluated from the
            // current data (kept until the next collect). A frozen one stands.
            let stale = published.as_ref().is_some_and(|p| {
                p.frozen_at.is_none()
                    && changed
                        .get(&m.to_string())
                        .is_some_and(|&at| i64::from(at) >= p.computed_at.timestamp())
            });
            let standing = published.as_ref().filter(|_| !stale).and_then(|p| {
                p.groups
                    .iter()
                    .flat_map(|g| g.units.iter())
                    .find(|u| u.code == unit.code.as_str())
            });
            match standing {
                Some(s) => series.push(UnitMonth {
                    month: m.to_string(),
                    evaluations: s.evaluations.clone(),
                    composite: s.composite,
                }),
                None => {
                    live.push((series.len(), m));
                    series.push(UnitMonth {
                        month: m.to_string(),
                        evaluations: Vec::new(),
                        composite: super::evaluate::composite(self.indicators.composite(), &[]),
                    });
                }
            }
        }
        let months: Vec<Month> = live.iter().map(|(_, m)| *m).collect();
        if months.is_empty() {
            return Ok(series);
        }
        let listed: Vec<String> = months.iter().map(Month::to_string).collect();
        let key = format!("unit-live/{}/{reference}/{}", unit.code, listed.join(","));
        let evaluated = self
            .store
            .since_collect(&key, || self.evaluate_live(unit, &months, reference))
            .await?;
        for ((at, _), (evaluations, composite)) in live.iter().zip(evaluated.iter()) {
            series[*at].evaluations = evaluations.clone();
            series[*at].composite = *composite;
        }
        Ok(series)
    }

    /// When `unit`'s report of each month of `from..=to` last changed
    /// (`YYYY-MM` → Unix seconds), kept until the next collect.
    async fn last_changed(
        &self,
        unit: &Unit,
        from: Month,
        to: Month,
    ) -> Result<std::sync::Arc<std::collections::HashMap<String, u32>>, StoreError> {
        let code = [unit.code.to_string()];
        let key = format!("last-stored/{}/{from}/{to}", unit.code);
        self.store
            .since_collect(&key, || async {
                let rows = self
                    .store
                    .last_stored((from, to), Units::Only(&code))
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| (r.month.chars().take(7).collect(), r.last_stored_at))
                    .collect())
            })
            .await
    }

    /// `unit`'s evaluations for each of `months` from the current data, its
    /// members' figures summed as they stand in `reference`.
    async fn evaluate_live(
        &self,
        unit: &Unit,
        months: &[Month],
        reference: Month,
    ) -> Result<Vec<(Vec<Evaluation>, Composite)>, StoreError> {
        // Only the units whose reports make up this one's series are read.
        let mut codes: Vec<String> = months
            .iter()
            .flat_map(|&m| members(self.registry, unit, m, reference))
            .map(|u| u.code.to_string())
            .collect();
        codes.sort();
        codes.dedup();
        let units = Units::Only(&codes);
        let inputs = read_inputs(
            self.store,
            (self.registry, self.indicators),
            months,
            units,
            self.deadline,
        )
        .await?;
        Ok(months
            .iter()
            .map(|m| {
                evaluate_unit(
                    self.registry,
                    self.indicators,
                    &inputs,
                    unit,
                    &[*m],
                    reference,
                )
            })
            .collect())
    }

    /// The national figures of `indicator` for each month of `from..=to`, from
    /// the published results where a month was computed, else from current data.
    pub async fn national_series(
        &self,
        indicator: &str,
        from: Month,
        to: Month,
    ) -> Result<Vec<NationalMonth>, StoreError> {
        // Frozen months read back as published; the flag says which they are.
        let mut out = Vec::new();
        for m in from.through(to) {
            let published = self.published_or_live(Period::Month(m)).await?;
            out.push(NationalMonth {
                month: m.to_string(),
                frozen: published.frozen_at.is_some(),
                figures: national_figures(self.indicators, &published.groups)
                    .into_iter()
                    .filter(|f| f.indicator == indicator)
                    .collect(),
            });
        }
        Ok(out)
    }

    /// Every indicator's national figures for each month of `from..=to`.
    pub async fn national_months(
        &self,
        from: Month,
        to: Month,
    ) -> Result<Vec<(Month, Vec<NationalFigure>)>, StoreError> {
        let mut out = Vec::new();
        for m in from.through(to) {
            let groups = self.groups_or_live(Period::Month(m)).await?;
            out.push((m, national_figures(self.indicators, &groups)));
        }
        Ok(out)
    }
}
