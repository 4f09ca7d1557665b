//! The symbolic evaluator against the per-packet interpreter, on random filters and random packets.
//!
//! For every packet: the term whose decided set contains it is the term the interpreter says decides it,
//! with the same verdict; a packet no term decides falls to the default in both. Witnesses of shadowed
//! terms, of decided sets and of the implicit discard are decided as claimed.

use proptest::prelude::*;
use rulecheck_eval::analysis::{self, Walk};
use rulecheck_eval::compile::PrefixLists;
use rulecheck_eval::interpret::{self, Decision};
use rulecheck_eval::packet::{AddressFamily, Packet};
use rulecheck_eval::rules::shadowed_term::covered;
use rulecheck_eval::space::HeaderSpace;
use rulecheck_syntax::Loc;
use rulecheck_syntax::model::{
    Action, ActionKind, Address, AddressEntry, BitSet256, Condition, Config, Family, Filter,
    FragmentKind, MatchField, Name, Term, ValueRange, Values, Verdict,
};

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
    // Short filters find corner cases fast; long ones exercise the index and the divided subtraction.
    prop_oneof![3 => 1usize..7, 1 => 10usize..40].prop_flat_map(|n| {
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

fn walk_of(config: &Config) -> (Vec<&Term>, Walk) {
    let filter = &config.filters[0];
    let terms = analysis::expand_terms(config, filter);
    let walk = analysis::walk(
        &terms,
        AddressFamily::Inet,
        &PrefixLists::new(config),
        analysis::CUBE_BUDGET,
    );
    (terms, walk)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn symbolic_verdicts_agree_with_the_interpreter(filter in filter(), packets in prop::collection::vec(packet(), 1..40)) {
        let config = Config { filters: vec![filter], ..Config::default() };
        let (_, walk) = walk_of(&config);
        prop_assert!(walk.stopped_at.is_none());
        let accepted = analysis::accepted(&walk).unwrap();
        let decided: Vec<HeaderSpace> = (0..walk.terms.len()).map(|i| walk.decided(i).unwrap()).collect();
        let remaining = walk.remaining().unwrap();
        for p in &packets {
            let trace = interpret::run_filter(&config, &config.filters[0], p);
            let deciding = (0..walk.terms.len()).position(|i| walk.terms[i].verdict != Verdict::NextTerm && decided[i].contains(p));
            match deciding {
                Some(i) => {
                    prop_assert_eq!(trace.decided_by, Decision::Term(i), "packet {} ", p);
                    prop_assert_eq!(trace.verdict, walk.terms[i].verdict);
                }
                None => {
                    prop_assert_eq!(trace.decided_by, Decision::Default, "packet {}", p);
                    prop_assert!(remaining.contains(p));
                }
            }
            prop_assert_eq!(accepted.contains(p), trace.verdict == Verdict::Accept, "packet {}", p);
        }
    }

    #[test]
    fn witnesses_are_decided_as_claimed(filter in filter()) {
        let config = Config { filters: vec![filter], ..Config::default() };
        let (_, walk) = walk_of(&config);
        for (i, term) in walk.terms.iter().enumerate() {
            let decided = walk.decided(i).unwrap();
            // The walk's example is a member of the set, and there is one exactly when the set is not empty.
            prop_assert_eq!(term.example.is_some(), !decided.is_empty());
            for w in decided.witness().iter().chain(&term.example) {
                prop_assert!(w.is_valid());
                prop_assert!(decided.contains(w));
                if term.verdict != Verdict::NextTerm {
                    let trace = interpret::run_filter(&config, &config.filters[0], w);
                    prop_assert_eq!(trace.decided_by, Decision::Term(i));
                }
            }
        }
        let remaining = walk.remaining().unwrap();
        prop_assert_eq!(walk.remaining_example.is_some(), !remaining.is_empty());
        for w in remaining.witness().iter().chain(&walk.remaining_example) {
            prop_assert_eq!(interpret::run_filter(&config, &config.filters[0], w).decided_by, Decision::Default);
        }
        for c in covered(std::slice::from_ref(&walk)) {
            // A shadowed or redundant term never decides; its witness is decided by a listed blocker.
            if let Some(w) = &c.witness {
                let trace = interpret::run_filter(&config, &config.filters[0], w);
                let Decision::Term(by) = trace.decided_by else { return Err(TestCaseError::fail("witness not decided by a term")) };
                prop_assert!(c.blockers.contains(&by), "decided by {} not in {:?}", by, c.blockers);
                prop_assert!(by < c.index);
            }
        }
    }

    #[test]
    fn a_covered_term_never_decides(filter in filter(), packets in prop::collection::vec(packet(), 1..60)) {
        let config = Config { filters: vec![filter], ..Config::default() };
        let (_, walk) = walk_of(&config);
        let covered: Vec<usize> = covered(std::slice::from_ref(&walk)).iter().map(|c| c.index).collect();
        for p in &packets {
            if let Decision::Term(i) = interpret::run_filter(&config, &config.filters[0], p).decided_by {
                prop_assert!(!covered.contains(&i));
            }
        }
    }
}

#[test]
fn union_shadowing_is_found() {
    // Neither earlier term covers `block-ssh` alone; together they do.
    let port = |lo, hi| Condition {
        field: MatchField::DestinationPort,
        except: false,
        loc: Loc::default(),
        values: ranges(vec![(lo, hi)]),
    };
    let t = |n: &str, c: Vec<Condition>, a: ActionKind| Term {
        name: name(n),
        conditions: c,
        actions: vec![Action {
            kind: a,
            loc: Loc::default(),
        }],
        filter: None,
    };
    let filter = Filter {
        name: name("f"),
        family: Family::Inet,
        terms: vec![
            t("low", vec![port(0, 1023)], ActionKind::Accept),
            t("high", vec![port(1024, 65535)], ActionKind::Accept),
            t("block-ssh", vec![port(20, 30)], ActionKind::Discard),
        ],
    };
    let config = Config {
        filters: vec![filter],
        ..Config::default()
    };
    let (_, walk) = walk_of(&config);
    let found = covered(std::slice::from_ref(&walk));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].index, 2);
    assert!(found[0].shadowed);
    assert_eq!(found[0].blockers, vec![0]);
}
