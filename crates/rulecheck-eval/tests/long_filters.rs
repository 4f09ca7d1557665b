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

/// 24 terms with `action`, each on one /28 of 10.0.0.0/24 (ports 0-1023) and then 1024-65535 for all of
/// it: together they catch all TCP with ports to the /24, and no one of them alone does. Then a term
/// with `last` for all of that.
fn covered_piecemeal(action: &str, last: &str) -> String {
    let mut terms = String::new();
    for i in 0..16 {
        let _ = writeln!(
            terms,
            "term low-{i} {{ from {{ destination-address 10.0.0.{}/28; protocol tcp; destination-port 0-1023; }} then {action}; }}",
            i * 16
        );
    }
    for i in 0..8 {
        let _ = writeln!(
            terms,
            "term high-{i} {{ from {{ destination-address 10.0.0.{}/27; protocol tcp; destination-port 1024-65535; }} then {action}; }}",
            i * 32
        );
    }
    let _ = writeln!(
        terms,
        "term all {{ from {{ destination-address 10.0.0.0/24; protocol tcp; destination-port 0-65535; }} then {last}; }}"
    );
    format!(
        "firewall {{ family inet {{ filter wide {{\n{terms}term rest {{ then accept; }}\n}} }} }}\n"
    )
}

fn finding_on(found: &[Diagnostic], term: &str) -> Diagnostic {
    let hits: Vec<&Diagnostic> = found
        .iter()
        .filter(|d| d.term.as_deref() == Some(term))
        .collect();
    assert_eq!(hits.len(), 1, "{found:#?}");
    hits[0].clone()
}

#[test]
fn a_shadowed_term_covered_by_many_lists_the_first_found_and_says_there_are_more() {
    let (_, parsed) = parse_str("wide.conf", &covered_piecemeal("accept", "discard"));
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    for threads in [1, 2] {
        let found = check_with_threads(&parsed.config, &Settings::default(), threads);
        let d = finding_on(&found, "all");
        assert_eq!(d.code, Code::ShadowedTerm);
        // The search stops at the listed number of blockers, once one of them acts differently.
        assert_eq!(
            d.related.len(),
            rulecheck_eval::rules::shadowed_term::LISTED_BLOCKERS
        );
        assert!(d.message.contains("and at least 11 more"), "{}", d.message);
        assert!(d.witness.is_some());
    }
}

#[test]
fn a_redundant_term_covered_by_many_lists_them_all() {
    // Only the whole search shows that no blocker acts differently, so every one is found and listed.
    let (_, parsed) = parse_str("wide.conf", &covered_piecemeal("accept", "accept"));
    let found = check_with_threads(&parsed.config, &Settings::default(), 2);
    let d = finding_on(&found, "all");
    assert_eq!(d.code, Code::RedundantTerm);
    assert_eq!(d.related.len(), 24);
    assert!(d.message.contains("and 19 more"), "{}", d.message);
}
