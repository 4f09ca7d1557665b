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
}

/// Runs every check on one configuration.
pub fn check(config: &Config, settings: &Settings) -> Vec<Diagnostic> {
    let (filters, flows) = report::analyse(config, settings.bounds.analysis_budget);
    let cx = Context {
        config,
        settings,
        filters,
        flows,
        cost: cost::cost(config),
    };
    let mut out = Vec::new();
    for check in rules::CHECKS {
        check(&cx, &mut out);
    }
    out
}
