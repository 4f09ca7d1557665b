//! The analyses every rule reads, computed once per configuration.

use std::fmt::Write as _;

use rulecheck_syntax::Witness;
use rulecheck_syntax::model::{Config, Filter, FlowRoute, FlowTable, Term, TermOrder};

use crate::analysis::{self, Walk};
use crate::compile::PrefixLists;
use crate::packet::{AddressFamily, Packet};

/// A filter and its walks, one per family it applies to.
pub struct FilterReport<'a> {
    /// The filter.
    pub filter: &'a Filter,
    /// Its terms with nested filters inlined; walk indices refer to these.
    pub terms: Vec<&'a Term>,
    /// One walk per family.
    pub walks: Vec<Walk>,
}

/// A flow-route table in evaluation order and its walks.
pub struct FlowReport<'a> {
    /// The table.
    pub table: &'a FlowTable,
    /// Routes in evaluation order (RFC 8955 §5.1 for `term-order standard`, configuration order otherwise).
    pub routes: Vec<&'a FlowRoute>,
    /// One walk per family.
    pub walks: Vec<Walk>,
}

/// Walks every filter and flow table of `config`, each walk with `budget` cubes (see
/// [`analysis::budget_for`]).
pub fn analyse(config: &Config, budget: u64) -> (Vec<FilterReport<'_>>, Vec<FlowReport<'_>>) {
    analyse_with_threads(config, budget, 1)
}

/// [`analyse`] on up to `threads` threads. The rules of every walk (a filter or flow table in one
/// family) are shared out together in chunks (see [`analysis::walk_all`]): a flow table's two families,
/// or a big filter, do not hold up the rest.
pub fn analyse_with_threads(
    config: &Config,
    budget: u64,
    threads: usize,
) -> (Vec<FilterReport<'_>>, Vec<FlowReport<'_>>) {
    analyse_part(
        config,
        0..config.filters.len(),
        0..config.flow_tables.len(),
        budget,
        threads,
    )
}

/// [`analyse_with_threads`] of some of the filters and flow tables only (those at `filters` and `flows`
/// in the configuration's lists): the reports of a part can be checked and dropped before the next part
/// is walked, so a large configuration does not hold every walk at once.
pub fn analyse_part(
    config: &Config,
    filters: std::ops::Range<usize>,
    flows: std::ops::Range<usize>,
    budget: u64,
    threads: usize,
) -> (Vec<FilterReport<'_>>, Vec<FlowReport<'_>>) {
    let lists = PrefixLists::new(config);
    let filters = &config.filters[filters];
    let tables = &config.flow_tables[flows];
    let terms: Vec<Vec<&Term>> = filters
        .iter()
        .map(|filter| analysis::expand_terms(config, filter))
        .collect();
    let routes: Vec<Vec<&FlowRoute>> = tables.iter().map(crate::flow_order::ordered).collect();
    let flow_families = [AddressFamily::Inet, AddressFamily::Inet6];
    // (filter, family), then (flow table, family), in report order; the rules of all of them are shared
    // out among the threads together.
    let filter_jobs: Vec<(&[&Term], AddressFamily)> = filters
        .iter()
        .zip(&terms)
        .flat_map(|(filter, terms)| {
            analysis::families(filter.family)
                .iter()
                .map(|&family| (terms.as_slice(), family))
        })
        .collect();
    let flow_jobs: Vec<(&[&FlowRoute], AddressFamily)> = routes
        .iter()
        .flat_map(|routes| flow_families.map(|family| (routes.as_slice(), family)))
        .collect();
    let mut walks = analysis::walk_all(&filter_jobs, &lists, budget, threads)
        .into_iter()
        .chain(analysis::walk_all(&flow_jobs, &lists, budget, threads));
    let filters = filters
        .iter()
        .zip(terms)
        .map(|(filter, terms)| FilterReport {
            filter,
            terms,
            walks: walks
                .by_ref()
                .take(analysis::families(filter.family).len())
                .collect(),
        })
        .collect();
    let flows = tables
        .iter()
        .zip(routes)
        .map(|(table, routes)| FlowReport {
            table,
            routes,
            walks: walks.by_ref().take(flow_families.len()).collect(),
        })
        .collect();
    (filters, flows)
}

impl FlowReport<'_> {
    /// Whether the order of routes is defined.
    pub fn ordered(&self) -> bool {
        self.table.term_order == TermOrder::Standard
    }
}

/// The JSON/human form of a witness packet.
pub fn witness(packet: &Packet) -> Witness {
    let address = |a: u128| match packet.family {
        AddressFamily::Inet => crate::packet::Ipv4Text::new(a as u32).as_str().to_owned(),
        AddressFamily::Inet6 => std::net::Ipv6Addr::from(a).to_string(),
    };
    // Room for the usual summary (`tcp 192.0.2.1:1024 -> 203.0.113.5:80 flags syn len 60`) at once.
    let mut summary = String::with_capacity(96);
    let _ = write!(summary, "{packet}");
    Witness {
        family: packet.family.name(),
        protocol: packet.protocol,
        source: address(packet.source),
        destination: address(packet.destination),
        source_port: packet.source_port,
        destination_port: packet.destination_port,
        icmp_type: packet.icmp_type,
        icmp_code: packet.icmp_code,
        tcp_flags: packet.tcp_flags,
        packet_length: packet.packet_length,
        dscp: packet.dscp,
        fragment_offset: packet.fragment_offset,
        ttl: packet.ttl,
        summary,
    }
}
