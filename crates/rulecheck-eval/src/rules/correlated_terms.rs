//! RC304 correlated-terms.

use rulecheck_syntax::model::Verdict;
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::report::witness;
use crate::space::Budget;

rule! {
    /// ## What it does
    /// Reports a term that partly overlaps an earlier term with a different action: some packets match
    /// both, the earlier term decides them, and the later term still decides others. The finding names the
    /// earlier term and gives a packet from the overlap.
    ///
    /// ## Why is this bad?
    /// Often it is intended (a specific discard before a general accept). It is reported as information
    /// because the order of the two terms decides the fate of the overlap, and reordering them in a later
    /// change silently changes what the filter does.
    ///
    /// A term without match conditions is not reported: it is the catch-all that ends a filter, and
    /// deciding what the terms before it leave is what it is for.
    ///
    /// ## Example
    /// ```text
    /// term block-scanner { from { source-address 198.51.100.0/24; } then discard; }
    /// term allow-web     { from { protocol tcp; destination-port 443; } then accept; }  # overlap: scanner's HTTPS
    /// ```
    pub struct CorrelatedTerms => CorrelatedTerms;
}

/// Reports, for each term with match conditions, the first earlier term with a different action that
/// decides part of its packets.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.per_filter(out, |report, out| {
        let Some(walk) = report.walks.first() else {
            return;
        };
        let found = cx.per_term(walk.terms.len(), |index, out| {
            let term = &walk.terms[index];
            if term.verdict == Verdict::NextTerm
                || term.example.is_none()
                || report.terms[index].conditions.is_empty()
            {
                return;
            }
            let other_action = if term.verdict == Verdict::Accept {
                Verdict::Discard
            } else {
                Verdict::Accept
            };
            // The first earlier certain term with the other action that decides part of this term's
            // packets: the index gives the overlapping terms in order.
            let mut candidates = walk
                .index
                .overlapping_in_order(walk.index.boxes(index), index)
                .filter(|&j| {
                    let other = &walk.terms[j];
                    other.verdict == other_action && !other.compiled.uncertain
                });
            let found = candidates.find_map(|j| {
                let other = &walk.terms[j];
                // The reported packet is the smallest of the overlap `j` decides, as for every other
                // witness: it depends on the rules only, not on which probe found the overlap. When no
                // earlier term decides the overlap's smallest packet, that packet is it.
                let smallest = term.compiled.space.first_common(&other.compiled.space)?;
                if !walk.caught(&smallest, j, false) {
                    return Some((j, smallest));
                }
                let both = term.compiled.space.intersect(&other.compiled.space);
                let mut budget = Budget::new(walk.budget);
                let example = walk.example_after(&both, j, false, &mut budget).ok()??;
                let smallest = walk
                    .decided_within(j, &both)
                    .ok()
                    .and_then(|decided| decided.witness());
                Some((j, smallest.unwrap_or(example)))
            });
            let Some((j, overlap)) = found else { return };
            let (t, e) = (report.terms[index], report.terms[j]);
            let mut d = Diagnostic::new(
                Code::CorrelatedTerms,
                t.name.loc,
                format!(
                    "term `{}` ({}) overlaps earlier term `{}` ({}): packets matching both are decided by `{}`",
                    t.name.text,
                    term.verdict.as_str(),
                    e.name.text,
                    e.verdict().as_str(),
                    e.name.text
                ),
            )
            .with_related(e.name.loc, format!("term `{}` decides the overlap", e.name.text))
            .in_term(&report.filter.name.text, Some(&t.name.text));
            d = d.with_witness(witness(&overlap));
            out.push(d);
        });
        out.extend(found);
    });
}
