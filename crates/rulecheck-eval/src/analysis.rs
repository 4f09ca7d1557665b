//! The symbolic pass over a filter or a flow-route table: for each term, the packets it decides.
//!
//! Terms are walked in order with the set of packets not yet decided (`remaining`). A term decides
//! `space ∩ remaining`; a terminating term removes its space from `remaining`; what is left at the end
//! falls to the implicit default. A term with an unmodeled condition matches an unknown part of its space,
//! so it is never counted on to catch traffic: it does not shrink `remaining` (what may still arrive), and
//! a second set, `remaining_must`, shrinks by it as if it matched everything (what must still arrive).
//! Every verdict comes from these exact sets; witnesses are members of them.

use rulecheck_syntax::model::{Config, Family, Filter, Term, Verdict};

use crate::compile::{self, Compiled, PrefixLists};
use crate::packet::AddressFamily;
use crate::space::{Budget, BudgetExceeded, Cube, Field, HeaderSpace, IntervalSet};

/// Cubes one analysis of one filter and family may create before it stops and says so.
pub const CUBE_BUDGET: u64 = 4_000_000;

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
    /// The packets it decides (or passes on, for `next term`): its space within what may still arrive.
    pub decided: HeaderSpace,
    /// Within what must still arrive: packets it certainly decides if it is certain.
    pub decided_must: HeaderSpace,
    /// A box around its space, for cheap overlap tests.
    pub hull: Option<Cube>,
}

/// The result of walking a rule list in one family.
#[derive(Clone, Debug)]
pub struct Walk {
    /// The family.
    pub family: AddressFamily,
    /// Per term, in order.
    pub terms: Vec<TermResult>,
    /// Packets no term may decide: the default applies to them.
    pub remaining: HeaderSpace,
    /// Packets no term can have decided.
    pub remaining_must: HeaderSpace,
    /// The term at which the budget ran out, if it did; terms from there on have empty results.
    pub stopped_at: Option<usize>,
}

/// Something with conditions and a verdict: a filter term or a flow route.
pub trait Rule {
    /// Compiles its conditions in `family`.
    fn compile(&self, family: AddressFamily, lists: &PrefixLists<'_>) -> Compiled;
    /// Its verdict.
    fn verdict(&self) -> Verdict;
}

impl Rule for &Term {
    fn compile(&self, family: AddressFamily, lists: &PrefixLists<'_>) -> Compiled {
        compile::compile(&self.conditions, family, lists)
    }
    fn verdict(&self) -> Verdict {
        Term::verdict(self)
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
}

/// Walks `rules` in order in `family`.
pub fn walk<R: Rule>(rules: &[R], family: AddressFamily, lists: &PrefixLists<'_>) -> Walk {
    let mut budget = Budget::new(CUBE_BUDGET);
    let mut remaining = HeaderSpace::universe(family);
    let mut remaining_must = remaining.clone();
    let mut any_uncertain = false;
    let mut terms = Vec::with_capacity(rules.len());
    let mut stopped_at = None;
    for (index, rule) in rules.iter().enumerate() {
        let compiled = rule.compile(family, lists);
        let verdict = rule.verdict();
        let hull = hull(compiled.space.cubes());
        if stopped_at.is_some() {
            terms.push(TermResult {
                decided: HeaderSpace::empty(family),
                decided_must: HeaderSpace::empty(family),
                compiled,
                verdict,
                hull,
            });
            continue;
        }
        let step = (|| -> Result<TermResult, BudgetExceeded> {
            let decided = compiled.space.intersect_bounded(&remaining, &mut budget)?;
            let decided_must = if any_uncertain {
                compiled
                    .space
                    .intersect_bounded(&remaining_must, &mut budget)?
            } else {
                decided.clone()
            };
            if verdict != Verdict::NextTerm && !decided.is_empty() {
                if !compiled.uncertain {
                    remaining = remaining.difference_bounded(&compiled.space, &mut budget)?;
                }
                if any_uncertain || compiled.uncertain {
                    if !any_uncertain {
                        remaining_must = remaining.clone();
                        any_uncertain = true;
                    }
                    remaining_must =
                        remaining_must.difference_bounded(&compiled.space, &mut budget)?;
                }
            }
            Ok(TermResult {
                compiled: compiled.clone(),
                verdict,
                decided,
                decided_must,
                hull: hull.clone(),
            })
        })();
        match step {
            Ok(result) => terms.push(result),
            Err(BudgetExceeded) => {
                stopped_at = Some(index);
                terms.push(TermResult {
                    decided: HeaderSpace::empty(family),
                    decided_must: HeaderSpace::empty(family),
                    compiled,
                    verdict,
                    hull,
                });
            }
        }
    }
    if !any_uncertain {
        remaining_must = remaining.clone();
    }
    Walk {
        family,
        terms,
        remaining,
        remaining_must,
        stopped_at,
    }
}

/// The smallest cube containing `cubes`.
fn hull(cubes: &[Cube]) -> Option<Cube> {
    let mut iter = cubes.iter();
    let mut hull = iter.next()?.clone();
    for cube in iter {
        for field in Field::ALL {
            let (a, b) = (hull.get(field), cube.get(field));
            let lo = a.first().into_iter().chain(b.first()).min();
            let hi = a.last().into_iter().chain(b.last()).max();
            if let (Some(lo), Some(hi)) = (lo, hi) {
                hull.set(field, IntervalSet::range(lo, hi));
            }
        }
    }
    for field in Field::ALL {
        let set = hull.get(field);
        if let (Some(lo), Some(hi)) = (set.first(), set.last()) {
            hull.set(field, IntervalSet::range(lo, hi));
        }
    }
    Some(hull)
}

/// The packets a walk accepts (may-accept: unmodeled terms counted as accepting what they may match).
pub fn accepted(walk: &Walk) -> HeaderSpace {
    let mut accepted = HeaderSpace::empty(walk.family);
    for term in &walk.terms {
        if term.verdict == Verdict::Accept {
            accepted = accepted.union(&term.decided);
        }
    }
    accepted
}
