//! The unit and indicator pages over months never computed: computed once and
//! kept until the next collect or import, by this process or another
//! (`Store::since_collect`), never on every request.

use chiso::domain::Period;
use chiso::store::{RoleCode, Store};

use super::common::{
    account_token, another_store, http, import_service_lines, ministry_token, serve,
    simple_service_line, test_store,
};

const UNITS: [&str; 4] = ["01", "02", "04", "06"];
const MONTHS: [&str; 6] = [
    "2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06",
];

/// Six months of four provinces; only May and June computed.
async fn six_months(test: &str) -> Store {
    let store = test_store(test).await;
    let mut lines = Vec::new();
    for (k, m) in MONTHS.iter().enumerate() {
        for (i, unit) in UNITS.iter().enumerate() {
            lines.push(simple_service_line(
                unit,
                m,
                100,
                20 + 10 * i as u32 + k as u32,
            ));
        }
    }
    import_service_lines(&store, &lines).await;
    store
}

async fn get(url: &str, token: &str) -> String {
    let response = http().get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{url}: {body}");
    body
}

#[tokio::test]
async fn pages_over_months_never_computed_read_the_figures_once() {
    let store = six_months("kept_never_computed").await;
    let (server, app) = serve(store.clone());
    for p in ["2021-05", "2021-06"] {
        app.computer()
            .compute(p.parse::<Period>().unwrap())
            .await
            .unwrap();
    }
    let ministry = ministry_token(&store).await;
    let own = account_token(&store, "staff01", RoleCode::Unit, Some("01")).await;
    let base = server.url();
    let pages = [
        (
            format!("{base}/don-vi/01?from=2021-01&to=2021-06"),
            &ministry,
        ),
        (format!("{base}/don-vi/01?from=2021-01&to=2021-06"), &own),
        (format!("{base}/don-vi/02"), &ministry),
        (
            format!("{base}/chi-so/online_dossier_rate?period=2021-03"),
            &ministry,
        ),
    ];
    // The first of each reads (March is computed live), ...
    let before = store.figure_reads();
    for (url, token) in &pages {
        get(url, token).await;
    }
    let first = store.figure_reads();
    assert!(first > before, "the first requests read the figures");
    // ... the next ones, at once and one after another, read none.
    for _ in 0..3 {
        let at_once = pages.iter().map(|(url, token)| get(url, token));
        futures::future::join_all(at_once).await;
    }
    assert_eq!(store.figure_reads(), first, "a request computed live again");
    // Past the time a stamp is trusted, it is read again: still nothing to compute.
    tokio::time::sleep(chiso::store::RECORDS_KEPT_FOR).await;
    for (url, token) in &pages {
        get(url, token).await;
    }
    assert_eq!(store.figure_reads(), first, "nothing was collected since");
    server.stop().await;
}

/// The CSV line of `indicator` in `month`, as the unit page's CSV has it.
fn line<'a>(csv: &'a str, month: &str, indicator: &str) -> &'a str {
    let head = format!("{month},{indicator},");
    csv.lines()
        .find(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("no {head} in {csv}"))
}

#[tokio::test]
async fn an_import_by_another_process_shows_on_the_pages_kept() {
    let store = six_months("kept_invalidated").await;
    let (server, app) = serve(store.clone());
    app.computer()
        .compute("2021-06".parse().unwrap())
        .await
        .unwrap();
    let token = ministry_token(&store).await;
    let csv_url = format!("{}/don-vi/01.csv?from=2021-01&to=2021-06", server.url());
    let page_url = format!("{}/don-vi/01?from=2021-01&to=2021-06", server.url());
    let csv = get(&csv_url, &token).await;
    let before = line(&csv, "2021-03", "online_dossier_rate").to_string();
    assert!(before.contains(",100,"), "{before}");
    let attempts = get(&page_url, &token).await.matches(">stored</td>").count();

    // Another process (its own memory) imports a correction of March.
    let other = another_store("kept_invalidated");
    import_service_lines(&other, &[simple_service_line("01", "2021-03", 200, 150)]).await;

    let waited = std::time::Instant::now();
    let after = loop {
        let csv = get(&csv_url, &token).await;
        let now = line(&csv, "2021-03", "online_dossier_rate").to_string();
        if now != before {
            break now;
        }
        assert!(
            waited.elapsed() < chiso::store::RECORDS_KEPT_FOR * 3,
            "the correction never showed: {now}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    // 150 of 200 online.
    assert!(after.contains(",150,200,"), "{after}");
    // The attempts the page lists were read again too.
    let now = get(&page_url, &token).await.matches(">stored</td>").count();
    assert_eq!(now, attempts + 1);
    server.stop().await;
}

/// A month computed but not frozen shows a correction collected after the
/// computation at once (its figures are evaluated again, once); a frozen
/// month keeps what was published until it is revised.
#[tokio::test]
async fn a_correction_after_a_computation_shows_unless_the_month_is_frozen() {
    let store = six_months("kept_stale_computation").await;
    let (server, app) = serve(store.clone());
    for m in ["2021-03", "2021-04"] {
        app.computer().compute(m.parse().unwrap()).await.unwrap();
    }
    app.computer()
        .freeze(Period::Month("2021-04".parse().unwrap()))
        .await
        .unwrap();
    let token = ministry_token(&store).await;
    let csv_url = format!("{}/don-vi/01.csv?from=2021-01&to=2021-06", server.url());
    let csv = get(&csv_url, &token).await;
    let march = line(&csv, "2021-03", "online_dossier_rate").to_string();
    let april = line(&csv, "2021-04", "online_dossier_rate").to_string();
    assert!(march.contains(",22,100,"), "{march}");

    // Another process imports corrections of both months after they were computed.
    let other = another_store("kept_stale_computation");
    import_service_lines(
        &other,
        &[
            simple_service_line("01", "2021-03", 200, 150),
            simple_service_line("01", "2021-04", 200, 150),
        ],
    )
    .await;
    let waited = std::time::Instant::now();
    let csv = loop {
        let csv = get(&csv_url, &token).await;
        if line(&csv, "2021-03", "online_dossier_rate") != march {
            break csv;
        }
        assert!(
            waited.elapsed() < chiso::store::RECORDS_KEPT_FOR * 3,
            "the correction of a computed month never showed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let corrected = line(&csv, "2021-03", "online_dossier_rate");
    assert!(corrected.contains(",150,200,"), "{corrected}");
    assert_eq!(
        line(&csv, "2021-04", "online_dossier_rate"),
        april,
        "a frozen month keeps its publication"
    );
    server.stop().await;
}
