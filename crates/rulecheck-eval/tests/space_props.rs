//! The header-space algebra against brute force.
//!
//! - [`IntervalSet`] against a `BTreeSet` of the values 0 to 40, and of the 41 values at the top of
//!   `u128`, where an off-by-one overflows.
//! - [`HeaderSpace`] against membership computed point by point on a grid: every field takes a few
//!   values (chosen around the validity thresholds and past the ends of the domains), spaces are
//!   built from cubes whose sets are subsets of the grid values, so every space lies inside the grid
//!   and emptiness, subset and the witness can be decided by enumerating it. Validity on the grid
//!   comes from [`Packet::is_valid`], which does not share code with the cubes of
//!   [`HeaderSpace::universe`].
//! - Spaces built from arbitrary ranges (not only grid values) against the laws of set algebra.
//! - The structural invariant after every operation: non-empty, pairwise disjoint cubes, each inside
//!   the universe.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use proptest::prelude::*;
use rulecheck_eval::packet::{AddressFamily, Packet};
use rulecheck_eval::space::{
    Budget, Cube, FIELDS, Field, HeaderSpace, ICMP_ABSENT, IntervalSet, PORT_ABSENT,
    TCP_FLAGS_ABSENT,
};

// ---------------------------------------------------------------------------------------------
// IntervalSet against BTreeSet

/// Largest value of the small domain.
const SMALL_MAX: u128 = 40;

fn small_ranges() -> impl Strategy<Value = Vec<(u128, u128)>> {
    // Inverted ranges are allowed: `from_ranges` treats them as empty.
    prop::collection::vec((0..=SMALL_MAX, 0..=SMALL_MAX), 0..5)
}

/// The values of `ranges`, shifted up by `base`.
fn brute(ranges: &[(u128, u128)], base: u128) -> BTreeSet<u128> {
    ranges
        .iter()
        .flat_map(|&(lo, hi)| lo..=hi)
        .map(|v| base + v)
        .collect()
}

fn shifted(ranges: &[(u128, u128)], base: u128) -> IntervalSet {
    IntervalSet::from_ranges(ranges.iter().map(|&(lo, hi)| (base + lo, base + hi)))
}

fn values(set: &IntervalSet) -> BTreeSet<u128> {
    set.iter().flat_map(|(lo, hi)| lo..=hi).collect()
}

/// Sorted, disjoint, non-adjacent ranges.
fn assert_canonical(set: &IntervalSet) {
    for &(lo, hi) in set.ranges() {
        assert!(lo <= hi, "{set:?}");
    }
    for pair in set.ranges().windows(2) {
        assert!(
            pair[0].1 < u128::MAX && pair[0].1 + 1 < pair[1].0,
            "{set:?}"
        );
    }
    assert_eq!(set.range_count(), set.ranges().len());
    assert_eq!(set.is_empty(), set.ranges().is_empty());
}

/// Bases of the two small domains: the bottom of `u128` and its top 41 values.
const BASES: [u128; 2] = [0, u128::MAX - SMALL_MAX];

proptest! {
    #[test]
    fn interval_set_agrees_with_btreeset(
        a in small_ranges(),
        b in small_ranges(),
        lo in 0..=SMALL_MAX,
        hi in 0..=SMALL_MAX,
        base_index in 0..BASES.len(),
    ) {
        let base = BASES[base_index];
        let (sa, sb) = (shifted(&a, base), shifted(&b, base));
        let (ba, bb) = (brute(&a, base), brute(&b, base));
        let window: BTreeSet<u128> = (lo..=hi).map(|v| base + v).collect();

        for set in [&sa, &sb] {
            assert_canonical(set);
        }
        prop_assert_eq!(values(&sa), ba.clone());
        prop_assert_eq!(values(&sb), bb.clone());

        let union = sa.union(&sb);
        let intersection = sa.intersect(&sb);
        let difference = sa.difference(&sb);
        let complement = sa.complement_within(base + lo, base + hi);
        for set in [&union, &intersection, &difference, &complement] {
            assert_canonical(set);
        }
        prop_assert_eq!(values(&union), ba.union(&bb).copied().collect::<BTreeSet<_>>());
        prop_assert_eq!(
            values(&intersection),
            ba.intersection(&bb).copied().collect::<BTreeSet<_>>()
        );
        prop_assert_eq!(
            values(&difference),
            ba.difference(&bb).copied().collect::<BTreeSet<_>>()
        );
        prop_assert_eq!(
            values(&complement),
            window.difference(&ba).copied().collect::<BTreeSet<_>>()
        );

        // The representation is canonical: equal values, equal sets.
        prop_assert_eq!(sa == sb, ba == bb);
        prop_assert_eq!(sa.is_empty(), ba.is_empty());
        prop_assert_eq!(sa.first(), ba.first().copied());
        prop_assert_eq!(sa.last(), ba.last().copied());
        prop_assert_eq!(sa.is_subset(&sb), ba.is_subset(&bb));
        prop_assert_eq!(sa.intersects(&sb), !ba.is_disjoint(&bb));
        // One past each end, to catch range checks that are off by one.
        for v in base.saturating_sub(1)..=base.saturating_add(SMALL_MAX + 1) {
            prop_assert_eq!(sa.contains(v), ba.contains(&v), "value {}", v);
        }
    }

    #[test]
    fn range_and_single_agree_with_btreeset(lo in 0..=SMALL_MAX, hi in 0..=SMALL_MAX) {
        prop_assert_eq!(values(&IntervalSet::range(lo, hi)), (lo..=hi).collect::<BTreeSet<_>>());
        prop_assert_eq!(IntervalSet::full(lo, hi), IntervalSet::range(lo, hi));
        prop_assert_eq!(values(&IntervalSet::single(lo)), BTreeSet::from([lo]));
    }
}

// ---------------------------------------------------------------------------------------------
// The grid

const FAMILIES: [AddressFamily; 2] = [AddressFamily::Inet, AddressFamily::Inet6];

/// The values each field takes on the grid, in `Field::ALL` order (as encoded in a cube).
///
/// They straddle every validity threshold: the ICMP protocol of each family is "another
/// protocol" in the other one; lengths sit on and one below each minimum (IPv4: 20, 28, 32, 40;
/// IPv6: 40, 48, 52, 60) and on and one above each maximum; addresses, lengths and the absent
/// values probe the ends of the domains.
fn grid_values() -> [Vec<u128>; FIELDS] {
    [
        vec![1, 1 << 32],
        vec![0, u128::MAX],
        vec![1, 6, 17, 58, 132],
        vec![0, PORT_ABSENT],
        vec![0, 80, PORT_ABSENT],
        vec![8, ICMP_ABSENT],
        vec![0, ICMP_ABSENT],
        vec![0x12, TCP_FLAGS_ABSENT],
        vec![
            19, 20, 27, 28, 31, 32, 39, 40, 47, 48, 51, 52, 59, 60, 65_535, 65_536, 65_575, 65_576,
        ],
        vec![0, 63],
        vec![0, 8191],
        vec![0, 7],
        vec![0, 64],
    ]
}

/// The packet whose encoded field values are `point`: the inverse of `Field::value_of`.
fn packet_at(family: AddressFamily, point: &[u128; FIELDS]) -> Packet {
    let value = |field: Field| point[field.index()];
    let optional = |field: Field, absent: u128| Some(value(field)).filter(|&v| v != absent);
    Packet {
        family,
        source: value(Field::SourceAddress),
        destination: value(Field::DestinationAddress),
        protocol: u8::try_from(value(Field::Protocol)).unwrap(),
        source_port: optional(Field::SourcePort, PORT_ABSENT).map(|v| u16::try_from(v).unwrap()),
        destination_port: optional(Field::DestinationPort, PORT_ABSENT)
            .map(|v| u16::try_from(v).unwrap()),
        icmp_type: optional(Field::IcmpType, ICMP_ABSENT).map(|v| u8::try_from(v).unwrap()),
        icmp_code: optional(Field::IcmpCode, ICMP_ABSENT).map(|v| u8::try_from(v).unwrap()),
        tcp_flags: optional(Field::TcpFlags, TCP_FLAGS_ABSENT).map(|v| u8::try_from(v).unwrap()),
        packet_length: u32::try_from(value(Field::PacketLength)).unwrap(),
        dscp: u8::try_from(value(Field::Dscp)).unwrap(),
        fragment_offset: u16::try_from(value(Field::FragmentOffset)).unwrap(),
        fragment_flags: u8::try_from(value(Field::FragmentFlags)).unwrap(),
        ttl: u8::try_from(value(Field::Ttl)).unwrap(),
    }
}

/// One grid point: the packet and, per field, the index of its value in `grid_values()`.
struct Point {
    packet: Packet,
    index: [usize; FIELDS],
}

struct Grid {
    valid: Vec<Point>,
    invalid: Vec<Point>,
}

/// Every point of the grid of `family`, split by `Packet::is_valid`.
fn grid(family: AddressFamily) -> &'static Grid {
    static GRIDS: OnceLock<[Grid; 2]> = OnceLock::new();
    let grids = GRIDS.get_or_init(|| FAMILIES.map(build_grid));
    &grids[usize::from(family == AddressFamily::Inet6)]
}

fn build_grid(family: AddressFamily) -> Grid {
    let values = grid_values();
    let mut grid = Grid {
        valid: Vec::new(),
        invalid: Vec::new(),
    };
    let mut index = [0; FIELDS];
    loop {
        let point: [u128; FIELDS] = std::array::from_fn(|f| values[f][index[f]]);
        let packet = packet_at(family, &point);
        for field in Field::ALL {
            assert_eq!(field.value_of(&packet), point[field.index()], "{field}");
        }
        let point = Point { packet, index };
        if point.packet.is_valid() {
            grid.valid.push(point);
        } else {
            grid.invalid.push(point);
        }
        // Mixed-radix increment.
        let mut f = 0;
        loop {
            if f == FIELDS {
                return grid;
            }
            index[f] += 1;
            if index[f] < values[f].len() {
                break;
            }
            index[f] = 0;
            f += 1;
        }
    }
}

/// A spread of invalid points (about 4,000 per family): enough to catch a space that holds invalid
/// packets without checking all of them in every case.
fn invalid_sample(family: AddressFamily) -> impl Iterator<Item = &'static Point> {
    grid(family).invalid.iter().step_by(61)
}

// ---------------------------------------------------------------------------------------------
// Spaces of grid-aligned cubes

/// A cube as, per field, a bit mask over the indices of `grid_values()`.
type Masks = [u32; FIELDS];

fn masks() -> impl Strategy<Value = Masks> {
    let values = grid_values();
    let strategies: Vec<BoxedStrategy<u32>> = values
        .iter()
        .map(|v| {
            let all = (1u32 << v.len()) - 1;
            prop_oneof![5 => Just(all), 2 => 1..=all, 1 => 0..=all].boxed()
        })
        .collect();
    strategies.prop_map(|v| <[u32; FIELDS]>::try_from(v).unwrap())
}

/// Masks of one grid value in some of the address and length fields, and every value elsewhere: small
/// valid cubes, as the terms of a long filter are, so that a space minus many of them is divided before
/// it is subtracted from.
fn narrow_masks() -> impl Strategy<Value = Masks> {
    let values = grid_values();
    let narrow = [
        Field::SourceAddress,
        Field::DestinationAddress,
        Field::PacketLength,
        Field::Ttl,
    ];
    let strategies: Vec<BoxedStrategy<u32>> = Field::ALL
        .iter()
        .map(|field| {
            let len = values[field.index()].len();
            let all = (1u32 << len) - 1;
            if narrow.contains(field) {
                let one = (0..len).prop_map(|i| 1u32 << i);
                prop_oneof![1 => Just(all), 3 => one].boxed()
            } else {
                Just(all).boxed()
            }
        })
        .collect();
    strategies.prop_map(|v| <[u32; FIELDS]>::try_from(v).unwrap())
}

fn cube_of(masks: &Masks) -> Cube {
    let values = grid_values();
    let mut cube = Cube::full(AddressFamily::Inet6);
    for field in Field::ALL {
        let f = field.index();
        let chosen = values[f]
            .iter()
            .enumerate()
            .filter(|&(i, _)| masks[f] & (1 << i) != 0)
            .map(|(_, &v)| (v, v));
        cube.set(field, IntervalSet::from_ranges(chosen));
    }
    cube
}

/// A space as an expression over grid-aligned cubes.
#[derive(Clone, Debug)]
enum Expr {
    Cube(Masks),
    Union(Box<Expr>, Box<Expr>),
    Intersect(Box<Expr>, Box<Expr>),
    Difference(Box<Expr>, Box<Expr>),
}

fn expr() -> impl Strategy<Value = Expr> {
    masks()
        .prop_map(Expr::Cube)
        .prop_recursive(3, 12, 2, |inner| {
            prop_oneof![
                2 => (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Expr::Union(Box::new(a), Box::new(b))),
                1 => (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Expr::Intersect(Box::new(a), Box::new(b))),
                2 => (inner.clone(), inner)
                    .prop_map(|(a, b)| Expr::Difference(Box::new(a), Box::new(b))),
            ]
        })
}

impl Expr {
    fn build(&self, family: AddressFamily) -> HeaderSpace {
        let space = match self {
            Self::Cube(masks) => HeaderSpace::from_cube(family, &cube_of(masks)),
            Self::Union(a, b) => a.build(family).union(&b.build(family)),
            Self::Intersect(a, b) => a.build(family).intersect(&b.build(family)),
            Self::Difference(a, b) => a.build(family).difference(&b.build(family)),
        };
        assert_invariant(&space);
        space
    }

    /// Membership of a valid grid point, decided on the expression itself.
    fn holds(&self, point: &Point) -> bool {
        match self {
            Self::Cube(masks) => (0..FIELDS).all(|f| masks[f] & (1 << point.index[f]) != 0),
            Self::Union(a, b) => a.holds(point) || b.holds(point),
            Self::Intersect(a, b) => a.holds(point) && b.holds(point),
            Self::Difference(a, b) => a.holds(point) && !b.holds(point),
        }
    }
}

/// Non-empty, pairwise disjoint cubes, each inside the universe (a cube may span several cubes of
/// the universe: UDP and SCTP packets of the same lengths form one cube).
fn assert_invariant(space: &HeaderSpace) {
    let universe = HeaderSpace::universe(space.family());
    let cubes = space.cubes();
    assert_eq!(space.cube_count(), cubes.len());
    assert_eq!(space.is_empty(), cubes.is_empty());
    for (i, cube) in cubes.iter().enumerate() {
        assert!(!cube.is_empty(), "empty cube {cube:?}");
        let mut outside = vec![cube.clone()];
        for valid in universe.cubes() {
            outside = outside
                .iter()
                .flat_map(|piece| piece.difference(valid))
                .collect();
        }
        assert!(
            outside.is_empty(),
            "cube outside the valid packets: {cube:?}"
        );
        for other in &cubes[i + 1..] {
            assert!(
                !cube.intersects(other),
                "overlapping cubes {cube:?} and {other:?}"
            );
        }
    }
}

/// The witness order documented on `HeaderSpace::witness`, restated independently.
fn witness_key(packet: &Packet) -> [u128; FIELDS] {
    let order = [
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
    order.map(|field| {
        let value = field.value_of(packet);
        match (field, value) {
            (Field::Ttl, 64) => 0,
            (Field::Ttl, ttl) => ttl + 1,
            _ => value,
        }
    })
}

/// Checks a space against the membership predicate on every valid grid point and a sample of
/// the invalid ones, including emptiness and the witness.
fn check_space(
    family: AddressFamily,
    space: &HeaderSpace,
    holds: impl Fn(&Point) -> bool,
) -> Result<(), TestCaseError> {
    assert_invariant(space);
    let mut smallest: Option<([u128; FIELDS], &Packet)> = None;
    for point in &grid(family).valid {
        let expected = holds(point);
        prop_assert_eq!(space.contains(&point.packet), expected, "{}", point.packet);
        if expected {
            let key = witness_key(&point.packet);
            if smallest.is_none_or(|(s, _)| key < s) {
                smallest = Some((key, &point.packet));
            }
        }
    }
    let smallest = smallest.map(|(_, packet)| packet);
    for point in invalid_sample(family) {
        prop_assert!(!space.contains(&point.packet), "invalid {:?}", point.packet);
    }
    // The space lies inside the grid, so the grid decides emptiness and the smallest member.
    prop_assert_eq!(space.is_empty(), smallest.is_none());
    let witness = space.witness();
    prop_assert_eq!(witness.as_ref(), smallest);
    if let Some(witness) = witness {
        prop_assert!(witness.is_valid(), "{:?}", witness);
        prop_assert!(space.contains(&witness));
    }
    Ok(())
}

fn family() -> impl Strategy<Value = AddressFamily> {
    prop::sample::select(FAMILIES.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn from_cube_is_the_valid_points_of_the_cube(family in family(), m in masks()) {
        let space = HeaderSpace::from_cube(family, &cube_of(&m));
        let cube = Expr::Cube(m);
        check_space(family, &space, |p| cube.holds(p))?;
    }

    #[test]
    fn operations_agree_with_brute_force(family in family(), a in expr(), b in expr()) {
        let (sa, sb) = (a.build(family), b.build(family));
        let boxed = |e: &Expr| Box::new(e.clone());
        let cases = [
            (sa.clone(), a.clone()),
            (sb.clone(), b.clone()),
            (sa.union(&sb), Expr::Union(boxed(&a), boxed(&b))),
            (sa.intersect(&sb), Expr::Intersect(boxed(&a), boxed(&b))),
            (sa.difference(&sb), Expr::Difference(boxed(&a), boxed(&b))),
            (sb.difference(&sa), Expr::Difference(boxed(&b), boxed(&a))),
        ];
        for (space, expr) in &cases {
            check_space(family, space, |p| expr.holds(p))?;
        }

        // Every pair, so that subset and overlap are seen both holding and failing.
        let valid = &grid(family).valid;
        for (x, ex) in &cases {
            for (y, ey) in &cases {
                let subset = valid.iter().all(|p| !ex.holds(p) || ey.holds(p));
                let shared = valid.iter().any(|p| ex.holds(p) && ey.holds(p));
                prop_assert_eq!(x.is_subset(y), subset, "{:?} <= {:?}", ex, ey);
                prop_assert_eq!(x.intersects(y), shared, "{:?} & {:?}", ex, ey);
                // The smallest common packet, found without building the intersection.
                prop_assert_eq!(x.first_common(y), x.intersect(y).witness(), "{:?} & {:?}", ex, ey);
                prop_assert_eq!(x.set_eq(y), subset && y.is_subset(x));
                // The cube-by-cube test says yes only to a subset, and to every space about itself.
                prop_assert!(!x.is_within_cubes_of(y) || subset, "{:?} <= {:?}", ex, ey);
            }
            prop_assert!(x.is_within_cubes_of(x), "{:?}", ex);
            // The points a search tries first are packets of the space.
            for probe in x.probes() {
                prop_assert!(probe.is_valid() && x.contains(&probe), "{} in {:?}", probe, ex);
            }
        }
        // The witness depends on the set, not on how it was built.
        prop_assert_eq!(sa.union(&sb).witness(), sb.union(&sa).witness());
        prop_assert_eq!(
            sa.witness(),
            sa.difference(&sb).union(&sa.intersect(&sb)).witness()
        );
    }

    #[test]
    fn removing_many_cubes_at_once_agrees_with_brute_force(
        family in family(),
        base in expr(),
        removed in prop::collection::vec(narrow_masks(), 0..60),
    ) {
        // Above a handful of cubes the difference divides the space (k-d splits) before subtracting.
        let space = base.build(family);
        let others: Vec<HeaderSpace> = removed
            .iter()
            .map(|m| HeaderSpace::from_cube(family, &cube_of(m)))
            .collect();
        let rest = space
            .difference_all_bounded(&others, &mut Budget::unlimited())
            .unwrap();
        let removed: Vec<Expr> = removed.into_iter().map(Expr::Cube).collect();
        check_space(family, &rest, |p| base.holds(p) && !removed.iter().any(|e| e.holds(p)))?;
        let one_by_one = others.iter().fold(space.clone(), |rest, other| rest.difference(other));
        prop_assert!(rest.set_eq(&one_by_one));
    }

    #[test]
    fn first_holders_are_the_first_in_order(
        family in family(),
        base in expr(),
        removed in prop::collection::vec(narrow_masks(), 0..40),
        at in any::<prop::sample::Index>(),
        stop in 1usize..6,
    ) {
        // A copy of the space among the others, as a term copied from an earlier one: nothing after it
        // holds a packet first.
        let space = base.build(family);
        let mut others: Vec<HeaderSpace> = removed
            .iter()
            .map(|m| HeaderSpace::from_cube(family, &cube_of(m)))
            .collect();
        let copy = at.index(others.len() + 1);
        others.insert(copy, space.clone());
        // Each other, in order, with the smallest packet of what it takes of what the earlier ones left.
        let mut left = space.clone();
        let mut expected = Vec::new();
        for (k, other) in others.iter().enumerate() {
            if let Some(packet) = left.intersect(other).witness() {
                expected.push((k * 10, packet));
            }
            left = left.difference(other);
        }
        prop_assert!(expected.iter().all(|&(k, _)| k <= copy * 10));
        let labelled = || others.iter().enumerate().map(|(k, other)| (k * 10, other));
        let all = space.first_holders_until(labelled(), &mut Budget::unlimited(), |_| false).unwrap();
        prop_assert_eq!(&all, &(expected.clone(), true));
        // Stopped at the `stop`th: the first `stop` of them, told in order.
        let mut told = Vec::new();
        let (some, whole) = space
            .first_holders_until(labelled(), &mut Budget::unlimited(), |k| {
                told.push(k);
                told.len() >= stop
            })
            .unwrap();
        prop_assert_eq!(whole, expected.len() < stop);
        prop_assert_eq!(&some[..], &expected[..expected.len().min(stop)]);
        prop_assert_eq!(told, some.iter().map(|&(k, _)| k).collect::<Vec<_>>());
    }

    #[test]
    fn spaces_of_different_families_share_nothing(a in expr(), b in expr()) {
        let sa = a.build(AddressFamily::Inet);
        let sb = b.build(AddressFamily::Inet6);
        prop_assert!(!sa.intersects(&sb));
        prop_assert!(sa.intersect(&sb).is_empty());
        prop_assert!(sa.difference(&sb).set_eq(&sa));
        prop_assert_eq!(sa.is_subset(&sb), sa.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Spaces of arbitrary ranges, against the laws of set algebra

/// A set of a field: a few ranges with ends near interesting values, or the whole domain.
fn field_set(field: Field) -> BoxedStrategy<IntervalSet> {
    let (_, hi) = field.domain(AddressFamily::Inet6);
    let mut pivots: Vec<u128> = grid_values()[field.index()].clone();
    pivots.extend([0, 1, hi - 1, hi, hi.saturating_add(1), 99_971]);
    let end = (prop::sample::select(pivots), -2i8..=2).prop_map(|(p, d)| {
        if d < 0 {
            p.saturating_sub(u128::from(d.unsigned_abs()))
        } else {
            p.saturating_add(u128::from(d.unsigned_abs()))
        }
    });
    prop_oneof![
        2 => Just(IntervalSet::full(0, hi)),
        3 => prop::collection::vec((end.clone(), end), 1..3).prop_map(IntervalSet::from_ranges),
    ]
    .boxed()
}

fn range_cube() -> impl Strategy<Value = Cube> {
    let fields: Vec<BoxedStrategy<Option<IntervalSet>>> = Field::ALL
        .iter()
        .map(|&field| {
            // Restrict about a third of the fields of a cube.
            prop_oneof![
                2 => Just(None),
                1 => field_set(field).prop_map(Some),
            ]
            .boxed()
        })
        .collect();
    fields.prop_map(|sets| {
        let mut cube = Cube::full(AddressFamily::Inet6);
        for (field, set) in Field::ALL.into_iter().zip(sets) {
            if let Some(set) = set {
                cube.set(field, set);
            }
        }
        cube
    })
}

fn range_space() -> impl Strategy<Value = (Vec<Cube>, Vec<Cube>)> {
    (
        prop::collection::vec(range_cube(), 1..4),
        prop::collection::vec(range_cube(), 0..3),
    )
}

/// `from_cubes(plus) \ from_cubes(minus)`.
fn build_ranges(family: AddressFamily, (plus, minus): &(Vec<Cube>, Vec<Cube>)) -> HeaderSpace {
    HeaderSpace::from_cubes(family, plus).difference(&HeaderSpace::from_cubes(family, minus))
}

/// Membership of a packet in `build_ranges`, decided cube by cube.
fn holds_ranges(packet: &Packet, (plus, minus): &(Vec<Cube>, Vec<Cube>)) -> bool {
    packet.is_valid()
        && plus.iter().any(|c| c.contains(packet))
        && !minus.iter().any(|c| c.contains(packet))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn range_spaces_obey_set_algebra(family in family(), a in range_space(), b in range_space()) {
        let (sa, sb) = (build_ranges(family, &a), build_ranges(family, &b));
        let universe = HeaderSpace::universe(family);
        let union = sa.union(&sb);
        let intersection = sa.intersect(&sb);
        let a_minus_b = sa.difference(&sb);
        let complement = sa.complement();
        for space in [&sa, &sb, &union, &intersection, &a_minus_b, &complement] {
            assert_invariant(space);
            if let Some(witness) = space.witness() {
                prop_assert!(witness.is_valid(), "{:?}", witness);
                prop_assert!(space.contains(&witness));
            }
        }

        prop_assert!(a_minus_b.union(&intersection).set_eq(&sa));
        prop_assert!(!a_minus_b.intersects(&sb));
        prop_assert!(intersection.is_subset(&sa) && intersection.is_subset(&sb));
        prop_assert!(sa.is_subset(&union) && sb.is_subset(&union));
        prop_assert!(union.difference(&sb).set_eq(&a_minus_b));
        prop_assert_eq!(sa.is_subset(&sb), a_minus_b.is_empty());
        prop_assert_eq!(sa.intersects(&sb), !intersection.is_empty());
        prop_assert_eq!(sa.first_common(&sb), intersection.witness());
        prop_assert!(complement.complement().set_eq(&sa));
        prop_assert!(!complement.intersects(&sa));
        prop_assert!(complement.union(&sa).set_eq(&universe));
        prop_assert!(sa.is_subset(&universe));

        // Point-wise on the grid, whose values the range ends were chosen around.
        let grid = grid(family);
        for point in grid.valid.iter().chain(invalid_sample(family)) {
            let (in_a, in_b) = (holds_ranges(&point.packet, &a), holds_ranges(&point.packet, &b));
            prop_assert_eq!(sa.contains(&point.packet), in_a, "{:?}", point.packet);
            prop_assert_eq!(union.contains(&point.packet), in_a || in_b);
            prop_assert_eq!(intersection.contains(&point.packet), in_a && in_b);
            prop_assert_eq!(a_minus_b.contains(&point.packet), in_a && !in_b);
            prop_assert_eq!(complement.contains(&point.packet), point.packet.is_valid() && !in_a);
        }
    }

    #[test]
    fn universe_holds_exactly_the_valid_packets(packet in any_packet()) {
        let universe = HeaderSpace::universe(packet.family);
        prop_assert_eq!(universe.contains(&packet), packet.is_valid(), "{:?}", packet);
    }
}

/// Packets with every field drawn near its thresholds, valid or not.
fn any_packet() -> impl Strategy<Value = Packet> {
    let family = family();
    let address = prop_oneof![
        Just(0u128),
        Just(u128::from(u32::MAX)),
        Just(1 << 32),
        any::<u128>()
    ];
    let small = |values: Vec<u8>| prop_oneof![prop::sample::select(values), any::<u8>()];
    let port = prop::option::of(prop_oneof![Just(0u16), any::<u16>()]);
    let icmp = prop::option::of(small(vec![0, 8, 255]));
    let length = prop_oneof![
        prop::sample::select(vec![
            0u32, 19, 20, 27, 28, 31, 32, 39, 40, 47, 48, 51, 52, 59, 60
        ]),
        prop::sample::select(vec![65_535u32, 65_536, 65_575, 65_576, 99_971]),
        any::<u32>(),
    ];
    (
        (
            family,
            address.clone(),
            address,
            small(vec![1, 6, 17, 58, 132]),
        ),
        (port.clone(), port, icmp.clone(), icmp),
        (
            prop::option::of(any::<u8>()),
            length,
            small(vec![0, 63, 64]),
        ),
        (
            prop_oneof![Just(0u16), Just(1), Just(8191), Just(8192), any::<u16>()],
            small(vec![0, 7, 8]),
            any::<u8>(),
        ),
    )
        .prop_map(
            |(
                (family, source, destination, protocol),
                (source_port, destination_port, icmp_type, icmp_code),
                (tcp_flags, packet_length, dscp),
                (fragment_offset, fragment_flags, ttl),
            )| Packet {
                family,
                source,
                destination,
                protocol,
                source_port,
                destination_port,
                icmp_type,
                icmp_code,
                tcp_flags,
                packet_length,
                dscp,
                fragment_offset,
                fragment_flags,
                ttl,
            },
        )
}

// ---------------------------------------------------------------------------------------------
// Unit tests

#[test]
fn universe_is_exactly_the_valid_packets_of_the_grid() {
    for family in FAMILIES {
        let universe = HeaderSpace::universe(family);
        assert_invariant(&universe);
        let grid = grid(family);
        assert!(!grid.valid.is_empty() && !grid.invalid.is_empty());
        for point in &grid.valid {
            assert!(universe.contains(&point.packet), "{:?}", point.packet);
        }
        for point in &grid.invalid {
            assert!(!universe.contains(&point.packet), "{:?}", point.packet);
        }
    }
}

#[test]
fn universe_witness_is_valid() {
    for family in FAMILIES {
        let universe = HeaderSpace::universe(family);
        let witness = universe.witness().expect("the universe is not empty");
        assert!(witness.is_valid(), "{witness:?}");
        assert!(universe.contains(&witness));
        assert_eq!(witness.family, family);
        assert_eq!(witness.ttl, 64);
        assert_eq!(witness.fragment_offset, 0);
        // Protocol 0 carries nothing after the IP header, so the shortest packet is the header.
        assert_eq!(witness.protocol, 0);
        assert_eq!(witness.packet_length, family.ip_header_len());
    }
}

#[test]
fn icmp_with_a_destination_port_is_empty() {
    // Ports exist only in TCP, UDP and SCTP packets, so no ICMP packet has destination port 80.
    let family = AddressFamily::Inet;
    let cube = Cube::full(family)
        .with(Field::Protocol, IntervalSet::single(1))
        .with(Field::DestinationPort, IntervalSet::single(80));
    let space = HeaderSpace::from_cube(family, &cube);
    assert!(space.is_empty());
    assert_eq!(space.witness(), None);
    // The same cube without the port is not empty: the port alone makes it contradictory.
    let icmp = Cube::full(family).with(Field::Protocol, IntervalSet::single(1));
    assert!(!HeaderSpace::from_cube(family, &icmp).is_empty());
}

#[test]
fn packet_length_99971_is_outside_the_inet_domain() {
    // The 2013 flow route: `packet-length [ 99971 99985 ]`. IPv4 Total Length is 16 bits.
    let family = AddressFamily::Inet;
    assert_eq!(Field::PacketLength.domain(family), (0, 65_535));
    assert_eq!(
        Field::PacketLength.domain(AddressFamily::Inet6),
        (0, 65_575)
    );
    let cube = Cube::full(family)
        .with(
            Field::DestinationAddress,
            IntervalSet::single(u128::from(u32::from_be_bytes([173, 245, 48, 1]))),
        )
        .with(Field::DestinationPort, IntervalSet::single(53))
        .with(
            Field::PacketLength,
            IntervalSet::from_ranges([(99_971, 99_971), (99_985, 99_985)]),
        );
    assert!(HeaderSpace::from_cube(family, &cube).is_empty());
    // The same lengths are also beyond the IPv6 maximum.
    assert!(HeaderSpace::from_cube(AddressFamily::Inet6, &cube).is_empty());
    // Without the impossible lengths, the route does match something.
    let possible = cube.with(Field::PacketLength, IntervalSet::full(0, 65_535));
    let witness = HeaderSpace::from_cube(family, &possible).witness().unwrap();
    assert_eq!(witness.destination_port, Some(53));
    assert_eq!(witness.protocol, 6);
}

#[test]
fn ports_exclude_packets_without_ports() {
    // A port condition is a set of wire values, so it never matches a non-first fragment.
    let family = AddressFamily::Inet6;
    let cube = Cube::full(family).with(Field::DestinationPort, IntervalSet::range(0, 65_535));
    let space = HeaderSpace::from_cube(family, &cube);
    let protocols: BTreeSet<u128> = space
        .cubes()
        .iter()
        .flat_map(|c| c[Field::Protocol].iter().flat_map(|(lo, hi)| lo..=hi))
        .collect();
    assert_eq!(protocols, BTreeSet::from([6, 17, 132]));
    for cube in space.cubes() {
        assert_eq!(cube[Field::FragmentOffset], IntervalSet::single(0));
    }
}

#[test]
fn witness_of_a_later_fragment_space() {
    let family = AddressFamily::Inet;
    let cube = Cube::full(family)
        .with(Field::FragmentOffset, IntervalSet::range(1, 8191))
        .with(Field::Ttl, IntervalSet::range(1, 10));
    let witness = HeaderSpace::from_cube(family, &cube).witness().unwrap();
    assert_eq!(witness.fragment_offset, 1);
    assert_eq!(witness.ttl, 1, "64 is not allowed, so the lowest TTL");
    assert_eq!(
        witness.packet_length, 21,
        "a last fragment may carry one byte"
    );
    assert_eq!(witness.source_port, None);
    assert!(witness.is_valid());
}
