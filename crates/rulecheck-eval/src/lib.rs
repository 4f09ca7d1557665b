//! The symbolic evaluator of Junos firewall filters and flow routes.
//!
//! It compiles each filter into exact sets of packets ([`space::HeaderSpace`]) following the match
//! semantics of DESIGN.md, proves or refutes the invariants that keep routers up, and backs every claim with
//! a witness packet that the per-packet interpreter ([`interpret`]) agrees with.

pub mod analysis;
pub mod compile;
pub mod cost;
pub mod describe;
pub mod diff;
pub mod expansion;
pub mod flow_order;
pub mod index;
pub mod interpret;
pub mod packet;
pub mod report;
pub mod rules;
pub mod settings;
pub mod space;

use rulecheck_syntax::Diagnostic;
use rulecheck_syntax::model::Config;

pub use report::{FilterReport, FlowReport};
pub use rulecheck_syntax::parallel::{MAX_THREADS, parallel_map, threads};
pub use settings::{Bounds, Device, Protect, Settings};

/// What a check sees.
pub struct Context<'a> {
    /// The configuration under check.
    pub config: &'a Config,
    /// The settings of the run.
    pub settings: &'a Settings,
    /// Every filter, walked.
    pub filters: Vec<FilterReport<'a>>,
    /// Every flow-route table, walked.
    pub flows: Vec<FlowReport<'a>>,
    /// What every filter and flow-route table costs in hardware.
    pub cost: &'a cost::Cost<'a>,
    /// Threads a check may use for work per filter (1: the calling thread only).
    pub threads: usize,
}

impl Context<'_> {
    /// `f` on every filter, on up to [`Context::threads`] threads, the findings in filter order: for the
    /// checks whose work grows with the size of each filter.
    pub fn per_filter(
        &self,
        out: &mut Vec<Diagnostic>,
        f: impl Fn(&FilterReport<'_>, &mut Vec<Diagnostic>) + Sync,
    ) {
        let found = parallel_map(&self.filters, self.threads, |report| {
            let mut found = Vec::new();
            f(report, &mut found);
            found
        });
        out.extend(found.into_iter().flatten());
    }

    /// `f` on every index below `count` (the terms of one filter), the findings in index order: shared
    /// out in chunks among the threads that the filters leave idle, for a check whose work per term is
    /// independent of the other terms'.
    pub fn per_term(
        &self,
        count: usize,
        f: impl Fn(usize, &mut Vec<Diagnostic>) + Sync,
    ) -> Vec<Diagnostic> {
        const CHUNK: usize = 64;
        let threads = (self.threads / self.filters.len().max(1)).max(1);
        let chunks: Vec<std::ops::Range<usize>> = (0..count)
            .step_by(CHUNK)
            .map(|start| start..(start + CHUNK).min(count))
            .collect();
        parallel_map(&chunks, threads, |range| {
            let mut found = Vec::new();
            for i in range.clone() {
                f(i, &mut found);
            }
            found
        })
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Runs every check on one configuration, on as many threads as the machine has cores (at most
/// [`MAX_THREADS`]). The findings are the same, in the same order, whatever the number of threads.
pub fn check(config: &Config, settings: &Settings) -> Vec<Diagnostic> {
    check_with_threads(config, settings, threads())
}

/// [`check`] on `threads` threads (1: on the calling thread only).
///
/// The filters are walked and checked a part at a time (see [`check_in_parts`] for parts of
/// [`PART_TERMS`] terms), and each part's walks are dropped once it is checked, so memory holds the
/// compiled terms of the parts in hand (one per thread at most), not the whole configuration's.
pub fn check_with_threads(config: &Config, settings: &Settings, threads: usize) -> Vec<Diagnostic> {
    check_in_parts(config, settings, threads, PART_TERMS)
}

/// [`check_with_threads`] with parts of about `part_terms` terms: the same findings whatever the size of
/// the parts, though not in the same order (they come part by part; the command line sorts them).
///
/// Filters of at most half a part are grouped into half parts; a larger filter is a part of its own,
/// and so are the flow tables. When at least two parts per thread of at most [`SHARED_PARTS`] parts'
/// terms come in a row, the threads take one each, each walking and checking its own: no thread waits
/// for another between the walks and the checks of a part (on 100,000 generated terms, a fifth less
/// time and a quarter less peak memory than parts walked and checked on both threads in turn). Larger
/// parts, and parts too few to share out, are walked and checked on every thread in turn. The parts,
/// and so the order of the findings, do not depend on the number of threads.
pub fn check_in_parts(
    config: &Config,
    settings: &Settings,
    threads: usize,
    part_terms: usize,
) -> Vec<Diagnostic> {
    let threads = threads.clamp(1, MAX_THREADS);
    let cost = cost::cost_with_threads(config, threads);
    let context = |threads| Context {
        config,
        settings,
        filters: Vec::new(),
        flows: Vec::new(),
        cost: &cost,
        threads,
    };
    let mut out = run_checks(&context(threads), rules::CONFIG_CHECKS);
    let parts = parts(config, part_terms);
    let shared = |p: &Part| p.terms <= part_terms.saturating_mul(SHARED_PARTS);
    let mut rest = parts.as_slice();
    while let Some(part) = rest.first() {
        // A run of parts shared out among the threads; or one part on all of them.
        let run = if shared(part) {
            rest.iter().take_while(|p| shared(p)).count()
        } else {
            1
        };
        let (now, later) = rest.split_at(run);
        // Too few to keep every thread busy to the end: each on all of them.
        if run >= 2 * threads {
            let found = parallel_map(now, threads, |part| check_part(context(1), part));
            // Room for all at once: the findings are many and large, and growing the list as they come
            // would copy them again at every doubling.
            out.reserve(found.iter().map(Vec::len).sum());
            out.extend(found.into_iter().flatten());
        } else {
            for part in now {
                out.extend(check_part(context(threads), part));
            }
        }
        rest = later;
    }
    out
}

/// Filters and flow tables walked and checked together.
struct Part {
    filters: std::ops::Range<usize>,
    flows: std::ops::Range<usize>,
    /// At most half of [`check_in_parts`]'s part: filters up to half a part may join it.
    half: bool,
    /// Its terms and flow routes.
    terms: usize,
}

/// Parts of up to this many times [`check_in_parts`]'s part size are shared out among the threads, one
/// each, when enough come in a row: memory then holds one such part's walks per thread.
pub const SHARED_PARTS: usize = 8;

/// The parts of `config` for parts of `part_terms` terms: whole filters in order, those of at most half
/// a part grouped up to half a part, then the flow tables.
fn parts(config: &Config, part_terms: usize) -> Vec<Part> {
    let half = part_terms / 2;
    let mut parts: Vec<Part> = Vec::new();
    for (i, filter) in config.filters.iter().enumerate() {
        let terms = filter.terms.len();
        match parts.last_mut() {
            Some(last) if last.half && terms <= half && last.terms + terms <= half => {
                last.filters.end = i + 1;
                last.terms += terms;
            }
            _ => parts.push(Part {
                filters: i..i + 1,
                flows: 0..0,
                half: terms <= half,
                terms,
            }),
        }
    }
    if !config.flow_tables.is_empty() {
        let routes: usize = config.flow_tables.iter().map(|t| t.routes.len()).sum();
        let end = config.filters.len();
        parts.push(Part {
            filters: end..end,
            flows: 0..config.flow_tables.len(),
            half: routes <= half,
            terms: routes,
        });
    }
    parts
}

/// Walks `part` and runs the checks of walks on it, with `cx`'s threads.
fn check_part(mut cx: Context<'_>, part: &Part) -> Vec<Diagnostic> {
    let budget = cx.settings.bounds.analysis_budget;
    (cx.filters, cx.flows) = report::analyse_part(
        cx.config,
        part.filters.clone(),
        part.flows.clone(),
        budget,
        cx.threads,
    );
    run_checks(&cx, rules::WALK_CHECKS)
}

/// Terms walked and checked together by [`check_with_threads`] (a filter is never divided).
pub const PART_TERMS: usize = 4_096;

/// Every one of `checks` on `cx`, on [`Context::threads`] threads, the findings in the order of `checks`.
fn run_checks(cx: &Context<'_>, checks: &[rules::Check]) -> Vec<Diagnostic> {
    parallel_map(checks, cx.threads, |check| {
        let mut out = Vec::new();
        check(cx, &mut out);
        out
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Pseudo-random numbers for unit tests: `next(n)` is below `n`, the same sequence for the same seed
/// (a linear congruential generator, Knuth's MMIX constants).
#[cfg(test)]
pub(crate) fn test_numbers(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |n| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// Filters of at most half a part go into half parts, as many as fit; a larger filter is a part of
    /// its own; the flow tables come last.
    #[test]
    fn parts_group_small_filters_into_half_parts() {
        let filter = |name: &str, terms: usize| {
            let mut text = format!("filter {name} {{\n");
            for i in 0..terms {
                let _ = writeln!(
                    text,
                    "term t{i} {{ from {{ protocol tcp; }} then accept; }}"
                );
            }
            text + "}\n"
        };
        let text = format!(
            "firewall {{ family inet {{ {}{}{}{}{} }} }}\n\
             routing-options {{ flow {{ route r {{ match {{ destination 192.0.2.0/24; }} then discard; }} }} }}\n",
            filter("a", 2),
            filter("b", 1),
            filter("c", 2),
            filter("d", 5),
            filter("e", 1),
        );
        let (_, parsed) = rulecheck_syntax::parse_str("t.conf", &text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let shape: Vec<(std::ops::Range<usize>, std::ops::Range<usize>, usize)> =
            parts(&parsed.config, 6)
                .into_iter()
                .map(|p| (p.filters, p.flows, p.terms))
                .collect();
        assert_eq!(
            shape,
            [
                (0..2, 0..0, 3),
                (2..3, 0..0, 2),
                (3..4, 0..0, 5),
                (4..5, 0..0, 1),
                (5..5, 0..1, 1),
            ]
        );
    }
}
