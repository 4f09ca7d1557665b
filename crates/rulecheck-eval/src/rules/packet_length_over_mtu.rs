//! RC102 packet-length-over-mtu.

use rulecheck_syntax::model::{Config, Values};
use rulecheck_syntax::{Code, Diagnostic};

use super::packet_length_impossible::{ip_maximum, length_conditions};
use crate::Context;

rule! {
    /// ## What it does
    /// Reports a `packet-length` condition whose every value is larger than the largest packet the network
    /// carries, though still possible for IP. The network's largest packet is `[device] max-packet-length`
    /// in rulecheck.toml, else the largest `mtu` configured on an interface, else 9216 bytes (a common
    /// jumbo-frame MTU).
    ///
    /// ## Why is this bad?
    /// The term can never match traffic on this network, so whatever it was meant to stop goes through, and
    /// the router still spends filter resources on it. Usually the value is a typo or in the wrong unit.
    ///
    /// ## Example
    /// ```text
    /// # rulecheck.toml: [device] max-packet-length = 4470
    /// term big-udp {
    ///     from { protocol udp; packet-length 9000-65535; }
    ///     then discard;
    /// }
    /// ```
    pub struct PacketLengthOverMtu => PacketLengthOverMtu;
}

/// The largest packet the network carries.
pub fn network_maximum(cx: &Context<'_>) -> u64 {
    if let Some(max) = cx.settings.device.max_packet_length {
        return u64::from(max);
    }
    largest_mtu(cx.config).map_or(9216, u64::from)
}

/// The largest IP MTU configured: a family `mtu` is the IP MTU; a physical `mtu` includes the 14-byte
/// Ethernet header (Junos "Media MTU" vs "protocol MTU").
fn largest_mtu(config: &Config) -> Option<u32> {
    config
        .interfaces
        .iter()
        .flat_map(|i| {
            i.mtu
                .map(|m| m.saturating_sub(14))
                .into_iter()
                .chain(i.units.iter().filter_map(|u| u.mtu))
        })
        .max()
}

/// Reports conditions that match only packets larger than the network carries.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let network = network_maximum(cx);
    for item in super::rule_items(cx) {
        let max = ip_maximum(item.families);
        for condition in length_conditions(item.conditions).filter(|c| !c.except) {
            let Values::Ranges(ranges) = &condition.values else {
                continue;
            };
            let possible: Vec<_> = ranges.iter().filter(|r| r.lo <= max).collect();
            if possible.is_empty() || possible.iter().any(|r| r.lo <= network) {
                continue;
            }
            out.push(item.locate(
                Diagnostic::new(
                    Code::PacketLengthOverMtu,
                    condition.loc,
                    format!("packet-length matches only packets longer than {network} bytes, the largest packet this network carries"),
                )
                .with_help("set `[device] max-packet-length` in rulecheck.toml if the network carries larger packets"),
            ));
        }
    }
}
