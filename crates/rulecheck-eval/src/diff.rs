//! The semantic diff: what a change to a configuration newly discards and newly accepts.
//!
//! # What is compared
//!
//! - **Filters** are matched by family and name. For each filter present on both sides and each address
//!   family it applies to, the sets of packets it accepts before and after are computed exactly from the
//!   ordered walks ([`crate::analysis`]); newly discarded = accepted before ∖ accepted after, newly accepted =
//!   accepted after ∖ accepted before. A filter present on one side only is listed in
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

use rulecheck_syntax::model::{Config, Family, Verdict};
use rulecheck_syntax::{Code, Diagnostic, Loc};

use crate::Settings;
use crate::analysis::{CUBE_BUDGET, Walk};
use crate::describe::describe;
use crate::interpret::{self, Decision};
use crate::packet::{AddressFamily, Packet};
use crate::report::{self, FilterReport, FlowReport, witness};
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
    let (old_filters, old_flows) = report::analyse(old);
    let (new_filters, new_flows) = report::analyse(new);
    diff_reports(
        Side {
            config: old,
            filters: &old_filters,
            flows: &old_flows,
        },
        Side {
            config: new,
            filters: &new_filters,
            flows: &new_flows,
        },
        settings,
    )
}

/// One side of the comparison: a configuration and its walks.
#[derive(Clone, Copy)]
pub struct Side<'s, 'a> {
    /// The configuration.
    pub config: &'a Config,
    /// Its filters, walked.
    pub filters: &'s [FilterReport<'a>],
    /// Its flow tables, walked.
    pub flows: &'s [FlowReport<'a>],
}

/// [`diff`] on configurations already walked (lint of the new side walks it too).
pub fn diff_reports(old: Side<'_, '_>, new: Side<'_, '_>, settings: &Settings) -> Outcome {
    let mut out = Outcome::default();
    for after in new.filters {
        let key = (after.filter.family, &after.filter.name.text);
        match old
            .filters
            .iter()
            .find(|b| (b.filter.family, &b.filter.name.text) == key)
        {
            Some(before) => {
                out.compared_filters += 1;
                compare_filter(old.config, before, new.config, after, settings, &mut out);
            }
            None => out.added.push(OneSided {
                family: after.filter.family,
                name: after.filter.name.text.clone(),
                loc: after.filter.name.loc,
            }),
        }
    }
    for before in old.filters {
        let key = (before.filter.family, &before.filter.name.text);
        if !new
            .filters
            .iter()
            .any(|a| (a.filter.family, &a.filter.name.text) == key)
        {
            out.removed.push(OneSided {
                family: before.filter.family,
                name: before.filter.name.text.clone(),
                loc: before.filter.name.loc,
            });
        }
    }
    let instance = |f: &FlowReport<'_>| f.table.instance.as_ref().map(|n| n.text.clone());
    let mut instances: Vec<Option<String>> =
        old.flows.iter().chain(new.flows).map(instance).collect();
    instances.sort();
    instances.dedup();
    for name in instances {
        let before = old.flows.iter().find(|f| instance(f) == name);
        let after = new.flows.iter().find(|f| instance(f) == name);
        out.compared_flow_tables += 1;
        compare_flows(
            old.config,
            before,
            new.config,
            after,
            name.as_deref(),
            settings,
            &mut out,
        );
    }
    out
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
        if !term.compiled.uncertain {
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
    before: &FilterReport<'_>,
    new_config: &Config,
    after: &FilterReport<'_>,
    settings: &Settings,
    out: &mut Outcome,
) {
    if unchanged(&before.walks, &after.walks) {
        return;
    }
    let names = |r: &FilterReport<'_>| -> Vec<Named> {
        r.terms
            .iter()
            .map(|t| Named {
                kind: "term",
                name: t.name.text.clone(),
                loc: t.name.loc,
            })
            .collect()
    };
    let run_old = |p: &Packet| interpret::run_filter(old_config, before.filter, p);
    let run_new = |p: &Packet| interpret::run_filter(new_config, after.filter, p);
    let subject = Subject {
        title: format!("filter `{}`", after.filter.name.text),
        filter: Some(&after.filter.name.text),
        default: Default::Discard,
        say_family: after.filter.family == Family::Any,
    };
    for (wb, wa) in before.walks.iter().zip(&after.walks) {
        compare_walks(
            &subject,
            &Listing {
                walk: wb,
                rules: names(before),
                anchor: Some(before.filter.name.loc),
                run: &run_old,
            },
            &Listing {
                walk: wa,
                rules: names(after),
                anchor: Some(after.filter.name.loc),
                run: &run_new,
            },
            settings,
            out,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_flows(
    old_config: &Config,
    before: Option<&FlowReport<'_>>,
    new_config: &Config,
    after: Option<&FlowReport<'_>>,
    instance: Option<&str>,
    settings: &Settings,
    out: &mut Outcome,
) {
    let names = |r: Option<&FlowReport<'_>>| -> Vec<Named> {
        r.map(|r| {
            r.routes
                .iter()
                .map(|route| Named {
                    kind: "route",
                    name: route.name.text.clone(),
                    loc: route.name.loc,
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let old_routes = before.map(|r| r.routes.clone()).unwrap_or_default();
    let new_routes = after.map(|r| r.routes.clone()).unwrap_or_default();
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
        let pick = |r: Option<&FlowReport<'_>>| {
            r.and_then(|r| r.walks.iter().find(|w| w.family == family).cloned())
                .unwrap_or_else(|| empty_walk(family))
        };
        let (wb, wa) = (pick(before), pick(after));
        if unchanged(std::slice::from_ref(&wb), std::slice::from_ref(&wa)) {
            continue;
        }
        compare_walks(
            &subject,
            &Listing {
                walk: &wb,
                rules: names(before),
                anchor: None,
                run: &run_old,
            },
            &Listing {
                walk: &wa,
                rules: names(after),
                anchor: None,
                run: &run_new,
            },
            settings,
            out,
        );
    }
}

fn empty_walk(family: AddressFamily) -> Walk {
    Walk {
        family,
        terms: Vec::new(),
        remaining: HeaderSpace::universe(family),
        remaining_must: HeaderSpace::universe(family),
        stopped_at: None,
    }
}

/// Whether two rule lists certainly decide every packet alike: the same verdicts on the same spaces, in
/// the same order. Cheap, and it spares the set algebra for the filters a change does not touch.
fn unchanged(before: &[Walk], after: &[Walk]) -> bool {
    before.len() == after.len()
        && before.iter().zip(after).all(|(b, a)| {
            b.stopped_at.is_none()
                && a.stopped_at.is_none()
                && b.terms.len() == a.terms.len()
                && b.terms.iter().zip(&a.terms).all(|(x, y)| {
                    x.verdict == y.verdict
                        && x.compiled.uncertain == y.compiled.uncertain
                        && x.compiled.space.set_eq(&y.compiled.space)
                })
        })
}

fn compare_walks(
    subject: &Subject<'_>,
    old: &Listing<'_>,
    new: &Listing<'_>,
    settings: &Settings,
    out: &mut Outcome,
) {
    let family = new.walk.family;
    for (side, listing) in [("old", old), ("new", new)] {
        if let Some(index) = listing.walk.stopped_at {
            let rule = &listing.rules[index];
            out.diagnostics.push(locate(
                Diagnostic::new(
                    Code::AnalysisLimit,
                    rule.loc,
                    format!(
                        "the comparison of {} ({}) stopped: the {side} side needs more than {CUBE_BUDGET} pieces of packet space at {} `{}`",
                        subject.title,
                        family.name(),
                        rule.kind,
                        rule.name
                    ),
                )
                .with_help("the change is not verified; split the filter or simplify its terms"),
                subject,
                None,
            ));
            return;
        }
    }
    let uncertain = |w: &Walk| w.terms.iter().any(|t| t.compiled.uncertain);
    if uncertain(old.walk) || uncertain(new.walk) {
        out.notes.push(format!(
            "{} ({}) has conditions rulecheck does not model (RC020): changes to the traffic they may match are not reported",
            subject.title,
            family.name()
        ));
    }
    let mut budget = Budget::new(CUBE_BUDGET);
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
        Err(BudgetExceeded) => out.diagnostics.push(locate(
            Diagnostic::new(
                Code::AnalysisLimit,
                new.anchor.or(new.rules.first().map(|r| r.loc)).unwrap_or_default(),
                format!(
                    "the comparison of {} ({}) needs more than {CUBE_BUDGET} pieces of packet space",
                    subject.title,
                    family.name()
                ),
            )
            .with_help("the change is not verified; split the filter or simplify its terms"),
            subject,
            None,
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
