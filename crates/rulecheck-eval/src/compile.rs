//! Compiles terms and flow routes of the model into exact header spaces.
//!
//! The semantics are those of DESIGN.md "Match semantics": conditions are ANDed, values of one condition
//! ORed, `-except` complements; address lists are longest-prefix-match lists with an implicit `0/0 except`;
//! `port` and `address` match either side; ports, ICMP type/code and TCP flags exist only in packets that
//! carry them (the header space encodes their absence, so a port condition never matches ICMP).

use std::collections::HashMap;

use rulecheck_syntax::model::{
    Address, AddressEntry, BitSet256, Condition, Config, FragmentKind, MatchField, Values,
};

use crate::packet::AddressFamily;
use crate::packet::fragment_flag::MORE_FRAGMENTS;
use crate::space::{Cube, Field, HeaderSpace, IntervalSet};

/// A non-contiguous mask expands to one interval per combination of its inner zero bits; beyond this many
/// the condition is reported as not modeled rather than expanded.
pub const MAX_MASK_INTERVALS: usize = 4096;

/// What a list of conditions matches in one family.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The packets matched, as far as modeled conditions say.
    pub space: HeaderSpace,
    /// Some condition is not modeled: the term matches an unknown subset of `space`.
    pub uncertain: bool,
}

/// Prefix lists by name, for resolving references.
pub struct PrefixLists<'a> {
    /// Defined lists; `None` for lists built by `apply-path`, whose contents are not modeled.
    lists: HashMap<&'a str, Option<&'a [AddressEntry]>>,
}

impl<'a> PrefixLists<'a> {
    /// Indexes the prefix lists of `config`.
    pub fn new(config: &'a Config) -> Self {
        Self {
            lists: config
                .prefix_lists
                .iter()
                .map(|l| {
                    (
                        l.name.text.as_str(),
                        l.apply_path.is_none().then_some(l.prefixes.as_slice()),
                    )
                })
                .collect(),
        }
    }

    /// The entries of the list `name`: `None` if no list has that name, `Some(None)` if its contents come
    /// from `apply-path` and are not modeled.
    pub fn get(&self, name: &str) -> Option<Option<&'a [AddressEntry]>> {
        self.lists.get(name).copied()
    }
}

/// Compiles conditions into the header space of `family`.
pub fn compile(
    conditions: &[Condition],
    family: AddressFamily,
    lists: &PrefixLists<'_>,
) -> Compiled {
    let mut uncertain = false;
    // Address entries of the same field from address and prefix-list conditions form one longest-match list
    // ("Firewall Filter Match Conditions Based on Address Fields"; DESIGN.md).
    let mut address_lists: [Vec<(Address, bool)>; 3] = Default::default();
    let mut has_address = [false; 3];
    let mut cube = Cube::full(family);
    let mut either_side: Vec<(Field, Field, IntervalSet)> = Vec::new();
    let mut fragments: Option<Vec<Cube>> = None;
    for condition in conditions {
        let slot = match condition.field {
            MatchField::Address => Some(0),
            MatchField::SourceAddress => Some(1),
            MatchField::DestinationAddress => Some(2),
            _ => None,
        };
        if let Some(slot) = slot {
            has_address[slot] = true;
            match &condition.values {
                Values::Addresses(entries) => {
                    address_lists[slot].extend(entries.iter().map(|e| (e.address, e.except)));
                }
                Values::PrefixLists(refs) => {
                    for r in refs {
                        match lists.lists.get(r.name.text.as_str()) {
                            Some(Some(entries)) => address_lists[slot]
                                .extend(entries.iter().map(|e| (e.address, r.except || e.except))),
                            // An `apply-path` list (RC020) or an undefined one (RC010): its contents are
                            // unknown, so the term matches an unknown part of what it otherwise matches.
                            Some(None) | None => uncertain = true,
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        let values = match &condition.values {
            Values::Opaque(_) => {
                uncertain = true;
                continue;
            }
            Values::Fragments(kinds) => {
                let mut alternatives = Vec::new();
                for kind in kinds {
                    alternatives.push(fragment_cube(*kind, family));
                }
                fragments = Some(match fragments.take() {
                    None => alternatives,
                    Some(previous) => previous
                        .iter()
                        .flat_map(|a| alternatives.iter().map(move |b| a.intersect(b)))
                        .filter(|c| !c.is_empty())
                        .collect(),
                });
                continue;
            }
            Values::Ranges(ranges) => ranges_set(ranges.iter().map(|r| (r.lo, r.hi))),
            Values::Bits(bits) => bits_set(bits),
            Values::Addresses(_) | Values::PrefixLists(_) => continue,
        };
        let (field, pair) = match condition.field {
            MatchField::Protocol => (Field::Protocol, None),
            MatchField::Port => (Field::SourcePort, Some(Field::DestinationPort)),
            MatchField::SourcePort => (Field::SourcePort, None),
            MatchField::DestinationPort => (Field::DestinationPort, None),
            MatchField::IcmpType => (Field::IcmpType, None),
            MatchField::IcmpCode => (Field::IcmpCode, None),
            MatchField::TcpFlags => (Field::TcpFlags, None),
            MatchField::PacketLength => (Field::PacketLength, None),
            MatchField::Dscp => (Field::Dscp, None),
            MatchField::FragmentOffset => (Field::FragmentOffset, None),
            MatchField::FragmentFlags => (Field::FragmentFlags, None),
            MatchField::Ttl => (Field::Ttl, None),
            _ => continue,
        };
        // The present values of the field: an `-except` complement never includes "absent".
        let present = present_domain(field, family);
        let values = values.intersect(&present);
        let values = if condition.except {
            present.difference(&values)
        } else {
            values
        };
        match pair {
            None => cube.narrow(field, &values),
            Some(other) => {
                if condition.except {
                    // `port-except`: neither port is listed.
                    cube.narrow(field, &values);
                    cube.narrow(other, &values);
                } else {
                    either_side.push((field, other, values));
                }
            }
        }
    }
    let mut alternatives = vec![cube];
    for (slot, entries) in address_lists.iter().enumerate() {
        if !has_address[slot] {
            continue;
        }
        let Some(set) = longest_match_set(entries, family) else {
            uncertain = true;
            continue;
        };
        match slot {
            0 => either_side.push((Field::SourceAddress, Field::DestinationAddress, set)),
            1 => alternatives = restrict_all(alternatives, Field::SourceAddress, &set),
            _ => alternatives = restrict_all(alternatives, Field::DestinationAddress, &set),
        }
    }
    for (a, b, set) in &either_side {
        alternatives = alternatives
            .iter()
            .flat_map(|c| [c.clone().restrict(*a, set), c.clone().restrict(*b, set)])
            .filter(|c| !c.is_empty())
            .collect();
    }
    if let Some(fragment_cubes) = fragments {
        alternatives = alternatives
            .iter()
            .flat_map(|c| fragment_cubes.iter().map(move |f| c.intersect(f)))
            .filter(|c| !c.is_empty())
            .collect();
    }
    Compiled {
        space: HeaderSpace::from_owned_cubes(family, alternatives),
        uncertain,
    }
}

fn restrict_all(cubes: Vec<Cube>, field: Field, set: &IntervalSet) -> Vec<Cube> {
    cubes
        .into_iter()
        .map(|c| c.restrict(field, set))
        .filter(|c| !c.is_empty())
        .collect()
}

/// The values a field takes in packets that carry it (the "absent" encoding excluded).
pub fn present_domain(field: Field, family: AddressFamily) -> IntervalSet {
    let (lo, hi) = field.domain(family);
    match field {
        Field::SourcePort | Field::DestinationPort => IntervalSet::range(0, 65_535),
        Field::IcmpType | Field::IcmpCode | Field::TcpFlags => IntervalSet::range(0, 255),
        _ => IntervalSet::range(lo, hi),
    }
}

fn ranges_set(ranges: impl Iterator<Item = (u64, u64)>) -> IntervalSet {
    IntervalSet::from_ranges(ranges.map(|(lo, hi)| (u128::from(lo), u128::from(hi))))
}

fn bits_set(bits: &BitSet256) -> IntervalSet {
    IntervalSet::from_ranges(
        bits.ranges()
            .into_iter()
            .map(|(lo, hi)| (u128::from(lo), u128::from(hi))),
    )
}

fn fragment_cube(kind: FragmentKind, family: AddressFamily) -> Cube {
    let all = Cube::full(family);
    let offset_zero = IntervalSet::single(0);
    let later = IntervalSet::range(1, 8191);
    let flags = |want_mf: bool| {
        IntervalSet::from_ranges(
            (0..=7u128)
                .filter(|f| (f & u128::from(MORE_FRAGMENTS) != 0) == want_mf)
                .map(|f| (f, f)),
        )
    };
    // RFC 8955 §4.2.2.12: IsF "fragment offset is not 0", FF "offset 0 and MF set", LF "offset not 0 and
    // MF clear", DF "don't-fragment set". Junos `is-fragment` is IsF, `first-fragment` is FF.
    match kind {
        FragmentKind::IsFragment => all.with(Field::FragmentOffset, later),
        FragmentKind::FirstFragment => all
            .with(Field::FragmentOffset, offset_zero)
            .with(Field::FragmentFlags, flags(true)),
        FragmentKind::LastFragment => all
            .with(Field::FragmentOffset, later)
            .with(Field::FragmentFlags, flags(false)),
        FragmentKind::NotAFragment => all
            .with(Field::FragmentOffset, offset_zero)
            .with(Field::FragmentFlags, flags(false)),
        FragmentKind::DontFragment => all.with(
            Field::FragmentFlags,
            IntervalSet::from_ranges([(2, 3), (6, 7)]),
        ),
    }
}

/// The addresses a longest-prefix-match list matches: among the listed prefixes the longest containing the
/// address decides; `except` entries do not match; an address no entry contains does not match.
///
/// Processing entries from the shortest mask to the longest, each entry overrides what shorter ones said
/// about its addresses, which is exactly longest-match. `None` if a non-contiguous mask would need more
/// than [`MAX_MASK_INTERVALS`] intervals.
pub fn longest_match_set(
    entries: &[(Address, bool)],
    family: AddressFamily,
) -> Option<IntervalSet> {
    let v6 = family == AddressFamily::Inet6;
    let mut sorted: Vec<(usize, &(Address, bool))> = entries
        .iter()
        .filter(|(a, _)| a.v6 == v6)
        .enumerate()
        .collect();
    sorted.sort_by_key(|(i, (a, _))| (a.mask.count_ones(), *i));
    // Runs of entries without `except` are added at once: unions commute, and a list of hundreds of
    // prefixes is one sort instead of hundreds of unions of a growing set.
    let mut set = IntervalSet::empty();
    let mut added: Vec<(u128, u128)> = Vec::new();
    for (_, (address, except)) in sorted {
        let range = address_set(*address)?;
        if *except {
            if !added.is_empty() {
                set = set.union(&IntervalSet::from_ranges(added.drain(..)));
            }
            set = set.difference(&range);
        } else {
            added.extend(range.iter());
        }
    }
    if !added.is_empty() {
        set = set.union(&IntervalSet::from_ranges(added));
    }
    Some(set)
}

/// The addresses of one prefix or masked address.
pub fn address_set(address: Address) -> Option<IntervalSet> {
    let width = address.width();
    let full_mask = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    let host = !address.mask & full_mask;
    // The trailing run of zero mask bits is one interval; zero bits above it multiply the intervals.
    let trailing = host.trailing_ones();
    let span = if trailing == 128 {
        u128::MAX
    } else {
        (1u128 << trailing) - 1
    };
    let holes = host & !span;
    if holes == 0 {
        // A prefix: one interval.
        return Some(IntervalSet::range(address.bits, address.bits | span));
    }
    let hole_count = holes.count_ones();
    if hole_count as usize > MAX_MASK_INTERVALS.trailing_zeros() as usize {
        return None;
    }
    let hole_bits: Vec<u32> = (0..width).filter(|b| holes >> b & 1 == 1).collect();
    let mut ranges = Vec::with_capacity(1 << hole_count);
    for combination in 0u128..(1u128 << hole_count) {
        let mut base = address.bits;
        for (i, bit) in hole_bits.iter().enumerate() {
            if combination >> i & 1 == 1 {
                base |= 1u128 << bit;
            }
        }
        ranges.push((base, base | span));
    }
    Some(IntervalSet::from_ranges(ranges))
}

/// The address family a flow route applies to: IPv6 if any of its prefixes is IPv6.
pub fn flow_family(conditions: &[Condition]) -> AddressFamily {
    let v6 = conditions.iter().any(|c| match &c.values {
        Values::Addresses(a) => a.iter().any(|e| e.address.v6),
        _ => false,
    });
    if v6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The set of an address list is the addresses whose most specific matching entry (the last written
    /// of equally specific ones) is not `except`, checked address by address.
    #[test]
    fn longest_match_set_agrees_with_matching_each_address() {
        let mut next = crate::test_numbers(5);
        let base: u128 = 0x0a00_0000;
        for _ in 0..2000 {
            let entries: Vec<(Address, bool)> = (0..=next(12))
                .map(|_| {
                    let address = if next(6) == 0 {
                        // A non-contiguous mask: `10.0.0.x/255.255.255.y`.
                        let mask = 0xffff_ff00 | u128::from(next(256) as u8);
                        Address {
                            v6: false,
                            bits: (base | u128::from(next(256) as u8)) & mask,
                            mask,
                        }
                    } else {
                        Address::prefix(
                            false,
                            base | u128::from(next(256) as u8),
                            22 + next(11) as u8,
                        )
                    };
                    (address, next(3) == 0)
                })
                .collect();
            let set = longest_match_set(&entries, AddressFamily::Inet).expect("few holes");
            for addr in (base - 4..=base + 0x103).chain([0, 0xffff_ffff]) {
                let decided = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, (a, _))| a.contains(addr))
                    .max_by_key(|(i, (a, _))| (a.mask.count_ones(), *i));
                let expected = decided.is_some_and(|(_, (_, except))| !except);
                assert_eq!(set.contains(addr), expected, "{addr:#x} in {entries:?}");
            }
        }
    }
}
