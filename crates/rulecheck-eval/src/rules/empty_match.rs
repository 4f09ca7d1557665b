//! RC303 empty-match.

use rulecheck_syntax::{Code, Diagnostic};

use super::packet_length_impossible::ip_maximum;
use super::packet_length_too_small::too_small;
use crate::Context;
use crate::compile::PrefixLists;

rule! {
    /// ## What it does
    /// Reports a term or flow route whose own conditions contradict each other, so that it matches no
    /// packet at all: `protocol icmp` with `destination-port 80` (ICMP has no ports), `tcp-flags` on UDP, a
    /// `destination-address` list whose entries are all `except`, an `-except` that excludes everything.
    /// Impossible packet lengths are reported by RC101 and RC103 instead.
    ///
    /// ## Why is this bad?
    /// The term does nothing, but its author believed it did something. A discard that matches nothing is
    /// an open door.
    ///
    /// ## Example
    /// ```text
    /// term block-ping-port {
    ///     from { protocol icmp; destination-port 80; }    # ICMP carries no port
    ///     then discard;
    /// }
    /// ```
    pub struct EmptyMatch => EmptyMatch;
}

/// Reports terms and routes that match nothing.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let lists = PrefixLists::new(cx.config);
    for report in &cx.filters {
        let families = crate::analysis::families(report.filter.family);
        for (index, term) in report.terms.iter().enumerate() {
            if !report.filter.terms.iter().any(|t| std::ptr::eq(t, *term)) {
                continue;
            }
            if report
                .walks
                .iter()
                .any(|w| !w.terms[index].compiled.space.is_empty())
                || explained(&term.conditions, families, &lists)
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::EmptyMatch,
                    term.name.loc,
                    format!(
                        "term `{}` matches no packet: its conditions contradict each other",
                        term.name.text
                    ),
                )
                .in_term(&report.filter.name.text, Some(&term.name.text)),
            );
        }
    }
    for flow in &cx.flows {
        for (index, route) in flow.routes.iter().enumerate() {
            let family = crate::compile::flow_family(&route.conditions);
            if flow
                .walks
                .iter()
                .any(|w| !w.terms[index].compiled.space.is_empty())
                || explained(&route.conditions, &[family], &lists)
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::EmptyMatch,
                    route.name.loc,
                    format!(
                        "flow route `{}` matches no packet: its conditions contradict each other",
                        route.name.text
                    ),
                )
                .in_route(&route.name.text),
            );
        }
    }
}

/// Whether an impossible or too-small packet length (RC101, RC103) already explains the emptiness.
fn explained(
    conditions: &[rulecheck_syntax::model::Condition],
    families: &[crate::packet::AddressFamily],
    lists: &PrefixLists<'_>,
) -> bool {
    let max = ip_maximum(families);
    let impossible =
        super::packet_length_impossible::length_conditions(conditions).any(|c| match &c.values {
            rulecheck_syntax::model::Values::Ranges(r) => !c.except && r.iter().all(|v| v.lo > max),
            _ => false,
        });
    impossible || too_small(conditions, families, lists).is_some()
}
