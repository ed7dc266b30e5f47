//! One leader across hosts (issue 13 §2): real `chiso serve` processes over
//! one ClickHouse, a real ZooKeeper (CHISO_TEST_ZOOKEEPER, started by `make
//! test`; each test under a root of its own) and the real SMTP sink. Two
//! instances with the remind job due at once send every mail once; the
//! leader killed mid-run is taken over and nothing is sent twice; a deposed
//! leader's ledger writes are refused by ZooKeeper; without ZooKeeper no
//! instance runs jobs, pages keep serving, and leadership comes back with it.

mod instance;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::Timelike;
use chrono_tz::Asia::Ho_Chi_Minh;
use mail_parser::MessageParser;

use chiso::schedule::RunOutcome;
use chiso::store::{LedgerRow, SendState, Store};

use super::common::smtp::{Received, SmtpSink};
use super::common::test_store;
use instance::{Cluster, Within};

/// The lease's session in these tests: a silent leader is deposed after this.
const SESSION_SECS: u64 = 3;

/// A cron expression due once, `secs` from now (Hanoi time, this year only).
fn once_in(secs: i64) -> String {
    let t = (chrono::Utc::now() + chrono::Duration::seconds(secs)).with_timezone(&Ho_Chi_Minh);
    format!(
        "{} {} {} {} {} * {}",
        t.second(),
        t.minute(),
        t.hour(),
        chrono::Datelike::day(&t),
        chrono::Datelike::month(&t),
        chrono::Datelike::year(&t)
    )
}

/// The month the scheduled remind run is about: the previous one, in Hanoi.
fn reminded_month() -> String {
    let today = chrono::Utc::now().with_timezone(&Ho_Chi_Minh).date_naive();
    chiso::notify::month_to_remind(today).to_string()
}

/// Message-ID → times received.
fn by_message_id(received: &[Received]) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in received {
        let m = MessageParser::default().parse(&r.raw).unwrap();
        let id = m.message_id().unwrap().to_string();
        *seen.entry(format!("<{id}>")).or_insert(0) += 1;
    }
    seen
}

/// Every key of the month, once all are sent.
async fn all_sent(store: &Store, month: &str) -> Option<Vec<LedgerRow>> {
    let rows = store.ledger(month).await.unwrap();
    (!rows.is_empty() && rows.iter().all(|r| r.state == SendState::Sent)).then_some(rows)
}

/// Waits until every key of `month` is sent; returns them.
async fn wait_all_sent(store: &Store, month: &str, bound: Duration) -> Vec<LedgerRow> {
    let w = Within::new(bound, "every mail sent");
    loop {
        if let Some(rows) = all_sent(store, month).await {
            return rows;
        }
        w.tick().await;
    }
}

/// Each mail of the ledger received exactly once, and nothing else.
fn assert_each_once(rows: &[LedgerRow], received: &[Received]) {
    let seen = by_message_id(received);
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let expected: BTreeSet<&str> = rows.iter().map(|r| r.message_id.as_str()).collect();
    let got: BTreeSet<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(got, expected, "received vs ledger");
}

#[tokio::test]
async fn two_instances_due_at_once_send_every_mail_exactly_once() {
    let store = test_store("lease_two_instances").await;
    let sink = SmtpSink::start();
    let cluster = Cluster::new("lease_two_instances", &store, &sink);
    let due = once_in(10);
    let a = cluster.start("a", &[("CHISO_SCHEDULE_REMIND", &due)]).await;
    let b = cluster.start("b", &[("CHISO_SCHEDULE_REMIND", &due)]).await;
    let month = reminded_month();

    let rows = wait_all_sent(&store, &month, Duration::from_secs(90)).await;
    // Room for a second sender, were there one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(rows.len() >= 10, "{rows:?}");
    assert_each_once(&rows, &sink.received());

    // One instance led and ran the job; the other only served.
    let roles = [a.role().await, b.role().await];
    assert!(
        roles.contains(&"leader".to_string()) && roles.contains(&"follower".to_string()),
        "{roles:?}"
    );
    let runs = store.job_runs("remind").await.unwrap();
    let hosts: BTreeSet<&str> = runs.iter().map(|r| r.host.as_str()).collect();
    assert_eq!(hosts.len(), 1, "{runs:?}");
    let epochs: BTreeSet<u64> = rows.iter().map(|r| r.epoch).collect();
    assert_eq!(epochs.len(), 1, "{rows:?}");
    assert!(epochs.iter().all(|e| *e > 0), "{rows:?}");
}

#[tokio::test]
async fn the_leader_killed_mid_run_is_taken_over_and_nothing_is_sent_twice() {
    let store = test_store("lease_leader_killed").await;
    let sink = SmtpSink::start_slow(0.7);
    let cluster = Cluster::new("lease_leader_killed", &store, &sink);
    let due = once_in(10);
    let mut a = cluster.start("a", &[("CHISO_SCHEDULE_REMIND", &due)]).await;
    let mut b = cluster.start("b", &[("CHISO_SCHEDULE_REMIND", &due)]).await;
    let month = reminded_month();

    // Mid-run: three mails in, the leader inside the next one's exchange.
    let w = Within::new(Duration::from_secs(60), "three mails received");
    while !(sink.received().len() >= 3 && sink.in_rcpt()) {
        w.tick().await;
    }
    let (leader, other) = if a.role().await == "leader" {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    let before = sink.received().len();
    let killed = Instant::now();
    leader.kill();

    let w = Within::new(Duration::from_secs(30), "the other instance leads");
    while !other.leads().await {
        w.tick().await;
    }
    let lease_failover = killed.elapsed();
    let w = Within::new(Duration::from_secs(30), "a mail after the kill");
    while sink.received().len() <= before {
        w.tick().await;
    }
    let first_mail = killed.elapsed();
    println!(
        "failover after SIGKILL of the leader (session {SESSION_SECS} s): lease taken in {:.2} s, first mail in {:.2} s",
        lease_failover.as_secs_f64(),
        first_mail.as_secs_f64()
    );
    assert!(
        lease_failover <= Duration::from_secs(SESSION_SECS + 8),
        "{lease_failover:?}"
    );

    let rows = wait_all_sent(&store, &month, Duration::from_secs(90)).await;
    assert!(rows.len() >= 10, "{rows:?}");
    assert_each_once(&rows, &sink.received());
    // The rest went out under the new leader's epoch, above the old one's.
    let epochs: BTreeSet<u64> = rows.iter().map(|r| r.epoch).collect();
    assert_eq!(epochs.len(), 2, "{rows:?}");
}

#[tokio::test]
async fn a_deposed_leaders_ledger_writes_are_refused_by_zookeeper() {
    let store = test_store("lease_deposed").await;
    let sink = SmtpSink::start_slow(0.7);
    let cluster = Cluster::new("lease_deposed", &store, &sink);
    let due = once_in(10);
    // The application's own checks off: only ZooKeeper can refuse.
    let env = [
        ("CHISO_SCHEDULE_REMIND", due.as_str()),
        (chiso::notify::fence::TRUST_ZOOKEEPER_ONLY_ENV, "1"),
    ];
    let mut a = cluster.start("a", &env).await;
    let mut b = cluster.start("b", &env).await;
    let month = reminded_month();

    let w = Within::new(Duration::from_secs(60), "two mails received");
    while !(sink.received().len() >= 2 && sink.in_rcpt()) {
        w.tick().await;
    }
    let (leader, other) = if a.role().await == "leader" {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    let deposed_epoch = leader.epoch().await;
    leader.pause();
    let paused_at = chrono::Utc::now();
    let w = Within::new(Duration::from_secs(30), "the other instance leads");
    while !other.leads().await {
        w.tick().await;
    }
    let rows = wait_all_sent(&store, &month, Duration::from_secs(90)).await;
    // Paused well past its SMTP bound (alerts' timeout_secs) and its session.
    tokio::time::sleep(Duration::from_secs(2)).await;
    leader.resume();

    // Awake, it still runs the job and tries to record its mail's outcome:
    // ZooKeeper refuses.
    let w = Within::new(Duration::from_secs(30), "the refusal in its log");
    let line = loop {
        if let Some(line) = leader.log_line("ledger write refused by ZooKeeper") {
            break line;
        }
        w.tick().await;
    };
    assert!(line.contains(&format!("epoch {deposed_epoch}")), "{line}");

    // Nothing of its epoch reached the ledger after the pause.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = store.ledger_rows(&month).await.unwrap();
    let late: Vec<_> = all
        .iter()
        .filter(|r| {
            r.epoch == deposed_epoch && r.updated_at > paused_at + chrono::Duration::seconds(1)
        })
        .collect();
    assert!(late.is_empty(), "{late:?}");
    // Its keys are those it finished before the pause; the new leader's epoch is higher.
    let newest = store.ledger(&month).await.unwrap();
    for r in &newest {
        assert!(
            r.epoch > deposed_epoch
                || (r.epoch == deposed_epoch
                    && r.updated_at <= paused_at + chrono::Duration::seconds(1)),
            "{r:?}"
        );
    }
    assert!(newest.iter().any(|r| r.epoch > deposed_epoch), "{newest:?}");
    assert_each_once(&rows, &sink.received());
    // It rejoins as a follower.
    let w = Within::new(Duration::from_secs(30), "the deposed one follows");
    while leader.role().await != "follower" {
        w.tick().await;
    }
}

#[tokio::test]
async fn without_zookeeper_no_instance_runs_jobs_pages_serve_and_leadership_returns() {
    let store = test_store("lease_zookeeper_down").await;
    let sink = SmtpSink::start();
    let zk = instance::OwnZooKeeper::start();
    let cluster = Cluster::new("lease_zookeeper_down", &store, &sink).with_zookeeper(&zk.addr);
    let every_2s = "*/2 * * * * *";
    let env = [("CHISO_SCHEDULE_COMPUTE", every_2s)];
    let a = cluster.start("a", &env).await;
    let b = cluster.start("b", &env).await;
    let w = Within::new(Duration::from_secs(30), "one leads");
    while !(a.leads().await || b.leads().await) {
        w.tick().await;
    }
    let w = Within::new(Duration::from_secs(30), "compute runs");
    while store.job_runs("compute").await.unwrap().is_empty() {
        w.tick().await;
    }
    let token = super::common::ministry_token(&store).await;
    let leader = if a.leads().await { &a } else { &b };
    let (_, metrics) = leader.get_as("/metrics", &token).await;
    assert!(metrics.contains("role=\"leader\"} 1"), "{metrics}");
    assert!(metrics.contains("chiso_lease_epoch{"), "{metrics}");

    zk.stop();
    let stopped = chrono::Utc::now();
    let w = Within::new(Duration::from_secs(20), "no instance leads");
    while a.leads().await || b.leads().await {
        w.tick().await;
    }
    let nobody = chrono::Utc::now();
    for i in [&a, &b] {
        assert_eq!(i.role().await, "unavailable");
        assert_eq!(i.get("/readyz").await, 200, "ClickHouse is there: ready");
        let page = format!("/xep-hang?period={}", reminded_month());
        let (status, _) = i.get_as(&page, &token).await;
        assert_eq!(status, 200, "pages keep serving");
        let (_, metrics) = i.get_as("/metrics", &token).await;
        assert!(metrics.contains("role=\"unavailable\"} 0"), "{metrics}");
        let (_, health) = i.get_as("/healthz", &token).await;
        assert!(health.contains("\"role\":\"unavailable\""), "{health}");
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    let during: Vec<_> = store
        .job_runs("compute")
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.started_at > nobody && r.outcome != RunOutcome::SkippedOverlap)
        .collect();
    assert!(during.is_empty(), "jobs ran without a lease: {during:?}");
    println!(
        "ZooKeeper stopped: leadership given up within {:.2} s",
        (nobody - stopped).as_seconds_f64()
    );

    let back = Instant::now();
    zk.restart();
    let w = Within::new(Duration::from_secs(60), "one leads again");
    while !(a.leads().await || b.leads().await) {
        w.tick().await;
    }
    println!(
        "ZooKeeper back: an instance leads again after {:.2} s",
        back.elapsed().as_secs_f64()
    );
    let resumed = chrono::Utc::now();
    let w = Within::new(Duration::from_secs(30), "compute runs again");
    while !store
        .job_runs("compute")
        .await
        .unwrap()
        .iter()
        .any(|r| r.started_at > resumed)
    {
        w.tick().await;
    }
}

#[tokio::test]
async fn a_manual_remind_sends_only_when_no_instance_holds_the_lease() {
    let store = test_store("lease_manual_remind").await;
    let sink = SmtpSink::start();
    let cluster = Cluster::new("lease_manual_remind", &store, &sink);
    let mut serve = cluster.start("serve", &[]).await;
    let w = Within::new(Duration::from_secs(30), "serve leads");
    while !serve.leads().await {
        w.tick().await;
    }
    let state = tempfile::tempdir().unwrap();
    let remind = || cluster.command(&["remind"], state.path()).output();
    let refused = remind().await.unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.contains("does not hold the lease"), "{stderr}");
    assert!(sink.received().is_empty());

    // A clean stop gives the lease up at once: the manual run leads and sends.
    serve.stop().await;
    let sent = remind().await.unwrap();
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(
        sent.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let rows = wait_all_sent(&store, &reminded_month(), Duration::from_secs(10)).await;
    assert_each_once(&rows, &sink.received());
    assert!(rows.iter().all(|r| r.epoch > 0), "{rows:?}");
}
