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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitMonth {
    pub month: String,
    pub evaluations: Vec<Evaluation>,
    pub composite: Composite,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NationalMonth {
    pub month: String,
    /// Whether the month's results are frozen (published).
    pub frozen: bool,
    pub figures: Vec<NationalFigure>,
}

impl Computer<'_> {
    /// `unit`'s evaluations for each month of `from..=to`, computed from the
    /// current data. Months before a merger carry the predecessors' sums.
    pub async fn unit_series(
        &self,
        unit: &Unit,
        from: Month,
        to: Month,
    ) -> Result<Vec<UnitMonth>, StoreError> {
        let months: Vec<Month> = from.through(to).collect();
        // An ended unit's series is seen from its own last month.
        let reference = unit
            .until
            .map(Month::of)
            .filter(|end| *end < to)
            .unwrap_or(to);
        // Only the units whose reports make up this one's series are read.
        let mut members: Vec<String> = months
            .iter()
            .flat_map(|&m| members(self.registry, unit, m, reference))
            .map(|u| u.code.to_string())
            .collect();
        members.sort();
        members.dedup();
        let units = Units::Only(&members);
        let inputs = read_inputs(self.store, self.registry, &months, units, self.deadline).await?;
        Ok(months
            .iter()
            .map(|&m| {
                let (evaluations, composite) = evaluate_unit(
                    self.registry,
                    self.indicators,
                    &inputs,
                    unit,
                    &[m],
                    reference,
                );
                UnitMonth {
                    month: m.to_string(),
                    evaluations,
                    composite,
                }
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
            let published = self.published_or_live(Period::Month(m)).await?;
            out.push((m, national_figures(self.indicators, &published.groups)));
        }
        Ok(out)
    }
}
