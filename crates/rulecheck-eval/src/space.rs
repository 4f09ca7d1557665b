//! The header-space algebra: exact set operations over packet headers.
//!
//! A [`HeaderSpace`] is a set of packets of one address family. It is kept as a union of pairwise
//! disjoint [`Cube`]s; a cube is a product of one [`IntervalSet`] per [`Field`]. Intersection,
//! union, difference, subset and emptiness are exact: no packet is ever added or lost by
//! approximation, so a claim built on them ("this term matches nothing") holds for every packet.
//!
//! # Absent fields
//!
//! A field a packet does not carry is one more value of the field's domain, just above the wire
//! values: [`PORT_ABSENT`], [`ICMP_ABSENT`] and [`TCP_FLAGS_ABSENT`]. A condition on ports is a set
//! of wire values, so it never contains the absent value and excludes the packets without ports,
//! as Junos does.
//!
//! # Validity
//!
//! Not every point of the product of the domains is a packet: an ICMP packet has no ports, a
//! non-first fragment has no transport header, every packet has a floor and a ceiling on its
//! length. The set V of real packets (exactly those [`Packet::is_valid`] accepts) is itself a small
//! union of cubes, and every space is kept inside it: [`HeaderSpace::universe`] is V, and
//! [`HeaderSpace::from_cube`] intersects its cube with V. So every point of every cube of every
//! space is a real packet, and any of them can be shown as a witness.
//!
//! # Work bound
//!
//! Union and difference can split cubes. The `_bounded` operations charge a [`Budget`] for every
//! cube they produce and stop with [`BudgetExceeded`] when it runs out, so a caller can report that
//! the analysis was too large instead of running without limit.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Index;
use std::sync::OnceLock;

use crate::packet::{
    AddressFamily, ICMP_HEADER_LEN, MAX_DSCP, MAX_FRAGMENT_FLAGS, MAX_FRAGMENT_OFFSET,
    NON_FIRST_FRAGMENT_MIN_PAYLOAD, Packet, SCTP_HEADER_LEN, TCP_HEADER_LEN, UDP_HEADER_LEN,
    protocol,
};

/// The value of the port fields of a packet without ports.
pub const PORT_ABSENT: u128 = 65_536;
/// The value of the ICMP type and code fields of a packet without an ICMP header.
pub const ICMP_ABSENT: u128 = 256;
/// The value of the TCP flags field of a packet without a TCP header.
pub const TCP_FLAGS_ABSENT: u128 = 256;

/// Number of [`Field`]s: the dimension of a [`Cube`].
pub const FIELDS: usize = 13;

/// A header field a filter can match: one dimension of the header space.
#[repr(usize)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Source address.
    SourceAddress,
    /// Destination address.
    DestinationAddress,
    /// IPv4 Protocol or IPv6 Next Header.
    Protocol,
    /// TCP, UDP or SCTP source port, or [`PORT_ABSENT`].
    SourcePort,
    /// TCP, UDP or SCTP destination port, or [`PORT_ABSENT`].
    DestinationPort,
    /// ICMP or ICMP for IPv6 type, or [`ICMP_ABSENT`].
    IcmpType,
    /// ICMP or ICMP for IPv6 code, or [`ICMP_ABSENT`].
    IcmpCode,
    /// TCP flags byte, or [`TCP_FLAGS_ABSENT`].
    TcpFlags,
    /// Total packet length in bytes, IP header included.
    PacketLength,
    /// DSCP.
    Dscp,
    /// Fragment offset in 8-byte units.
    FragmentOffset,
    /// Fragment flags (3 bits).
    FragmentFlags,
    /// IPv4 TTL or IPv6 hop limit.
    Ttl,
}

impl Field {
    /// Every field, in index order.
    pub const ALL: [Self; FIELDS] = [
        Self::SourceAddress,
        Self::DestinationAddress,
        Self::Protocol,
        Self::SourcePort,
        Self::DestinationPort,
        Self::IcmpType,
        Self::IcmpCode,
        Self::TcpFlags,
        Self::PacketLength,
        Self::Dscp,
        Self::FragmentOffset,
        Self::FragmentFlags,
        Self::Ttl,
    ];

    /// The field's position in a [`Cube`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The Junos name of the match condition on this field.
    pub const fn name(self) -> &'static str {
        match self {
            Self::SourceAddress => "source-address",
            Self::DestinationAddress => "destination-address",
            Self::Protocol => "protocol",
            Self::SourcePort => "source-port",
            Self::DestinationPort => "destination-port",
            Self::IcmpType => "icmp-type",
            Self::IcmpCode => "icmp-code",
            Self::TcpFlags => "tcp-flags",
            Self::PacketLength => "packet-length",
            Self::Dscp => "dscp",
            Self::FragmentOffset => "fragment-offset",
            Self::FragmentFlags => "fragment-flags",
            Self::Ttl => "ttl",
        }
    }

    /// The field's domain `(lo, hi)` in `family`, the absent value included.
    ///
    /// The packet-length domain starts at 0, below the smallest real packet, so that a condition
    /// on short lengths is representable; validity removes what no packet can have.
    pub const fn domain(self, family: AddressFamily) -> (u128, u128) {
        match self {
            Self::SourceAddress | Self::DestinationAddress => (0, family.max_address()),
            Self::Protocol | Self::Ttl => (0, u8::MAX as u128),
            Self::SourcePort | Self::DestinationPort => (0, PORT_ABSENT),
            Self::IcmpType | Self::IcmpCode => (0, ICMP_ABSENT),
            Self::TcpFlags => (0, TCP_FLAGS_ABSENT),
            Self::PacketLength => (0, family.max_packet_length() as u128),
            Self::Dscp => (0, MAX_DSCP as u128),
            Self::FragmentOffset => (0, MAX_FRAGMENT_OFFSET as u128),
            Self::FragmentFlags => (0, MAX_FRAGMENT_FLAGS as u128),
        }
    }

    /// The packet's value of this field, absent fields encoded as described in the module docs.
    pub fn value_of(self, packet: &Packet) -> u128 {
        let optional = |value: Option<u128>, absent: u128| value.unwrap_or(absent);
        match self {
            Self::SourceAddress => packet.source,
            Self::DestinationAddress => packet.destination,
            Self::Protocol => packet.protocol.into(),
            Self::SourcePort => optional(packet.source_port.map(u128::from), PORT_ABSENT),
            Self::DestinationPort => optional(packet.destination_port.map(u128::from), PORT_ABSENT),
            Self::IcmpType => optional(packet.icmp_type.map(u128::from), ICMP_ABSENT),
            Self::IcmpCode => optional(packet.icmp_code.map(u128::from), ICMP_ABSENT),
            Self::TcpFlags => optional(packet.tcp_flags.map(u128::from), TCP_FLAGS_ABSENT),
            Self::PacketLength => packet.packet_length.into(),
            Self::Dscp => packet.dscp.into(),
            Self::FragmentOffset => packet.fragment_offset.into(),
            Self::FragmentFlags => packet.fragment_flags.into(),
            Self::Ttl => packet.ttl.into(),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of `u128` values: sorted, disjoint, non-adjacent inclusive ranges.
///
/// The representation is canonical, so two sets are equal exactly when they hold the same
/// values. Most sets in filters are one range (a prefix, a port, a port range), so a set of one
/// range is stored inline, and operations on such sets do not allocate.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntervalSet {
    repr: Repr,
}

#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    #[default]
    Empty,
    One((u128, u128)),
    /// Two ranges or more.
    Many(Vec<(u128, u128)>),
}

impl IntervalSet {
    /// The empty set.
    pub const fn empty() -> Self {
        Self { repr: Repr::Empty }
    }

    /// The whole domain `lo..=hi`; the same set as [`IntervalSet::range`].
    pub const fn full(lo: u128, hi: u128) -> Self {
        Self::range(lo, hi)
    }

    /// The values `lo..=hi`; empty if `lo > hi`.
    pub const fn range(lo: u128, hi: u128) -> Self {
        if lo <= hi {
            Self {
                repr: Repr::One((lo, hi)),
            }
        } else {
            Self::empty()
        }
    }

    /// The one value `value`.
    pub const fn single(value: u128) -> Self {
        Self::range(value, value)
    }

    /// The union of the inclusive ranges `(lo, hi)`, in any order, overlapping or not; a range
    /// with `lo > hi` is empty.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u128, u128)>) -> Self {
        let mut ranges: Vec<(u128, u128)> =
            ranges.into_iter().filter(|&(lo, hi)| lo <= hi).collect();
        ranges.sort_unstable();
        // Overlapping and adjacent ranges merged in place: the list becomes the set's.
        let mut kept = 0usize;
        for i in 0..ranges.len() {
            let (lo, hi) = ranges[i];
            match kept.checked_sub(1).map(|last| &mut ranges[last]) {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => {
                    ranges[kept] = (lo, hi);
                    kept += 1;
                }
            }
        }
        ranges.truncate(kept);
        match ranges.as_slice() {
            [] => Self::empty(),
            &[one] => Self::range(one.0, one.1),
            _ => Self {
                repr: Repr::Many(ranges),
            },
        }
    }

    /// The ranges, sorted, disjoint and non-adjacent.
    pub fn ranges(&self) -> &[(u128, u128)] {
        match &self.repr {
            Repr::Empty => &[],
            Repr::One(range) => std::slice::from_ref(range),
            Repr::Many(ranges) => ranges,
        }
    }

    /// Iterates over the ranges `(lo, hi)`, lowest first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u128, u128)> + '_ {
        self.ranges().iter().copied()
    }

    /// Number of ranges.
    pub fn range_count(&self) -> usize {
        self.ranges().len()
    }

    /// Whether the set holds no value.
    pub const fn is_empty(&self) -> bool {
        matches!(self.repr, Repr::Empty)
    }

    /// The smallest value.
    pub fn first(&self) -> Option<u128> {
        self.ranges().first().map(|&(lo, _)| lo)
    }

    /// The largest value.
    pub fn last(&self) -> Option<u128> {
        self.ranges().last().map(|&(_, hi)| hi)
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: u128) -> bool {
        let ranges = self.ranges();
        let i = ranges.partition_point(|&(_, hi)| hi < value);
        ranges.get(i).is_some_and(|&(lo, _)| lo <= value)
    }

    /// Appends `lo..=hi`, which must not start below the last range's start; merges it with the
    /// last range when they overlap or touch.
    fn push(&mut self, lo: u128, hi: u128) {
        debug_assert!(lo <= hi);
        match &mut self.repr {
            Repr::Empty => self.repr = Repr::One((lo, hi)),
            Repr::One(last) => {
                debug_assert!(last.0 <= lo);
                if lo <= last.1.saturating_add(1) {
                    last.1 = last.1.max(hi);
                } else {
                    let first = *last;
                    self.repr = Repr::Many(vec![first, (lo, hi)]);
                }
            }
            Repr::Many(ranges) => match ranges.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => {
                    debug_assert!(last.0 <= lo);
                    last.1 = last.1.max(hi);
                }
                _ => ranges.push((lo, hi)),
            },
        }
    }

    /// The smallest and the largest value of the set from `lo` to `hi`, or `None` if it has none there.
    pub fn span_within(&self, lo: u128, hi: u128) -> Option<(u128, u128)> {
        let ranges = self.ranges();
        // The first range that ends at `lo` or above, and the last that starts at `hi` or below.
        let first = ranges.partition_point(|&(_, end)| end < lo);
        let last = ranges
            .partition_point(|&(start, _)| start <= hi)
            .checked_sub(1)?;
        let span = (ranges.get(first)?.0.max(lo), ranges[last].1.min(hi));
        (span.0 <= span.1).then_some(span)
    }

    /// The values in either set.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        if self.is_empty() {
            return other.clone();
        }
        if other.is_empty() {
            return self.clone();
        }
        let (a, b) = (self.ranges(), other.ranges());
        let mut out = Self::empty();
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let (lo, hi) = if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
                i += 1;
                a[i - 1]
            } else {
                j += 1;
                b[j - 1]
            };
            out.push(lo, hi);
        }
        out
    }

    /// The values in both sets.
    #[must_use]
    #[inline]
    pub fn intersect(&self, other: &Self) -> Self {
        match (&self.repr, &other.repr) {
            (Repr::One(a), Repr::One(b)) => Self::range(a.0.max(b.0), a.1.min(b.1)),
            // One range around all of the other set: that set (a field left open by a rule, narrowed
            // by the valid packets' protocols, say).
            (Repr::Many(ranges), Repr::One(range)) if spans(*range, ranges) => self.clone(),
            (Repr::One(range), Repr::Many(ranges)) if spans(*range, ranges) => other.clone(),
            _ => self.intersect_ranges(other),
        }
    }

    /// Narrows the set to the values also in `other`.
    #[inline]
    fn intersect_with(&mut self, other: &Self) {
        match (&mut self.repr, &other.repr) {
            (Repr::One(a), Repr::One(b)) => {
                if a.0.max(b.0) <= a.1.min(b.1) {
                    *a = (a.0.max(b.0), a.1.min(b.1));
                } else {
                    self.repr = Repr::Empty;
                }
            }
            // One range around all of the other set: that set (a field left open by a rule, narrowed
            // by the valid packets' protocols, say).
            (Repr::Many(ranges), Repr::One(range)) if spans(*range, ranges) => {}
            (Repr::One(range), Repr::Many(ranges)) if spans(*range, ranges) => {
                self.repr = Repr::Many(ranges.clone());
            }
            _ => *self = self.intersect_ranges(other),
        }
    }

    /// The smallest value in both sets, or `None` if they share none.
    #[inline]
    fn first_common(&self, other: &Self) -> Option<u128> {
        if let (Repr::One(a), Repr::One(b)) = (&self.repr, &other.repr) {
            let lo = a.0.max(b.0);
            return (lo <= a.1.min(b.1)).then_some(lo);
        }
        let (a, b) = (self.ranges(), other.ranges());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            if lo <= a[i].1.min(b[j].1) {
                return Some(lo);
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        None
    }

    fn intersect_ranges(&self, other: &Self) -> Self {
        let (a, b) = (self.ranges(), other.ranges());
        // Each step moves past a range of one set.
        let mut out = Collect::new(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo <= hi {
                out.push(lo, hi);
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        out.set
    }

    /// The values in `self` and not in `other`.
    #[must_use]
    pub fn difference(&self, other: &Self) -> Self {
        if let (Repr::One((lo, hi)), Repr::One((b_lo, b_hi))) = (&self.repr, &other.repr) {
            let (lo, hi, b_lo, b_hi) = (*lo, *hi, *b_lo, *b_hi);
            if b_hi < lo || hi < b_lo {
                return self.clone();
            }
            // `b_lo > lo` and `b_hi < hi` keep `b_lo - 1` and `b_hi + 1` in range.
            return match (b_lo > lo, b_hi < hi) {
                (false, false) => Self::empty(),
                (true, false) => Self::range(lo, b_lo - 1),
                (false, true) => Self::range(b_hi + 1, hi),
                (true, true) => Self {
                    repr: Repr::Many(vec![(lo, b_lo - 1), (b_hi + 1, hi)]),
                },
            };
        }
        let b = other.ranges();
        // Each range of `other` splits at most one range of `self` in two.
        let mut out = Collect::new(self.range_count() + b.len());
        let mut j = 0;
        for &(lo, hi) in self.ranges() {
            while j < b.len() && b[j].1 < lo {
                j += 1;
            }
            // `start` is the first value of lo..=hi not yet decided.
            let mut start = Some(lo);
            let mut k = j;
            while let Some(s) = start {
                match b.get(k) {
                    Some(&(b_lo, b_hi)) if b_lo <= hi => {
                        if b_lo > s {
                            out.push(s, b_lo - 1);
                        }
                        // `b_hi < hi` here means `b_hi + 1` cannot overflow.
                        start = (b_hi < hi).then(|| b_hi + 1);
                        if start.is_some() {
                            k += 1;
                        }
                    }
                    _ => {
                        out.push(s, hi);
                        start = None;
                    }
                }
            }
            // The range at `k` may reach into the next range of `self`.
            j = k;
        }
        out.set
    }

    /// The values of `lo..=hi` that are not in the set.
    #[must_use]
    pub fn complement_within(&self, lo: u128, hi: u128) -> Self {
        Self::range(lo, hi).difference(self)
    }

    /// Whether every value of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        if let (Repr::One(a), Repr::One(b)) = (&self.repr, &other.repr) {
            return b.0 <= a.0 && a.1 <= b.1;
        }
        let b = other.ranges();
        self.iter().all(|(lo, hi)| {
            // Ranges of `other` do not touch, so a range inside `other` is inside one of them.
            let i = b.partition_point(|&(_, b_hi)| b_hi < lo);
            b.get(i)
                .is_some_and(|&(b_lo, b_hi)| b_lo <= lo && hi <= b_hi)
        })
    }

    /// Whether the sets share a value.
    #[inline]
    pub fn intersects(&self, other: &Self) -> bool {
        if let (Repr::One(a), Repr::One(b)) = (&self.repr, &other.repr) {
            return a.0 <= b.1 && b.0 <= a.1;
        }
        let (a, b) = (self.ranges(), other.ranges());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i].0.max(b[j].0) <= a[i].1.min(b[j].1) {
                return true;
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }
}

/// The set of ranges pushed in order, sorted, disjoint and not adjacent (as the pieces of an
/// intersection or a difference of two sets are): one allocation of the size the result may reach
/// (up to [`Collect::MOST_RESERVED`] ranges) once it has two, instead of a growing one.
struct Collect {
    set: IntervalSet,
    most: usize,
}

impl Collect {
    /// Most ranges reserved at once: a bound far above the result would stay allocated with it.
    const MOST_RESERVED: usize = 8;

    fn new(most: usize) -> Self {
        Self {
            set: IntervalSet::empty(),
            most,
        }
    }

    fn push(&mut self, lo: u128, hi: u128) {
        match &mut self.set.repr {
            Repr::Empty => self.set.repr = Repr::One((lo, hi)),
            Repr::One(first) => {
                debug_assert!(first.1.saturating_add(1) < lo);
                let mut ranges = Vec::with_capacity(self.most.clamp(2, Self::MOST_RESERVED));
                ranges.extend([*first, (lo, hi)]);
                self.set.repr = Repr::Many(ranges);
            }
            Repr::Many(ranges) => {
                debug_assert!(
                    ranges
                        .last()
                        .is_some_and(|last| last.1.saturating_add(1) < lo)
                );
                ranges.push((lo, hi));
            }
        }
    }
}

/// Whether `range` holds every one of `ranges` (sorted, at least one).
fn spans((lo, hi): (u128, u128), ranges: &[(u128, u128)]) -> bool {
    lo <= ranges[0].0 && ranges[ranges.len() - 1].1 <= hi
}

impl fmt::Debug for IntervalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(lo, hi)| lo..=hi))
            .finish()
    }
}

/// A product of one [`IntervalSet`] per [`Field`]: the packets whose every field value lies in
/// that field's set. A cube with an empty field is empty.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cube {
    fields: [IntervalSet; FIELDS],
}

impl Cube {
    /// Every field's whole domain in `family`. As a space (through [`HeaderSpace::from_cube`])
    /// this is every valid packet of the family.
    pub fn full(family: AddressFamily) -> Self {
        Self {
            fields: Field::ALL.map(|field| {
                let (lo, hi) = field.domain(family);
                IntervalSet::full(lo, hi)
            }),
        }
    }

    /// This cube with `field` replaced by `set`.
    #[must_use]
    pub fn with(mut self, field: Field, set: IntervalSet) -> Self {
        self.fields[field.index()] = set;
        self
    }

    /// This cube with `field` narrowed to the values also in `set`.
    #[must_use]
    pub fn restrict(mut self, field: Field, set: &IntervalSet) -> Self {
        self.narrow(field, set);
        self
    }

    /// Narrows `field` to the values also in `set`, in place (a cube is hundreds of bytes to move).
    pub fn narrow(&mut self, field: Field, set: &IntervalSet) {
        self.fields[field.index()].intersect_with(set);
    }

    /// Replaces the set of `field`.
    pub fn set(&mut self, field: Field, set: IntervalSet) {
        self.fields[field.index()] = set;
    }

    /// The set of `field`.
    pub fn get(&self, field: Field) -> &IntervalSet {
        &self.fields[field.index()]
    }

    /// Whether the cube holds no point: some field is empty.
    pub fn is_empty(&self) -> bool {
        self.fields.iter().any(IntervalSet::is_empty)
    }

    /// The points in both cubes (a cube, possibly empty).
    #[must_use]
    pub fn intersect(&self, other: &Self) -> Self {
        Self {
            fields: std::array::from_fn(|i| self.fields[i].intersect(&other.fields[i])),
        }
    }

    /// The intersection, or `None` if the cubes do not meet.
    fn intersection(&self, other: &Self) -> Option<Self> {
        self.intersects(other).then(|| self.intersect(other))
    }

    /// Whether the cubes share a point.
    #[inline]
    pub fn intersects(&self, other: &Self) -> bool {
        MEET_ORDER
            .iter()
            .all(|&i| self.fields[i].intersects(&other.fields[i]))
    }

    /// The smallest point of the intersection by [`HeaderSpace::witness`]'s order, or `None` if the
    /// cubes do not meet: [`Cube::witness_point`] of [`Cube::intersection`], without building it.
    fn first_common_point(&self, other: &Self) -> Option<[u128; FIELDS]> {
        let mut point = [0; FIELDS];
        for &i in &MEET_ORDER {
            let (mine, theirs) = (&self.fields[i], &other.fields[i]);
            point[i] = if i == Field::Ttl.index()
                && mine.contains(PREFERRED_TTL)
                && theirs.contains(PREFERRED_TTL)
            {
                PREFERRED_TTL
            } else {
                mine.first_common(theirs)?
            };
        }
        Some(point)
    }

    /// Whether every point of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.is_empty() || self.is_within(other)
    }

    /// [`Cube::is_subset`] for a cube known to be non-empty (every cube of a space, and every piece and
    /// half made of one), without first testing every field for emptiness. (The fields in their own
    /// order, addresses first, tell most cubes apart sooner than [`MEET_ORDER`] does: 1.53 G against
    /// 1.69 G instructions on a filter of 5,000 terms.)
    fn is_within(&self, other: &Self) -> bool {
        debug_assert!(!self.is_empty());
        self.fields
            .iter()
            .zip(&other.fields)
            .all(|(mine, theirs)| mine.is_subset(theirs))
    }

    /// Whether the packet's field values all lie in this cube.
    pub fn contains(&self, packet: &Packet) -> bool {
        Field::ALL
            .iter()
            .zip(&self.fields)
            .all(|(field, set)| set.contains(field.value_of(packet)))
    }

    /// The points of `self` not in `other`, as at most [`FIELDS`] disjoint non-empty cubes.
    pub fn difference(&self, other: &Self) -> Vec<Self> {
        let mut out = Vec::new();
        if !self.is_empty() {
            self.clone()
                .difference_into(other, &mut out, &mut Budget::unlimited())
                .expect("an unlimited budget is never exceeded");
        }
        out
    }

    /// Pushes `self \ other` onto `out` as disjoint non-empty cubes, charging one unit per cube.
    /// `self` must be non-empty.
    ///
    /// Piece `i` agrees with `other` on the fields before `i`, lies outside it on field `i`, and
    /// is unrestricted after: the pieces are disjoint and together cover exactly `self \ other`.
    fn difference_into(
        self,
        other: &Self,
        out: &mut Vec<Self>,
        budget: &mut Budget,
    ) -> Result<(), BudgetExceeded> {
        if !self.intersects(other) {
            budget.charge(1)?;
            out.push(self);
            return Ok(());
        }
        let mut inside = self;
        for i in 0..FIELDS {
            let mut outside = inside.fields[i].difference(&other.fields[i]);
            if !outside.is_empty() {
                budget.charge(1)?;
                out.push(Self {
                    fields: std::array::from_fn(|j| {
                        if j == i {
                            std::mem::take(&mut outside)
                        } else {
                            inside.fields[j].clone()
                        }
                    }),
                });
                inside.fields[i].intersect_with(&other.fields[i]);
            }
        }
        Ok(())
    }

    /// An empty cube that costs nothing to make: what is left where a cube was taken out.
    const fn taken() -> Self {
        Self {
            fields: [const { IntervalSet::empty() }; FIELDS],
        }
    }

    /// The smallest point by [`HeaderSpace::witness`]'s order. `self` must be non-empty.
    fn witness_point(&self) -> [u128; FIELDS] {
        let mut point = [0; FIELDS];
        for (value, field) in point.iter_mut().zip(Field::ALL) {
            let set = &self.fields[field.index()];
            *value = if field == Field::Ttl && set.contains(PREFERRED_TTL) {
                PREFERRED_TTL
            } else {
                set.first().unwrap_or(0)
            };
        }
        point
    }
}

impl Index<Field> for Cube {
    type Output = IntervalSet;

    fn index(&self, field: Field) -> &IntervalSet {
        self.get(field)
    }
}

impl fmt::Debug for Cube {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                Field::ALL
                    .iter()
                    .map(|field| (field.name(), self.get(*field))),
            )
            .finish()
    }
}

/// How many cubes an analysis may still produce.
///
/// Every `_bounded` operation charges one unit per cube it creates, intermediate pieces
/// included; a budget of `u64::MAX` ([`Budget::unlimited`]) is never charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    remaining: u64,
}

impl Budget {
    /// A budget of `cubes` cubes.
    pub const fn new(cubes: u64) -> Self {
        Self { remaining: cubes }
    }

    /// A budget that never runs out.
    pub const fn unlimited() -> Self {
        Self::new(u64::MAX)
    }

    /// Cubes still allowed.
    pub const fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Takes `cubes` units, or fails (taking nothing) if fewer remain.
    pub fn charge(&mut self, cubes: u64) -> Result<(), BudgetExceeded> {
        if self.remaining == u64::MAX {
            return Ok(());
        }
        self.remaining = self.remaining.checked_sub(cubes).ok_or(BudgetExceeded)?;
        Ok(())
    }
}

/// A [`Budget`] ran out: the analysis would have split the header space into more cubes than
/// allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the header-space analysis needs more cubes than its budget allows")]
pub struct BudgetExceeded;

/// The order in which two cubes are tested for a common point: the fields that tell apart the cubes
/// of the valid packets (protocol, fragment offset) and the ones rules name most come first, so cubes
/// that do not meet are told apart after a comparison or two.
const MEET_ORDER: [usize; FIELDS] = [
    Field::Protocol.index(),
    Field::FragmentOffset.index(),
    Field::DestinationPort.index(),
    Field::DestinationAddress.index(),
    Field::SourceAddress.index(),
    Field::SourcePort.index(),
    Field::TcpFlags.index(),
    Field::IcmpType.index(),
    Field::IcmpCode.index(),
    Field::PacketLength.index(),
    Field::Dscp.index(),
    Field::FragmentFlags.index(),
    Field::Ttl.index(),
];

/// TTL of a witness when the space allows it: a common initial TTL, so the packet looks ordinary.
const PREFERRED_TTL: u128 = 64;

/// The order in which [`HeaderSpace::witness`] compares fields: first-fragment packets, then low
/// protocol numbers, then addresses, ports and the rest.
const WITNESS_ORDER: [Field; FIELDS] = [
    Field::FragmentOffset,
    Field::FragmentFlags,
    Field::Protocol,
    Field::DestinationAddress,
    Field::SourceAddress,
    Field::DestinationPort,
    Field::SourcePort,
    Field::IcmpType,
    Field::IcmpCode,
    Field::TcpFlags,
    Field::PacketLength,
    Field::Dscp,
    Field::Ttl,
];

/// Rank of a value in the witness order of its field: lowest first, except TTL 64 before all.
fn witness_rank(field: Field, value: u128) -> u128 {
    match field {
        Field::Ttl if value == PREFERRED_TTL => 0,
        Field::Ttl => value + 1,
        _ => value,
    }
}

fn witness_cmp(a: &[u128; FIELDS], b: &[u128; FIELDS]) -> Ordering {
    WITNESS_ORDER
        .iter()
        .map(|&f| witness_rank(f, a[f.index()]).cmp(&witness_rank(f, b[f.index()])))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The packet at `point`, a point of some cube inside V.
fn packet_at(family: AddressFamily, point: &[u128; FIELDS]) -> Packet {
    let value = |field: Field| point[field.index()];
    let optional = |field: Field, absent: u128| Some(value(field)).filter(|&v| v != absent);
    Packet {
        family,
        source: value(Field::SourceAddress),
        destination: value(Field::DestinationAddress),
        protocol: value(Field::Protocol) as u8,
        source_port: optional(Field::SourcePort, PORT_ABSENT).map(|v| v as u16),
        destination_port: optional(Field::DestinationPort, PORT_ABSENT).map(|v| v as u16),
        icmp_type: optional(Field::IcmpType, ICMP_ABSENT).map(|v| v as u8),
        icmp_code: optional(Field::IcmpCode, ICMP_ABSENT).map(|v| v as u8),
        tcp_flags: optional(Field::TcpFlags, TCP_FLAGS_ABSENT).map(|v| v as u8),
        packet_length: value(Field::PacketLength) as u32,
        dscp: value(Field::Dscp) as u8,
        fragment_offset: value(Field::FragmentOffset) as u16,
        fragment_flags: value(Field::FragmentFlags) as u8,
        ttl: value(Field::Ttl) as u8,
    }
}

/// The largest of the smallest lengths of the kinds of valid packets of `family` (a TCP packet without
/// options). Only a packet-length condition narrows the lengths of a kind, so what any other conditions
/// match has a packet at most this long, unless it is empty.
pub fn largest_minimum_length(family: AddressFamily) -> u128 {
    valid_cubes(family)
        .iter()
        .filter_map(|cube| cube.get(Field::PacketLength).first())
        .max()
        .unwrap_or(0)
}

/// V, the valid packets of `family`, as pairwise disjoint cubes (they differ in fragment offset
/// or protocol). Built once per family.
fn valid_cubes(family: AddressFamily) -> &'static [Cube] {
    static INET: OnceLock<Vec<Cube>> = OnceLock::new();
    static INET6: OnceLock<Vec<Cube>> = OnceLock::new();
    let cell = match family {
        AddressFamily::Inet => &INET,
        AddressFamily::Inet6 => &INET6,
    };
    cell.get_or_init(|| build_valid_cubes(family))
}

/// The rules of [`Packet::validate`] as cubes; the header lengths are those of `crate::packet`,
/// where each cites its RFC.
fn build_valid_cubes(family: AddressFamily) -> Vec<Cube> {
    let ip_header = u128::from(family.ip_header_len());
    let max_length = u128::from(family.max_packet_length());
    let icmp = u128::from(family.icmp_protocol());
    let (tcp, udp, sctp) = (
        u128::from(protocol::TCP),
        u128::from(protocol::UDP),
        u128::from(protocol::SCTP),
    );
    let wire = |field: Field| {
        let (lo, hi) = field.domain(family);
        // The absent value is the top of the domain; the wire values are below it.
        IntervalSet::range(lo, hi - 1)
    };
    let absent = |field: Field| IntervalSet::single(field.domain(family).1);
    let length_from = |transport_header: u32| {
        IntervalSet::range(ip_header + u128::from(transport_header), max_length)
    };

    let first_fragment = Cube::full(family).with(Field::FragmentOffset, IntervalSet::single(0));
    let no_ports = |cube: Cube| {
        cube.with(Field::SourcePort, absent(Field::SourcePort))
            .with(Field::DestinationPort, absent(Field::DestinationPort))
    };
    let no_icmp = |cube: Cube| {
        cube.with(Field::IcmpType, absent(Field::IcmpType))
            .with(Field::IcmpCode, absent(Field::IcmpCode))
    };
    let with_ports = |cube: Cube| {
        cube.with(Field::SourcePort, wire(Field::SourcePort))
            .with(Field::DestinationPort, wire(Field::DestinationPort))
    };
    let port_protocol = |number: u128, transport_header: u32, flags: IntervalSet| {
        no_icmp(with_ports(first_fragment.clone()))
            .with(Field::Protocol, IntervalSet::single(number))
            .with(Field::TcpFlags, flags)
            .with(Field::PacketLength, length_from(transport_header))
    };

    let tcp_cube = port_protocol(tcp, TCP_HEADER_LEN, wire(Field::TcpFlags));
    let udp_cube = port_protocol(udp, UDP_HEADER_LEN, absent(Field::TcpFlags));
    let sctp_cube = port_protocol(sctp, SCTP_HEADER_LEN, absent(Field::TcpFlags));
    let icmp_cube = no_ports(first_fragment.clone())
        .with(Field::Protocol, IntervalSet::single(icmp))
        .with(Field::IcmpType, wire(Field::IcmpType))
        .with(Field::IcmpCode, wire(Field::IcmpCode))
        .with(Field::TcpFlags, absent(Field::TcpFlags))
        .with(Field::PacketLength, length_from(ICMP_HEADER_LEN));
    let other_protocols = IntervalSet::from_ranges([tcp, udp, sctp, icmp].map(|p| (p, p)))
        .complement_within(0, u128::from(u8::MAX));
    let other_cube = no_icmp(no_ports(first_fragment))
        .with(Field::Protocol, other_protocols)
        .with(Field::TcpFlags, absent(Field::TcpFlags))
        .with(Field::PacketLength, length_from(0));
    let later_fragment_cube = no_icmp(no_ports(Cube::full(family)))
        .with(
            Field::FragmentOffset,
            IntervalSet::range(1, u128::from(MAX_FRAGMENT_OFFSET)),
        )
        .with(Field::TcpFlags, absent(Field::TcpFlags))
        .with(
            Field::PacketLength,
            length_from(NON_FIRST_FRAGMENT_MIN_PAYLOAD),
        );

    vec![
        tcp_cube,
        udp_cube,
        sctp_cube,
        icmp_cube,
        other_cube,
        later_fragment_cube,
    ]
}

/// Most passes [`coalesce`] makes over the fields.
const COALESCE_SWEEPS: usize = 4;

/// A hash of one field's set, seeded with the field's index so that the sum of a cube's field
/// hashes tells its fields apart. Collisions cost only time: merges are confirmed by comparing.
fn field_hash(index: usize, set: &IntervalSet) -> u64 {
    // The multiplier is 2^64 divided by the golden ratio (Fibonacci hashing, Knuth TAOCP 6.4).
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, v: u64| (h ^ v).wrapping_mul(K).rotate_left(27);
    set.iter().fold(mix(0, index as u64 + 1), |h, (lo, hi)| {
        let h = mix(mix(h, lo as u64), (lo >> 64) as u64);
        mix(mix(h, hi as u64), (hi >> 64) as u64)
    })
}

fn cube_hashes(cube: &Cube) -> [u64; FIELDS] {
    std::array::from_fn(|i| field_hash(i, &cube.fields[i]))
}

/// Merges cubes that differ in one field only, which keeps a space from fragmenting into more
/// cubes than needed. The cubes stay disjoint and cover the same points, and keep their order.
///
/// For each field, the cubes are grouped by a hash of their other fields, so a pass costs a sort
/// of `u64` keys rather than of cubes.
fn coalesce(cubes: &mut Vec<Cube>) {
    if cubes.len() < 2 {
        return;
    }
    if cubes.len() <= FEW_CUBES {
        coalesce_few(cubes);
    } else {
        coalesce_hashed(cubes);
    }
}

/// [`coalesce`] for many cubes: grouped by hash.
fn coalesce_hashed(cubes: &mut Vec<Cube>) {
    let mut hashes: Vec<[u64; FIELDS]> = cubes.iter().map(cube_hashes).collect();
    let equal_except = |a: &Cube, b: &Cube, skip: usize| {
        (0..FIELDS).all(|i| i == skip || a.fields[i] == b.fields[i])
    };
    let mut keys: Vec<(u64, usize)> = Vec::with_capacity(cubes.len());
    for _ in 0..COALESCE_SWEEPS {
        let before = cubes.len();
        for skip in 0..FIELDS {
            keys.clear();
            keys.extend(hashes.iter().enumerate().map(|(i, h)| {
                let all = h.iter().fold(0u64, |sum, &x| sum.wrapping_add(x));
                (all.wrapping_sub(h[skip]), i)
            }));
            keys.sort_unstable();
            let mut alive = vec![true; cubes.len()];
            let mut merged_any = false;
            for run in keys.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
                for (k, &(_, i)) in run.iter().enumerate() {
                    let target = run[..k]
                        .iter()
                        .map(|&(_, j)| j)
                        .find(|&j| alive[j] && equal_except(&cubes[j], &cubes[i], skip));
                    if let Some(j) = target {
                        let union = cubes[j].fields[skip].union(&cubes[i].fields[skip]);
                        cubes[j].fields[skip] = union;
                        hashes[j][skip] = field_hash(skip, &cubes[j].fields[skip]);
                        alive[i] = false;
                        merged_any = true;
                    }
                }
            }
            if merged_any {
                let mut index = 0;
                cubes.retain(|_| {
                    index += 1;
                    alive[index - 1]
                });
                let mut index = 0;
                hashes.retain(|_| {
                    index += 1;
                    alive[index - 1]
                });
                if cubes.len() < 2 {
                    return;
                }
            }
        }
        if cubes.len() == before {
            return;
        }
    }
}

/// Up to this many cubes, [`coalesce`] compares every pair instead of grouping them by hash: a term's
/// space is a few cubes, and for those a sort and a hash per field cost more than the comparisons.
const FEW_CUBES: usize = 12;

/// [`coalesce`] by comparing pairs, with the same result: in each pass and field, each cube merges into
/// the first earlier cube still there that differs from it in that field only.
fn coalesce_few(cubes: &mut Vec<Cube>) {
    let equal_except = |a: &Cube, b: &Cube, skip: usize| {
        MEET_ORDER
            .iter()
            .all(|&i| i == skip || a.fields[i] == b.fields[i])
    };
    // Only cubes that differ in at most one field merge, and nothing changes until two do: most
    // spaces (a term's kinds of valid packets) have no such pair, told in a pass over the pairs.
    let differ_in_two = |a: &Cube, b: &Cube| {
        let mut differing = MEET_ORDER.iter().filter(|&&i| a.fields[i] != b.fields[i]);
        differing.next().is_some() && differing.next().is_some()
    };
    if (1..cubes.len()).all(|i| (0..i).all(|j| differ_in_two(&cubes[j], &cubes[i]))) {
        return;
    }
    for _ in 0..COALESCE_SWEEPS {
        let before = cubes.len();
        for skip in 0..FIELDS {
            let mut i = 1;
            while i < cubes.len() {
                if let Some(j) = (0..i).find(|&j| equal_except(&cubes[j], &cubes[i], skip)) {
                    let merged = cubes.remove(i);
                    let field = &mut cubes[j].fields[skip];
                    *field = field.union(&merged.fields[skip]);
                } else {
                    i += 1;
                }
            }
            if cubes.len() < 2 {
                return;
            }
        }
        if cubes.len() == before {
            return;
        }
    }
}

/// A set of packets of one address family: a union of pairwise disjoint, non-empty cubes, each
/// inside the valid packets of the family.
#[derive(Clone, Debug)]
pub struct HeaderSpace {
    family: AddressFamily,
    cubes: Vec<Cube>,
}

impl HeaderSpace {
    /// No packet.
    #[must_use]
    pub const fn empty(family: AddressFamily) -> Self {
        Self {
            family,
            cubes: Vec::new(),
        }
    }

    /// Every valid packet of `family` (the set V of the module docs).
    #[must_use]
    pub fn universe(family: AddressFamily) -> Self {
        Self {
            family,
            cubes: valid_cubes(family).to_vec(),
        }
    }

    /// The valid packets of `family` in `cube`.
    #[must_use]
    pub fn from_cube(family: AddressFamily, cube: &Cube) -> Self {
        let cubes = valid_cubes(family)
            .iter()
            .filter_map(|valid| valid.intersection(cube))
            .collect();
        Self { family, cubes }
    }

    /// [`HeaderSpace::from_cube`] of a cube not needed after: the last kind of valid packet it meets
    /// narrows it in place rather than a copy.
    fn from_owned_cube(family: AddressFamily, mut cube: Cube) -> Self {
        let valid = valid_cubes(family);
        let Some(last) = valid.iter().rposition(|v| v.intersects(&cube)) else {
            return Self::empty(family);
        };
        let mut cubes: Vec<Cube> = valid[..last]
            .iter()
            .filter_map(|v| v.intersection(&cube))
            .collect();
        for (mine, theirs) in cube.fields.iter_mut().zip(&valid[last].fields) {
            mine.intersect_with(theirs);
        }
        cubes.push(cube);
        Self { family, cubes }
    }

    /// [`HeaderSpace::from_cubes`] of cubes not needed after.
    #[must_use]
    pub fn from_owned_cubes(family: AddressFamily, cubes: Vec<Cube>) -> Self {
        Self::union_of(
            family,
            cubes,
            |cube| Self::from_owned_cube(family, cube),
            &mut Budget::unlimited(),
        )
        .expect("an unlimited budget is never exceeded")
    }

    /// The union of `space_of` each of `cubes`, within a budget.
    fn union_of<C>(
        family: AddressFamily,
        cubes: impl IntoIterator<Item = C>,
        space_of: impl Fn(C) -> Self,
        budget: &mut Budget,
    ) -> Result<Self, BudgetExceeded> {
        // The first alone needs no union (most terms compile to one cube).
        let mut cubes = cubes.into_iter();
        let Some(first) = cubes.next() else {
            return Ok(Self::empty(family));
        };
        let mut space = space_of(first);
        coalesce(&mut space.cubes);
        for cube in cubes {
            space = space.union_bounded(&space_of(cube), budget)?;
        }
        Ok(space)
    }

    /// The valid packets of `family` in any of `cubes`, which may overlap.
    #[must_use]
    pub fn from_cubes<'a>(
        family: AddressFamily,
        cubes: impl IntoIterator<Item = &'a Cube>,
    ) -> Self {
        Self::from_cubes_bounded(family, cubes, &mut Budget::unlimited())
            .expect("an unlimited budget is never exceeded")
    }

    /// [`HeaderSpace::from_cubes`] within a budget.
    pub fn from_cubes_bounded<'a>(
        family: AddressFamily,
        cubes: impl IntoIterator<Item = &'a Cube>,
        budget: &mut Budget,
    ) -> Result<Self, BudgetExceeded> {
        Self::union_of(family, cubes, |cube| Self::from_cube(family, cube), budget)
    }

    /// The space of `cubes`, which must be pairwise disjoint valid cubes of `family` (as the cubes of
    /// spaces known to be disjoint are).
    pub(crate) fn from_disjoint_cubes(family: AddressFamily, mut cubes: Vec<Cube>) -> Self {
        coalesce(&mut cubes);
        Self { family, cubes }
    }

    /// A few packets of the space to try first when looking for one that something else lacks: per cube
    /// (of the first four), its smallest point, its largest, and one near its middle; then per cube the
    /// smallest point with its source, or its destination, moved to the start of each of the first
    /// few ranges after the first. (A term whose addresses are a few of its own and a prefix list that
    /// earlier terms cover decides only its own, which the corners can all miss.)
    pub fn probes(&self) -> impl Iterator<Item = Packet> + '_ {
        let ranges = self.cubes.iter().take(PROBE_CUBES).flat_map(move |cube| {
            let low = cube.witness_point();
            [Field::SourceAddress, Field::DestinationAddress]
                .into_iter()
                .flat_map(move |field| {
                    let starts = cube.fields[field.index()].ranges().iter().skip(1);
                    starts.take(PROBE_RANGES).map(move |&(start, _)| {
                        let mut point = low;
                        point[field.index()] = start;
                        packet_at(self.family, &point)
                    })
                })
        });
        self.corners().chain(ranges)
    }

    /// The first part of [`HeaderSpace::probes`]: corners and middles.
    fn corners(&self) -> impl Iterator<Item = Packet> + '_ {
        self.cubes.iter().take(PROBE_CUBES).flat_map(move |cube| {
            let low = cube.witness_point();
            let high: [u128; FIELDS] = std::array::from_fn(|i| cube.fields[i].last().unwrap_or(0));
            let middle: [u128; FIELDS] = std::array::from_fn(|i| {
                let ranges = cube.fields[i].ranges();
                ranges
                    .get(ranges.len() / 2)
                    .map_or(0, |&(lo, hi)| lo + (hi - lo) / 2)
            });
            [low, middle, high]
                .into_iter()
                .map(move |point| packet_at(self.family, &point))
        })
    }

    /// The address family of every packet in the space.
    pub const fn family(&self) -> AddressFamily {
        self.family
    }

    /// The disjoint cubes whose union is the space.
    pub fn cubes(&self) -> &[Cube] {
        &self.cubes
    }

    /// Number of cubes.
    pub fn cube_count(&self) -> usize {
        self.cubes.len()
    }

    /// Whether the space holds no packet.
    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    /// Whether `packet` is in the space (which implies that it is valid).
    pub fn contains(&self, packet: &Packet) -> bool {
        packet.family == self.family && self.cubes.iter().any(|cube| cube.contains(packet))
    }

    /// The packets in both spaces. Spaces of different families share nothing.
    #[must_use]
    pub fn intersect(&self, other: &Self) -> Self {
        self.intersect_bounded(other, &mut Budget::unlimited())
            .expect("an unlimited budget is never exceeded")
    }

    /// [`HeaderSpace::intersect`] within a budget.
    pub fn intersect_bounded(
        &self,
        other: &Self,
        budget: &mut Budget,
    ) -> Result<Self, BudgetExceeded> {
        if self.family != other.family {
            return Ok(Self::empty(self.family));
        }
        let mut cubes = Vec::new();
        for a in &self.cubes {
            for b in &other.cubes {
                if let Some(both) = a.intersection(b) {
                    budget.charge(1)?;
                    cubes.push(both);
                }
            }
        }
        coalesce(&mut cubes);
        Ok(Self {
            family: self.family,
            cubes,
        })
    }

    /// The packets in either space.
    ///
    /// # Panics
    ///
    /// If the spaces are of different families: one space holds packets of one family only.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        self.union_bounded(other, &mut Budget::unlimited())
            .expect("an unlimited budget is never exceeded")
    }

    /// [`HeaderSpace::union`] within a budget.
    ///
    /// # Panics
    ///
    /// If the spaces are of different families.
    pub fn union_bounded(&self, other: &Self, budget: &mut Budget) -> Result<Self, BudgetExceeded> {
        assert_eq!(
            self.family, other.family,
            "union of header spaces of different families"
        );
        // Keep the larger side whole and add the part of the smaller one it lacks.
        let (keep, add) = if self.cubes.len() >= other.cubes.len() {
            (self, other)
        } else {
            (other, self)
        };
        let mut cubes = keep.cubes.clone();
        let mut part = Vec::new();
        for cube in &add.cubes {
            part.clear();
            part.extend(keep.cubes.iter().filter(|other| cube.intersects(other)));
            subtract_many(cube.clone(), &part, &mut cubes, budget, 0, false)?;
        }
        coalesce(&mut cubes);
        Ok(Self {
            family: self.family,
            cubes,
        })
    }

    /// The packets in `self` and not in `other`.
    #[must_use]
    pub fn difference(&self, other: &Self) -> Self {
        self.difference_bounded(other, &mut Budget::unlimited())
            .expect("an unlimited budget is never exceeded")
    }

    /// [`HeaderSpace::difference`] within a budget.
    pub fn difference_bounded(
        &self,
        other: &Self,
        budget: &mut Budget,
    ) -> Result<Self, BudgetExceeded> {
        self.difference_all_bounded([other], budget)
    }

    /// The packets in `self` and in none of `others`, within a budget.
    ///
    /// The same set as subtracting the others one after the other, computed in one pass that scales
    /// with many others: while many of them meet a cube, the cube is cut in two where that best
    /// separates them (a k-d split). Spaces of another family are ignored.
    pub fn difference_all_bounded<'a>(
        &self,
        others: impl IntoIterator<Item = &'a HeaderSpace>,
        budget: &mut Budget,
    ) -> Result<Self, BudgetExceeded> {
        let mut cubes = self.difference_all_cubes(others, budget, false)?;
        coalesce(&mut cubes);
        Ok(Self {
            family: self.family,
            cubes,
        })
    }

    /// A packet in `self` and in none of `others`, or `None` if there is none: the emptiness test of
    /// [`HeaderSpace::difference_all_bounded`], which stops at the first piece it finds. The packet is
    /// the smallest (in the order of [`HeaderSpace::witness`]) of that piece, not always of the set.
    pub fn difference_all_example<'a>(
        &self,
        others: impl IntoIterator<Item = &'a HeaderSpace>,
        budget: &mut Budget,
    ) -> Result<Option<Packet>, BudgetExceeded> {
        let cubes = self.difference_all_cubes(others, budget, true)?;
        Ok(cubes
            .first()
            .map(|cube| packet_at(self.family, &cube.witness_point())))
    }

    fn difference_all_cubes<'a>(
        &self,
        others: impl IntoIterator<Item = &'a HeaderSpace>,
        budget: &mut Budget,
        first: bool,
    ) -> Result<Vec<Cube>, BudgetExceeded> {
        let removed: Vec<&Cube> = others
            .into_iter()
            .filter(|other| other.family == self.family)
            .flat_map(|other| &other.cubes)
            .collect();
        let mut cubes = Vec::new();
        let mut part = Vec::new();
        for cube in &self.cubes {
            // What is left after a filter's last terms is often inside one of them, a catch-all: the
            // cube is then gone without a look at the others.
            if removed
                .iter()
                .rev()
                .take(LAST_LOOKED_AT)
                .any(|other| cube.is_within(other))
            {
                continue;
            }
            part.clear();
            part.extend(
                removed
                    .iter()
                    .copied()
                    .filter(|other| cube.intersects(other)),
            );
            subtract_many(cube.clone(), &part, &mut cubes, budget, 0, first)?;
            if first && !cubes.is_empty() {
                break;
            }
        }
        Ok(cubes)
    }

    /// The valid packets of the family not in the space.
    #[must_use]
    pub fn complement(&self) -> Self {
        Self::universe(self.family).difference(self)
    }

    /// [`HeaderSpace::complement`] within a budget.
    pub fn complement_bounded(&self, budget: &mut Budget) -> Result<Self, BudgetExceeded> {
        Self::universe(self.family).difference_bounded(self, budget)
    }

    /// Whether every packet of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.is_subset_bounded(other, &mut Budget::unlimited())
            .expect("an unlimited budget is never exceeded")
    }

    /// [`HeaderSpace::is_subset`] within a budget.
    pub fn is_subset_bounded(
        &self,
        other: &Self,
        budget: &mut Budget,
    ) -> Result<bool, BudgetExceeded> {
        if self.family != other.family {
            return Ok(self.is_empty());
        }
        let mut rest = Vec::new();
        let others: Vec<&Cube> = other.cubes.iter().collect();
        for cube in &self.cubes {
            if other.cubes.iter().any(|b| cube.is_subset(b)) {
                continue;
            }
            subtract_all(cube, &others, &mut rest, budget)?;
            if !rest.is_empty() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether each cube of `self` lies inside one cube of `other`: a test of [`HeaderSpace::is_subset`]
    /// that builds nothing and may say no to a space covered only by several of `other`'s cubes
    /// together. A term copied from an earlier one passes it, and so do most terms narrower than one.
    pub fn is_within_cubes_of(&self, other: &Self) -> bool {
        self.family == other.family
            && self
                .cubes
                .iter()
                .all(|cube| other.cubes.iter().any(|theirs| cube.is_within(theirs)))
    }

    /// Whether the spaces hold the same packets.
    pub fn set_eq(&self, other: &Self) -> bool {
        self.is_subset(other) && other.is_subset(self)
    }

    /// Whether the spaces share a packet.
    pub fn intersects(&self, other: &Self) -> bool {
        self.family == other.family
            && self
                .cubes
                .iter()
                .any(|a| other.cubes.iter().any(|b| a.intersects(b)))
    }

    /// The smallest packet (in the order of [`HeaderSpace::witness`]) in both spaces, or `None` if they
    /// share none: `self.intersect(other).witness()`, without building the intersection.
    pub fn first_common(&self, other: &Self) -> Option<Packet> {
        if self.family != other.family {
            return None;
        }
        self.cubes
            .iter()
            .flat_map(|a| other.cubes.iter().filter_map(|b| a.first_common_point(b)))
            .min_by(witness_cmp)
            .map(|point| packet_at(self.family, &point))
    }

    /// A packet of the space, or `None` if it is empty.
    ///
    /// The packet is the smallest member when fields are compared in this order: fragment offset,
    /// fragment flags, protocol, destination address, source address, destination port, source
    /// port, ICMP type, ICMP code, TCP flags, packet length, DSCP, TTL; each field by value, lowest
    /// first, except that TTL 64 comes before every other TTL. So the witness depends on the set
    /// only, not on how it was built, prefers first fragments and is as short as the set allows.
    pub fn witness(&self) -> Option<Packet> {
        self.cubes
            .iter()
            .map(Cube::witness_point)
            .min_by(witness_cmp)
            .map(|point| packet_at(self.family, &point))
    }
}

impl HeaderSpace {
    /// Which of `others` take part of the space when each packet goes to the first of them that holds it
    /// (as terms in a filter do), in their order, each with the smallest packet (in the order of
    /// [`HeaderSpace::witness`]) it takes. Each other comes with a label, which the answer gives back.
    /// Spaces of another family take nothing.
    ///
    /// The search stops once `enough` says so: it is told each holder's label, in order, as the holder
    /// is found, and returns whether to stop. So the holders found are always the first ones. Also
    /// returned: whether every holder was found (`false` if it stopped early).
    ///
    /// The others are taken one by one, each cutting what it takes out of what is left of the space,
    /// and are not looked at past the point where nothing is left (a term inside an earlier one stops
    /// there). When what is left is in many pieces (a space covered piecemeal by hundreds of others),
    /// the others still to come divide it as [`HeaderSpace::difference_all_bounded`] divides a space,
    /// so that each part only meets a few of them: about `n log n` steps, not a pass over the pieces
    /// per other. Those holders are then told in order.
    pub fn first_holders_until<'a>(
        &self,
        others: impl IntoIterator<Item = (usize, &'a HeaderSpace)>,
        budget: &mut Budget,
        enough: impl FnMut(usize) -> bool,
    ) -> Result<(Vec<(usize, Packet)>, bool), BudgetExceeded> {
        self.first_holders_dividing_above(others, budget, enough, MANY_PIECES)
    }

    /// [`HeaderSpace::first_holders_until`], dividing what is left once it is in more than
    /// `many_pieces` pieces.
    fn first_holders_dividing_above<'a>(
        &self,
        others: impl IntoIterator<Item = (usize, &'a HeaderSpace)>,
        budget: &mut Budget,
        mut enough: impl FnMut(usize) -> bool,
        many_pieces: usize,
    ) -> Result<(Vec<(usize, Packet)>, bool), BudgetExceeded> {
        let mut others = others
            .into_iter()
            .filter(|(_, other)| other.family == self.family);
        let mut pieces = Pieces::of(self.cubes.clone());
        let mut found = Vec::new();
        while !pieces.is_empty() {
            if pieces.len() > many_pieces {
                return self.first_holders_dividing(pieces, others, found, budget, enough);
            }
            let Some((label, other)) = others.next() else {
                break;
            };
            let mut best: Option<[u128; FIELDS]> = None;
            for cube in &other.cubes {
                pieces.pass(cube, budget, |piece| match piece.first_common_point(cube) {
                    Some(taken) => {
                        if best.is_none_or(|best| witness_cmp(&taken, &best).is_lt()) {
                            best = Some(taken);
                        }
                        Fate::Cut
                    }
                    None => Fate::Keep,
                })?;
            }
            if let Some(point) = best {
                found.push((label, packet_at(self.family, &point)));
                if enough(label) {
                    return Ok((found, false));
                }
            }
        }
        Ok((found, true))
    }

    /// The rest of [`HeaderSpace::first_holders_until`] once what is left of the space is `pieces` and
    /// the holders before are `found`: the pieces divided among `others`, every holder found, then
    /// told in order.
    fn first_holders_dividing<'a>(
        &self,
        pieces: Pieces,
        others: impl Iterator<Item = (usize, &'a HeaderSpace)>,
        mut found: Vec<(usize, Packet)>,
        budget: &mut Budget,
        mut enough: impl FnMut(usize) -> bool,
    ) -> Result<(Vec<(usize, Packet)>, bool), BudgetExceeded> {
        let others: Vec<(usize, &HeaderSpace)> = others.collect();
        let all: Vec<(usize, &Cube)> = others
            .iter()
            .enumerate()
            .flat_map(|(k, (_, other))| other.cubes.iter().map(move |cube| (k, cube)))
            .collect();
        let mut holders = Holders {
            best: vec![None; others.len()],
        };
        let mut left = Vec::new();
        pieces.move_into(&mut left);
        let mut part = Vec::new();
        for cube in left {
            part.clear();
            part.extend(all.iter().filter(|(_, other)| cube.intersects(other)));
            first_holders_in(cube, &part, &mut holders, budget, 0)?;
        }
        for (k, point) in holders.best.iter().enumerate() {
            if let Some(point) = point {
                let label = others[k].0;
                found.push((label, packet_at(self.family, point)));
                if enough(label) {
                    return Ok((found, false));
                }
            }
        }
        Ok((found, true))
    }
}

/// Pieces of what is left of a space above which [`HeaderSpace::first_holders_until`] divides it
/// among the others still to come rather than passing each piece by each of them.
const MANY_PIECES: usize = 256;

/// What [`first_holders_in`] has found: per other, the smallest point it takes.
struct Holders {
    best: Vec<Option<[u128; FIELDS]>>,
}

impl Holders {
    /// Records that other `k` takes a part whose smallest point is `point`.
    fn record(&mut self, k: usize, point: [u128; FIELDS]) {
        let best = &mut self.best[k];
        if best.is_none_or(|best| witness_cmp(&point, &best).is_lt()) {
            *best = Some(point);
        }
    }
}

/// Records in `holders`, for each of `others` (in order, all meeting `cube`) that takes part of `cube`,
/// the smallest point of a piece it takes.
fn first_holders_in(
    cube: Cube,
    others: &[(usize, &Cube)],
    holders: &mut Holders,
    budget: &mut Budget,
    depth: usize,
) -> Result<(), BudgetExceeded> {
    // Nothing after the first that holds the whole cube takes any of it.
    let others = match others.iter().position(|(_, other)| cube.is_within(other)) {
        Some(last) => &others[..=last],
        None => others,
    };
    if others.len() > DIRECT_SUBTRACTION && depth < MAX_SPLIT_DEPTH {
        let cubes: Vec<&Cube> = others.iter().map(|&(_, other)| other).collect();
        if let Some((field, at)) = split_point(&cube, &cubes) {
            budget.charge(1)?;
            let below = IntervalSet::range(0, at - 1);
            let above = IntervalSet::range(at, u128::MAX);
            for half in [
                cube.clone().restrict(field, &below),
                cube.restrict(field, &above),
            ] {
                // Every other meets `cube`, which the half equals but in `field`.
                let part: Vec<(usize, &Cube)> = others
                    .iter()
                    .copied()
                    .filter(|(_, other)| half.get(field).intersects(other.get(field)))
                    .collect();
                first_holders_in(half, &part, holders, budget, depth + 1)?;
            }
            return Ok(());
        }
    }
    let mut pieces = Pieces::new(cube);
    for &(k, other) in others {
        if pieces.is_empty() {
            break;
        }
        pieces.pass(other, budget, |piece| {
            match piece.first_common_point(other) {
                Some(taken) => {
                    holders.record(k, taken);
                    Fate::Cut
                }
                None => Fate::Keep,
            }
        })?;
    }
    Ok(())
}

/// The pieces of a cube as cubes are removed from it one by one, kept by number: a cube is hundreds of
/// bytes, and every piece passes from one removal to the next, most of them untouched.
struct Pieces {
    /// Every piece made since the last compaction; those no longer live are [`Cube::taken`] or left as
    /// they were (their sets freed when many are dead: see [`Pieces::pass`]).
    made: Vec<Cube>,
    /// The live pieces, in order.
    live: Vec<usize>,
    next: Vec<usize>,
}

/// Pieces [`Pieces`] keeps beyond twice those alive before it lets the dead ones go.
const DEAD_PIECES: usize = 64;

/// What a removal does to a piece.
enum Fate {
    /// It stays whole.
    Keep,
    /// It is gone.
    Drop,
    /// It is replaced by its part outside the cube removed ([`Cube::difference_into`]).
    Cut,
}

impl Pieces {
    fn new(cube: Cube) -> Self {
        Self::of(vec![cube])
    }

    /// The pieces `cubes`, in order.
    fn of(cubes: Vec<Cube>) -> Self {
        Self {
            live: (0..cubes.len()).collect(),
            made: cubes,
            next: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    fn len(&self) -> usize {
        self.live.len()
    }

    /// Removes `other`: each live piece, in order, meets the fate `fate` gives it.
    fn pass(
        &mut self,
        other: &Cube,
        budget: &mut Budget,
        mut fate: impl FnMut(&Cube) -> Fate,
    ) -> Result<(), BudgetExceeded> {
        self.next.clear();
        for &p in &self.live {
            match fate(&self.made[p]) {
                Fate::Keep => self.next.push(p),
                Fate::Drop => {}
                Fate::Cut => {
                    let piece = std::mem::replace(&mut self.made[p], Cube::taken());
                    let start = self.made.len();
                    piece.difference_into(other, &mut self.made, budget)?;
                    self.next.extend(start..self.made.len());
                }
            }
        }
        std::mem::swap(&mut self.live, &mut self.next);
        // Dead pieces hold their place until most are dead: then the live ones move to a new list, in
        // order, so memory follows the pieces alive rather than all those ever made.
        if self.made.len() > 2 * self.live.len() + DEAD_PIECES {
            let made = self
                .live
                .iter()
                .map(|&p| std::mem::replace(&mut self.made[p], Cube::taken()))
                .collect();
            self.made = made;
            self.live.clear();
            self.live.extend(0..self.made.len());
        }
        Ok(())
    }

    /// Appends the live pieces to `out`, in order.
    fn move_into(mut self, out: &mut Vec<Cube>) {
        out.extend(
            self.live
                .iter()
                .map(|&p| std::mem::replace(&mut self.made[p], Cube::taken())),
        );
    }
}

/// Cubes of a space [`HeaderSpace::probes`] takes points from (its docs say how many).
const PROBE_CUBES: usize = 4;
/// Ranges of an address per cube whose start [`HeaderSpace::probes`] tries.
const PROBE_RANGES: usize = 8;

/// Cubes to remove that [`HeaderSpace::difference_all_bounded`] first tests for holding a whole cube,
/// from the last.
const LAST_LOOKED_AT: usize = 8;

/// Most cubes [`subtract_many`] removes one by one; above, it divides the cube first.
const DIRECT_SUBTRACTION: usize = 8;
/// Most times [`subtract_many`] divides a cube on one path.
const MAX_SPLIT_DEPTH: usize = 96;

/// Pushes `cube \ (union of others)` onto `out` as disjoint cubes; `others` should all meet `cube`.
///
/// Removing many cubes one by one from a cube leaves many pieces, and each removal looks at every
/// piece. Instead, while there are many, the cube is cut in two along the field and value that best
/// separate the cubes to remove (a k-d split), and each half only looks at the cubes that meet it. For
/// a catch-all term after thousands of narrow ones this is the difference between quadratic and
/// `n log n` work.
///
/// With `first`, it stops as soon as `out` holds a cube: enough to tell that the difference is not empty.
fn subtract_many(
    cube: Cube,
    others: &[&Cube],
    out: &mut Vec<Cube>,
    budget: &mut Budget,
    depth: usize,
    first: bool,
) -> Result<(), BudgetExceeded> {
    if (first && !out.is_empty()) || others.iter().any(|other| cube.is_within(other)) {
        return Ok(());
    }
    if others.len() > DIRECT_SUBTRACTION && depth < MAX_SPLIT_DEPTH {
        if let Some((field, at)) = split_point(&cube, others) {
            budget.charge(1)?;
            let below = IntervalSet::range(0, at - 1);
            let above = IntervalSet::range(at, u128::MAX);
            for half in [
                cube.clone().restrict(field, &below),
                cube.restrict(field, &above),
            ] {
                // Every other meets `cube`, which the half equals but in `field`.
                let part: Vec<&Cube> = others
                    .iter()
                    .copied()
                    .filter(|other| half.get(field).intersects(other.get(field)))
                    .collect();
                subtract_many(half, &part, out, budget, depth + 1, first)?;
            }
            return Ok(());
        }
    }
    subtract_all(&cube, others, out, budget)
}

/// A cut ([`split_point`]) must leave at least one in this many of the cubes to remove wholly on
/// each side. Each half takes every cube that reaches into it, so a cut that leaves a few on each side
/// and the rest on both divides again and again with nearly all of them: a term of a long filter
/// whose cubes to remove had dozens of TCP flag ranges each was cut into 2.5 million pieces. With a
/// quarter on each side, each half has at most three quarters of them.
const MIN_SHARE_APART: usize = 4;

/// Where to cut `cube` so that as many of `others` as possible lie wholly on either side, or `None` if
/// no cut leaves at least one in [`MIN_SHARE_APART`] of them wholly on each side. The value returned
/// starts the upper half.
///
/// Only what lies within the cube is weighed of each other's set in a field. An address list of
/// prefixes spread over the address space holds only a few of them in a narrow cube, which a cut can
/// then separate: subtractions where each cube to remove is such a list divide down to a few cubes at
/// a time instead of removing dozens one by one (a third fewer instructions on a long filter).
fn split_point(cube: &Cube, others: &[&Cube]) -> Option<(Field, u128)> {
    let mut best: Option<(usize, Field, u128)> = None;
    let mut cuts = Vec::with_capacity(2 * others.len());
    let mut spans = Vec::with_capacity(others.len());
    for field in Field::ALL {
        let set = cube.get(field);
        let (Some(lo), Some(hi)) = (set.first(), set.last()) else {
            return None;
        };
        if lo == hi {
            // One value: no cut.
            continue;
        }
        spans.clear();
        spans.extend(
            others
                .iter()
                .filter_map(|other| other.get(field).span_within(lo, hi)),
        );
        cuts.clear();
        for &(first, last) in &spans {
            if first > lo {
                cuts.push(first);
            }
            if last < hi {
                cuts.push(last + 1);
            }
        }
        if cuts.is_empty() {
            continue;
        }
        let middle = cuts.len() / 2;
        let at = *cuts.select_nth_unstable(middle).1;
        let below = spans.iter().filter(|&&(_, last)| last < at).count();
        let above = spans.iter().filter(|&&(first, _)| first >= at).count();
        let score = below.min(above);
        if score > 0 && best.is_none_or(|(s, _, _)| score > s) {
            best = Some((score, field, at));
        }
    }
    let least = others.len().div_ceil(MIN_SHARE_APART);
    best.filter(|&(score, _, _)| score >= least)
        .map(|(_, field, at)| (field, at))
}

/// Pushes `cube \ (union of others)` onto `out` as disjoint cubes, removing the others one by one.
///
/// A piece about to be cut by one of the others that lies wholly inside that one or a later one is
/// dropped instead: every piece cut from it would be removed by that one, so the pieces left are the
/// same, without the cutting.
fn subtract_all(
    cube: &Cube,
    others: &[&Cube],
    out: &mut Vec<Cube>,
    budget: &mut Budget,
) -> Result<(), BudgetExceeded> {
    let mut pieces = Pieces::new(cube.clone());
    for (k, other) in others.iter().enumerate() {
        if pieces.is_empty() {
            break;
        }
        pieces.pass(other, budget, |piece| {
            if !piece.intersects(other) {
                Fate::Keep
            } else if others[k..].iter().any(|o| piece.is_within(o)) {
                Fate::Drop
            } else {
                Fate::Cut
            }
        })?;
    }
    pieces.move_into(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::parse_packet;

    const INET: AddressFamily = AddressFamily::Inet;

    /// Cubes handed over whole make the same space as borrowed ones: some of every protocol (or none),
    /// fragment offset and port, address lists of one range and of several, for both families.
    #[test]
    fn owned_cubes_make_the_same_space() {
        let mut next = crate::test_numbers(17);
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            for _ in 0..300 {
                let cubes: Vec<Cube> = (0..=next(3))
                    .map(|_| {
                        let mut cube = Cube::full(family);
                        if next(2) == 0 {
                            let protocol = u128::from(next(260));
                            cube.narrow(
                                Field::Protocol,
                                &IntervalSet::range(protocol, protocol + u128::from(next(3))),
                            );
                        }
                        if next(3) == 0 {
                            cube.narrow(
                                Field::FragmentOffset,
                                &IntervalSet::range(0, u128::from(next(2))),
                            );
                        }
                        if next(2) == 0 {
                            let port = u128::from(next(70_000));
                            cube.narrow(
                                Field::DestinationPort,
                                &IntervalSet::range(port, port + 10),
                            );
                        }
                        let sources = (0..=next(4)).map(|_| {
                            let lo = u128::from(next(1 << 20)) << 8;
                            (lo, lo + 255)
                        });
                        cube.narrow(Field::SourceAddress, &IntervalSet::from_ranges(sources));
                        cube
                    })
                    .collect();
                assert_eq!(
                    HeaderSpace::from_owned_cubes(family, cubes.clone()).cubes(),
                    HeaderSpace::from_cubes(family, &cubes).cubes(),
                    "{cubes:?}"
                );
            }
        }
    }

    /// The first holders found by dividing what is left, from the start or once it is in a few pieces,
    /// are those found by taking the others one by one, told in the same order, wherever the search
    /// stops: port ranges and source blocks that cut a space into many pieces, the last of them
    /// sometimes the whole space.
    #[test]
    fn dividing_finds_the_same_first_holders() {
        let mut next = crate::test_numbers(29);
        let family = AddressFamily::Inet;
        let block = |lo: u64, len: u64| {
            IntervalSet::range(u128::from(lo) << 8, (u128::from(lo + len) << 8) - 1)
        };
        for round in 0..60 {
            let mut whole = Cube::full(family);
            whole.narrow(Field::DestinationPort, &IntervalSet::range(0, 999));
            whole.narrow(Field::SourceAddress, &block(0, 256));
            let space = HeaderSpace::from_cube(family, &whole);
            let mut others: Vec<HeaderSpace> = (0..=next(80))
                .map(|_| {
                    let mut cube = whole.clone();
                    let port = u128::from(next(1_000));
                    cube.narrow(
                        Field::DestinationPort,
                        &IntervalSet::range(port, port + u128::from(next(200))),
                    );
                    cube.narrow(Field::SourceAddress, &block(next(256), 1 + next(40)));
                    HeaderSpace::from_cube(family, &cube)
                })
                .collect();
            if round % 2 == 0 {
                others.push(space.clone());
            }
            let labelled = || others.iter().enumerate().map(|(k, other)| (k + 100, other));
            for stop in [1, 2, 5, 20, usize::MAX] {
                let search = |many_pieces| {
                    let mut told = Vec::new();
                    let found = space
                        .first_holders_dividing_above(
                            labelled(),
                            &mut Budget::unlimited(),
                            |k| {
                                told.push(k);
                                told.len() >= stop
                            },
                            many_pieces,
                        )
                        .unwrap();
                    (found, told)
                };
                let one_by_one = search(usize::MAX);
                assert!(!one_by_one.1.is_empty());
                assert_eq!(search(0), one_by_one, "round {round}, stop {stop}");
                assert_eq!(search(4), one_by_one, "round {round}, stop {stop}");
            }
        }
    }

    /// Removing cubes one by one, with far more pieces made than alive (so the dead ones are let go
    /// on the way): what is left is the same.
    #[test]
    fn subtracting_one_by_one_lets_dead_pieces_go() {
        let ports =
            |lo, hi| Cube::full(INET).with(Field::DestinationPort, IntervalSet::range(lo, hi));
        let cube = ports(0, 999);
        // Ports 10k to 10k + 8: each cut replaces the one piece by one with a port set of one more gap.
        let removed: Vec<Cube> = (0..100).map(|k| ports(10 * k, 10 * k + 8)).collect();
        let removed: Vec<&Cube> = removed.iter().collect();
        let mut out = Vec::new();
        subtract_all(&cube, &removed, &mut out, &mut Budget::unlimited()).unwrap();
        let gaps = IntervalSet::from_ranges((0..100).map(|k| (10 * k + 9, 10 * k + 9)));
        assert_eq!(out, [ports(0, 999).with(Field::DestinationPort, gaps)]);
        // With a second field cut too, two pieces per removal, one of them dropped later.
        let wide = cube
            .clone()
            .with(Field::SourcePort, IntervalSet::range(0, 1));
        let narrow: Vec<Cube> = (0..100)
            .map(|k| ports(10 * k, 10 * k + 8).with(Field::SourcePort, IntervalSet::single(0)))
            .collect();
        let narrow: Vec<&Cube> = narrow.iter().collect();
        let mut out = Vec::new();
        subtract_all(&wide, &narrow, &mut out, &mut Budget::unlimited()).unwrap();
        let rest = HeaderSpace::from_cubes(INET, &out);
        let expected = HeaderSpace::from_cubes(INET, [&wide])
            .difference(&HeaderSpace::from_cubes(INET, narrow.iter().copied()));
        assert!(rest.set_eq(&expected));
        // Everything removed: nothing left.
        let all: Vec<Cube> = (0..100).map(|k| ports(10 * k, 10 * k + 9)).collect();
        let all: Vec<&Cube> = all.iter().collect();
        let mut out = Vec::new();
        subtract_all(&cube, &all, &mut out, &mut Budget::unlimited()).unwrap();
        assert!(out.is_empty());
    }

    /// A cut that leaves a few of the cubes to remove on each side and the rest on both is not taken
    /// (each half would keep nearly all of them).
    #[test]
    fn a_cut_must_set_apart_a_share_of_the_cubes() {
        let cube = Cube::full(INET).with(Field::DestinationPort, IntervalSet::range(0, 100));
        let ports = |lo, hi| {
            cube.clone()
                .with(Field::DestinationPort, IntervalSet::range(lo, hi))
        };
        let mut others = vec![ports(0, 10), ports(90, 100)];
        others.extend((0..6).map(|_| ports(0, 100)));
        let others: Vec<&Cube> = others.iter().collect();
        assert_eq!(split_point(&cube, &others), None);
        // Two of the eight on each side: a quarter, enough.
        let mut apart = vec![ports(0, 10), ports(0, 9), ports(90, 100), ports(91, 100)];
        apart.extend((0..4).map(|_| ports(0, 100)));
        let apart: Vec<&Cube> = apart.iter().collect();
        assert!(split_point(&cube, &apart).is_some());
    }

    /// `span_within` against the values of the set in the window, one by one: every set of up to
    /// three ranges below 40, every window.
    #[test]
    fn span_within_is_the_first_and_last_value_in_the_window() {
        let mut next = crate::test_numbers(5);
        for _ in 0..300 {
            let ranges: Vec<(u128, u128)> = (0..next(4))
                .map(|_| {
                    let lo = u128::from(next(36));
                    (lo, lo + u128::from(next(5)))
                })
                .collect();
            let set = IntervalSet::from_ranges(ranges);
            for lo in 0..42 {
                for hi in lo..42 {
                    let inside: Vec<u128> = (lo..=hi).filter(|&v| set.contains(v)).collect();
                    let expected = inside.first().copied().zip(inside.last().copied());
                    assert_eq!(set.span_within(lo, hi), expected, "{set:?} in {lo}..={hi}");
                }
            }
        }
    }

    #[test]
    fn difference_of_overlapping_ranges() {
        let a = IntervalSet::from_ranges([(0, 10), (20, 30)]);
        let b = IntervalSet::from_ranges([(5, 22), (25, 25), (30, 40)]);
        assert_eq!(
            a.difference(&b),
            IntervalSet::from_ranges([(0, 4), (23, 24), (26, 29)])
        );
    }

    #[test]
    fn ranges_at_the_top_of_u128_do_not_overflow() {
        let top = IntervalSet::range(u128::MAX - 1, u128::MAX);
        let all = IntervalSet::full(0, u128::MAX);
        assert_eq!(all.difference(&top), IntervalSet::range(0, u128::MAX - 2));
        assert_eq!(all.union(&top), all);
        assert!(top.difference(&all).is_empty());
        assert_eq!(
            IntervalSet::from_ranges([(u128::MAX, u128::MAX), (0, u128::MAX - 1)]),
            all
        );
    }

    #[test]
    fn one_range_stays_inline() {
        let a = IntervalSet::range(10, 20);
        let b = IntervalSet::range(15, 30);
        assert!(matches!(a.intersect(&b).repr, Repr::One((15, 20))));
        assert!(matches!(a.union(&b).repr, Repr::One((10, 30))));
        assert!(matches!(
            IntervalSet::from_ranges([(1, 2), (3, 4)]).repr,
            Repr::One((1, 4))
        ));
    }

    #[test]
    fn coalesce_merges_cubes_that_differ_in_one_field() {
        let dport = |p: u128| {
            Cube::full(INET)
                .with(Field::Protocol, IntervalSet::single(6))
                .with(Field::DestinationPort, IntervalSet::single(p))
        };
        let space = HeaderSpace::from_cubes(INET, &[dport(80), dport(81), dport(443)]);
        assert_eq!(space.cube_count(), 1);
        assert_eq!(
            space.cubes()[0][Field::DestinationPort],
            IntervalSet::from_ranges([(80, 81), (443, 443)])
        );
    }

    #[test]
    fn the_meet_order_names_every_field_once() {
        let mut seen = MEET_ORDER;
        seen.sort_unstable();
        assert_eq!(seen, std::array::from_fn(|i| i));
    }

    /// Coalescing a few cubes pair by pair gives what grouping them by hash gives, cube for cube.
    #[test]
    fn coalescing_few_cubes_agrees_with_grouping_by_hash() {
        let mut next = crate::test_numbers(7);
        let fields = [
            Field::Protocol,
            Field::DestinationPort,
            Field::SourceAddress,
            Field::Dscp,
        ];
        let mut merged = 0;
        for _ in 0..3000 {
            // Distinct cells of a small grid: disjoint cubes, many differing in one field.
            let mut cells: Vec<[u64; 4]> = (0..=next(FEW_CUBES as u64))
                .map(|_| std::array::from_fn(|_| next(3)))
                .collect();
            cells.sort_unstable();
            cells.dedup();
            let cubes: Vec<Cube> = cells
                .iter()
                .map(|cell| {
                    fields
                        .iter()
                        .zip(cell)
                        .fold(Cube::full(INET), |cube, (&f, &v)| {
                            cube.with(f, IntervalSet::single(u128::from(v) * 2))
                        })
                })
                .collect();
            let (mut few, mut hashed) = (cubes.clone(), cubes.clone());
            coalesce_few(&mut few);
            coalesce_hashed(&mut hashed);
            assert_eq!(few, hashed, "{cells:?}");
            merged += usize::from(few.len() < cubes.len());
        }
        assert!(merged > 1000, "most cases merge something: {merged}");
    }

    #[test]
    fn a_small_budget_stops_a_fragmenting_difference() {
        let universe = HeaderSpace::universe(INET);
        let holes: Vec<Cube> = (0..50)
            .map(|i| {
                Cube::full(INET)
                    .with(Field::SourceAddress, IntervalSet::single(i * 2))
                    .with(Field::DestinationPort, IntervalSet::single(i * 3))
                    .with(Field::Ttl, IntervalSet::single(i))
            })
            .collect();
        let holes = HeaderSpace::from_cubes(INET, &holes);
        let mut budget = Budget::new(100);
        assert_eq!(
            universe
                .difference_bounded(&holes, &mut budget)
                .unwrap_err(),
            BudgetExceeded
        );
        let mut budget = Budget::new(1_000_000);
        let rest = universe.difference_bounded(&holes, &mut budget).unwrap();
        assert!(budget.remaining() < 1_000_000);
        assert!(rest.set_eq(&universe.difference(&holes)));
        assert!(!rest.intersects(&holes));
        assert!(rest.union(&holes).set_eq(&universe));
    }

    #[test]
    fn witness_prefers_ttl_64_and_first_fragments() {
        let space = HeaderSpace::from_cube(
            INET,
            &Cube::full(INET).with(Field::Protocol, IntervalSet::single(17)),
        );
        let witness = space.witness().unwrap();
        assert_eq!(witness.ttl, 64);
        assert_eq!(witness.fragment_offset, 0);
        assert_eq!(witness.packet_length, 28);
        assert_eq!(witness.to_string(), "udp 0.0.0.0:0 -> 0.0.0.0:0 len 28");
    }

    #[test]
    fn contains_agrees_with_parsed_packets() {
        let web = HeaderSpace::from_cube(
            INET,
            &Cube::full(INET)
                .with(Field::Protocol, IntervalSet::single(6))
                .with(Field::DestinationPort, IntervalSet::single(80)),
        );
        assert!(web.contains(&parse_packet("proto=tcp dport=80").unwrap()));
        assert!(!web.contains(&parse_packet("proto=tcp dport=81").unwrap()));
        assert!(!web.contains(&parse_packet("proto=udp dport=80").unwrap()));
        assert!(!web.contains(&parse_packet("proto=tcp src=2001:db8::1 dport=80").unwrap()));
    }
}
