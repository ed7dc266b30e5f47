//! `service_aggregates` (0017) against the count from the service rows: the
//! shipped formula aggregates equal on the same data through a repeated
//! insert, a correction, a replaced month and merged parts.

use chiso::domain::formula::{parse, Expr, ServiceAggregate};
use chiso::domain::Month;
use chiso::store::{ServiceCount, Store, Units};

use super::common::{import_lines, month, test_store, SERVICE_HEADER};

/// The aggregates of config/indicators.toml, each kind once.
const SHIPPED: [&str; 3] = [
    "count_services(level != not_online and received_online > 0)",
    "sum_services(received_online, level = full_online)",
    "count_services(level = full_online and received_online = 0, months = 3)",
];

fn aggregate(text: &str) -> ServiceAggregate {
    match parse(text).expect(text) {
        Expr::Services(a) => a,
        other => panic!("{text}: {other:?}"),
    }
}

/// A unit-month's services: the level and online use vary with the code,
/// `shift` changes which services go unused.
fn month_of(unit: &str, m: &str, services: u32, shift: u32) -> Vec<String> {
    let levels = ["full_online", "partial_online", "not_online"];
    (1..=services)
        .map(|c| {
            let level = levels[c as usize % 3];
            let received = 5 * c;
            let online = if (c + shift).is_multiple_of(4) || level == "not_online" {
                0
            } else {
                c
            };
            let eligible = u32::from(level == "full_online");
            format!("{unit},{m},2.{c:03},Thủ tục {c},Tư pháp,{level},{eligible},1,{received},{online},{received},{received},0,0")
        })
        .collect()
}

/// Every shipped aggregate read both ways over `span`: they must agree.
async fn both(store: &Store, span: (Month, Month)) -> Vec<Vec<ServiceCount>> {
    let mut out = Vec::new();
    for text in SHIPPED {
        let a = aggregate(text);
        // The stored read may list a zero the rows' count leaves out (and
        // the other way round): the caller counts a missing row as 0.
        let nonzero = |v: Vec<ServiceCount>| {
            let mut v: Vec<ServiceCount> = v.into_iter().filter(|c| c.count > 0).collect();
            v.sort_by(|a, b| (&a.unit_code, &a.month).cmp(&(&b.unit_code, &b.month)));
            v
        };
        let stored = nonzero(store.service_counts(&a, span, Units::All).await.unwrap());
        let rows = nonzero(
            store
                .service_counts_from_rows(&a, span, Units::All)
                .await
                .unwrap(),
        );
        assert_eq!(stored, rows, "{text}: stored and counted differ");
        out.push(stored);
    }
    out
}

fn count(all: &[ServiceCount], unit: &str, m: &str) -> u64 {
    all.iter()
        .find(|c| c.unit_code == unit && c.month.starts_with(m))
        .map_or(0, |c| c.count)
}

/// Repeats the stored rows of one unit-month, as an insert sent again after
/// a lost answer does.
async fn repeat_insert(store: &Store, unit: &str, m: &str) {
    let sql = format!(
        "INSERT INTO service_stats SELECT * FROM service_stats \
         WHERE unit_code = '{unit}' AND month = toDate('{m}-01')"
    );
    store.client().query(&sql).execute().await.unwrap();
}

#[tokio::test]
async fn stored_aggregates_equal_the_count_from_rows_through_corrections() {
    let store = test_store("aggregates_equal_rows").await;
    let dir = tempfile::tempdir().unwrap();
    let months = ["2020-10", "2020-11", "2020-12", "2021-01", "2021-02"];
    let mut first = Vec::new();
    for unit in ["01", "02", "04"] {
        for m in months {
            first.extend(month_of(unit, m, 9, 0));
        }
    }
    import_lines(&store, &dir, "first.csv", SERVICE_HEADER, &first).await;
    // A month inserted twice before anything was counted.
    repeat_insert(&store, "02", "2020-12").await;
    let span = (month("2020-01"), month("2021-12"));
    let before = both(&store, span).await;
    // 9 services: codes 1, 4, 7 are partial, 3, 6, 9 full online, the rest not
    // online; codes 4 and 8 unused. Used online: 1, 3, 6, 7, 9.
    assert_eq!(count(&before[0], "02", "2020-12"), 5);
    assert_eq!(count(&before[1], "02", "2020-12"), 3 + 6 + 9);
    // No full-online service goes unused: the window counts none.
    assert_eq!(count(&before[2], "01", "2021-02"), 0);

    // A correction: full-online services 3 and 7 → unused from December on (shift 1:
    // codes 3 and 7 unused). A replaced month: January of 02 with fewer services.
    let mut second = Vec::new();
    for m in ["2020-12", "2021-01", "2021-02"] {
        second.extend(month_of("01", m, 9, 1));
    }
    second.extend(month_of("02", "2021-01", 4, 1));
    import_lines(&store, &dir, "second.csv", SERVICE_HEADER, &second).await;
    repeat_insert(&store, "01", "2021-01").await;
    let after = both(&store, span).await;
    assert_eq!(
        count(&after[2], "01", "2021-02"),
        1,
        "service 3, unused three months"
    );
    assert_eq!(
        count(&after[2], "01", "2021-01"),
        0,
        "November was still used"
    );
    assert_eq!(count(&after[1], "02", "2021-01"), 0, "3 is unused now");
    assert_eq!(
        count(&after[0], "04", "2021-02"),
        count(&before[0], "04", "2021-02")
    );
    assert_ne!(after, before);

    // Merged parts change nothing; nor does a second read.
    for table in ["service_stats", "service_aggregates"] {
        let sql = format!("OPTIMIZE TABLE {table} FINAL");
        store.client().query(&sql).execute().await.unwrap();
    }
    assert_eq!(both(&store, span).await, after);
    assert_eq!(both(&store, span).await, after);
}
