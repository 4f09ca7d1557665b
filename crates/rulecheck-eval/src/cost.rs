//! The cost model: how many hardware entries and how much memory a term, a filter and a flow-route table
//! take on a router (RC201, RC202, RC203, `rulecheck cost`).
//!
//! This is an **estimate**, not a vendor figure. It counts what a straightforward compiler of filters into
//! ternary (TCAM) entries programs; [`crate::expansion`] documents the per-field counts and their sources.
//! A real forwarding chip may do better (range-matching hardware, sharing entries between terms) or worse
//! (fixed key layouts, per-interface copies), so the numbers are a budget check, not a promise.
//!
//! # The model
//!
//! - **One condition, one factor.** Numeric values and ranges (protocol, ports, ICMP type and code,
//!   packet length, DSCP, fragment offset, TTL) cost the minimal prefix cover of their union on the field's
//!   width ([`ranges_entries`]). Bit tests (`tcp-flags`, `fragment-flags`, `tcp-established`) cost a cover
//!   of the matching values by ternary value/mask pairs: `syn & !ack` is one entry. Fragment states cost the
//!   prefix cover of the fragment offsets they need (`is-fragment`, offset 1–8191, takes 13). An `-except`
//!   condition costs the cheaper of covering the values it leaves, or one "no match" entry per entry of
//!   the listed values plus a catch-all entry.
//! - **Addresses.** The prefixes of one kind (`source-address` with `source-prefix-list`, as the compiler
//!   combines them) form one longest-match list, prefix lists resolved; it costs its non-redundant entries
//!   after `except` resolution ([`lpm_list_entries`]). A non-contiguous mask costs one entry. A prefix list
//!   whose contents rulecheck cannot see (`apply-path`, undefined) is counted as one entry.
//! - **Either side.** `port` and `address` match the source or the destination: each is two alternatives,
//!   and a term's entries are the sum over the alternatives, so the factor is `2 ×` the condition's count.
//!   `port-except` constrains both sides and multiplies.
//! - **A term** needs one entry per combination of one entry from each condition: the factors multiply
//!   ([`saturating_product`]), saturating at `u64::MAX`. A term without conditions is one entry; a
//!   condition that matches nothing makes the term cost nothing. Conditions rulecheck does not model
//!   (RC020) count as one.
//! - **A filter** costs the sum of its terms, with nested `filter` terms inlined; **a flow-route table** the
//!   sum of its routes. A flow route is costed in its own family; a family `any` filter as IPv4.
//! - **Memory.** An entry stores a value and a mask of the key's width. The fields an IPv4 term can match
//!   take 158 bits and fit a 160-bit TCAM slice: [`INET_ENTRY_BYTES`] = 40 bytes. An IPv6 term's take 350
//!   bits, beyond a double-wide 320-bit entry, so a quad-wide 640-bit one: [`INET6_ENTRY_BYTES`] = 160
//!   bytes. Counters, policers and actions are not counted.
//!
//! Everything is arithmetic on counts: no entry is ever enumerated, so the cost of a term with thousands of
//! prefixes and dozens of ranged fields is computed in time linear (up to a sort) in the size of its text.

use rulecheck_syntax::Loc;
use rulecheck_syntax::model::{
    Address, BitSet256, Condition, Config, Family, Filter, FlowTable, FragmentKind, MatchField,
    Name, Values,
};

use crate::compile::{PrefixLists, flow_family};
use crate::expansion::{
    PrefixEntry, lpm_list_entries, range_entries, ranges_entries, saturating_product,
};
use crate::packet::AddressFamily;

/// Estimated bytes of one IPv4 entry: a 160-bit value and a 160-bit mask.
pub const INET_ENTRY_BYTES: u64 = 40;

/// Estimated bytes of one IPv6 entry: a 640-bit value and a 640-bit mask.
pub const INET6_ENTRY_BYTES: u64 = 160;

/// Estimated bytes of one entry in `family`.
pub const fn entry_bytes(family: AddressFamily) -> u64 {
    match family {
        AddressFamily::Inet => INET_ENTRY_BYTES,
        AddressFamily::Inet6 => INET6_ENTRY_BYTES,
    }
}

/// What one condition (or one kind of address) contributes to a term's entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Factor {
    /// The condition as Junos spells it without `-except`: `destination-port`, `source-address`, …
    pub field: &'static str,
    /// The `-except` form.
    pub except: bool,
    /// Where the condition is written (the first one, for addresses combined from several).
    pub loc: Loc,
    /// Entries the condition needs on one side.
    pub entries: u64,
    /// Alternatives the condition is matched on: 2 for `port` and `address` (either side), else 1.
    pub sides: u64,
}

impl Factor {
    /// What the factor multiplies the term's entries by.
    pub fn total(&self) -> u64 {
        self.entries.saturating_mul(self.sides)
    }
}

/// The entries one term or flow route expands to, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// Estimated hardware entries; `u64::MAX` when the product saturates.
    pub entries: u64,
    /// One factor per condition (addresses of one kind combined), in the order written.
    pub factors: Vec<Factor>,
}

impl Expansion {
    /// The factors that multiply the cost, largest first, as a person reads them:
    /// `destination-port (30 entries) × source-port (30) × protocol (2)`. Empty when no factor exceeds 1.
    pub fn drivers(&self) -> String {
        let mut driving: Vec<&Factor> = self.factors.iter().filter(|f| f.total() > 1).collect();
        driving.sort_by_key(|f| std::cmp::Reverse(f.total()));
        driving
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let except = if f.except { "-except" } else { "" };
                let count = if i == 0 {
                    entries(f.entries)
                } else {
                    grouped(f.entries)
                };
                if f.sides > 1 {
                    format!("{}{except} ({} × {count})", f.field, f.sides)
                } else {
                    format!("{}{except} ({count})", f.field)
                }
            })
            .collect::<Vec<_>>()
            .join(" × ")
    }
}

/// Whether conditions belong to a filter term or a flow route: only the address keywords differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// A firewall filter term (`source-address`, `destination-address`).
    Term,
    /// A flow route (`source`, `destination`).
    Route,
}

/// The entries `conditions` expand to in `family`.
pub fn expansion(
    conditions: &[Condition],
    family: AddressFamily,
    lists: &PrefixLists<'_>,
    kind: RuleKind,
) -> Expansion {
    // Addresses of one kind form one longest-match list, as `compile` builds them (DESIGN.md; Junos
    // "Firewall Filter Match Conditions Based on Address Fields").
    let mut addresses: [Option<AddressSlot>; 3] = Default::default();
    let mut factors = Vec::with_capacity(conditions.len());
    for condition in conditions {
        let slot = match condition.field {
            MatchField::Address => Some(0),
            MatchField::SourceAddress => Some(1),
            MatchField::DestinationAddress => Some(2),
            _ => None,
        };
        if let Some(slot) = slot {
            let position = factors.len();
            let entry = addresses[slot].get_or_insert_with(|| AddressSlot {
                position,
                loc: condition.loc,
                entries: Vec::new(),
                unknown: false,
            });
            entry.add(&condition.values, lists);
            continue;
        }
        if let Some(factor) = condition_factor(condition, family) {
            factors.push(factor);
        }
    }
    // Address factors go where their first condition is written.
    let mut placed: Vec<(usize, Factor)> = Vec::new();
    for (slot, entry) in addresses.iter().enumerate() {
        let Some(entry) = entry else { continue };
        let field = match (slot, kind) {
            (0, _) => "address",
            (1, RuleKind::Term) => "source-address",
            (1, RuleKind::Route) => "source",
            (_, RuleKind::Term) => "destination-address",
            (_, RuleKind::Route) => "destination",
        };
        placed.push((
            entry.position,
            Factor {
                field,
                except: false,
                loc: entry.loc,
                entries: entry.count(family),
                sides: if slot == 0 { 2 } else { 1 },
            },
        ));
    }
    // `position` counts the other factors written before; each insertion shifts the later ones by one.
    placed.sort_by_key(|&(position, _)| position);
    for (inserted, (position, factor)) in placed.into_iter().enumerate() {
        factors.insert(position + inserted, factor);
    }
    Expansion {
        entries: saturating_product(factors.iter().map(Factor::total)),
        factors,
    }
}

/// The prefixes of one kind of address condition in a term.
struct AddressSlot {
    /// Where its factor goes among the others.
    position: usize,
    /// The first condition of this kind.
    loc: Loc,
    /// Every listed prefix with its `except`.
    entries: Vec<(Address, bool)>,
    /// Some referenced prefix list has contents rulecheck cannot see.
    unknown: bool,
}

impl AddressSlot {
    fn add(&mut self, values: &Values, lists: &PrefixLists<'_>) {
        match values {
            Values::Addresses(entries) => self
                .entries
                .extend(entries.iter().map(|e| (e.address, e.except))),
            Values::PrefixLists(refs) => {
                for r in refs {
                    match lists.get(&r.name.text) {
                        Some(Some(entries)) => self
                            .entries
                            .extend(entries.iter().map(|e| (e.address, r.except || e.except))),
                        Some(None) | None => self.unknown = true,
                    }
                }
            }
            _ => {}
        }
    }

    /// Non-redundant longest-match entries, plus one per non-contiguous mask.
    fn count(&self, family: AddressFamily) -> u64 {
        let v6 = family == AddressFamily::Inet6;
        let width = if v6 { 128 } else { 32 };
        let mut prefixes = Vec::with_capacity(self.entries.len());
        let mut masked: u64 = 0;
        for &(address, except) in self.entries.iter().filter(|(a, _)| a.v6 == v6) {
            match address.prefix_len() {
                Some(len) => prefixes.push(PrefixEntry {
                    addr: address.bits,
                    len,
                    except,
                }),
                None => masked = masked.saturating_add(1),
            }
        }
        let count = lpm_list_entries(&prefixes, width).saturating_add(masked);
        if self.unknown { count.max(1) } else { count }
    }
}

/// The factor of a condition other than an address, or `None` for one rulecheck does not model.
fn condition_factor(condition: &Condition, family: AddressFamily) -> Option<Factor> {
    let (field, width) = match condition.field {
        MatchField::Protocol => ("protocol", 8),
        MatchField::Port => ("port", 16),
        MatchField::SourcePort => ("source-port", 16),
        MatchField::DestinationPort => ("destination-port", 16),
        MatchField::IcmpType => ("icmp-type", 8),
        MatchField::IcmpCode => ("icmp-code", 8),
        MatchField::TcpFlags => ("tcp-flags", 8),
        MatchField::PacketLength => ("packet-length", 16),
        MatchField::Dscp => ("dscp", 6),
        MatchField::FragmentOffset => ("fragment-offset", 13),
        MatchField::FragmentFlags => ("fragment-flags", 3),
        MatchField::Fragment => ("fragment", 13),
        MatchField::Ttl => ("ttl", 8),
        MatchField::Address
        | MatchField::SourceAddress
        | MatchField::DestinationAddress
        | MatchField::NotModeled => return None,
    };
    let except = condition.except;
    let entries = match &condition.values {
        Values::Ranges(ranges) => {
            let ranges: Vec<(u128, u128)> = ranges
                .iter()
                .filter_map(|r| on_the_wire(condition.field, family, r.lo, r.hi))
                .collect();
            let listed = ranges_entries(&ranges, width);
            if except {
                ranges_entries(&complement(&ranges, width), width).min(listed.saturating_add(1))
            } else {
                listed
            }
        }
        Values::Bits(bits) => {
            let listed = ternary_entries(bits, width);
            if except {
                let left = BitSet256::from_fn(|v| !bits.contains(v));
                ternary_entries(&left, width).min(listed.saturating_add(1))
            } else {
                listed
            }
        }
        Values::Fragments(kinds) => kinds
            .iter()
            .map(|&kind| fragment_entries(kind))
            .fold(0, u64::saturating_add),
        Values::Addresses(_) | Values::PrefixLists(_) | Values::Opaque(_) => return None,
    };
    let (entries, sides) = match (condition.field, except) {
        // `port-except`: neither port is listed, a constraint on both sides at once.
        (MatchField::Port, true) => (entries.saturating_mul(entries), 1),
        (MatchField::Port, false) => (entries, 2),
        _ => (entries, 1),
    };
    Some(Factor {
        field,
        except,
        loc: condition.loc,
        entries,
        sides,
    })
}

/// A range of a condition as the header field holds it, or `None` if no packet has such a value. IPv6
/// has no total length: hardware matches the 16-bit payload length, the packet length less the 40-byte
/// header (RFC 8200 §3).
fn on_the_wire(field: MatchField, family: AddressFamily, lo: u64, hi: u64) -> Option<(u128, u128)> {
    if field == MatchField::PacketLength && family == AddressFamily::Inet6 {
        let header = u64::from(family.ip_header_len());
        let hi = hi.checked_sub(header)?;
        return Some((u128::from(lo.saturating_sub(header)), u128::from(hi)));
    }
    Some((u128::from(lo), u128::from(hi)))
}

/// The values of a `width`-bit field that none of `ranges` contains.
fn complement(ranges: &[(u128, u128)], width: u32) -> Vec<(u128, u128)> {
    let max = u128::MAX >> (128 - width);
    let mut sorted: Vec<(u128, u128)> = ranges
        .iter()
        .filter(|&&(lo, hi)| lo <= hi && lo <= max)
        .map(|&(lo, hi)| (lo, hi.min(max)))
        .collect();
    sorted.sort_unstable();
    let mut gaps = Vec::with_capacity(sorted.len() + 1);
    let mut next = Some(0u128);
    for (lo, hi) in sorted {
        let Some(from) = next else { break };
        if lo > from {
            gaps.push((from, lo - 1));
        }
        if hi >= from {
            next = hi.checked_add(1).filter(|&n| n <= max);
        }
    }
    if let Some(from) = next {
        gaps.push((from, max));
    }
    gaps
}

/// The entries a fragment state needs: the prefix cover of the fragment offsets it allows (13 bits), the
/// flag bits it tests being part of the same entries (RFC 8955 §4.2.2.12).
fn fragment_entries(kind: FragmentKind) -> u64 {
    const OFFSET_BITS: u32 = 13;
    let later_fragments = range_entries(1, 8191, OFFSET_BITS);
    match kind {
        FragmentKind::IsFragment | FragmentKind::LastFragment => later_fragments,
        FragmentKind::FirstFragment | FragmentKind::NotAFragment | FragmentKind::DontFragment => 1,
    }
}

/// The number of ternary value/mask pairs that together match exactly the values in `set` of a
/// `width`-bit field (`width` at most 8; values beyond it are ignored).
///
/// A bit test such as `syn & !ack` is one value/mask pair however many byte values it matches, which a
/// prefix cover of the values would overcount. The pairs are chosen among the prime implicants of the
/// set (the largest value/mask pairs inside it) greedily, largest share of what is left first: a cover
/// that is minimal for the flag tests filters are written with and within a small factor of the minimum
/// for any set. Fixed cost: at most 3^8 pairs are examined.
pub fn ternary_entries(set: &BitSet256, width: u32) -> u64 {
    assert!(
        (1..=8).contains(&width),
        "bit fields are 1 to 8 bits wide, got {width}"
    );
    // A filter repeats a few flag tests in many terms: each cover is computed once per thread (the
    // memo is emptied when it holds many, so fuzzed or generated input cannot grow it without bound).
    thread_local! {
        static KNOWN: std::cell::RefCell<std::collections::HashMap<(BitSet256, u32), u64>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(n) = KNOWN.with(|known| known.borrow().get(&(*set, width)).copied()) {
        return n;
    }
    let n = ternary_cover(set, width);
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        if known.len() >= 4096 {
            known.clear();
        }
        known.insert((*set, width), n);
    });
    n
}

fn ternary_cover(set: &BitSet256, width: u32) -> u64 {
    let size = 1usize << width;
    let full = size - 1;
    let member = |v: usize| set.contains(v as u8);
    // implicant[care * size + value]: every value that agrees with `value` on the `care` bits is in the
    // set. Computed from the most specific pairs up: freeing a bit joins two pairs.
    let mut implicant = vec![false; size * size];
    let mut cares: Vec<usize> = (0..size).collect();
    cares.sort_by_key(|care| std::cmp::Reverse(care.count_ones()));
    for &care in &cares {
        let free = full & !care;
        for value in subsets(care) {
            implicant[care * size + value] = if free == 0 {
                member(value)
            } else {
                let bit = free & free.wrapping_neg();
                let wider = (care | bit) * size;
                implicant[wider + value] && implicant[wider + (value | bit)]
            };
        }
    }
    let mut primes: Vec<[u64; 4]> = Vec::new();
    for &care in &cares {
        for value in subsets(care) {
            if !implicant[care * size + value] {
                continue;
            }
            let widens = (0..width)
                .map(|b| 1usize << b)
                .any(|bit| care & bit != 0 && implicant[(care & !bit) * size + (value & !bit)]);
            if !widens {
                let mut points = [0u64; 4];
                for extra in subsets(full & !care) {
                    let v = value | extra;
                    points[v >> 6] |= 1 << (v & 63);
                }
                primes.push(points);
            }
        }
    }
    let mut uncovered = [0u64; 4];
    for v in (0..size).filter(|&v| member(v)) {
        uncovered[v >> 6] |= 1 << (v & 63);
    }
    let overlap = |points: &[u64; 4], left: &[u64; 4]| -> u32 {
        points
            .iter()
            .zip(left)
            .map(|(p, l)| (p & l).count_ones())
            .sum()
    };
    let mut count = 0;
    while uncovered != [0; 4] {
        // Every member is a value/mask pair of its own inside some prime, so some prime always helps.
        let Some(best) = primes
            .iter()
            .max_by_key(|p| overlap(p, &uncovered))
            .filter(|p| overlap(p, &uncovered) > 0)
        else {
            break;
        };
        for (left, covered) in uncovered.iter_mut().zip(best) {
            *left &= !covered;
        }
        count += 1;
    }
    count
}

/// Every subset of the bits of `mask`.
fn subsets(mask: usize) -> impl Iterator<Item = usize> {
    let mut next = Some(mask);
    std::iter::from_fn(move || {
        let current = next?;
        next = (current != 0).then(|| (current - 1) & mask);
        Some(current)
    })
}

/// One term or flow route and what it costs.
#[derive(Clone, Debug)]
pub struct TermCost<'a> {
    /// The term's or route's name.
    pub name: &'a Name,
    /// For a term inlined from a nested `filter`, the filter it is written in.
    pub nested_in: Option<&'a Name>,
    /// The family it is costed in.
    pub family: AddressFamily,
    /// Its entries and their factors.
    pub expansion: Expansion,
    /// Estimated memory in bytes.
    pub bytes: u64,
}

impl<'a> TermCost<'a> {
    fn new(
        name: &'a Name,
        nested_in: Option<&'a Name>,
        family: AddressFamily,
        expansion: Expansion,
    ) -> Self {
        Self {
            name,
            nested_in,
            family,
            bytes: expansion.entries.saturating_mul(entry_bytes(family)),
            expansion,
        }
    }

    /// Estimated entries.
    pub fn entries(&self) -> u64 {
        self.expansion.entries
    }
}

/// The `n` costliest of `terms`, most expensive first; ties keep the written order.
pub fn costliest<'t, 'a>(terms: &'t [TermCost<'a>], n: usize) -> Vec<&'t TermCost<'a>> {
    let mut sorted: Vec<&TermCost<'a>> = terms.iter().collect();
    sorted.sort_by_key(|t| std::cmp::Reverse(t.entries()));
    sorted.truncate(n);
    sorted
}

/// A filter and what it costs.
#[derive(Clone, Debug)]
pub struct FilterCost<'a> {
    /// The filter.
    pub filter: &'a Filter,
    /// Its terms with nested filters inlined, in evaluation order.
    pub terms: Vec<TermCost<'a>>,
    /// Estimated entries of the whole filter.
    pub entries: u64,
    /// Estimated memory in bytes.
    pub bytes: u64,
}

/// A flow-route table and what it costs.
#[derive(Clone, Debug)]
pub struct FlowTableCost<'a> {
    /// The table.
    pub table: &'a FlowTable,
    /// Its routes in configuration order.
    pub routes: Vec<TermCost<'a>>,
    /// Estimated entries of all routes.
    pub entries: u64,
    /// Estimated memory in bytes.
    pub bytes: u64,
}

/// The cost of a whole configuration.
#[derive(Clone, Debug)]
pub struct Cost<'a> {
    /// Every filter, in order of appearance.
    pub filters: Vec<FilterCost<'a>>,
    /// Every flow-route table, the main instance first.
    pub flow_tables: Vec<FlowTableCost<'a>>,
}

/// Estimates what every filter and flow-route table of `config` costs.
pub fn cost(config: &Config) -> Cost<'_> {
    cost_with_threads(config, 1)
}

/// [`cost`] on up to `threads` threads (a filter at a time), with the same result.
pub fn cost_with_threads(config: &Config, threads: usize) -> Cost<'_> {
    let lists = PrefixLists::new(config);
    let filters = crate::parallel_map(&config.filters, threads, |filter| {
        let family = match filter.family {
            Family::Inet6 => AddressFamily::Inet6,
            Family::Inet | Family::Any => AddressFamily::Inet,
        };
        let terms: Vec<TermCost<'_>> = crate::analysis::expand_terms(config, filter)
            .into_iter()
            .map(|term| {
                let own = filter.owns(term);
                let nested_in = if own {
                    None
                } else {
                    config
                        .filters
                        .iter()
                        .find(|f| f.owns(term))
                        .map(|f| &f.name)
                };
                let expansion = expansion(&term.conditions, family, &lists, RuleKind::Term);
                TermCost::new(&term.name, nested_in, family, expansion)
            })
            .collect();
        let (entries, bytes) = totals(&terms);
        FilterCost {
            filter,
            terms,
            entries,
            bytes,
        }
    });
    let flow_tables = config
        .flow_tables
        .iter()
        .map(|table| {
            let routes: Vec<TermCost<'_>> = table
                .routes
                .iter()
                .map(|route| {
                    let family = flow_family(&route.conditions);
                    let expansion = expansion(&route.conditions, family, &lists, RuleKind::Route);
                    TermCost::new(&route.name, None, family, expansion)
                })
                .collect();
            let (entries, bytes) = totals(&routes);
            FlowTableCost {
                table,
                routes,
                entries,
                bytes,
            }
        })
        .collect();
    Cost {
        filters,
        flow_tables,
    }
}

fn totals(terms: &[TermCost<'_>]) -> (u64, u64) {
    terms.iter().fold((0, 0), |(entries, bytes), t| {
        (
            entries.saturating_add(t.entries()),
            bytes.saturating_add(t.bytes),
        )
    })
}

/// `n` with thousands separated by commas, as people read counts: `65,536`. A saturated count
/// (`u64::MAX`) reads "more than 18,446,744,073,709,551,614".
pub fn grouped(n: u64) -> String {
    if n == u64::MAX {
        return format!("more than {}", grouped(n - 1));
    }
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 entry`, `4,096 entries`.
pub fn entries(n: u64) -> String {
    if n == 1 {
        "1 entry".to_owned()
    } else {
        format!("{} entries", grouped(n))
    }
}

/// How findings and reports name a flow-route table.
pub fn table_name(table: &FlowTable) -> String {
    match &table.instance {
        None => "the main instance".to_owned(),
        Some(name) => format!("routing instance `{}`", name.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(f: impl Fn(u8) -> bool) -> BitSet256 {
        BitSet256::from_fn(f)
    }

    #[test]
    fn flag_tests_are_one_value_and_mask() {
        // tcp-initial: syn set, ack clear.
        assert_eq!(
            ternary_entries(&bits(|f| f & 0x02 != 0 && f & 0x10 == 0), 8),
            1
        );
        // tcp-established: ack or rst.
        assert_eq!(ternary_entries(&bits(|f| f & 0x14 != 0), 8), 2);
        assert_eq!(ternary_entries(&bits(|_| true), 8), 1);
        assert_eq!(ternary_entries(&bits(|_| false), 8), 0);
        assert_eq!(ternary_entries(&bits(|f| f == 7), 8), 1);
        // Odd parity has no two members one bit apart: every member is its own entry.
        assert_eq!(ternary_entries(&bits(|f| f.count_ones() % 2 == 1), 8), 128);
        // Fragment flags are 3 bits: values above 7 are ignored.
        assert_eq!(ternary_entries(&bits(|f| f & 1 == 1), 3), 1);
    }

    #[test]
    fn complements() {
        assert_eq!(complement(&[(80, 80)], 16), vec![(0, 79), (81, 65_535)]);
        assert_eq!(complement(&[(0, 65_535)], 16), vec![]);
        assert_eq!(complement(&[], 8), vec![(0, 255)]);
        assert_eq!(
            complement(&[(0, 9), (5, 20), (255, 300)], 8),
            vec![(21, 254)]
        );
    }

    #[test]
    fn subsets_of_a_mask() {
        let mut all: Vec<usize> = subsets(0b101).collect();
        all.sort_unstable();
        assert_eq!(all, vec![0, 1, 4, 5]);
        assert_eq!(subsets(0).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn factors_keep_the_written_order() {
        let loc = Loc::default();
        let ranges =
            |lo, hi| Values::Ranges(vec![rulecheck_syntax::model::ValueRange { lo, hi, loc }]);
        let host = |bits: u128| {
            Values::Addresses(vec![rulecheck_syntax::model::AddressEntry {
                address: Address::prefix(false, bits, 32),
                except: false,
                loc,
            }])
        };
        let condition = |field, values| Condition {
            field,
            except: false,
            loc,
            values,
        };
        let conditions = [
            condition(MatchField::DestinationAddress, host(1)),
            condition(MatchField::Protocol, ranges(6, 6)),
            condition(MatchField::DestinationPort, ranges(1, 1023)),
            condition(MatchField::SourceAddress, host(2)),
            condition(MatchField::Ttl, ranges(1, 1)),
            condition(MatchField::Address, host(3)),
        ];
        let config = Config::default();
        let lists = PrefixLists::new(&config);
        let expansion = expansion(&conditions, AddressFamily::Inet, &lists, RuleKind::Term);
        let fields: Vec<&str> = expansion.factors.iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "destination-address",
                "protocol",
                "destination-port",
                "source-address",
                "ttl",
                "address"
            ]
        );
        assert_eq!(expansion.entries, 10 * 2);
        assert_eq!(
            expansion.drivers(),
            "destination-port (10 entries) × address (2 × 1)"
        );
    }

    #[test]
    fn grouped_counts() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(4096), "4,096");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(u64::MAX), "more than 18,446,744,073,709,551,614");
        assert_eq!(entries(1), "1 entry");
        assert_eq!(entries(0), "0 entries");
        assert_eq!(entries(4096), "4,096 entries");
    }

    #[test]
    fn fragment_states() {
        assert_eq!(fragment_entries(FragmentKind::IsFragment), 13);
        assert_eq!(fragment_entries(FragmentKind::FirstFragment), 1);
    }
}
