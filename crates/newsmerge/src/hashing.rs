//! The seed of every hash, and set arithmetic on sorted hashes: a leaf
//! module, so that the stages that hash (normalize, sketch, align) need not
//! import one another.

/// The seed of every hash newsmerge computes, so runs are reproducible.
pub const SEED: u64 = 0x6e65_7773_6d65_7267;

/// A slice this many times longer than the other is searched by galloping
/// rather than walked.
const GALLOP_RATIO: usize = 16;

/// The size of the intersection of two sorted slices (counting repeats as
/// often as both have them). When one slice is much longer than the other
/// (an article against a page that holds hundreds of them), each element
/// of the shorter is found in the longer by galloping, so the cost is
/// O(short × log long) instead of O(short + long).
pub fn intersection_size<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() / GALLOP_RATIO > short.len() {
        return galloping_intersection_size(short, long);
    }
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        n += merge_step(a, b, &mut i, &mut j);
    }
    n
}

/// One step of a merge of two sorted slices, without branching on the
/// comparison (which a merge of two unrelated hash lists would mispredict
/// half the time): moves past the smaller of `a[i]` and `b[j]`, past both
/// when they are equal, and returns 1 when they were.
#[inline(always)]
fn merge_step<T: Ord>(a: &[T], b: &[T], i: &mut usize, j: &mut usize) -> usize {
    let (x, y) = (&a[*i], &b[*j]);
    *i += usize::from(x <= y);
    *j += usize::from(y <= x);
    usize::from(x == y)
}

fn galloping_intersection_size<T: Ord>(short: &[T], long: &[T]) -> usize {
    let (mut rest, mut n) = (long, 0);
    for x in short {
        // Find a bound past x by doubling steps, then search below it.
        let mut bound = 1;
        while bound < rest.len() && rest[bound] < *x {
            bound *= 2;
        }
        let end = (bound + 1).min(rest.len());
        let at = rest[..end].partition_point(|y| y < x);
        if rest.get(at) == Some(x) {
            n += 1;
            rest = &rest[at + 1..];
        } else {
            rest = &rest[at..];
        }
        if rest.is_empty() {
            break;
        }
    }
    n
}

/// Whether two sorted slices of distinct elements share at least `k`
/// elements: [`intersection_size`]` >= k`, decided as soon as the misses
/// among `a`'s elements leave too few to reach `k`, or `k` are found.
/// Fastest when `a` is the much shorter one: `b` is scanned for each of
/// its elements in turn.
pub(crate) fn shares_at_least<T: Ord>(a: &[T], b: &[T], k: usize) -> bool {
    if k == 0 {
        return true;
    }
    if a.len() < k || b.len() < k {
        return false;
    }
    let spare = a.len() - k;
    let (mut found, mut missed, mut j) = (0, 0, 0);
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if b.get(j) == Some(x) {
            found += 1;
            if found == k {
                return true;
            }
            j += 1;
        } else {
            missed += 1;
            if missed > spare {
                return false;
            }
        }
    }
    false
}

/// [`shares_at_least`] for slices of comparable lengths (two copies'
/// shingles): merged without branching on the comparison
/// ([`merge_step`]), and given up as soon as the elements passed over
/// in either slice leave too few to reach `k`. The two checks are rarely
/// taken until the end, which the processor predicts.
pub(crate) fn shares_at_least_merged<T: Ord>(a: &[T], b: &[T], k: usize) -> bool {
    if k == 0 {
        return true;
    }
    if a.len() < k || b.len() < k {
        return false;
    }
    let (spare_a, spare_b) = (a.len() - k, b.len() - k);
    let (mut i, mut j, mut found) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        found += merge_step(a, b, &mut i, &mut j);
        if found == k {
            return true;
        }
        // Passed over without a match: `i - found` of `a`, `j - found` of `b`.
        if (i - found > spare_a) | (j - found > spare_b) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn galloping_counts_what_walking_counts(
            mut a in proptest::collection::vec(0u32..400, 0..40),
            mut b in proptest::collection::vec(0u32..400, 0..2000),
        ) {
            a.sort_unstable();
            b.sort_unstable();
            let walked = {
                let (mut i, mut j, mut n) = (0, 0, 0);
                while i < a.len() && j < b.len() {
                    match a[i].cmp(&b[j]) {
                        std::cmp::Ordering::Less => i += 1,
                        std::cmp::Ordering::Greater => j += 1,
                        std::cmp::Ordering::Equal => { n += 1; i += 1; j += 1; }
                    }
                }
                n
            };
            prop_assert_eq!(galloping_intersection_size(&a, &b), walked);
            prop_assert_eq!(intersection_size(&a, &b), walked);
            prop_assert_eq!(intersection_size(&b, &a), walked);
        }

        #[test]
        fn shares_at_least_decides_as_counting_does(
            a in proptest::collection::btree_set(0u32..200, 0..40),
            b in proptest::collection::btree_set(0u32..200, 0..80),
            k in 0usize..45,
        ) {
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let counted = intersection_size(&a, &b) >= k;
            prop_assert_eq!(shares_at_least(&a, &b, k), counted);
            prop_assert_eq!(shares_at_least_merged(&a, &b, k), counted);
            prop_assert_eq!(shares_at_least_merged(&b, &a, k), counted);
        }
    }
}
