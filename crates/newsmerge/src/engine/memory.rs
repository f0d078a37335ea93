//! What a run keeps in memory under a memory limit
//! ([`crate::ConfigBuilder::memory_limit`]).
//!
//! The plan is made once, before the input is read, from the size of the
//! input: the same input always gets the same plan, and no plan changes
//! the output (a spilled store gives back what a held one holds). Each
//! store's memory is estimated per byte of input from the peaks measured
//! on generated corpora of 100,000 and a million documents (plain JSON
//! Lines, `benches/scale.py`), the larger of the two for each, and what
//! cannot be spilled from those at a million and ten million: what a byte
//! of input text costs is least certain for small corpora, whose fixed
//! costs weigh more, and for inputs that are mostly not text (HTML, WARC)
//! the estimate errs towards spilling.

use super::{Mode, Progress};
use crate::config::{Config, Held, Spillable};
use crate::ingest::{Compression, Format, Found};
use std::borrow::Cow;

/// What is held whatever the input: the program, the threads' stacks and
/// buffers, the parts of the input being read.
const FIXED_BYTES: f64 = 128.0 * MIB;

/// What no setting spills, by command, beyond [`FIXED_BYTES`]: a part
/// that does not grow with the input and a part per byte of input. It is
/// the documents' places and digests, the candidate index and the samples
/// it is built from (when spilled, read back in blocks within half the
/// limit if the whole index would not fit, see `sketch`), the candidate
/// pairs, and the output records as they are assembled. Both parts are
/// fitted to the peaks of runs that spill everything, at a million and ten
/// million generated documents (1.75 and 17.5 GiB of JSON Lines):
/// `dedup --memory-limit 2G` 960 and 3,638 MiB, `run --memory-limit 3G`
/// (or `--spill` alone) 1,012 and 5,482 MiB. Smaller inputs peak lower
/// than the line through those (`run` at 100,000 documents: 269 MiB,
/// against 565 estimated), so there the estimate errs towards spilling,
/// which costs them little.
fn unspilled(mode: Mode) -> (f64, f64) {
    match mode {
        Mode::Run => (388.0 * MIB, 0.277),
        Mode::Dedup => (535.0 * MIB, 0.166),
    }
}

/// The document records, per byte of input: `dedup` holding them (its
/// fingerprints spilled) peaks 0.48 and 0.29 times its input higher than
/// spilling them too, at 100,000 and a million documents; `run` (its
/// other stores spilled) 0.34 to 0.53 and 0.26 times.
const RECORDS_PER_BYTE: f64 = 0.48;

/// The fingerprints' shingles and openings, per byte of input, by
/// command: `dedup` peaks 0.59 and 0.62 times its input higher with them
/// held than spilled, at 100,000 and a million documents, `run` 0.70
/// times at a million documents.
fn prints_per_byte(mode: Mode) -> f64 {
    match mode {
        Mode::Run => 0.70,
        Mode::Dedup => 0.62,
    }
}

/// `run`'s normalized documents, alignments and canonical lines, per byte
/// of input: `run` holding them peaks 4.8 and 3.5 times its input higher
/// than spilling them, at 100,000 and a million documents.
const TEXTS_PER_BYTE: f64 = 4.8;

/// A compressed input file is counted at this many times its size.
const COMPRESSED_RATIO: u64 = 4;

const MIB: f64 = 1024.0 * 1024.0;

/// The configuration a run of `mode` follows: `config` itself without a
/// memory limit; with one, `config` with the stores that fit the limit
/// held, for the input size `input_bytes` gives (asked only then). Warns
/// `progress` when even spilling everything would not keep the estimate
/// within the limit, and notes what it holds and spills.
pub(super) fn plan<'c>(
    config: &'c Config,
    mode: Mode,
    input_bytes: impl FnOnce() -> u64,
    progress: &dyn Progress,
) -> Cow<'c, Config> {
    let Some(limit) = config.memory_limit else {
        return Cow::Borrowed(config);
    };
    let input = input_bytes() as f64;
    let base = unspillable(mode, input);
    if base > limit as f64 {
        progress.warn(&format!(
            "the memory limit of {} is below the {} or so this input needs however much is spilled",
            size(limit as f64),
            size(base),
        ));
    }
    let held = held(mode, input, limit as f64);
    progress.note(&describe(mode, held, input, limit as f64));
    Cow::Owned(Config {
        held,
        ..config.clone()
    })
}

/// The stores a run of `mode` can spill, in the order they are held, with
/// their names and memory per byte of input: first the store whose
/// spilling costs most time. For `run`, the fingerprints (verifying
/// candidate pairs reads them back most often), then the records (small,
/// each encoded once and decoded twice), then the texts (the largest by
/// far); for
/// `dedup`, the records (each is encoded once and decoded twice, to be
/// counted and written), then the
/// fingerprints (read back a window of the file at a time, which costs
/// about what holding them does).
fn spillable(mode: Mode) -> Vec<(Spillable, &'static str, f64)> {
    let prints = (Spillable::Prints, "the fingerprints", prints_per_byte(mode));
    let records = (Spillable::Records, "the records", RECORDS_PER_BYTE);
    match mode {
        Mode::Run => vec![
            prints,
            records,
            (Spillable::Texts, "the texts", TEXTS_PER_BYTE),
        ],
        Mode::Dedup => vec![records, prints],
    }
}

/// What a plan holds and spills, with its estimated peak, in a line.
fn describe(mode: Mode, held: Held, input: f64, limit: f64) -> String {
    let mut peak = unspillable(mode, input);
    let (mut holds, mut spills) = (Vec::new(), Vec::new());
    for (store, name, per_byte) in spillable(mode) {
        if held.holds(store) {
            peak += per_byte * input;
            holds.push(name);
        } else {
            spills.push(name);
        }
    }
    let list = |names: &[&str]| match names {
        [] => "nothing".to_string(),
        names => names.join(" and "),
    };
    format!(
        "memory limit {}: holding {}, spilling {} (estimated peak {} for {} of input)",
        size(limit),
        list(&holds),
        list(&spills),
        size(peak),
        size(input),
    )
}

/// The estimated peak of a run of `mode` over `input` bytes that spills
/// everything it can.
fn unspillable(mode: Mode, input: f64) -> f64 {
    let (fixed, per_byte) = unspilled(mode);
    FIXED_BYTES + fixed + per_byte * input
}

/// `bytes` for a person to read: in GiB, MiB or bytes.
fn size(bytes: f64) -> String {
    if bytes >= 1024.0 * MIB {
        format!("{:.1} GiB", bytes / (1024.0 * MIB))
    } else if bytes >= MIB {
        format!("{:.0} MiB", bytes / MIB)
    } else {
        format!("{bytes:.0} bytes")
    }
}

/// The stores a run of `mode` over `input` bytes holds within `limit`
/// bytes: each in [`spillable`]'s order while the estimate stays within.
fn held(mode: Mode, input: f64, limit: f64) -> Held {
    let mut peak = unspillable(mode, input);
    let mut held = Held::default();
    for (store, _, per_byte) in spillable(mode) {
        peak += per_byte * input;
        if peak > limit {
            break;
        }
        held.hold(store);
    }
    held
}

/// The size of the files found, compressed ones (Parquet included) counted
/// at [`COMPRESSED_RATIO`] times theirs; a file that cannot be read counts
/// for nothing.
pub(super) fn input_bytes(found: &[Found]) -> u64 {
    found
        .iter()
        .filter(|f| f.problem.is_none())
        .map(|f| {
            let size = std::fs::metadata(&f.path).map_or(0, |m| m.len());
            let compressed = Compression::of_name(&f.rel).0 != Compression::None
                || Format::of(&f.rel) == Some(Format::Parquet);
            if compressed {
                size.saturating_mul(COMPRESSED_RATIO)
            } else {
                size
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Silent;

    const GIB: f64 = 1024.0 * MIB;

    /// The stores held by `mode` over a GiB of input when the limit
    /// leaves room for `room` bytes per byte of input beside what is
    /// never spilled.
    fn held_with_room(mode: Mode, room: f64) -> Held {
        let limit = unspillable(mode, GIB) + room * GIB;
        held(mode, GIB, limit)
    }

    #[test]
    fn each_command_holds_its_costliest_store_to_spill_first() {
        let just = |store| {
            let mut held = Held::default();
            held.hold(store);
            held
        };
        let both = |a, b| {
            let mut held = just(a);
            held.hold(b);
            held
        };
        let table = [
            (Mode::Run, Spillable::Prints, Spillable::Records),
            (Mode::Dedup, Spillable::Records, Spillable::Prints),
        ];
        for (mode, first, second) in table {
            let [a, b] = [first, second].map(|store| {
                let stores = spillable(mode);
                stores.iter().find(|s| s.0 == store).expect("spillable").2
            });
            assert_eq!(held_with_room(mode, 0.0), Held::default(), "{mode:?}");
            assert_eq!(held_with_room(mode, a), just(first), "{mode:?}");
            // Room for the second alone holds the first, not the second.
            assert_eq!(held_with_room(mode, b.max(a)), just(first), "{mode:?}");
            // Room for both, and not for a third (`run`'s texts).
            assert_eq!(
                held_with_room(mode, a + b + 0.01),
                both(first, second),
                "{mode:?}"
            );
            let every: f64 = spillable(mode).iter().map(|s| s.2).sum();
            let all = Held {
                prints: true,
                texts: mode == Mode::Run,
                records: true,
            };
            assert_eq!(held_with_room(mode, every + 0.01), all, "{mode:?}");
        }
    }

    #[test]
    fn the_plan_is_described_with_its_estimated_peak() {
        let prints = Held {
            prints: true,
            ..Held::default()
        };
        let run = describe(Mode::Run, prints, GIB, 3.0 * GIB);
        assert!(
            run.starts_with(
                "memory limit 3.0 GiB: holding the fingerprints, spilling the records and the texts"
            ),
            "{run}"
        );
        assert!(
            run.ends_with("of input)") && run.contains("1.0 GiB of input"),
            "{run}"
        );
        let dedup = describe(Mode::Dedup, Held::default(), MIB, 100.0 * MIB);
        assert!(
            dedup.contains(
                "holding nothing, spilling the records and the fingerprints (estimated peak 663 MiB"
            ),
            "{dedup}"
        );
    }

    #[test]
    fn without_a_limit_the_configuration_is_kept() {
        let config = Config::builder().build().unwrap();
        assert!(matches!(
            plan(&config, Mode::Run, || unreachable!(), &Silent),
            Cow::Borrowed(_)
        ));
        let limited = Config::builder()
            .memory_limit(Some(1 << 30))
            .build()
            .unwrap();
        let planned = plan(&limited, Mode::Dedup, || 1 << 20, &Silent);
        assert!(planned.held.prints);
        assert_eq!(planned.spill, Some(std::env::temp_dir()));
        assert!(!plan(&limited, Mode::Dedup, || 1 << 40, &Silent).held.prints);
    }

    #[test]
    fn compressed_inputs_count_for_more_than_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut found = Vec::new();
        for name in ["a.jsonl", "b.jsonl.gz", "c.parquet"] {
            let path = dir.path().join(name);
            std::fs::write(&path, [0u8; 100]).unwrap();
            found.push(Found {
                rel: name.to_string(),
                path,
                problem: None,
            });
        }
        assert_eq!(input_bytes(&found), 100 + 2 * 100 * COMPRESSED_RATIO);
    }
}
