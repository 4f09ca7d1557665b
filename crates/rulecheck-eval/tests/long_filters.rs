//! Checks on filters longer than the windows and chunks the evaluator shares work out by: the same
//! findings as on a short filter, wherever in the filter the terms involved stand.

use std::fmt::Write as _;

use rulecheck_eval::{Settings, check_with_threads};
use rulecheck_syntax::{Code, Diagnostic, parse_str};

/// 600 terms, each accepting TCP to one host; then discards that overlap host 10 (found by the scan
/// of the first terms) and host 580 (found only past it), and one that overlaps no host.
fn long_filter() -> String {
    let mut terms = String::new();
    for i in 0..600 {
        let _ = writeln!(
            terms,
            "term host-{i} {{ from {{ destination-address 10.0.{}.{}/32; protocol tcp; }} then accept; }}",
            i / 250,
            i % 250
        );
    }
    for (name, address) in [
        ("near", "10.0.0.10/31"),
        ("far", "10.0.2.80/31"),
        ("apart", "192.0.2.0/24"),
    ] {
        let _ = writeln!(
            terms,
            "term drop-{name} {{ from {{ destination-address {address}; }} then discard; }}"
        );
    }
    format!(
        "firewall {{ family inet {{ filter long {{\n{terms}term rest {{ then accept; }}\n}} }} }}\n"
    )
}

fn correlated(found: &[Diagnostic]) -> Vec<(String, String)> {
    found
        .iter()
        .filter(|d| d.code == Code::CorrelatedTerms)
        .map(|d| {
            let earlier = d.message.split('`').nth(3).unwrap_or_default().to_owned();
            (d.term.clone().unwrap_or_default(), earlier)
        })
        .collect()
}

#[test]
fn correlated_terms_are_found_before_and_past_the_scan_window_on_any_threads() {
    let (_, parsed) = parse_str("long.conf", &long_filter());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let expected = vec![
        ("drop-near".to_owned(), "host-10".to_owned()),
        ("drop-far".to_owned(), "host-580".to_owned()),
    ];
    for threads in [1, 2, 3] {
        let found = check_with_threads(&parsed.config, &Settings::default(), threads);
        assert_eq!(correlated(&found), expected, "{threads} threads");
    }
}
