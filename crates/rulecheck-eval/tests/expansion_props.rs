//! The hardware cost model against brute force on small fields.
//!
//! The oracles here do not share an algorithm with `expansion.rs`:
//!
//! - [`bfs_min_cover`] finds the fewest prefixes whose union is exactly a set by breadth-first
//!   search over every subset of a 4-bit field. It is too slow for more, so it checks the next
//!   oracle on every subset of widths 1 to 4.
//! - [`trie_min_cover`] works down the binary trie of a field: a node wholly in the set is one
//!   prefix, a node outside it none, any other node the sum of its two halves (an exact cover
//!   cannot use the node, so it covers each half on its own). It checks the counts on fields of up
//!   to 10 bits.
//! - [`interval_trie_min_cover`] is the same trie walk on one interval, which only descends along
//!   its two ends; it checks 16- to 128-bit fields.
//! - [`brute_lpm`] finds each address-list entry's parent by scanning the whole list, and evaluates
//!   the list and its non-redundant entries on every address of the field.

use std::collections::VecDeque;

use proptest::prelude::*;
use rulecheck_eval::expansion::{
    PrefixEntry, lpm_list_entries, range_entries, ranges_entries, saturating_product,
};

/// The widths the brute-force trie oracle runs on.
const SMALL_WIDTHS: [u32; 9] = [1, 2, 3, 4, 5, 6, 7, 8, 10];

/// The largest value of a `width`-bit field, for `width` in `1..=128`.
fn field_max(width: u32) -> u128 {
    u128::MAX >> (128 - width)
}

/// The values of a `width`-bit field (at most 16 bits) that lie in any of `ranges`.
fn membership(ranges: &[(u128, u128)], width: u32) -> Vec<bool> {
    let size = 1usize << width;
    let mut set = vec![false; size];
    for (value, member) in set.iter_mut().enumerate() {
        let value = value as u128;
        *member = ranges.iter().any(|&(lo, hi)| lo <= value && value <= hi);
    }
    set
}

/// The fewest prefixes whose union is exactly `set`, walking the binary trie.
fn trie_min_cover(set: &[bool]) -> u64 {
    if set.iter().all(|&member| member) {
        1
    } else if set.iter().all(|&member| !member) {
        0
    } else {
        let (left, right) = set.split_at(set.len() / 2);
        trie_min_cover(left) + trie_min_cover(right)
    }
}

/// The fewest prefixes whose union is exactly each subset of a `width`-bit field (`width <= 4`),
/// indexed by the subset as a bit mask, found by breadth-first search from the empty set.
fn bfs_min_cover(width: u32) -> Vec<u64> {
    assert!(width <= 4);
    let size = 1u32 << width;
    let mut prefixes = Vec::new();
    for len in 0..=width {
        let block = 1u32 << (width - len);
        for start in (0..size).step_by(block as usize) {
            let ones = if block == 32 {
                u32::MAX
            } else {
                (1 << block) - 1
            };
            prefixes.push(ones << start);
        }
    }
    let states = 1usize << size;
    let mut distance = vec![u64::MAX; states];
    distance[0] = 0;
    let mut queue = VecDeque::from([0u32]);
    while let Some(state) = queue.pop_front() {
        for &prefix in &prefixes {
            let next = (state | prefix) as usize;
            if distance[next] == u64::MAX {
                distance[next] = distance[state as usize] + 1;
                queue.push_back(next as u32);
            }
        }
    }
    distance
}

/// The fewest prefixes whose union is exactly `[lo, hi]` on a `width`-bit field, walking the trie
/// from the node of `bits` bits that starts at `start`.
fn interval_trie_min_cover(lo: u128, hi: u128, start: u128, bits: u32) -> u64 {
    let end = start + u128::MAX.checked_shr(128 - bits).unwrap_or(0);
    if hi < start || end < lo {
        0
    } else if lo <= start && end <= hi {
        1
    } else {
        let half = 1u128 << (bits - 1);
        interval_trie_min_cover(lo, hi, start, bits - 1)
            + interval_trie_min_cover(lo, hi, start + half, bits - 1)
    }
}

/// The worst case of a range: `2W - 2` entries, and at least one for a single value.
fn range_bound(width: u32) -> u64 {
    u64::from((2 * width).saturating_sub(2).max(1))
}

/// A width from [`SMALL_WIDTHS`] and a range `lo <= hi` inside it.
fn small_range() -> impl Strategy<Value = (u32, u128, u128)> {
    prop::sample::select(&SMALL_WIDTHS[..]).prop_flat_map(|width| {
        let max = field_max(width);
        (Just(width), 0..=max, 0..=max).prop_map(|(width, a, b)| (width, a.min(b), a.max(b)))
    })
}

/// A wide field and a range inside it, with the ends often on or next to block boundaries, where
/// mistakes live.
fn wide_range() -> impl Strategy<Value = (u32, u128, u128)> {
    prop::sample::select(vec![16u32, 32, 48, 64, 100, 127, 128]).prop_flat_map(|width| {
        let max = field_max(width);
        let end = prop_oneof![
            0..=max,
            (0..width, -1i8..=1).prop_map(move |(bit, nudge)| {
                (1u128 << bit).wrapping_add_signed(i128::from(nudge)) & max
            }),
            Just(0),
            Just(max),
        ];
        (Just(width), end.clone(), end).prop_map(|(width, a, b)| (width, a.min(b), a.max(b)))
    })
}

/// A width from [`SMALL_WIDTHS`] and up to eight ranges, some inverted or beyond the field.
fn small_range_sets() -> impl Strategy<Value = (u32, Vec<(u128, u128)>)> {
    prop::sample::select(&SMALL_WIDTHS[..]).prop_flat_map(|width| {
        let max = field_max(width);
        let value = prop_oneof![8 => 0..=max, 1 => Just(max + 1), 1 => 0..=max * 2 + 1];
        (
            Just(width),
            prop::collection::vec((value.clone(), value), 0..8),
        )
    })
}

#[test]
fn trie_oracle_agrees_with_exhaustive_search_on_every_subset() {
    for width in 1..=4 {
        let distance = bfs_min_cover(width);
        for (mask, &expected) in distance.iter().enumerate() {
            let set: Vec<bool> = (0..1usize << width).map(|v| mask >> v & 1 == 1).collect();
            assert_eq!(
                trie_min_cover(&set),
                expected,
                "width {width}, set {mask:#b}"
            );
        }
    }
}

#[test]
fn every_range_on_small_fields_matches_brute_force() {
    for width in 1..=6 {
        let max = field_max(width);
        let distance = if width <= 4 {
            bfs_min_cover(width)
        } else {
            Vec::new()
        };
        for lo in 0..=max {
            for hi in lo..=max {
                let expected = trie_min_cover(&membership(&[(lo, hi)], width));
                let got = range_entries(lo, hi, width);
                assert_eq!(got, expected, "[{lo}, {hi}] on {width} bits");
                if width <= 4 {
                    let mask = ((1usize << (hi - lo + 1)) - 1) << lo;
                    assert_eq!(got, distance[mask], "[{lo}, {hi}] on {width} bits (search)");
                }
            }
        }
    }
}

#[test]
fn every_range_on_small_fields_is_within_the_bound() {
    for width in 1..=8 {
        let max = field_max(width);
        let mut worst = 0;
        for lo in 0..=max {
            assert_eq!(range_entries(lo, lo, width), 1, "single value {lo}");
            for hi in lo..=max {
                worst = worst.max(range_entries(lo, hi, width));
            }
        }
        assert_eq!(
            range_entries(0, max, width),
            1,
            "full field of {width} bits"
        );
        // The bound is tight: some range needs exactly 2W - 2 entries.
        assert_eq!(worst, range_bound(width), "worst range on {width} bits");
    }
}

#[test]
fn port_ranges() {
    assert_eq!(range_entries(1, 65_534, 16), 30);
    assert_eq!(range_entries(1024, 65_535, 16), 6);
    assert_eq!(range_entries(0, 65_535, 16), 1);
    assert_eq!(ranges_entries(&[(1, 65_534)], 16), 30);
    assert_eq!(ranges_entries(&[(1024, 65_535), (0, 1023)], 16), 1);
}

proptest! {
    #[test]
    fn range_matches_brute_force((width, lo, hi) in small_range()) {
        let expected = trie_min_cover(&membership(&[(lo, hi)], width));
        prop_assert_eq!(range_entries(lo, hi, width), expected);
    }

    #[test]
    fn wide_range_matches_interval_trie((width, lo, hi) in wide_range()) {
        let got = range_entries(lo, hi, width);
        prop_assert_eq!(got, interval_trie_min_cover(lo, hi, 0, width));
        prop_assert!(got >= 1 && got <= range_bound(width));
        prop_assert_eq!(ranges_entries(&[(lo, hi)], width), got);
    }

    #[test]
    fn range_set_matches_brute_force((width, ranges) in small_range_sets()) {
        let expected = trie_min_cover(&membership(&ranges, width));
        prop_assert_eq!(ranges_entries(&ranges, width), expected);
    }

    #[test]
    fn range_set_does_not_depend_on_order((width, mut ranges) in small_range_sets()) {
        let forward = ranges_entries(&ranges, width);
        ranges.reverse();
        prop_assert_eq!(ranges_entries(&ranges, width), forward);
    }

    #[test]
    fn wide_range_set_costs_at_most_its_parts(
        ranges in prop::collection::vec(wide_range().prop_filter("128-bit", |r| r.0 == 128), 0..6)
    ) {
        let ranges: Vec<(u128, u128)> = ranges.into_iter().map(|(_, lo, hi)| (lo, hi)).collect();
        let parts: u64 = ranges.iter().map(|&(lo, hi)| range_entries(lo, hi, 128)).sum();
        let union = ranges_entries(&ranges, 128);
        prop_assert!(union <= parts);
        prop_assert_eq!(union == 0, ranges.is_empty());
    }

    #[test]
    fn products_saturate(counts in prop::collection::vec(
        prop_oneof![0..4u64, 0..=u64::MAX, Just(u64::MAX), Just(1u64 << 32)], 0..6)
    ) {
        let exact = counts
            .iter()
            .fold(1u128, |product, &count| product.saturating_mul(u128::from(count)));
        let expected = u64::try_from(exact).unwrap_or(u64::MAX);
        prop_assert_eq!(saturating_product(counts.iter().copied()), expected);
        prop_assert_eq!(saturating_product(counts.iter().rev().copied()), expected);
    }
}

/// The result of the brute-force reading of an address list.
struct BruteLpm {
    /// The list's entries after duplicates are resolved (the last copy wins).
    distinct: Vec<PrefixEntry>,
    /// The entries whose kind differs from their longest-match parent's.
    needed: Vec<PrefixEntry>,
}

fn contains(outer: PrefixEntry, address: u128, width: u32) -> bool {
    let shift = width - u32::from(outer.len);
    address.checked_shr(shift).unwrap_or(0) == outer.addr.checked_shr(shift).unwrap_or(0)
}

fn brute_lpm(entries: &[PrefixEntry], width: u32) -> BruteLpm {
    let mut distinct: Vec<PrefixEntry> = Vec::new();
    for &entry in entries {
        distinct.retain(|e| (e.addr, e.len) != (entry.addr, entry.len));
        distinct.push(entry);
    }
    let needed = distinct
        .iter()
        .copied()
        .filter(|&entry| {
            let parent = distinct
                .iter()
                .filter(|p| p.len < entry.len && contains(**p, entry.addr, width))
                .max_by_key(|p| p.len);
            entry.except != parent.is_none_or(|p| p.except)
        })
        .collect();
    BruteLpm { distinct, needed }
}

/// Whether `address` matches the list read as longest-prefix match.
fn lpm_matches(list: &[PrefixEntry], address: u128, width: u32) -> bool {
    list.iter()
        .filter(|e| contains(**e, address, width))
        .max_by_key(|e| e.len)
        .is_some_and(|e| !e.except)
}

/// Whether `address` matches the ternary entries `entries` programmed longest first, first match
/// wins, no match by default.
fn tcam_matches(entries: &[PrefixEntry], address: u128, width: u32) -> bool {
    let mut ordered = entries.to_vec();
    ordered.sort_by_key(|e| std::cmp::Reverse(e.len));
    ordered
        .iter()
        .find(|e| contains(**e, address, width))
        .is_some_and(|e| !e.except)
}

fn small_lpm_list() -> impl Strategy<Value = (u32, Vec<PrefixEntry>)> {
    (1u32..=6).prop_flat_map(|width| {
        let entry = (0..=field_max(width), 0..=width, any::<bool>()).prop_map(
            move |(addr, len, except)| {
                let shift = width - len;
                PrefixEntry {
                    addr: addr >> shift << shift,
                    len: len as u8,
                    except,
                }
            },
        );
        (Just(width), prop::collection::vec(entry, 0..16))
    })
}

proptest! {
    #[test]
    fn lpm_list_matches_brute_force((width, entries) in small_lpm_list()) {
        let count = lpm_list_entries(&entries, width);
        let brute = brute_lpm(&entries, width);
        prop_assert!(count as usize <= entries.len());
        prop_assert_eq!(count as usize, brute.needed.len());
        // The counted entries are enough: programmed longest first, they match exactly what the
        // list matches.
        for address in 0..=field_max(width) {
            prop_assert_eq!(
                tcam_matches(&brute.needed, address, width),
                lpm_matches(&brute.distinct, address, width),
                "address {}", address
            );
        }
    }
}

#[test]
fn lpm_examples_from_the_design() {
    let v4 = |octets: [u8; 4], len, except| PrefixEntry {
        addr: u32::from_be_bytes(octets).into(),
        len,
        except,
    };
    let list = [
        v4([10, 0, 0, 0], 8, false),
        v4([10, 1, 0, 0], 16, true),
        v4([10, 1, 1, 0], 24, false),
    ];
    assert_eq!(lpm_list_entries(&list, 32), 3);
    assert!(lpm_matches(
        &list,
        u32::from_be_bytes([10, 1, 1, 5]).into(),
        32
    ));
    assert!(!lpm_matches(
        &list,
        u32::from_be_bytes([10, 1, 2, 5]).into(),
        32
    ));
    assert_eq!(
        lpm_list_entries(
            &[v4([10, 0, 0, 0], 8, false), v4([10, 1, 0, 0], 16, false)],
            32
        ),
        1
    );
    assert_eq!(lpm_list_entries(&[v4([10, 2, 0, 0], 16, true)], 32), 0);
}
