//! RC401 implicit-discard.

use rulecheck_syntax::model::DefinitionKind;
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

/// Whether, everywhere `filter` is applied, a later filter of the same `input-list` or `output-list`
/// follows it. Packets that reach its end then go on to the next filter instead of being discarded
/// (Junos "Guidelines for Applying Multiple Firewall Filters as a List": a filter list acts as one filter
/// whose implicit discard is that of its last filter).
fn always_followed(cx: &Context<'_>, filter: &str) -> bool {
    if cx
        .config
        .references
        .iter()
        .any(|r| r.kind == DefinitionKind::Filter && r.name.text == filter)
    {
        return false;
    }
    let mut bound = false;
    for unit in cx.config.interfaces.iter().flat_map(|i| &i.units) {
        for binding in unit.filters.iter().filter(|b| b.filter.text == filter) {
            bound = true;
            let last = unit
                .filters
                .iter()
                .filter(|o| o.family == binding.family && o.direction == binding.direction)
                .map(|o| o.position)
                .max();
            if last == Some(binding.position) {
                return false;
            }
        }
    }
    bound
}

/// Reports filters whose end some packet certainly reaches.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for report in cx
        .filters
        .iter()
        .filter(|r| !always_followed(cx, &r.filter.name.text))
    {
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
