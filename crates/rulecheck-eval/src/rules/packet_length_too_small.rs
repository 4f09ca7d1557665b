//! RC103 packet-length-too-small.

use rulecheck_syntax::model::{Condition, MatchField, Values};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::compile::{self, PrefixLists};
use crate::packet::AddressFamily;
use crate::space::{self, Field};

rule! {
    /// ## What it does
    /// Reports a `packet-length` condition whose every value is smaller than the smallest packet the rest of
    /// the term can match: 20 bytes for an IPv4 header (40 for IPv6), plus 20 for a TCP header, 8 for UDP or
    /// ICMP, 12 for SCTP.
    ///
    /// ## Why is this bad?
    /// The term matches nothing. Often the author meant the payload length, or a lower bound (`40-1500`)
    /// rather than an exact value.
    ///
    /// ## Example
    /// ```text
    /// term tiny-tcp {
    ///     from { protocol tcp; packet-length 0-39; }    # a TCP/IPv4 packet is at least 40 bytes
    ///     then discard;
    /// }
    /// ```
    pub struct PacketLengthTooSmall => PacketLengthTooSmall;
}

/// The smallest packet length the other conditions allow, per family; `None` if they match nothing.
pub fn smallest_other(
    conditions: &[Condition],
    families: &[AddressFamily],
    lists: &PrefixLists<'_>,
) -> Option<u64> {
    let others: Vec<Condition> = conditions
        .iter()
        .filter(|c| c.field != MatchField::PacketLength)
        .cloned()
        .collect();
    families
        .iter()
        .filter_map(|&family| {
            let compiled = compile::compile(&others, family, lists);
            compiled
                .space
                .cubes()
                .iter()
                .filter_map(|c| c.get(Field::PacketLength).first())
                .min()
        })
        .min()
        .map(|v| v as u64)
}

/// Whether every value of the term's packet-length conditions is below what its other conditions allow.
pub fn too_small(
    conditions: &[Condition],
    families: &[AddressFamily],
    lists: &PrefixLists<'_>,
) -> Option<(u64, rulecheck_syntax::Loc)> {
    let condition = conditions
        .iter()
        .find(|c| c.field == MatchField::PacketLength && !c.except)?;
    let Values::Ranges(ranges) = &condition.values else {
        return None;
    };
    // The smallest packet the other conditions match is at most the largest of the kinds' smallest:
    // a value from there on is not below it, with no need to compile the term.
    let ceiling = families
        .iter()
        .map(|&family| space::largest_minimum_length(family))
        .max()?;
    if ranges.iter().any(|r| u128::from(r.hi) >= ceiling) {
        return None;
    }
    let smallest = smallest_other(conditions, families, lists)?;
    (!ranges.is_empty() && ranges.iter().all(|r| r.hi < smallest))
        .then_some((smallest, condition.loc))
}

/// Reports conditions below the smallest possible packet.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let lists = PrefixLists::new(cx.config);
    for item in super::rule_items(cx) {
        if let Some((smallest, loc)) = too_small(item.conditions, item.families, &lists) {
            out.push(item.locate(Diagnostic::new(
                Code::PacketLengthTooSmall,
                loc,
                format!("packet-length matches only packets shorter than {smallest} bytes, the smallest packet the rest of this term can match"),
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::analysis::families;

    /// The shortcut (no compiling when a value reaches the largest of the kinds' smallest packets)
    /// against the definition, at the boundary for each family and kind of packet.
    #[test]
    fn values_from_the_largest_smallest_packet_never_fire() {
        assert_eq!(space::largest_minimum_length(AddressFamily::Inet), 40);
        assert_eq!(space::largest_minimum_length(AddressFamily::Inet6), 60);
        // First fragments only (a port or ICMP type), so a TCP packet is 40 or 60 bytes at least.
        let kinds = |protocol: &str, icmp: &str| {
            [
                format!("{protocol} tcp; destination-port 80;"),
                format!("{protocol} udp; destination-port 53;"),
                format!("{protocol} {icmp}; icmp-type echo-request;"),
                String::new(),
            ]
        };
        let mut text = String::from("firewall {\n");
        for (family, protocol, icmp) in [
            ("inet", "protocol", "icmp"),
            ("inet6", "next-header", "icmp6"),
        ] {
            let _ = writeln!(text, "family {family} {{ filter f-{family} {{");
            for (k, conditions) in kinds(protocol, icmp).iter().enumerate() {
                for hi in [19, 27, 39, 40, 47, 59, 60, 61] {
                    let _ = writeln!(
                        text,
                        "term t{k}-{hi} {{ from {{ {conditions} packet-length 0-{hi}; }} then discard; }}"
                    );
                }
            }
            text.push_str("}}\n");
        }
        text.push('}');
        let (_, parsed) = rulecheck_syntax::parse_str("t.conf", &text);
        let config = parsed.config;
        let lists = PrefixLists::new(&config);
        let mut fired = Vec::new();
        for filter in &config.filters {
            let families = families(filter.family);
            for term in &filter.terms {
                let Some(Values::Ranges(ranges)) = term
                    .conditions
                    .iter()
                    .find(|c| c.field == MatchField::PacketLength)
                    .map(|c| &c.values)
                else {
                    unreachable!("every term has a length")
                };
                let by_definition = smallest_other(&term.conditions, families, &lists)
                    .filter(|&smallest| ranges[0].hi < smallest);
                let found = too_small(&term.conditions, families, &lists).map(|(s, _)| s);
                assert_eq!(found, by_definition, "term {}", term.name.text);
                if found.is_some() {
                    fired.push(term.name.text.as_str());
                }
            }
        }
        // Just below the ceiling of each family, a TCP packet with a port is too long.
        assert!(fired.contains(&"t0-39"), "{fired:?}");
        assert!(fired.contains(&"t0-59"), "{fired:?}");
    }
}
