//! Cluster mode (issue 13 §1) against a real cluster: two ClickHouse 18.16
//! replicas of one shard and ZooKeeper, started by `make test` with
//! `scripts/cluster.sh` (URLs in CHISO_TEST_CLUSTER_URLS, its directory in
//! CHISO_TEST_CLUSTER_DIR). The tests kill a replica and stop ZooKeeper, so
//! they take the cluster one at a time.

use std::path::Path;
use std::time::Duration;

use chiso::config::ClickHouseSettings;
use chiso::store::{Store, UnitMonthTotals};

use super::common::{
    clickhouse_settings, collector, ministry_token, month, simulated_totals, simulator, test_app,
};

/// One cluster test at a time: each may take a replica or ZooKeeper away.
static CLUSTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn env(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests with `make test`, which starts the cluster (scripts/cluster.sh)")
    })
}

/// The replicas' URLs, replica 1 first.
fn replicas() -> Vec<String> {
    env("CHISO_TEST_CLUSTER_URLS")
        .split(',')
        .map(str::to_string)
        .collect()
}

/// The test's database on the cluster, through `url` (one or several servers).
fn settings(test: &str, url: &str) -> ClickHouseSettings {
    ClickHouseSettings {
        url: url.to_string(),
        cluster: "chiso".into(),
        // Short: a call waiting on a dead replica or on ZooKeeper fails soon.
        timeout_secs: 20,
        ..clickhouse_settings(&format!("cluster_{test}"))
    }
}

async fn fresh(test: &str, url: &str) -> Store {
    // Set-up on the ordinary timeout: each ON CLUSTER statement waits for
    // both replicas through ZooKeeper's queue, which on a machine busy with
    // the whole suite took longer than the short timeout the test is about.
    let setup = Store::new(&ClickHouseSettings {
        timeout_secs: 120,
        ..settings(test, url)
    });
    setup.drop_database().await.expect("drop the test database");
    setup
        .migrate()
        .await
        .expect("migrations apply on the cluster");
    Store::new(&settings(test, url))
}

async fn script(args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tokio::process::Command::new(root.join(args[0]))
        .args(&args[1..])
        .output()
        .await
        .expect("script runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every unit's totals of the month, by unit, as `store` reads them.
async fn totals(store: &Store, m: &str) -> Vec<UnitMonthTotals> {
    let mut t = store.month_totals(month(m)).await.unwrap();
    t.sort_by(|a, b| a.unit_code.cmp(&b.unit_code));
    t
}

/// What the simulator generated for every unit of `report` that reports
/// services, by unit: what readers must see once the month is collected.
fn expected(report: &chiso::collect::Report, m: &str) -> Vec<UnitMonthTotals> {
    let mut t: Vec<_> = report
        .results
        .iter()
        .map(|r| simulated_totals(r.unit.as_str(), month(m)))
        .filter(|t| t.services > 0)
        .collect();
    t.sort_by(|a, b| a.unit_code.cmp(&b.unit_code));
    t
}

#[tokio::test]
async fn collected_through_one_replica_reads_the_same_through_the_other() {
    let _one = CLUSTER.lock().await;
    let [a, b] = <[String; 2]>::try_from(replicas()).unwrap();
    let through_a = fresh("a_to_b", &a).await;
    let sim = simulator(vec![]);
    let c = collector(&through_a, &sim);
    let m = month("2024-03");
    let report = c.collect(m, &c.units_for(m, None).unwrap(), false).await;
    assert!(report.all_succeeded(), "{report}");

    // Promised writes waited for both replicas: no sync needed to read them on B.
    let through_b = Store::new(&settings("a_to_b", &b));
    let on_a = totals(&through_a, "2024-03").await;
    let on_b = totals(&through_b, "2024-03").await;
    assert_eq!(on_a, expected(&report, "2024-03"), "A has what units sent");
    assert_eq!(on_b, on_a, "B reads what was collected through A");
    let figures = |s: Store| async move {
        let mut f = s
            .service_figures((m, m), chiso::store::Units::All)
            .await
            .unwrap();
        f.sort_by(|x, y| x.unit_code.cmp(&y.unit_code));
        format!("{f:?}")
    };
    assert_eq!(figures(through_b.clone()).await, figures(through_a).await);

    // The cluster has the migrations once: B has nothing left to apply.
    assert!(through_b.migrate().await.unwrap().is_empty());

    // The ALTERs ran on A alone (no ON CLUSTER: src/store/cluster.rs) and
    // reached B through replication: the last one of send_ledger's rule and
    // the columns 0014 added.
    let columns = through_b
        .client()
        .query(
            "SELECT concat(table, '.', name, ' ', type) FROM system.columns \
             WHERE database = currentDatabase() AND ((table = 'send_ledger' AND name = 'rule') \
             OR (table = 'freezes' AND name IN ('frozen_by', 'reason'))) ORDER BY table, name",
        )
        .fetch_all::<String>()
        .await
        .unwrap();
    assert_eq!(columns.len(), 3, "{columns:?}");
    assert!(
        columns[0].starts_with("freezes.frozen_by String"),
        "{columns:?}"
    );
    assert!(columns[2].contains("'plan_missing' = 19"), "{columns:?}");
}

#[tokio::test]
async fn a_replica_killed_mid_collect_loses_and_doubles_nothing_once_back() {
    let _one = CLUSTER.lock().await;
    let dir = env("CHISO_TEST_CLUSTER_DIR");
    let urls = replicas().join(",");
    let store = fresh("replica_killed", &urls).await;
    let sim = simulator(vec![]);
    let c = collector(&store, &sim);
    let months = [
        "2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06",
    ];
    let runs: Vec<_> = months
        .iter()
        .map(|m| (month(m), c.units_for(month(m), None).unwrap()))
        .collect();

    let killer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        script(&["scripts/cluster.sh", "kill-replica", &dir, "1"]).await;
    };
    let (first, ()) = tokio::join!(c.collect_months(&runs, false), killer);
    let failed: Vec<String> = first
        .iter()
        .flat_map(|r| r.failed().map(|u| u.message.clone()))
        .collect();
    eprintln!(
        "replica killed mid-collect: {} unit-months failed in the first run",
        failed.len()
    );
    assert!(
        !failed.is_empty(),
        "the replica was killed after the run ended"
    );
    // Failures name why: the replica gone or too few replicas for the quorum.
    for message in &failed {
        assert!(message.contains("clickhouse"), "{message}");
    }

    script(&["scripts/cluster.sh", "start-replica", &dir, "1"]).await;
    let again = wait_for_writes(|| c.collect_months(&runs, false)).await;
    for r in &again {
        assert!(r.all_succeeded(), "{r}");
    }

    // Through either replica, once it has caught up: each unit-month once,
    // whole, as the unit sent it.
    for url in replicas() {
        let s = Store::new(&settings("replica_killed", &url));
        for table in ["service_stats", "measure_values", "batch_log", "batches"] {
            let sync = format!("SYSTEM SYNC REPLICA {table}");
            s.client().query(&sync).execute().await.unwrap();
        }
        for m in months {
            let t = totals(&s, m).await;
            let report = &again[months.iter().position(|x| *x == m).unwrap()];
            assert_eq!(t, expected(report, m), "{url} {m}");
        }
    }
}

#[tokio::test]
async fn with_zookeeper_stopped_writes_fail_naming_it_reads_go_on_and_collection_resumes() {
    let _one = CLUSTER.lock().await;
    let dir = env("CHISO_TEST_CLUSTER_DIR");
    let store = fresh("zookeeper_stopped", &replicas().join(",")).await;
    let sim = simulator(vec![]);
    let c = collector(&store, &sim);
    let (before, during) = (month("2022-05"), month("2022-06"));
    let report = c
        .collect(before, &c.units_for(before, None).unwrap(), false)
        .await;
    assert!(report.all_succeeded(), "{report}");
    let published = totals(&store, "2022-05").await;
    let app = std::sync::Arc::new(test_app(store.clone()));
    app.computer()
        .freeze("2022-05".parse().unwrap())
        .await
        .unwrap();
    let token = ministry_token(&store).await;
    let web = chiso::web::serve(app, ([127, 0, 0, 1], 0).into(), 1).unwrap();
    let ranking = || async {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/rankings?period=2022-05", web.url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    let ranking_before = ranking().await;
    assert_eq!(ranking_before.0, 200, "{}", ranking_before.1);
    assert!(
        ranking_before.1.contains("\"frozen\""),
        "{}",
        ranking_before.1
    );

    let zk = format!("{dir}/zk");
    script(&["scripts/zookeeper.sh", "stop", &zk]).await;
    let stopped = c
        .collect(during, &c.units_for(during, None).unwrap(), false)
        .await;
    // What was stored stays readable while ZooKeeper is away.
    let read_meanwhile = totals(&store, "2022-05").await;
    let ranking_meanwhile = ranking().await;
    script(&["scripts/zookeeper.sh", "start", &zk]).await;
    assert_eq!(
        ranking_meanwhile, ranking_before,
        "the published ranking is served"
    );
    assert_eq!(stopped.succeeded(), 0, "{stopped}");
    let first = stopped.failed().next().unwrap();
    assert!(first.message.contains("ZooKeeper"), "{}", first.message);
    assert_eq!(read_meanwhile, published);

    let resumed = wait_for_writes(|| async {
        vec![
            c.collect(during, &c.units_for(during, None).unwrap(), false)
                .await,
        ]
    })
    .await;
    assert!(resumed[0].all_succeeded(), "{}", resumed[0]);
    let t = totals(&store, "2022-06").await;
    assert_eq!(t, expected(&resumed[0], "2022-06"));
}

/// Runs `collect` until every unit-month is stored (the replicas take a few
/// seconds to get their ZooKeeper sessions back), at most a minute.
async fn wait_for_writes<F, Fut>(collect: F) -> Vec<chiso::collect::Report>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Vec<chiso::collect::Report>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let reports = collect().await;
        if reports.iter().all(|r| r.all_succeeded()) || tokio::time::Instant::now() > deadline {
            return reports;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test]
async fn the_client_moves_to_the_next_server_on_connection_errors_only() {
    let _one = CLUSTER.lock().await;
    let [a, b] = <[String; 2]>::try_from(replicas()).unwrap();
    // A port nothing listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);

    let store = Store::new(&settings("failover", &format!("{dead},{a}")));
    assert_eq!(store.server_in_use(), dead);
    store
        .server_version()
        .await
        .expect("the second server answers");
    assert_eq!(
        store.server_in_use(),
        a,
        "it stays on the one that answered"
    );

    // A query error comes from a server that answered: no move.
    let store = Store::new(&settings("failover", &format!("{a},{b}")));
    let refused = store.client().query("SELECT nonsense(").execute().await;
    assert!(refused.is_err());
    assert_eq!(store.server_in_use(), a);

    // No server at all: the error names each one tried.
    let store = Store::new(&settings("failover", &dead));
    let err = store.server_version().await.unwrap_err().to_string();
    assert!(
        err.contains("no ClickHouse server could be connected to"),
        "{err}"
    );
    assert!(err.contains(&dead), "{err}");
}
