//! The indicator page (`/chi-so/…`) drawn once and kept until the next
//! collect or import (`Store::since_collect`), not drawn on every request.

use chiso::store::{RoleCode, Store};

use super::common::{
    account_token, another_store, http, import_service_lines, serve, simple_service_line,
    test_store,
};

/// Three months of four provinces, none computed.
async fn three_months(test: &str) -> Store {
    let store = test_store(test).await;
    let mut lines = Vec::new();
    for (k, m) in ["2021-01", "2021-02", "2021-03"].iter().enumerate() {
        for (i, unit) in ["01", "02", "04", "06"].iter().enumerate() {
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
async fn the_indicator_page_is_drawn_once_and_again_after_an_import() {
    let store = three_months("indicator_page_kept").await;
    let (server, _app) = serve(store.clone());
    let staff = account_token(&store, "staff01", RoleCode::Unit, Some("01")).await;
    let page = |code: &str| format!("{}/chi-so/{code}?period=2021-03", server.url());
    let (a, b) = (page("online_dossier_rate"), page("on_time_rate"));

    // The first page makes the period's live results and itself, ...
    let made = store.since_collect_made();
    let before = get(&a, &staff).await;
    let after_a = store.since_collect_made();
    assert!(after_a > made, "the first request made its values");
    // ... another indicator's page of the same period only itself: the
    // results are shared, the page is kept under its own key.
    get(&b, &staff).await;
    assert_eq!(
        store.since_collect_made(),
        after_a + 1,
        "the second indicator's page was not kept as drawn"
    );
    let drawn = store.since_collect_made();
    // The next requests, at once and one after another, draw nothing.
    for _ in 0..3 {
        let at_once = [&a, &b, &a, &b].map(|url| get(url, &staff));
        for body in futures::future::join_all(at_once).await {
            assert!(body.contains("<svg"), "a chart on every page");
        }
    }
    assert_eq!(
        store.since_collect_made(),
        drawn,
        "a request drew the page again"
    );

    // Another process imports a correction of March: the page is drawn again.
    let other = another_store("indicator_page_kept");
    import_service_lines(&other, &[simple_service_line("01", "2021-03", 200, 190)]).await;
    let waited = std::time::Instant::now();
    loop {
        if get(&a, &staff).await != before {
            break;
        }
        assert!(
            waited.elapsed() < chiso::store::RECORDS_KEPT_FOR * 3,
            "the correction never showed on the indicator page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(store.since_collect_made() > drawn);
    server.stop().await;
}
