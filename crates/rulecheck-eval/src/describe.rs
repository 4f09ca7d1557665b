//! Sets of packets in words a reviewer reads: "UDP to 203.0.113.0/24, destination port 53".
//!
//! A [`HeaderSpace`] is a union of cubes; the description is the smallest product of per-field value sets
//! that contains it (for each field, the union of its values over the cubes). When the set is exactly that
//! product the description is exact; otherwise it says "some" — the set is a part of what is described.
//! Each list in the text is bounded, so a description stays one short line whatever the set.

use std::fmt::Write as _;

use crate::packet::{AddressFamily, protocol_name};
use crate::space::{Budget, Cube, Field, HeaderSpace, IntervalSet, PORT_ABSENT};

/// Prefixes or ranges listed before "and N more".
const MAX_LISTED: usize = 3;

/// Work allowed for deciding whether a description is exact; beyond it the description says "some".
const EXACT_BUDGET: u64 = 100_000;

/// A set of packets in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    /// The words, e.g. `UDP to 203.0.113.0/24`.
    pub text: String,
    /// Whether the set is exactly what `text` says (otherwise it is a part of it).
    pub exact: bool,
}

impl std::fmt::Display for Description {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.exact {
            f.write_str("some ")?;
        }
        f.write_str(&self.text)
    }
}

/// Describes a non-empty set of packets.
pub fn describe(space: &HeaderSpace) -> Description {
    let family = space.family();
    let mut hull = Cube::full(family);
    for field in Field::ALL {
        let mut union = IntervalSet::empty();
        for cube in space.cubes() {
            union = union.union(cube.get(field));
        }
        hull.set(field, union);
    }
    // What the hull's protocols, addresses and ports allow of the other fields: a field is worth naming only
    // when the set narrows it further (a UDP packet is at least 28 bytes long; that is not news).
    let mut frame = Cube::full(family);
    for field in [
        Field::Protocol,
        Field::SourceAddress,
        Field::DestinationAddress,
        Field::SourcePort,
        Field::DestinationPort,
    ] {
        frame.set(field, hull.get(field).clone());
    }
    let frame = HeaderSpace::from_cube(family, &frame);
    let universe = HeaderSpace::universe(family);

    let mut text = protocols(
        hull.get(Field::Protocol),
        &field_union(&universe, Field::Protocol),
    );
    let mut push = |part: String| {
        if part.is_empty() {
            return;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&part);
    };
    for (field, word) in [
        (Field::SourceAddress, "from"),
        (Field::DestinationAddress, "to"),
    ] {
        if hull.get(field) != &field_union(&universe, field) {
            push(format!("{word} {}", addresses(hull.get(field), family)));
        }
    }
    let mut details = Vec::new();
    for (field, word) in [
        (Field::SourcePort, "source port"),
        (Field::DestinationPort, "destination port"),
    ] {
        let numbers = hull
            .get(field)
            .intersect(&IntervalSet::range(0, PORT_ABSENT - 1));
        if !numbers.is_empty() && numbers != IntervalSet::range(0, PORT_ABSENT - 1) {
            details.push(format!("{word} {}", values(&numbers)));
        }
    }
    for field in [
        Field::IcmpType,
        Field::IcmpCode,
        Field::TcpFlags,
        Field::PacketLength,
        Field::Dscp,
        Field::FragmentOffset,
        Field::FragmentFlags,
        Field::Ttl,
    ] {
        let allowed = field_union(&frame, field);
        let set = hull.get(field);
        if set != &allowed {
            let present = set.intersect(&crate::compile::present_domain(field, family));
            if !present.is_empty() {
                details.push(format!("{} {}", field.name(), values(&present)));
            }
        }
    }
    if text.is_empty() {
        text.push_str("traffic");
    } else if !text.starts_with(|c: char| c.is_ascii_uppercase()) && !text.starts_with("protocol") {
        text.insert_str(0, "traffic ");
    }
    if !details.is_empty() {
        let _ = write!(text, ", {}", details.join(", "));
    }
    let exact = {
        let mut budget = Budget::new(EXACT_BUDGET);
        HeaderSpace::from_cube(family, &hull)
            .is_subset_bounded(space, &mut budget)
            .unwrap_or(false)
    };
    Description { text, exact }
}

fn field_union(space: &HeaderSpace, field: Field) -> IntervalSet {
    space
        .cubes()
        .iter()
        .fold(IntervalSet::empty(), |acc, cube| acc.union(cube.get(field)))
}

fn protocols(set: &IntervalSet, all: &IntervalSet) -> String {
    if set == all {
        return String::new();
    }
    let count: u128 = set.iter().map(|(lo, hi)| hi - lo + 1).sum();
    if count > 4 {
        return format!("protocol {}", values(set));
    }
    let names: Vec<String> = set
        .iter()
        .flat_map(|(lo, hi)| lo..=hi)
        .map(|p| match protocol_name(p as u8) {
            Some("icmp6" | "icmpv6") => "ICMPv6".to_owned(),
            Some(name) => name.to_ascii_uppercase(),
            None => format!("protocol {p}"),
        })
        .collect();
    join_or(&names)
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Values and ranges: `53`, `1024-65535`, `22, 80, 443 and 2 more`.
fn values(set: &IntervalSet) -> String {
    let mut parts: Vec<String> = set
        .iter()
        .take(MAX_LISTED)
        .map(|(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect();
    let more = set.range_count().saturating_sub(MAX_LISTED);
    if more > 0 {
        parts.push(format!("{more} more"));
    }
    parts.join(", ")
}

/// Addresses as prefixes, or as the prefixes they leave out when those are fewer: `203.0.113.0/24`,
/// `anywhere but 10.0.0.0/8, 192.168.0.0/16`.
fn addresses(set: &IntervalSet, family: AddressFamily) -> String {
    let (lo, hi) = Field::SourceAddress.domain(family);
    let width = match family {
        AddressFamily::Inet => 32,
        AddressFamily::Inet6 => 128,
    };
    let count = |s: &IntervalSet| -> usize {
        s.iter()
            .flat_map(|(a, b)| cidrs(a, b, width))
            .take(1000)
            .count()
    };
    let left_out = set.complement_within(lo, hi);
    if count(&left_out) < count(set) {
        format!("anywhere but {}", prefixes(&left_out, family))
    } else {
        prefixes(set, family)
    }
}

/// Addresses as prefixes: `203.0.113.0/24`, `192.0.2.0/25, 192.0.2.128/26 and 5 more prefixes`.
fn prefixes(set: &IntervalSet, family: AddressFamily) -> String {
    let width = match family {
        AddressFamily::Inet => 32,
        AddressFamily::Inet6 => 128,
    };
    let mut listed = Vec::new();
    let mut total: u64 = 0;
    for (lo, hi) in set.iter() {
        for (address, len) in cidrs(lo, hi, width) {
            total += 1;
            if listed.len() < MAX_LISTED {
                listed.push(match family {
                    AddressFamily::Inet => {
                        format!("{}/{len}", std::net::Ipv4Addr::from(address as u32))
                    }
                    AddressFamily::Inet6 => format!("{}/{len}", std::net::Ipv6Addr::from(address)),
                });
            }
        }
    }
    let more = total.saturating_sub(listed.len() as u64);
    let mut text = listed.join(", ");
    if more > 0 {
        let _ = write!(
            text,
            " and {more} more prefix{}",
            if more == 1 { "" } else { "es" }
        );
    }
    text
}

/// The shortest list of prefixes covering `lo..=hi` exactly, in address order.
fn cidrs(lo: u128, hi: u128, width: u32) -> impl Iterator<Item = (u128, u32)> {
    // `2^k - 1`, the offset of the last address of a block of `2^k` addresses.
    let last_offset = |k: u32| {
        if k >= 128 {
            u128::MAX
        } else {
            (1u128 << k) - 1
        }
    };
    let mut next = Some(lo);
    std::iter::from_fn(move || {
        let start = next?;
        let room = hi - start;
        // The largest block aligned at `start` that does not pass `hi`.
        let mut k = start.trailing_zeros().min(width);
        while last_offset(k) > room {
            k -= 1;
        }
        let last = start + last_offset(k);
        next = (last < hi).then(|| last + 1);
        Some((start, width - k))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: [u8; 4]) -> u128 {
        u128::from(u32::from_be_bytes(a))
    }

    #[test]
    fn ranges_become_prefixes() {
        let got: Vec<_> = cidrs(v4([203, 0, 113, 0]), v4([203, 0, 113, 255]), 32).collect();
        assert_eq!(got, vec![(v4([203, 0, 113, 0]), 24)]);
        let got: Vec<_> = cidrs(v4([10, 0, 0, 1]), v4([10, 0, 0, 6]), 32).collect();
        assert_eq!(
            got,
            vec![
                (v4([10, 0, 0, 1]), 32),
                (v4([10, 0, 0, 2]), 31),
                (v4([10, 0, 0, 4]), 31),
                (v4([10, 0, 0, 6]), 32)
            ]
        );
        assert_eq!(
            cidrs(0, u128::from(u32::MAX), 32).collect::<Vec<_>>(),
            vec![(0, 0)]
        );
        assert_eq!(cidrs(0, u128::MAX, 128).collect::<Vec<_>>(), vec![(0, 0)]);
    }

    #[test]
    fn udp_to_a_prefix_reads_as_such() {
        let family = AddressFamily::Inet;
        let cube = Cube::full(family)
            .with(Field::Protocol, IntervalSet::single(17))
            .with(
                Field::DestinationAddress,
                IntervalSet::range(v4([203, 0, 113, 0]), v4([203, 0, 113, 255])),
            );
        let d = describe(&HeaderSpace::from_cube(family, &cube));
        assert_eq!(d.text, "UDP to 203.0.113.0/24");
        assert!(d.exact);
        let port = cube.with(Field::DestinationPort, IntervalSet::single(53));
        let d = describe(&HeaderSpace::from_cube(family, &port));
        assert_eq!(d.text, "UDP to 203.0.113.0/24, destination port 53");
        let all = describe(&HeaderSpace::universe(family));
        assert_eq!(all.to_string(), "traffic");
    }

    #[test]
    fn a_union_that_is_not_a_product_says_some() {
        let family = AddressFamily::Inet;
        let a = Cube::full(family)
            .with(Field::Protocol, IntervalSet::single(17))
            .with(Field::DestinationAddress, IntervalSet::single(1));
        let b = Cube::full(family)
            .with(Field::Protocol, IntervalSet::single(6))
            .with(Field::DestinationAddress, IntervalSet::single(2));
        let d = describe(&HeaderSpace::from_cubes(family, [&a, &b]));
        assert!(!d.exact);
        assert_eq!(d.to_string(), "some TCP or UDP to 0.0.0.1/32, 0.0.0.2/32");
    }
}
