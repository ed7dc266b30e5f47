//! Deterministic, plausible statistics for any unit and month: the same inputs
//! always give the same payload, so tests can compare ClickHouse with it.
//!
//! Shape: hundreds to ~2,000 services per province, fewer for ministries, none
//! for ministries without public services; the fully-online share and the online
//! dossier share grow unevenly from ~10% in 2019 toward 50–95% by 2025, each unit
//! at its own pace; monthly dossiers from thousands to hundreds of thousands.

use chrono::{NaiveDateTime, NaiveTime};

use crate::config::Unit;
use crate::domain::payload::{MeasureRecord, ServiceRecord, StatsPage};
use crate::domain::{Month, RankingGroup};

const FIELDS: &[&str] = &[
    "Tư pháp",
    "Xây dựng",
    "Đất đai",
    "Giáo dục và Đào tạo",
    "Y tế",
    "Lao động",
    "Giao thông vận tải",
    "Công Thương",
    "Tài nguyên và Môi trường",
    "Nông nghiệp",
    "Văn hóa",
    "Đầu tư",
    "Nội vụ",
    "Hộ tịch",
];
const VERBS: &[&str] = &[
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Đăng ký",
    "Điều chỉnh",
    "Thẩm định",
    "Xác nhận",
    "Công nhận",
    "Thu hồi",
];
const OBJECTS: &[&str] = &[
    "giấy phép xây dựng",
    "giấy chứng nhận đăng ký hộ kinh doanh",
    "giấy chứng nhận quyền sử dụng đất",
    "giấy phép lái xe",
    "chứng chỉ hành nghề",
    "giấy phép lao động cho người nước ngoài",
    "giấy khai sinh",
    "phiếu lý lịch tư pháp",
    "giấy phép kinh doanh vận tải",
    "giấy chứng nhận đủ điều kiện an toàn thực phẩm",
    "giấy phép môi trường",
    "văn bằng, chứng chỉ",
    "giấy phép hoạt động khám bệnh, chữa bệnh",
    "giấy chứng nhận đầu tư",
    "giấy phép tổ chức lễ hội",
    "giấy phép khai thác nước",
];

/// The first month of simulated history.
const EPOCH: (i32, u32) = (2019, 1);

/// FNV-1a over the parts, finished with splitmix64: a stable 64-bit hash.
pub fn seed_of(seed: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The share of rarely used services declared fully online that receive no online dossier.
const DECLARED_UNUSED_SHARE: f64 = 0.08;

/// A uniform number in [0, 1) from the parts.
fn unit_interval(seed: u64, parts: &[&str]) -> f64 {
    (seed_of(seed, parts) >> 11) as f64 / (1u64 << 53) as f64
}

/// When `unit` submits its report of `month`, Asia/Ho_Chi_Minh: three units in
/// four by the 5th of the next month (the shipped deadline), most others within
/// two weeks after it, a few a month or more late. Office hours.
pub fn submission_time(unit: &str, month: Month, seed: u64) -> NaiveDateTime {
    let m = month.to_string();
    let r = unit_interval(seed, &[unit, &m, "submission"]);
    let days = if r < 0.75 {
        (r / 0.75 * 5.0).floor()
    } else if r < 0.95 {
        5.0 + ((r - 0.75) / 0.2 * 14.0).floor()
    } else {
        19.0 + ((r - 0.95) / 0.05 * 30.0).floor()
    };
    let hour = 8 + (unit_interval(seed, &[unit, &m, "submission hour"]) * 9.0) as u32;
    let day = month.next().first_day() + chrono::Days::new(days as u64);
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
}

/// A unit's own pace: where it starts, where it is heading, how late it starts.
struct Profile {
    services: usize,
    monthly_dossiers: f64,
    full_start: f64,
    full_end: f64,
    online_start: f64,
    online_end: f64,
    delay_months: f64,
    on_time: f64,
}

fn profile(unit: &Unit, seed: u64) -> Profile {
    let code = unit.code.as_str();
    let r = |what: &str| unit_interval(seed, &[code, what]);
    let (services, monthly_dossiers) = match unit.group {
        RankingGroup::Province => (
            300 + (r("size") * 1700.0) as usize,
            5_000.0 + r("volume").powi(2) * 295_000.0,
        ),
        RankingGroup::MinistryServices => (
            20 + (r("size") * 380.0) as usize,
            800.0 + r("volume").powi(2) * 60_000.0,
        ),
        RankingGroup::MinistryNoServices => (0, 0.0),
    };
    Profile {
        services,
        monthly_dossiers,
        full_start: 0.05 + 0.1 * r("full_start"),
        full_end: 0.5 + 0.45 * r("full_end"),
        online_start: 0.05 + 0.1 * r("online_start"),
        online_end: 0.4 + 0.55 * r("online_end"),
        delay_months: 30.0 * r("delay"),
        on_time: 0.8 + 0.19 * r("on_time"),
    }
}

/// Progress 0 → 1 between 2019 and the end of 2025, later for slow starters, with a monthly wobble.
fn progress(p: &Profile, unit: &str, month: Month, seed: u64) -> f64 {
    let t = (month.index() - Month::new(EPOCH.0, EPOCH.1).map(Month::index).unwrap_or(0)) as f64;
    let base = ((t - p.delay_months) / (83.0 - p.delay_months)).clamp(0.0, 1.0);
    let smooth = base * base * (3.0 - 2.0 * base);
    let wobble = (unit_interval(seed, &[unit, &month.to_string(), "wobble"]) - 0.5) * 0.04;
    (smooth + wobble).clamp(0.0, 1.0)
}

/// The whole report of `unit` for `month`, unpaginated.
pub fn generate(unit: &Unit, month: Month, seed: u64) -> StatsPage {
    let p = profile(unit, seed);
    let code = unit.code.as_str();
    let m = month.to_string();
    let prog = progress(&p, code, month, seed);
    let full_share = p.full_start + (p.full_end - p.full_start) * prog;
    let online_share = p.online_start + (p.online_end - p.online_start) * prog;
    let season = if month.month() == 2 {
        0.7
    } else {
        1.0 + 0.15 * (f64::from(month.month()) * 0.52).sin()
    };
    let weights: Vec<f64> = (0..p.services)
        .map(|i| 1.0 / (0.02 + unit_interval(seed, &[code, &i.to_string(), "weight"])))
        .collect();
    let total_weight: f64 = weights.iter().sum::<f64>().max(1.0);
    let prefix = if unit.group == RankingGroup::Province {
        1
    } else {
        2
    };
    let services = (0..p.services)
        .map(|i| {
            let id = i.to_string();
            let r = |what: &str| unit_interval(seed, &[code, &id, what]);
            let rm = |what: &str| unit_interval(seed, &[code, &id, &m, what]);
            let eligible = r("eligible") < 0.85;
            let u = r("level");
            let level = if eligible && u < full_share {
                "full_online"
            } else if u < full_share + 0.35 {
                "partial_online"
            } else {
                "not_online"
            };
            let received = (p.monthly_dossiers * weights[i] / total_weight
                * season
                * (0.85 + 0.3 * rm("noise")))
            .round();
            // What EMC looks for: a few services declared fully online that
            // citizens still file on paper (docs/services.md), among the
            // rarely used ones, as in the ministry's checks.
            let rare = weights[i] * (p.services as f64) < 0.5 * total_weight;
            let unused = rare && r("declared_unused") < DECLARED_UNUSED_SHARE;
            let online = match level {
                "full_online" if unused => 0.0,
                "full_online" => (online_share * 1.3).min(1.0),
                "partial_online" => online_share * 0.6,
                _ => 0.0,
            };
            let received_online = (received * online).round().min(received);
            let processed = (received * (0.88 + 0.1 * rm("processed"))).round();
            let on_time =
                (processed * (p.on_time + (rm("on_time") - 0.5) * 0.04).clamp(0.0, 1.0)).round();
            ServiceRecord {
                code: format!("{prefix}.{i:06}"),
                name: format!(
                    "{} {}",
                    VERBS[i % VERBS.len()],
                    OBJECTS[(i / VERBS.len()) % OBJECTS.len()]
                ),
                field: FIELDS
                    [(seed_of(seed, &[code, &id, "field"]) % FIELDS.len() as u64) as usize]
                    .to_string(),
                level: level.to_string(),
                eligible_full_online: eligible,
                integrated_national_portal: level == "full_online"
                    && r("integrated") < 0.3 + 0.6 * prog,
                received: received as i64,
                received_online: received_online as i64,
                processed: processed as i64,
                processed_on_time: on_time as i64,
                processed_late: (processed - on_time) as i64,
                pending_overdue: (received * 0.01 * rm("pending")).round() as i64,
            }
        })
        .collect();
    StatsPage {
        unit_code: code.to_string(),
        month: m.clone(),
        generated_at: format!(
            "{}+07:00",
            submission_time(code, month, seed).format("%Y-%m-%dT%H:%M:%S")
        ),
        services,
        measures: measures(unit, &p, prog, &m, seed),
        next_cursor: None,
    }
}

fn measures(unit: &Unit, p: &Profile, prog: f64, month: &str, seed: u64) -> Vec<MeasureRecord> {
    let code = unit.code.as_str();
    let r = |what: &str| unit_interval(seed, &[code, month, what]);
    let expected = if unit.group == RankingGroup::Province {
        12.0
    } else {
        8.0
    };
    let missed = if r("reports") < 0.2 {
        (r("missed") * 3.0).floor() + 1.0
    } else {
        0.0
    };
    let feedback = (p.monthly_dossiers / 500.0 + 5.0 + 20.0 * r("feedback")).round();
    let m = |code: &str, value: f64| MeasureRecord {
        code: code.to_string(),
        value,
        source: None,
    };
    let mut out = vec![
        m(
            "documents_exchanged_electronic",
            (800.0 + 20_000.0 * prog * (0.5 + r("docs"))).round(),
        ),
        m("reports_expected", expected),
        m("reports_on_time", expected - missed),
        m(
            "satisfaction_percent",
            ((80.0 + 19.0 * r("satisfaction")) * 10.0).round() / 10.0,
        ),
        m("feedback_received", feedback),
        m(
            "feedback_resolved",
            (feedback * (0.7 + 0.3 * r("resolved"))).round(),
        ),
        MeasureRecord {
            code: "national_portal_index".into(),
            value: ((40.0 + 55.0 * prog) * 100.0).round() / 100.0,
            source: Some("Cổng Dịch vụ công quốc gia".into()),
        },
    ];
    out.extend(directive_measures(unit, prog, &r, expected - missed));
    if unit.group == RankingGroup::Province {
        out.push(m(
            "citizens_eid",
            (200_000.0 * (0.5 + r("population")) * prog).round(),
        ));
    }
    out
}

/// The measures of 17/NQ-CP's and 676/QĐ-BKHCN's targets, rising with `prog`
/// from where units stood in 2019 to around the 2025 targets, spread per unit.
fn directive_measures(
    unit: &Unit,
    prog: f64,
    r: &dyn Fn(&str) -> f64,
    reports_sent: f64,
) -> Vec<MeasureRecord> {
    let percent = |v: f64| (v.clamp(0.0, 100.0) * 10.0).round() / 10.0;
    let m = |code: &str, value: f64| MeasureRecord {
        code: code.to_string(),
        value,
        source: None,
    };
    // Units with one portal and one one-stop system: none, one or both connected.
    let connected = (r("one_stop") + prog * 1.4).floor().min(2.0) * 50.0;
    let mut out = vec![
        m(
            "reports_via_national_system",
            (reports_sent * (0.3 + 0.7 * prog * (0.7 + 0.3 * r("reporting_system")))).round(),
        ),
        m(
            "documents_electronic_percent",
            percent(55.0 + 45.0 * prog * (0.7 + 0.3 * r("documents_electronic"))),
        ),
        m(
            "work_files_online_percent",
            percent(35.0 + 60.0 * prog * (0.6 + 0.4 * r("work_files"))),
        ),
    ];
    if unit.group != RankingGroup::MinistryNoServices {
        out.extend([
            m(
                "eid_verified_percent",
                percent(3.0 + 50.0 * prog * (0.5 + 0.5 * r("eid"))),
            ),
            m(
                "transactions_e_authenticated_percent",
                percent(40.0 + 60.0 * prog * (0.75 + 0.25 * r("e_authentication"))),
            ),
            m("one_stop_connected_percent", connected),
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Registry;
    use crate::domain::UnitCode;

    fn registry() -> Registry {
        Registry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/units.toml")).unwrap()
    }

    fn online_share(page: &StatsPage) -> f64 {
        let received: i64 = page.services.iter().map(|s| s.received).sum();
        let online: i64 = page.services.iter().map(|s| s.received_online).sum();
        online as f64 / received as f64
    }

    #[test]
    fn every_declared_measure_is_simulated_within_its_bounds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let catalogue =
            crate::config::MeasureCatalogue::load(&root.join("config/measures.toml")).unwrap();
        let reg = registry();
        let mut seen = std::collections::BTreeSet::new();
        for m in ["2019-03", "2021-06", "2025-11"] {
            let m: Month = m.parse().unwrap();
            for unit in reg.valid_in(m) {
                let page = generate(unit, m, 7);
                for r in &page.measures {
                    catalogue
                        .check(&r.code, r.value)
                        .unwrap_or_else(|e| panic!("{} {m}: {e}", unit.code));
                    seen.insert(r.code.clone());
                }
                let value = |c: &str| page.measures.iter().find(|r| r.code == c).map(|r| r.value);
                let (sent, due) = (
                    value("reports_via_national_system"),
                    value("reports_expected"),
                );
                assert!(sent <= due, "{} {m}: {sent:?} of {due:?}", unit.code);
            }
        }
        let declared: std::collections::BTreeSet<String> =
            catalogue.iter().map(|d| d.code.clone()).collect();
        assert_eq!(seen, declared, "the demo has data for every measure");
    }

    #[test]
    fn directive_measures_rise_from_2019_towards_the_2025_targets() {
        let reg = registry();
        let unit = reg.get(&UnitCode::new("79")).unwrap();
        let value = |m: &str, code: &str| {
            let page = generate(unit, m.parse().unwrap(), 3);
            page.measures
                .iter()
                .find(|r| r.code == code)
                .map(|r| r.value)
                .unwrap()
        };
        for code in [
            "eid_verified_percent",
            "transactions_e_authenticated_percent",
            "work_files_online_percent",
        ] {
            assert!(value("2019-02", code) < value("2025-10", code), "{code}");
        }
        assert!(value("2019-02", "eid_verified_percent") < 15.0);
    }

    #[test]
    fn most_units_submit_by_the_deadline_some_late() {
        let reg = registry();
        let m: Month = "2024-03".parse().unwrap();
        let deadline = m.next().first_day() + chrono::Days::new(5);
        let (mut on_time, mut late) = (0, 0);
        for unit in reg.valid_in(m) {
            let at = submission_time(unit.code.as_str(), m, 2019);
            assert!(at.date() > m.last_day(), "{}: {at}", unit.code);
            if at.date() < deadline {
                on_time += 1;
            } else {
                late += 1;
            }
        }
        assert!(
            on_time > 2 * late && late > 5,
            "{on_time} on time, {late} late"
        );
    }

    #[test]
    fn the_same_unit_and_month_always_give_the_same_payload() {
        let reg = registry();
        let unit = reg.get(&UnitCode::new("79")).unwrap();
        let m: Month = "2021-06".parse().unwrap();
        assert_eq!(generate(unit, m, 1), generate(unit, m, 1));
        assert_ne!(generate(unit, m, 1), generate(unit, m, 2));
    }

    #[test]
    fn sizes_and_volumes_are_plausible() {
        let reg = registry();
        let m: Month = "2022-03".parse().unwrap();
        for unit in reg.valid_in(m) {
            let page = generate(unit, m, 2019);
            let received: i64 = page.services.iter().map(|s| s.received).sum();
            match unit.group {
                RankingGroup::Province => {
                    assert!(
                        (300..=2000).contains(&page.services.len()),
                        "{} {}",
                        unit.code,
                        page.services.len()
                    );
                    assert!(
                        (1_000..=600_000).contains(&received),
                        "{} {received}",
                        unit.code
                    );
                }
                RankingGroup::MinistryServices => {
                    assert!((20..=400).contains(&page.services.len()))
                }
                RankingGroup::MinistryNoServices => assert!(page.services.is_empty()),
            }
        }
    }

    #[test]
    fn some_services_declared_fully_online_receive_dossiers_on_paper_only() {
        let late: Month = "2025-12".parse().unwrap();
        let unused: usize = registry()
            .valid_in(late)
            .map(|u| {
                generate(u, late, 2019)
                    .services
                    .iter()
                    .filter(|s| {
                        s.level == "full_online" && s.received > 0 && s.received_online == 0
                    })
                    .count()
            })
            .sum();
        assert!(unused > 0, "the demo shows the declared-but-unused flag");
    }

    #[test]
    fn online_shares_grow_from_about_ten_percent_to_half_or_more() {
        let reg = registry();
        let early: Month = "2019-01".parse().unwrap();
        let late: Month = "2025-12".parse().unwrap();
        let shares: Vec<(f64, f64)> = reg
            .valid_in(late)
            .filter(|u| u.group == RankingGroup::Province)
            .map(|u| {
                (
                    online_share(&generate(u, early, 2019)),
                    online_share(&generate(u, late, 2019)),
                )
            })
            .collect();
        assert!(shares.iter().all(|(e, _)| *e < 0.25), "{shares:?}");
        assert!(shares.iter().all(|(_, l)| *l > 0.35), "{shares:?}");
        let late_min = shares.iter().map(|s| s.1).fold(1.0, f64::min);
        let late_max = shares.iter().map(|s| s.1).fold(0.0, f64::max);
        assert!(
            late_max - late_min > 0.2,
            "some units lag and some lead: {late_min}..{late_max}"
        );
    }
}
