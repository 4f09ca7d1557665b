//! A static index over the bounding boxes of a rule list, so that finding the earlier rules that may
//! overlap a rule costs about the logarithm of the list's length plus the number of rules found, not a
//! pass over every earlier rule.
//!
//! It is a bounding-volume hierarchy: the boxes are split in two halves by the centre of one field,
//! recursively, and every node keeps the box around its boxes and the smallest rule index below it.
//! A query descends only into nodes whose box meets the query and that hold a rule before a given index.
//! The split field is the one along which the fewest boxes of a sample straddle the median: for rule
//! lists that is usually an address, since most rules name particular hosts or networks.

use crate::space::{Cube, FIELDS, Field};

/// The smallest box (one closed range per field) around a set of cubes.
///
/// The addresses keep their 128 bits; every other field fits in 32 (the packet length is the widest),
/// and a value above is saturated, which can only make a box larger. A box is a filter for the index,
/// never an answer, so a larger one costs a candidate, not a wrong verdict. At 160 bytes instead of
/// 416, and with the narrow fields side by side, testing two boxes is a few vector compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Source and destination address: lowest and highest.
    addresses: [(u128, u128); 2],
    /// The other fields (and one unused slot, 0 in every box): lowest and highest.
    lo: [u32; NARROW],
    hi: [u32; NARROW],
}

/// Slots for the fields after the two addresses, rounded up to a multiple of four.
const NARROW: usize = (FIELDS - 2).div_ceil(4) * 4;

const _: () = assert!(
    Field::SourceAddress.index() == 0 && Field::DestinationAddress.index() == 1,
    "the addresses are the first two fields"
);

fn narrow(value: u128) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl Bounds {
    /// The box of the points from `lo` to `hi`, field by field.
    fn from_points(lo: &[u128; FIELDS], hi: &[u128; FIELDS]) -> Self {
        let mut bounds = Self {
            addresses: [(lo[0], hi[0]), (lo[1], hi[1])],
            lo: [0; NARROW],
            hi: [0; NARROW],
        };
        for i in 2..FIELDS {
            bounds.lo[i - 2] = narrow(lo[i]);
            bounds.hi[i - 2] = narrow(hi[i]);
        }
        bounds
    }

    /// The box around `cubes`, or `None` if there is none or one is empty.
    pub fn of(cubes: &[Cube]) -> Option<Self> {
        let mut bounds: Option<Self> = None;
        for cube in cubes {
            let mut lo = [0; FIELDS];
            let mut hi = [0; FIELDS];
            for field in Field::ALL {
                let set = cube.get(field);
                lo[field.index()] = set.first()?;
                hi[field.index()] = set.last()?;
            }
            let next = Self::from_points(&lo, &hi);
            bounds = Some(match bounds {
                Some(b) => b.join(&next),
                None => next,
            });
        }
        bounds
    }

    /// Boxes around `cubes`, finer than [`Bounds::of`]: one per address range of a cube (up to
    /// [`MAX_BOXES`] per space). An address list of prefixes spread over the address space has a box
    /// that covers nearly all of it; its boxes cover only its prefixes.
    pub fn split_of(cubes: &[Cube]) -> Vec<Self> {
        let mut boxes: Vec<Self> = Vec::new();
        for cube in cubes {
            let Some(whole) = Self::of(std::slice::from_ref(cube)) else {
                continue;
            };
            let field = [Field::DestinationAddress, Field::SourceAddress]
                .into_iter()
                .max_by_key(|&f| cube.get(f).range_count())
                .unwrap_or(Field::DestinationAddress);
            let ranges = cube.get(field).ranges();
            // Groups of adjacent ranges when there are too many to give each a box.
            let group = ranges.len().div_ceil(MAX_BOXES);
            for chunk in ranges.chunks(group.max(1)) {
                let mut part = whole;
                part.addresses[field.index()] = (chunk[0].0, chunk[chunk.len() - 1].1);
                // The cubes of a space often differ only in the narrow fields (the protocols and
                // fragments that make a packet valid): one box for each place in the address space.
                match boxes.iter_mut().find(|b| b.addresses == part.addresses) {
                    Some(same) => *same = same.join(&part),
                    None => boxes.push(part),
                }
            }
        }
        if boxes.len() > MAX_BOXES {
            let hull = boxes.iter().skip(1).fold(boxes[0], |a, b| a.join(b));
            return vec![hull];
        }
        boxes
    }

    /// The box of one packet.
    pub fn point(packet: &crate::packet::Packet) -> Self {
        let values = Field::ALL.map(|field| field.value_of(packet));
        Self::from_points(&values, &values)
    }

    /// The range of `field`: lowest and highest value (saturated at `u32::MAX` but for addresses).
    pub fn range(&self, field: Field) -> (u128, u128) {
        match field.index() {
            i @ 0..2 => self.addresses[i],
            i => (self.lo[i - 2].into(), self.hi[i - 2].into()),
        }
    }

    /// Whether the boxes share a point.
    pub fn intersects(&self, other: &Self) -> bool {
        // The addresses first: they tell most boxes apart. The narrow fields without branches, which
        // the compiler turns into vector compares.
        let [(a, b), (c, d)] = self.addresses;
        let [(e, f), (g, h)] = other.addresses;
        if a > f || e > b || c > h || g > d {
            return false;
        }
        let mut meet = true;
        for i in 0..NARROW {
            meet &= self.lo[i] <= other.hi[i];
            meet &= other.lo[i] <= self.hi[i];
        }
        meet
    }

    /// The smallest box around both.
    #[must_use]
    pub fn join(&self, other: &Self) -> Self {
        let address = |i: usize| {
            (
                self.addresses[i].0.min(other.addresses[i].0),
                self.addresses[i].1.max(other.addresses[i].1),
            )
        };
        Self {
            addresses: [address(0), address(1)],
            lo: std::array::from_fn(|i| self.lo[i].min(other.lo[i])),
            hi: std::array::from_fn(|i| self.hi[i].max(other.hi[i])),
        }
    }

    fn center(&self, field: usize) -> u128 {
        let (lo, hi) = self.range(Field::ALL[field]);
        lo / 2 + hi / 2 + (lo & hi & 1)
    }
}

/// Most boxes [`Bounds::split_of`] gives one space.
pub const MAX_BOXES: usize = 32;
/// Boxes per block of [`BoxIndex::overlapping_in_order`].
const BLOCK: usize = 32;
/// Boxes in a leaf.
const LEAF: usize = 8;
/// Boxes looked at to choose a split field.
const SAMPLE: usize = 16;

#[derive(Clone, Debug)]
struct Node {
    bounds: Bounds,
    /// The smallest rule index in the subtree.
    first: u32,
    /// The subtree's boxes are `order[start..end]`.
    start: u32,
    end: u32,
    /// The children, or `None` for a leaf.
    children: Option<(u32, u32)>,
}

/// The boxes of a rule list in rule order, with the box around every [`BLOCK`] of them: the earliest
/// rules that overlap a query are found by a scan that stops when the caller does.
#[derive(Clone, Debug, Default)]
pub struct RuleBoxes {
    /// Every box; rule `i` has `boxes[starts[i]..starts[i + 1]]`.
    boxes: Vec<Bounds>,
    starts: Vec<u32>,
    /// The rule of each box.
    owner: Vec<u32>,
    /// The box around each [`BLOCK`] boxes.
    blocks: Vec<Bounds>,
}

/// The boxes of a rule list, indexed.
#[derive(Clone, Debug, Default)]
pub struct BoxIndex {
    rules: RuleBoxes,
    /// Box numbers, in tree order.
    order: Vec<u32>,
    nodes: Vec<Node>,
}

impl RuleBoxes {
    /// The rules' boxes; rule `i` has `boxes[i]` (none: it matches nothing and is never found).
    pub fn new(rules: impl IntoIterator<Item = Vec<Bounds>>) -> Self {
        let mut list = Self::default();
        list.starts.push(0);
        for (i, boxes) in rules.into_iter().enumerate() {
            list.owner
                .extend(std::iter::repeat_n(i as u32, boxes.len()));
            list.boxes.extend(boxes);
            list.starts.push(list.boxes.len() as u32);
        }
        list.boxes.shrink_to_fit();
        list.owner.shrink_to_fit();
        list.blocks = list
            .boxes
            .chunks(BLOCK)
            .map(|block| block[1..].iter().fold(block[0], |h, b| h.join(b)))
            .collect();
        list
    }

    /// The boxes of rule `i` (empty if it matches nothing).
    pub fn boxes(&self, i: usize) -> &[Bounds] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&start), Some(&end)) => &self.boxes[start as usize..end as usize],
            _ => &[],
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rules before `before` with a box that meets one of `query`, in increasing order and once each,
    /// found lazily: a caller that stops early pays only for the boxes up to the last rule it took.
    ///
    /// The boxes are scanned in rule order, a block of [`BLOCK`] at a time skipped when the box around
    /// the block misses the query. The tree would visit fewer boxes, but not in rule order: to be sure
    /// of the first rule it must look at every subtree holding an earlier rule, which in a filter of
    /// overlapping terms is most of them.
    pub fn overlapping_in_order<'a>(
        &'a self,
        query: &'a [Bounds],
        before: usize,
    ) -> impl Iterator<Item = usize> + 'a {
        let hull = query
            .split_first()
            .map(|(b, rest)| rest.iter().fold(*b, |h, q| h.join(q)));
        let meets = move |bounds: &Bounds| {
            hull.is_some_and(|h| h.intersects(bounds))
                && (query.len() == 1 || query.iter().any(|q| bounds.intersects(q)))
        };
        let end = self.starts[before.min(self.len())] as usize;
        let mut next = 0;
        let mut last = None;
        std::iter::from_fn(move || {
            while next < end {
                if next % BLOCK == 0 && !meets(&self.blocks[next / BLOCK]) {
                    next += BLOCK;
                    continue;
                }
                let b = next;
                next += 1;
                let rule = self.owner[b];
                if last != Some(rule) && meets(&self.boxes[b]) {
                    last = Some(rule);
                    return Some(rule as usize);
                }
            }
            None
        })
    }
}

impl BoxIndex {
    /// Indexes the rules' boxes; rule `i` has `boxes[i]` (none: it matches nothing and is never found).
    pub fn new(rules: impl IntoIterator<Item = Vec<Bounds>>) -> Self {
        let mut index = Self {
            rules: RuleBoxes::new(rules),
            ..Self::default()
        };
        index.order = (0..index.rules.boxes.len() as u32).collect();
        if !index.order.is_empty() {
            index.nodes.reserve(2 * index.order.len() / LEAF + 1);
            index.build(0, index.order.len());
        }
        index
    }

    /// Indexes the rules' boxes in rule order ([`BoxIndex::rules`]), and in a tree only if `tree`
    /// (without it, [`BoxIndex::overlapping`] and [`BoxIndex::any_holding`] find nothing).
    pub fn new_in_order(rules: impl IntoIterator<Item = Vec<Bounds>>, tree: bool) -> Self {
        if tree {
            Self::new(rules)
        } else {
            Self {
                rules: RuleBoxes::new(rules),
                ..Self::default()
            }
        }
    }

    /// The rules' boxes in rule order.
    pub fn rules(&self) -> &RuleBoxes {
        &self.rules
    }

    /// The boxes of rule `i` (empty if it matches nothing).
    pub fn boxes(&self, i: usize) -> &[Bounds] {
        self.rules.boxes(i)
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Builds the subtree over `order[start..end]` and returns its node's index.
    fn build(&mut self, start: usize, end: usize) -> u32 {
        let items = &mut self.order[start..end];
        let (boxes, owner) = (&self.rules.boxes, &self.rules.owner);
        let mut bounds = boxes[items[0] as usize];
        let mut first = owner[items[0] as usize];
        for &b in &items[1..] {
            bounds = bounds.join(&boxes[b as usize]);
            first = first.min(owner[b as usize]);
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            bounds,
            first,
            start: start as u32,
            end: end as u32,
            children: None,
        });
        if items.len() <= LEAF {
            return id;
        }
        let field = split_field(items, boxes);
        let mid = items.len() / 2;
        items.select_nth_unstable_by_key(mid, |&b| boxes[b as usize].center(field));
        let left = self.build(start, start + mid);
        let right = self.build(start + mid, end);
        self.nodes[id as usize].children = Some((left, right));
        id
    }

    /// Whether some rule before `before` whose box holds `point` satisfies `found`: a depth-first search
    /// that stops at the first such rule, so a point held by many boxes costs the path to one of them.
    pub fn any_holding(
        &self,
        point: &Bounds,
        before: usize,
        mut found: impl FnMut(usize) -> bool,
    ) -> bool {
        if self.nodes.is_empty() {
            return false;
        }
        let mut stack = [0u32; 64];
        let mut depth = 1;
        while depth > 0 {
            depth -= 1;
            let node = &self.nodes[stack[depth] as usize];
            if node.first as usize >= before || !node.bounds.intersects(point) {
                continue;
            }
            match node.children {
                // The tree halves at each level, so its depth stays far below the stack's size.
                Some((left, right)) if depth + 2 <= stack.len() => {
                    stack[depth] = right;
                    stack[depth + 1] = left;
                    depth += 2;
                }
                // A leaf, or (never in practice) a full stack: the node's boxes one by one.
                _ => {
                    for &b in &self.order[node.start as usize..node.end as usize] {
                        let rule = self.rules.owner[b as usize] as usize;
                        if rule < before
                            && self.rules.boxes[b as usize].intersects(point)
                            && found(rule)
                        {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }

    /// Appends to `out`, in increasing order and once each, every rule before `before` with a box that
    /// meets one of `query`.
    pub fn overlapping(&self, query: &[Bounds], before: usize, out: &mut Vec<usize>) {
        let from = out.len();
        if self.nodes.is_empty() {
            return;
        }
        let mut stack = Vec::with_capacity(64);
        for q in query {
            stack.push(0u32);
            while let Some(id) = stack.pop() {
                let node = &self.nodes[id as usize];
                if node.first as usize >= before || !node.bounds.intersects(q) {
                    continue;
                }
                match node.children {
                    Some((left, right)) => {
                        stack.push(right);
                        stack.push(left);
                    }
                    None => {
                        for &b in &self.order[node.start as usize..node.end as usize] {
                            let rule = self.rules.owner[b as usize] as usize;
                            if rule < before && self.rules.boxes[b as usize].intersects(q) {
                                out.push(rule);
                            }
                        }
                    }
                }
            }
        }
        out[from..].sort_unstable();
        let mut kept = from;
        for k in from..out.len() {
            if kept == from || out[kept - 1] != out[k] {
                out[kept] = out[k];
                kept += 1;
            }
        }
        out.truncate(kept);
    }
}

/// The field to split `items` on: the one where the fewest sampled boxes straddle the sample's median
/// centre, and among those the one with the most distinct centres.
fn split_field(items: &[u32], boxes: &[Bounds]) -> usize {
    let step = (items.len() / SAMPLE).max(1);
    let sample: Vec<Bounds> = items
        .iter()
        .step_by(step)
        .take(SAMPLE)
        .map(|&i| boxes[i as usize])
        .collect();
    let mut best = (usize::MAX, 0usize, 0usize);
    let mut centers = Vec::with_capacity(sample.len());
    for field in 0..FIELDS {
        centers.clear();
        centers.extend(sample.iter().map(|b| b.center(field)));
        centers.sort_unstable();
        let median = centers[centers.len() / 2];
        let straddle = sample
            .iter()
            .filter(|b| {
                let (lo, hi) = b.range(Field::ALL[field]);
                lo < median && median <= hi
            })
            .count();
        centers.dedup();
        let distinct = centers.len();
        if distinct > 1 && (straddle, usize::MAX - distinct) < (best.0, usize::MAX - best.1) {
            best = (straddle, distinct, field);
        }
    }
    best.2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::AddressFamily;
    use crate::space::IntervalSet;

    fn cube(src: (u128, u128), dport: (u128, u128)) -> Cube {
        Cube::full(AddressFamily::Inet)
            .with(Field::SourceAddress, IntervalSet::range(src.0, src.1))
            .with(Field::DestinationPort, IntervalSet::range(dport.0, dport.1))
    }

    #[test]
    fn finds_exactly_the_earlier_overlapping_boxes() {
        // A pseudo-random mix of narrow and wide boxes; the index must agree with a linear scan.
        let mut state = 7u64;
        let mut next = |n: u128| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            u128::from(state >> 33) % n
        };
        let rules: Vec<Vec<Bounds>> = (0..500)
            .map(|i| {
                if i % 50 == 7 {
                    return Vec::new();
                }
                let cubes: Vec<Cube> = (0..=(i % 3))
                    .map(|_| {
                        let lo = next(1 << 20);
                        let width = if i % 17 == 0 { 1 << 22 } else { next(1 << 10) };
                        let port = next(60_000);
                        cube((lo, lo + width), (port, port + next(2000)))
                    })
                    .collect();
                Bounds::split_of(&cubes)
            })
            .collect();
        let index = BoxIndex::new(rules.clone());
        let meets =
            |a: &[Bounds], b: &[Bounds]| a.iter().any(|x| b.iter().any(|y| x.intersects(y)));
        let mut found = Vec::new();
        for (i, query) in rules.iter().enumerate() {
            assert_eq!(index.boxes(i), query.as_slice());
            found.clear();
            index.overlapping(query, i, &mut found);
            let expected: Vec<usize> = (0..i).filter(|&j| meets(&rules[j], query)).collect();
            assert_eq!(found, expected, "rule {i}");
            let lazily: Vec<usize> = index.rules().overlapping_in_order(query, i).collect();
            assert_eq!(lazily, expected, "rule {i}, in order");
        }
    }

    #[test]
    fn bounds_cover_every_cube() {
        let a = cube((10, 20), (80, 80));
        let b = cube((15, 40), (443, 443));
        let bounds = Bounds::of(&[a, b]).unwrap();
        assert_eq!(bounds.range(Field::SourceAddress), (10, 40));
        assert_eq!(bounds.range(Field::DestinationPort), (80, 443));
        assert!(Bounds::of(&[]).is_none());
        // Two prefixes far apart: two boxes, not one over everything between them.
        let spread = cube((10, 20), (80, 80)).with(
            Field::DestinationAddress,
            IntervalSet::from_ranges([(0, 9), (1 << 30, (1 << 30) + 9)]),
        );
        let split = Bounds::split_of(&[spread]);
        assert_eq!(split.len(), 2);
        assert_eq!(
            split[1].range(Field::DestinationAddress),
            (1 << 30, (1 << 30) + 9)
        );
    }
}
