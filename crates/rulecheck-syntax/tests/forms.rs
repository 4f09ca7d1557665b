//! Both forms, one model.
//!
//! Random configurations are written twice, in the hierarchical form and as `set`/`deactivate` commands.
//! Both texts must parse without syntax, unknown-statement or invalid-value findings, to equal models once
//! locations are set aside; and that model must be the configuration that was generated: the same filters,
//! terms in order, conditions, actions and verdicts, with inactive elements left out.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use proptest::strategy::Union;
use rulecheck_syntax::model::{
    ActionKind, BitSet256, Condition, Config, FragmentKind, MatchField, Values, Verdict,
};
use rulecheck_syntax::{Code, Parsed, parse_str};

#[path = "../../../benches/generate.rs"]
mod generate;

// ---- The generated configuration ----------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fam {
    Inet,
    Inet6,
}

impl Fam {
    fn keyword(self) -> &'static str {
        match self {
            Fam::Inet => "inet",
            Fam::Inet6 => "inet6",
        }
    }
}

/// One value of a condition as written after its keyword (`10.1.0.0/16 except`, `"syn & !ack"`).
#[derive(Clone, Debug)]
struct Value {
    words: String,
    /// The first word: what `deactivate` names.
    element: String,
    inactive: bool,
}

impl Value {
    fn new(words: impl Into<String>) -> Self {
        let words = words.into();
        let element = words.split(' ').next().unwrap_or_default().to_owned();
        Self {
            words,
            element,
            inactive: false,
        }
    }
}

/// How a condition's values are written in the hierarchical form.
#[derive(Clone, Copy, Debug)]
enum Style {
    /// `kw v;` (one value)
    Single,
    /// `kw [ v w ];`
    List,
    /// `kw { v; w; }`
    Block,
}

#[derive(Clone, Debug)]
struct Cond {
    keyword: &'static str,
    values: Vec<Value>,
    style: Style,
    /// The condition as [`condition_summary`] writes the model's.
    expected: String,
}

#[derive(Clone, Debug)]
struct GenTerm {
    name: String,
    conditions: Vec<Cond>,
    /// `then` statements as written (`count c`, `policer p0`, `accept`, `next term`).
    then: Vec<String>,
    /// The model's actions, as [`action_summary`] writes them.
    actions: Vec<String>,
    verdict: Verdict,
    inactive: bool,
}

#[derive(Clone, Debug)]
struct GenFilter {
    name: String,
    family: Fam,
    terms: Vec<GenTerm>,
}

#[derive(Clone, Debug)]
struct GenRoute {
    name: String,
    conditions: Vec<Cond>,
    then: String,
    action: String,
    verdict: Verdict,
    inactive: bool,
}

#[derive(Clone, Debug)]
struct GenConfig {
    prefix_lists: Vec<(String, Vec<String>)>,
    filters: Vec<GenFilter>,
    term_order: Option<&'static str>,
    routes: Vec<GenRoute>,
}

// ---- Condition keywords and their values ----------------------------------------------------------

type Names = &'static [(&'static str, u64)];

const PORT_NAMES: Names = &[
    ("http", 80),
    ("https", 443),
    ("ssh", 22),
    ("domain", 53),
    ("bgp", 179),
    ("ntp", 123),
    ("ftp-data", 20),
    ("snmp", 161),
];
const PROTOCOL_NAMES: Names = &[
    ("tcp", 6),
    ("udp", 17),
    ("icmp", 1),
    ("gre", 47),
    ("esp", 50),
    ("sctp", 132),
];
const ICMP_TYPES: Names = &[
    ("echo-request", 8),
    ("echo-reply", 0),
    ("unreachable", 3),
    ("time-exceeded", 11),
];
const ICMP6_TYPES: Names = &[
    ("echo-request", 128),
    ("echo-reply", 129),
    ("packet-too-big", 2),
    ("neighbor-solicit", 135),
];
const DSCP_NAMES: Names = &[
    ("ef", 46),
    ("af11", 10),
    ("af41", 34),
    ("cs6", 48),
    ("be", 0),
];

type Bits = fn(u8) -> bool;

const TCP_EXPRESSIONS: &[(&str, Bits)] = &[
    ("syn", |v| v & 0x02 != 0),
    ("\"syn & !ack\"", |v| v & 0x02 != 0 && v & 0x10 == 0),
    ("syn&!ack", |v| v & 0x02 != 0 && v & 0x10 == 0),
    ("\"(syn & !ack) | rst\"", |v| {
        (v & 0x02 != 0 && v & 0x10 == 0) || v & 0x04 != 0
    }),
    ("\"fin | urgent\"", |v| v & 0x01 != 0 || v & 0x20 != 0),
    ("0x12", |v| v & 0x12 == 0x12),
    ("\"!rst\"", |v| v & 0x04 == 0),
];
const FRAGMENT_EXPRESSIONS: &[(&str, Bits)] = &[
    ("more-fragments", |v| v & 0x01 != 0),
    ("\"dont-fragment & !more-fragments\"", |v| {
        v & 0x02 != 0 && v & 0x01 == 0
    }),
    ("reserved", |v| v & 0x04 != 0),
];

#[derive(Clone, Copy, Debug)]
enum Kind {
    Addresses,
    PrefixLists,
    /// Names, largest value, whether ranges are written.
    Numbers(Names, u64, bool),
    TcpFlags,
    FragmentFlags,
    /// A condition without values, and the model's values.
    Flag(&'static str),
    FlowFragments,
}

#[derive(Clone, Copy, Debug)]
struct Keyword {
    name: &'static str,
    field: MatchField,
    except: bool,
    kind: Kind,
}

const fn kw(name: &'static str, field: MatchField, except: bool, kind: Kind) -> Keyword {
    Keyword {
        name,
        field,
        except,
        kind,
    }
}

const TCP_ESTABLISHED: &str = "tcp-established";
const TCP_INITIAL: &str = "tcp-initial";

fn keywords(family: Fam) -> Vec<Keyword> {
    use Kind::{Addresses, Flag, FragmentFlags, Numbers, PrefixLists, TcpFlags};
    use MatchField as F;
    let mut all = vec![
        kw("source-address", F::SourceAddress, false, Addresses),
        kw(
            "destination-address",
            F::DestinationAddress,
            false,
            Addresses,
        ),
        kw("address", F::Address, false, Addresses),
        kw("source-prefix-list", F::SourceAddress, false, PrefixLists),
        kw(
            "destination-prefix-list",
            F::DestinationAddress,
            false,
            PrefixLists,
        ),
        kw("prefix-list", F::Address, false, PrefixLists),
        kw("port", F::Port, false, Numbers(PORT_NAMES, 65_535, true)),
        kw(
            "port-except",
            F::Port,
            true,
            Numbers(PORT_NAMES, 65_535, true),
        ),
        kw(
            "source-port",
            F::SourcePort,
            false,
            Numbers(PORT_NAMES, 65_535, true),
        ),
        kw(
            "source-port-except",
            F::SourcePort,
            true,
            Numbers(PORT_NAMES, 65_535, true),
        ),
        kw(
            "destination-port",
            F::DestinationPort,
            false,
            Numbers(PORT_NAMES, 65_535, true),
        ),
        kw(
            "destination-port-except",
            F::DestinationPort,
            true,
            Numbers(PORT_NAMES, 65_535, true),
        ),
        kw("icmp-code", F::IcmpCode, false, Numbers(&[], 15, true)),
        kw("tcp-flags", F::TcpFlags, false, TcpFlags),
        kw(TCP_ESTABLISHED, F::TcpFlags, false, Flag(TCP_ESTABLISHED)),
        kw(TCP_INITIAL, F::TcpFlags, false, Flag(TCP_INITIAL)),
        kw(
            "packet-length",
            F::PacketLength,
            false,
            Numbers(&[], 65_535, true),
        ),
        kw(
            "packet-length-except",
            F::PacketLength,
            true,
            Numbers(&[], 65_535, true),
        ),
        kw("is-fragment", F::Fragment, false, Flag("is-fragment")),
    ];
    match family {
        Fam::Inet => all.extend([
            kw(
                "protocol",
                F::Protocol,
                false,
                Numbers(PROTOCOL_NAMES, 255, false),
            ),
            kw(
                "protocol-except",
                F::Protocol,
                true,
                Numbers(PROTOCOL_NAMES, 255, false),
            ),
            kw(
                "icmp-type",
                F::IcmpType,
                false,
                Numbers(ICMP_TYPES, 255, false),
            ),
            kw(
                "icmp-type-except",
                F::IcmpType,
                true,
                Numbers(ICMP_TYPES, 255, false),
            ),
            kw("dscp", F::Dscp, false, Numbers(DSCP_NAMES, 63, true)),
            kw("dscp-except", F::Dscp, true, Numbers(DSCP_NAMES, 63, true)),
            kw("ttl", F::Ttl, false, Numbers(&[], 255, true)),
            kw("ttl-except", F::Ttl, true, Numbers(&[], 255, true)),
            kw(
                "fragment-offset",
                F::FragmentOffset,
                false,
                Numbers(&[], 8191, true),
            ),
            kw("fragment-flags", F::FragmentFlags, false, FragmentFlags),
            kw("first-fragment", F::Fragment, false, Flag("first-fragment")),
            kw("last-fragment", F::Fragment, false, Flag("last-fragment")),
        ]),
        Fam::Inet6 => all.extend([
            kw(
                "next-header",
                F::Protocol,
                false,
                Numbers(PROTOCOL_NAMES, 255, false),
            ),
            kw(
                "next-header-except",
                F::Protocol,
                true,
                Numbers(PROTOCOL_NAMES, 255, false),
            ),
            kw(
                "payload-protocol",
                F::Protocol,
                false,
                Numbers(PROTOCOL_NAMES, 255, false),
            ),
            kw(
                "icmp-type",
                F::IcmpType,
                false,
                Numbers(ICMP6_TYPES, 255, false),
            ),
            kw(
                "traffic-class",
                F::Dscp,
                false,
                Numbers(DSCP_NAMES, 63, true),
            ),
            kw(
                "traffic-class-except",
                F::Dscp,
                true,
                Numbers(DSCP_NAMES, 63, true),
            ),
            kw("hop-limit", F::Ttl, false, Numbers(&[], 255, true)),
            kw("hop-limit-except", F::Ttl, true, Numbers(&[], 255, true)),
        ]),
    }
    all
}

fn flow_keywords() -> Vec<Keyword> {
    use Kind::{Addresses, FlowFragments, Numbers, TcpFlags};
    use MatchField as F;
    vec![
        kw("source", F::SourceAddress, false, Addresses),
        kw(
            "protocol",
            F::Protocol,
            false,
            Numbers(PROTOCOL_NAMES, 255, false),
        ),
        kw("port", F::Port, false, Numbers(PORT_NAMES, 65_535, true)),
        kw(
            "destination-port",
            F::DestinationPort,
            false,
            Numbers(PORT_NAMES, 65_535, true),
        ),
        kw(
            "source-port",
            F::SourcePort,
            false,
            Numbers(PORT_NAMES, 65_535, true),
        ),
        kw(
            "packet-length",
            F::PacketLength,
            false,
            Numbers(&[], 65_535, true),
        ),
        kw("dscp", F::Dscp, false, Numbers(DSCP_NAMES, 63, true)),
        kw(
            "icmp-type",
            F::IcmpType,
            false,
            Numbers(ICMP_TYPES, 255, false),
        ),
        kw("icmp-code", F::IcmpCode, false, Numbers(&[], 15, true)),
        kw("tcp-flags", F::TcpFlags, false, TcpFlags),
        kw("fragment", F::Fragment, false, FlowFragments),
    ]
}

/// A prefix in the form the model displays it: network address and length.
fn prefix(v6: bool) -> BoxedStrategy<String> {
    if v6 {
        (any::<u128>(), 0..=128u32)
            .prop_map(|(bits, len)| {
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - len)
                };
                format!("{}/{len}", Ipv6Addr::from(bits & mask))
            })
            .boxed()
    } else {
        (any::<u32>(), 0..=32u32)
            .prop_map(|(bits, len)| {
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                format!("{}/{len}", Ipv4Addr::from(bits & mask))
            })
            .boxed()
    }
}

/// Keeps the first of values written alike: repeated words are one statement in Junos.
fn dedup_by<T>(items: &mut Vec<T>, key: impl Fn(&T) -> String) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(key(item)));
}

fn summary(field: MatchField, except: bool, values: &str) -> String {
    format!("{field:?} except={except} {values}")
}

/// Address entries or prefix-list references: each may be `except`, and (in filters) inactive.
fn entries(
    element: BoxedStrategy<String>,
    inactive_allowed: bool,
) -> impl Strategy<Value = Vec<(String, bool, bool)>> {
    prop::collection::vec(
        (
            element,
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.15),
        ),
        1..4,
    )
    .prop_map(move |mut items| {
        dedup_by(&mut items, |(text, _, _)| text.clone());
        for item in &mut items {
            item.2 &= inactive_allowed;
        }
        items
    })
}

fn number_value(names: Names, max: u64, ranges: bool) -> BoxedStrategy<(String, u64, u64)> {
    let mut options: Vec<BoxedStrategy<(String, u64, u64)>> =
        vec![(0..=max).prop_map(|v| (v.to_string(), v, v)).boxed()];
    if ranges {
        options.push(
            (0..=max, 0..=max)
                .prop_map(|(a, b)| {
                    let (lo, hi) = (a.min(b), a.max(b));
                    (format!("{lo}-{hi}"), lo, hi)
                })
                .boxed(),
        );
    }
    if !names.is_empty() {
        options.push(
            prop::sample::select(names)
                .prop_map(|(name, v)| (name.to_owned(), v, v))
                .boxed(),
        );
    }
    Union::new(options).boxed()
}

fn style(count: usize, single_words: bool) -> BoxedStrategy<Style> {
    match (count, single_words) {
        (1, true) => {
            prop_oneof![Just(Style::Single), Just(Style::List), Just(Style::Block)].boxed()
        }
        (1, false) => prop_oneof![Just(Style::Single), Just(Style::Block)].boxed(),
        (_, true) => prop_oneof![Just(Style::List), Just(Style::Block)].boxed(),
        (_, false) => Just(Style::Block).boxed(),
    }
}

fn condition(keyword: Keyword, family: Fam, lists: Vec<String>, flow: bool) -> BoxedStrategy<Cond> {
    let Keyword {
        name,
        field,
        except,
        kind,
    } = keyword;
    match kind {
        Kind::Addresses | Kind::PrefixLists => {
            let element = if matches!(kind, Kind::Addresses) {
                prefix(family == Fam::Inet6)
            } else {
                prop::sample::select(lists).boxed()
            };
            entries(element, !flow)
                .prop_flat_map(move |items| {
                    let values: Vec<Value> = items
                        .iter()
                        .map(|(text, exc, inactive)| Value {
                            inactive: *inactive,
                            ..Value::new(if *exc && !flow {
                                format!("{text} except")
                            } else {
                                text.clone()
                            })
                        })
                        .collect();
                    let expected = values
                        .iter()
                        .filter(|v| !v.inactive)
                        .map(|v| v.words.clone())
                        .collect::<Vec<_>>()
                        .join(", ");
                    // Inactive entries need the block form, where `inactive:` can stand before each.
                    let any_inactive = values.iter().any(|v| v.inactive);
                    let one_word = values.iter().all(|v| !v.words.contains(' '));
                    let style = if any_inactive {
                        Just(Style::Block).boxed()
                    } else {
                        style(values.len(), one_word)
                    };
                    (Just(values), style).prop_map(move |(values, style)| Cond {
                        keyword: name,
                        values,
                        style,
                        expected: summary(field, except, &expected),
                    })
                })
                .boxed()
        }
        Kind::Numbers(names, max, ranges) => {
            prop::collection::vec(number_value(names, max, ranges), 1..4)
                .prop_flat_map(move |mut numbers| {
                    dedup_by(&mut numbers, |(text, _, _)| text.clone());
                    let expected = numbers
                        .iter()
                        .map(|(_, lo, hi)| format!("{lo}-{hi}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let values: Vec<Value> = numbers
                        .iter()
                        .map(|(text, _, _)| Value::new(text.clone()))
                        .collect();
                    (Just(values), style(numbers.len(), true)).prop_map(move |(values, style)| {
                        Cond {
                            keyword: name,
                            values,
                            style,
                            expected: summary(field, except, &expected),
                        }
                    })
                })
                .boxed()
        }
        Kind::TcpFlags | Kind::FragmentFlags => {
            let table = if matches!(kind, Kind::TcpFlags) {
                TCP_EXPRESSIONS
            } else {
                FRAGMENT_EXPRESSIONS
            };
            prop::sample::select(table)
                .prop_map(move |(text, bits)| Cond {
                    keyword: name,
                    values: vec![Value::new(text)],
                    style: Style::Single,
                    expected: summary(field, except, &bits_summary(&BitSet256::from_fn(bits))),
                })
                .boxed()
        }
        Kind::Flag(flag) => {
            // Junos: tcp-established is tcp-flags "(ack | rst)", tcp-initial is "(syn & !ack)".
            let values = match flag {
                TCP_ESTABLISHED => bits_summary(&BitSet256::from_fn(|v| v & 0x14 != 0)),
                TCP_INITIAL => {
                    bits_summary(&BitSet256::from_fn(|v| v & 0x02 != 0 && v & 0x10 == 0))
                }
                "is-fragment" => format!("{:?}", [FragmentKind::IsFragment]),
                "first-fragment" => format!("{:?}", [FragmentKind::FirstFragment]),
                _ => format!("{:?}", [FragmentKind::LastFragment]),
            };
            Just(Cond {
                keyword: name,
                values: Vec::new(),
                style: Style::Single,
                expected: summary(field, except, &values),
            })
            .boxed()
        }
        Kind::FlowFragments => {
            const STATES: &[(&str, FragmentKind)] = &[
                ("is-fragment", FragmentKind::IsFragment),
                ("first-fragment", FragmentKind::FirstFragment),
                ("last-fragment", FragmentKind::LastFragment),
                ("dont-fragment", FragmentKind::DontFragment),
                ("not-a-fragment", FragmentKind::NotAFragment),
            ];
            prop::sample::subsequence(STATES, 1..=3)
                .prop_flat_map(move |states| {
                    let expected = format!("{:?}", states.iter().map(|s| s.1).collect::<Vec<_>>());
                    let values: Vec<Value> = states.iter().map(|s| Value::new(s.0)).collect();
                    (Just(values), style(states.len(), true)).prop_map(move |(values, style)| {
                        Cond {
                            keyword: name,
                            values,
                            style,
                            expected: summary(field, except, &expected),
                        }
                    })
                })
                .boxed()
        }
    }
}

fn conditions(
    pool: Vec<Keyword>,
    family: Fam,
    lists: Vec<String>,
    flow: bool,
) -> impl Strategy<Value = Vec<Cond>> {
    prop::sample::subsequence(pool, 0..=5)
        .prop_shuffle()
        .prop_flat_map(move |chosen| {
            chosen
                .into_iter()
                .map(|k| condition(k, family, lists.clone(), flow))
                .collect::<Vec<_>>()
        })
}

/// `then`: an optional counter, an optional policer, and at most one of accept, discard, reject, next term.
fn filter_then() -> impl Strategy<Value = (Vec<String>, Vec<String>, Verdict)> {
    (
        prop::option::of("[a-z][a-z0-9-]{0,8}"),
        prop::option::of(0..2u8),
        0..6u8,
    )
        .prop_map(|(count, policer, last)| {
            let mut then = Vec::new();
            let mut actions = Vec::new();
            if let Some(name) = count {
                then.push(format!("count {name}"));
                actions.push(format!("count {name}"));
            }
            if let Some(p) = policer {
                then.push(format!("policer p{p}"));
                actions.push(format!("policer p{p}"));
            }
            let verdict = match last {
                0 => {
                    then.push("accept".into());
                    actions.push(format!("{:?}", ActionKind::Accept));
                    Verdict::Accept
                }
                1 => {
                    then.push("discard".into());
                    actions.push(format!("{:?}", ActionKind::Discard));
                    Verdict::Discard
                }
                2 => {
                    then.push("reject".into());
                    actions.push(format!("{:?}", ActionKind::Reject));
                    Verdict::Discard
                }
                3 => {
                    then.push("next term".into());
                    actions.push(format!("{:?}", ActionKind::NextTerm));
                    Verdict::NextTerm
                }
                // Only non-terminating actions, or none: the packet is accepted.
                _ => Verdict::Accept,
            };
            (then, actions, verdict)
        })
}

fn term(index: usize, family: Fam, lists: Vec<String>) -> impl Strategy<Value = GenTerm> {
    (
        "[a-z][a-z0-9_-]{0,10}",
        prop::bool::weighted(0.1),
        conditions(keywords(family), family, lists, false),
        filter_then(),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            move |(stem, quoted, conditions, (then, actions, verdict), inactive)| {
                let name = if quoted {
                    format!("{stem} {index}")
                } else {
                    format!("{stem}-{index}")
                };
                GenTerm {
                    name,
                    conditions,
                    then,
                    actions,
                    verdict,
                    inactive,
                }
            },
        )
}

fn filter(index: usize, family: Fam, lists: Vec<String>) -> impl Strategy<Value = GenFilter> {
    (1..6usize)
        .prop_flat_map(move |count| {
            (0..count)
                .map(|i| term(i, family, lists.clone()))
                .collect::<Vec<_>>()
        })
        .prop_map(move |terms| GenFilter {
            name: format!("f{index}-{}", family.keyword()),
            family,
            terms,
        })
}

fn route(index: usize) -> impl Strategy<Value = GenRoute> {
    let then = prop_oneof![
        Just((
            "discard".to_owned(),
            format!("{:?}", ActionKind::Discard),
            Verdict::Discard
        )),
        Just((
            "accept".to_owned(),
            format!("{:?}", ActionKind::Accept),
            Verdict::Accept
        )),
        (
            0..1000u64,
            prop::sample::select(&[("", 1u64), ("k", 1_000), ("m", 1_000_000)][..])
        )
            .prop_map(|(n, (suffix, scale))| {
                let rate = n * scale;
                let verdict = if rate == 0 {
                    Verdict::Discard
                } else {
                    Verdict::Accept
                };
                (
                    format!("rate-limit {n}{suffix}"),
                    format!("{:?}", ActionKind::RateLimit(rate)),
                    verdict,
                )
            }),
    ];
    (
        "[a-zA-Z0-9./_-]{1,12}",
        prefix(false),
        conditions(flow_keywords(), Fam::Inet, Vec::new(), true),
        then,
        prop::bool::weighted(0.15),
    )
        .prop_map(
            move |(stem, destination, mut conditions, (then, action, verdict), inactive)| {
                conditions.insert(
                    0,
                    Cond {
                        keyword: "destination",
                        values: vec![Value::new(destination.clone())],
                        style: Style::Single,
                        expected: summary(MatchField::DestinationAddress, false, &destination),
                    },
                );
                GenRoute {
                    name: format!("{stem}#{index}"),
                    conditions,
                    then,
                    action,
                    verdict,
                    inactive,
                }
            },
        )
}

fn config() -> impl Strategy<Value = GenConfig> {
    let lists = (1..4usize).prop_flat_map(|count| {
        (0..count)
            .map(|i| {
                prop::collection::vec(prefix(i % 2 == 1), 1..4).prop_map(move |mut prefixes| {
                    dedup_by(&mut prefixes, Clone::clone);
                    (format!("pl-{i}"), prefixes)
                })
            })
            .collect::<Vec<_>>()
    });
    (lists, 0..3usize, 0..3usize)
        .prop_flat_map(|(lists, inet, inet6)| {
            let names: Vec<String> = lists.iter().map(|(n, _)| n.clone()).collect();
            let filters: Vec<_> = (0..inet)
                .map(|i| filter(i, Fam::Inet, names.clone()).boxed())
                .chain((0..inet6).map(|i| filter(i, Fam::Inet6, names.clone()).boxed()))
                .collect();
            let routes =
                (0..4usize).prop_flat_map(|count| (0..count).map(route).collect::<Vec<_>>());
            let order = prop::option::of(prop::sample::select(&["standard", "legacy"][..]));
            (Just(lists), filters, order, routes)
        })
        .prop_map(|(prefix_lists, filters, term_order, routes)| GenConfig {
            prefix_lists,
            filters,
            term_order,
            routes,
        })
}

// ---- Writing both forms ---------------------------------------------------------------------------

fn quote(name: &str) -> String {
    if name.contains([' ', '#']) {
        format!("\"{name}\"")
    } else {
        name.to_owned()
    }
}

fn hierarchical_condition(out: &mut String, cond: &Cond, indent: &str) {
    let kw = cond.keyword;
    match (cond.values.as_slice(), cond.style) {
        ([], _) => writeln!(out, "{indent}{kw};"),
        ([value], Style::Single) => writeln!(out, "{indent}{kw} {};", value.words),
        (values, Style::List) => writeln!(
            out,
            "{indent}{kw} [ {} ];",
            values
                .iter()
                .map(|v| v.words.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        (values, _) => {
            let _ = writeln!(out, "{indent}{kw} {{");
            for v in values {
                let tag = if v.inactive { "inactive: " } else { "" };
                let _ = writeln!(out, "{indent}    {tag}{};", v.words);
            }
            writeln!(out, "{indent}}}")
        }
    }
    .expect("writing to a String");
}

fn hierarchical(config: &GenConfig) -> String {
    let mut out = String::from("## Last commit: 2024-05-01 12:00:00 UTC by generator\n");
    out.push_str("policy-options {\n");
    for (name, prefixes) in &config.prefix_lists {
        let _ = writeln!(out, "    prefix-list {name} {{");
        for p in prefixes {
            let _ = writeln!(out, "        {p};");
        }
        out.push_str("    }\n");
    }
    out.push_str("}\nfirewall {\n");
    for p in 0..2 {
        let _ = writeln!(
            out,
            "    policer p{p} {{\n        if-exceeding {{\n            bandwidth-limit {}m;\n            burst-size-limit 100k;\n        }}\n        then discard;\n    }}",
            p + 1
        );
    }
    for filter in &config.filters {
        let _ = writeln!(
            out,
            "    family {} {{\n        /* filter {} */\n        filter {} {{",
            filter.family.keyword(),
            filter.name,
            filter.name
        );
        for term in &filter.terms {
            let tag = if term.inactive { "inactive: " } else { "" };
            let _ = writeln!(out, "            {tag}term {} {{", quote(&term.name));
            if !term.conditions.is_empty() {
                out.push_str("                from {\n");
                for cond in &term.conditions {
                    hierarchical_condition(&mut out, cond, "                    ");
                }
                out.push_str("                }\n");
            }
            match term.then.as_slice() {
                [] => {}
                [one] => {
                    let _ = writeln!(out, "                then {one};");
                }
                many => {
                    out.push_str("                then {\n");
                    for action in many {
                        let _ = writeln!(out, "                    {action};");
                    }
                    out.push_str("                }\n");
                }
            }
            out.push_str("            }\n");
        }
        out.push_str("        }\n    }\n");
    }
    out.push_str("}\n");
    if config.term_order.is_some() || !config.routes.is_empty() {
        out.push_str("routing-options {\n    flow {\n");
        if let Some(order) = config.term_order {
            let _ = writeln!(out, "        term-order {order};");
        }
        for route in &config.routes {
            let tag = if route.inactive { "inactive: " } else { "" };
            let _ = writeln!(
                out,
                "        {tag}route {} {{\n            match {{",
                quote(&route.name)
            );
            for cond in &route.conditions {
                hierarchical_condition(&mut out, cond, "                ");
            }
            let _ = writeln!(
                out,
                "            }}\n            then {};\n        }}",
                route.then
            );
        }
        out.push_str("    }\n}\n");
    }
    out
}

fn set_condition(out: &mut String, path: &str, cond: &Cond) {
    let kw = cond.keyword;
    if cond.values.is_empty() {
        let _ = writeln!(out, "set {path} {kw}");
        return;
    }
    if matches!(cond.style, Style::List) {
        let words: Vec<&str> = cond.values.iter().map(|v| v.words.as_str()).collect();
        let _ = writeln!(out, "set {path} {kw} [ {} ]", words.join(" "));
        return;
    }
    for v in &cond.values {
        let _ = writeln!(out, "set {path} {kw} {}", v.words);
        if v.inactive {
            let _ = writeln!(out, "deactivate {path} {kw} {}", v.element);
        }
    }
}

fn set_form(config: &GenConfig) -> String {
    let mut out = String::from("## Last commit: 2024-05-01 12:00:00 UTC by generator\n");
    for (name, prefixes) in &config.prefix_lists {
        for p in prefixes {
            let _ = writeln!(out, "set policy-options prefix-list {name} {p}");
        }
    }
    for p in 0..2 {
        let _ = writeln!(
            out,
            "set firewall policer p{p} if-exceeding bandwidth-limit {}m\nset firewall policer p{p} if-exceeding burst-size-limit 100k\nset firewall policer p{p} then discard",
            p + 1
        );
    }
    for filter in &config.filters {
        for term in &filter.terms {
            let path = format!(
                "firewall family {} filter {} term {}",
                filter.family.keyword(),
                filter.name,
                quote(&term.name)
            );
            if term.conditions.is_empty() && term.then.is_empty() {
                let _ = writeln!(out, "set {path}");
            }
            for cond in &term.conditions {
                set_condition(&mut out, &format!("{path} from"), cond);
            }
            for action in &term.then {
                let _ = writeln!(out, "set {path} then {action}");
            }
            if term.inactive {
                let _ = writeln!(out, "deactivate {path}");
            }
        }
    }
    if let Some(order) = config.term_order {
        let _ = writeln!(out, "set routing-options flow term-order {order}");
    }
    for route in &config.routes {
        let path = format!("routing-options flow route {}", quote(&route.name));
        for cond in &route.conditions {
            set_condition(&mut out, &format!("{path} match"), cond);
        }
        let _ = writeln!(out, "set {path} then {}", route.then);
        if route.inactive {
            let _ = writeln!(out, "deactivate {path}");
        }
    }
    out
}

// ---- Comparing ----------------------------------------------------------------------------------------

/// The model's `Debug` text without locations: the two forms put the same words at different offsets.
fn without_locations(config: &Config) -> String {
    const LOC: &str = "Loc { file: FileId(";
    let text = format!("{config:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(LOC) {
        out.push_str(&rest[..at]);
        out.push_str("Loc");
        let end = rest[at..].find('}').expect("a Loc closes") + at + 1;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn bits_summary(bits: &BitSet256) -> String {
    format!("bits {:?}", bits.ranges())
}

fn condition_summary(c: &Condition) -> String {
    let values = match &c.values {
        Values::Addresses(entries) => entries
            .iter()
            .map(|e| format!("{}{}", e.address, if e.except { " except" } else { "" }))
            .collect::<Vec<_>>()
            .join(", "),
        Values::PrefixLists(refs) => refs
            .iter()
            .map(|r| format!("{}{}", r.name.text, if r.except { " except" } else { "" }))
            .collect::<Vec<_>>()
            .join(", "),
        Values::Ranges(ranges) => ranges
            .iter()
            .map(|r| format!("{}-{}", r.lo, r.hi))
            .collect::<Vec<_>>()
            .join(", "),
        Values::Bits(bits) => bits_summary(bits),
        Values::Fragments(kinds) => format!("{kinds:?}"),
        Values::Opaque(names) => format!("opaque {}", names.len()),
    };
    summary(c.field, c.except, &values)
}

fn action_summary(kind: &ActionKind) -> String {
    match kind {
        ActionKind::Count(name) => format!("count {name}"),
        ActionKind::Policer(name) => format!("policer {}", name.text),
        other => format!("{other:?}"),
    }
}

/// The parts of the model the generator controls, one line each.
fn model_lines(config: &Config) -> Vec<String> {
    let mut lines = Vec::new();
    for list in &config.prefix_lists {
        let prefixes: Vec<String> = list
            .prefixes
            .iter()
            .map(|p| p.address.to_string())
            .collect();
        lines.push(format!("prefix-list {} {prefixes:?}", list.name.text));
    }
    for policer in &config.policers {
        lines.push(format!(
            "policer {} {:?}",
            policer.name.text, policer.bandwidth_limit
        ));
    }
    for filter in &config.filters {
        lines.push(format!(
            "filter {} {}",
            filter.name.text,
            filter.family.as_str()
        ));
        for term in &filter.terms {
            lines.push(format!("  term {}", term.name.text));
            for c in &term.conditions {
                lines.push(format!("    {}", condition_summary(c)));
            }
            let actions: Vec<String> = term
                .actions
                .iter()
                .map(|a| action_summary(&a.kind))
                .collect();
            lines.push(format!("    then {actions:?} -> {:?}", term.verdict()));
        }
    }
    for table in &config.flow_tables {
        lines.push(format!("flow {:?}", table.term_order));
        for route in &table.routes {
            lines.push(format!("  route {}", route.name.text));
            for c in &route.conditions {
                lines.push(format!("    {}", condition_summary(c)));
            }
            let actions: Vec<String> = route
                .actions
                .iter()
                .map(|a| action_summary(&a.kind))
                .collect();
            lines.push(format!("    then {actions:?} -> {:?}", route.verdict()));
        }
    }
    lines
}

/// The lines [`model_lines`] must give for the generated configuration.
fn expected_lines(config: &GenConfig) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, prefixes) in &config.prefix_lists {
        lines.push(format!("prefix-list {name} {prefixes:?}"));
    }
    lines.push(format!("policer p0 {:?}", Some(1_000_000u64)));
    lines.push(format!("policer p1 {:?}", Some(2_000_000u64)));
    for family in [Fam::Inet, Fam::Inet6] {
        for filter in config.filters.iter().filter(|f| f.family == family) {
            lines.push(format!("filter {} {}", filter.name, family.keyword()));
            for term in filter.terms.iter().filter(|t| !t.inactive) {
                lines.push(format!("  term {}", term.name));
                for c in &term.conditions {
                    lines.push(format!("    {}", c.expected));
                }
                lines.push(format!("    then {:?} -> {:?}", term.actions, term.verdict));
            }
        }
    }
    if config.term_order.is_some() || !config.routes.is_empty() {
        let order = match config.term_order {
            Some("standard") => "Standard",
            _ => "Legacy",
        };
        lines.push(format!("flow {order}"));
        for route in config.routes.iter().filter(|r| !r.inactive) {
            lines.push(format!("  route {}", route.name));
            for c in &route.conditions {
                lines.push(format!("    {}", c.expected));
            }
            lines.push(format!(
                "    then {:?} -> {:?}",
                [&route.action],
                route.verdict
            ));
        }
    }
    lines
}

fn parse_clean(text: &str) -> Result<Parsed, TestCaseError> {
    let (sources, parsed) = parse_str("generated.conf", text);
    let bad: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| {
            matches!(
                d.code,
                Code::SyntaxError | Code::UnknownStatement | Code::InvalidValue
            )
        })
        .map(|d| format!("{} `{}`: {}", d.code, sources.text(d.loc), d.message))
        .collect();
    prop_assert!(bad.is_empty(), "{}\n--- input ---\n{text}", bad.join("\n"));
    Ok(parsed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn both_forms_give_the_generated_model(config in config()) {
        let hierarchical_text = hierarchical(&config);
        let set_text = set_form(&config);
        let from_blocks = parse_clean(&hierarchical_text)?;
        let from_commands = parse_clean(&set_text)?;
        prop_assert_eq!(
            without_locations(&from_blocks.config),
            without_locations(&from_commands.config),
            "the forms differ\n--- hierarchical ---\n{}\n--- set ---\n{}",
            hierarchical_text,
            set_text
        );
        let codes = |p: &Parsed| p.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        prop_assert_eq!(codes(&from_blocks), codes(&from_commands));
        prop_assert_eq!(
            model_lines(&from_blocks.config),
            expected_lines(&config),
            "the model is not what was generated\n--- input ---\n{}",
            hierarchical_text
        );
    }
}

#[test]
fn the_normaliser_removes_every_location() {
    let (_, parsed) = parse_str(
        "test.conf",
        "firewall { filter F { term A { from { source-address 10.0.0.0/8; port 80; } then { policer p; accept; } } } }\n",
    );
    let text = without_locations(&parsed.config);
    assert!(!text.contains("FileId"), "{text}");
    assert!(!text.contains(".."), "{text}");
    assert!(text.contains("Loc"), "{text}");
}

#[test]
fn the_benchmark_generator_writes_one_model_in_both_forms() {
    for seed in 0..4 {
        let blocks = generate::filter_config(300, seed);
        let commands = generate::set_config(300, seed);
        let from_blocks = parse_clean(&blocks).expect("hierarchical form is clean");
        let from_commands = parse_clean(&commands).expect("set form is clean");
        assert!(
            from_blocks.diagnostics.is_empty(),
            "{:?}",
            from_blocks.diagnostics
        );
        assert_eq!(
            without_locations(&from_blocks.config),
            without_locations(&from_commands.config)
        );
        let terms: usize = from_blocks
            .config
            .filters
            .iter()
            .map(|f| f.terms.len())
            .sum();
        // About 3% of the generated terms are inactive.
        assert!((270..300).contains(&terms), "{terms} active terms");
    }
}
