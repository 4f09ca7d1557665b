//! RC303 empty-match.

use std::collections::HashSet;

use rulecheck_syntax::model::{Condition, Values};
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
    /// Impossible packet lengths are reported by RC101 and RC103 instead, and so is a term left matching
    /// nothing by a value that is invalid (RC003), out of range (RC104) or an undefined prefix list (RC010).
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
    let defined: HashSet<&str> = cx
        .config
        .prefix_lists
        .iter()
        .map(|l| l.name.text.as_str())
        .collect();
    for report in &cx.filters {
        let families = crate::analysis::families(report.filter.family);
        for (index, term) in report.terms.iter().enumerate() {
            if !report.filter.owns(term) {
                continue;
            }
            if report
                .walks
                .iter()
                .any(|w| !w.terms[index].compiled.space.is_empty())
                || explained(&term.conditions, families, &lists, &defined)
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
                || explained(&route.conditions, &[family], &lists, &defined)
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

/// Whether another finding already explains the emptiness: an impossible or too-small packet length
/// (RC101, RC103), or a condition that lost its values because they were invalid or out of range (RC003,
/// RC104, or RC001 for a missing value) or that names an undefined prefix list (RC010). The evaluator models
/// such a condition as matching nothing, which is no contradiction between the term's conditions.
fn explained(
    conditions: &[Condition],
    families: &[crate::packet::AddressFamily],
    lists: &PrefixLists<'_>,
    defined: &HashSet<&str>,
) -> bool {
    let max = ip_maximum(families);
    let impossible =
        super::packet_length_impossible::length_conditions(conditions).any(|c| match &c.values {
            Values::Ranges(r) => !c.except && r.iter().all(|v| v.lo > max),
            _ => false,
        });
    let lost_values = conditions.iter().any(|c| match &c.values {
        Values::Ranges(r) => r.is_empty(),
        Values::Addresses(a) => a.is_empty(),
        Values::Fragments(f) => f.is_empty(),
        Values::PrefixLists(refs) => {
            refs.is_empty() || refs.iter().any(|r| !defined.contains(r.name.text.as_str()))
        }
        Values::Bits(_) | Values::Opaque(_) => false,
    });
    impossible || lost_values || too_small(conditions, families, lists).is_some()
}
