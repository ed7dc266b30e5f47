use std::collections::BTreeMap;

use super::*;

fn err(text: &str) -> FormulaError {
    parse(text).expect_err(text)
}

#[test]
fn a_bare_measure_is_the_formula_of_every_existing_indicator() {
    let e = parse("dossiers_received_online").expect("parses");
    assert_eq!(e.as_measure(), Some("dossiers_received_online"));
}

#[test]
fn arithmetic_keeps_precedence_and_reads_back_from_its_canonical_text() {
    for (text, canonical) in [
        ("a + b * 2", "(a + (b * 2))"),
        ("(a + b) * 2", "((a + b) * 2)"),
        ("a - b - c", "((a - b) - c)"),
        ("-a / 4", "(-(a) / 4)"),
        ("max(a, b - 1, 0)", "max(a, (b - 1), 0)"),
        (
            "count_services(received_online > 0)",
            "count_services(received_online > 0)",
        ),
        (
            "count_services(level = full_online and received_online == 0, months = 3)",
            "count_services((level = full_online and received_online = 0), months = 3)",
        ),
        (
            "count_services(not (received = 0 or level != partial_online))",
            "count_services(not ((received = 0 or level != partial_online)))",
        ),
        (
            "count_services(processed_late > processed_on_time, months=1)",
            "count_services(processed_late > processed_on_time)",
        ),
    ] {
        let e = parse(text).expect(text);
        assert_eq!(e.to_string(), canonical, "{text}");
        assert_eq!(
            parse(canonical).expect(canonical),
            e,
            "{canonical} reads back"
        );
    }
}

#[test]
fn measures_and_aggregates_are_listed_in_order() {
    let e =
        parse("min(a, count_services(received > 0)) / (b + count_services(level = not_online))")
            .expect("parses");
    assert_eq!(e.measures(), ["a", "b"]);
    let keys: Vec<String> = e
        .service_aggregates()
        .iter()
        .map(|a| a.figure_key())
        .collect();
    assert_eq!(
        keys,
        [
            "count_services(received > 0)",
            "count_services(level = not_online)"
        ]
    );
}

#[test]
fn errors_name_the_column_of_the_fault() {
    for (text, column, says) in [
        ("", 1, "empty"),
        ("a +", 4, "expected a measure, a number or '('"),
        ("a + * b", 5, "expected a measure"),
        ("(a + b", 7, "expected ')'"),
        ("a b", 3, "expected an operator"),
        ("a # b", 3, "unexpected character '#'"),
        ("sqrt(a)", 1, "unknown function 'sqrt'"),
        ("min(a)", 1, "at least two arguments"),
        ("received_online", 1, "inside count_services"),
        (
            "count_services(recieved > 0)",
            16,
            "'recieved' is not a column",
        ),
        ("count_services(level > full_online)", 22, "= or != only"),
        (
            "count_services(level = 3)",
            24,
            "level compares with a level name",
        ),
        (
            "count_services(received = full_online)",
            27,
            "received compares with a number",
        ),
        (
            "count_services(received > 0, months = 0)",
            39,
            "from 1 to 24",
        ),
        (
            "count_services(received > 0, months = 2.5)",
            39,
            "from 1 to 24",
        ),
        (
            "count_services(received > 0, weeks = 2)",
            30,
            "'months = N'",
        ),
        ("a = b", 3, "belongs inside count_services"),
        ("1.2.3", 1, "'1.2.3' is not a number"),
        ("a ! b", 3, "'!' must be followed by '='"),
        ("sum_services(level, received > 0)", 14, "numeric column"),
        ("sum_services(received > 0)", 23, "expected ','"),
        ("Tỷ_lệ", 2, "unexpected character 'ỷ'"),
    ] {
        let e = err(text);
        assert_eq!(e.column, column, "{text}: {e}");
        assert!(e.message.contains(says), "{text}: {e}");
    }
}

#[test]
fn the_unused_full_online_flag_is_the_shipped_indicator_s_aggregate() {
    let shipped = parse("count_services(level = full_online and received_online = 0, months = 3)");
    assert_eq!(shipped, Ok(Expr::Services(unused_full_online(3))));
    assert_eq!(unused_full_online(0).months, 1);
    assert_eq!(unused_full_online(99).months, MAX_WINDOW_MONTHS);
}

#[test]
fn depth_and_length_are_bounded() {
    let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert!(err(&deep).message.contains("nested more than"));
    let negs = format!("{}a", "-".repeat(100));
    assert!(err(&negs).message.contains("nested more than"));
    let long = vec!["a"; 600].join("+");
    assert!(err(&long).message.contains("at most 1000 characters"));
}

#[test]
fn evaluation_leaves_missing_figures_missing_and_refuses_division_by_zero() {
    let figures: BTreeMap<&str, f64> = [
        ("a", 6.0),
        ("b", 3.0),
        ("zero", 0.0),
        ("count_services(received > 0)", 4.0),
    ]
    .into_iter()
    .collect();
    let at = |name: &str| figures.get(name).copied();
    let value = |text: &str| parse(text).expect(text).eval(&at);
    assert_eq!(value("a / b * 100"), Some(200.0));
    assert_eq!(value("a - b - 1"), Some(2.0));
    assert_eq!(value("min(a, b, 5)"), Some(3.0));
    assert_eq!(value("max(a, b) + -b"), Some(3.0));
    assert_eq!(value("count_services(received > 0) / a"), Some(4.0 / 6.0));
    assert_eq!(value("a + missing"), None, "missing is never zero");
    assert_eq!(value("max(a, missing)"), None);
    assert_eq!(value("a / zero"), None);
    assert_eq!(value("count_services(received > 1)"), None);
}

mod never_panics {
    use proptest::prelude::*;

    use super::parse;

    const PIECES: &[&str] = &[
        "a",
        "b",
        "1",
        "0.5",
        "+",
        "-",
        "*",
        "/",
        "(",
        ")",
        ",",
        "min",
        "max",
        "count_services",
        "received",
        "level",
        "full_online",
        "=",
        "!=",
        "<",
        ">=",
        "and",
        "or",
        "not",
        "months",
        "3",
        " ",
        ".",
        "!",
        "=",
        "é",
    ];

    proptest! {
        #[test]
        fn on_any_text(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn on_any_sequence_of_formula_pieces(pieces in prop::collection::vec(0..PIECES.len(), 0..60)) {
            let text: Vec<&str> = pieces.into_iter().map(|i| PIECES[i]).collect();
            let text = text.join(" ");
            if let Ok(e) = parse(&text) {
                // What parses reads back from its canonical text as the same tree.
                prop_assert_eq!(parse(&e.to_string()).ok(), Some(e));
            }
        }
    }
}
