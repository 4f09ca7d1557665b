//! RC401 implicit-discard.

use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::report::witness;

rule! {
    /// ## What it does
    /// Reports a filter that some traffic reaches the end of without any term deciding it. Junos discards
    /// such packets silently: every filter ends with an implicit `then discard`. The finding gives a packet
    /// that falls off the end.
    ///
    /// ## Why is this bad?
    /// Silent discards are the hardest outages to debug: nothing counts them, nothing logs them. If the
    /// discard is intended, say so with a final term (`term default-deny { then { count denied; discard; } }`)
    /// and the finding goes away; if not, the filter is missing an accept.
    ///
    /// ## Example
    /// ```text
    /// filter edge-in {
    ///     term allow-web { from { protocol tcp; destination-port [ 80 443 ]; } then accept; }
    ///     # everything else, BGP and ICMP included, is silently discarded
    /// }
    /// ```
    pub struct ImplicitDiscard => ImplicitDiscard;
}

/// Reports filters whose end some packet certainly reaches.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for report in &cx.filters {
        for walk in &report.walks {
            if walk.stopped_at.is_some() {
                continue;
            }
            let Some(w) = &walk.remaining_must_example else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    Code::ImplicitDiscard,
                    report.filter.name.loc,
                    format!("some {} traffic reaches the end of filter `{}` and is silently discarded", walk.family.name(), report.filter.name.text),
                )
                .with_help("end the filter with an explicit term (`then accept`, or `then { count …; discard; }`) so the intent is written down")
                .in_term(&report.filter.name.text, None)
                .with_witness(witness(w)),
            );
            break;
        }
    }
}
