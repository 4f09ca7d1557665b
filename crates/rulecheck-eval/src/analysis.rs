//! The symbolic pass over a filter or a flow-route table: for each term, the packets it decides.
//!
//! Terms are walked in order with the set of packets not yet decided (`remaining`). A term decides
//! `space ∩ remaining`; a terminating term removes its space from `remaining`; what is left at the end
//! falls to the implicit default. A term with an unmodeled condition matches an unknown part of its space,
//! so it is never counted on to catch traffic: it does not shrink `remaining` (what may still arrive), and
//! a second set, `remaining_must`, shrinks by it as if it matched everything (what must still arrive).
//! Every verdict comes from these exact sets; witnesses are members of them.

use rulecheck_syntax::model::{Condition, Config, Family, Filter, Term, Verdict};

use crate::compile::{self, Compiled, PrefixLists};
use crate::index::{Bounds, BoxIndex};
use crate::packet::{AddressFamily, Packet};
use crate::space::{Budget, BudgetExceeded, HeaderSpace};

/// Cubes one analysis of one filter and family may create before it stops and says so.
pub const CUBE_BUDGET: u64 = 4_000_000;

/// Blockers above which [`Walk::example_after`] tries the slabs among them first
/// ([`Walk::covered_by_slabs`]).
const MANY_BLOCKERS: usize = 64;

/// Cubes a test of one term holding another may make ([`Walk::any_holds`]): a term is a few
/// cubes, and a difference of a few cubes that grows past this is not one term holding another.
const CONTAINER_BUDGET: u64 = 64;

/// The terms of a filter with nested `filter` references inlined (Junos allows one level of nesting).
pub fn expand_terms<'a>(config: &'a Config, filter: &'a Filter) -> Vec<&'a Term> {
    let mut out = Vec::with_capacity(filter.terms.len());
    for term in &filter.terms {
        match &term.filter {
            Some(nested) if nested.text != filter.name.text => {
                if let Some(inner) = config.filters.iter().find(|f| f.name.text == nested.text) {
                    out.extend(inner.terms.iter().filter(|t| t.filter.is_none()));
                }
            }
            _ => out.push(term),
        }
    }
    out
}

/// The address families a filter applies to.
pub fn families(family: Family) -> &'static [AddressFamily] {
    match family {
        Family::Inet => &[AddressFamily::Inet],
        Family::Inet6 => &[AddressFamily::Inet6],
        Family::Any => &[AddressFamily::Inet, AddressFamily::Inet6],
    }
}

/// One term's result in one family.
#[derive(Clone, Debug)]
pub struct TermResult {
    /// What its conditions match.
    pub compiled: Compiled,
    /// Its verdict.
    pub verdict: Verdict,
    /// A packet it decides (or passes on, for `next term`): one of its space within what may still
    /// arrive. `None` if it decides nothing. The whole set is [`Walk::decided`].
    pub example: Option<Packet>,
}

impl TermResult {
    /// Whether it ends evaluation for the packets it matches.
    fn terminates(&self) -> bool {
        self.verdict != Verdict::NextTerm
    }
}

/// The result of walking a rule list in one family.
///
/// The sets a term decides are not stored: a broad term after thousands of narrow ones decides a set of
/// thousands of pieces, and most questions are about a small region (a protected flow, the overlap with
/// another term) or only about emptiness. [`Walk::decided`] and its variants compute them on demand.
#[derive(Clone, Debug)]
pub struct Walk {
    /// The family.
    pub family: AddressFamily,
    /// Per term, in order.
    pub terms: Vec<TermResult>,
    /// The terms' boxes ([`Bounds::split_of`] of each space), indexed: which terms may overlap a
    /// given one.
    pub index: BoxIndex,
    /// A packet no term may decide (the default applies to it), if there is one. `None` if the walk stopped.
    pub remaining_example: Option<Packet>,
    /// A packet no term can have decided, if there is one. `None` if the walk stopped.
    pub remaining_must_example: Option<Packet>,
    /// The term at which the budget ran out, if it did; terms from there on have no results.
    pub stopped_at: Option<usize>,
    /// The budget the walk had, and each on-demand set has, in cubes.
    pub budget: u64,
}

impl Walk {
    /// The spaces of the terminating terms before `before` that may overlap `space`: the certain ones, or
    /// with `must` all of them (a term with unmodeled conditions may catch anything it could match).
    fn blockers(&self, space: &HeaderSpace, before: usize, must: bool) -> Vec<&HeaderSpace> {
        self.blocking_terms(space, before, must)
            .into_iter()
            .map(|j| &self.terms[j].compiled.space)
            .collect()
    }

    /// The terms before `before` whose boxes meet those of `space`, in order. The space of term
    /// `before` itself has its boxes in the index, which knows where each lies in its sides.
    fn overlapping(&self, space: &HeaderSpace, before: usize) -> Vec<usize> {
        let mut earlier = Vec::new();
        match self.terms.get(before) {
            Some(term) if std::ptr::eq(&raw const term.compiled.space, space) => {
                self.index.overlapping_rule(before, before, &mut earlier);
            }
            _ => {
                self.index
                    .overlapping(&Bounds::split_of(space.cubes()), before, &mut earlier);
            }
        }
        earlier
    }

    /// The terms of [`Walk::blockers`], in order.
    fn blocking_terms(&self, space: &HeaderSpace, before: usize, must: bool) -> Vec<usize> {
        let mut earlier = self.overlapping(space, before);
        earlier.retain(|&j| {
            let t = &self.terms[j];
            t.terminates() && (must || !t.compiled.uncertain)
        });
        earlier
    }

    /// Whether one of `terms` holds all of `space`: each cube of `space` in one of its own cubes
    /// ([`HeaderSpace::is_within_cubes_of`]), or only with several of its cubes together (a term with
    /// `port 80` is two cubes, source port 80 and the rest with destination port 80, and holds a term
    /// with `destination-port 80` in both), tested within a small budget.
    ///
    /// Most terms that decide nothing lie inside one earlier term (a copy of it, or a broader one above
    /// it); the boxes rule out most of the others without a look at their cubes.
    fn any_holds(&self, space: &HeaderSpace, terms: &[usize]) -> bool {
        let Some(hull) = Bounds::of(space.cubes()) else {
            return false;
        };
        terms.iter().any(|&j| {
            let theirs = &self.terms[j].compiled.space;
            self.index.hull_contains(j, &hull)
                && (space.is_within_cubes_of(theirs)
                    || space
                        .is_subset_bounded(theirs, &mut Budget::new(CONTAINER_BUDGET))
                        .unwrap_or(false))
        })
    }

    /// A packet of `space` that no terminating term before `before` decides (counting the certain terms,
    /// or with `must` all of them), or `None` if there is none.
    ///
    /// A few points of `space` are tried first, each against only the terms whose boxes hold it; most
    /// terms decide something and one of these points shows it. Only if every probe is caught is the
    /// difference computed (stopping at its first piece).
    pub fn example_after(
        &self,
        space: &HeaderSpace,
        before: usize,
        must: bool,
        budget: &mut Budget,
    ) -> Result<Option<Packet>, BudgetExceeded> {
        let mut probes = space.probes();
        if let Some(probe) = probes.next() {
            match self.catcher(&probe, before, must) {
                None => return Ok(Some(probe)),
                // Most terms that decide nothing lie inside the first term that catches their first
                // probe (on a filter of 20,000 generated terms, 1,884 of the 2,014 inside one earlier
                // term): told apart without looking for every term that meets them.
                Some(j) if self.any_holds(space, &[j]) => return Ok(None),
                Some(_) => {}
            }
        }
        // The other probes before the terms that meet the space: a point query costs a tenth of the
        // query for all of them, and some probe shows most of the terms left that decide something.
        if let Some(probe) = probes.find(|probe| self.catcher(probe, before, must).is_none()) {
            return Ok(Some(probe));
        }
        let blockers = self.blocking_terms(space, before, must);
        if self.any_holds(space, &blockers) {
            return Ok(None);
        }
        if self.covered_by_slabs(space, &blockers, budget)? {
            return Ok(None);
        }
        space.difference_all_example(
            blockers.iter().map(|&j| &self.terms[j].compiled.space),
            budget,
        )
    }

    /// Whether the blockers among `blockers` that hold `space`'s box in every field but one (slabs:
    /// the terms before it of other port ranges, say, or of other address lists) cover `space`
    /// together, when the blockers are many: a term covered piecemeal is most often covered by those
    /// alone, and the difference of a few of them is cheaper than that of all (on a filter of 20,000
    /// generated terms, 44 of 65 such terms were; the division's instructions fell by a third).
    fn covered_by_slabs(
        &self,
        space: &HeaderSpace,
        blockers: &[usize],
        budget: &mut Budget,
    ) -> Result<bool, BudgetExceeded> {
        if blockers.len() <= MANY_BLOCKERS {
            return Ok(false);
        }
        let Some(hull) = Bounds::of(space.cubes()) else {
            return Ok(false);
        };
        let slabs: Vec<&HeaderSpace> = blockers
            .iter()
            .filter(|&&j| {
                self.index
                    .hull(j)
                    .is_some_and(|h| h.contains_but_one(&hull))
            })
            .map(|&j| &self.terms[j].compiled.space)
            .collect();
        if slabs.is_empty() || slabs.len() == blockers.len() {
            return Ok(false);
        }
        Ok(space.difference_all_example(slabs, budget)?.is_none())
    }

    /// The first terminating term before `before` that decides `packet` (a certain one, or with `must`
    /// any), if one does.
    pub fn catcher(&self, packet: &Packet, before: usize, must: bool) -> Option<usize> {
        self.index
            .first_holding(&Bounds::point(packet), before, |&j| {
                let t = &self.terms[j];
                t.terminates()
                    && (must || !t.compiled.uncertain)
                    && t.compiled.space.contains(packet)
            })
    }

    /// Whether [`Walk::catcher`] (counting the certain terms) finds a term for a packet of some space,
    /// asking only `candidates`: terms before the one asked about, in order, that include every one
    /// whose boxes meet that space's. A term that holds the packet has a box around it, which meets
    /// the space's box around it, so the answer is the same as the index's, without a query.
    pub fn caught_among(&self, packet: &Packet, candidates: &[usize]) -> bool {
        candidates.iter().any(|&j| {
            let t = &self.terms[j];
            t.terminates() && !t.compiled.uncertain && t.compiled.space.contains(packet)
        })
    }

    /// The certain terminating terms before `before` that decide part of `space`, in order, each with
    /// the smallest packet of `space` it decides.
    ///
    /// Only the terms whose boxes meet `space` are looked at, in order, until nothing of `space` is
    /// left (see [`HeaderSpace::first_holders_until`]).
    pub fn deciders(
        &self,
        space: &HeaderSpace,
        before: usize,
    ) -> Result<Vec<(usize, Packet)>, BudgetExceeded> {
        self.deciders_until(space, before, |_| false)
            .map(|(found, _)| found)
    }

    /// [`Walk::deciders`], stopping once `enough`, told each term in order as it is found, says so: the
    /// terms found are the first deciders. Also returns whether every decider was found.
    pub fn deciders_until(
        &self,
        space: &HeaderSpace,
        before: usize,
        enough: impl FnMut(usize) -> bool,
    ) -> Result<(Vec<(usize, Packet)>, bool), BudgetExceeded> {
        // A term that decides nothing holds no packet first: every packet it matches is held by an
        // earlier one, so leaving it out changes no packet's first holder.
        let decides = |&j: &usize| {
            let term = &self.terms[j];
            term.terminates() && !term.compiled.uncertain && term.example.is_some()
        };
        let earlier = |j: usize| (j, &self.terms[j].compiled.space);
        let mut budget = Budget::new(self.budget);
        match self.terms.get(before) {
            Some(term) if std::ptr::eq(&raw const term.compiled.space, space) => {
                let terms = self.index.overlapping_rule_lazily(before, before);
                space.first_holders_until(terms.filter(decides).map(earlier), &mut budget, enough)
            }
            _ => {
                let query = Bounds::split_of(space.cubes());
                let terms = self.index.overlapping_lazily(&query, before);
                space.first_holders_until(terms.filter(decides).map(earlier), &mut budget, enough)
            }
        }
    }

    /// `space` minus what the terms before `before` decide.
    fn after(
        &self,
        space: &HeaderSpace,
        before: usize,
        must: bool,
    ) -> Result<HeaderSpace, BudgetExceeded> {
        space.difference_all_bounded(
            self.blockers(space, before, must),
            &mut Budget::new(self.budget),
        )
    }

    /// The packets term `i` decides (or passes on, for `next term`).
    pub fn decided(&self, i: usize) -> Result<HeaderSpace, BudgetExceeded> {
        self.after(&self.terms[i].compiled.space, i, false)
    }

    /// The packets of `region` term `i` decides: cheaper than [`Walk::decided`] for a small region.
    pub fn decided_within(
        &self,
        i: usize,
        region: &HeaderSpace,
    ) -> Result<HeaderSpace, BudgetExceeded> {
        self.after(&self.terms[i].compiled.space.intersect(region), i, false)
    }

    /// The packets of `region` term `i` certainly decides if it is certain: those no earlier term can
    /// have decided.
    pub fn decided_must_within(
        &self,
        i: usize,
        region: &HeaderSpace,
    ) -> Result<HeaderSpace, BudgetExceeded> {
        self.after(&self.terms[i].compiled.space.intersect(region), i, true)
    }

    /// The packets of `region` no term may decide, or with `must` no term can have decided: the
    /// default applies to them.
    pub fn remaining_within(
        &self,
        region: &HeaderSpace,
        must: bool,
    ) -> Result<HeaderSpace, BudgetExceeded> {
        self.after(region, self.terms.len(), must)
    }

    /// The packets no term may decide.
    pub fn remaining(&self) -> Result<HeaderSpace, BudgetExceeded> {
        self.remaining_within(&HeaderSpace::universe(self.family), false)
    }
}

/// Something with conditions and a verdict: a filter term or a flow route.
pub trait Rule {
    /// Compiles its conditions in `family`.
    fn compile(&self, family: AddressFamily, lists: &PrefixLists<'_>) -> Compiled;
    /// Its verdict.
    fn verdict(&self) -> Verdict;
    /// Its match conditions, as written.
    fn conditions(&self) -> &[Condition];
}

impl Rule for &Term {
    fn compile(&self, family: AddressFamily, lists: &PrefixLists<'_>) -> Compiled {
        compile::compile(&self.conditions, family, lists)
    }
    fn verdict(&self) -> Verdict {
        Term::verdict(self)
    }
    fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
}

impl Rule for &rulecheck_syntax::model::FlowRoute {
    fn compile(&self, family: AddressFamily, lists: &PrefixLists<'_>) -> Compiled {
        if compile::flow_family(&self.conditions) == family {
            compile::compile(&self.conditions, family, lists)
        } else {
            Compiled {
                space: HeaderSpace::empty(family),
                uncertain: false,
            }
        }
    }
    fn verdict(&self) -> Verdict {
        rulecheck_syntax::model::FlowRoute::verdict(self)
    }
    fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
}

/// The budget of a walk over `rules` rules: `base` (by default [`CUBE_BUDGET`], `[limits]
/// analysis-budget`), and more for long lists, which need at least a piece per rule.
pub fn budget_for(base: u64, rules: usize) -> u64 {
    base.saturating_add(16u64.saturating_mul(rules as u64))
}

/// Walks `rules` in order in `family`, with a budget of [`budget_for`]`(base, rules.len())` cubes.
///
/// A rule decides its space minus the spaces of the earlier terminating rules: `space ∩ remaining` in
/// the words of the module docs, computed from the earlier rules whose boxes meet its own, which the
/// [`BoxIndex`] finds without a pass over the whole list. The walk only finds out whether that set is
/// empty, and a member if not, which stops at the first piece found.
pub fn walk<R: Rule + Sync>(
    rules: &[R],
    family: AddressFamily,
    lists: &PrefixLists<'_>,
    base: u64,
) -> Walk {
    walk_with_threads(rules, family, lists, base, 1)
}

/// [`walk`] on up to `threads` threads, with the same result.
pub fn walk_with_threads<R: Rule + Sync>(
    rules: &[R],
    family: AddressFamily,
    lists: &PrefixLists<'_>,
    base: u64,
    threads: usize,
) -> Walk {
    walk_all(&[(rules, family)], lists, base, threads)
        .pop()
        .expect("one walk per rule list")
}

/// [`walk`] of each rule list and family in `rule_lists`, on up to `threads` threads, with the same
/// results.
///
/// What each rule decides depends only on the compiled rules and the index, not on the other rules'
/// results, so the rules of every list are shared out together in chunks: the threads stay busy to the
/// end however the rules are divided among the lists. The budget is one per walk, as if its rules were
/// taken one after the other: each rule is given all of it and its use is recorded, and the walk stops
/// at the first rule whose use, added to the use of the rules before it, exceeds it, which is where the
/// rules taken in order would have run out.
pub fn walk_all<R: Rule + Sync>(
    rule_lists: &[(&[R], AddressFamily)],
    lists: &PrefixLists<'_>,
    base: u64,
    threads: usize,
) -> Vec<Walk> {
    // (list, rules of it) for every chunk of every list, in order.
    let chunks: Vec<(usize, std::ops::Range<usize>)> = rule_lists
        .iter()
        .enumerate()
        .flat_map(|(list, (rules, _))| {
            (0..rules.len())
                .step_by(WALK_CHUNK)
                .map(move |start| (list, start..(start + WALK_CHUNK).min(rules.len())))
        })
        .collect();
    let mut compiled = crate::parallel_map(&chunks, threads, |(list, range)| {
        let (rules, family) = rule_lists[*list];
        rules[range.clone()]
            .iter()
            .map(|rule| TermResult {
                compiled: rule.compile(family, lists),
                verdict: rule.verdict(),
                example: None,
            })
            .collect::<Vec<_>>()
    })
    .into_iter();
    let per_list: Vec<Vec<TermResult>> = rule_lists
        .iter()
        .map(|(rules, _)| {
            compiled
                .by_ref()
                .take(rules.len().div_ceil(WALK_CHUNK))
                .flatten()
                .collect()
        })
        .collect();
    let indexes = crate::parallel_map(&per_list, threads, |terms| {
        BoxIndex::new(
            terms
                .iter()
                .map(|t| Bounds::split_of(t.compiled.space.cubes())),
        )
    });
    let mut walks: Vec<Walk> = per_list
        .into_iter()
        .zip(indexes)
        .zip(rule_lists)
        .map(|((terms, index), &(_, family))| Walk {
            family,
            budget: budget_for(base, terms.len()),
            terms,
            index,
            remaining_example: None,
            remaining_must_example: None,
            stopped_at: None,
        })
        .collect();
    let found = crate::parallel_map(&chunks, threads, |(list, range)| {
        let walk = &walks[*list];
        range
            .clone()
            .map(|i| {
                let mut budget = Budget::new(walk.budget);
                walk.example_after(&walk.terms[i].compiled.space, i, false, &mut budget)
                    .map(|example| (example, walk.budget - budget.remaining()))
            })
            .collect::<Vec<_>>()
    });
    let mut found = found.into_iter();
    let used: Vec<Option<u64>> = walks
        .iter_mut()
        .map(|walk| {
            let found = found
                .by_ref()
                .take(walk.terms.len().div_ceil(WALK_CHUNK))
                .flatten()
                .collect();
            settle_walk(walk, found)
        })
        .collect();
    let settled: Vec<(&Walk, Option<u64>)> = walks.iter().zip(used).collect();
    let ends = crate::parallel_map(&settled, threads, |&(walk, used)| {
        used.map(|used| remaining_examples(walk, used))
    });
    for (walk, end) in walks.iter_mut().zip(ends) {
        match end {
            Some(Ok((may, must))) => {
                walk.remaining_example = may;
                walk.remaining_must_example = must;
            }
            Some(Err(BudgetExceeded)) => walk.stopped_at = walk.terms.len().checked_sub(1),
            None => {}
        }
    }
    walks
}

/// Rules per unit of work when walks are shared out among threads.
const WALK_CHUNK: usize = 128;

/// Records each rule's example found, as far as the walk's budget goes. Returns what the rules used of
/// the budget, or `None` if they did not all fit (the walk stopped).
fn settle_walk(
    walk: &mut Walk,
    found: Vec<Result<(Option<Packet>, u64), BudgetExceeded>>,
) -> Option<u64> {
    let costs: Vec<Option<u64>> = found
        .iter()
        .map(|r| r.as_ref().ok().map(|&(_, c)| c))
        .collect();
    let (kept, used) = settle(&costs, walk.budget);
    for (term, result) in walk.terms.iter_mut().zip(found).take(kept) {
        term.example = result.ok().and_then(|(example, _)| example);
    }
    if kept < walk.terms.len() {
        walk.stopped_at = Some(kept);
        return None;
    }
    Some(used)
}

/// A packet no rule of the walk may decide, and one none can have decided, within what is left of its
/// budget once its rules have `used` their part.
fn remaining_examples(walk: &Walk, used: u64) -> ExamplePair {
    let mut budget = Budget::new(walk.budget - used);
    let universe = HeaderSpace::universe(walk.family);
    let end = walk.terms.len();
    walk.example_after(&universe, end, false, &mut budget)
        .and_then(|may| Ok((may, walk.example_after(&universe, end, true, &mut budget)?)))
}

/// What [`remaining_examples`] finds: the may and the must example, or that the budget ran out.
type ExamplePair = Result<(Option<Packet>, Option<Packet>), BudgetExceeded>;

/// How many of a walk's rules fit in a budget of `limit` when taken in order, each using `costs[i]`
/// (`None`: more than the whole budget), and what they use together.
fn settle(costs: &[Option<u64>], limit: u64) -> (usize, u64) {
    let mut used = 0u64;
    for (i, cost) in costs.iter().enumerate() {
        match cost {
            Some(cost) if used.saturating_add(*cost) <= limit => used += cost,
            _ => return (i, used),
        }
    }
    (costs.len(), used)
}

/// The packets a walk accepts (may-accept: unmodeled terms counted as accepting what they may match).
///
/// What certain terms decide is disjoint from what any later term decides, so their cubes are simply
/// collected; the few uncertain terms are added by union.
pub fn accepted(walk: &Walk) -> Result<HeaderSpace, BudgetExceeded> {
    accepted_within(walk, &HeaderSpace::universe(walk.family))
}

/// The packets of `region` a walk accepts.
pub fn accepted_within(walk: &Walk, region: &HeaderSpace) -> Result<HeaderSpace, BudgetExceeded> {
    let mut certain = Vec::new();
    let mut uncertain = Vec::new();
    for (i, term) in walk.terms.iter().enumerate() {
        if term.verdict != Verdict::Accept || term.example.is_none() {
            continue;
        }
        let decided = walk.decided_within(i, region)?;
        if term.compiled.uncertain {
            uncertain.push(decided);
        } else {
            certain.extend(decided.cubes().iter().cloned());
        }
    }
    let mut accepted = HeaderSpace::from_disjoint_cubes(walk.family, certain);
    let mut budget = Budget::new(walk.budget);
    for decided in &uncertain {
        accepted = accepted.union_bounded(decided, &mut budget)?;
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// A term after many that meet it: covered by earlier terms that differ from it in one field (the
    /// port ranges), by those with others, or not at all; the walk tells each, and a packet it decides is
    /// one no earlier term catches.
    #[test]
    fn a_term_after_many_is_covered_by_slabs_and_by_the_rest() {
        let walk_of = |covering: &str| {
            let mut noise = String::new();
            for k in 0..70 {
                let _ = writeln!(
                    noise,
                    "term n{k} {{ from {{ destination-address 10.{k}.0.0/16; protocol tcp; \
                     source-port 1-1024; }} then accept; }}"
                );
            }
            let text = format!(
                "firewall {{ family inet {{ filter f {{\n{noise}{covering}\n\
                 term t {{ from {{ protocol tcp; destination-port 500-2000; }} then discard; }}\n\
                 }} }} }}\n"
            );
            let (_, parsed) = rulecheck_syntax::parse_str("t.conf", &text);
            assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
            let config = parsed.config;
            let terms = expand_terms(&config, &config.filters[0]);
            let walk = walk(
                &terms,
                AddressFamily::Inet,
                &PrefixLists::new(&config),
                CUBE_BUDGET,
            );
            walk.terms.last().expect("term t").example
        };
        let low = "term low { from { protocol tcp; destination-port 0-999; } then accept; }";
        let high = "term high { from { protocol tcp; destination-port 1001-65535; } then accept; }";
        let both = "term both { from { protocol tcp; destination-port 1000; } then accept; }";
        let half = |k: u8, prefix: &str| {
            format!(
                "term h{k} {{ from {{ protocol tcp; destination-port 1000; \
                 destination-address {prefix}; }} then accept; }}\n"
            )
        };
        let halves = half(0, "0.0.0.0/1") + &half(1, "128.0.0.0/1");
        assert_eq!(walk_of(&format!("{low}\n{both}\n{high}")), None);
        assert_eq!(walk_of(&format!("{low}\n{halves}\n{high}")), None);
        let example = walk_of(&format!("{low}\n{high}")).expect("port 1000 is left");
        assert_eq!(example.destination_port, Some(1000), "{example}");
        let noise = example.destination >> 24 == 10 && (example.destination >> 16) & 0xff < 70;
        assert!(!noise, "{example}");
    }

    /// `settle` against one budget charged in order, as the walk on one thread spends it: for every
    /// sequence of costs, the same rules fit and the same total is used.
    #[test]
    fn settling_costs_is_charging_one_budget_in_order() {
        let mut next = crate::test_numbers(11);
        let mut stopped_early = 0;
        for _ in 0..2000 {
            let limit = next(200);
            let costs: Vec<Option<u64>> = (0..next(12))
                .map(|_| (next(10) > 0).then(|| next(60)))
                .collect();
            let mut budget = Budget::new(limit);
            let mut fit = costs.len();
            for (i, cost) in costs.iter().enumerate() {
                // A rule that needs more than the whole budget fails whatever is left.
                let charged = cost.map_or(Err(BudgetExceeded), |c| budget.charge(c));
                if charged.is_err() {
                    fit = i;
                    break;
                }
            }
            assert_eq!(
                settle(&costs, limit),
                (fit, limit - budget.remaining()),
                "{costs:?} in {limit}"
            );
            stopped_early += usize::from(fit < costs.len());
        }
        assert!(
            stopped_early > 100,
            "the budget runs out in some cases: {stopped_early}"
        );
    }
}
