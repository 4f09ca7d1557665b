//! The analysis budget (`[limits] analysis-budget`): every check that runs out of it says so with an
//! RC090 finding that names the bound and blocks (error), instead of staying silent or downgrading.

use std::fmt::Write as _;

use rulecheck_eval::{Protect, Settings};
use rulecheck_syntax::{Code, Diagnostic, Severity, parse_str};

/// `n` accepting terms, each a different source /24 and destination port, so what is left after them is
/// in many pieces; then `last`.
fn scattered_filter(n: usize, last: &str) -> String {
    let mut terms = String::new();
    for i in 0..n {
        let _ = writeln!(
            terms,
            "term t{i} {{ from {{ source-address 10.{}.{}.0/24; protocol tcp; destination-port {}; }} then accept; }}",
            i / 250,
            i % 250,
            1000 + i
        );
    }
    format!("firewall {{ family inet {{ filter f {{\n{terms}{last}\n}} }} }}\n")
}

fn limits(found: &[Diagnostic]) -> Vec<&Diagnostic> {
    found
        .iter()
        .filter(|d| d.code == Code::AnalysisLimit)
        .collect()
}

fn assert_names_the_bound(d: &Diagnostic) {
    assert_eq!(d.severity, Severity::Error, "{d:?}");
    assert!(
        d.message.contains("[limits] analysis-budget"),
        "the finding names the bound: {}",
        d.message
    );
}

#[test]
fn the_default_budget_is_the_documented_one() {
    assert_eq!(
        Settings::default().bounds.analysis_budget,
        rulecheck_eval::analysis::CUBE_BUDGET
    );
}

/// The checks' context for `text`, with every walk's on-demand budget set to `budget` cubes: the walks
/// themselves finished, the questions asked of them afterwards run out.
fn starved(
    text: &str,
    settings: &Settings,
    budget: u64,
    run: fn(&rulecheck_eval::Context<'_>, &mut Vec<Diagnostic>),
) -> Vec<Diagnostic> {
    let (_, parsed) = parse_str("bounds.conf", text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let config = &parsed.config;
    let (mut filters, mut flows) =
        rulecheck_eval::report::analyse(config, settings.bounds.analysis_budget);
    for walk in filters
        .iter_mut()
        .flat_map(|f| &mut f.walks)
        .chain(flows.iter_mut().flat_map(|f| &mut f.walks))
    {
        assert!(walk.stopped_at.is_none());
        walk.budget = budget;
    }
    let cost = rulecheck_eval::cost::cost(config);
    let cx = rulecheck_eval::Context {
        config,
        settings,
        filters,
        flows,
        cost: &cost,
        threads: 1,
    };
    let mut out = Vec::new();
    run(&cx, &mut out);
    out
}

/// RC402 used to drop a question it could not answer within the budget: a discard of protected traffic
/// went unreported.
#[test]
fn protected_traffic_too_complex_to_decide_is_not_a_pass() {
    let text = scattered_filter(40, "term rest { then discard; }");
    let settings = Settings {
        protect: vec![Protect {
            name: "everything".into(),
            ..Protect::default()
        }],
        ..Settings::default()
    };
    let run = rulecheck_eval::rules::protected_flow_discarded::check;
    let roomy = starved(&text, &settings, rulecheck_eval::analysis::CUBE_BUDGET, run);
    assert!(
        roomy.iter().any(|d| d.code == Code::ProtectedFlowDiscarded),
        "{roomy:#?}"
    );
    assert!(limits(&roomy).is_empty(), "{roomy:#?}");

    let found = starved(&text, &settings, 1, run);
    assert!(
        !found.iter().any(|d| d.code == Code::ProtectedFlowDiscarded),
        "{found:#?}"
    );
    let unanswered = limits(&found);
    assert!(!unanswered.is_empty(), "{found:#?}");
    for d in unanswered {
        assert_names_the_bound(d);
        assert!(
            d.message.contains("protected traffic `everything`"),
            "{}",
            d.message
        );
    }
}

/// RC301 used to become RC302 (a warning) when the budget ran out before a blocker with a different
/// action was found.
#[test]
fn a_shadowed_term_too_complex_to_explain_is_not_downgraded() {
    let text = "firewall { family inet { filter f {\n\
        term a { from { protocol tcp; destination-port 0-1023; } then accept; }\n\
        term b { from { protocol tcp; destination-port 1024-65535; } then accept; }\n\
        term c { from { protocol tcp; source-port 22; } then discard; }\n\
        term rest { then accept; }\n} } }\n";
    let run = rulecheck_eval::rules::shadowed_term::check;
    let roomy = starved(
        text,
        &Settings::default(),
        rulecheck_eval::analysis::CUBE_BUDGET,
        run,
    );
    assert!(
        roomy.iter().any(|d| d.code == Code::ShadowedTerm),
        "{roomy:#?}"
    );

    let found = starved(text, &Settings::default(), 0, run);
    assert!(
        !found.iter().any(|d| d.code == Code::RedundantTerm),
        "a shadowed term reported as merely redundant: {found:#?}"
    );
    let unanswered = limits(&found);
    assert_eq!(unanswered.len(), 1, "{found:#?}");
    assert_names_the_bound(unanswered[0]);
    assert!(
        unanswered[0].message.contains("term `c`"),
        "{}",
        unanswered[0].message
    );
}
