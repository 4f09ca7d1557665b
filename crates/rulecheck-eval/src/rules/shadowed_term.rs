//! RC301 shadowed-term, and RC302 redundant-term, which the same analysis finds.

use rulecheck_syntax::model::Verdict;
use rulecheck_syntax::{Code, Diagnostic, Loc};

use crate::Context;
use crate::analysis::Walk;
use crate::report::witness;

rule! {
    /// ## What it does
    /// Reports a term that can never decide a packet because earlier terms with a different action catch
    /// every packet it matches — one earlier term, or only the union of several. The finding lists the
    /// earlier terms (the first 16, in order, when more than that share it out and one of them acts
    /// differently) and gives a packet the term matches that an earlier term decides otherwise.
    ///
    /// ## Why is this bad?
    /// The term's author expected it to act, and it never will: a `discard` that never fires lets attack
    /// traffic through; an `accept` that never fires blackholes traffic. Pairwise checks miss the case where
    /// no single earlier term covers it but several together do.
    ///
    /// ## Example
    /// ```text
    /// term allow-low  { from { destination-port 0-1023; }     then accept; }
    /// term allow-high { from { destination-port 1024-65535; } then accept; }
    /// term block-ssh  { from { protocol tcp; destination-port 22; } then discard; }   # never reached
    /// ```
    pub struct ShadowedTerm => ShadowedTerm;
}

/// A rule that earlier rules cover, with what covers it.
pub struct Covered {
    /// Index of the covered rule.
    pub index: usize,
    /// Earlier rules that catch part of its packets, in order: the first ones if [`Covered::more`].
    pub blockers: Vec<usize>,
    /// Whether some blocker acts differently.
    pub shadowed: bool,
    /// A packet the rule matches that the first blocker with a different action (else the first
    /// blocker) decides: the smallest such packet.
    pub witness: Option<crate::packet::Packet>,
    /// Whether every blocker was found. When the budget runs out first and no blocker found so far acts
    /// differently, whether the rule is shadowed (an error) or only redundant is not known.
    pub complete: bool,
    /// Whether the search stopped once it had [`LISTED_BLOCKERS`] blockers and one that acts
    /// differently: more earlier rules may catch part of its packets.
    pub more: bool,
}

/// Blockers a finding lists before the search for more stops (once one of them acts differently). A
/// broad term after thousands of narrow ones can be covered piecemeal by thousands; finding them all
/// costs time in proportion to the filter for every such term, and a list that long helps no reader.
pub const LISTED_BLOCKERS: usize = 16;

/// The rules of a walked list that never decide a packet although they match some.
pub fn covered(walks: &[Walk]) -> Vec<Covered> {
    let count = walks.first().map_or(0, |w| w.terms.len());
    (0..count)
        .filter_map(|index| covered_at(walks, index))
        .collect()
}

/// Rule `index` of a walked list, if it never decides a packet although it matches some.
pub fn covered_at(walks: &[Walk], index: usize) -> Option<Covered> {
    let verdict = walks.first()?.terms[index].verdict;
    if verdict == Verdict::NextTerm {
        return None;
    }
    let live: Vec<&Walk> = walks
        .iter()
        .filter(|w| !w.terms[index].compiled.space.is_empty())
        .collect();
    if live.is_empty()
        || live
            .iter()
            .any(|w| w.stopped_at.is_some_and(|s| s <= index) || w.terms[index].example.is_some())
    {
        return None;
    }
    let mut blockers = Vec::new();
    let mut shadowed = false;
    let mut witness = None;
    let mut complete = true;
    let mut more = false;
    for walk in &live {
        let mut count = blockers.len();
        let mut differs = shadowed;
        let known = &blockers;
        let enough = |j: usize| {
            if !known.contains(&j) {
                count += 1;
            }
            differs |= walk.terms[j].verdict != verdict;
            differs && count >= LISTED_BLOCKERS
        };
        // Too complex to say which terms cover it (the budget ran out): the walk's verdict, that it
        // decides nothing, stands; `complete` records the gap.
        let Ok((found, all)) =
            walk.deciders_until(&walk.terms[index].compiled.space, index, enough)
        else {
            complete = false;
            continue;
        };
        for (j, example) in found {
            if !blockers.contains(&j) {
                blockers.push(j);
            }
            let differs = walk.terms[j].verdict != verdict;
            if differs && !shadowed {
                shadowed = true;
                witness = Some(example);
            } else if witness.is_none() {
                witness = Some(example);
            }
        }
        if !all {
            more = true;
            break;
        }
    }
    blockers.sort_unstable();
    Some(Covered {
        index,
        blockers,
        shadowed,
        witness,
        complete,
        more,
    })
}

fn describe(names: &[(String, Loc, Verdict)], blockers: &[usize], more: bool) -> String {
    let quoted: Vec<String> = blockers
        .iter()
        .take(5)
        .map(|&j| format!("`{}`", names[j].0))
        .collect();
    let rest = blockers.len().saturating_sub(5);
    let mut text = quoted.join(", ");
    use std::fmt::Write as _;
    match (rest, more) {
        (0, false) => {}
        (0, true) => text.push_str(" and others"),
        (rest, false) => {
            let _ = write!(text, " and {rest} more");
        }
        (rest, true) => {
            let _ = write!(text, " and at least {rest} more");
        }
    }
    text
}

/// Reports shadowed (RC301) and redundant (RC302) terms and flow routes.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let budget = cx.settings.bounds.analysis_budget;
    cx.per_filter(out, |report, out| {
        let names: Vec<(String, Loc, Verdict)> = report
            .terms
            .iter()
            .map(|t| (t.name.text.clone(), t.name.loc, t.verdict()))
            .collect();
        let found = cx.per_term(report.terms.len(), |index, out| {
            let term = report.terms[index];
            // A nested filter's terms are reported where they are defined, once.
            if !report.filter.owns(term) {
                return;
            }
            if let Some(c) = covered_at(&report.walks, index) {
                out.push(
                    finding(&c, &names, "term", term.verdict(), budget)
                        .in_term(&report.filter.name.text, Some(&term.name.text)),
                );
            }
        });
        out.extend(found);
    });
    for flow in cx.flows.iter().filter(|f| f.ordered()) {
        let names: Vec<(String, Loc, Verdict)> = flow
            .routes
            .iter()
            .map(|r| (r.name.text.clone(), r.name.loc, r.verdict()))
            .collect();
        for c in covered(&flow.walks) {
            let route = flow.routes[c.index];
            out.push(
                finding(&c, &names, "flow route", route.verdict(), budget)
                    .in_route(&route.name.text),
            );
        }
    }
}

fn finding(
    c: &Covered,
    names: &[(String, Loc, Verdict)],
    kind: &str,
    verdict: Verdict,
    budget: u64,
) -> Diagnostic {
    let (name, loc, _) = &names[c.index];
    let blockers = describe(names, &c.blockers, c.more);
    if !c.shadowed && !c.complete {
        // Fail closed: it may be shadowed (an error), so it is not reported as merely redundant.
        return super::analysis_limit::unanswered(
            *loc,
            &format!(
                "{kind} `{name}` never acts, but whether an earlier {kind} with a different action covers it"
            ),
            budget,
        );
    }
    let (code, message) = if c.shadowed {
        (
            Code::ShadowedTerm,
            format!(
                "{kind} `{name}` never acts: every packet it matches is decided earlier by {blockers}, some with a different action than `{}`",
                verdict.as_str()
            ),
        )
    } else {
        (
            Code::RedundantTerm,
            format!(
                "{kind} `{name}` is redundant: every packet it matches is already decided by {blockers} with the same action `{}`",
                verdict.as_str()
            ),
        )
    };
    let mut d = Diagnostic::new(code, *loc, message);
    for &j in &c.blockers {
        let (other, other_loc, other_verdict) = &names[j];
        d = d.with_related(
            *other_loc,
            format!(
                "{kind} `{other}` ({}) catches its packets first",
                other_verdict.as_str()
            ),
        );
    }
    if let Some(w) = &c.witness {
        d = d.with_witness(witness(w));
    }
    d
}
