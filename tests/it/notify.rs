//! Reminder and alert mails against a real SMTP server on loopback
//! (scripts/smtp_sink.py): the right mails to the right people, Vietnamese
//! intact after MIME decoding, the chart a PNG of the stated size, and each
//! mail sent once across reruns, a crash mid-batch and a server outage.

use std::collections::BTreeMap;
use std::path::Path;

use chiso::app::App;
use chiso::collect::import_file;
use chiso::config::Overrides;
use chiso::domain::{Month, Period};
use chiso::notify::{self, ledger, Backend, NotifyError};
use chrono::NaiveDate;
use mail_parser::{MessageParser, MimeHeaders};

use super::common::smtp::{Received, SmtpSink};
use super::common::{config_folder, test_store, SERVICE_HEADER};

const MONTH: &str = "2021-06";

/// Six provinces: 04 and 06 below the 50% target, 10 silent, the rest above.
pub(super) const UNITS: &str = r#"
[[unit]]
code = "01"
name = "Thành phố Hà Nội"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.01@units.invalid"]
source = { type = "file" }

[[unit]]
code = "02"
name = "Tỉnh Hà Giang"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.02@units.invalid"]
source = { type = "file" }

[[unit]]
code = "04"
name = "Tỉnh Cao Bằng"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["vanphong.04@units.invalid", "cds.04@units.invalid"]
source = { type = "file" }

[[unit]]
code = "06"
name = "Tỉnh Bắc Kạn"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.06@units.invalid"]
source = { type = "file" }

[[unit]]
code = "08"
name = "Tỉnh Tuyên Quang"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.08@units.invalid"]
source = { type = "file" }

[[unit]]
code = "10"
name = "Tỉnh Lào Cai"
kind = "province"
group = "province"
from = "2019-01-01"
contacts = ["cds.10@units.invalid"]
source = { type = "file" }
"#;

pub(super) const STAFF: [&str; 2] = ["tonghop@ministry.invalid", "lanhdao@ministry.invalid"];

/// The mails a run on 2021-07-06 owes: (envelope recipients, subject).
/// Every unit that reported gets its result; only Bắc Kạn, last of its group
/// (bottom_n = 1), gets the lagging alert: Cao Bằng misses the target too,
/// but filed no trajectory and is not last. Lào Cai's escalation is one mail,
/// the staff in Cc.
fn expected() -> Vec<(String, String)> {
    let result =
        |name: &str, state: &str| format!("[Chỉ số CĐS] {name} — kết quả tháng 06/2021: {state}");
    let (on, off) = ("đúng tiến độ", "chưa đúng tiến độ");
    let lagging = "[Chỉ số CĐS] Tỉnh Bắc Kạn — cảnh báo tháng 06/2021: cần có giải pháp khắc phục";
    let escalation = "[Chỉ số CĐS] Tỉnh Lào Cai — quá hạn gửi số liệu tháng 06/2021".to_string();
    let digest = "[Chỉ số CĐS] Tổng hợp toàn quốc tháng 06/2021".to_string();
    let mut all = vec![
        (
            "cds.01@units.invalid".to_string(),
            result("Thành phố Hà Nội", on),
        ),
        (
            "cds.02@units.invalid".to_string(),
            result("Tỉnh Hà Giang", on),
        ),
        (
            "vanphong.04@units.invalid".to_string(),
            result("Tỉnh Cao Bằng", off),
        ),
        (
            "cds.04@units.invalid".to_string(),
            result("Tỉnh Cao Bằng", off),
        ),
        (
            "cds.06@units.invalid".to_string(),
            result("Tỉnh Bắc Kạn", off),
        ),
        ("cds.06@units.invalid".to_string(), lagging.to_string()),
        (
            "cds.08@units.invalid".to_string(),
            result("Tỉnh Tuyên Quang", on),
        ),
        (
            format!("cds.10@units.invalid,{}", STAFF.join(",")),
            escalation,
        ),
    ];
    for s in STAFF {
        all.push((s.to_string(), digest.clone()));
    }
    all.sort();
    all
}

/// Mails (and ledger keys) a run after the deadline owes.
pub(super) const DUE_AFTER_DEADLINE: usize = 10;

fn line(unit: &str, received: u32, online: u32) -> String {
    line_of(unit, MONTH, received, online)
}

/// One report line of `unit` for `month`.
pub(super) fn line_of(unit: &str, month: &str, received: u32, online: u32) -> String {
    format!("{unit},{month},1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,{received},{online},{received},{received},0,0")
}

pub(super) struct Fixture {
    pub(super) app: App,
    pub(super) sink: SmtpSink,
    pub(super) config: tempfile::TempDir,
    pub(super) url: String,
    pub(super) database: String,
}

/// A config folder (six units, one indicator, alerts at the sink), the
/// month's reports imported and computed.
pub(super) async fn fixture(test: &str) -> Fixture {
    let lines = [
        line("01", 100, 80),
        line("02", 100, 60),
        line("04", 100, 30),
        line("06", 100, 20),
        line("08", 100, 70),
    ];
    fixture_with(test, UNITS, &lines, "").await
}

/// A config folder of `units` (one indicator, alerts at the sink, staff
/// `STAFF`, `extra_alerts` appended to alerts.toml's top level), `lines`
/// imported and each of their months computed.
pub(super) async fn fixture_with(
    test: &str,
    units: &str,
    lines: &[String],
    extra_alerts: &str,
) -> Fixture {
    let store = test_store(test).await;
    let sink = SmtpSink::start();
    let config = config_folder(units);
    let dir = config.path();
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/mail");
    let alerts = format!(
        r#"
bottom_n = 1
remind_days_before_deadline = 3
staff = ["{}", "{}"]
dashboard_base_url = "https://chiso.test.invalid/units"
key_indicator = "online_dossier_rate"
chart_months = 6
max_tries = 3
backoff_secs = 0
templates_dir = "{}"
chart_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
lock_file = "state/remind.lock"
{}

[smtp]
host = "127.0.0.1"
port = {}
security = "none"
timeout_secs = 5
from = "Hệ thống chỉ số CĐS <chiso@ministry.invalid>"
"#,
        STAFF[0],
        STAFF[1],
        templates.display(),
        extra_alerts,
        sink.port
    );
    std::fs::write(dir.join("alerts.toml"), alerts).unwrap();
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
    let database = store.database().to_string();
    let app = App::load(
        &dir.join("chiso.toml"),
        &Overrides {
            clickhouse_url: Some(url.clone()),
            database: Some(database.clone()),
            source_override: None,
        },
    )
    .unwrap();
    if !lines.is_empty() {
        import_lines(&app, dir, lines).await;
    }
    Fixture {
        app,
        sink,
        config,
        url,
        database,
    }
}

/// Imports report `lines` (SERVICE_HEADER columns) and computes each of their months.
pub(super) async fn import_lines(app: &App, dir: &Path, lines: &[String]) {
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let csv = dir.join(format!("reports-{nanos}.csv"));
    std::fs::write(&csv, format!("{SERVICE_HEADER}\n{}\n", lines.join("\n"))).unwrap();
    let out = import_file(&csv, &app.registry, &app.catalogue, &app.store, false)
        .await
        .unwrap();
    assert!(out.report.all_succeeded(), "{}", out.report);
    let months: std::collections::BTreeSet<Month> = lines
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    for m in months {
        app.computer().compute(Period::Month(m)).await.unwrap();
    }
}

pub(super) fn month() -> Month {
    MONTH.parse().unwrap()
}

pub(super) fn after_deadline() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, 6).unwrap()
}

pub(super) fn smtp(app: &App) -> Backend {
    Backend::smtp(&app.alerts.smtp, |_| None).unwrap()
}

/// (envelope recipients, subject) of every message received, sorted.
pub(super) fn arrivals(received: &[Received]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            let m = MessageParser::default().parse(&r.raw).unwrap();
            (r.rcpt.join(","), m.subject().unwrap().to_string())
        })
        .collect();
    out.sort();
    out
}

/// Each (Message-ID, recipient) once.
pub(super) fn assert_no_duplicates(received: &[Received]) {
    let mut seen = BTreeMap::new();
    for r in received {
        let m = MessageParser::default().parse(&r.raw).unwrap();
        let id = m.message_id().unwrap().to_string();
        *seen.entry((id, r.rcpt.join(","))).or_insert(0) += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
}

#[tokio::test]
async fn after_the_deadline_every_unit_gets_its_result_one_laggard_an_alert_the_silent_one_a_copied_escalation_once(
) {
    let f = fixture("notify_expected").await;
    let report = notify::remind(&f.app, month(), after_deadline(), &smtp(&f.app))
        .await
        .unwrap();
    assert!(report.all_succeeded(), "{report}");
    assert_eq!(
        (report.due, report.sent),
        (DUE_AFTER_DEADLINE, DUE_AFTER_DEADLINE),
        "{report}"
    );
    let received = f.sink.received();
    assert_eq!(arrivals(&received), expected());

    // Each key's Message-ID is the one fixed by its key.
    for r in &received {
        let m = MessageParser::default().parse(&r.raw).unwrap();
        let subject = m.subject().unwrap();
        let rule = if subject.contains("quá hạn") {
            "escalation"
        } else if subject.contains("Tổng hợp") {
            "digest"
        } else if subject.contains("cảnh báo") {
            "lagging"
        } else {
            "result"
        };
        let id = m.message_id().unwrap();
        let ids: Vec<String> = ["01", "02", "04", "06", "08", "10", "-"]
            .iter()
            .map(|u| ledger::message_id(&format!("{rule}/{u}/{MONTH}/{}", r.rcpt[0])))
            .collect();
        assert!(
            ids.iter().any(|i| i.trim_matches(['<', '>']) == id),
            "{id} for {subject}"
        );
    }

    // The escalation: one mail, to the unit, the staff in Cc.
    let escalation = received
        .iter()
        .map(|r| MessageParser::default().parse(&r.raw).unwrap())
        .find(|m| m.subject().unwrap().contains("quá hạn"))
        .unwrap();
    let addresses = |list: Option<&mail_parser::Address>| -> Vec<String> {
        list.into_iter()
            .flat_map(|a| a.iter())
            .filter_map(|a| a.address().map(str::to_string))
            .collect()
    };
    assert_eq!(addresses(escalation.to()), ["cds.10@units.invalid"]);
    assert_eq!(addresses(escalation.cc()), STAFF);

    // Cao Bằng's result: Vietnamese byte-exact after decoding, the chart inline.
    let cao_bang = received
        .iter()
        .find(|r| r.rcpt == ["cds.04@units.invalid"])
        .unwrap();
    let m = MessageParser::default().parse(&cao_bang.raw).unwrap();
    let text = m.body_text(0).unwrap().replace("\r\n", "\n");
    for needle in [
        "Kính gửi Tỉnh Cao Bằng,\n\nHệ thống theo dõi chỉ số chuyển đổi số xin thông báo kết quả tháng 06/2021 của đơn vị.",
        "- Tỷ lệ hồ sơ tiếp nhận trực tuyến: 30,0% (chỉ tiêu 50,0%, chênh lệch −20,0 điểm %) — Chậm\n",
        "Xếp hạng trong nhóm Tỉnh, thành phố: 4/5",
        "Xem chi tiết: https://chiso.test.invalid/units/04",
        "Đơn vị chưa đúng tiến độ: có chỉ số chưa đạt chỉ tiêu và chưa đạt lộ trình.",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let html = m.body_html(0).unwrap();
    assert!(html.contains("<strong>Tỉnh Cao Bằng</strong>"), "{html}");
    assert!(
        html.contains(r#"<img src="cid:chart" width="640" height="320""#),
        "{html}"
    );
    let png = m
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == "image" && c.subtype() == Some("png"))
        })
        .expect("an inline PNG part");
    assert_eq!(png.content_id(), Some("chart"));
    let bytes = png.contents();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (640, 320));

    // The digest names who was alerted and why, and the silent unit.
    let digest = received
        .iter()
        .map(|r| MessageParser::default().parse(&r.raw).unwrap())
        .find(|m| m.subject().unwrap().contains("Tổng hợp"))
        .unwrap();
    let text = digest.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        text.contains(
            "Đơn vị được gửi cảnh báo (1):\n- Tỉnh Bắc Kạn: thuộc nhóm 1 đơn vị cuối bảng xếp hạng\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("Đơn vị chưa gửi số liệu (1):\n- Tỉnh Lào Cai: quá hạn gửi số liệu"),
        "{text}"
    );

    // Again: nothing more.
    let again = notify::remind(&f.app, month(), after_deadline(), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!(
        (again.sent, again.already_sent),
        (0, DUE_AFTER_DEADLINE),
        "{again}"
    );
    assert_eq!(f.sink.received().len(), DUE_AFTER_DEADLINE);

    // While another run holds the lock, a run refuses to start.
    let _held = notify::lock::RunLock::acquire(&f.app.alerts.lock_file).unwrap();
    let err = notify::remind(&f.app, month(), after_deadline(), &smtp(&f.app))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Lock(_)), "{err}");
    assert!(err.to_string().contains("another remind run"), "{err}");
}

#[tokio::test]
async fn a_run_killed_mid_batch_sends_the_rest_on_restart_and_nothing_twice() {
    let f = fixture("notify_killed").await;
    let run = |exit_after: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"));
        cmd.arg("--config")
            .arg(f.config.path().join("chiso.toml"))
            .args(["--clickhouse-url", &f.url, "--database", &f.database])
            .args(["remind", "--month", MONTH, "--today", "2021-07-06"])
            .env_remove(notify::EXIT_AFTER_ENV);
        if let Some(n) = exit_after {
            cmd.env(notify::EXIT_AFTER_ENV, n);
        }
        cmd.output().unwrap()
    };
    let crashed = run(Some("3"));
    assert_eq!(
        crashed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&crashed.stderr)
    );
    assert_eq!(f.sink.received().len(), 3);

    let restarted = run(None);
    let stdout = String::from_utf8_lossy(&restarted.stdout);
    assert!(
        restarted.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&restarted.stderr)
    );
    assert!(
        stdout.contains("sent 7 of 10 due; 3 already sent"),
        "{stdout}"
    );
    let received = f.sink.received();
    assert_no_duplicates(&received);
    assert_eq!(arrivals(&received), expected());

    let third = run(None);
    assert!(String::from_utf8_lossy(&third.stdout).contains("sent 0 of 10 due; 10 already sent"));
    assert_eq!(f.sink.received().len(), DUE_AFTER_DEADLINE);
}

#[tokio::test]
async fn with_the_smtp_server_down_nothing_is_lost_and_the_next_run_sends_it_all() {
    let mut f = fixture("notify_server_down").await;
    f.sink.stop();
    let down = notify::remind(&f.app, month(), after_deadline(), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!(down.sent, 0, "{down}");
    assert!(
        down.stopped.is_some() && down.retry_later.len() == 1,
        "{down}"
    );
    let outbox = f.app.store.outbox().await.unwrap();
    assert_eq!(outbox.len(), DUE_AFTER_DEADLINE, "{outbox:?}");
    let tried: Vec<_> = outbox.iter().filter(|r| r.tries == 1).collect();
    assert_eq!(tried.len(), 1);
    assert!(!tried[0].last_reply.is_empty());

    f.sink.resume();
    let back = notify::remind(&f.app, month(), after_deadline(), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!(back.sent, DUE_AFTER_DEADLINE, "{back}");
    let received = f.sink.received();
    assert_no_duplicates(&received);
    assert_eq!(arrivals(&received), expected());
    assert!(f.app.store.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_dry_run_writes_the_mails_as_files_and_sends_nothing() {
    let f = fixture("notify_dry_run").await;
    let out = tempfile::tempdir().unwrap();
    let backend = Backend::files(out.path()).unwrap();
    let report = notify::remind(&f.app, month(), after_deadline(), &backend)
        .await
        .unwrap();
    assert_eq!(report.sent, DUE_AFTER_DEADLINE, "{report}");
    let files: Vec<Received> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            let raw = std::fs::read(&p).unwrap();
            let m = MessageParser::default().parse(&raw).unwrap();
            // The envelope a server would get: To, then Cc.
            let rcpt = [m.to(), m.cc()]
                .into_iter()
                .flatten()
                .flat_map(|a| a.iter())
                .filter_map(|a| a.address().map(str::to_string))
                .collect();
            Received { rcpt, raw }
        })
        .collect();
    assert_eq!(arrivals(&files), expected());
    assert!(f.sink.received().is_empty());
    // Nothing recorded: the real run still owes every mail.
    assert!(f.app.store.ledger(MONTH).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_mail_left_sending_by_a_crash_is_sent_again_with_the_same_message_id() {
    let f = fixture("notify_unknown_outcome").await;
    // A crash between the hand-over and `sent`: the outcome is unknown.
    let key = ledger::key(
        chiso::store::RuleKind::Lagging,
        Some("06"),
        MONTH,
        "cds.06@units.invalid",
    );
    let now = chrono::Utc::now();
    let pending = ledger::pending(
        key.clone(),
        chiso::store::RuleKind::Lagging,
        Some("06"),
        MONTH,
        "cds.06@units.invalid",
        now,
    );
    let sending = ledger::sending(&pending, now);
    f.app.store.record_sends(&[pending, sending]).await.unwrap();

    let report = notify::remind(&f.app, month(), after_deadline(), &smtp(&f.app))
        .await
        .unwrap();
    assert_eq!(report.sent, DUE_AFTER_DEADLINE, "{report}");
    let received = f.sink.received();
    let resent: Vec<_> = received
        .iter()
        .map(|r| MessageParser::default().parse(&r.raw).unwrap())
        .filter(|m| format!("<{}>", m.message_id().unwrap()) == ledger::message_id(&key))
        .collect();
    assert_eq!(resent.len(), 1);
    assert!(resent[0].subject().unwrap().contains("cảnh báo"));
    let row = f
        .app
        .store
        .ledger(MONTH)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.key == key)
        .unwrap();
    assert_eq!((row.state.as_str(), row.tries), ("sent", 2));
}
