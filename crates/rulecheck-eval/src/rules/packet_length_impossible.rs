//! RC101 packet-length-impossible.

use rulecheck_syntax::model::{Condition, MatchField, Values};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::packet::AddressFamily;

rule! {
    /// ## What it does
    /// Reports a `packet-length` value beyond the largest packet IP can carry: 65,535 bytes for IPv4 (the
    /// 16-bit Total Length field, RFC 791) and 65,575 for IPv6 (a 16-bit payload length plus the 40-byte
    /// header, RFC 8200). Jumbograms are not modeled.
    ///
    /// ## Why is this bad?
    /// No packet can match it, so the rule is meaningless at best. At worst it is the rule that took down a
    /// network: on 2013-03-03 a flow route discarding packets 99,971 and 99,985 bytes long was accepted by
    /// every edge router, exhausted their memory, and took 23 data centres offline.
    ///
    /// ## Example
    /// ```text
    /// route dns-drop {
    ///     match {
    ///         destination 173.245.48.1/32;
    ///         port 53;
    ///         packet-length [ 99971 99985 ];
    ///     }
    ///     then discard;
    /// }
    /// ```
    pub struct PacketLengthImpossible => PacketLengthImpossible;
}

/// The packet-length conditions of `conditions`.
pub fn length_conditions(conditions: &[Condition]) -> impl Iterator<Item = &Condition> {
    conditions
        .iter()
        .filter(|c| c.field == MatchField::PacketLength)
}

/// The largest packet length in the families a rule applies to.
pub fn ip_maximum(families: &[AddressFamily]) -> u64 {
    families
        .iter()
        .map(|f| u64::from(f.max_packet_length()))
        .max()
        .unwrap_or(65_535)
}

/// Reports each impossible value.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in super::rule_items(cx) {
        let max = ip_maximum(item.families);
        for condition in length_conditions(item.conditions) {
            let Values::Ranges(ranges) = &condition.values else {
                continue;
            };
            for r in ranges.iter().filter(|r| r.hi > max) {
                let value = if r.lo == r.hi {
                    r.lo.to_string()
                } else {
                    format!("{}-{}", r.lo, r.hi)
                };
                let family = if max > 65_535 { "IPv6" } else { "IPv4" };
                out.push(item.locate(
                    Diagnostic::new(
                        Code::PacketLengthImpossible,
                        r.loc,
                        format!("packet-length {value} is beyond the {family} maximum of {max} bytes: no packet can be this long"),
                    )
                    .with_help("packet lengths count the whole IP packet; check the units and the value"),
                ));
            }
        }
    }
}
