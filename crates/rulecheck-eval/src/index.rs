//! A static index over the bounding boxes of a rule list: which earlier rules may overlap a box or hold
//! a point, in rule order, without a pass over every earlier rule's box.
//!
//! Two boxes meet when, in every field, each one's lower bound is at most the other's upper bound. So the
//! boxes that meet a query are, field by field, those whose lower bound is at most the query's upper one
//! and those whose upper bound is at least the query's lower one, and each of these sets is a prefix of
//! the boxes sorted by that bound. For a field and side the index keeps that order and, every `stride`
//! positions, the set of the boxes before it as a bit set over box numbers (which follow rule order); a
//! side whose boxes have fewer distinct bounds than that makes rows keeps one at the end of each bound
//! instead, the only places a query can end. This is the bit-vector scheme of packet classifiers
//! (Lakshman and Stiliadis, SIGCOMM 1998), with prefix sets in place of elementary intervals, so its
//! memory is linear in the fields and rows kept.
//!
//! The addresses and the protocol tell nearly all boxes apart: the boxes their sides leave are hardly
//! more than the answer. So the index keeps sides for those fields only, and tests the boxes they leave
//! one by one in the others. A query is a binary search per side for the stored set at or past where
//! its passing boxes end (a superset, which the test of each box corrects) and an AND of those sets a
//! few words at a time, in rule order, as the caller asks: its answer comes out in rule order, so "the
//! first earlier rule that …" stops at the first answer, and a caller that stops at the tenth of the
//! earlier rules pays for a tenth of the sets. A field in which every box has the same bound (the
//! protocol of a filter whose terms name none) costs one comparison.

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

    /// Boxes around `cubes`, finer than [`Bounds::of`]: one per pair of a source and a destination
    /// range of a cube when there are at most [`MAX_BOXES`] pairs, else one per group of adjacent
    /// ranges of the address with more (up to [`MAX_BOXES`] per space). An address list of prefixes
    /// spread over the address space has a box that covers nearly all of it; its boxes cover only its
    /// prefixes. A term with a few sources and a few destinations would otherwise have boxes as wide as
    /// all its sources, which meet nearly every other term's.
    pub fn split_of(cubes: &[Cube]) -> Vec<Self> {
        let mut boxes: Vec<Self> = Vec::new();
        for cube in cubes {
            let Some(whole) = Self::of(std::slice::from_ref(cube)) else {
                continue;
            };
            let sources = cube.get(Field::SourceAddress).ranges();
            let destinations = cube.get(Field::DestinationAddress).ranges();
            // A box per source and destination range when there are few enough; otherwise groups of
            // adjacent ranges of the field with more, the other field's whole span in each.
            let (source_groups, destination_groups) =
                if sources.len().saturating_mul(destinations.len()) <= MAX_BOXES {
                    (sources.len(), destinations.len())
                } else if sources.len() > destinations.len() {
                    (MAX_BOXES, 1)
                } else {
                    (1, MAX_BOXES)
                };
            for source in groups(sources, source_groups) {
                for destination in groups(destinations, destination_groups) {
                    let mut part = whole;
                    part.addresses = [source, destination];
                    // The cubes of a space often differ only in the narrow fields (the protocols and
                    // fragments that make a packet valid): one box for each place in the address space.
                    match boxes.iter_mut().find(|b| b.addresses == part.addresses) {
                        Some(same) => *same = same.join(&part),
                        None => boxes.push(part),
                    }
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

    /// Whether every point of `other` is in this box.
    pub fn contains(&self, other: &Self) -> bool {
        let holds = |(a, b): (u128, u128), (c, d): (u128, u128)| a <= c && d <= b;
        let mut within = holds(self.addresses[0], other.addresses[0])
            && holds(self.addresses[1], other.addresses[1]);
        for i in 0..NARROW {
            within &= self.lo[i] <= other.lo[i] && other.hi[i] <= self.hi[i];
        }
        within
    }

    /// Whether it contains `other` in every field but at most one.
    pub fn contains_but_one(&self, other: &Self) -> bool {
        let holds = |(a, b): (u128, u128), (c, d): (u128, u128)| a <= c && d <= b;
        let mut outside = usize::from(!holds(self.addresses[0], other.addresses[0]))
            + usize::from(!holds(self.addresses[1], other.addresses[1]));
        for i in 0..NARROW {
            outside += usize::from(!(self.lo[i] <= other.lo[i] && other.hi[i] <= self.hi[i]));
        }
        outside <= 1
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
}

/// The spans of `ranges` (sorted, disjoint) in at most `count` groups of adjacent ranges.
fn groups(ranges: &[(u128, u128)], count: usize) -> impl Iterator<Item = (u128, u128)> + '_ {
    let size = ranges.len().div_ceil(count.max(1)).max(1);
    ranges
        .chunks(size)
        .map(|chunk| (chunk[0].0, chunk[chunk.len() - 1].1))
}

/// A query box's stored sets, one per side of [`NARROWING`] that leaves out some box: together a
/// superset of the boxes those sides pass.
struct Narrowed<'a> {
    rows: [&'a [u64]; 2 * NARROWING.len()],
    count: usize,
}

/// Words of a bit set [`Candidates`] computes at a time: a stored set's length is a multiple of it.
const CHUNK: usize = 8;

/// The boxes before `end` that some query box's [`Narrowed`] sets hold, in increasing order, computed
/// [`CHUNK`] words at a time as they are asked for.
struct Candidates<'a> {
    plans: Vec<Narrowed<'a>>,
    end: usize,
    /// The next chunk to compute, and how many there are.
    next: usize,
    chunks: usize,
    /// What is left of the last chunk computed, and the word of it being read.
    bits: [u64; CHUNK],
    word: usize,
}

impl<'a> Candidates<'a> {
    fn new(plans: Vec<Narrowed<'a>>, end: usize) -> Self {
        let chunks = if plans.is_empty() {
            0
        } else {
            end.div_ceil(64 * CHUNK)
        };
        Self {
            plans,
            end,
            next: 0,
            chunks,
            bits: [0; CHUNK],
            word: CHUNK,
        }
    }

    /// Computes the next chunk into `bits`; whether it holds a box.
    fn compute(&mut self) -> bool {
        let start = self.next * CHUNK;
        self.next += 1;
        let mut bits = [0u64; CHUNK];
        for plan in &self.plans {
            let mut part = [u64::MAX; CHUNK];
            for row in &plan.rows[..plan.count] {
                let row: &[u64; CHUNK] = row[start..start + CHUNK]
                    .try_into()
                    .expect("stored sets are whole chunks");
                let mut any = 0;
                for (p, r) in part.iter_mut().zip(row) {
                    *p &= r;
                    any |= *p;
                }
                if any == 0 {
                    break;
                }
            }
            for (b, p) in bits.iter_mut().zip(part) {
                *b |= p;
            }
        }
        // Boxes from `end` on are left out.
        if (start + CHUNK) * 64 > self.end {
            for (w, word) in bits.iter_mut().enumerate() {
                let first = (start + w) * 64;
                if first >= self.end {
                    *word = 0;
                } else if self.end - first < 64 {
                    *word &= (1 << (self.end - first)) - 1;
                }
            }
        }
        self.bits = bits;
        self.word = 0;
        bits.iter().fold(0, |any, &b| any | b) != 0
    }
}

impl Iterator for Candidates<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        loop {
            while let Some(word) = self.bits.get_mut(self.word) {
                if *word != 0 {
                    let bit = word.trailing_zeros() as usize;
                    *word &= *word - 1;
                    return Some(((self.next - 1) * CHUNK + self.word) * 64 + bit);
                }
                self.word += 1;
            }
            loop {
                if self.next == self.chunks {
                    return None;
                }
                if self.compute() {
                    break;
                }
            }
        }
    }
}

/// The fields whose sides [`BoxIndex::overlapping_lazily`] applies: the addresses and the protocol. In
/// the generated configurations the other sides take out 4% of the boxes these leave, at most of a
/// query's cost.
const NARROWING: [Field; 3] = [
    Field::SourceAddress,
    Field::DestinationAddress,
    Field::Protocol,
];

/// Most boxes [`Bounds::split_of`] gives one space.
pub const MAX_BOXES: usize = 32;
/// Smallest number of boxes between two stored sets of a [`Side`].
const STRIDE: usize = 64;
/// Most stored sets per [`Side`]: above `STRIDE * MAX_ROWS` boxes the stride grows instead, so that a
/// side's sets take at most `MAX_ROWS / 8` bytes per box (six sides: 192 bytes per box, less than the
/// compiled cubes of a term).
const MAX_ROWS: usize = 256;

/// The boxes of a rule list in rule order: box numbers follow rule order.
#[derive(Clone, Debug, Default)]
struct RuleBoxes {
    /// Every box; rule `i` has `boxes[starts[i]..starts[i + 1]]`.
    boxes: Vec<Bounds>,
    starts: Vec<u32>,
    /// The rule of each box.
    owner: Vec<u32>,
    /// The smallest box around each rule's boxes (a point for a rule of none).
    hulls: Vec<Bounds>,
}

/// The boxes of a rule list, indexed (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct BoxIndex {
    rules: RuleBoxes,
    /// One per field of [`NARROWING`] and side in which the boxes' bounds differ, in field order.
    sides: Vec<Side>,
    /// Boxes between two stored sets.
    stride: usize,
    /// Words of a bit set over every box.
    words: usize,
    /// Per box, per side of [`NARROWING`] (in `sides` order), the stored set a query by the box
    /// itself takes ([`BoxIndex::row`]), or [`EVERY_BOX`] if every box passes it.
    own_rows: Vec<[u16; 2 * NARROWING.len()]>,
}

/// In [`BoxIndex::own_rows`], a side every box passes.
const EVERY_BOX: u16 = u16::MAX;

/// The lower (or upper) bounds of every box in one field, and the sets of boxes of a prefix of their
/// order.
#[derive(Clone, Debug)]
struct Side {
    field: Field,
    upper: bool,
    /// The bounds, ascending for lower bounds, descending for upper ones.
    keys: Keys,
    /// The box of each key.
    ids: Vec<u32>,
    /// Row `r` (`words` words): the set of the boxes `ids[..r * stride]`, or with `per_key` the set of
    /// the boxes of the first `r` keys.
    rows: Vec<u64>,
    /// Whether there is a row per key (few keys) rather than every `stride` boxes.
    per_key: bool,
}

/// The distinct bounds of a [`Side`], in its order (IPv6 addresses keep 128 bits; IPv4 addresses and
/// the other fields fit in 32), each with the number of boxes up to and including it, side by side so
/// that the search's last look brings the count with it. Most fields take few values, so the search is
/// short.
#[derive(Clone, Debug)]
enum Keys {
    Wide(Vec<(u128, u32)>),
    Narrow(Vec<(u32, u32)>),
}

/// `pairs` sorted by key, stably (so by box number among equal keys, if they come in that order): a
/// least-significant-byte-first radix sort that skips the bytes every key shares. The bounds of most
/// fields are small numbers (protocols, flags, DSCP), one or two bytes to sort by, not four.
fn radix_sort(mut pairs: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    let (all, any) = pairs.iter().fold((u32::MAX, 0), |(all, any), &(key, _)| {
        (all & key, any | key)
    });
    let mut spare = vec![(0, 0); pairs.len()];
    let differing = (all ^ any).to_le_bytes();
    for (place, _) in differing.iter().enumerate().filter(|&(_, &d)| d != 0) {
        let byte = |key: u32| usize::from(key.to_le_bytes()[place]);
        let mut next = [0usize; 256];
        for &(key, _) in &pairs {
            next[byte(key)] += 1;
        }
        let mut start = 0;
        for slot in &mut next {
            (start, *slot) = (start + *slot, start);
        }
        for &(key, id) in &pairs {
            let slot = &mut next[byte(key)];
            spare[*slot] = (key, id);
            *slot += 1;
        }
        std::mem::swap(&mut pairs, &mut spare);
    }
    pairs
}

/// The distinct values of `sorted`, each with the number of values up to and including it.
fn distinct<K: Copy + PartialEq>(sorted: impl IntoIterator<Item = K>) -> Vec<(K, u32)> {
    let mut keys: Vec<(K, u32)> = Vec::new();
    for (n, key) in (1u32..).zip(sorted) {
        match keys.last_mut() {
            Some((last, end)) if *last == key => *end = n,
            _ => keys.push((key, n)),
        }
    }
    keys
}

impl Side {
    /// The side of `boxes` in `field`, or `None` if every query passes it (every lower bound is 0).
    fn new(
        boxes: &[Bounds],
        field: Field,
        upper: bool,
        stride: usize,
        words: usize,
    ) -> Option<Self> {
        // Any query passes every box or none when all have the same bound: one box stands for all.
        let same = |keys: Keys| Self {
            field,
            upper,
            keys,
            ids: vec![0],
            rows: Vec::new(),
            per_key: false,
        };
        // The bounds of the narrow fields, and of addresses that fit in 32 bits (every IPv4 one), as
        // the boxes keep them; sorted as 32-bit keys.
        let i = field.index();
        let narrow_bounds: Option<Vec<u32>> = if i >= 2 {
            Some(
                boxes
                    .iter()
                    .map(|b| if upper { b.hi[i - 2] } else { b.lo[i - 2] })
                    .collect(),
            )
        } else {
            boxes
                .iter()
                .map(|b| {
                    let (lo, hi) = b.addresses[i];
                    u32::try_from(if upper { hi } else { lo }).ok()
                })
                .collect()
        };
        // Sorted by bound (ascending, or descending for upper bounds), then by box number.
        let (keys, ids) = if let Some(bounds) = narrow_bounds {
            let first = *bounds.first()?;
            if bounds.iter().all(|&k| k == first) {
                return (upper || first > 0).then(|| same(Keys::Narrow(vec![(first, 1)])));
            }
            let order = radix_sort(
                bounds
                    .iter()
                    .zip(0u32..)
                    .map(|(&key, id)| (if upper { !key } else { key }, id))
                    .collect(),
            );
            let ids: Vec<u32> = order.iter().map(|&(_, id)| id).collect();
            let sorted = order.iter().map(|&(key, _)| if upper { !key } else { key });
            (Keys::Narrow(distinct(sorted)), ids)
        } else {
            // IPv6 addresses.
            let bound = |b: &Bounds| {
                let (lo, hi) = b.addresses[i];
                if upper { hi } else { lo }
            };
            let first = bound(boxes.first()?);
            if boxes.iter().all(|b| bound(b) == first) {
                return Some(same(Keys::Wide(vec![(first, 1)])));
            }
            let mut order: Vec<(u128, u32)> = boxes
                .iter()
                .zip(0u32..)
                .map(|(b, id)| {
                    let key = bound(b);
                    (if upper { !key } else { key }, id)
                })
                .collect();
            order.sort_unstable();
            (
                Keys::Wide(distinct(
                    order.iter().map(|&(k, _)| if upper { !k } else { k }),
                )),
                order.iter().map(|&(_, id)| id).collect(),
            )
        };
        // A query passes the boxes of a number of whole keys: with fewer keys than strides, a row at
        // the end of each key leaves nothing to add or take out, in fewer rows.
        let ends: Vec<usize> = match &keys {
            Keys::Wide(keys) => keys.iter().map(|&(_, end)| end as usize).collect(),
            Keys::Narrow(keys) => keys.iter().map(|&(_, end)| end as usize).collect(),
        };
        let per_key = ends.len() < ids.len() / stride + 1;
        let cuts: Vec<usize> = if per_key {
            ends
        } else {
            (stride..ids.len() + stride)
                .step_by(stride)
                .map(|end| end.min(ids.len()))
                .collect()
        };
        let mut rows = Vec::with_capacity((cuts.len() + 1) * words);
        let mut set = vec![0u64; words];
        rows.extend_from_slice(&set);
        let mut done = 0;
        for cut in cuts {
            for &id in &ids[done..cut] {
                set[id as usize / 64] |= 1 << (id % 64);
            }
            done = cut;
            rows.extend_from_slice(&set);
        }
        Some(Self {
            field,
            upper,
            keys,
            ids,
            rows,
            per_key,
        })
    }

    /// How many boxes pass the query range `(lo, hi)`: a lower bound at most `hi`, or an upper bound
    /// at least `lo`. They are the first ones in `ids`, the boxes of the first keys; also returned,
    /// how many keys.
    fn passing(&self, range: (u128, u128)) -> (usize, usize) {
        // A query's narrow values come from a box too, saturated the same way; an IPv4 address
        // fits in 32 bits as it is.
        fn search<K: Copy + Into<u128>>(
            keys: &[(K, u32)],
            upper: bool,
            (lo, hi): (u128, u128),
        ) -> (usize, usize) {
            let found = if upper {
                keys.partition_point(|&(k, _)| k.into() >= lo)
            } else {
                keys.partition_point(|&(k, _)| k.into() <= hi)
            };
            let boxes = found.checked_sub(1).map_or(0, |last| keys[last].1 as usize);
            (boxes, found)
        }
        match &self.keys {
            Keys::Wide(keys) => search(keys, self.upper, range),
            Keys::Narrow(keys) => search(keys, self.upper, range),
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    /// [`Side::passing`] of each box's own range, for `count` boxes at once. `opposite` is the side
    /// of the field's other bound (`None`: every lower bound is 0): its keys are the boxes' own
    /// bounds there, in order, and are walked beside this side's, without a search per box.
    fn passing_own(&self, opposite: Option<&Side>, count: usize) -> Vec<(u32, u32)> {
        let Some(opposite) = opposite.filter(|o| o.len() == count) else {
            // Every box has the same bound there (0 without a side).
            let value = opposite.map_or(0, |o| o.keys.first());
            let (passing, keys) = self.passing((value, value));
            return vec![(passing as u32, keys as u32); count];
        };
        let mut out = vec![(0, 0); count];
        match (&self.keys, &opposite.keys) {
            (Keys::Narrow(keys), Keys::Narrow(theirs)) => {
                beside(keys, self.upper, theirs, &opposite.ids, &mut out);
            }
            (Keys::Narrow(keys), Keys::Wide(theirs)) => {
                beside(keys, self.upper, theirs, &opposite.ids, &mut out);
            }
            (Keys::Wide(keys), Keys::Narrow(theirs)) => {
                beside(keys, self.upper, theirs, &opposite.ids, &mut out);
            }
            (Keys::Wide(keys), Keys::Wide(theirs)) => {
                beside(keys, self.upper, theirs, &opposite.ids, &mut out);
            }
        }
        out
    }
}

impl Keys {
    /// The first key.
    fn first(&self) -> u128 {
        match self {
            Keys::Wide(keys) => keys[0].0,
            Keys::Narrow(keys) => keys[0].0.into(),
        }
    }
}

/// [`Side::passing_own`] of a side with `keys` from the other side of its field (`theirs`, `ids`),
/// into `out` by box. The other side's keys, from last to first, are in the order of this side's.
fn beside<K: Copy + Into<u128>, T: Copy + Into<u128>>(
    keys: &[(K, u32)],
    upper: bool,
    theirs: &[(T, u32)],
    ids: &[u32],
    out: &mut [(u32, u32)],
) {
    let mut next = 0;
    for group in (0..theirs.len()).rev() {
        let value: u128 = theirs[group].0.into();
        while keys.get(next).is_some_and(|&(key, _)| {
            let key: u128 = key.into();
            if upper { key >= value } else { key <= value }
        }) {
            next += 1;
        }
        let passing = next.checked_sub(1).map_or(0, |last| keys[last].1);
        let start = group.checked_sub(1).map_or(0, |g| theirs[g].1 as usize);
        for &id in &ids[start..theirs[group].1 as usize] {
            out[id as usize] = (passing, next as u32);
        }
    }
}

impl RuleBoxes {
    /// The rules' boxes; rule `i` has `boxes[i]` (none: it matches nothing and is never found).
    pub fn new(rules: impl IntoIterator<Item = Vec<Bounds>>) -> Self {
        // Counted first, so that the lists are made at their size rather than grown by copying.
        let rules: Vec<Vec<Bounds>> = rules.into_iter().collect();
        let boxes = rules.iter().map(Vec::len).sum();
        let mut list = Self {
            boxes: Vec::with_capacity(boxes),
            starts: Vec::with_capacity(rules.len() + 1),
            owner: Vec::with_capacity(boxes),
            hulls: Vec::with_capacity(rules.len()),
        };
        list.starts.push(0);
        let none = Bounds::from_points(&[0; FIELDS], &[0; FIELDS]);
        for (i, boxes) in rules.into_iter().enumerate() {
            list.owner
                .extend(std::iter::repeat_n(i as u32, boxes.len()));
            list.hulls.push(match boxes.split_first() {
                Some((first, rest)) => rest.iter().fold(*first, |hull, b| hull.join(b)),
                None => none,
            });
            list.boxes.extend(boxes);
            list.starts.push(list.boxes.len() as u32);
        }
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
}

impl BoxIndex {
    /// Indexes the rules' boxes; rule `i` has `boxes[i]` (none: it matches nothing and is never found).
    pub fn new(rules: impl IntoIterator<Item = Vec<Bounds>>) -> Self {
        let rules = RuleBoxes::new(rules);
        let count = rules.boxes.len();
        let stride = STRIDE.max((count / MAX_ROWS).next_multiple_of(64));
        let words = count.div_ceil(64).next_multiple_of(CHUNK);
        let sides = NARROWING
            .iter()
            .flat_map(|&field| [(field, false), (field, true)])
            .filter_map(|(field, upper)| Side::new(&rules.boxes, field, upper, stride, words))
            .collect::<Vec<_>>();
        let mut index = Self {
            rules,
            sides,
            stride,
            words,
            own_rows: Vec::new(),
        };
        let mut own_rows = vec![[EVERY_BOX; 2 * NARROWING.len()]; count];
        let sides = &index.sides;
        for (s, side) in sides.iter().enumerate() {
            if side.len() == 1 {
                continue;
            }
            let opposite = sides
                .iter()
                .find(|o| o.field == side.field && o.upper != side.upper);
            for (rows, (passing, keys)) in
                own_rows.iter_mut().zip(side.passing_own(opposite, count))
            {
                if let Some(row) = index.row(side, passing as usize, keys as usize) {
                    rows[s] = u16::try_from(row).expect("at most MAX_ROWS + 1 stored sets");
                }
            }
        }
        index.own_rows = own_rows;
        index
    }

    /// The boxes of rule `i` (empty if it matches nothing).
    pub fn boxes(&self, i: usize) -> &[Bounds] {
        self.rules.boxes(i)
    }

    /// The smallest box around every box of rule `i`, or `None` if it has none.
    pub fn hull(&self, i: usize) -> Option<Bounds> {
        (!self.boxes(i).is_empty()).then(|| self.rules.hulls[i])
    }

    /// Whether [`BoxIndex::hull`] of rule `i` contains `inner`.
    pub fn hull_contains(&self, i: usize, inner: &Bounds) -> bool {
        !self.boxes(i).is_empty() && self.rules.hulls[i].contains(inner)
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first box of rule `before` (every box if there is none).
    fn end_of(&self, before: usize) -> usize {
        self.rules.starts[before.min(self.len())] as usize
    }

    /// The stored sets of the sides of [`NARROWING`] that hold every box passing them for `q`: the
    /// nearest at or past where the passing boxes end, so at most a stride more. `None` if a side
    /// leaves no box.
    fn narrowed(&self, q: &Bounds) -> Option<Narrowed<'_>> {
        let mut narrowed = Narrowed {
            rows: [&[]; 2 * NARROWING.len()],
            count: 0,
        };
        for side in &self.sides {
            let (passing, keys) = side.passing(q.range(side.field));
            if passing == 0 {
                return None;
            }
            if let Some(row) = self.row(side, passing, keys) {
                narrowed.rows[narrowed.count] = &side.rows[row * self.words..][..self.words];
                narrowed.count += 1;
            }
        }
        Some(narrowed)
    }

    /// The stored set of `side` at or past its first `passing` boxes (the boxes of its first `keys`
    /// keys), or `None` if they are all of its boxes.
    fn row(&self, side: &Side, passing: usize, keys: usize) -> Option<usize> {
        if passing == side.len() {
            None
        } else if side.per_key {
            Some(keys)
        } else {
            Some(passing.div_ceil(self.stride))
        }
    }

    /// [`BoxIndex::narrowed`] of box `b` of the index, from [`BoxIndex::own_rows`].
    fn narrowed_own(&self, b: usize) -> Narrowed<'_> {
        let mut narrowed = Narrowed {
            rows: [&[]; 2 * NARROWING.len()],
            count: 0,
        };
        for (side, &row) in self.sides.iter().zip(&self.own_rows[b]) {
            if row != EVERY_BOX {
                narrowed.rows[narrowed.count] =
                    &side.rows[usize::from(row) * self.words..][..self.words];
                narrowed.count += 1;
            }
        }
        narrowed
    }

    /// The rules of `boxes` (in increasing order), once each.
    fn owners(&self, boxes: impl Iterator<Item = usize>) -> impl Iterator<Item = usize> {
        let mut last = None;
        boxes.filter_map(move |b| {
            let rule = self.rules.owner[b];
            (last != Some(rule)).then(|| {
                last = Some(rule);
                rule as usize
            })
        })
    }

    /// The first rule before `before` whose box holds `point` and that satisfies `found`, if one does.
    /// The rules are asked in order, and the search stops at the first that does.
    pub fn first_holding(
        &self,
        point: &Bounds,
        before: usize,
        found: impl FnMut(&usize) -> bool,
    ) -> Option<usize> {
        self.overlapping_lazily(std::slice::from_ref(point), before)
            .find(found)
    }

    /// [`BoxIndex::overlapping`] for a caller that often stops at one of the first rules: the
    /// sides of the addresses and the protocol (which leave few boxes the other sides would take out)
    /// find the boxes to look at 512 boxes at a time, in rule order, and each is tested in the other
    /// fields only when the caller gets to it. The same rules in the same order.
    pub fn overlapping_lazily<'q>(
        &'q self,
        query: &'q [Bounds],
        before: usize,
    ) -> impl Iterator<Item = usize> + 'q {
        let plans = query.iter().filter_map(|q| self.narrowed(q)).collect();
        self.meeting(plans, query, before)
    }

    /// The rules before `before` of the boxes `plans` hold that meet one of `query` (whose boxes
    /// `plans` narrow), in increasing order and once each.
    fn meeting<'q>(
        &'q self,
        plans: Vec<Narrowed<'q>>,
        query: &'q [Bounds],
        before: usize,
    ) -> impl Iterator<Item = usize> + 'q {
        let candidates = Candidates::new(plans, self.end_of(before));
        self.owners(
            candidates.filter(move |&b| query.iter().any(|q| self.rules.boxes[b].intersects(q))),
        )
    }

    /// [`BoxIndex::overlapping_lazily`] of the boxes of rule `i`, without a search of the sides:
    /// where each of its boxes ends in each side was found when the index was built.
    pub fn overlapping_rule_lazily(
        &self,
        i: usize,
        before: usize,
    ) -> impl Iterator<Item = usize> + '_ {
        let query = self.boxes(i);
        let first = self.end_of(i);
        let plans = (first..first + query.len())
            .map(|b| self.narrowed_own(b))
            .collect();
        self.meeting(plans, query, before)
    }

    /// [`BoxIndex::overlapping_rule_lazily`], appended to `out`.
    pub fn overlapping_rule(&self, i: usize, before: usize, out: &mut Vec<usize>) {
        out.extend(self.overlapping_rule_lazily(i, before));
    }

    /// Appends to `out`, in increasing order and once each, every rule before `before` with a box that
    /// meets one of `query` ([`BoxIndex::overlapping_lazily`]).
    pub fn overlapping(&self, query: &[Bounds], before: usize, out: &mut Vec<usize>) {
        out.extend(self.overlapping_lazily(query, before));
    }
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

    /// [`crate::test_numbers`] for bounds of any width (every `n` here fits in 64 bits).
    fn numbers(seed: u64) -> impl FnMut(u128) -> u128 {
        let mut next = crate::test_numbers(seed);
        move |n| u128::from(next(u64::try_from(n).expect("a small bound")))
    }

    /// The lowest point of a box.
    fn low(b: &Bounds) -> [u128; FIELDS] {
        Field::ALL.map(|field| b.range(field).0)
    }

    /// A box contains another but in one field when at most one field of the other reaches outside
    /// it, an address or a narrow field.
    #[test]
    fn contains_but_one_counts_the_fields_outside() {
        let lo = [10; FIELDS];
        let hi = [20; FIELDS];
        let outer = Bounds::from_points(&lo, &hi);
        assert!(outer.contains_but_one(&outer));
        for (a, b) in [(0, 1), (0, 5), (3, 7), (2, 12)] {
            let mut one = hi;
            one[a] = 21;
            assert!(outer.contains_but_one(&Bounds::from_points(&lo, &one)));
            let mut two = lo;
            two[a] = 9;
            let mut high = hi;
            high[b] = 30;
            assert!(
                !outer.contains_but_one(&Bounds::from_points(&two, &high)),
                "{a} {b}"
            );
        }
    }

    #[test]
    fn finds_exactly_the_earlier_overlapping_boxes() {
        // Addresses that fit in 32 bits are sorted as narrow keys, wider ones (IPv6) as they are.
        // Ports of a few values make sides with a row per value, many values rows every stride.
        for offset in [0, 1 << 64] {
            for ports in [60_000, 6] {
                finds_exactly_the_earlier_overlapping_boxes_at(offset, ports);
            }
        }
    }

    fn finds_exactly_the_earlier_overlapping_boxes_at(offset: u128, ports: u128) {
        // A pseudo-random mix of narrow and wide boxes; the index must agree with a linear scan. The
        // ports are tested box by box, and the protocols (as many values as the ports) make sides
        // with a row per value or rows every stride.
        let mut next = numbers(7);
        let rules: Vec<Vec<Bounds>> = (0..500)
            .map(|i| {
                if i % 50 == 7 {
                    return Vec::new();
                }
                let cubes: Vec<Cube> = (0..=(i % 3))
                    .map(|_| {
                        let lo = offset + next(1 << 20);
                        // Some upper bounds past 32 bits when the lower ones fit: sides of both
                        // kinds in one field.
                        let width = match i {
                            _ if i % 17 == 0 => 1 << 22,
                            _ if i % 29 == 0 => 1 << 40,
                            _ => next(1 << 10),
                        };
                        let port = next(ports) * 1000;
                        cube((lo, lo + width), (port, port + next(ports) * 1000))
                            .with(Field::Protocol, IntervalSet::single(next(ports)))
                    })
                    .collect();
                Bounds::split_of(&cubes)
            })
            .collect();
        let index = BoxIndex::new(rules.clone());
        let per_key = index.sides.iter().filter(|side| side.per_key).count();
        assert_eq!(
            per_key > 0,
            ports < 100,
            "sides with a row per key: {per_key}"
        );
        let meets =
            |a: &[Bounds], b: &[Bounds]| a.iter().any(|x| b.iter().any(|y| x.intersects(y)));
        for (i, query) in rules.iter().enumerate() {
            assert_eq!(index.boxes(i), query.as_slice());
            let expected: Vec<usize> = (0..i).filter(|&j| meets(&rules[j], query)).collect();
            finds_by_every_query(&index, i, &expected);
            // The lowest point of each query box: the rules whose boxes hold it, asked in order.
            for q in query {
                let corner = Bounds::from_points(&low(q), &low(q));
                let holding: Vec<usize> = (0..i)
                    .filter(|&j| rules[j].iter().any(|b| b.intersects(&corner)))
                    .collect();
                let mut asked = Vec::new();
                let first = index.first_holding(&corner, i, |&j| {
                    asked.push(j);
                    false
                });
                assert_eq!(first, None);
                assert_eq!(asked, holding, "rule {i}, point");
                let last = index.first_holding(&corner, i, |&j| Some(j) == holding.last().copied());
                assert_eq!(last, holding.last().copied(), "rule {i}, point");
            }
        }
    }

    #[test]
    fn a_box_contains_another_when_it_holds_both_corners() {
        // Boxes of cubes with random ranges (addresses of both widths, ports, a narrow field above 32
        // bits, which saturates): containment against the corners, and the hull of a rule's boxes.
        let mut next = numbers(5);
        for offset in [0, 1 << 64] {
            let boxes: Vec<Bounds> = (0..300)
                .map(|_| {
                    let lo = offset + next(1 << 12);
                    let port = next(2_000);
                    let c = cube((lo, lo + next(1 << 12)), (port, port + next(2_000)));
                    let length = next(1 << 40);
                    let c = c.with(
                        Field::PacketLength,
                        IntervalSet::range(length, length + next(1 << 40)),
                    );
                    Bounds::of(&[c]).expect("a cube with points")
                })
                .collect();
            let holds = |b: &Bounds, point: &[u128; FIELDS]| {
                b.intersects(&Bounds::from_points(point, point))
            };
            let high = |b: &Bounds| Field::ALL.map(|field| b.range(field).1);
            let mut contained = 0;
            for a in &boxes {
                assert!(a.contains(a));
                for b in &boxes {
                    let corners = holds(a, &low(b)) && holds(a, &high(b));
                    assert_eq!(a.contains(b), corners, "{a:?} {b:?}");
                    contained += usize::from(corners && a != b);
                }
            }
            assert!(contained > 100, "some boxes hold others: {contained}");
        }
        let rules: Vec<Vec<Bounds>> = vec![
            Vec::new(),
            Bounds::split_of(&[cube((0, 9), (80, 80)), cube((100, 109), (443, 443))]),
        ];
        let index = BoxIndex::new(rules.clone());
        assert_eq!(index.hull(0), None);
        assert_eq!(index.hull(1), Bounds::of(&[cube((0, 109), (80, 443))]));
        let inside = Bounds::of(&[cube((5, 105), (90, 400))]).expect("a box");
        assert!(index.hull_contains(1, &inside) && !index.hull_contains(0, &inside));
        assert!(!index.hull_contains(1, &Bounds::of(&[cube((5, 110), (90, 400))]).expect("a box")));
        let single = BoxIndex::new([Bounds::split_of(&[cube((0, 9), (80, 80))])]);
        assert!(single.hull_contains(0, &Bounds::of(&[cube((1, 2), (80, 80))]).expect("a box")));
        assert!(!single.hull_contains(0, &inside));
    }

    #[test]
    fn finds_the_same_when_the_stored_sets_are_spread_out() {
        // More boxes than STRIDE * MAX_ROWS: the stride grows past 64.
        let count = STRIDE * MAX_ROWS + 3_000;
        let mut next = numbers(3);
        let rules: Vec<Vec<Bounds>> = (0..count)
            .map(|_| {
                let lo = next(1 << 24);
                let port = next(60_000);
                Bounds::split_of(&[cube((lo, lo + next(1 << 12)), (port, port + next(500)))])
            })
            .collect();
        let index = BoxIndex::new(rules.clone());
        assert!(index.stride > STRIDE);
        for i in (0..count).step_by(count / 40) {
            let query = &rules[i];
            let expected: Vec<usize> = (0..i)
                .filter(|&j| {
                    rules[j]
                        .iter()
                        .any(|b| query.iter().any(|q| b.intersects(q)))
                })
                .collect();
            finds_by_every_query(&index, i, &expected);
        }
    }

    /// Both queries of rule `i`'s boxes (as queried from outside, and by its own boxes from where the
    /// index placed them) find `expected`, the earlier rules a scan finds.
    fn finds_by_every_query(index: &BoxIndex, i: usize, expected: &[usize]) {
        let mut found = Vec::new();
        index.overlapping(index.boxes(i), i, &mut found);
        assert_eq!(found, expected, "rule {i}");
        found.clear();
        index.overlapping_rule(i, i, &mut found);
        assert_eq!(found, expected, "rule {i}, own boxes");
    }

    #[test]
    fn finds_a_rules_own_overlaps_when_a_field_has_no_lower_side() {
        // Every protocol range starts at 0 (no side for the lower bounds), some end there too; every
        // destination is the whole space (one bound for all).
        let mut next = numbers(11);
        let rules: Vec<Vec<Bounds>> = (0..400)
            .map(|_| {
                let lo = next(1 << 16);
                let c = cube((lo, lo + next(1 << 12)), (0, 65_535))
                    .with(Field::Protocol, IntervalSet::range(0, next(3)));
                Bounds::split_of(&[c])
            })
            .collect();
        let index = BoxIndex::new(rules.clone());
        let protocol_sides = index.sides.iter().filter(|s| s.field == Field::Protocol);
        assert_eq!(protocol_sides.map(|s| s.upper).collect::<Vec<_>>(), [true]);
        for (i, query) in rules.iter().enumerate() {
            let expected: Vec<usize> = (0..i)
                .filter(|&j| {
                    rules[j]
                        .iter()
                        .any(|b| query.iter().any(|q| b.intersects(q)))
                })
                .collect();
            finds_by_every_query(&index, i, &expected);
        }
    }

    #[test]
    fn radix_sort_is_a_stable_sort_by_key() {
        let mut next = crate::test_numbers(5);
        // Keys in one byte, in two, spread over four, and all equal.
        for mask in [0xff, 0xff00, 0x00ff_00ff, u32::MAX, 0] {
            for len in [0, 1, 2, 300, 5_000] {
                let pairs: Vec<(u32, u32)> = (0..len)
                    .map(|id| (next(u64::from(u32::MAX)) as u32 & mask, id))
                    .collect();
                let mut expected = pairs.clone();
                expected.sort_by_key(|&(key, _)| key);
                assert_eq!(radix_sort(pairs), expected, "mask {mask:#x}, {len} keys");
            }
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

    #[test]
    fn boxes_split_both_addresses_when_few_enough() {
        // Two source and three destination ranges: six boxes, each one range of each, so a packet
        // between two listed ranges of either address is in none of them.
        let sources = IntervalSet::from_ranges([(10, 20), (1_000, 1_010)]);
        let destinations = IntervalSet::from_ranges([(0, 9), (500, 509), (1 << 30, (1 << 30) + 9)]);
        let cube = Cube::full(AddressFamily::Inet)
            .with(Field::SourceAddress, sources.clone())
            .with(Field::DestinationAddress, destinations.clone());
        let split = Bounds::split_of(std::slice::from_ref(&cube));
        assert_eq!(split.len(), 6);
        let holding = |source: u128, destination: u128| {
            let mut point = [0; FIELDS];
            point[Field::SourceAddress.index()] = source;
            point[Field::DestinationAddress.index()] = destination;
            let point = Bounds::from_points(&point, &point);
            split.iter().filter(|b| b.intersects(&point)).count()
        };
        for source in [10, 15, 20, 500, 1_000, 1_010] {
            for destination in [0, 9, 100, 505, 1 << 30, 1 << 29] {
                let inside = sources.contains(source) && destinations.contains(destination);
                assert_eq!(
                    holding(source, destination),
                    usize::from(inside),
                    "{source} {destination}"
                );
            }
        }
        // Too many ranges of both for a box per pair: groups of the field with more, the other whole.
        let many = IntervalSet::from_ranges((0..40u128).map(|i| (i * 100, i * 100 + 9)));
        let wide = Cube::full(AddressFamily::Inet)
            .with(Field::SourceAddress, sources)
            .with(Field::DestinationAddress, many);
        let split = Bounds::split_of(&[wide]);
        assert_eq!(split.len(), 20);
        assert!(
            split
                .iter()
                .all(|b| b.range(Field::SourceAddress) == (10, 1_010))
        );
    }
}
