//! The seed of every hash, and set arithmetic on sorted hashes: a leaf
//! module, so that the stages that hash (normalize, sketch, align) need not
//! import one another.

/// The seed of every hash newsmerge computes, so runs are reproducible.
pub const SEED: u64 = 0x6e65_7773_6d65_7267;

/// The size of the intersection of two sorted slices (counting repeats as
/// often as both have them).
pub fn intersection_size<T: Ord>(a: &[T], b: &[T]) -> usize {
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
