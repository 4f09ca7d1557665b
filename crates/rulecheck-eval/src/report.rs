//! The analyses every rule reads, computed once per configuration.

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

/// [`analyse`] on up to `threads` threads: filters and flow tables are walked independently.
pub fn analyse_with_threads(
    config: &Config,
    budget: u64,
    threads: usize,
) -> (Vec<FilterReport<'_>>, Vec<FlowReport<'_>>) {
    let lists = PrefixLists::new(config);
    let filters = crate::parallel_map(&config.filters, threads, |filter| {
        let terms = analysis::expand_terms(config, filter);
        let walks = analysis::families(filter.family)
            .iter()
            .map(|&family| analysis::walk(&terms, family, &lists, budget))
            .collect();
        FilterReport {
            filter,
            terms,
            walks,
        }
    });
    let flows = crate::parallel_map(&config.flow_tables, threads, |table| {
        let routes = crate::flow_order::ordered(table);
        let walks = [AddressFamily::Inet, AddressFamily::Inet6]
            .iter()
            .map(|&family| analysis::walk(&routes, family, &lists, budget))
            .collect();
        FlowReport {
            table,
            routes,
            walks,
        }
    });
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
        AddressFamily::Inet => std::net::Ipv4Addr::from(a as u32).to_string(),
        AddressFamily::Inet6 => std::net::Ipv6Addr::from(a).to_string(),
    };
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
        summary: packet.to_string(),
    }
}
