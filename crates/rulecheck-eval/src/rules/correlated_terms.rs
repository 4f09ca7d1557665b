//! RC304 correlated-terms.

use rulecheck_syntax::model::Verdict;
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::analysis::{TermResult, Walk};
use crate::packet::Packet;
use crate::report::witness;
use crate::space::{Budget, BudgetExceeded};

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
            // packets: the index gives the overlapping terms in order. Every earlier term that holds a
            // packet of this term is among them, so the ones before a candidate tell whether it is
            // the first to hold a packet.
            let mut before = Vec::new();
            let found = walk
                .index
                .overlapping_rule_lazily(index, index)
                .find_map(|j| {
                    let found = decides_overlap(walk, term, j, other_action, &before);
                    before.push(j);
                    found.map(|packet| (j, packet))
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

/// Whether earlier term `j` has the other action, is certain and decides part of `term`'s packets, and if
/// so the smallest packet of that part. `before` holds every term before `j` whose boxes meet `term`'s.
fn decides_overlap(
    walk: &Walk,
    term: &TermResult,
    j: usize,
    other_action: Verdict,
    before: &[usize],
) -> Option<Packet> {
    let other = &walk.terms[j];
    if other.verdict != other_action || other.compiled.uncertain {
        return None;
    }
    // The reported packet is the smallest of the overlap `j` decides, as for every other witness: it
    // depends on the rules only, not on which probe found the overlap. When no earlier term decides
    // the overlap's smallest packet, that packet is it.
    let smallest = term.compiled.space.first_common(&other.compiled.space)?;
    if !walk.caught_among(&smallest, before) {
        return Some(smallest);
    }
    let both = term.compiled.space.intersect(&other.compiled.space);
    match walk.decided_within(j, &both) {
        Ok(decided) => decided.witness(),
        // Too many pieces to find the smallest: any packet of the part `j` decides.
        Err(BudgetExceeded) => walk
            .example_after(&both, j, false, &mut Budget::new(walk.budget))
            .ok()?,
    }
}

#[cfg(test)]
mod tests {
    use crate::{Settings, check_with_threads};
    use rulecheck_syntax::{Code, parse_str};

    /// The RC304 findings of a filter of `terms` (the findings name the term and the earlier one, and
    /// give the witness's destination).
    fn correlated(terms: &str) -> Vec<(String, String, String)> {
        let text = format!("firewall {{ family inet {{ filter f {{\n{terms}\n}} }} }}\n");
        let (_, parsed) = parse_str("t.conf", &text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        check_with_threads(&parsed.config, &Settings::default(), 1)
            .into_iter()
            .filter(|d| d.code == Code::CorrelatedTerms)
            .map(|d| {
                let earlier = d.message.split('`').nth(3).unwrap_or_default().to_owned();
                let witness = d.witness.map(|w| w.destination).unwrap_or_default();
                (d.term.unwrap_or_default(), earlier, witness)
            })
            .collect()
    }

    /// When the smallest packet two terms share is decided by a term before both, the earlier of the two
    /// decides only part of the overlap: the finding gives a packet of that part (SSH to the upper
    /// half of the /24, the lower half being accepted first).
    #[test]
    fn the_witness_is_decided_by_the_earlier_term_named() {
        let found = correlated(
            "term low { from { destination-address 10.0.0.0/25; } then accept; }
             term block { from { destination-address 10.0.0.0/24; protocol tcp; destination-port 22; } then discard; }
             term web { from { destination-address 10.0.0.0/24; protocol tcp; } then accept; }",
        );
        let web: Vec<_> = found.iter().filter(|(t, _, _)| t == "web").collect();
        assert_eq!(
            web,
            [&(
                "web".to_owned(),
                "block".to_owned(),
                "10.0.0.128".to_owned()
            )]
        );
    }

    /// An earlier term with the other action whose part of the overlap a term before it decides
    /// entirely decides nothing of it, and is not named (the later term still decides the other /24).
    #[test]
    fn a_term_that_decides_none_of_the_overlap_is_not_named() {
        let found = correlated(
            "term all { from { destination-address 10.0.0.0/24; } then accept; }
             term block { from { destination-address 10.0.0.0/24; protocol tcp; destination-port 22; } then discard; }
             term web { from { destination-address 10.0.0.0/23; protocol tcp; } then accept; }",
        );
        assert!(found.iter().all(|(t, _, _)| t != "web"), "{found:?}");
    }
}
