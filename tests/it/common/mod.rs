//! The harness: a throwaway database per test, the shipped configuration, the simulator.

pub mod smtp;

use std::path::{Path, PathBuf};

use chiso::collect::{import_file, Collector};
use chiso::compute::figures::Deadline;
use chiso::compute::national::GroupRanking;
use chiso::config::{
    ClickHouseSettings, CollectorSettings, IndicatorCatalogue, MeasureCatalogue, Registry,
};
use chiso::domain::{Month, RankingGroup};
use chiso::simulate::{self, Fault, SimulatorConfig, SimulatorHandle};
use chiso::store::Store;

pub const SEED: u64 = 7;

pub fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

pub fn registry() -> Registry {
    Registry::load(&config_dir().join("units.toml")).expect("shipped registry loads")
}

pub fn catalogue() -> MeasureCatalogue {
    MeasureCatalogue::load(&config_dir().join("measures.toml")).expect("shipped catalogue loads")
}

pub fn month(s: &str) -> Month {
    s.parse().expect("month literal")
}

/// A fresh, migrated database named after the test.
pub async fn test_store(test: &str) -> Store {
    let store = another_store(test);
    store.drop_database().await.expect("drop the test database");
    store.migrate().await.expect("migrations apply");
    store
}

/// A second handle on `test_store(test)`'s database with memory of its own,
/// as another process (a `chiso compute` on the command line) has.
pub fn another_store(test: &str) -> Store {
    Store::new(&clickhouse_settings(test))
}

/// chiso's own user over the test's database; no analyst user.
pub fn clickhouse_settings(test: &str) -> ClickHouseSettings {
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL")
        .expect("CHISO_TEST_CLICKHOUSE_URL is not set: run the tests with `make test`, which starts ClickHouse");
    ClickHouseSettings {
        url,
        user: "default".into(),
        password: String::new(),
        database: format!("chiso_it_{test}"),
        timeout_secs: 60,
        analyst_user: String::new(),
        analyst_password: String::new(),
        cluster: String::new(),
        insert_quorum: 2,
    }
}

/// The password of every test's analyst user.
pub const ANALYST_PASSWORD: &str = "a test analyst password";

/// `test_store(test)` whose analyst SQL runs as a dedicated ClickHouse user
/// (readonly=1, only the test's database), made by `scripts/clickhouse.sh
/// analyst-user` in the test server's directory (CHISO_TEST_CLICKHOUSE_DIR).
/// Its limits are the script's, with reads and time cut for tests.
pub async fn analyst_store(test: &str) -> Store {
    test_store(test).await;
    let user = format!("chiso_it_{test}_analyst");
    analyst_user(&format!("chiso_it_{test}"), &user).await;
    Store::new(&ClickHouseSettings {
        analyst_user: user,
        analyst_password: ANALYST_PASSWORD.into(),
        ..clickhouse_settings(test)
    })
}

/// Writes the analyst user `user` for `database` with the test limits and
/// waits until it can log in.
pub async fn analyst_user(database: &str, user: &str) {
    let dir = std::env::var("CHISO_TEST_CLICKHOUSE_DIR").expect(
        "CHISO_TEST_CLICKHOUSE_DIR is not set: the directory of the test ClickHouse \
         (scripts/clickhouse.sh start DIR); `make test` sets it",
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/clickhouse.sh");
    let out = tokio::process::Command::new(script)
        .args(["analyst-user", &dir, database, user, ANALYST_PASSWORD])
        .env("CH_ANALYST_MAX_EXECUTION_TIME", "10")
        .env("CH_ANALYST_MAX_ROWS_TO_READ", "20000000")
        .env("CH_ANALYST_MAX_RESULT_ROWS", "100000")
        .output()
        .await
        .expect("scripts/clickhouse.sh runs");
    assert!(
        out.status.success(),
        "analyst-user: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The shipped configuration over the test's database.
pub fn test_app(store: Store) -> chiso::app::App {
    let settings = chiso::config::Settings::load(
        &config_dir().join("chiso.toml"),
        |_| None,
        &chiso::config::Overrides::default(),
    )
    .expect("shipped settings load");
    let catalogue = catalogue();
    let indicators =
        chiso::config::IndicatorCatalogue::load(&config_dir().join("indicators.toml"), &catalogue)
            .expect("shipped indicators load");
    let registry = registry();
    let alerts = chiso::config::AlertSettings::load(
        &config_dir().join("alerts.toml"),
        &indicators,
        &registry,
    )
    .expect("shipped alerts load");
    let dashboards = chiso::dashboards::load_dir(&config_dir().join("../dashboards"))
        .expect("shipped dashboards load");
    let mut plans = chiso::config::PlanSettings::load(&config_dir().join("plans.toml"))
        .expect("shipped plans load");
    // The mail tests count a month's mails; tests/it/plans.rs turns the plan reminder on.
    plans.remind_missing = false;
    chiso::app::App {
        plans,
        settings,
        registry,
        catalogue,
        indicators,
        alerts,
        dashboards,
        store,
    }
}

/// Collector settings for tests: one retry, short backoff, and a timeout long
/// enough for a machine busy with the whole suite (fault tests shorten it).
pub fn collector_settings(source: &str) -> CollectorSettings {
    CollectorSettings {
        concurrency: 8,
        timeout_secs: 10,
        retries: 1,
        backoff_base_ms: 10,
        backoff_max_ms: 50,
        source_override: Some(source.to_string()),
        max_body_bytes: 8 << 20,
        max_pages: 1000,
        unit_month_deadline_secs: 120,
    }
}

pub fn simulator(faults: Vec<Fault>) -> SimulatorHandle {
    let config = SimulatorConfig {
        seed: SEED,
        page_size: 300,
        slow_delay_ms: 2_500,
        fault: faults,
    };
    simulate::serve(registry(), config, ([127, 0, 0, 1], 0).into()).expect("simulator starts")
}

pub fn collector(store: &Store, sim: &SimulatorHandle) -> Collector {
    collector_with(store, collector_settings(&sim.base_url()))
}

pub fn collector_with(store: &Store, settings: CollectorSettings) -> Collector {
    Collector::new(store.clone(), registry(), catalogue(), settings).expect("collector")
}

/// A unit's totals as the simulator generates them.
pub fn simulated_totals(unit: &str, m: Month) -> chiso::store::UnitMonthTotals {
    let reg = registry();
    let u = reg
        .get(&chiso::domain::UnitCode::new(unit))
        .expect("unit in registry");
    let page = simulate::generate(u, m, SEED);
    let sum = |f: fn(&chiso::domain::payload::ServiceRecord) -> i64| {
        page.services.iter().map(f).sum::<i64>() as u64
    };
    chiso::store::UnitMonthTotals {
        unit_code: unit.to_string(),
        services: page.services.len() as u64,
        full_online: page
            .services
            .iter()
            .filter(|s| s.level == "full_online")
            .count() as u64,
        received: sum(|s| s.received),
        received_online: sum(|s| s.received_online),
        processed: sum(|s| s.processed),
        processed_on_time: sum(|s| s.processed_on_time),
        processed_late: sum(|s| s.processed_late),
        pending_overdue: sum(|s| s.pending_overdue),
    }
}

/// The header of the per-service CSV layout (docs/source-api.md).
pub const SERVICE_HEADER: &str = "unit,month,service_code,service_name,field,level,eligible_full_online,integrated_national_portal,received,received_online,processed,processed_on_time,processed_late,pending_overdue";

/// One service line of that layout: `received` dossiers, `online` of them online;
/// `processed` settled, `on_time` of them on time and the rest late.
pub fn service_line(
    unit: &str,
    month: &str,
    received: u32,
    online: u32,
    processed: u32,
    on_time: u32,
) -> String {
    let late = processed - on_time;
    format!("{unit},{month},1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,{received},{online},{processed},{on_time},{late},0")
}

/// Writes `text` to `name` in `dir` and returns the path.
pub fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

/// The header of the unit-level measure CSV layout (docs/source-api.md).
pub const MEASURE_HEADER: &str = "unit,month,measure,value";

/// Imports `lines` under `header` as the CSV `name` in `dir`; every unit-month must be accepted.
pub async fn import_lines(
    store: &Store,
    dir: &tempfile::TempDir,
    name: &str,
    header: &str,
    lines: &[String],
) {
    let csv = write(dir, name, &format!("{header}\n{}\n", lines.join("\n")));
    let out = import_file(&csv, &registry(), &catalogue(), store, false)
        .await
        .expect("fixture file is readable");
    assert!(out.report.all_succeeded(), "{}", out.report);
    assert!(out.line_errors.is_empty(), "{:?}", out.line_errors);
}

/// An indicator catalogue written as `indicators.toml` into `dir`, loaded and
/// checked against the registry as the application does.
pub fn indicators(dir: &tempfile::TempDir, name: &str, toml: &str) -> IndicatorCatalogue {
    let path = write(dir, name, toml);
    let catalogue = IndicatorCatalogue::load(&path, &catalogue()).expect("fixture catalogue loads");
    catalogue
        .check_units(&path, &registry())
        .expect("fixture catalogue names known units");
    catalogue
}

/// Reports are due by the 5th of the next month, Vietnam time.
pub fn deadline() -> Deadline {
    Deadline {
        day: 5,
        zone: chrono_tz::Asia::Ho_Chi_Minh,
    }
}

/// The province group of a ranking.
pub fn province(groups: &[GroupRanking]) -> &GroupRanking {
    groups
        .iter()
        .find(|g| g.group == RankingGroup::Province)
        .expect("a province group")
}

/// Creates an account of `role` (with `unit` for unit staff) and returns an API token for it.
pub async fn account_token(
    store: &Store,
    login: &str,
    role: chiso::store::RoleCode,
    unit: Option<&str>,
) -> String {
    chiso::accounts::credentials::add_user(
        store,
        &registry(),
        login,
        role,
        unit,
        "a long enough password",
    )
    .await
    .expect("account created");
    chiso::accounts::credentials::add_token(store, login)
        .await
        .expect("token created")
}

/// A ministry account's token: sees everything.
pub async fn ministry_token(store: &Store) -> String {
    account_token(store, "ministry", chiso::store::RoleCode::Ministry, None).await
}

/// Imports service lines (SERVICE_HEADER layout) into `store`.
pub async fn import_service_lines(store: &Store, lines: &[String]) {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        &dir,
        "fixture.csv",
        &format!("{SERVICE_HEADER}\n{}\n", lines.join("\n")),
    );
    let out = chiso::collect::import_file(&csv, &registry(), &catalogue(), store, false)
        .await
        .unwrap();
    assert!(out.report.all_succeeded(), "{}", out.report);
}

/// One service of a unit-month with `received` dossiers, `online` of them online.
pub fn simple_service_line(unit: &str, month: &str, received: u32, online: u32) -> String {
    format!("{unit},{month},1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,{received},{online},{received},{received},0,0")
}

/// The web server over the shipped configuration and `store`, on a free port.
pub fn serve(store: Store) -> (chiso::web::WebHandle, std::sync::Arc<chiso::app::App>) {
    let app = std::sync::Arc::new(test_app(store));
    let handle = chiso::web::serve(app.clone(), ([127, 0, 0, 1], 0).into(), 1).unwrap();
    (handle, app)
}

/// An HTTP client that shows redirects instead of following them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A catalogue of one province indicator, the share of dossiers received
/// online, with a 50 % target from 2021 (weighted sum).
pub const ONLINE_RATE_CATALOGUE: &str = r#"
[composite]
method = "weighted_sum"

[[indicator]]
code = "online_dossier_rate"
name = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
description = "Hồ sơ tiếp nhận trực tuyến trên tổng số hồ sơ tiếp nhận"
source = "Nghị quyết 17/NQ-CP"
numerator = "dossiers_received_online"
denominator = "dossiers_received"
unit = "percent"
applies_to = ["province"]
weight = 1.0

[[indicator.target]]
from_year = 2021
value = 50.0
"#;

/// A config folder of the shipped `chiso.toml`, measures and simulator, the
/// shipped dashboards wherever this folder is, `units` and the online-rate
/// catalogue; the caller writes its own `alerts.toml`.
pub fn config_folder(units: &str) -> tempfile::TempDir {
    let config = tempfile::tempdir().unwrap();
    let dir = config.path();
    for f in [
        "chiso.toml",
        "measures.toml",
        "simulator.toml",
        "plans.toml",
    ] {
        std::fs::copy(config_dir().join(f), dir.join(f)).unwrap();
    }
    let settings = std::fs::read_to_string(dir.join("chiso.toml")).unwrap();
    let dashboards = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards");
    let moved = settings.replace(
        "dashboards = \"../dashboards\"",
        &format!("dashboards = \"{}\"", dashboards.display()),
    );
    assert_ne!(settings, moved, "chiso.toml names the dashboards folder");
    std::fs::write(dir.join("chiso.toml"), moved).unwrap();
    std::fs::write(dir.join("units.toml"), units).unwrap();
    std::fs::write(dir.join("indicators.toml"), ONLINE_RATE_CATALOGUE).unwrap();
    // The mail tests count a month's mails; tests/it/plans.rs turns the plan reminder on.
    let plans = std::fs::read_to_string(dir.join("plans.toml")).unwrap();
    let quiet = plans.replace("remind_missing = true", "remind_missing = false");
    assert_ne!(plans, quiet, "plans.toml sets remind_missing");
    std::fs::write(dir.join("plans.toml"), quiet).unwrap();
    config
}
