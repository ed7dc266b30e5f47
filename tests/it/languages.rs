//! Every page in Vietnamese (the default) and in English (`?lang=en`, kept
//! by a cookie), through the real server on a real ClickHouse.

use chiso::store::RoleCode;

use super::common::{account_token, http, service_line, test_app};
use super::pages::{serve, Site};

/// Words of the Vietnamese interface; an English page shows none of them
/// outside data (unit names, indicator names and config titles are data).
const VIETNAMESE_UI: &[&str] = &[
    "Tháng",
    "Đơn vị",
    "Chỉ số",
    "Xếp hạng",
    "Không có số liệu",
    "Tải CSV",
    "Xem</button>",
    "Lỗi",
];

/// A response: status, headers' `set-cookie` and the body.
struct Got {
    status: u16,
    cookie: Option<String>,
    html: String,
}

async fn fetch(site: &Site, path: &str, token: Option<&str>, cookie: Option<&str>) -> Got {
    let mut request = http().get(format!("{}{path}", site.server.url()));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if let Some(c) = cookie {
        request = request.header("Cookie", c);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string());
    Got {
        status,
        cookie,
        html: response.text().await.unwrap(),
    }
}

fn with_lang(path: &str, lang: &str) -> String {
    let joint = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joint}lang={lang}")
}

/// `html` without the `data` it shows (attribute values stay: titles are
/// read too) and without dashboard panels, which are config.
fn visible(html: &str, data: &[String]) -> String {
    // A dashboard panel is config (`dashboards/*.toml`): titles, columns, rows.
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("<section class=\"panel\"") {
        text.push_str(&rest[..at]);
        rest = rest[at..]
            .split_once("</section>")
            .map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    for d in data {
        text = text.replace(d.as_str(), "");
    }
    text
}

fn assert_english(path: &str, html: &str, known: &str, data: &[String]) {
    assert!(html.contains("<html lang=\"en\">"), "{path}: {html}");
    assert!(html.contains(known), "{path}: no '{known}' in {html}");
    let text = visible(html, data);
    for word in VIETNAMESE_UI {
        assert!(
            !text.contains(word),
            "{path}: English page shows '{word}': {html}"
        );
    }
}

fn assert_vietnamese(path: &str, html: &str, known: &str) {
    assert!(html.contains("<html lang=\"vi\">"), "{path}: {html}");
    assert!(html.contains(known), "{path}: no '{known}' in {html}");
}

/// What pages show as data, in Vietnamese on English pages too: the names
/// of units, indicators, measures and dashboards from `config/`, longest
/// first (a name may hold a shorter one).
async fn data_of(site: &Site) -> Vec<String> {
    let app = test_app(site.store.clone());
    let mut data: Vec<String> = app.registry.all().iter().map(|u| u.name.clone()).collect();
    for i in app.indicators.iter() {
        data.extend([i.name.clone(), i.description.clone(), i.source.clone()]);
    }
    for m in app.catalogue.iter() {
        data.extend([m.name.clone(), m.description.clone()]);
    }
    for d in &app.dashboards {
        data.extend([d.title.clone(), d.description.clone()]);
        data.extend(d.panels.iter().map(|p| p.title.clone()));
    }
    // The data dictionary of the schema page.
    for t in chiso::web::schema::tables(&site.store).await.unwrap() {
        data.push(t.about.clone());
        data.extend(t.columns.iter().map(|c| c.about.clone()));
    }
    data.retain(|d| !d.is_empty());
    data.sort_by_key(|d| std::cmp::Reverse(d.len()));
    data
}

#[tokio::test]
async fn the_ranking_page_speaks_both_languages_and_keeps_each_apart() {
    let site = serve("lang_ranking").await;
    test_app(site.store.clone())
        .computer()
        .freeze("2021-06".parse().unwrap())
        .await
        .unwrap();
    let path = "/xep-hang?period=2021-06&group=province";
    // The frozen ranking is kept as rendered for anonymous readers: English
    // first, then Vietnamese, then English again, each in its own language.
    let en = fetch(&site, &with_lang(path, "en"), None, None).await;
    assert_eq!(en.status, 200, "{}", en.html);
    assert_eq!(en.html.matches("<tr data-unit=").count(), 63);
    let data = data_of(&site).await;
    assert_english(
        path,
        &en.html,
        "Ranking of provinces and cities · June 2021",
        &data,
    );
    assert!(en.html.contains("Published results, data frozen at"));
    let vi = fetch(&site, path, None, None).await;
    assert_vietnamese(path, &vi.html, "Xếp hạng tỉnh, thành phố · Tháng 06/2021");
    assert!(vi.html.contains("Kết quả đã công bố"));
    let en_again = fetch(&site, path, None, Some("lang=en")).await;
    assert_eq!(en_again.html, en.html);
    // The unit page is kept until the next collect, for every viewer alike.
    let unit = "/don-vi/04?from=2021-04&to=2021-06";
    let token = Some(site.token.as_str());
    let en = fetch(&site, &with_lang(unit, "en"), token, None).await;
    assert_english(unit, &en.html, "Reporting history", &data);
    let vi = fetch(&site, unit, token, None).await;
    assert_vietnamese(unit, &vi.html, "Lịch sử báo cáo");
    assert!(!vi.html.contains("Reporting history"));
    site.server.stop().await;
}

#[tokio::test]
async fn the_choice_sticks_in_a_cookie_and_the_switch_keeps_path_and_query() {
    let site = serve("lang_cookie").await;
    let path = "/xep-hang?period=2021-06&group=ministry_services";
    let token = site.token.clone();
    // Accept-Language alone never switches: Vietnamese for everyone.
    let response = http()
        .get(format!("{}{path}", site.server.url()))
        .bearer_auth(&token)
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("set-cookie").is_none());
    let html = response.text().await.unwrap();
    assert_vietnamese(path, &html, "Xếp hạng");
    // The switch on the Vietnamese page goes to the same page in English.
    assert!(
        html.contains("href=\"/xep-hang?period=2021-06&amp;group=ministry_services&amp;lang=en\""),
        "{html}"
    );
    assert!(html.contains(">English</a>"));
    // ?lang=en sets the cookie…
    let en = fetch(&site, &with_lang(path, "en"), Some(&token), None).await;
    let cookie = en.cookie.expect("a lang cookie");
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    assert!(
        cookie.contains("Path=/") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(en
        .html
        .contains("href=\"/xep-hang?period=2021-06&amp;group=ministry_services&amp;lang=vi\""));
    assert!(en.html.contains(">Tiếng Việt</a>"));
    // …which keeps every later page English, without the parameter.
    let later = fetch(
        &site,
        "/xep-hang?period=2021-05",
        Some(&token),
        Some("lang=en"),
    )
    .await;
    assert!(later.html.contains("<html lang=\"en\">"));
    assert!(later.cookie.is_none(), "the cookie is set only when asked");
    // ?lang=vi switches back, whatever the cookie says.
    let back = fetch(&site, &with_lang(path, "vi"), Some(&token), Some("lang=en")).await;
    assert!(back.html.contains("<html lang=\"vi\">"));
    assert!(back.cookie.unwrap().starts_with("lang=vi;"));
    site.server.stop().await;
}

/// Each page with a string known in Vietnamese and one known in English.
const PAGES: &[(&str, &str, &str)] = &[
    (
        "/xep-hang?period=2021-06",
        "Điểm tổng hợp",
        "Composite score",
    ),
    (
        "/don-vi/04?from=2021-04&to=2021-06",
        "Lịch sử báo cáo",
        "Reporting history",
    ),
    (
        "/chi-so/online_dossier_rate?period=2021-06",
        "đơn vị có số liệu",
        "units with data",
    ),
    (
        "/don-vi/04/dich-vu?from=2021-04&to=2021-06",
        "Toàn trình từ",
        "Fully online since",
    ),
    ("/chat-luong?to=2021-06", "Tỷ lệ báo cáo", "Reporting rate"),
    ("/bang", "Bảng theo dõi", "Dashboards"),
    ("/bang/ho-so?from=2021-04&to=2021-06", "đến tháng", "From"),
    ("/luoc-do", "Lược đồ dữ liệu", "Data schema"),
    ("/nhat-ky", "Nhật ký hệ thống", "Audit log"),
    (
        "/bao-cao/2021-06",
        "Báo cáo tiến độ",
        "progress report for 06/2021",
    ),
    (
        "/nop-so-lieu",
        "Nộp số liệu hằng tháng",
        "Submit monthly data",
    ),
    ("/login", "Tên đăng nhập", "User name"),
    // An error page.
    (
        "/don-vi/99999",
        "Không có đơn vị mã",
        "There is no unit with code",
    ),
];

#[tokio::test]
async fn every_page_renders_in_both_languages() {
    let site = serve("lang_every_page").await;
    let data = data_of(&site).await;
    let token = site.token.clone();
    for (path, vi_text, en_text) in PAGES {
        let vi = fetch(&site, path, Some(&token), None).await;
        assert_vietnamese(path, &vi.html, vi_text);
        let en = fetch(&site, &with_lang(path, "en"), Some(&token), None).await;
        assert_eq!(en.status, vi.status, "{path}");
        assert_english(path, &en.html, en_text, &data);
    }
    site.server.stop().await;
}

/// The upload preview says each problem in the page's language, from the
/// problem's kind (issue 14), not the validator's English.
#[tokio::test]
async fn the_upload_preview_says_each_problem_in_the_page_language() {
    use super::upload::{file, multipart, BOUNDARY};
    let site = serve("lang_upload").await;
    let token = account_token(&site.store, "ha-noi", RoleCode::Unit, Some("01")).await;
    let lines = vec![
        service_line("01", "2021-06", 100, 40, 90, 80),
        "01,2021-06,1.002,Đăng ký khai sinh,Hộ tịch,full_online,1,1,10,20,10,10,0,0".to_string(),
        "01,2021-07,1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,mười,0,0,0,0,0"
            .to_string(),
        "02,2021-06,1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,1,0,0,0,0,0".to_string(),
    ];
    let bytes = file(&lines, "\n");
    let preview = |lang: &'static str| {
        let (url, token, bytes) = (site.server.url(), token.clone(), bytes.clone());
        async move {
            let response = http()
                .post(format!("{url}/nop-so-lieu?lang={lang}"))
                .bearer_auth(token)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(multipart("bad.csv", &bytes))
                .send()
                .await
                .unwrap();
            response.text().await.unwrap()
        }
    };
    let vi = preview("vi").await;
    for text in [
        "Tệp có 3 lỗi",
        "Số hồ sơ tiếp nhận trực tuyến 20 lớn hơn số hồ sơ tiếp nhận 10",
        "'mười' không phải là số nguyên",
        "Đơn vị 02 không phải là đơn vị của tài khoản này (01)",
    ] {
        assert!(vi.contains(text), "no '{text}' in {vi}");
    }
    assert!(!vi.contains("exceeds received"), "{vi}");
    let en = preview("en").await;
    for text in [
        "The file has 3 problems",
        "20 dossiers received online, more than the 10 received",
        "'mười' is not a whole number",
        "Unit 02 is neither this account's unit (01) nor merged into it",
    ] {
        assert!(en.contains(text), "no '{text}' in {en}");
    }
    assert!(en.contains("<html lang=\"en\">"));
    site.server.stop().await;
}
