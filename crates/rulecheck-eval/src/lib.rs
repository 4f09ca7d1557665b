//! The symbolic evaluator of Junos firewall filters and flow routes.
//!
//! It compiles each filter into exact sets of packets ([`space::HeaderSpace`]) following the match
//! semantics of DESIGN.md, proves or refutes the invariants that keep routers up, and backs every claim with
//! a witness packet that the per-packet interpreter agrees with.

pub mod analysis;
pub mod compile;
pub mod expansion;
pub mod interpret;
pub mod packet;
pub mod rules;
pub mod settings;
pub mod space;

use rulecheck_syntax::Diagnostic;
use rulecheck_syntax::model::Config;

pub use settings::{Device, Protect, Settings};

/// What a check sees and where it reports.
pub struct Context<'a> {
    /// The configuration under check.
    pub config: &'a Config,
    /// The settings of the run.
    pub settings: &'a Settings,
    out: Vec<Diagnostic>,
}

impl Context<'_> {
    /// Reports a finding.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.out.push(diagnostic);
    }
}

/// Runs every check on one configuration.
pub fn check(config: &Config, settings: &Settings) -> Vec<Diagnostic> {
    let mut cx = Context {
        config,
        settings,
        out: Vec::new(),
    };
    rules::undefined_reference::check(&mut cx);
    rules::unused_definition::check(&mut cx);
    cx.out
}
