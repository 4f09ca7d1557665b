//! The semantic diff against the per-packet interpreter, on random pairs of small filters and flow-route
//! tables.
//!
//! Every witness of RC501/RC502 is accepted by the old rules and discarded by the new ones, and the reverse
//! for RC503; every packet the interpreter sees change from accept to discard (or back) lies in a reported
//! change, and every packet of a reported change did change. So the diff is sound and complete on the
//! sample, and a change the interpreter can find is never missed.

use proptest::prelude::*;
use rulecheck_eval::diff::{Outcome, diff};
use rulecheck_eval::interpret;
use rulecheck_eval::packet::{AddressFamily, Packet};
use rulecheck_eval::{Protect, Settings};
use rulecheck_syntax::model::{
    Action, ActionKind, Address, AddressEntry, BitSet256, Condition, Config, Family, Filter,
    FlowRoute, FlowTable, FragmentKind, MatchField, Name, Term, TermOrder, ValueRange, Values,
    Verdict,
};
use rulecheck_syntax::{Code, Loc};

const BASE: u128 = 0x0a00_0000; // 10.0.0.0

fn name(text: &str) -> Name {
    Name {
        text: text.to_owned(),
        loc: Loc::default(),
    }
}

fn ranges(values: Vec<(u64, u64)>) -> Values {
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

fn address_entry() -> impl Strategy<Value = AddressEntry> {
    (0u128..16, 28u8..=32, any::<bool>()).prop_map(|(host, len, except)| AddressEntry {
        address: Address::prefix(false, BASE + host, len),
        except,
        loc: Loc::default(),
    })
}

fn condition() -> impl Strategy<Value = Condition> {
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

fn term(index: usize) -> impl Strategy<Value = Term> {
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

fn filter() -> impl Strategy<Value = Filter> {
    (1usize..7).prop_flat_map(|n| {
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

fn packet() -> impl Strategy<Value = Packet> {
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

fn settings() -> Settings {
    Settings {
        protect: vec![Protect {
            name: "dns".into(),
            destination: vec![Address::prefix(false, BASE, 29)],
            protocol: vec![(17, 17)],
            destination_port: vec![(53, 53)],
            ..Protect::default()
        }],
        ..Settings::default()
    }
}

fn filter_config(filter: Filter) -> Config {
    Config {
        filters: vec![filter],
        ..Config::default()
    }
}

/// Flow routes from terms: the same conditions, accept or discard, in standard order.
fn flow_config(filter: Filter) -> Config {
    let routes = filter
        .terms
        .into_iter()
        .filter(|t| t.conditions.iter().all(|c| c.field != MatchField::Address))
        .map(|t| FlowRoute {
            name: t.name,
            conditions: t.conditions,
            actions: t.actions,
        })
        .collect();
    Config {
        flow_tables: vec![FlowTable {
            instance: None,
            term_order: TermOrder::Legacy,
            routes,
        }],
        ..Config::default()
    }
}

fn verdict(config: &Config, packet: &Packet) -> Verdict {
    if let Some(filter) = config.filters.first() {
        interpret::run_filter(config, filter, packet).verdict
    } else if let Some(table) = config.flow_tables.first() {
        let routes = rulecheck_eval::flow_order::ordered(table);
        interpret::run_flow(config, &routes, packet).verdict
    } else {
        Verdict::Accept
    }
}

fn check_outcome(
    old: &Config,
    new: &Config,
    outcome: &Outcome,
    packets: &[Packet],
) -> Result<(), TestCaseError> {
    prop_assert!(
        outcome
            .diagnostics
            .iter()
            .all(|d| d.code != Code::AnalysisLimit),
        "the comparison of small rule lists hit its bound"
    );
    prop_assert_eq!(outcome.changes.len(), outcome.diagnostics.len());
    for change in &outcome.changes {
        let (was, now) = match change.code {
            Code::ChangeDiscards | Code::ChangeDiscardsProtected => {
                (Verdict::Accept, Verdict::Discard)
            }
            Code::ChangeAccepts => (Verdict::Discard, Verdict::Accept),
            other => return Err(TestCaseError::fail(format!("unexpected code {other}"))),
        };
        let w = change.witness.expect("a reported change has a witness");
        prop_assert!(
            change.space.contains(&w),
            "the witness {} is outside its change",
            w
        );
        prop_assert_eq!(verdict(old, &w), was, "witness {} before", w);
        prop_assert_eq!(verdict(new, &w), now, "witness {} after", w);
        if change.code == Code::ChangeDiscardsProtected {
            let protected = rulecheck_eval::rules::protected_flow_discarded::protected_space(
                &settings().protect[0],
                AddressFamily::Inet,
            );
            prop_assert!(
                protected.contains(&w),
                "RC501 witness {} is not protected",
                w
            );
        }
    }
    for p in packets {
        let (before, after) = (verdict(old, p), verdict(new, p));
        let reported = |code: Code| {
            outcome
                .changes
                .iter()
                .any(|c| c.code == code && c.space.contains(p))
        };
        match (before, after) {
            (Verdict::Accept, Verdict::Discard) => {
                prop_assert!(
                    reported(Code::ChangeDiscards),
                    "{} changed to discard, not reported",
                    p
                );
            }
            (Verdict::Discard, Verdict::Accept) => {
                prop_assert!(
                    reported(Code::ChangeAccepts),
                    "{} changed to accept, not reported",
                    p
                );
            }
            _ => {
                prop_assert!(
                    !reported(Code::ChangeDiscards) && !reported(Code::ChangeAccepts),
                    "{} did not change but is reported",
                    p
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn filter_changes_agree_with_the_interpreter(
        old in filter(),
        new in filter(),
        packets in prop::collection::vec(packet(), 1..60),
    ) {
        let (old, new) = (filter_config(old), filter_config(new));
        let outcome = diff(&old, &new, &settings());
        check_outcome(&old, &new, &outcome, &packets)?;
    }

    #[test]
    fn flow_route_changes_agree_with_the_interpreter(
        old in filter(),
        new in filter(),
        packets in prop::collection::vec(packet(), 1..60),
    ) {
        let (old, new) = (flow_config(old), flow_config(new));
        let outcome = diff(&old, &new, &settings());
        check_outcome(&old, &new, &outcome, &packets)?;
    }

    #[test]
    fn an_edit_of_one_term_is_found(
        old in filter(),
        extra in term(9),
        at in 0usize..8,
        packets in prop::collection::vec(packet(), 1..60),
    ) {
        // Random pairs mostly differ everywhere; inserting one term is the shape of a real change.
        let mut new = old.clone();
        let at = at.min(new.terms.len());
        new.terms.insert(at, extra);
        let (old, new) = (filter_config(old), filter_config(new));
        let outcome = diff(&old, &new, &settings());
        check_outcome(&old, &new, &outcome, &packets)?;
    }

    #[test]
    fn a_filter_compared_with_itself_has_no_change(filter in filter()) {
        let config = filter_config(filter);
        let outcome = diff(&config, &config, &settings());
        prop_assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    }
}
