//! `chiso import`: the two CSV layouts, validated exactly like a pull.

use chiso::collect::import_file;
use chiso::store::Outcome;

use super::common::{catalogue, month, registry, test_store, write, SERVICE_HEADER};

#[tokio::test]
async fn a_good_file_is_stored_and_names_are_matched_without_diacritics() {
    let store = test_store("import_good").await;
    let dir = tempfile::tempdir().unwrap();
    let services = write(
        &dir,
        "services.csv",
        &format!(
            "{SERVICE_HEADER}\n\
             ha noi,2021-06,1.001,Cấp giấy phép xây dựng,Xây dựng,full_online,1,1,100,80,90,85,5,1\n\
             Thành phố Hà Nội,2021-06,1.002,Đăng ký khai sinh,Hộ tịch,partial_online,có,không,50,10,50,50,0,0\n\
             79,2021-06,1.001,Cấp giấy phép xây dựng,Xây dựng,not_online,0,0,7,0,7,7,0,0\n"
        ),
    );
    let out = import_file(&services, &registry(), &catalogue(), &store, false)
        .await
        .unwrap();
    assert!(out.report.all_succeeded(), "{}", out.report);
    assert!(out.line_errors.is_empty(), "{:?}", out.line_errors);
    assert!(
        out.matches
            .iter()
            .any(|m| m.contains("'ha noi' matched unit 01 Thành phố Hà Nội")),
        "{:?}",
        out.matches
    );

    let measures = write(&dir, "measures.csv", "unit,month,measure,value\n01,2021-06,satisfaction_percent,91.5\n01,2021-06,reports_expected,12\n");
    let out = import_file(&measures, &registry(), &catalogue(), &store, false)
        .await
        .unwrap();
    assert!(out.report.all_succeeded(), "{}", out.report);

    let totals = store.month_totals(month("2021-06")).await.unwrap();
    let hanoi = totals.iter().find(|t| t.unit_code == "01").unwrap();
    assert_eq!(
        (
            hanoi.services,
            hanoi.received,
            hanoi.received_online,
            hanoi.full_online
        ),
        (2, 150, 90, 1)
    );
    let stored = store.month_measures(month("2021-06")).await.unwrap();
    assert_eq!(
        stored,
        vec![
            ("01".into(), "reports_expected".into(), 12.0),
            ("01".into(), "satisfaction_percent".into(), 91.5)
        ]
    );
    // A measures file leaves the services of the month alone.
    assert_eq!(store.month_totals(month("2021-06")).await.unwrap(), totals);
}

#[tokio::test]
async fn a_bad_file_rejects_only_its_bad_unit_months_naming_the_line() {
    let store = test_store("import_bad").await;
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        &dir,
        "good.csv",
        &format!(
            "{SERVICE_HEADER}\n79,2021-06,1.001,A,Xây dựng,full_online,1,1,100,80,90,85,5,1\n"
        ),
    );
    assert!(import_file(&good, &registry(), &catalogue(), &store, false)
        .await
        .unwrap()
        .report
        .all_succeeded());
    let before = store.month_totals(month("2021-06")).await.unwrap();

    let bad = write(
        &dir,
        "bad.csv",
        &format!(
            "{SERVICE_HEADER}\n\
             01,2021-06,1.001,A,Xây dựng,full_online,1,1,100,80,90,85,5,1\n\
             79,2021-06,1.001,A,Xây dựng,full_online,1,1,100,120,90,85,5,1\n\
             Atlantis,2021-06,1.001,A,Xây dựng,full_online,1,1,1,1,1,1,0,0\n"
        ),
    );
    let out = import_file(&bad, &registry(), &catalogue(), &store, false)
        .await
        .unwrap();
    let by_unit = |code: &str| {
        out.report
            .results
            .iter()
            .find(|r| r.unit.as_str() == code)
            .unwrap()
    };
    assert_eq!(by_unit("01").outcome, Outcome::Stored);
    assert_eq!(by_unit("79").outcome, Outcome::Rejected);
    let msg = &by_unit("79").message;
    assert!(msg.contains("unit 79, month 2021-06: field 'services[code=1.001].received_online': 120 exceeds received 100"), "{msg}");
    assert!(msg.contains("line 3 of"), "{msg}");
    assert_eq!(out.line_errors.len(), 1);
    assert!(
        out.line_errors[0].contains("line 4")
            && out.line_errors[0].contains("'Atlantis' matches no unit"),
        "{:?}",
        out.line_errors
    );

    let after = store.month_totals(month("2021-06")).await.unwrap();
    assert_eq!(
        after.iter().find(|t| t.unit_code == "79"),
        before.iter().find(|t| t.unit_code == "79"),
        "79 keeps its earlier data"
    );
    assert!(after.iter().any(|t| t.unit_code == "01"));

    let unknown = write(
        &dir,
        "m.csv",
        "unit,month,measure,value\n01,2021-06,satisfaction_percent,90\n01,2021-06,happiness,3\n",
    );
    let out = import_file(&unknown, &registry(), &catalogue(), &store, false)
        .await
        .unwrap();
    let msg = &out.report.results[0].message;
    assert!(
        msg.contains("unknown measure 'happiness'") && msg.contains("line 3 of"),
        "{msg}"
    );
}

#[tokio::test]
async fn an_import_dry_run_stores_nothing() {
    let store = test_store("import_dry_run").await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "s.csv",
        &format!("{SERVICE_HEADER}\n01,2021-06,1.001,A,B,full_online,1,1,10,5,10,9,1,0\n"),
    );
    let out = import_file(&file, &registry(), &catalogue(), &store, true)
        .await
        .unwrap();
    assert!(
        out.report.to_string().contains("would insert 1 services"),
        "{}",
        out.report
    );
    assert!(store
        .month_totals(month("2021-06"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_file_of_neither_layout_is_refused_naming_both() {
    let store = test_store("import_layout").await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "x.csv", "unit,month,what\n01,2021-06,1\n");
    let err = import_file(&file, &registry(), &catalogue(), &store, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("neither layout") && err.contains("x.csv"),
        "{err}"
    );
}

#[tokio::test]
async fn a_corrected_report_keeps_its_first_arrival_after_merges() {
    let store = test_store("import_first_arrival").await;
    let dir = tempfile::tempdir().unwrap();
    let june = month("2021-06");
    let first = [super::common::service_line(
        "01", "2021-06", 100, 30, 90, 80,
    )];
    super::common::import_lines(&store, &dir, "first.csv", SERVICE_HEADER, &first).await;
    let arrived = store
        .first_stored((june, june), chiso::store::Units::All)
        .await
        .unwrap();
    assert_eq!(arrived.len(), 1);
    // A correction a second later (stored_at has whole seconds), then the
    // merge that folds `batches` down to the newest batch.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let corrected = [super::common::service_line(
        "01", "2021-06", 100, 40, 90, 80,
    )];
    super::common::import_lines(&store, &dir, "corrected.csv", SERVICE_HEADER, &corrected).await;
    store
        .client()
        .query("OPTIMIZE TABLE batches FINAL")
        .execute()
        .await
        .unwrap();
    let batches: u64 = store
        .client()
        .query("SELECT count() FROM batches")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(batches, 1, "merged down to the newest batch");
    let after = store
        .first_stored((june, june), chiso::store::Units::All)
        .await
        .unwrap();
    assert_eq!(after, arrived, "the first arrival, not the correction's");
}

#[tokio::test]
async fn names_as_printed_are_matched_and_each_match_is_reported() {
    let store = test_store("import_printed_names").await;
    let dir = tempfile::tempdir().unwrap();
    let line = |unit: &str| format!("{unit},2021-06,1.001,A,Xây dựng,full_online,1,1,10,8,9,8,1,0");
    let printed = [
        ("TP. Hồ Chí Minh", "79"),
        ("TP Hà Nội", "01"),
        ("Tp. Cần Thơ", "92"),
        ("T. Bắc Ninh", "27"),
        ("Thừa Thiên - Huế", "46"),
    ];
    let body: Vec<String> = printed.iter().map(|(name, _)| line(name)).collect();
    let file = write(
        &dir,
        "printed.csv",
        &format!("{SERVICE_HEADER}\n{}\n", body.join("\n")),
    );
    let out = import_file(&file, &registry(), &catalogue(), &store, false)
        .await
        .unwrap();
    assert!(out.line_errors.is_empty(), "{:?}", out.line_errors);
    assert!(out.report.all_succeeded(), "{}", out.report);
    for (name, code) in printed {
        assert!(
            out.matches
                .iter()
                .any(|m| m.starts_with(&format!("'{name}' matched unit {code} "))),
            "{name} → {code}: {:?}",
            out.matches
        );
    }
    let totals = store.month_totals(month("2021-06")).await.unwrap();
    let mut stored: Vec<&str> = totals.iter().map(|t| t.unit_code.as_str()).collect();
    stored.sort_unstable();
    assert_eq!(stored, ["01", "27", "46", "79", "92"]);
}

/// The same bad file saved with LF and with CRLF line endings (what Excel
/// writes on Windows), with a quoted cell spanning two lines before the faults.
#[tokio::test]
async fn errors_name_the_line_an_editor_shows_whatever_the_line_endings() {
    let store = test_store("import_line_endings").await;
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        SERVICE_HEADER.to_string(),
        "01,2021-06,1.001,\"Cấp giấy phép\nxây dựng\",Xây dựng,full_online,1,1,100,80,90,85,5,1"
            .into(),
        "79,2021-06,1.001,A,Xây dựng,full_online,1,1,100,120,90,85,5,1".into(),
        "Atlantis,2021-06,1.001,A,Xây dựng,full_online,1,1,1,1,1,1,0,0".into(),
        "92,2021-6x,1.001,A,Xây dựng,full_online,1,1,1,1,1,1,0,0".into(),
        "48,2021-06,1.001,A".into(),
    ];
    for ending in ["\n", "\r\n"] {
        let text = lines.join("\n").replace('\n', ending) + ending;
        let name = if ending == "\n" { "lf.csv" } else { "crlf.csv" };
        let file = write(&dir, name, &text);
        let out = import_file(&file, &registry(), &catalogue(), &store, true)
            .await
            .unwrap();
        let rejected = out
            .report
            .results
            .iter()
            .find(|r| r.unit.as_str() == "79")
            .unwrap();
        assert!(
            rejected.message.contains("(line 4 of"),
            "{name}: {}",
            rejected.message
        );
        let errors = out.line_errors.join("\n");
        assert!(
            errors.contains("line 5: field 'unit': 'Atlantis'"),
            "{name}: {errors}"
        );
        assert!(errors.contains("line 6: field 'month'"), "{name}: {errors}");
        assert!(errors.contains("line 7"), "{name}: {errors}");
        assert_eq!(out.line_errors.len(), 3, "{name}: {errors}");
        assert!(out
            .report
            .results
            .iter()
            .any(|r| r.unit.as_str() == "01" && r.outcome == Outcome::Stored));
    }
}
