//! The cost model end to end: the budget checks on configurations, and term costs against an independent
//! per-field count on small cases.
//!
//! The oracle here counts a field's entries by walking the binary trie of the field's values (a node wholly
//! inside the set is one prefix), which shares nothing with the greedy cover of `expansion.rs`, and
//! multiplies the counts itself.

use std::fmt::Write as _;

use proptest::prelude::*;
use rulecheck_eval::compile::PrefixLists;
use rulecheck_eval::cost::{self, Expansion, RuleKind};
use rulecheck_eval::packet::AddressFamily;
use rulecheck_eval::{Device, Settings};
use rulecheck_syntax::model::{
    Address, AddressEntry, Condition, Config, MatchField, ValueRange, Values,
};
use rulecheck_syntax::{Code, Diagnostic, Loc};

fn lint(text: &str, device: Device) -> Vec<Diagnostic> {
    let (_, parsed) = rulecheck_syntax::parse_str("test.conf", text);
    assert!(
        parsed.diagnostics.is_empty(),
        "the test configuration does not parse cleanly: {:?}",
        parsed.diagnostics
    );
    let settings = Settings {
        device,
        ..Settings::default()
    };
    rulecheck_eval::check(&parsed.config, &settings)
}

fn with_code(diagnostics: &[Diagnostic], code: Code) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.code == code).collect()
}

/// A filter with one term of the shape: eight source and eight destination prefixes, two
/// protocols, ranged source and destination ports and a packet-length range.
fn wide_term(
    sources: &str,
    destinations: &str,
    protocols: &str,
    ports: (&str, &str),
    length: &str,
) -> String {
    format!(
        "firewall {{ family inet {{ filter edge-in {{
            term partners {{
                from {{
                    source-address {{ {sources} }}
                    destination-address {{ {destinations} }}
                    protocol {protocols};
                    source-port {};
                    destination-port {};
                    packet-length {length};
                }}
                then accept;
            }}
            term rest {{ then accept; }}
        }} }} }}",
        ports.0, ports.1
    )
}

fn prefixes(first_octet: u8) -> String {
    (0..8)
        .map(|i| format!("{first_octet}.{i}.0.0/16;"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn wide_term_is_refused_under_the_default_budget_naming_the_term() {
    let text = wide_term(
        &prefixes(10),
        &prefixes(172),
        "[ tcp udp ]",
        ("1024-65535", "1-1023"),
        "64-1500",
    );
    let diagnostics = lint(&text, Device::default());
    let over = with_code(&diagnostics, Code::TermExpansionOverBudget);
    assert_eq!(over.len(), 1, "{diagnostics:#?}");
    let d = over[0];
    assert_eq!(d.filter.as_deref(), Some("edge-in"));
    assert_eq!(d.term.as_deref(), Some("partners"));
    // packet-length 64-1500: 64-127, 128-255, 256-511, 512-1023, 1024-1279, 1280-1407, 1408-1471,
    // 1472-1487, 1488-1495, 1496-1499, 1500: 11 entries.
    let entries: u64 = 8 * 8 * 2 * 6 * 10 * 11;
    assert!(
        d.message.contains(&cost::grouped(entries)),
        "the message does not give {entries} entries: {}",
        d.message
    );
    for field in [
        "source-address (8)",
        "destination-address (8)",
        "protocol (2)",
        "source-port (6)",
        "destination-port (10)",
        "packet-length (11",
    ] {
        assert!(
            d.message.contains(field),
            "the message does not name {field}: {}",
            d.message
        );
    }
    assert_eq!(
        d.related.len(),
        6,
        "one label per driving condition: {d:#?}"
    );
}

#[test]
fn the_same_term_with_single_values_passes() {
    let text = wide_term(
        "10.0.0.0/16;",
        "172.0.0.0/16;",
        "tcp",
        ("1024", "443"),
        "1500",
    );
    let diagnostics = lint(&text, Device::default());
    assert!(
        with_code(&diagnostics, Code::TermExpansionOverBudget).is_empty(),
        "{diagnostics:#?}"
    );
    let (_, parsed) = rulecheck_syntax::parse_str("test.conf", &text);
    let costs = cost::cost(&parsed.config);
    assert_eq!(costs.filters[0].terms[0].entries(), 1);
    // Two terms of one entry each, 40 bytes per IPv4 entry.
    assert_eq!(costs.filters[0].entries, 2);
    assert_eq!(costs.filters[0].bytes, 2 * cost::INET_ENTRY_BYTES);
}

fn flow_routes(count: usize) -> String {
    let routes = (0..count)
        .map(|i| {
            format!(
                "route block-{i} {{ match {{ destination 203.0.113.{i}/32; protocol udp; }} then discard; }}"
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!("routing-options {{ flow {{ {routes} }} }}")
}

#[test]
fn flow_route_table_larger_than_the_budget_is_refused_at_the_first_route_beyond_it() {
    let device = Device {
        flow_routes: 3,
        ..Device::default()
    };
    let diagnostics = lint(&flow_routes(5), device.clone());
    let over = with_code(&diagnostics, Code::FlowRoutesOverBudget);
    assert_eq!(over.len(), 1, "{diagnostics:#?}");
    assert_eq!(over[0].route.as_deref(), Some("block-3"));
    assert!(
        over[0].message.contains("5 flow routes"),
        "{}",
        over[0].message
    );

    let at_budget = lint(&flow_routes(3), device);
    assert!(
        with_code(&at_budget, Code::FlowRoutesOverBudget).is_empty(),
        "{at_budget:#?}"
    );
}

#[test]
fn filter_over_budget_names_its_costliest_terms() {
    // Each term: destination-port 1-65534 is 30 entries, on either side 60.
    let terms = (0..4)
        .map(|i| format!("term t{i} {{ from {{ protocol tcp; port 1-65534; }} then accept; }}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!("firewall {{ family inet {{ filter big {{ {terms} }} }} }}");
    let device = Device {
        filter_entries: 200,
        ..Device::default()
    };
    let diagnostics = lint(&text, device);
    let over = with_code(&diagnostics, Code::FilterOverBudget);
    assert_eq!(over.len(), 1, "{diagnostics:#?}");
    assert!(
        over[0].message.contains("240 hardware entries"),
        "{}",
        over[0].message
    );
    assert_eq!(over[0].filter.as_deref(), Some("big"));
    assert_eq!(over[0].related.len(), 3);
}

#[test]
fn flow_routes_over_the_entry_budget_point_at_the_route_that_crosses_it() {
    // Each route: port 1-65534 on either side, 60 entries.
    let routes = (0..3)
        .map(|i| format!("route r{i} {{ match {{ destination 203.0.113.{i}/32; port 1-65534; }} then discard; }}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!("routing-options {{ flow {{ {routes} }} }}");
    let device = Device {
        filter_entries: 100,
        ..Device::default()
    };
    let diagnostics = lint(&text, device);
    let over = with_code(&diagnostics, Code::FilterOverBudget);
    assert_eq!(over.len(), 1, "{diagnostics:#?}");
    assert_eq!(over[0].route.as_deref(), Some("r1"));
}

#[test]
fn nested_filter_terms_count_in_the_filter_that_includes_them() {
    let text = "firewall { family inet {
        filter common { term ports { from { protocol tcp; destination-port 1-1023; } then accept; } }
        filter edge { term shared { filter common; } term rest { then accept; } }
    } }";
    let (_, parsed) = rulecheck_syntax::parse_str("test.conf", text);
    let costs = cost::cost(&parsed.config);
    let edge = costs
        .filters
        .iter()
        .find(|f| f.filter.name.text == "edge")
        .expect("edge is costed");
    assert_eq!(edge.entries, 10 + 1);
    assert_eq!(
        edge.terms[0].nested_in.map(|n| n.text.as_str()),
        Some("common")
    );
}

#[test]
fn filters_costed_on_several_threads_cost_the_same() {
    let mut text = String::from("firewall { family inet {\n");
    for f in 0..9 {
        writeln!(text, "filter f{f} {{").unwrap();
        for t in 0..=f * 3 {
            writeln!(
                text,
                "term t{t} {{ from {{ protocol tcp; destination-port {}-{}; }} then accept; }}",
                t * 7,
                t * 7 + f * 100
            )
            .unwrap();
        }
        text += "}\n";
    }
    text += "} }";
    let (_, parsed) = rulecheck_syntax::parse_str("test.conf", &text);
    let summary = |costs: &cost::Cost<'_>| -> Vec<(String, u64, u64, Vec<u64>)> {
        costs
            .filters
            .iter()
            .map(|f| {
                let terms = f.terms.iter().map(cost::TermCost::entries).collect();
                (f.filter.name.text.clone(), f.entries, f.bytes, terms)
            })
            .collect()
    };
    let one = summary(&cost::cost(&parsed.config));
    assert_eq!(one.len(), 9);
    assert_eq!(one, summary(&cost::cost_with_threads(&parsed.config, 3)));
}

fn condition(field: MatchField, except: bool, values: Values) -> Condition {
    Condition {
        field,
        except,
        loc: Loc::default(),
        values,
    }
}

fn ranges(ranges: &[(u64, u64)]) -> Values {
    Values::Ranges(
        ranges
            .iter()
            .map(|&(lo, hi)| ValueRange {
                lo,
                hi,
                loc: Loc::default(),
            })
            .collect(),
    )
}

fn expansion_of(conditions: &[Condition]) -> Expansion {
    let config = Config::default();
    let lists = PrefixLists::new(&config);
    cost::expansion(conditions, AddressFamily::Inet, &lists, RuleKind::Term)
}

/// The fewest prefixes whose union is exactly the values of a `width`-bit field in `ranges`.
fn trie_cover(ranges: &[(u64, u64)], width: u32) -> u64 {
    fn walk(lo: u64, size: u64, ranges: &[(u64, u64)]) -> u64 {
        let hi = lo + size - 1;
        let covered = |v: u64| ranges.iter().any(|&(a, b)| a <= v && v <= b);
        // Whole node inside one merged stretch, or no value of it inside at all.
        let inside = (lo..=hi).all(covered);
        if inside {
            return 1;
        }
        if !ranges.iter().any(|&(a, b)| a <= hi && lo <= b) {
            return 0;
        }
        walk(lo, size / 2, ranges) + walk(lo + size / 2, size / 2, ranges)
    }
    walk(0, 1 << width, ranges)
}

/// The per-field oracle, `-except` as the model defines it: the cheaper of covering what is left, or one
/// entry per listed entry plus a catch-all.
fn oracle_field(ranges: &[(u64, u64)], except: bool, width: u32) -> u64 {
    let listed = trie_cover(ranges, width);
    if !except {
        return listed;
    }
    let max = (1u64 << width) - 1;
    let left: Vec<(u64, u64)> = (0..=max)
        .filter(|v| !ranges.iter().any(|&(a, b)| a <= *v && *v <= b))
        .map(|v| (v, v))
        .collect();
    trie_cover(&left, width).min(listed + 1)
}

/// Small fields, so that the oracle can look at every value.
const SMALL_FIELDS: [(MatchField, u32, u64); 4] = [
    (MatchField::Protocol, 8, 1),
    (MatchField::Dscp, 6, 1),
    (MatchField::Ttl, 8, 1),
    (MatchField::Port, 16, 2),
];

fn field_ranges(width: u32) -> impl Strategy<Value = Vec<(u64, u64)>> {
    let max = (1u64 << width) - 1;
    prop::collection::vec((0..=max, 0..=max), 1..4).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A term's entries are the product of its conditions' independent counts; `port` counts twice.
    #[test]
    fn term_cost_is_the_product_of_field_counts(
        protocol in field_ranges(8),
        dscp in field_ranges(6),
        ttl in field_ranges(8),
        port in prop::collection::vec((0u64..=65_535, 0u64..=300), 1..3)
            .prop_map(|v| v.into_iter().map(|(lo, len)| (lo, (lo + len).min(65_535))).collect::<Vec<_>>()),
        excepts in prop::array::uniform4(any::<bool>()),
        prefix_count in 0usize..6,
    ) {
        let values = [protocol, dscp, ttl, port];
        let mut conditions = Vec::new();
        let mut expected: u64 = 1;
        for (i, (field, width, sides)) in SMALL_FIELDS.iter().enumerate() {
            // `port-except` constrains both ports: model it only on the one-sided fields.
            let except = excepts[i] && *field != MatchField::Port;
            conditions.push(condition(*field, except, ranges(&values[i])));
            expected *= sides * oracle_field(&values[i], except, *width);
        }
        // Disjoint /24s: each is one entry.
        if prefix_count > 0 {
            let entries = (0..prefix_count)
                .map(|i| AddressEntry {
                    address: Address::prefix(false, 0x0a00_0000 | ((i as u128) << 8), 24),
                    except: false,
                    loc: Loc::default(),
                })
                .collect();
            conditions.push(condition(MatchField::SourceAddress, false, Values::Addresses(entries)));
            expected *= prefix_count as u64;
        }
        let expansion = expansion_of(&conditions);
        prop_assert_eq!(expansion.entries, expected);
        let product: u64 = expansion.factors.iter().map(cost::Factor::total).product();
        prop_assert_eq!(product, expected);
    }
}

/// Thousands of prefixes and every ranged field at its worst: the count comes from arithmetic, never from
/// enumerating entries, so it is exact below `u64::MAX` and saturates above it.
#[test]
fn hostile_term_is_costed_by_arithmetic() {
    let hosts = |first: u128, count: u128| {
        Values::Addresses(
            (0..count)
                .map(|i| AddressEntry {
                    address: Address::prefix(false, (first << 24) | i, 32),
                    except: false,
                    loc: Loc::default(),
                })
                .collect(),
        )
    };
    let mut conditions = vec![
        condition(MatchField::SourceAddress, false, hosts(10, 5_000)),
        condition(MatchField::DestinationAddress, false, hosts(172, 5_000)),
        condition(MatchField::SourcePort, false, ranges(&[(1, 65_534)])),
        condition(MatchField::DestinationPort, false, ranges(&[(1, 65_534)])),
    ];
    assert_eq!(expansion_of(&conditions).entries, 5_000 * 5_000 * 30 * 30);

    conditions.extend([
        condition(MatchField::PacketLength, false, ranges(&[(1, 65_534)])),
        condition(MatchField::Dscp, false, ranges(&[(1, 62)])),
        condition(MatchField::Ttl, false, ranges(&[(1, 254)])),
        condition(MatchField::IcmpType, false, ranges(&[(1, 254)])),
        condition(MatchField::FragmentOffset, false, ranges(&[(1, 8_190)])),
    ]);
    // 2.25e10 × 30 × 10 × 14 × 14 × 24 = 3.2e16: still exact.
    assert_eq!(
        expansion_of(&conditions).entries,
        5_000 * 5_000 * 30 * 30 * 30 * 10 * 14 * 14 * 24
    );
    conditions.push(condition(MatchField::Address, false, hosts(192, 5_000)));
    let hostile = expansion_of(&conditions);
    assert_eq!(hostile.entries, u64::MAX);
    assert_eq!(hostile.factors.len(), 10);
    assert!(
        hostile.drivers().starts_with("address (2 × 5,000 entries)"),
        "{}",
        hostile.drivers()
    );
}

#[test]
fn longest_match_lists_are_counted_after_except_resolution() {
    let text = "policy-options {
        prefix-list inside { 10.0.0.0/8; 10.1.0.0/16; }
    }
    firewall { family inet { filter f {
        term t {
            from {
                source-prefix-list { inside; }
                source-address { 10.2.0.0/16 except; 192.0.2.0/24; }
            }
            then accept;
        }
    } } }";
    let (_, parsed) = rulecheck_syntax::parse_str("test.conf", text);
    let costs = cost::cost(&parsed.config);
    // 10/8 (the /16 under it is redundant), 10.2/16 except, 192.0.2/24: one list of 3 entries.
    assert_eq!(costs.filters[0].terms[0].entries(), 3);
    assert_eq!(costs.filters[0].terms[0].expansion.factors.len(), 1);
}
