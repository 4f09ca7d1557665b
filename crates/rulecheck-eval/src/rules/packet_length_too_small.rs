//! RC103 packet-length-too-small.

use rulecheck_syntax::model::{Condition, MatchField, Values};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::compile::{self, PrefixLists};
use crate::packet::AddressFamily;
use crate::space::Field;

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
    let smallest = smallest_other(conditions, families, lists)?;
    (!ranges.is_empty() && ranges.iter().all(|r| r.hi < smallest))
        .then_some((smallest, condition.loc))
}

/// Reports conditions below the smallest possible packet.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let lists = PrefixLists::new(cx.config);
    for item in super::rule_items(cx) {
        if let Some((smallest, loc)) = too_small(item.conditions, &item.families, &lists) {
            out.push(item.locate(Diagnostic::new(
                Code::PacketLengthTooSmall,
                loc,
                format!("packet-length matches only packets shorter than {smallest} bytes, the smallest packet the rest of this term can match"),
            )));
        }
    }
}
