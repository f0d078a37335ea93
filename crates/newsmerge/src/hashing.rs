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
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
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
    }
}
