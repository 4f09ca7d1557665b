//! The concrete interpreter: what a filter or the flow-route table does with one packet.
//!
//! This is the oracle the symbolic evaluator is tested against, so it shares no code with [`crate::compile`]:
//! every condition is evaluated directly on the packet's fields, address lists by scanning for the longest
//! containing entry.

use rulecheck_syntax::model::{
    AddressEntry, Condition, Config, Filter, FlowRoute, FragmentKind, MatchField, Values, Verdict,
};

use crate::packet::{AddressFamily, Packet};

/// The outcome of one term for one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermMatch {
    /// Every condition holds.
    Yes,
    /// Some condition fails.
    No,
    /// Only unmodeled conditions are undecided.
    Unknown,
}

/// Where a packet's fate was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// By the term (or route) at this index.
    Term(usize),
    /// By the filter's implicit default (discard for filters, accept for flow routes).
    Default,
    /// By a term whose unmodeled conditions leave the outcome unknown.
    Unknown(usize),
}

/// The verdict on one packet and what decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Accept or discard (never `NextTerm`).
    pub verdict: Verdict,
    /// What decided it.
    pub decided_by: Decision,
}

/// Runs `packet` through `filter`: first matching term decides, `next term` continues, default discard.
pub fn run_filter(config: &Config, filter: &Filter, packet: &Packet) -> Trace {
    let terms = crate::analysis::expand_terms(config, filter);
    for (index, term) in terms.iter().enumerate() {
        match term_matches(config, &term.conditions, packet) {
            TermMatch::No => {}
            TermMatch::Unknown => {
                return Trace {
                    verdict: term.verdict(),
                    decided_by: Decision::Unknown(index),
                };
            }
            TermMatch::Yes => match term.verdict() {
                Verdict::NextTerm => {}
                verdict => {
                    return Trace {
                        verdict,
                        decided_by: Decision::Term(index),
                    };
                }
            },
        }
    }
    Trace {
        verdict: Verdict::Discard,
        decided_by: Decision::Default,
    }
}

/// Runs `packet` through flow routes already in evaluation order: first match decides, default accept.
pub fn run_flow(config: &Config, routes: &[&FlowRoute], packet: &Packet) -> Trace {
    for (index, route) in routes.iter().enumerate() {
        if crate::compile::flow_family(&route.conditions) != packet.family {
            continue;
        }
        match term_matches(config, &route.conditions, packet) {
            TermMatch::No => {}
            TermMatch::Unknown => {
                return Trace {
                    verdict: route.verdict(),
                    decided_by: Decision::Unknown(index),
                };
            }
            TermMatch::Yes => {
                return Trace {
                    verdict: route.verdict(),
                    decided_by: Decision::Term(index),
                };
            }
        }
    }
    Trace {
        verdict: Verdict::Accept,
        decided_by: Decision::Default,
    }
}

/// Whether every condition holds for `packet`.
pub fn term_matches(config: &Config, conditions: &[Condition], packet: &Packet) -> TermMatch {
    let mut unknown = false;
    // Entries of one address field from all its conditions form one longest-match list.
    let mut lists: [Option<Vec<AddressEntry>>; 3] = Default::default();
    for condition in conditions {
        let slot = match condition.field {
            MatchField::Address => Some(0),
            MatchField::SourceAddress => Some(1),
            MatchField::DestinationAddress => Some(2),
            _ => None,
        };
        if let Some(slot) = slot {
            let list = lists[slot].get_or_insert_with(Vec::new);
            match &condition.values {
                Values::Addresses(entries) => list.extend(entries.iter().copied()),
                Values::PrefixLists(refs) => {
                    for r in refs {
                        if let Some(pl) = config
                            .prefix_lists
                            .iter()
                            .find(|p| p.name.text == r.name.text)
                        {
                            list.extend(pl.prefixes.iter().map(|e| AddressEntry {
                                except: e.except || r.except,
                                ..*e
                            }));
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        match condition_holds(condition, packet) {
            Some(true) => {}
            Some(false) => return TermMatch::No,
            None => unknown = true,
        }
    }
    let lpm = |list: &[AddressEntry], addr: u128| -> bool {
        let v6 = packet.family == AddressFamily::Inet6;
        let mut best: Option<(u32, usize, bool)> = None;
        for (i, e) in list.iter().enumerate() {
            if e.address.v6 == v6 && e.address.contains(addr) {
                let len = e.address.mask.count_ones();
                if best.is_none_or(|(l, _, _)| len >= l) {
                    best = Some((len, i, e.except));
                }
            }
        }
        matches!(best, Some((_, _, false)))
    };
    if let Some(list) = &lists[0] {
        if !lpm(list, packet.source) && !lpm(list, packet.destination) {
            return TermMatch::No;
        }
    }
    if let Some(list) = &lists[1] {
        if !lpm(list, packet.source) {
            return TermMatch::No;
        }
    }
    if let Some(list) = &lists[2] {
        if !lpm(list, packet.destination) {
            return TermMatch::No;
        }
    }
    if unknown {
        TermMatch::Unknown
    } else {
        TermMatch::Yes
    }
}

/// One non-address condition on one packet; `None` if not modeled.
fn condition_holds(condition: &Condition, packet: &Packet) -> Option<bool> {
    let in_ranges = |value: u64| match &condition.values {
        Values::Ranges(ranges) => ranges.iter().any(|r| r.lo <= value && value <= r.hi),
        Values::Bits(bits) => u8::try_from(value).is_ok_and(|v| bits.contains(v)),
        _ => false,
    };
    // A field the packet does not carry never matches, in either form.
    let test = |value: Option<u64>| value.is_some_and(|v| in_ranges(v) != condition.except);
    let result = match condition.field {
        MatchField::Protocol => test(Some(u64::from(packet.protocol))),
        MatchField::Port => {
            let (s, d) = (
                packet.source_port.map(u64::from),
                packet.destination_port.map(u64::from),
            );
            if condition.except {
                // `port-except`: the negation of `port` among packets that carry ports.
                s.is_some() && !(s.is_some_and(in_ranges) || d.is_some_and(in_ranges))
            } else {
                s.is_some_and(in_ranges) || d.is_some_and(in_ranges)
            }
        }
        MatchField::SourcePort => test(packet.source_port.map(u64::from)),
        MatchField::DestinationPort => test(packet.destination_port.map(u64::from)),
        MatchField::IcmpType => test(packet.icmp_type.map(u64::from)),
        MatchField::IcmpCode => test(packet.icmp_code.map(u64::from)),
        MatchField::TcpFlags => test(packet.tcp_flags.map(u64::from)),
        MatchField::PacketLength => test(Some(u64::from(packet.packet_length))),
        MatchField::Dscp => test(Some(u64::from(packet.dscp))),
        MatchField::FragmentOffset => test(Some(u64::from(packet.fragment_offset))),
        MatchField::FragmentFlags => test(Some(u64::from(packet.fragment_flags))),
        MatchField::Ttl => test(Some(u64::from(packet.ttl))),
        MatchField::Fragment => match &condition.values {
            Values::Fragments(kinds) => kinds.iter().any(|k| fragment_holds(*k, packet)),
            _ => false,
        },
        MatchField::NotModeled => return None,
        MatchField::Address | MatchField::SourceAddress | MatchField::DestinationAddress => true,
    };
    Some(result)
}

fn fragment_holds(kind: FragmentKind, packet: &Packet) -> bool {
    let mf = packet.fragment_flags & crate::packet::fragment_flag::MORE_FRAGMENTS != 0;
    let df = packet.fragment_flags & crate::packet::fragment_flag::DONT_FRAGMENT != 0;
    let offset = packet.fragment_offset;
    match kind {
        FragmentKind::IsFragment => offset != 0,
        FragmentKind::FirstFragment => offset == 0 && mf,
        FragmentKind::LastFragment => offset != 0 && !mf,
        FragmentKind::DontFragment => df,
        FragmentKind::NotAFragment => offset == 0 && !mf,
    }
}
