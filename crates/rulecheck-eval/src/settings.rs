//! What the checks need to know about the network: device budgets, protected traffic, severities.
//!
//! The command line fills this from `rulecheck.toml`; the defaults are conservative assumptions, not vendor
//! figures.

use std::collections::BTreeMap;

use rulecheck_syntax::model::Address;
use rulecheck_syntax::{Code, Severity};

/// The budget of the routers the rules are for (`[device]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// Largest IP packet the network carries; `None` means the largest interface MTU, else 9216.
    pub max_packet_length: Option<u32>,
    /// Hardware entries one term may expand to.
    pub term_entries: u64,
    /// Hardware entries one filter may expand to.
    pub filter_entries: u64,
    /// Flow routes a router accepts.
    pub flow_routes: u64,
    /// A discarding flow route with an IPv4 destination shorter than this is too broad.
    pub broad_discard_prefix: u8,
    /// The same for IPv6 destinations.
    pub broad_discard_prefix_v6: u8,
}

impl Default for Device {
    fn default() -> Self {
        Self {
            max_packet_length: None,
            term_entries: 4096,
            filter_entries: 65_536,
            flow_routes: 10_000,
            broad_discard_prefix: 16,
            broad_discard_prefix_v6: 48,
        }
    }
}

/// Traffic no discard may cover (`[[protect]]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Protect {
    /// A name for messages.
    pub name: String,
    /// Source prefixes (any if empty).
    pub source: Vec<Address>,
    /// Destination prefixes (any if empty).
    pub destination: Vec<Address>,
    /// IP protocols (any if empty).
    pub protocol: Vec<(u8, u8)>,
    /// Source ports (any if empty).
    pub source_port: Vec<(u16, u16)>,
    /// Destination ports (any if empty).
    pub destination_port: Vec<(u16, u16)>,
}

/// Bounds on the work of one analysis (`[limits]`). Reaching one stops that analysis with an RC090
/// finding, which blocks: a verdict that could not be proved is not a pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Pieces of packet space (cubes) one walk of a filter or flow-route table, one on-demand set, or
    /// one comparison of `diff` may create; walks of long lists get 16 more per rule
    /// ([`crate::analysis::budget_for`]).
    pub analysis_budget: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            analysis_budget: crate::analysis::CUBE_BUDGET,
        }
    }
}

/// Everything the evaluator is told.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Device budgets.
    pub device: Device,
    /// Bounds on the analysis.
    pub bounds: Bounds,
    /// Protected traffic.
    pub protect: Vec<Protect>,
    /// Severity overrides; `None` turns a rule off.
    pub severities: BTreeMap<Code, Option<Severity>>,
}

impl Settings {
    /// The severity of `code` after overrides, or `None` if the rule is off.
    pub fn severity(&self, code: Code) -> Option<Severity> {
        match self.severities.get(&code) {
            Some(over) => *over,
            None => Some(code.default_severity()),
        }
    }
}
