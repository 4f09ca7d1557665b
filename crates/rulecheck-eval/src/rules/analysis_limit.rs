//! RC090 analysis-limit: a bound on work or input was reached, so a verdict could not be proved.

rule! {
    /// ## What it does
    /// Reports that a resource bound stopped the analysis of a filter or of the flow routes: too many
    /// fragments of packet space, too many terms, a file too large. The finding names the bound and where
    /// the analysis stopped.
    ///
    /// ## Why is this bad?
    /// rulecheck fails closed: an analysis it could not finish is not a pass, so the push is blocked rather
    /// than waved through. Split the filter, simplify the terms, or raise the bound deliberately.
    ///
    /// ## Example
    /// ```text
    /// # a filter whose terms carve the address space into more pieces than the analysis budget allows
    /// ```
    pub struct AnalysisLimit => AnalysisLimit;
}

/// The finding for a check that could not finish within `[limits] analysis-budget`: `what` says which
/// question went unanswered. The other checks that use this are RC301 (which terms cover a term), RC402
/// (protected traffic) and RC405 (the routing engine's own sessions); each reports this instead of
/// staying silent.
pub fn unanswered(
    loc: rulecheck_syntax::Loc,
    what: &str,
    budget: u64,
) -> rulecheck_syntax::Diagnostic {
    rulecheck_syntax::Diagnostic::new(
        rulecheck_syntax::Code::AnalysisLimit,
        loc,
        format!(
            "{what} could not be decided: it needs more than {budget} pieces of packet space (the bound `[limits] analysis-budget`)"
        ),
    )
    .with_help("the check is not passed; simplify the terms, or raise `[limits] analysis-budget` in rulecheck.toml")
}

/// Reports every walk that ran out of budget.
pub fn check(cx: &crate::Context<'_>, out: &mut Vec<rulecheck_syntax::Diagnostic>) {
    use rulecheck_syntax::{Code, Diagnostic};
    for report in &cx.filters {
        for walk in &report.walks {
            if let Some(index) = walk.stopped_at {
                let term = report.terms[index];
                out.push(
                    Diagnostic::new(
                        Code::AnalysisLimit,
                        term.name.loc,
                        format!(
                            "analysis of filter `{}` ({}) stopped at term `{}`: it needs more than {} pieces of packet space (the bound `[limits] analysis-budget`)",
                            report.filter.name.text,
                            walk.family.name(),
                            term.name.text,
                            walk.budget
                        ),
                    )
                    .with_help("later terms are not checked; split the filter, simplify its terms, or raise `[limits] analysis-budget` in rulecheck.toml")
                    .in_term(&report.filter.name.text, Some(&term.name.text)),
                );
            }
        }
    }
    for flow in &cx.flows {
        for walk in &flow.walks {
            if let Some(index) = walk.stopped_at {
                let route = flow.routes[index];
                out.push(
                    Diagnostic::new(Code::AnalysisLimit, route.name.loc, format!("analysis of the flow routes stopped at `{}`: it needs more than {} pieces of packet space (the bound `[limits] analysis-budget`)", route.name.text, walk.budget))
                        .with_help("later routes are not checked; simplify the routes or raise `[limits] analysis-budget` in rulecheck.toml")
                        .in_route(&route.name.text),
                );
            }
        }
    }
}
