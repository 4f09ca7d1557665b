//! The semantic diff: what a change to a configuration newly discards and newly accepts.
//!
//! # What is compared
//!
//! - **Filters** are matched by family and name. For each filter present on both sides and each address
//!   family it applies to, the sets of packets it accepts before and after are computed exactly by the
//!   ordered walk of [`crate::analysis`]; newly discarded = accepted before ∖ accepted after, newly accepted =
//!   accepted after ∖ accepted before. The walk covers only the region the change can affect: the rules
//!   that the two lists share at their start and at their end are dropped (compared as packet sets, so
//!   reordered prefix lists and other rewrites are the same rule), and a packet no remaining rule matches
//!   meets the same rules in the same order on both sides. An untouched filter costs one compile. A filter present on one side only is listed in
//!   [`Outcome::added`] or [`Outcome::removed`], not compared: a filter decides nothing until it is bound,
//!   and binding it to an interface is checked by lint of the new configuration (RC010, RC011, RC402, RC405).
//! - **Flow routes** are compared per routing instance. A missing table is an empty one, and exactly so: with
//!   no flow route every packet is accepted.
//!
//! # What is reported
//!
//! The newly discarded packets are split by the term that now discards them, and the newly accepted ones
//! by the term that now accepts them; each part is one finding — RC502 (newly discards) or RC503 (newly
//! accepts) — with the part described in words, the terms that decided it before, and a witness packet from
//! the part that the per-packet interpreter runs through both sides. Each part's intersection with a
//! `[[protect]]` entry is also reported as RC501, in addition to the part's RC502.
//!
//! Terms with conditions rulecheck does not model (RC020) match an unknown part of their space. The
//! comparison then counts only what is certain: a packet is newly discarded when it was certainly accepted
//! before and cannot be accepted after. Such filters are named in [`Outcome::notes`].

use rulecheck_syntax::model::{
    AddressEntry, Condition, Config, Family, Filter, FlowRoute, FlowTable, Term, Values, Verdict,
};
use rulecheck_syntax::{Code, Diagnostic, Loc};

use crate::Settings;
use crate::analysis::{self, Rule};
use crate::compile::{Compiled, PrefixLists};
use crate::describe::describe;
use crate::flow_order;
use crate::interpret::{self, Decision};
use crate::packet::{AddressFamily, Packet};
use crate::report::witness;
use crate::rules::protected_flow_discarded::protected_space;
use crate::space::{Budget, BudgetExceeded, HeaderSpace};

/// Terms named as "before" in one finding, before "and N more".
const MAX_NAMED: usize = 3;

/// A filter that exists on one side of the change only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneSided {
    /// Its family.
    pub family: Family,
    /// Its name.
    pub name: String,
    /// Where it is defined (in the old configuration for a removed filter, in the new for an added one).
    pub loc: Loc,
}

/// One reported change: the packets behind one RC501, RC502 or RC503 finding.
#[derive(Clone, Debug)]
pub struct Change {
    /// RC501, RC502 or RC503.
    pub code: Code,
    /// The packets: accepted before and discarded after (RC501, RC502), or the reverse (RC503).
    pub space: HeaderSpace,
    /// The example packet of the finding, from `space`.
    pub witness: Option<Packet>,
}

/// The result of comparing two configurations.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// RC501, RC502 and RC503 findings, and RC090 where a comparison hit its bound.
    pub diagnostics: Vec<Diagnostic>,
    /// The changes behind the RC501, RC502 and RC503 findings, in the same order as those findings.
    pub changes: Vec<Change>,
    /// Filters only in the new configuration (not compared).
    pub added: Vec<OneSided>,
    /// Filters only in the old configuration (not compared).
    pub removed: Vec<OneSided>,
    /// Filters present on both sides.
    pub compared_filters: usize,
    /// Flow-route tables compared (a table missing on one side counts as empty).
    pub compared_flow_tables: usize,
    /// Caveats a reviewer should read: filters whose unmodeled conditions limit the comparison.
    pub notes: Vec<String>,
}

/// Compares `old` with `new`: what the change newly discards and newly accepts.
pub fn diff(old: &Config, new: &Config, settings: &Settings) -> Outcome {
    let mut out = Outcome::default();
    for after in &new.filters {
        let key = (after.family, &after.name.text);
        match old.filters.iter().find(|b| (b.family, &b.name.text) == key) {
            Some(before) => {
                out.compared_filters += 1;
                compare_filter(old, before, new, after, settings, &mut out);
            }
            None => out.added.push(OneSided {
                family: after.family,
                name: after.name.text.clone(),
                loc: after.name.loc,
            }),
        }
    }
    for before in &old.filters {
        let key = (before.family, &before.name.text);
        if !new.filters.iter().any(|a| (a.family, &a.name.text) == key) {
            out.removed.push(OneSided {
                family: before.family,
                name: before.name.text.clone(),
                loc: before.name.loc,
            });
        }
    }
    let instance = |t: &FlowTable| t.instance.as_ref().map(|n| n.text.clone());
    let mut instances: Vec<Option<String>> = old
        .flow_tables
        .iter()
        .chain(&new.flow_tables)
        .map(instance)
        .collect();
    instances.sort();
    instances.dedup();
    for name in instances {
        let before = old.flow_tables.iter().find(|t| instance(t) == name);
        let after = new.flow_tables.iter().find(|t| instance(t) == name);
        out.compared_flow_tables += 1;
        compare_flows(old, before, new, after, name.as_deref(), settings, &mut out);
    }
    out
}

/// One rule compiled in one family.
#[derive(Clone)]
struct Compiled1 {
    compiled: Compiled,
    verdict: Verdict,
}

/// Both rule lists compiled. A change usually leaves most rules as they were: the rules of the old list
/// that read the same as their counterpart in the new one, at the start and at the end, are not compiled
/// again.
fn compile_both<R: Rule>(
    old: &[R],
    new: &[R],
    family: AddressFamily,
    (old_config, new_config): (&Config, &Config),
) -> (Vec<Compiled1>, Vec<Compiled1>) {
    let (old_lists, new_lists) = (PrefixLists::new(old_config), PrefixLists::new(new_config));
    let compile = |r: &R, lists: &PrefixLists<'_>| Compiled1 {
        compiled: r.compile(family, lists),
        verdict: r.verdict(),
    };
    let new_compiled: Vec<Compiled1> = new.iter().map(|r| compile(r, &new_lists)).collect();
    let same = |a: &R, b: &R| same_rule(a, b, &old_lists, &new_lists);
    let prefix = old.iter().zip(new).take_while(|(a, b)| same(a, b)).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| same(a, b))
        .count();
    let old_compiled = old
        .iter()
        .enumerate()
        .map(|(k, r)| {
            if k < prefix {
                new_compiled[k].clone()
            } else if k >= old.len() - suffix {
                new_compiled[k + new.len() - old.len()].clone()
            } else {
                compile(r, &old_lists)
            }
        })
        .collect();
    (old_compiled, new_compiled)
}

/// Whether two rule lists say the same, read as written: rule by rule the same verdict and the same
/// conditions (where they are written aside), the prefix lists they name holding the same entries. Then
/// every packet meets the same fate on both sides and the lists need not be compiled; lists that differ
/// only in form (values reordered, say) are compiled and compared as sets.
fn same_rules<R: Rule>(
    old: &[R],
    new: &[R],
    old_lists: &PrefixLists<'_>,
    new_lists: &PrefixLists<'_>,
) -> bool {
    old.len() == new.len()
        && old
            .iter()
            .zip(new)
            .all(|(a, b)| same_rule(a, b, old_lists, new_lists))
}

/// Whether two rules say the same, read as written (see [`same_rules`]).
fn same_rule<R: Rule>(
    a: &R,
    b: &R,
    old_lists: &PrefixLists<'_>,
    new_lists: &PrefixLists<'_>,
) -> bool {
    a.verdict() == b.verdict()
        && a.conditions().len() == b.conditions().len()
        && a.conditions()
            .iter()
            .zip(b.conditions())
            .all(|(x, y)| same_condition(x, y, old_lists, new_lists))
}

fn same_condition(
    a: &Condition,
    b: &Condition,
    old_lists: &PrefixLists<'_>,
    new_lists: &PrefixLists<'_>,
) -> bool {
    let same_entries = |x: &[AddressEntry], y: &[AddressEntry]| {
        x.len() == y.len()
            && x.iter()
                .zip(y)
                .all(|(p, q)| p.address == q.address && p.except == q.except)
    };
    a.field == b.field
        && a.except == b.except
        && match (&a.values, &b.values) {
            (Values::Addresses(x), Values::Addresses(y)) => same_entries(x, y),
            (Values::PrefixLists(x), Values::PrefixLists(y)) => {
                x.len() == y.len()
                    && x.iter().zip(y).all(|(p, q)| {
                        p.except == q.except
                            && p.name.text == q.name.text
                            && match (old_lists.get(&p.name.text), new_lists.get(&q.name.text)) {
                                (None, None) | (Some(None), Some(None)) => true,
                                (Some(Some(x)), Some(Some(y))) => same_entries(x, y),
                                _ => false,
                            }
                    })
            }
            (Values::Ranges(x), Values::Ranges(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p.lo, p.hi) == (q.lo, q.hi))
            }
            (Values::Bits(x), Values::Bits(y)) => x == y,
            (Values::Fragments(x), Values::Fragments(y)) => x == y,
            (Values::Opaque(x), Values::Opaque(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.text == q.text)
            }
            _ => false,
        }
}

fn same(a: &Compiled1, b: &Compiled1) -> bool {
    a.verdict == b.verdict
        && a.compiled.uncertain == b.compiled.uncertain
        && a.compiled.space.set_eq(&b.compiled.space)
}

/// The packets whose fate the change may alter: what the rules between the common first and last rules of
/// both lists match. A packet outside it matches the same rules, in the same order, on both sides, so the
/// same rule decides it. `None` when the lists are the same.
fn region(
    old: &[Compiled1],
    new: &[Compiled1],
    family: AddressFamily,
    budget: &mut Budget,
) -> Result<Option<HeaderSpace>, BudgetExceeded> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| same(a, b)).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| same(a, b))
        .count();
    let middle = old[prefix..old.len() - suffix]
        .iter()
        .chain(&new[prefix..new.len() - suffix]);
    if old.len() == new.len() && prefix == old.len() {
        return Ok(None);
    }
    let mut region = HeaderSpace::empty(family);
    for rule in middle {
        region = region.union_bounded(&rule.compiled.space, budget)?;
    }
    Ok(Some(region))
}

/// One rule's result in a walk restricted to a region.
struct RuleResult {
    verdict: Verdict,
    uncertain: bool,
    /// The packets of the region it may decide.
    decided: HeaderSpace,
    /// The packets of the region it certainly decides (if it is certain).
    decided_must: HeaderSpace,
}

/// The ordered walk of [`crate::analysis`], over the packets of `region` only.
struct Walk {
    family: AddressFamily,
    terms: Vec<RuleResult>,
    remaining: HeaderSpace,
    remaining_must: HeaderSpace,
}

/// Walks `rules` in order over `region`: the semantics of [`crate::analysis::walk`] (an uncertain rule does
/// not shrink what may still arrive; it shrinks what must), on the packets of the region.
fn walk_within(
    rules: &[Compiled1],
    region: &HeaderSpace,
    budget: &mut Budget,
) -> Result<Walk, BudgetExceeded> {
    let family = region.family();
    let mut remaining = region.clone();
    let mut remaining_must = region.clone();
    let mut terms = Vec::with_capacity(rules.len());
    for rule in rules {
        let space = &rule.compiled.space;
        let decided = if remaining.intersects(space) {
            space.intersect_bounded(&remaining, budget)?
        } else {
            HeaderSpace::empty(family)
        };
        let decided_must = if remaining_must.intersects(space) {
            space.intersect_bounded(&remaining_must, budget)?
        } else {
            HeaderSpace::empty(family)
        };
        if rule.verdict != Verdict::NextTerm {
            if !rule.compiled.uncertain && !decided.is_empty() {
                remaining = remaining.difference_bounded(space, budget)?;
            }
            if !decided_must.is_empty() {
                remaining_must = remaining_must.difference_bounded(space, budget)?;
            }
        }
        terms.push(RuleResult {
            verdict: rule.verdict,
            uncertain: rule.compiled.uncertain,
            decided,
            decided_must,
        });
    }
    Ok(Walk {
        family,
        terms,
        remaining,
        remaining_must,
    })
}

/// How a rule list treats packets no rule decides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Default {
    /// Filters: the implicit final discard.
    Discard,
    /// Flow routes: no route, no action.
    Accept,
}

/// What one rule list's walk says about acceptance.
struct Acceptance {
    /// Packets certainly accepted.
    must: HeaderSpace,
    /// Packets that may be accepted.
    may: HeaderSpace,
}

fn acceptance(
    walk: &Walk,
    default: Default,
    budget: &mut Budget,
) -> Result<Acceptance, BudgetExceeded> {
    let mut must = HeaderSpace::empty(walk.family);
    let mut may = HeaderSpace::empty(walk.family);
    for term in &walk.terms {
        if term.verdict != Verdict::Accept {
            continue;
        }
        may = may.union_bounded(&term.decided, budget)?;
        if !term.uncertain {
            must = must.union_bounded(&term.decided_must, budget)?;
        }
    }
    if default == Default::Accept {
        may = may.union_bounded(&walk.remaining, budget)?;
        must = must.union_bounded(&walk.remaining_must, budget)?;
    }
    Ok(Acceptance { must, may })
}

/// A rule (term or flow route) as findings name it.
#[derive(Clone)]
struct Named {
    kind: &'static str,
    name: String,
    loc: Loc,
}

/// One side of one compared rule list in one family.
struct Listing<'x> {
    walk: &'x Walk,
    rules: Vec<Named>,
    /// Where the rule list itself is named (a filter's name), for findings about its default.
    anchor: Option<Loc>,
    run: &'x dyn Fn(&Packet) -> interpret::Trace,
}

/// What is being compared, for messages.
struct Subject<'x> {
    /// `filter `edge-in``, `the flow routes`, `the flow routes of instance `x``.
    title: String,
    filter: Option<&'x str>,
    default: Default,
    /// Name the family in messages (filters of family `any`).
    say_family: bool,
}

fn compare_filter(
    old_config: &Config,
    before: &Filter,
    new_config: &Config,
    after: &Filter,
    settings: &Settings,
    out: &mut Outcome,
) {
    let old_terms = analysis::expand_terms(old_config, before);
    let new_terms = analysis::expand_terms(new_config, after);
    if same_rules(
        &old_terms,
        &new_terms,
        &PrefixLists::new(old_config),
        &PrefixLists::new(new_config),
    ) {
        return;
    }
    let names = |terms: &[&Term]| -> Vec<Named> {
        terms
            .iter()
            .map(|t| Named {
                kind: "term",
                name: t.name.text.clone(),
                loc: t.name.loc,
            })
            .collect()
    };
    let run_old = |p: &Packet| interpret::run_filter(old_config, before, p);
    let run_new = |p: &Packet| interpret::run_filter(new_config, after, p);
    let subject = Subject {
        title: format!("filter `{}`", after.name.text),
        filter: Some(&after.name.text),
        default: Default::Discard,
        say_family: after.family == Family::Any,
    };
    for &family in analysis::families(after.family) {
        let (old_compiled, new_compiled) =
            compile_both(&old_terms, &new_terms, family, (old_config, new_config));
        compare_lists(
            &subject,
            family,
            (
                &old_compiled,
                names(&old_terms),
                Some(before.name.loc),
                &run_old,
            ),
            (
                &new_compiled,
                names(&new_terms),
                Some(after.name.loc),
                &run_new,
            ),
            settings,
            out,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_flows(
    old_config: &Config,
    before: Option<&FlowTable>,
    new_config: &Config,
    after: Option<&FlowTable>,
    instance: Option<&str>,
    settings: &Settings,
    out: &mut Outcome,
) {
    let old_routes = before.map(flow_order::ordered).unwrap_or_default();
    let new_routes = after.map(flow_order::ordered).unwrap_or_default();
    if same_rules(
        &old_routes,
        &new_routes,
        &PrefixLists::new(old_config),
        &PrefixLists::new(new_config),
    ) {
        return;
    }
    let names = |routes: &[&FlowRoute]| -> Vec<Named> {
        routes
            .iter()
            .map(|route| Named {
                kind: "route",
                name: route.name.text.clone(),
                loc: route.name.loc,
            })
            .collect()
    };
    let run_old = |p: &Packet| interpret::run_flow(old_config, &old_routes, p);
    let run_new = |p: &Packet| interpret::run_flow(new_config, &new_routes, p);
    let subject = Subject {
        title: match instance {
            None => "the flow routes".to_owned(),
            Some(i) => format!("the flow routes of instance `{i}`"),
        },
        filter: None,
        default: Default::Accept,
        say_family: true,
    };
    for family in [AddressFamily::Inet, AddressFamily::Inet6] {
        let (old_compiled, new_compiled) =
            compile_both(&old_routes, &new_routes, family, (old_config, new_config));
        compare_lists(
            &subject,
            family,
            (&old_compiled, names(&old_routes), None, &run_old),
            (&new_compiled, names(&new_routes), None, &run_new),
            settings,
            out,
        );
    }
}

/// One side of a compared rule list: its rules compiled, their names, where the list is named, and the
/// interpreter.
type Input<'x> = (
    &'x [Compiled1],
    Vec<Named>,
    Option<Loc>,
    &'x dyn Fn(&Packet) -> interpret::Trace,
);

/// Compares two rule lists in one family within the region the change may affect.
fn compare_lists(
    subject: &Subject<'_>,
    family: AddressFamily,
    old: Input<'_>,
    new: Input<'_>,
    settings: &Settings,
    out: &mut Outcome,
) {
    let mut budget = Budget::new(settings.bounds.analysis_budget);
    let walks = (|| -> Result<Option<(Walk, Walk)>, BudgetExceeded> {
        let Some(region) = region(old.0, new.0, family, &mut budget)? else {
            return Ok(None);
        };
        Ok(Some((
            walk_within(old.0, &region, &mut budget)?,
            walk_within(new.0, &region, &mut budget)?,
        )))
    })();
    let anchor = new
        .2
        .or(new.1.first().map(|r| r.loc))
        .or(old.1.first().map(|r| r.loc));
    match walks {
        Ok(None) => {}
        Ok(Some((old_walk, new_walk))) => compare_walks(
            subject,
            &Listing {
                walk: &old_walk,
                rules: old.1,
                anchor: old.2,
                run: old.3,
            },
            &Listing {
                walk: &new_walk,
                rules: new.1,
                anchor: new.2,
                run: new.3,
            },
            settings,
            budget,
            out,
        ),
        Err(BudgetExceeded) => out
            .diagnostics
            .push(limit(subject, family, anchor, settings)),
    }
}

fn limit(
    subject: &Subject<'_>,
    family: AddressFamily,
    anchor: Option<Loc>,
    settings: &Settings,
) -> Diagnostic {
    locate(
        Diagnostic::new(
            Code::AnalysisLimit,
            anchor.unwrap_or_default(),
            format!(
                "the comparison of {} ({}) needs more than {} pieces of packet space (the bound `[limits] analysis-budget`)",
                subject.title,
                family.name(),
                settings.bounds.analysis_budget
            ),
        )
        .with_help("the change is not verified; split the filter or simplify its terms"),
        subject,
        None,
    )
}

fn compare_walks(
    subject: &Subject<'_>,
    old: &Listing<'_>,
    new: &Listing<'_>,
    settings: &Settings,
    mut budget: Budget,
    out: &mut Outcome,
) {
    let family = new.walk.family;
    let uncertain = |w: &Walk| w.terms.iter().any(|t| t.uncertain);
    if uncertain(old.walk) || uncertain(new.walk) {
        out.notes.push(format!(
            "{} ({}) has conditions rulecheck does not model (RC020): changes to the traffic they may match are not reported",
            subject.title,
            family.name()
        ));
    }
    let result = (|| -> Result<Vec<(Diagnostic, Change)>, BudgetExceeded> {
        let before = acceptance(old.walk, subject.default, &mut budget)?;
        let after = acceptance(new.walk, subject.default, &mut budget)?;
        let discarded = before.must.difference_bounded(&after.may, &mut budget)?;
        let accepted = after.must.difference_bounded(&before.may, &mut budget)?;
        let mut found = Vec::new();
        for (change, verdict) in [(discarded, Verdict::Discard), (accepted, Verdict::Accept)] {
            for part in split(&change, new.walk, verdict, subject.default, &mut budget)? {
                report_part(
                    subject,
                    old,
                    new,
                    &part,
                    verdict,
                    settings,
                    &mut budget,
                    &mut found,
                )?;
            }
        }
        Ok(found)
    })();
    match result {
        Ok(found) => {
            for (d, change) in found {
                out.diagnostics.push(d);
                out.changes.push(change);
            }
        }
        Err(BudgetExceeded) => out.diagnostics.push(limit(
            subject,
            family,
            new.anchor.or(new.rules.first().map(|r| r.loc)),
            settings,
        )),
    }
}

/// Part of a change: the packets one rule (or the default) now decides.
struct Part {
    /// The deciding rule on the new side, or `None` for the default.
    rule: Option<usize>,
    space: HeaderSpace,
}

/// Splits `change` by what decides it on the new side: the rules with `verdict` in order, then the default.
fn split(
    change: &HeaderSpace,
    walk: &Walk,
    verdict: Verdict,
    default: Default,
    budget: &mut Budget,
) -> Result<Vec<Part>, BudgetExceeded> {
    let mut rest = change.clone();
    let mut parts = Vec::new();
    for (index, term) in walk.terms.iter().enumerate() {
        if rest.is_empty() {
            break;
        }
        if term.verdict != verdict || !term.decided.intersects(&rest) {
            continue;
        }
        let space = rest.intersect_bounded(&term.decided, budget)?;
        rest = rest.difference_bounded(&space, budget)?;
        parts.push(Part {
            rule: Some(index),
            space,
        });
    }
    let default_verdict = match default {
        Default::Discard => Verdict::Discard,
        Default::Accept => Verdict::Accept,
    };
    if !rest.is_empty() && verdict == default_verdict {
        parts.push(Part {
            rule: None,
            space: rest,
        });
    }
    Ok(parts)
}

#[allow(clippy::too_many_arguments)]
fn report_part(
    subject: &Subject<'_>,
    old: &Listing<'_>,
    new: &Listing<'_>,
    part: &Part,
    verdict: Verdict,
    settings: &Settings,
    budget: &mut Budget,
    found: &mut Vec<(Diagnostic, Change)>,
) -> Result<(), BudgetExceeded> {
    let family = new.walk.family;
    let (code, verb, was) = match verdict {
        Verdict::Discard => (Code::ChangeDiscards, "discards", Verdict::Accept),
        _ => (Code::ChangeAccepts, "accepts", Verdict::Discard),
    };
    let by_new = match part.rule {
        Some(i) => format!("{} `{}`", new.rules[i].kind, new.rules[i].name),
        None => default_words(subject.default).to_owned(),
    };
    // The rules that decided these packets before.
    let mut before: Vec<&Named> = Vec::new();
    let mut before_default = false;
    for (index, term) in old.walk.terms.iter().enumerate() {
        if term.verdict == was && term.decided.intersects(&part.space) {
            before.push(&old.rules[index]);
        }
    }
    if default_verdict(subject.default) == was && old.walk.remaining.intersects(&part.space) {
        before_default = true;
    }
    let before_words = {
        let mut names: Vec<String> = before
            .iter()
            .take(MAX_NAMED)
            .map(|r| format!("{} `{}`", r.kind, r.name))
            .collect();
        if before.len() > MAX_NAMED {
            names.push(format!("{} more", before.len() - MAX_NAMED));
        }
        if before_default {
            names.push(default_words(subject.default).to_owned());
        }
        format!("{}ed by {}", verdict_past(was), names.join(", "))
    };
    let family_words = if subject.say_family {
        format!(" ({})", family.name())
    } else {
        String::new()
    };
    let primary = part
        .rule
        .map(|i| new.rules[i].loc)
        .or(new.anchor)
        .or(before.first().map(|r| r.loc))
        .unwrap_or_default();
    let with_evidence = |mut d: Diagnostic, space: &HeaderSpace| -> (Diagnostic, Change) {
        for r in before.iter().take(MAX_NAMED) {
            d = d.with_related(
                r.loc,
                format!(
                    "before: {} `{}` {}ed these packets",
                    r.kind,
                    r.name,
                    verdict_past(was)
                ),
            );
        }
        let witness_packet = space.witness();
        if let Some(w) = witness_packet {
            let (then, now) = ((old.run)(&w), (new.run)(&w));
            debug_assert_eq!(then.verdict, was, "witness {w} before");
            debug_assert_eq!(now.verdict, verdict, "witness {w} after");
            d.help = Some(format!(
                "the example packet was {}ed by {} and is now {}ed by {}",
                verdict_past(was),
                decision_words(then.decided_by, &old.rules, subject.default),
                verdict_past(verdict),
                decision_words(now.decided_by, &new.rules, subject.default),
            ));
            d = d.with_witness(witness(&w));
        }
        let change = Change {
            code: d.code,
            space: space.clone(),
            witness: witness_packet,
        };
        (
            locate(d, subject, part.rule.map(|i| new.rules[i].name.as_str())),
            change,
        )
    };
    let description = describe(&part.space);
    let message = format!(
        "{}{family_words} now {verb} {description} ({by_new}); before: {before_words}",
        subject.title
    );
    found.push(with_evidence(
        Diagnostic::new(code, primary, message),
        &part.space,
    ));
    if verdict == Verdict::Discard {
        for protect in &settings.protect {
            let protected = protected_space(protect, family);
            if !protected.intersects(&part.space) {
                continue;
            }
            let hit = part.space.intersect_bounded(&protected, budget)?;
            if hit.is_empty() {
                continue;
            }
            let message = format!(
                "{}{family_words} now discards protected traffic `{}`: {} ({by_new}); before: {before_words}",
                subject.title,
                protect.name,
                describe(&hit)
            );
            found.push(with_evidence(
                Diagnostic::new(Code::ChangeDiscardsProtected, primary, message),
                &hit,
            ));
        }
    }
    Ok(())
}

fn locate(d: Diagnostic, subject: &Subject<'_>, rule: Option<&str>) -> Diagnostic {
    match (subject.filter, rule) {
        (Some(filter), _) => d.in_term(filter, rule),
        (None, Some(route)) => d.in_route(route),
        (None, None) => d,
    }
}

fn default_verdict(default: Default) -> Verdict {
    match default {
        Default::Discard => Verdict::Discard,
        Default::Accept => Verdict::Accept,
    }
}

fn default_words(default: Default) -> &'static str {
    match default {
        Default::Discard => "the implicit final discard",
        Default::Accept => "the flow-route default: no route matches",
    }
}

fn verdict_past(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Discard => "discard",
        _ => "accept",
    }
}

fn decision_words(decision: Decision, rules: &[Named], default: Default) -> String {
    match decision {
        Decision::Term(i) | Decision::Unknown(i) => {
            format!("{} `{}`", rules[i].kind, rules[i].name)
        }
        Decision::Default => default_words(default).to_owned(),
    }
}
