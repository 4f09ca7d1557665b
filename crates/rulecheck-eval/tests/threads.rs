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
