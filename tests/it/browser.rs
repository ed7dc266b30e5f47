//! The pages in a real headless Chromium, driven over WebDriver (chromedriver
//! started by the test on a free loopback port): log in, read the national
//! ranking as rendered, switch period with its form, open a unit page and find
//! its SVG charts. Screenshots go to `target/browser/` for review.
//!
//! `make test` installs chromium and chromium-driver (scripts/test.sh → deps.sh);
//! this test fails, never skips, when they are missing, so CI always runs it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use serde_json::json;

use super::common::{import_service_lines, registry, serve, simple_service_line, test_store};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const LOGIN: &str = "bo-truong";
const PASSWORD: &str = "mật khẩu đủ dài 2021";
/// Hà Nội's staff, who send its monthly file through the upload page.
const UNIT_LOGIN: &str = "ha-noi";

/// Where screenshots (and chromedriver's log) are kept for review.
fn output_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("browser")
}

/// chromedriver in its own process group, with a fresh Chromium profile.
/// Dropping it kills the whole group (chromedriver and every Chromium process
/// it started), also when the test panics.
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Driver {
    fn start(out: &Path) -> Driver {
        for (binary, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: the browser test needs the Debian package '{package}'; \
                 run `make test` (scripts/test.sh installs it through scripts/deps.sh)"
            );
        }
        let port = free_port();
        let child = std::os::unix::process::CommandExt::process_group(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .arg(format!(
                    "--log-path={}",
                    out.join("chromedriver.log").display()
                ))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            0,
        )
        .spawn()
        .expect("chromedriver starts");
        Driver {
            child,
            port,
            profile: tempfile::tempdir().expect("a profile directory"),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until chromedriver answers `/status` as ready.
    async fn ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = format!("{}/status", self.url());
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!(
                    "chromedriver exited at start ({exit}); see target/browser/chromedriver.log"
                );
            }
            if let Ok(r) = reqwest::get(&status).await {
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                if body["value"]["ready"] == json!(true) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready after 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A headless Chromium session that touches nothing beyond loopback.
    async fn session(&self) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--window-size=1280,2000",
            &format!("--user-data-dir={}", self.profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url())
            .await
            .expect("a Chromium session through chromedriver");
        let limits = TimeoutConfiguration::new(
            Some(Duration::from_secs(10)),
            Some(Duration::from_secs(30)),
            Some(Duration::ZERO),
        );
        client.update_timeouts(limits).await.unwrap();
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The negative pid names the process group the child leads.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) with a pid and a signal number has no memory effects.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Polls until the browser's URL contains `part`.
async fn wait_for_url(c: &Client, part: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = c.current_url().await.unwrap().to_string();
        if url.contains(part) {
            return url;
        }
        assert!(Instant::now() < deadline, "still at {url}, expected {part}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    // The element found may belong to the page being left (a form just
    // submitted): read it again from the new page when it goes stale.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let found = c
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        match found.text().await {
            Ok(text) => return text,
            Err(e) if std::time::Instant::now() < deadline => {
                tracing::debug!(css, error = %e, "element went stale; reading it again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
}

/// Saves a screenshot of the viewport as `name` and checks it is a real PNG.
async fn screenshot(c: &Client, out: &Path, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is not a PNG");
    assert!(
        png.len() > 20_000,
        "{name} is {} bytes: a blank page?",
        png.len()
    );
    std::fs::write(out.join(name), &png).unwrap();
}

/// Five provinces report May and June 2021; 46 reported under its 2021 name.
async fn site() -> chiso::web::WebHandle {
    let store = test_store("browser").await;
    let mut lines = Vec::new();
    for (k, month) in ["2021-05", "2021-06"].into_iter().enumerate() {
        for (i, unit) in ["01", "04", "46", "77", "79"].into_iter().enumerate() {
            lines.push(simple_service_line(
                unit,
                month,
                100,
                40 + 10 * i as u32 + 5 * k as u32,
            ));
        }
    }
    import_service_lines(&store, &lines).await;
    chiso::accounts::credentials::add_user(
        &store,
        &registry(),
        LOGIN,
        chiso::store::RoleCode::Ministry,
        None,
        PASSWORD,
    )
    .await
    .unwrap();
    chiso::accounts::credentials::add_user(
        &store,
        &registry(),
        UNIT_LOGIN,
        chiso::store::RoleCode::Unit,
        Some("01"),
        PASSWORD,
    )
    .await
    .unwrap();
    serve(store).0
}

/// Fills the login form the browser was sent to and sends it.
async fn log_in(c: &Client, login: &str) {
    assert_eq!(text_of(c, "h1").await, "Đăng nhập");
    c.find(Locator::Css("#login"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The reader's path through the site; panics on the first broken step.
async fn browse(c: &Client, base: &str, out: &Path) {
    // A provisional ranking needs an account: the browser is sent to log in
    // and comes back to the page it asked for.
    c.goto(&format!("{base}/xep-hang?period=2021-06&group=province"))
        .await
        .unwrap();
    wait_for_url(c, "/login?next=").await;
    log_in(c, LOGIN).await;
    let url = wait_for_url(c, "/xep-hang?period=2021-06").await;
    assert!(url.contains("group=province"), "{url}");

    // Every province of 2021, named as the browser renders it.
    assert_eq!(
        text_of(c, "h1").await,
        "Xếp hạng tỉnh, thành phố · Tháng 06/2021"
    );
    let rows = c.find_all(Locator::Css("tr[data-unit]")).await.unwrap();
    assert_eq!(rows.len(), 63);
    let table = text_of(c, "table#ranking").await;
    for name in [
        "Thành phố Hà Nội",
        "Tỉnh Cao Bằng",
        "Tỉnh Bà Rịa - Vũng Tàu",
        "Thành phố Hồ Chí Minh",
        "Tỉnh Thừa Thiên Huế",
    ] {
        assert!(table.contains(name), "{name} is not on the page");
    }
    assert!(
        !table.contains("Thành phố Huế"),
        "2021 shows Huế's 2025 name"
    );
    screenshot(c, out, "ranking.png").await;

    // The period form: choose May, press "Xem".
    c.find(Locator::Css("select#period"))
        .await
        .unwrap()
        .select_by_value("2021-05")
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/xep-hang'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(c, "period=2021-05").await;
    assert_eq!(
        text_of(c, "h1").await,
        "Xếp hạng tỉnh, thành phố · Tháng 05/2021"
    );
    let rows = c.find_all(Locator::Css("tr[data-unit]")).await.unwrap();
    assert_eq!(rows.len(), 63);
    screenshot(c, out, "ranking-2021-05.png").await;

    // Hà Nội's link opens its unit page with inline SVG trends.
    c.find(Locator::Css("tr[data-unit='01'] td.name a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(c, "/don-vi/01").await;
    assert_eq!(text_of(c, "h1").await, "Thành phố Hà Nội");
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("figure.chart svg"))
        .await
        .unwrap();
    let charts = c.find_all(Locator::Css("figure.chart svg")).await.unwrap();
    assert!(!charts.is_empty());
    let (_, _, width, height) = charts[0].rectangle().await.unwrap();
    assert!(width > 100.0 && height > 50.0, "chart is {width}×{height}");
    let svg_text = c
        .execute(
            "return document.querySelector('figure.chart svg').textContent",
            vec![],
        )
        .await
        .unwrap();
    let svg_text = svg_text.as_str().unwrap_or_default();
    assert!(svg_text.contains("Thành phố Hà Nội"), "{svg_text}");
    screenshot(c, out, "unit.png").await;

    // The switch in the header: the same page and period in English, then
    // back to Vietnamese (the cookie keeps the choice for the next steps).
    c.goto(&format!("{base}/xep-hang?period=2021-05&group=province"))
        .await
        .unwrap();
    c.find(Locator::Css("a#lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(c, "lang=en").await;
    assert_eq!(
        text_of(c, "h1").await,
        "Ranking of provinces and cities · May 2021"
    );
    screenshot(c, out, "ranking-en.png").await;
    c.find(Locator::Css("a#lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(c, "lang=vi").await;
    assert_eq!(
        text_of(c, "h1").await,
        "Xếp hạng tỉnh, thành phố · Tháng 05/2021"
    );
}

/// Clicks the submit button of the form `form` (a CSS selector).
async fn submit(c: &Client, form: &str) {
    c.find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Chooses `bytes`, written as `name`, in the upload form and sends it.
async fn upload(c: &Client, dir: &tempfile::TempDir, name: &str, bytes: &str) {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    // Waited for: right after logging in, the URL already holds
    // "/nop-so-lieu" (the login page's `next=`) before the upload page loads.
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("form#upload input#file"))
        .await
        .unwrap()
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
    submit(c, "form#upload").await;
}

/// The month's cycle by the pages: the ministry publishes June with a reason;
/// Hà Nội's staff send a bad file (CRLF, as Excel writes it) and see its
/// problem by line, then a good one and confirm it; the ministry revises June.
async fn monthly_cycle(c: &Client, base: &str, out: &Path) {
    c.goto(&format!("{base}/xep-hang?period=2021-06&group=province"))
        .await
        .unwrap();
    c.find(Locator::Css("form#publish input#reason"))
        .await
        .unwrap()
        .send_keys("Công bố tháng 6")
        .await
        .unwrap();
    submit(c, "form#publish").await;
    wait_for_url(c, "/xep-hang?period=2021-06").await;
    assert!(text_of(c, "#as-of").await.starts_with("Kết quả đã công bố"));
    let history = text_of(c, "#publications").await;
    assert!(
        history.contains("Công bố tháng 6") && history.contains(LOGIN),
        "{history}"
    );

    // Hà Nội's staff: the upload page sends them to log in first.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/nop-so-lieu")).await.unwrap();
    wait_for_url(c, "/login?next=").await;
    log_in(c, UNIT_LOGIN).await;
    wait_for_url(c, "/nop-so-lieu").await;
    let dir = tempfile::tempdir().unwrap();
    let header = super::common::SERVICE_HEADER;
    let bad = format!(
        "{header}\r\n{}\r\n01,2021-06,1.002,Đăng ký khai sinh,Hộ tịch,full_online,1,1,10,20,10,10,0,0\r\n",
        simple_service_line("01", "2021-06", 100, 95)
    );
    upload(c, &dir, "thang-6.csv", &bad).await;
    let problem = text_of(c, "table#problems tr[data-line='3']").await;
    assert!(
        problem.contains("services[code=1.002].received_online") && problem.contains("2021-06"),
        "{problem}"
    );
    screenshot(c, out, "upload-problems.png").await;
    let good = format!(
        "{header}\r\n{}\r\n",
        simple_service_line("01", "2021-06", 100, 95)
    );
    upload(c, &dir, "thang-6.csv", &good).await;
    // Only the clean file's preview has the confirm form: the new page is in.
    text_of(c, "form#confirm").await;
    assert!(text_of(c, "#verdict").await.contains("không có lỗi"));
    submit(c, "form#confirm").await;
    wait_for_url(c, "/nop-so-lieu/xac-nhan").await;
    assert_eq!(text_of(c, "h1").await, "Đã nhận tệp thang-6.csv");
    let stored = text_of(c, "table#unit-months").await;
    assert!(stored.contains("Đã ghi nhận"), "{stored}");
    screenshot(c, out, "upload-done.png").await;

    // The ministry revises June with Hà Nội's new figures.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login?next=/xep-hang%3Fperiod%3D2021-06"))
        .await
        .unwrap();
    log_in(c, LOGIN).await;
    wait_for_url(c, "/xep-hang?period=2021-06").await;
    c.find(Locator::Css("form#publish input#reason"))
        .await
        .unwrap()
        .send_keys("Hà Nội gửi lại số liệu")
        .await
        .unwrap();
    submit(c, "form#publish").await;
    wait_for_url(c, "/xep-hang?period=2021-06").await;
    let revised = text_of(c, "#revised").await;
    assert!(
        revised.starts_with("Kết quả đã điều chỉnh ngày")
            && revised.ends_with(": Hà Nội gửi lại số liệu"),
        "{revised}"
    );
    screenshot(c, out, "ranking-revised.png").await;
}

#[tokio::test]
async fn a_reader_logs_in_switches_period_and_opens_a_unit_and_a_unit_uploads_in_headless_chromium()
{
    let out = output_dir();
    std::fs::create_dir_all(&out).unwrap();
    let server = site().await;
    let mut driver = Driver::start(&out);
    driver.ready().await;
    let client = driver.session().await;
    let walk =
        std::panic::AssertUnwindSafe(tokio::time::timeout(Duration::from_secs(120), async {
            browse(&client, &server.url(), &out).await;
            monthly_cycle(&client, &server.url(), &out).await;
        }))
        .catch_unwind()
        .await;
    if !matches!(walk, Ok(Ok(()))) {
        // What the browser showed when it went wrong, for the CI artefacts.
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write(out.join("failure.png"), png);
        }
    }
    let _ = client.close().await;
    drop(driver);
    server.stop().await;
    match walk {
        Ok(Ok(())) => {}
        Ok(Err(_)) => panic!("the browser walk took over 120 s"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
