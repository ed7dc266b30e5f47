//! The unit page's portal card (issue 15 §4, docs/probes.md): the month's
//! availability, p95 response time and certificate days left of the unit's
//! public service portal, red past the reminder thresholds of `alerts.toml`,
//! and the newest probe. Drawn with the page, which is kept until the next
//! collect or probe (`Store::since_collect` counts `portal_probes`).
//! Its words are in the message catalogue (`portal-*`).

use maud::{html, Markup};

use super::format::digits;
use super::periods::month_in_sentence;
use crate::compute::portal::{portal_month, PortalMonth};
use crate::config::Unit;
use crate::domain::number::{count, decimal, percent};
use crate::domain::Month;
use crate::store::StoreError;
use crate::t;
use crate::web::State;

/// What the card shows; `None` from `load` for a unit without a portal.
pub struct PortalCard {
    url: String,
    month: Month,
    /// `None`: no probe in the month (nothing is shown as 0).
    figures: Option<PortalMonth>,
    down_threshold_pct: f64,
    cert_warn_days: i32,
}

/// The card of `unit` for `month`; `None` when the registry names no portal.
pub async fn load(
    state: &State,
    unit: &Unit,
    month: Month,
) -> Result<Option<PortalCard>, StoreError> {
    let Some(portal) = &unit.portal else {
        return Ok(None);
    };
    let figures = portal_month(&state.store, unit.code.as_str(), month).await?;
    Ok(Some(PortalCard {
        url: portal.url.clone(),
        month,
        figures,
        down_threshold_pct: state.alerts.portal_down_threshold_pct,
        cert_warn_days: state.alerts.cert_warn_days,
    }))
}

/// The card, or nothing for a unit without a portal.
pub fn card(card: Option<&PortalCard>) -> Markup {
    let Some(c) = card else {
        return html! {};
    };
    html! {
        h2 { (t!("portal-heading")) }
        p.muted { (t!("portal-address")) " " a href=(c.url) rel="nofollow noopener" { (c.url) } }
        @match &c.figures {
            None => p.nodata { (t!("portal-no-probe", month = month_in_sentence(c.month))) },
            Some(m) => (figures(c, m)),
        }
    }
}

fn figures(c: &PortalCard, m: &PortalMonth) -> Markup {
    let down = m.down_pct() > c.down_threshold_pct;
    let cert_warn = m.cert_days_min.is_some_and(|d| d <= c.cert_warn_days);
    let whole = |v: f64| digits(count(v));
    html! {
        div.cards #portal {
            div.card class=(if down { "st-lagging" } else { "st-achieved" }) {
                div.muted { (t!("portal-availability", month = month_in_sentence(m.month))) }
                div.v { (digits(percent(m.availability_pct))) }
                div.muted {
                    (t!("portal-ok-probes", ok = whole(m.ok_probes as f64), probes = whole(m.probes as f64)))
                    @if down { " · " (t!("portal-over-threshold", threshold = digits(percent(c.down_threshold_pct)))) }
                }
            }
            div.card.st-no-target {
                div.muted { (t!("portal-p95")) }
                div.v {
                    @match m.p95_response_ms {
                        Some(ms) => { (whole(f64::from(ms))) " ms" },
                        None => "—",
                    }
                }
                div.muted { (t!("portal-p95-note")) }
            }
            div.card class=(if cert_warn { "st-lagging" } else { "st-achieved" }) {
                div.muted { (t!("portal-certificate")) }
                div.v { (cert_days(m.cert_days_min)) }
                div.muted { (t!("portal-certificate-note", days = c.cert_warn_days)) }
            }
            div.card class=(if m.last.ok { "st-achieved" } else { "st-lagging" }) {
                div.muted { (t!("portal-last-probe")) }
                div.v { (if m.last.ok { t!("portal-up") } else { t!("portal-down") }) }
                div.muted {
                    (m.last.at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).format("%d/%m/%Y %H:%M"))
                    @if !m.last.error.is_empty() { " · " (m.last.error) }
                }
            }
        }
    }
}

fn cert_days(days: Option<i32>) -> String {
    match days {
        None => "—".into(),
        Some(d) if d < 0 => t!(
            "portal-cert-expired",
            days = digits(decimal(f64::from(-d), 0))
        ),
        Some(d) => t!("portal-cert-left", days = digits(decimal(f64::from(d), 0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_days_say_expired_or_left_and_missing_is_a_dash() {
        assert_eq!(cert_days(Some(-30)), "Đã hết hạn 30 ngày");
        assert_eq!(cert_days(Some(90)), "Còn 90 ngày");
        assert_eq!(cert_days(None), "—");
    }
}
