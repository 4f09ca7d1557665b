//! RC402 protected-flow-discarded.

use rulecheck_syntax::model::Verdict;
use rulecheck_syntax::{Code, Diagnostic};

use crate::compile::address_set;
use crate::packet::AddressFamily;
use crate::report::witness;
use crate::rules::analysis_limit::unanswered;
use crate::space::{Cube, Field, HeaderSpace, IntervalSet};
use crate::{Context, Protect};

rule! {
    /// ## What it does
    /// Reports a term or flow route that discards traffic that `rulecheck.toml` marks as protected
    /// (`[[protect]]`), and a filter whose implicit final discard catches protected traffic. The finding
    /// names the protected flow and gives a packet of it that is discarded.
    ///
    /// ## Why is this bad?
    /// Protected flows are the traffic that must always pass — customer services, BGP, monitoring. A rule
    /// that discards them is an outage waiting for its push; in 2020 a flow route meant for one address
    /// matched BGP itself and kept a backbone down for hours.
    ///
    /// ## Example
    /// ```text
    /// # rulecheck.toml: [[protect]] name = "customer-web", destination = "198.51.100.0/24",
    /// #                 protocol = "tcp", destination-port = "443"
    /// term drop-customers { from { destination-address 198.51.100.0/25; } then discard; }
    /// ```
    pub struct ProtectedFlowDiscarded => ProtectedFlowDiscarded;
}

/// The packets of a protected flow in `family`.
pub fn protected_space(protect: &Protect, family: AddressFamily) -> HeaderSpace {
    let v6 = family == AddressFamily::Inet6;
    let addresses = |list: &[rulecheck_syntax::model::Address]| -> Option<Option<IntervalSet>> {
        if list.is_empty() {
            return Some(None);
        }
        let mut set = IntervalSet::empty();
        for a in list.iter().filter(|a| a.v6 == v6) {
            set = set.union(&address_set(*a)?);
        }
        if set.is_empty() {
            None
        } else {
            Some(Some(set))
        }
    };
    let (Some(source), Some(destination)) =
        (addresses(&protect.source), addresses(&protect.destination))
    else {
        return HeaderSpace::empty(family);
    };
    let mut cube = Cube::full(family);
    if let Some(s) = source {
        cube = cube.restrict(Field::SourceAddress, &s);
    }
    if let Some(d) = destination {
        cube = cube.restrict(Field::DestinationAddress, &d);
    }
    let ranges = |r: &[(u128, u128)]| IntervalSet::from_ranges(r.iter().copied());
    if !protect.protocol.is_empty() {
        let r: Vec<(u128, u128)> = protect
            .protocol
            .iter()
            .map(|&(a, b)| (u128::from(a), u128::from(b)))
            .collect();
        cube = cube.restrict(Field::Protocol, &ranges(&r));
    }
    if !protect.source_port.is_empty() {
        let r: Vec<(u128, u128)> = protect
            .source_port
            .iter()
            .map(|&(a, b)| (u128::from(a), u128::from(b)))
            .collect();
        cube = cube.restrict(Field::SourcePort, &ranges(&r));
    }
    if !protect.destination_port.is_empty() {
        let r: Vec<(u128, u128)> = protect
            .destination_port
            .iter()
            .map(|&(a, b)| (u128::from(a), u128::from(b)))
            .collect();
        cube = cube.restrict(Field::DestinationPort, &ranges(&r));
    }
    HeaderSpace::from_cube(family, &cube)
}

/// Reports discards of protected traffic.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for protect in &cx.settings.protect {
        for report in &cx.filters {
            for walk in &report.walks {
                let protected = protected_space(protect, walk.family);
                if protected.is_empty() {
                    continue;
                }
                for (index, term) in walk.terms.iter().enumerate() {
                    if term.verdict != Verdict::Discard || term.compiled.uncertain {
                        continue;
                    }
                    let t = report.terms[index];
                    let Ok(decided) = walk.decided_must_within(index, &protected) else {
                        out.push(
                            unanswered(
                                t.name.loc,
                                &format!(
                                    "whether term `{}` discards protected traffic `{}`",
                                    t.name.text, protect.name
                                ),
                                walk.budget,
                            )
                            .in_term(&report.filter.name.text, Some(&t.name.text)),
                        );
                        continue;
                    };
                    let Some(w) = decided.witness() else {
                        continue;
                    };
                    out.push(
                        Diagnostic::new(
                            Code::ProtectedFlowDiscarded,
                            t.name.loc,
                            format!(
                                "term `{}` discards protected traffic `{}`",
                                t.name.text, protect.name
                            ),
                        )
                        .in_term(&report.filter.name.text, Some(&t.name.text))
                        .with_witness(witness(&w)),
                    );
                }
                if walk.stopped_at.is_none() {
                    let Ok(reaching) = walk.remaining_within(&protected, true) else {
                        out.push(
                            unanswered(
                                report.filter.name.loc,
                                &format!(
                                    "whether protected traffic `{}` reaches the end of filter `{}`",
                                    protect.name, report.filter.name.text
                                ),
                                walk.budget,
                            )
                            .in_term(&report.filter.name.text, None),
                        );
                        continue;
                    };
                    if let Some(w) = reaching.witness() {
                        out.push(
                            Diagnostic::new(
                                Code::ProtectedFlowDiscarded,
                                report.filter.name.loc,
                                format!("protected traffic `{}` reaches the end of filter `{}` and is discarded by its implicit final discard", protect.name, report.filter.name.text),
                            )
                            .in_term(&report.filter.name.text, None)
                            .with_witness(witness(&w)),
                        );
                    }
                }
            }
        }
        for flow in &cx.flows {
            for walk in &flow.walks {
                let protected = protected_space(protect, walk.family);
                for (index, term) in walk.terms.iter().enumerate() {
                    if term.verdict != Verdict::Discard || term.compiled.uncertain {
                        continue;
                    }
                    // Without a defined order any overlapping route may win: the route's own space counts.
                    let route = flow.routes[index];
                    let space = if flow.ordered() {
                        walk.decided_must_within(index, &protected)
                    } else {
                        Ok(term.compiled.space.intersect(&protected))
                    };
                    let Ok(space) = space else {
                        out.push(
                            unanswered(
                                route.name.loc,
                                &format!(
                                    "whether flow route `{}` discards protected traffic `{}`",
                                    route.name.text, protect.name
                                ),
                                walk.budget,
                            )
                            .in_route(&route.name.text),
                        );
                        continue;
                    };
                    let Some(w) = space.witness() else {
                        continue;
                    };
                    out.push(
                        Diagnostic::new(
                            Code::ProtectedFlowDiscarded,
                            route.name.loc,
                            format!(
                                "flow route `{}` discards protected traffic `{}`",
                                route.name.text, protect.name
                            ),
                        )
                        .in_route(&route.name.text)
                        .with_witness(witness(&w)),
                    );
                }
            }
        }
    }
}
