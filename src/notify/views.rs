//! What the templates see: a unit's standing and the national digest, in
//! Vietnamese, built from the month's published ranking; and the chart's
//! series. Pure apart from `Charts`, which reads series through `Computer`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use super::render::{
    indicator_lines, rank, rank_change, DigestView, NamedLine, RankLine, UnitView, View, CHART_CID,
};
use crate::charts::{series_png, SeriesChart, CHART_HEIGHT, CHART_WIDTH};
use crate::compute::evaluate::Status;
use crate::compute::lagging::{self, in_bottom, LaggingRule};
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::compute::publish::Computer;
use crate::config::{AlertSettings, IndicatorCatalogue, Unit};
use crate::domain::{Month, RankingGroup};
use crate::store::{RejectionCount, StoreError, UnusedService};

/// Flagged services the digest names per unit; the services page lists them all.
const UNUSED_NAMED: usize = 10;

/// `06/2021`.
pub fn month_label(m: Month) -> String {
    format!("{:02}/{}", m.month(), m.year())
}

pub fn day_label(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The month's facts every view needs.
pub struct MonthFacts<'a> {
    pub month: Month,
    pub deadline: NaiveDate,
    pub groups: &'a [GroupRanking],
    pub reported: &'a BTreeSet<String>,
    pub units: &'a [&'a Unit],
    pub rejections: &'a [RejectionCount],
    /// Services declared fully online without an online dossier in each of
    /// the last `unused_window` months (`Store::unused_full_online`).
    pub unused: &'a [UnusedService],
    pub unused_window: u32,
    /// Composite scores of the month before, by unit code.
    pub previous_scores: &'a HashMap<String, f64>,
}

impl MonthFacts<'_> {
    fn standing(&self, code: &str) -> Option<(&GroupRanking, &UnitStanding)> {
        self.groups
            .iter()
            .find_map(|g| g.units.iter().find(|u| u.code == code).map(|u| (g, u)))
    }

    /// Why the unit of `code` gets the lagging alert, as the mails say it.
    fn alert_reasons(
        &self,
        code: &str,
        alerts: &AlertSettings,
        indicators: &IndicatorCatalogue,
    ) -> Vec<String> {
        let Some((g, u)) = self.standing(code) else {
            return vec![];
        };
        let before = self.previous_scores.get(code).copied();
        lagging::reasons(&LaggingRule::from(alerts), g, u, before)
            .iter()
            .map(|r| r.describe_vi(indicators))
            .collect()
    }

    fn name(&self, code: &str) -> String {
        self.units
            .iter()
            .find(|u| u.code.as_str() == code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn view(&self, unit: Option<UnitView>, digest: Option<DigestView>, chart: bool) -> View {
        View {
            month: month_label(self.month),
            period: self.month.to_string(),
            deadline: day_label(self.deadline),
            round: 0,
            unit,
            digest,
            chart_src: if chart {
                format!("cid:{CHART_CID}")
            } else {
                String::new()
            },
            chart_width: CHART_WIDTH,
            chart_height: CHART_HEIGHT,
        }
    }

    /// A unit's mail view.
    pub fn unit_view(
        &self,
        unit: &Unit,
        alerts: &AlertSettings,
        indicators: &IndicatorCatalogue,
        chart: bool,
    ) -> View {
        let code = unit.code.as_str();
        let standing = self.standing(code);
        let evaluations = standing
            .map(|(_, s)| s.evaluations.as_slice())
            .unwrap_or_default();
        let mut missing = Vec::new();
        if !self.reported.contains(code) {
            missing.push(format!(
                "Số liệu tháng {} chưa được gửi",
                month_label(self.month)
            ));
        }
        for e in evaluations.iter().filter(|e| e.status == Status::NoData) {
            let name = indicators
                .get(&e.indicator)
                .map(|i| i.name.as_str())
                .unwrap_or(&e.indicator);
            missing.push(format!("Chưa có số liệu: {name}"));
        }
        let ranked = |g: &GroupRanking| g.units.iter().filter(|u| u.rank.is_some()).count();
        let view = UnitView {
            code: code.to_string(),
            name: unit.name.clone(),
            group: unit.group.name_vi().to_string(),
            indicators: indicator_lines(indicators, evaluations),
            rank: standing
                .map(|(g, s)| rank(s, ranked(g)))
                .unwrap_or_default(),
            rank_change: standing
                .map(|(_, s)| rank_change(s.rank_change))
                .unwrap_or_default(),
            missing,
            on_track: self.reported.contains(code)
                && standing.is_some_and(|(_, s)| lagging::on_track(s)),
            alert_reasons: self.alert_reasons(code, alerts, indicators),
            in_bottom: standing.is_some_and(|(g, s)| in_bottom(g, s, alerts.bottom_n)),
            dashboard_url: format!("{}/{code}", alerts.dashboard_base_url),
        };
        self.view(Some(view), None, chart)
    }

    /// The staff digest's view: per group the top and bottom three, who got
    /// the lagging alert and why, who did not report, rejected payloads.
    pub fn digest_view(&self, alerts: &AlertSettings, indicators: &IndicatorCatalogue) -> View {
        let line = |g: RankingGroup, u: &UnitStanding| RankLine {
            group: g.name_vi().to_string(),
            rank: u.rank.map(|r| r.to_string()).unwrap_or_default(),
            name: u.name.clone(),
            score: u
                .composite
                .score
                .map(|s| crate::domain::number::decimal(s, 1))
                .unwrap_or_default(),
        };
        let (mut top, mut bottom, mut alerted) = (Vec::new(), Vec::new(), Vec::new());
        for g in self.groups {
            let ranked: Vec<&UnitStanding> = g.units.iter().filter(|u| u.rank.is_some()).collect();
            top.extend(ranked.iter().take(3).map(|u| line(g.group, u)));
            let tail = ranked.len().saturating_sub(3).max(3.min(ranked.len()));
            bottom.extend(ranked[tail..].iter().map(|u| line(g.group, u)));
            for u in g.units.iter().filter(|u| self.reported.contains(&u.code)) {
                let reasons = self.alert_reasons(&u.code, alerts, indicators);
                if !reasons.is_empty() {
                    alerted.push(NamedLine {
                        name: u.name.clone(),
                        detail: reasons.join("; "),
                    });
                }
            }
        }
        let not_reported = self
            .units
            .iter()
            .filter(|u| !self.reported.contains(u.code.as_str()))
            .map(|u| NamedLine {
                name: u.name.clone(),
                detail: "quá hạn gửi số liệu; đã gửi thư đôn đốc (đồng gửi Văn phòng)".into(),
            })
            .collect();
        let rejected = self
            .rejections
            .iter()
            .map(|r| NamedLine {
                name: self.name(&r.unit_code),
                detail: format!(
                    "{} lần bị từ chối; lần cuối: trường '{}': {}",
                    r.payloads, r.last_field, r.last_reason
                ),
            })
            .collect();
        let digest = DigestView {
            top,
            bottom,
            alerted,
            not_reported,
            rejected,
            unused: self.unused_lines(),
            unused_window: self.unused_window,
            dashboard_url: alerts.dashboard_base_url.clone(),
        };
        self.view(None, Some(digest), false)
    }

    /// A line per unit with flagged services, the most first.
    fn unused_lines(&self) -> Vec<NamedLine> {
        let mut by_unit: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for u in self.unused {
            by_unit
                .entry(&u.unit_code)
                .or_default()
                .push(&u.service_code);
        }
        let mut lines: Vec<(&str, Vec<&str>)> = by_unit.into_iter().collect();
        lines.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        lines
            .into_iter()
            .map(|(code, services)| {
                let named: Vec<&str> = services.iter().take(UNUSED_NAMED).copied().collect();
                let more = if services.len() > UNUSED_NAMED {
                    ", …"
                } else {
                    ""
                };
                NamedLine {
                    name: self.name(code),
                    detail: format!("{} dịch vụ ({}{more})", services.len(), named.join(", ")),
                }
            })
            .collect()
    }
}

/// Draws each unit's chart of the key indicator; the national pooled rates
/// are read once per run.
pub struct Charts<'a> {
    computer: Computer<'a>,
    alerts: &'a AlertSettings,
    indicators: &'a IndicatorCatalogue,
    from: Month,
    to: Month,
    national: Option<HashMap<(String, RankingGroup), f64>>,
}

impl<'a> Charts<'a> {
    pub fn new(
        computer: Computer<'a>,
        alerts: &'a AlertSettings,
        indicators: &'a IndicatorCatalogue,
        month: Month,
    ) -> Self {
        let mut from = month;
        for _ in 1..alerts.chart_months {
            from = from.prev();
        }
        Self {
            computer,
            alerts,
            indicators,
            from,
            to: month,
            national: None,
        }
    }

    /// The PNG of `unit`'s key indicator, or `None` when the indicator does
    /// not apply to its group.
    pub async fn unit_png(&mut self, unit: &Unit) -> Result<Option<Vec<u8>>, ChartsError> {
        let code = &self.alerts.key_indicator;
        let Some(indicator) = self
            .indicators
            .get(code)
            .filter(|i| i.applies_to_group(unit.group))
        else {
            return Ok(None);
        };
        if self.national.is_none() {
            let mut pooled = HashMap::new();
            for m in self
                .computer
                .national_series(code, self.from, self.to)
                .await?
            {
                for f in m.figures {
                    if let (Some(g), Some(v)) = (f.group, f.pooled) {
                        pooled.insert((m.month.clone(), g), v);
                    }
                }
            }
            self.national = Some(pooled);
        }
        let national = self.national.as_ref();
        let series = self.computer.unit_series(unit, self.from, self.to).await?;
        let at = |m: &str| -> (Option<f64>, Option<f64>) {
            series
                .iter()
                .find(|s| s.month == m)
                .and_then(|s| s.evaluations.iter().find(|e| &e.indicator == code))
                .map(|e| (e.value, e.target))
                .unwrap_or((None, None))
        };
        let months: Vec<Month> = self.from.through(self.to).collect();
        let chart = SeriesChart {
            title: format!("{} — {}", indicator.name, unit.name),
            months: months.iter().map(|m| month_label(*m)).collect(),
            unit_label: unit.name.clone(),
            unit: months.iter().map(|m| at(&m.to_string()).0).collect(),
            target_label: "Chỉ tiêu".into(),
            target: months.iter().map(|m| at(&m.to_string()).1).collect(),
            national_label: "Cả nước (tỷ lệ gộp)".into(),
            national: months
                .iter()
                .map(|m| national.and_then(|n| n.get(&(m.to_string(), unit.group)).copied()))
                .collect(),
        };
        Ok(Some(series_png(&chart, &self.alerts.chart_font)?))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChartsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
}
