//! Stage 4: verify candidate pairs exactly and group the copies.
//!
//! Every candidate pair is checked on the full shingle sets: two documents
//! are copies when their resemblance is high, or when the smaller (and not
//! tiny) one lies mostly inside the larger, as a truncated or paywalled
//! copy does. Verified pairs are joined into connected components.
//!
//! A component can chain different articles (A~B, B~C, A≁C). So each
//! component is split again around *centres*: its members in order of size,
//! largest first, each joining the centre it matches best, or founding a
//! new cluster when it matches none. Membership is thus always verified
//! against the cluster's most complete copy.
//!
//! Cost: one walk through the two fingerprints per candidate pair, linear
//! in their size, and cut short for the many pairs that fall short (see
//! [`is_match`]); union-find in near-linear time; and in the split, each
//! member is compared only with the centres of the clusters its verified
//! partners joined, so the work is bounded by the verified pairs, never by
//! members times centres.

use crate::config::Config;
use crate::hashing::shares_at_least_merged;
use crate::normalize::DocId;
use crate::sketch::{CandidatePair, Fingerprints, Overlap, Print, Signature, Whole, overlap};
use rayon::prelude::*;

/// A group of documents that are copies of one article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The most complete copy, every other member's match was verified
    /// against it.
    pub centre: DocId,
    /// All members, sorted, the centre included.
    pub members: Vec<DocId>,
}

/// Whether two documents are copies of one article, and their overlap if
/// so: their resemblance is high, or the smaller (and not tiny) one lies
/// mostly inside the larger *and starts where it starts* (its opening
/// is found in the larger), as a truncated or paywalled copy does.
pub fn matches(a: &Print<'_>, b: &Print<'_>, config: &Config) -> Option<Overlap> {
    let o = overlap(a.shingles, b.shingles);
    let c = &config.cluster;
    if o.shared == 0 || written_on_one_template(a, b, config) {
        return None;
    }
    if o.resemblance >= c.min_resemblance {
        return Some(o);
    }
    let (small, large) = if a.shingles.len() <= b.shingles.len() {
        (a, b)
    } else {
        (b, a)
    };
    let contained = o.containment >= c.min_containment
        && o.smaller >= c.min_containment_shingles
        && small.opens_inside(large);
    contained.then_some(o)
}

/// Whether two documents are copies of one article: exactly
/// [`matches`]`(a, b, config).is_some()`, decided without counting every
/// shingle they share. The fewest shared shingles that could pass either
/// test is worked out first, and the walk through the two fingerprints
/// stops as soon as it finds them or can no longer reach them: most
/// candidate pairs fall short, and are turned down after a part of the
/// walk.
pub fn is_match(a: &Print<'_>, b: &Print<'_>, config: &Config) -> bool {
    let c = &config.cluster;
    if written_on_one_template(a, b, config) {
        return false;
    }
    let (small, large) = if a.shingles.len() <= b.shingles.len() {
        (a, b)
    } else {
        (b, a)
    };
    let (smaller, larger) = (small.shingles.len(), large.shingles.len());
    let ratio = |n: usize, d: usize| n as f64 / d as f64;
    // The ratios as `overlap` computes them, for `shared` from 1 up.
    let by_resemblance = least_passing(smaller, |shared| {
        ratio(shared, smaller + larger - shared) >= c.min_resemblance
    });
    let by_containment = (smaller >= c.min_containment_shingles)
        .then(|| {
            least_passing(smaller, |shared| {
                ratio(shared, smaller) >= c.min_containment
            })
        })
        .flatten();
    let shares = |k: usize| shares_at_least_merged(small.shingles, large.shingles, k);
    match (by_resemblance, by_containment) {
        (None, None) => false,
        (Some(r), None) => shares(r),
        (None, Some(k)) => shares(k) && small.opens_inside(large),
        // Sharing fewer than `r` means sharing fewer than `k` too.
        (Some(r), Some(k)) if r <= k => shares(r),
        (Some(r), Some(k)) => shares(k) && (small.opens_inside(large) || shares(r)),
    }
}

/// The least `n` in `1..=max` for which `pass(n)` holds, where `pass` holds
/// for every number above one it holds for.
fn least_passing(max: usize, pass: impl Fn(usize) -> bool) -> Option<usize> {
    if max == 0 || !pass(max) {
        return None;
    }
    let (mut low, mut high) = (1, max);
    while low < high {
        let mid = low + (high - low) / 2;
        if pass(mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    Some(low)
}

/// Whether two short documents are different notices written on one
/// template (two companies' dividend notices, one market notice on two
/// days): their bodies are too short to tell them apart, so their
/// headlines and dates do. They are different articles when each
/// headline names something the other does not, or when their dates lie
/// more than [`crate::ConfigBuilder::max_template_days`] apart. A re-send
/// under a corrected headline names the same things and stays one
/// article.
fn written_on_one_template(a: &Print<'_>, b: &Print<'_>, config: &Config) -> bool {
    let c = &config.cluster;
    if a.shingles.len().max(b.shingles.len()) > c.max_template_shingles {
        return false;
    }
    let only_in = |x: &[u32], y: &[u32]| x.iter().any(|n| y.binary_search(n).is_err());
    let named_apart = only_in(a.names, b.names) && only_in(b.names, a.names);
    let dated_apart = matches!((a.date, b.date), (Some(x), Some(y)) if (x - y).unsigned_abs() > c.max_template_days);
    named_apart || dated_apart
}

/// Groups documents into clusters. Every document in `signatures` is in
/// exactly one cluster; clusters are sorted by their first member.
///
/// `pairs` may come in any order. They are verified with
/// [`Fingerprints::pairs_passing`], which reads fingerprints held whole
/// fastest when the pairs are sorted, as [`crate::sketch::candidates`]
/// gives them.
pub fn cluster<F: Fingerprints + ?Sized>(
    signatures: &F,
    pairs: &[CandidatePair],
    config: &Config,
) -> Vec<Cluster> {
    let verified = signatures.pairs_passing(pairs, &|a, b| is_match(a, b, config));
    let components = components(signatures.count(), &verified);
    let neighbours = neighbours(signatures.count(), &verified);
    let mut clusters: Vec<Cluster> = components
        .par_iter()
        .flat_map_iter(|members| split_by_centre(members, &neighbours, signatures, config))
        .collect();
    clusters.sort_by_key(|c| c.members[0]);
    clusters
}

/// Splits one connected component of verified pairs into clusters, as
/// [`cluster`] does: `members` are its documents with their
/// fingerprints, in number order, and `verified` its verified pairs.
/// Returns each cluster's centre and members, by document number.
pub fn split_component(
    members: &[(u32, &Signature)],
    verified: &[CandidatePair],
    config: &Config,
) -> Vec<Cluster> {
    let local = |d: DocId| {
        let i = members.binary_search_by_key(&d.0, |m| m.0);
        DocId(i.expect("a verified pair joins two members") as u32)
    };
    let pairs: Vec<CandidatePair> = verified
        .iter()
        .map(|p| CandidatePair {
            a: local(p.a),
            b: local(p.b),
        })
        .collect();
    let signatures: Vec<Signature> = members.iter().map(|m| m.1.clone()).collect();
    let ids: Vec<DocId> = (0..members.len() as u32).map(DocId).collect();
    let neighbours = neighbours(members.len(), &pairs);
    let global = |d: DocId| DocId(members[d.index()].0);
    split_by_centre(&ids, &neighbours, &signatures, config)
        .into_iter()
        .map(|c| Cluster {
            centre: global(c.centre),
            members: c.members.into_iter().map(global).collect(),
        })
        .collect()
}

/// Connected components of the verified-pair graph over `n` documents,
/// each sorted, in order of their first member.
pub fn components(n: usize, pairs: &[CandidatePair]) -> Vec<Vec<DocId>> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for p in pairs {
        let (ra, rb) = (find(&mut parent, p.a.0), find(&mut parent, p.b.0));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }
    let mut groups: Vec<Vec<DocId>> = vec![Vec::new(); n];
    for doc in 0..n as u32 {
        let root = find(&mut parent, doc);
        groups[root as usize].push(DocId(doc));
    }
    groups.retain(|g| !g.is_empty());
    groups
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

/// Each document's verified partners, sorted.
fn neighbours(n: usize, verified: &[CandidatePair]) -> Vec<Vec<DocId>> {
    let mut out: Vec<Vec<DocId>> = vec![Vec::new(); n];
    for p in verified {
        out[p.a.index()].push(p.b);
        out[p.b.index()].push(p.a);
    }
    for v in &mut out {
        v.sort_unstable();
    }
    out
}

/// Splits one component into clusters around verified centres.
fn split_by_centre<F: Fingerprints + ?Sized>(
    members: &[DocId],
    neighbours: &[Vec<DocId>],
    signatures: &F,
    config: &Config,
) -> Vec<Cluster> {
    if members.len() == 1 {
        return vec![Cluster {
            centre: members[0],
            members: members.to_vec(),
        }];
    }
    let mut by_size = members.to_vec();
    by_size.sort_by_key(|d| (std::cmp::Reverse(signatures.shingle_count(d.0)), *d));
    let mut clusters: Vec<Cluster> = Vec::new();
    // Each cluster's centre's fingerprint, read once.
    let mut centres: Vec<Whole<'_>> = Vec::new();
    let mut cluster_of: rustc_hash::FxHashMap<DocId, usize> = rustc_hash::FxHashMap::default();
    for doc in by_size {
        let signature = signatures.whole(doc.0);
        // Only the clusters of its verified partners can take it: a centre
        // it matches but was never paired with is not looked for, so the
        // work is bounded by the verified pairs, not members times centres.
        let mut near: Vec<usize> = neighbours[doc.index()]
            .iter()
            .filter_map(|n| cluster_of.get(n).copied())
            .collect();
        near.sort_unstable();
        near.dedup();
        let best = near
            .into_iter()
            .filter_map(|i| {
                matches(&centres[i].print(), &signature.print(), config).map(|o| (i, o))
            })
            .max_by(|(i, x), (j, y)| {
                let by_containment = x.containment.total_cmp(&y.containment);
                by_containment
                    .then(x.resemblance.total_cmp(&y.resemblance))
                    .then(j.cmp(i))
            });
        let i = match best {
            Some((i, _)) => {
                clusters[i].members.push(doc);
                i
            }
            None => {
                clusters.push(Cluster {
                    centre: doc,
                    members: vec![doc],
                });
                centres.push(signature);
                clusters.len() - 1
            }
        };
        cluster_of.insert(doc, i);
    }
    for c in &mut clusters {
        c.members.sort();
    }
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fingerprint of consecutive shingles, opening with the first.
    fn sig(range: std::ops::Range<u32>) -> Signature {
        Signature {
            opening: vec![range.clone().take(40).collect()],
            shingles: range.collect(),
            ..Signature::default()
        }
    }

    proptest::proptest! {
        #[test]
        fn is_match_decides_as_matches_does(
            a in proptest::collection::btree_set(0u32..300, 0..120),
            kept in proptest::collection::vec(0u8..4, 120),
            extra in proptest::collection::btree_set(0u32..300, 0..40),
            opening in proptest::collection::btree_set(0u32..300, 0..20),
            names in (proptest::collection::vec(0u32..4, 0..3), proptest::collection::vec(0u32..4, 0..3)),
        ) {
            // `b` keeps most of `a` (each shingle with odds 3 in 4) and
            // has shingles of its own, so that every test passes and
            // fails.
            let b: std::collections::BTreeSet<u32> =
                a.iter().zip(&kept).filter(|k| *k.1 > 0).map(|k| *k.0).chain(extra).collect();
            let config = Config::default();
            let print = |shingles: std::collections::BTreeSet<u32>, names: &[u32]| Signature {
                shingles: shingles.into_iter().collect(),
                opening: vec![opening.iter().copied().collect()],
                names: names.to_vec(),
                ..Signature::default()
            };
            let (a, b) = (print(a, &names.0), print(b, &names.1));
            let (a, b) = (a.print(), b.print());
            proptest::prop_assert_eq!(is_match(&a, &b, &config), matches(&a, &b, &config).is_some());
            proptest::prop_assert_eq!(is_match(&b, &a, &config), matches(&b, &a, &config).is_some());
        }
    }

    #[test]
    fn short_notices_on_one_template_are_told_apart_by_headline_and_date() {
        let notice = |names: &[u32], date: Option<i32>| Signature {
            names: names.to_vec(),
            date,
            ..sig(0..20)
        };
        let config = Config::default();
        let apart = |a: &Signature, b: &Signature| {
            cluster(&[a.clone(), b.clone()], &[pair(0, 1)], &config).len() == 2
        };
        assert!(
            apart(&notice(&[1, 2], None), &notice(&[3, 4], None)),
            "two companies"
        );
        assert!(
            !apart(&notice(&[1, 2], None), &notice(&[1, 2], None)),
            "a corrected re-send"
        );
        assert!(
            apart(&notice(&[1], Some(100)), &notice(&[1], Some(130))),
            "a month apart"
        );
        assert!(
            !apart(&notice(&[1], Some(100)), &notice(&[1], Some(101))),
            "the next day"
        );
        // Long articles are told apart by their text, not their headlines.
        let long = |names: &[u32]| Signature {
            names: names.to_vec(),
            ..sig(0..200)
        };
        assert!(!apart(&long(&[1]), &long(&[2])));
    }

    fn pair(a: u32, b: u32) -> CandidatePair {
        CandidatePair {
            a: DocId(a),
            b: DocId(b),
        }
    }

    #[test]
    fn containment_joins_a_fragment_to_its_article() {
        let sigs = [sig(0..200), sig(0..40), sig(1000..1100)];
        let clusters = cluster(&sigs, &[pair(0, 1), pair(0, 2)], &Config::default());
        assert_eq!(clusters.len(), 2);
        assert_eq!(clusters[0].members, [DocId(0), DocId(1)]);
        assert_eq!(clusters[0].centre, DocId(0));
    }

    #[test]
    fn a_fragment_whose_opening_is_elsewhere_does_not_join() {
        // A stub (its own headline and lede, then a quote) and an unrelated
        // article that carries the same quote.
        let mut stub = sig(500..540);
        stub.opening = vec![(500..505).collect(), (505..510).collect()];
        stub.shingles = (500..510).chain(0..30).collect();
        let sigs = [sig(0..200), stub];
        let clusters = cluster(&sigs, &[pair(0, 1)], &Config::default());
        assert_eq!(clusters.len(), 2);
    }

    #[test]
    fn tiny_fragments_need_resemblance() {
        let sigs = [sig(0..200), sig(0..10)];
        let clusters = cluster(&sigs, &[pair(0, 1)], &Config::default());
        assert_eq!(clusters.len(), 2);
    }

    #[test]
    fn chains_are_broken_at_the_centre() {
        // A and C are different articles; B shares half of each.
        let a = sig(0..100);
        let b = sig(50..150);
        let c = sig(100..200);
        let config = Config::builder().min_resemblance(0.3).build().unwrap();
        let clusters = cluster(&[a, b, c], &[pair(0, 1), pair(1, 2)], &config);
        assert_eq!(clusters.len(), 2, "{clusters:?}");
        assert!(clusters.iter().all(|c| c.members.len() <= 2));
    }
}
