//! Hardware expansion: how many ternary (TCAM) entries a term's conditions need.
//!
//! This is an **estimate of hardware cost**, not a vendor figure. Routers compile a filter term
//! into ternary entries, each a value and a care-mask over the header bits. The number of entries a
//! term needs depends on the shape of its conditions, and a term that needs too many of them fails
//! to program (RC201, RC202). The model here counts entries the way a straightforward compiler
//! would; a real forwarding chip may do better (range-matching hardware, entry sharing between
//! terms) or worse (fixed key layouts), so the numbers are an upper-bound style budget check,
//! documented as such, not a promise about any one device.
//!
//! # The model
//!
//! - **A range** `[lo, hi]` on a `W`-bit field needs its minimal prefix cover: the fewest aligned
//!   power-of-two blocks whose union is exactly the range. A minimal prefix cover of a range needs
//!   at most `2W - 2` prefixes (Gupta and McKeown, "Algorithms for packet classification",
//!   IEEE Network 15(2), 2001). Port range 1–65534 on 16 bits is the worst case, 30 entries;
//!   1024–65535 needs 6; the full range 0–65535 needs 1. See [`range_entries`].
//! - **A set of ranges** (the values of one condition, which are alternatives) costs the minimal
//!   cover of their union: overlapping and adjacent ranges are merged first, then the maximal
//!   ranges are summed. Every prefix of an exact cover lies inside one maximal range, so the sum
//!   is minimal. See [`ranges_entries`].
//! - **An address list** uses longest-prefix match with `except` entries. Each entry that is not
//!   redundant costs one entry: a plain entry is a "match" entry, an `except` entry is a "no match"
//!   entry placed before the prefix that covers it. An entry is redundant when its longest-match
//!   parent in the list has the same kind: `10.0.0.0/8; 10.1.0.0/16;` needs one entry, as would the
//!   aggregate alone (prefix aggregation, RFC 4632 §4; longest match, RFC 4632 §5.1). The list ends
//!   in an implicit `0/0 except`, so an `except` entry with no plain entry above it is redundant
//!   too. See [`lpm_list_entries`].
//! - **A non-contiguous mask** (`10.0.0.10/255.0.0.255`) is already a ternary value and mask: it is
//!   one entry, and needs no function here.
//! - **Several conditions in one term** must all hold, so each combination of one entry per field
//!   is an entry of the term: the per-field counts multiply. [`saturating_product`] multiplies them
//!   without overflow, since a hostile term can ask for more than `u64::MAX` entries.
//!
//! Everything here is arithmetic on counts: no function enumerates entries, and each runs in
//! `O(W)` or `O(n log n)` time for `n` ranges or list entries.

// Clippy reads the author's name "McKeown" above as an identifier that wants backticks.
#![allow(clippy::doc_markdown)]

/// `2^bits - 1`: the lowest `bits` bits set, for `bits` in `0..=128`.
fn low_bits(bits: u32) -> u128 {
    u128::MAX.checked_shr(128 - bits).unwrap_or(0)
}

/// The largest value a `width`-bit field holds, `2^width - 1`.
fn field_max(width: u32) -> u128 {
    low_bits(width)
}

/// The mask of the first `len` bits of a `width`-bit field (`len` no longer than `width`).
fn prefix_mask(len: u32, width: u32) -> u128 {
    let field = field_max(width);
    field ^ field.checked_shr(len).unwrap_or(0)
}

/// Panics with a clear message when `width` is not a field width this module models.
fn check_width(width: u32) {
    assert!(
        (1..=128).contains(&width),
        "field width must be 1..=128 bits, got {width}"
    );
}

/// The number of prefixes in the minimal prefix cover of `[lo, hi]` on a `width`-bit field.
///
/// This is the number of ternary entries a router needs to match the range: at most `2 * width - 2`
/// for `width >= 2`, one for a single value, one for the whole field. The range is intersected with
/// the field's values `0..=2^width - 1` first, so an inverted range (`lo > hi`) or one wholly
/// beyond the field matches nothing and costs 0 (the parser reports such values as RC003 or RC104;
/// the cost model does not need to fail on them).
///
/// The cover is built greedily: from `lo`, take the largest block that is aligned at `lo` and ends
/// at or before `hi`, and repeat from the block's end. Blocks grow along the way up and shrink
/// along the way down, so there are at most `2 * width` steps.
///
/// # Panics
///
/// When `width` is not in `1..=128`: that is a bug in the caller, not bad input.
///
/// # Examples
///
/// ```
/// use rulecheck_eval::expansion::range_entries;
///
/// assert_eq!(range_entries(1, 65_534, 16), 30);
/// assert_eq!(range_entries(1024, 65_535, 16), 6);
/// assert_eq!(range_entries(0, 65_535, 16), 1);
/// ```
pub fn range_entries(lo: u128, hi: u128, width: u32) -> u64 {
    check_width(width);
    let max = field_max(width);
    if lo > hi || lo > max {
        return 0;
    }
    let hi = hi.min(max);
    let mut lo = lo;
    let mut count = 0;
    loop {
        // A block of 2^k values starting at `lo` must be aligned (k <= trailing zeros of lo) and
        // fit (2^k <= hi - lo + 1). `hi - lo + 1` overflows only for the full 128-bit field.
        let aligned = if lo == 0 { width } else { lo.trailing_zeros() };
        let span = hi - lo;
        let fits = match span.checked_add(1) {
            Some(len) => len.ilog2(),
            None => 128,
        };
        let block = aligned.min(fits);
        count += 1;
        let last = lo + low_bits(block);
        if last == hi {
            return count;
        }
        lo = last + 1;
    }
}

/// The number of prefixes in the minimal prefix cover of the union of `ranges` on a
/// `width`-bit field.
///
/// The values of one condition are alternatives, so their ranges are normalised first: each is
/// intersected with the field (see [`range_entries`]), then they are sorted and ranges that overlap
/// or touch (`1-5` and `6-9`) are merged. The cost is the sum of the costs of the merged ranges,
/// saturating at `u64::MAX`. An empty set costs 0.
///
/// Runs in `O(n log n + n * width)` for `n` ranges.
///
/// # Panics
///
/// When `width` is not in `1..=128`.
///
/// # Examples
///
/// ```
/// use rulecheck_eval::expansion::ranges_entries;
///
/// // 0-3 and 4-7 merge into 0-7: one entry, not two.
/// assert_eq!(ranges_entries(&[(4, 7), (0, 3)], 8), 1);
/// assert_eq!(ranges_entries(&[], 8), 0);
/// ```
pub fn ranges_entries(ranges: &[(u128, u128)], width: u32) -> u64 {
    check_width(width);
    let max = field_max(width);
    let mut sorted: Vec<(u128, u128)> = ranges
        .iter()
        .filter(|&&(lo, hi)| lo <= hi && lo <= max)
        .map(|&(lo, hi)| (lo, hi.min(max)))
        .collect();
    sorted.sort_unstable();

    let mut total: u64 = 0;
    let mut current: Option<(u128, u128)> = None;
    for (lo, hi) in sorted {
        current = match current {
            // `cur_hi == max` touches everything after it; otherwise `cur_hi + 1` cannot overflow.
            Some((cur_lo, cur_hi)) if cur_hi == max || lo <= cur_hi + 1 => {
                Some((cur_lo, cur_hi.max(hi)))
            }
            Some((cur_lo, cur_hi)) => {
                total = total.saturating_add(range_entries(cur_lo, cur_hi, width));
                Some((lo, hi))
            }
            None => Some((lo, hi)),
        };
    }
    if let Some((cur_lo, cur_hi)) = current {
        total = total.saturating_add(range_entries(cur_lo, cur_hi, width));
    }
    total
}

/// One entry of a longest-prefix-match address list, such as `10.1.0.0/16 except;`.
///
/// The address is the field's value right-aligned in a `u128` (an IPv4 address is its 32-bit
/// value), with the bits after the first `len` cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrefixEntry {
    /// The prefix's address, masked to its length.
    pub addr: u128,
    /// The prefix length in bits, `0..=width`.
    pub len: u8,
    /// Whether the entry carries `except`: addresses it decides do not match.
    pub except: bool,
}

/// The number of ternary entries a longest-prefix-match list with `except` entries needs: the
/// number of its entries that are not redundant.
///
/// An entry's parent is the longest listed prefix strictly shorter than it that contains it; with
/// none, the parent is the list's implicit `0/0 except`. An entry whose parent has the same kind
/// (both `except` or both plain) decides exactly what its parent would, so it is redundant and
/// costs nothing. Every other entry costs one.
///
/// Input that does not follow [`PrefixEntry`]'s contract is made to: a length beyond `width` is
/// taken as `width` (a host entry), and address bits beyond the length or the field are cleared.
/// The same prefix listed more than once counts once; when the copies disagree on `except`, the
/// **last** one in `entries` is the one that counts, as a later statement replaces an earlier one
/// in a configuration.
///
/// This is what a compiler that keeps the list's structure programs, not the fewest entries that
/// match the same addresses: `10/8; 10.0/9 except; 10.128/9 except;` counts 3 though it matches
/// nothing.
///
/// Runs in `O(n log n)`: the entries are sorted by address and then length, which puts every prefix
/// after the prefixes that contain it, and walked with a stack of the prefixes that enclose the
/// current one.
///
/// # Panics
///
/// When `width` is not in `1..=128`.
///
/// # Examples
///
/// ```
/// use rulecheck_eval::expansion::{lpm_list_entries, PrefixEntry};
///
/// let v4 = |a: [u8; 4], len, except| PrefixEntry {
///     addr: u32::from_be_bytes(a).into(),
///     len,
///     except,
/// };
/// // 10/8; 10.1/16 except; 10.1.1/24;  -- every entry changes the decision: 3 entries.
/// let list = [
///     v4([10, 0, 0, 0], 8, false),
///     v4([10, 1, 0, 0], 16, true),
///     v4([10, 1, 1, 0], 24, false),
/// ];
/// assert_eq!(lpm_list_entries(&list, 32), 3);
/// // 10/8; 10.1/16;  -- the /16 decides what the /8 already does: 1 entry.
/// let nested = [v4([10, 0, 0, 0], 8, false), v4([10, 1, 0, 0], 16, false)];
/// assert_eq!(lpm_list_entries(&nested, 32), 1);
/// ```
pub fn lpm_list_entries(entries: &[PrefixEntry], width: u32) -> u64 {
    check_width(width);
    // (addr, len, position in input, except), normalised to the field.
    let mut prefixes: Vec<(u128, u32, usize, bool)> = entries
        .iter()
        .enumerate()
        .map(|(position, entry)| {
            let len = u32::from(entry.len).min(width);
            (
                entry.addr & prefix_mask(len, width),
                len,
                position,
                entry.except,
            )
        })
        .collect();
    prefixes.sort_unstable();
    // Duplicates are now adjacent, in input order: keep the last of each.
    let mut distinct: Vec<(u128, u32, bool)> = Vec::with_capacity(prefixes.len());
    for (addr, len, _, except) in prefixes {
        match distinct.last_mut() {
            Some(last) if last.0 == addr && last.1 == len => last.2 = except,
            _ => distinct.push((addr, len, except)),
        }
    }

    let mut enclosing: Vec<(u128, u32, bool)> = Vec::new();
    let mut count = 0;
    for (addr, len, except) in distinct {
        // A prefix that does not contain this one contains nothing later in the sorted order.
        while let Some(&(parent_addr, parent_len, _)) = enclosing.last() {
            if parent_len < len && addr & prefix_mask(parent_len, width) == parent_addr {
                break;
            }
            enclosing.pop();
        }
        let parent_except = enclosing.last().is_none_or(|&(_, _, except)| except);
        if except != parent_except {
            count += 1;
        }
        enclosing.push((addr, len, except));
    }
    count
}

/// The product of `counts`, saturating at `u64::MAX`; the empty product is 1.
///
/// The entries of a term are the cross product of its conditions' entries, so a term's cost is the
/// product of the per-condition counts. A hostile term can make that product exceed `u64::MAX`; it
/// is then reported as `u64::MAX`, which is over any budget. A zero count (a condition that matches
/// nothing) makes the product 0, even after saturation.
///
/// # Examples
///
/// ```
/// use rulecheck_eval::expansion::saturating_product;
///
/// assert_eq!(saturating_product([30, 30, 6]), 5400);
/// assert_eq!(saturating_product([u64::MAX, 2]), u64::MAX);
/// assert_eq!(saturating_product([]), 1);
/// ```
pub fn saturating_product(counts: impl IntoIterator<Item = u64>) -> u64 {
    counts.into_iter().fold(1, u64::saturating_mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(octets: [u8; 4], len: u8, except: bool) -> PrefixEntry {
        PrefixEntry {
            addr: u32::from_be_bytes(octets).into(),
            len,
            except,
        }
    }

    #[test]
    fn port_ranges_on_sixteen_bits() {
        assert_eq!(range_entries(1, 65_534, 16), 30);
        assert_eq!(range_entries(1024, 65_535, 16), 6);
        assert_eq!(range_entries(0, 65_535, 16), 1);
        assert_eq!(range_entries(53, 53, 16), 1);
        assert_eq!(range_entries(0, 1023, 16), 1);
        // 1-65535: 1, 2-3, 4-7, ..., 32768-65535.
        assert_eq!(range_entries(1, 65_535, 16), 16);
    }

    #[test]
    fn worst_case_is_two_w_minus_two_at_every_width() {
        for width in 2..=128 {
            let max = field_max(width);
            assert_eq!(range_entries(1, max - 1, width), u64::from(2 * width - 2));
        }
    }

    #[test]
    fn full_field_and_single_values_at_128_bits() {
        assert_eq!(range_entries(0, u128::MAX, 128), 1);
        assert_eq!(range_entries(u128::MAX, u128::MAX, 128), 1);
        assert_eq!(range_entries(0, 0, 128), 1);
        assert_eq!(range_entries(1, u128::MAX, 128), 128);
        assert_eq!(range_entries(0, u128::MAX - 1, 128), 128);
        assert_eq!(range_entries(1 << 127, u128::MAX, 128), 1);
    }

    #[test]
    fn one_bit_field() {
        assert_eq!(range_entries(0, 0, 1), 1);
        assert_eq!(range_entries(1, 1, 1), 1);
        assert_eq!(range_entries(0, 1, 1), 1);
    }

    #[test]
    fn values_outside_the_field_are_clipped() {
        assert_eq!(range_entries(5, 4, 16), 0);
        assert_eq!(range_entries(70_000, 80_000, 16), 0);
        // 1024-99999 on 16 bits is 1024-65535.
        assert_eq!(range_entries(1024, 99_999, 16), 6);
        assert_eq!(ranges_entries(&[(99_971, 99_971), (99_985, 99_985)], 16), 0);
    }

    #[test]
    fn adjacent_and_overlapping_ranges_merge() {
        assert_eq!(ranges_entries(&[(0, 3), (4, 7)], 8), 1);
        assert_eq!(ranges_entries(&[(0, 5), (2, 7)], 8), 1);
        assert_eq!(ranges_entries(&[(0, 3), (5, 7)], 8), 3);
        assert_eq!(ranges_entries(&[(0, 255), (0, 0), (255, 255)], 8), 1);
        assert_eq!(ranges_entries(&[(0, u128::MAX), (7, 9)], 128), 1);
        assert_eq!(
            ranges_entries(&[(u128::MAX, u128::MAX), (0, u128::MAX - 1)], 128),
            1
        );
        assert_eq!(ranges_entries(&[], 16), 0);
    }

    #[test]
    fn lpm_examples() {
        let list = [
            v4([10, 0, 0, 0], 8, false),
            v4([10, 1, 0, 0], 16, true),
            v4([10, 1, 1, 0], 24, false),
        ];
        assert_eq!(lpm_list_entries(&list, 32), 3);
        let nested = [v4([10, 0, 0, 0], 8, false), v4([10, 1, 0, 0], 16, false)];
        assert_eq!(lpm_list_entries(&nested, 32), 1);
        assert_eq!(lpm_list_entries(&[v4([10, 2, 0, 0], 16, true)], 32), 0);
        assert_eq!(lpm_list_entries(&[], 32), 0);
        // A /16 except under an unrelated /8 has the implicit 0/0 except as its parent.
        let unrelated = [v4([11, 0, 0, 0], 8, false), v4([10, 2, 0, 0], 16, true)];
        assert_eq!(lpm_list_entries(&unrelated, 32), 1);
        // 0/0 itself: a plain one costs an entry, an except one is the implicit default.
        assert_eq!(lpm_list_entries(&[v4([0; 4], 0, false)], 32), 1);
        assert_eq!(lpm_list_entries(&[v4([0; 4], 0, true)], 32), 0);
    }

    #[test]
    fn lpm_parent_is_the_longest_enclosing_prefix() {
        // 10/8; 10.1/16 except; 10.1.2/24 except; -- the /24's parent is the /16, not the /8.
        let list = [
            v4([10, 0, 0, 0], 8, false),
            v4([10, 1, 0, 0], 16, true),
            v4([10, 1, 2, 0], 24, true),
        ];
        assert_eq!(lpm_list_entries(&list, 32), 2);
        // Siblings after a deeper branch: 10.2/16 except's parent is back to the /8.
        let siblings = [
            v4([10, 0, 0, 0], 8, false),
            v4([10, 1, 0, 0], 16, true),
            v4([10, 1, 2, 0], 24, false),
            v4([10, 2, 0, 0], 16, true),
        ];
        assert_eq!(lpm_list_entries(&siblings, 32), 4);
    }

    #[test]
    fn lpm_duplicates_count_once_and_the_last_decides() {
        let twice = [v4([10, 0, 0, 0], 8, false), v4([10, 0, 0, 0], 8, false)];
        assert_eq!(lpm_list_entries(&twice, 32), 1);
        let plain_then_except = [v4([10, 0, 0, 0], 8, false), v4([10, 0, 0, 0], 8, true)];
        assert_eq!(lpm_list_entries(&plain_then_except, 32), 0);
        let except_then_plain = [v4([10, 0, 0, 0], 8, true), v4([10, 0, 0, 0], 8, false)];
        assert_eq!(lpm_list_entries(&except_then_plain, 32), 1);
        // The last copy also decides for the entries under it.
        let with_child = [
            v4([10, 0, 0, 0], 8, false),
            v4([10, 1, 0, 0], 16, true),
            v4([10, 0, 0, 0], 8, true),
        ];
        assert_eq!(lpm_list_entries(&with_child, 32), 0);
    }

    #[test]
    fn lpm_input_is_normalised() {
        // Host bits set and an over-long length on IPv4.
        let sloppy = [
            PrefixEntry {
                addr: u32::from_be_bytes([10, 9, 9, 9]).into(),
                len: 8,
                except: false,
            },
            v4([10, 0, 0, 0], 8, false),
            v4([10, 1, 1, 1], 40, true),
        ];
        assert_eq!(lpm_list_entries(&sloppy, 32), 2);
        let v6 = [
            PrefixEntry {
                addr: 0x2001_0db8 << 96,
                len: 32,
                except: false,
            },
            PrefixEntry {
                addr: (0x2001_0db8 << 96) | 1,
                len: 128,
                except: true,
            },
        ];
        assert_eq!(lpm_list_entries(&v6, 128), 2);
    }

    #[test]
    fn products_saturate() {
        assert_eq!(saturating_product([]), 1);
        assert_eq!(saturating_product([30, 30]), 900);
        assert_eq!(saturating_product([u64::MAX, 2]), u64::MAX);
        assert_eq!(saturating_product([1 << 32, 1 << 32]), u64::MAX);
        assert_eq!(saturating_product([u64::MAX, 1]), u64::MAX);
        assert_eq!(saturating_product([u64::MAX, u64::MAX, 0]), 0);
    }

    #[test]
    #[should_panic(expected = "field width must be 1..=128 bits")]
    fn zero_width_is_a_caller_bug() {
        range_entries(0, 0, 0);
    }
}
