//! Random filters and packets for the tests that compare the evaluator with the per-packet interpreter:
//! values from small pools around 10.0.0.0, so that terms overlap often.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use proptest::prelude::*;
use rulecheck_eval::packet::{AddressFamily, Packet};
use rulecheck_syntax::Loc;
use rulecheck_syntax::model::{
    Action, ActionKind, Address, AddressEntry, BitSet256, Condition, Family, Filter, FragmentKind,
    MatchField, Name, Term, ValueRange, Values,
};

pub const BASE: u128 = 0x0a00_0000; // 10.0.0.0

pub fn name(text: &str) -> Name {
    Name {
        text: text.to_owned(),
        loc: Loc::default(),
    }
}

pub fn ranges(values: Vec<(u64, u64)>) -> Values {
    Values::Ranges(
        values
            .into_iter()
            .map(|(lo, hi)| ValueRange {
                lo: lo.min(hi),
                hi: lo.max(hi),
                loc: Loc::default(),
            })
            .collect(),
    )
}

pub fn address_entry() -> impl Strategy<Value = AddressEntry> {
    (0u128..16, 28u8..=32, any::<bool>()).prop_map(|(host, len, except)| AddressEntry {
        address: Address::prefix(false, BASE + host, len),
        except,
        loc: Loc::default(),
    })
}

pub fn condition() -> impl Strategy<Value = Condition> {
    let port = prop_oneof![
        Just((22, 22)),
        Just((53, 53)),
        Just((80, 80)),
        Just((0, 1023)),
        Just((1000, 2000))
    ];
    let field_values = prop_oneof![
        (
            prop::sample::select(vec![
                MatchField::SourceAddress,
                MatchField::DestinationAddress,
                MatchField::Address
            ]),
            prop::collection::vec(address_entry(), 1..4)
        )
            .prop_map(|(f, a)| (f, Values::Addresses(a))),
        (
            prop::sample::select(vec![
                MatchField::Port,
                MatchField::SourcePort,
                MatchField::DestinationPort
            ]),
            prop::collection::vec(port, 1..3)
        )
            .prop_map(|(f, p)| (f, ranges(p))),
        prop::collection::vec(
            prop::sample::select(vec![(1, 1), (6, 6), (17, 17), (0, 16)]),
            1..3
        )
        .prop_map(|p| (MatchField::Protocol, ranges(p))),
        prop::collection::vec(
            prop::sample::select(vec![(0, 60), (40, 40), (41, 1500), (100, 70000)]),
            1..3
        )
        .prop_map(|p| (MatchField::PacketLength, ranges(p))),
        prop::sample::select(vec![0x02u8, 0x10, 0x12, 0x04]).prop_map(|bits| (
            MatchField::TcpFlags,
            Values::Bits(BitSet256::from_fn(|v| v & bits == bits))
        )),
        prop::collection::vec(prop::sample::select(vec![(0, 0), (8, 8), (3, 3)]), 1..2)
            .prop_map(|p| (MatchField::IcmpType, ranges(p))),
        prop::collection::vec(prop::sample::select(vec![(0, 0), (46, 46), (10, 20)]), 1..2)
            .prop_map(|p| (MatchField::Dscp, ranges(p))),
        prop::collection::vec(prop::sample::select(vec![(1, 1), (64, 64), (0, 63)]), 1..2)
            .prop_map(|p| (MatchField::Ttl, ranges(p))),
        prop::collection::vec(
            prop::sample::select(vec![
                FragmentKind::IsFragment,
                FragmentKind::FirstFragment,
                FragmentKind::LastFragment,
                FragmentKind::DontFragment,
                FragmentKind::NotAFragment
            ]),
            1..3
        )
        .prop_map(|k| (MatchField::Fragment, Values::Fragments(k))),
    ];
    (field_values, any::<bool>()).prop_map(|((field, values), except)| {
        let except = except
            && matches!(
                field,
                MatchField::Protocol
                    | MatchField::Port
                    | MatchField::DestinationPort
                    | MatchField::PacketLength
                    | MatchField::Dscp
            );
        Condition {
            field,
            except,
            loc: Loc::default(),
            values,
        }
    })
}

pub fn term(index: usize) -> impl Strategy<Value = Term> {
    let verdict = prop::sample::select(vec![
        ActionKind::Accept,
        ActionKind::Discard,
        ActionKind::Reject,
        ActionKind::NextTerm,
        ActionKind::Count("c".into()),
    ]);
    (prop::collection::vec(condition(), 0..3), verdict).prop_map(move |(conditions, action)| Term {
        name: name(&format!("t{index}")),
        conditions,
        actions: vec![Action {
            kind: action,
            loc: Loc::default(),
        }],
        filter: None,
    })
}

/// A filter of `terms` terms (a strategy for the count).
pub fn filter(terms: impl Strategy<Value = usize>) -> impl Strategy<Value = Filter> {
    terms.prop_flat_map(|n| {
        (0..n)
            .map(term)
            .collect::<Vec<_>>()
            .prop_map(|terms| Filter {
                name: name("f"),
                family: Family::Inet,
                terms,
            })
    })
}

pub fn packet() -> impl Strategy<Value = Packet> {
    let proto = prop::sample::select(vec![1u8, 6, 17, 50]);
    let port = prop::sample::select(vec![22u16, 53, 80, 443, 1500, 40000]);
    (
        0u128..20,
        0u128..20,
        proto,
        port.clone(),
        port,
        prop::sample::select(vec![0u8, 8, 3]),
        any::<u8>(),
        prop::sample::select(vec![20u32, 28, 40, 60, 1500, 65535]),
        prop::sample::select(vec![0u8, 46, 12]),
        prop::sample::select(vec![0u16, 0, 1, 100]),
        0u8..8,
        prop::sample::select(vec![1u8, 64, 255]),
    )
        .prop_map(
            |(s, d, protocol, sp, dp, icmp, flags, len, dscp, offset, fflags, ttl)| {
                let first = offset == 0;
                let ports = first && matches!(protocol, 6 | 17);
                Packet {
                    family: AddressFamily::Inet,
                    source: BASE + s,
                    destination: BASE + d,
                    protocol,
                    source_port: ports.then_some(sp),
                    destination_port: ports.then_some(dp),
                    icmp_type: (first && protocol == 1).then_some(icmp),
                    icmp_code: (first && protocol == 1).then_some(0),
                    tcp_flags: (first && protocol == 6).then_some(flags),
                    packet_length: len,
                    dscp,
                    fragment_offset: offset,
                    fragment_flags: fflags,
                    ttl,
                }
            },
        )
        .prop_filter("valid packet", Packet::is_valid)
}
