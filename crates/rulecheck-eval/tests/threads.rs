//! The findings do not depend on the number of threads: the same list, in the same order.

#[allow(dead_code)]
#[path = "../../../benches/generate.rs"]
mod generate;

use rulecheck_eval::{Settings, check_with_threads};

#[test]
fn findings_are_the_same_on_one_thread_and_on_several() {
    // Several filters of both families, flow routes, shadowed terms on purpose: every check has work.
    let text = generate::filter_config(1_500, 7);
    let (_, parsed) = rulecheck_syntax::parse_str("generated.conf", &text);
    let settings = Settings::default();
    let one = check_with_threads(&parsed.config, &settings, 1);
    assert!(
        one.len() > 100,
        "the generated configuration should give findings, got {}",
        one.len()
    );
    for threads in [2, 3, 8] {
        let many = check_with_threads(&parsed.config, &settings, threads);
        assert!(one == many, "{threads} threads give other findings");
    }
}

#[test]
fn findings_are_the_same_whatever_the_parts_the_filters_are_checked_in() {
    let text = generate::filter_config(1_500, 11);
    let (_, parsed) = rulecheck_syntax::parse_str("generated.conf", &text);
    assert!(parsed.config.filters.len() >= 3);
    let settings = Settings::default();
    let sorted = |mut found: Vec<rulecheck_syntax::Diagnostic>| {
        rulecheck_syntax::diagnostic::sort(&mut found);
        found
    };
    let whole = sorted(rulecheck_eval::check_in_parts(
        &parsed.config,
        &settings,
        2,
        usize::MAX,
    ));
    assert!(whole.len() > 100, "got {}", whole.len());
    // One filter per part; parts of a few filters; half parts of one filter each, four in a row (the
    // three filters and the flow table), which two threads share out.
    let largest = parsed.config.filters.iter().map(|f| f.terms.len()).max();
    for part_terms in [1, 600, 2 * largest.unwrap_or(0)] {
        let parts = sorted(rulecheck_eval::check_in_parts(
            &parsed.config,
            &settings,
            2,
            part_terms,
        ));
        assert!(
            whole == parts,
            "parts of {part_terms} terms give other findings"
        );
    }
}

#[test]
fn parts_shared_out_among_threads_give_the_findings_in_the_same_order() {
    let text = generate::filter_config(1_500, 13);
    let (_, parsed) = rulecheck_syntax::parse_str("generated.conf", &text);
    let settings = Settings::default();
    // Half parts of one filter each, four in a row: on two threads, each thread walks and checks its
    // own; on three, too few to share out.
    let largest = parsed.config.filters.iter().map(|f| f.terms.len()).max();
    let part_terms = 2 * largest.unwrap_or(0);
    let one = rulecheck_eval::check_in_parts(&parsed.config, &settings, 1, part_terms);
    assert!(one.len() > 100, "got {}", one.len());
    for threads in [2, 3] {
        let many = rulecheck_eval::check_in_parts(&parsed.config, &settings, threads, part_terms);
        assert!(one == many, "{threads} threads give other findings");
    }
}
