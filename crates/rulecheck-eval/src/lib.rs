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
    pub cost: cost::Cost<'a>,
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
/// The filters are walked and checked a part at a time (about [`PART_TERMS`] terms), and each part's
/// walks are dropped before the next is walked, so memory holds one part's compiled terms, not the whole
/// configuration's.
pub fn check_with_threads(config: &Config, settings: &Settings, threads: usize) -> Vec<Diagnostic> {
    check_in_parts(config, settings, threads, PART_TERMS)
}

/// [`check_with_threads`] with parts of about `part_terms` terms: the same findings whatever the size of
/// the parts, though not in the same order (they come part by part; the command line sorts them).
pub fn check_in_parts(
    config: &Config,
    settings: &Settings,
    threads: usize,
    part_terms: usize,
) -> Vec<Diagnostic> {
    let threads = threads.clamp(1, MAX_THREADS);
    let budget = settings.bounds.analysis_budget;
    let mut cx = Context {
        config,
        settings,
        filters: Vec::new(),
        flows: Vec::new(),
        cost: cost::cost_with_threads(config, threads),
        threads,
    };
    let mut out = run_checks(&cx, rules::CONFIG_CHECKS);
    let filters = config.filters.len();
    let mut start = 0;
    loop {
        let mut end = start;
        let mut terms = 0;
        while end < filters && (end == start || terms < part_terms) {
            terms += config.filters[end].terms.len();
            end += 1;
        }
        // The flow tables go with the last part.
        let flows = if end == filters {
            0..config.flow_tables.len()
        } else {
            0..0
        };
        (cx.filters, cx.flows) = report::analyse_part(config, start..end, flows, budget, threads);
        out.extend(run_checks(&cx, rules::WALK_CHECKS));
        if end == filters {
            return out;
        }
        start = end;
    }
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
