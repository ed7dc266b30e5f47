//! The unit page's portal card (issue 15 §4, docs/probes.md): the month's
//! availability, p95 response time and certificate days left of the unit's
//! public service portal, red past the reminder thresholds of `alerts.toml`,
//! and the newest probe. Drawn with the page, which is kept until the next
//! collect or probe (`Store::since_collect` counts `portal_probes`).
//! The card's Vietnamese strings are all here, for the message catalogue.

use maud::{html, Markup};

use crate::compute::portal::{portal_month, PortalMonth};
use crate::config::Unit;
use crate::domain::number::{count, decimal, percent};
use crate::domain::Month;
use crate::store::StoreError;
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
        h2 { "Cổng dịch vụ công" }
        p.muted { "Địa chỉ: " a href=(c.url) rel="nofollow noopener" { (c.url) } }
        @match &c.figures {
            None => p.nodata {
                "Chưa có lần kiểm tra nào trong tháng " (label(c.month)) "."
            },
            Some(m) => (figures(c, m)),
        }
    }
}

fn figures(c: &PortalCard, m: &PortalMonth) -> Markup {
    let down = m.down_pct() > c.down_threshold_pct;
    let cert_warn = m.cert_days_min.is_some_and(|d| d <= c.cert_warn_days);
    html! {
        div.cards #portal {
            div.card class=(if down { "st-lagging" } else { "st-achieved" }) {
                div.muted { "Tỷ lệ sẵn sàng tháng " (label(m.month)) }
                div.v { (percent(m.availability_pct)) }
                div.muted {
                    (count(m.ok_probes as f64)) "/" (count(m.probes as f64)) " lần kiểm tra thành công"
                    @if down { " · vượt ngưỡng " (percent(c.down_threshold_pct)) " không truy cập được" }
                }
            }
            div.card.st-no-target {
                div.muted { "Thời gian phản hồi (p95)" }
                div.v {
                    @match m.p95_response_ms {
                        Some(ms) => { (count(f64::from(ms))) " ms" },
                        None => "—",
                    }
                }
                div.muted { "của các lần kiểm tra thành công" }
            }
            div.card class=(if cert_warn { "st-lagging" } else { "st-achieved" }) {
                div.muted { "Chứng thư số (TLS)" }
                div.v { (cert_days(m.cert_days_min)) }
                div.muted { "ít nhất trong tháng; cảnh báo khi còn ≤ " (c.cert_warn_days) " ngày" }
            }
            div.card class=(if m.last.ok { "st-achieved" } else { "st-lagging" }) {
                div.muted { "Lần kiểm tra gần nhất" }
                div.v { (if m.last.ok { "Hoạt động" } else { "Không truy cập được" }) }
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
        Some(d) if d < 0 => format!("Đã hết hạn {} ngày", decimal(f64::from(-d), 0)),
        Some(d) => format!("Còn {} ngày", decimal(f64::from(d), 0)),
    }
}

fn label(m: Month) -> String {
    format!("{:02}/{}", m.month(), m.year())
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
