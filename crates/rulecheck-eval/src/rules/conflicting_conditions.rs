//! RC306 conflicting-conditions.

use rulecheck_syntax::model::{Condition, MatchField, Values};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;

rule! {
    /// ## What it does
    /// Reports combinations of conditions that Junos refuses in one term: `port` together with
    /// `source-port` or `destination-port`, and `address` (or `prefix-list`) together with
    /// `source-address`/`destination-address` (or their prefix lists). Junos documents that "you cannot
    /// specify the destination-address and address match conditions in the same term"; the same holds for
    /// ports.
    ///
    /// ## Why is this bad?
    /// The commit fails on the router. Split the term in two: one for the either-side condition, one for the
    /// directional one.
    ///
    /// ## Example
    /// ```text
    /// term dns {
    ///     from { port 53; destination-port 53; }    # `port` already means source or destination
    ///     then accept;
    /// }
    /// ```
    pub struct ConflictingConditions => ConflictingConditions;
}

fn is_prefix_list(c: &Condition) -> bool {
    matches!(c.values, Values::PrefixLists(_))
}

/// Reports every conflicting pair.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for report in &cx.filters {
        for term in &report.filter.terms {
            let find = |field: MatchField| term.conditions.iter().filter(move |c| c.field == field);
            let pairs = [
                (
                    MatchField::Port,
                    MatchField::SourcePort,
                    "port",
                    "source-port",
                ),
                (
                    MatchField::Port,
                    MatchField::DestinationPort,
                    "port",
                    "destination-port",
                ),
                (
                    MatchField::Address,
                    MatchField::SourceAddress,
                    "address",
                    "source-address",
                ),
                (
                    MatchField::Address,
                    MatchField::DestinationAddress,
                    "address",
                    "destination-address",
                ),
            ];
            for (either, side, either_name, side_name) in pairs {
                let Some(a) = find(either).next() else {
                    continue;
                };
                let Some(b) = find(side).next() else { continue };
                let name = |c: &Condition, base: &str| {
                    if is_prefix_list(c) {
                        base.replace("address", "prefix-list")
                    } else {
                        base.to_owned()
                    }
                };
                let (an, bn) = (name(a, either_name), name(b, side_name));
                out.push(
                    Diagnostic::new(Code::ConflictingConditions, b.loc, format!("`{bn}` cannot be combined with `{an}` in one term; Junos rejects the commit"))
                        .with_related(a.loc, format!("`{an}` matches either side"))
                        .with_help("split the term: one for the either-side condition, one for the directional one")
                        .in_term(&report.filter.name.text, Some(&term.name.text)),
                );
            }
        }
    }
}
