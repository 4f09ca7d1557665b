//! The keyword fixtures (`fixtures/keywords/`), written from Juniper's documentation, use every match
//! condition and every action rulecheck knows, in a place where Junos accepts it, and read without a
//! syntax, keyword or value finding.

use std::collections::BTreeSet;

use rulecheck_syntax::Code;
use rulecheck_syntax::keywords::{CONDITIONS, FILTER_ACTIONS, FLOW, FLOW_ACTIONS, FLOW_SHARED};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/keywords");

fn fixtures() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(FIXTURES)
        .expect("fixtures/keywords exists")
        .map(|entry| {
            let path = entry.expect("readable directory").path();
            let text = std::fs::read_to_string(&path).expect("readable fixture");
            (path.display().to_string(), text)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 2, "keyword fixtures are missing");
    files
}

/// The words of `text`: runs of letters, digits and `-`.
fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn keyword_fixtures_read_cleanly() {
    for (name, text) in fixtures() {
        let (_, parsed) = rulecheck_syntax::parse_str(&name, &text);
        let wrong: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|d| {
                matches!(
                    d.code,
                    Code::SyntaxError
                        | Code::UnknownStatement
                        | Code::InvalidValue
                        | Code::ValueOutOfRange
                )
            })
            .map(|d| {
                let snippet = &text[d.loc.span.start as usize..d.loc.span.end as usize];
                format!("{}: `{snippet}`: {}", d.code, d.message)
            })
            .collect();
        assert!(wrong.is_empty(), "{name}:\n{}", wrong.join("\n"));
        assert!(!parsed.config.filters.is_empty(), "{name} defines filters");
    }
}

#[test]
fn every_condition_and_action_has_a_fixture() {
    let texts: Vec<String> = fixtures().into_iter().map(|(_, text)| text).collect();
    let all = texts.join("\n");
    let used = words(&all);
    let flow_text = all
        .split("routing-options")
        .nth(1)
        .expect("a fixture has flow routes");
    let flow_used = words(flow_text);
    let mut missing = Vec::new();
    for condition in CONDITIONS {
        let found = if condition.places == FLOW {
            flow_used.contains(condition.name)
        } else {
            used.contains(condition.name)
        };
        if !found {
            missing.push(format!("condition `{}`", condition.name));
        }
    }
    for name in FLOW_SHARED {
        if !flow_used.contains(name) {
            missing.push(format!("flow-route condition `{name}`"));
        }
    }
    for (name, _) in FILTER_ACTIONS {
        if !used.contains(name) {
            missing.push(format!("filter action `{name}`"));
        }
    }
    for (name, _) in FLOW_ACTIONS {
        if !flow_used.contains(name) {
            missing.push(format!("flow-route action `{name}`"));
        }
    }
    assert!(
        missing.is_empty(),
        "no keyword fixture uses: {}",
        missing.join(", ")
    );
}

#[test]
fn keyword_fixtures_are_modeled() {
    // Every filter and term lands in the model, so the fixtures exercise the lowering, not only the parser.
    let (_, parsed) = rulecheck_syntax::parse_str("inet.conf", &fixtures()[0].1);
    let config = &parsed.config;
    let filter = config
        .filters
        .iter()
        .find(|f| f.name.text == "all-inet")
        .expect("filter all-inet");
    assert!(filter.terms.len() > 80, "{} terms", filter.terms.len());
    let (_, flow) = rulecheck_syntax::parse_str("inet6-flow.conf", &fixtures()[1].1);
    let routes: usize = flow.config.flow_tables.iter().map(|t| t.routes.len()).sum();
    assert_eq!(routes, 5);
}
