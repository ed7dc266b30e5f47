//! Issue 14 §3–4 against the real SMTP sink and ClickHouse: the shipped
//! schedule walked through a month sends the not-reported reminder before the
//! deadline, repeats it as configured, and sends each mail once (reruns and a
//! restart included); a reminder planned for a unit that reported meanwhile
//! ends "no longer due", unsent; and in a month where every unit misses its
//! target only the units that call for action get the lagging alert, every
//! unit its result with an on-track subject, the staff a digest of who was
//! alerted and why.

use std::collections::BTreeMap;

use chiso::collect::plan_import::import_plan;
use chiso::notify::{self, ledger};
use chiso::schedule::CronSchedule;
use chiso::store::{RuleKind, SendState};
use chrono::{NaiveDate, TimeZone, Utc};
use mail_parser::MessageParser;

use super::notify::{
    arrivals, assert_no_duplicates, fixture_with, import_lines, line_of, smtp, Fixture, STAFF,
    UNITS,
};

const MONTH: &str = "2021-06";

/// June reports of every unit but Lào Cai (10), which stays silent.
fn june_without_10() -> Vec<String> {
    [("01", 80), ("02", 60), ("04", 30), ("06", 20), ("08", 70)]
        .map(|(u, online)| line_of(u, MONTH, 100, online))
        .into()
}

/// `remind_repeat_days` and `remind_max_repeats` as shipped in config/alerts.toml.
fn shipped_repeats() -> (u32, u32) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/alerts.toml");
    let shipped: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let int = |k: &str| u32::try_from(shipped[k].as_integer().unwrap()).unwrap();
    (int("remind_repeat_days"), int("remind_max_repeats"))
}

async fn with_shipped_repeats(test: &str, lines: &[String]) -> Fixture {
    let (every, max) = shipped_repeats();
    let extra = format!("remind_repeat_days = {every}\nremind_max_repeats = {max}");
    fixture_with(test, UNITS, lines, &extra).await
}

/// The shipped remind schedule's run dates in July 2021 (Hanoi time).
fn july_runs(f: &Fixture) -> Vec<NaiveDate> {
    let zone: chrono_tz::Tz = f.app.settings.schedule.timezone.parse().unwrap();
    let schedule = CronSchedule::parse(&f.app.settings.schedule.remind, zone).unwrap();
    let start = zone
        .with_ymd_and_hms(2021, 7, 1, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let end = NaiveDate::from_ymd_opt(2021, 7, 31).unwrap();
    let mut at = start - chrono::Duration::seconds(1);
    let mut dates = Vec::new();
    while let Some(t) = schedule.next_after(at) {
        let d = t.with_timezone(&zone).date_naive();
        if d > end {
            break;
        }
        dates.push(d);
        at = t;
    }
    dates
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, d).unwrap()
}

/// The same remind as the scheduler's, as a new process (a restart).
fn remind_process(f: &Fixture, today: NaiveDate) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
        .arg("--config")
        .arg(f.config.path().join("chiso.toml"))
        .args(["--clickhouse-url", &f.url, "--database", &f.database])
        .args(["remind", "--month", MONTH, "--today", &today.to_string()])
        .env_remove(notify::EXIT_AFTER_ENV)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn through_a_month_the_reminder_goes_before_the_deadline_repeats_as_configured_and_once() {
    let f = with_shipped_repeats("remind_policy_month", &june_without_10()).await;
    let (every, max) = (
        f.app.alerts.remind_repeat_days,
        f.app.alerts.remind_max_repeats,
    );
    assert!(
        every > 0 && max > 0,
        "the shipped config repeats the reminder"
    );
    let deadline_day = f.app.settings.compute.deadline_day;
    let deadline = notify::deadline_of(notify::month_to_remind(day(1)), deadline_day);
    let opens = notify::rules::opens(deadline, f.app.alerts.remind_days_before_deadline);

    let runs = july_runs(&f);
    assert_eq!(runs.len(), 31, "the shipped schedule runs daily: {runs:?}");
    let mut by_day: BTreeMap<NaiveDate, Vec<(String, String)>> = BTreeMap::new();
    for today in runs {
        assert_eq!(notify::month_to_remind(today).to_string(), MONTH);
        let before = f.sink.received().len();
        let first = notify::remind(&f.app, notify::month_to_remind(today), today, &smtp(&f.app))
            .await
            .unwrap();
        assert!(first.all_succeeded(), "{today}: {first}");
        // The same day again, in this process and after a restart: nothing.
        let again = notify::remind(&f.app, notify::month_to_remind(today), today, &smtp(&f.app))
            .await
            .unwrap();
        assert_eq!(again.sent, 0, "{today}: {again}");
        if today == opens || today == deadline + chrono::Days::new(1) {
            let restarted = remind_process(&f, today);
            assert!(
                restarted.contains(&format!("sent 0 of {} due", first.due)),
                "{restarted}"
            );
        }
        let received = f.sink.received();
        assert_eq!(received.len() - before, first.sent, "{today}");
        if first.sent > 0 {
            by_day.insert(today, arrivals(&received[before..]));
        }
    }
    assert_no_duplicates(&f.sink.received());

    // Lào Cai's reminders: the first the day the window opens, then every
    // `every` days, `max` repeats, all before the deadline.
    let reminder = |round: u32| {
        let again = match round {
            0 => String::new(),
            r => format!(" — nhắc lại lần {r}"),
        };
        (
            "cds.10@units.invalid".to_string(),
            format!(
                "[Chỉ số CĐS] Tỉnh Lào Cai — nhắc gửi số liệu tháng 06/2021 (hạn 05/07/2021){again}"
            ),
        )
    };
    let mut expected: BTreeMap<NaiveDate, Vec<(String, String)>> = (0..=max)
        .map(|r| {
            (
                opens + chrono::Days::new(u64::from(r * every)),
                vec![reminder(r)],
            )
        })
        .collect();
    let after = deadline + chrono::Days::new(1);
    assert!(expected.keys().all(|d| *d <= deadline), "{expected:?}");
    let after_mails = by_day.get(&after).cloned().unwrap_or_default();
    expected.insert(after, after_mails.clone());
    assert_eq!(by_day, expected);
    // The day after the deadline: the escalation (staff in Cc), the results,
    // the alert, the digest; nothing on any later day.
    assert_eq!(after_mails.len(), super::notify::DUE_AFTER_DEADLINE);
    assert!(after_mails.iter().any(|(to, s)| to
        == &format!("cds.10@units.invalid,{}", STAFF.join(","))
        && s.contains("quá hạn")));

    // Each round its own key; round 0's key is the one used before rounds.
    let keys: Vec<String> = f
        .app
        .store
        .ledger(MONTH)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.rule == RuleKind::NotReported)
        .map(|r| r.key)
        .collect();
    let base = ledger::key(
        RuleKind::NotReported,
        Some("10"),
        MONTH,
        "cds.10@units.invalid",
    );
    let mut want: Vec<String> = (0..=max)
        .map(|r| match r {
            0 => base.clone(),
            r => format!("{base}/r{r}"),
        })
        .collect();
    want.sort();
    assert_eq!(keys, want);
}

#[tokio::test]
async fn a_reminder_planned_for_a_unit_that_then_reported_ends_no_longer_due_unsent() {
    let mut f = with_shipped_repeats("remind_policy_no_longer_due", &june_without_10()).await;
    let month = notify::month_to_remind(day(2));
    // The window opens, the server is down: Lào Cai's reminder stays pending.
    f.sink.stop();
    let down = notify::remind(&f.app, month, day(2), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!((down.due, down.sent), (1, 0), "{down}");
    let key = ledger::key(
        RuleKind::NotReported,
        Some("10"),
        MONTH,
        "cds.10@units.invalid",
    );
    let outbox = f.app.store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].key.as_str(), outbox[0].state),
        (key.as_str(), SendState::Pending)
    );

    // Lào Cai reports; the server is back.
    import_lines(&f.app, f.config.path(), &[line_of("10", MONTH, 100, 55)]).await;
    f.sink.resume();
    let next = notify::remind(&f.app, month, day(3), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!(
        (next.due, next.sent, next.no_longer_due),
        (0, 0, 1),
        "{next}"
    );
    assert!(next.to_string().ends_with("; 1 no longer due"), "{next}");
    let row = f
        .app
        .store
        .ledger(MONTH)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.key == key)
        .unwrap();
    assert_eq!(row.state, SendState::NoLongerDue);
    assert!(f.app.store.outbox().await.unwrap().is_empty());
    // Settled once: later runs before the deadline neither send nor count it.
    let later = notify::remind(&f.app, month, day(4), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!(
        (later.due, later.sent, later.no_longer_due),
        (0, 0, 0),
        "{later}"
    );
    assert!(f.sink.received().is_empty());
}

/// A July-2025-like month: every unit misses the 50 % target.
/// Hà Nội (01) is on its own 40 % trajectory; Hà Giang (02) misses its 48 %
/// one; Bắc Kạn (06) fell 15 points from May; Tuyên Quang (08) is last;
/// Cao Bằng (04) and Lào Cai (10) miss the target, filed no trajectory, are
/// not last and barely moved.
fn hand_made_month() -> Vec<String> {
    let may = [
        ("01", 44),
        ("02", 43),
        ("04", 42),
        ("06", 45),
        ("08", 12),
        ("10", 36),
    ];
    let june = [
        ("01", 45),
        ("02", 44),
        ("04", 40),
        ("06", 30),
        ("08", 10),
        ("10", 35),
    ];
    may.iter()
        .map(|(u, v)| line_of(u, "2021-05", 100, *v))
        .chain(june.iter().map(|(u, v)| line_of(u, MONTH, 100, *v)))
        .collect()
}

#[tokio::test]
async fn only_units_that_call_for_action_are_alerted_every_unit_gets_its_result() {
    let extra = "lagging_score_drop_points = 5.0";
    let f = fixture_with("remind_policy_alerts", UNITS, &[], extra).await;
    for (unit, value) in [("01", 40), ("02", 48)] {
        let path = f.config.path().join(format!("plan_{unit}.csv"));
        let plan =
            format!("unit,indicator,month,value\n{unit},online_dossier_rate,{MONTH},{value}\n");
        std::fs::write(&path, plan).unwrap();
        import_plan(
            &path,
            &f.app.registry,
            &f.app.indicators,
            &f.app.store,
            false,
        )
        .await
        .unwrap();
    }
    import_lines(&f.app, f.config.path(), &hand_made_month()).await;

    let month = notify::month_to_remind(day(6));
    let report = notify::remind(&f.app, month, day(6), &smtp(&f.app))
        .await
        .unwrap();
    assert!(report.all_succeeded(), "{report}");
    let received = f.sink.received();
    assert_no_duplicates(&received);

    let result = |to: &str, name: &str, on_track: bool| {
        let state = if on_track {
            "đúng tiến độ"
        } else {
            "chưa đúng tiến độ"
        };
        (
            to.to_string(),
            format!("[Chỉ số CĐS] {name} — kết quả tháng 06/2021: {state}"),
        )
    };
    let alert = |to: &str, name: &str| {
        (
            to.to_string(),
            format!("[Chỉ số CĐS] {name} — cảnh báo tháng 06/2021: cần có giải pháp khắc phục"),
        )
    };
    let mut expected = vec![
        result("cds.01@units.invalid", "Thành phố Hà Nội", true),
        result("cds.02@units.invalid", "Tỉnh Hà Giang", false),
        alert("cds.02@units.invalid", "Tỉnh Hà Giang"),
        result("vanphong.04@units.invalid", "Tỉnh Cao Bằng", false),
        result("cds.04@units.invalid", "Tỉnh Cao Bằng", false),
        result("cds.06@units.invalid", "Tỉnh Bắc Kạn", false),
        alert("cds.06@units.invalid", "Tỉnh Bắc Kạn"),
        result("cds.08@units.invalid", "Tỉnh Tuyên Quang", false),
        alert("cds.08@units.invalid", "Tỉnh Tuyên Quang"),
        result("cds.10@units.invalid", "Tỉnh Lào Cai", false),
    ];
    for s in STAFF {
        expected.push((
            s.to_string(),
            "[Chỉ số CĐS] Tổng hợp toàn quốc tháng 06/2021".to_string(),
        ));
    }
    expected.sort();
    assert_eq!(arrivals(&received), expected);

    let text_of = |subject_part: &str, rcpt: &str| -> String {
        received
            .iter()
            .filter(|r| r.rcpt.iter().any(|a| a == rcpt))
            .map(|r| MessageParser::default().parse(&r.raw).unwrap())
            .find(|m| m.subject().unwrap().contains(subject_part))
            .unwrap()
            .body_text(0)
            .unwrap()
            .replace("\r\n", "\n")
    };
    // The alert says why.
    let bac_kan = text_of("cảnh báo", "cds.06@units.invalid");
    assert!(
        bac_kan.contains("- điểm tổng hợp giảm 15,0 điểm so với tháng trước (45,0 → 30,0)\n"),
        "{bac_kan}"
    );
    // The digest: who was alerted and why, in ranking order.
    let digest = text_of("Tổng hợp", STAFF[0]);
    let alerted = "Đơn vị được gửi cảnh báo (3):\n\
        - Tỉnh Hà Giang: Tỷ lệ hồ sơ tiếp nhận trực tuyến: chưa đạt chỉ tiêu và chậm so với lộ trình của đơn vị\n\
        - Tỉnh Bắc Kạn: điểm tổng hợp giảm 15,0 điểm so với tháng trước (45,0 → 30,0)\n\
        - Tỉnh Tuyên Quang: thuộc nhóm 1 đơn vị cuối bảng xếp hạng\n";
    assert!(digest.contains(alerted), "{digest}");
    assert!(
        digest.contains("Đơn vị chưa gửi số liệu (0):\n- (không có)\n"),
        "{digest}"
    );
}
