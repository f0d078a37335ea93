//! Every tunable of a run, with its default, in one place: one
//! sub-configuration per stage, built and checked by [`ConfigBuilder`].
//!
//! The CLI turns its flags into a [`Config`]; the library never reads flags
//! or environment variables. The settings that change the output are written
//! to `summary.json` (as [`crate::report::SettingsRecord`], so renaming a
//! field here does not change the output format); the thread count is not
//! among them, because the output does not depend on it.

use crate::error::{Error, Result};
use crate::ingest::{Fields, Filter};
use crate::normalize::Markers;

/// The most worker threads a run starts: past a few per core they only
/// cost time to start.
pub const MAX_THREADS: usize = 1024;

/// The settings of one run: build them with [`Config::builder`], or take
/// [`Config::default`].
///
/// By default, documents are fingerprinted with 5-word shingles, one in four
/// of them is indexed, and two copies are the same article when their
/// shingle sets have a Jaccard resemblance of at least 0.5, or when at least
/// 70% of the smaller copy (of at least 12 shingles) lies in the larger one.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Worker threads; 0 means one per core.
    pub(crate) threads: usize,
    /// The folder where `run` spills its normalized documents, `dedup` its
    /// document records, and both commands their fingerprints' samples
    /// and shingles; `None` holds them in memory.
    pub(crate) spill: Option<std::path::PathBuf>,
    /// A budget, in bytes, for what can be spilled; `None` spills
    /// everything spillable when `spill` is set.
    pub(crate) memory_limit: Option<u64>,
    /// Compress the documents, alignments and lines spilled.
    pub(crate) compress_spill: bool,
    /// The stores kept in memory although `spill` is set: what the engine
    /// decided under `memory_limit`.
    pub(crate) held: Held,
    pub(crate) ingest: IngestConfig,
    pub(crate) normalize: NormalizeConfig,
    pub(crate) sketch: SketchConfig,
    pub(crate) cluster: ClusterConfig,
    pub(crate) align: AlignConfig,
    pub(crate) annotate: AnnotateConfig,
}

/// What `ingest` reads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct IngestConfig {
    /// Walk into symbolic links instead of reporting them as skipped.
    /// By default, links are not followed.
    pub(crate) follow_links: bool,
    /// The record fields read from JSON and JSON Lines. By default, the
    /// text from `text`, `content`, `body`, `maintext` or `articleBody`,
    /// and `id`, `url`, `title`, `date`, `source`.
    pub(crate) fields: Fields,
    /// Glob patterns of the files to read; every file when empty.
    pub(crate) include: Vec<String>,
    /// Glob patterns of the files and folders not to read.
    pub(crate) exclude: Vec<String>,
}

impl IngestConfig {
    /// The include and exclude patterns compiled, or the first that is not
    /// a glob.
    pub(crate) fn filter(&self) -> Result<Filter> {
        Filter::new(&self.include, &self.exclude).map_err(|reason| Error::Config {
            setting: "include/exclude",
            reason,
        })
    }
}

/// How `normalize` cleans and marks furniture.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NormalizeConfig {
    /// A line its source prints under at least this many distinct headlines
    /// is furniture. By default, 4; below 2, no furniture is learned.
    pub(crate) min_furniture_articles: usize,
    /// The marker phrases: paywall notices, truncation markers, widget,
    /// comment and footer lines. By default, the built-in list.
    pub(crate) markers: Markers,
}

/// How `sketch` fingerprints and proposes candidate pairs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SketchConfig {
    /// Words per shingle. By default, 5.
    pub(crate) shingle_words: usize,
    /// One shingle in this many is indexed for candidate search (chosen by
    /// hash, so the same shingles are chosen in every copy). By default, 4.
    pub(crate) sample_modulus: u64,
    /// Candidate pairs must share at least this many indexed shingles.
    /// By default, 2.
    pub(crate) min_shared_samples: u32,
    /// Candidate pairs must also share at least this fraction of the
    /// smaller document's indexed shingles. Copies that pass verification
    /// share about `min_containment` of them, so the default, 0.3, leaves a
    /// wide margin for sampling noise while sparing the verifier the pairs
    /// that only share a quote or a stock phrase.
    pub(crate) min_shared_fraction: f64,
    /// Indexed shingles found in more documents than this are treated as
    /// boilerplate and never propose a pair. By default, 1,000.
    pub(crate) max_posting: usize,
}

/// When `cluster` calls two documents copies of one article.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ClusterConfig {
    /// Jaccard resemblance at or above which two copies match. By default, 0.5.
    pub(crate) min_resemblance: f64,
    /// Containment of the smaller copy in the larger at or above which two
    /// copies match. By default, 0.7.
    pub(crate) min_containment: f64,
    /// A copy needs at least this many shingles to match by containment
    /// alone, so that a headline and a teaser do not attach to an article.
    /// By default, 12.
    pub(crate) min_containment_shingles: usize,
    /// Two documents that both have at most this many shingles are short
    /// enough to be notices written on one template: their headlines and
    /// dates must agree too. By default, 60 (about 64 words).
    pub(crate) max_template_shingles: usize,
    /// Two such notices dated more than this many days apart are
    /// different notices. By default, 3.
    pub(crate) max_template_days: u32,
}

/// How much work `align` does on one cluster.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AlignConfig {
    /// At most this many copies of one article (those that agree most with
    /// the others first)
    /// are aligned and vote; the others are attached to the canonical lines
    /// they carry word for word, so a cluster of thousands of copies costs
    /// little more than one of this many. By default, 64.
    pub(crate) max_aligned_copies: usize,
    /// Most pairs of units one alignment diff may compare (the product of
    /// the two sides' lengths); past it a greedy in-order match replaces
    /// the Patience diff, so the work is bounded the same way on every
    /// machine. By default, 16,777,216 (two copies of 4,096 sentences).
    pub(crate) max_diff_cells: usize,
}

/// When `annotate` calls a copy truncated.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AnnotateConfig {
    /// A copy is truncated by containment when the canonical text goes on
    /// for at least this share of its words after the copy's last line.
    /// By default, 0.25.
    pub(crate) min_missing_tail: f64,
    /// ...and for at least this many words. By default, 40.
    pub(crate) min_missing_tail_words: usize,
    /// A copy whose last sentence breaks off at least this many words
    /// short of the agreed sentence is cut inside it. By default, 5.
    pub(crate) min_cut_inside_words: usize,
    /// A copy cut short is the start of its article: it must carry at
    /// least this share of the canonical text's words up to where it
    /// stops; one that lacks the start is a fragment of the middle, not a
    /// truncated copy. By default, 0.5.
    pub(crate) min_prefix_share: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            threads: 0,
            spill: None,
            memory_limit: None,
            compress_spill: false,
            held: Held::default(),
            ingest: IngestConfig {
                follow_links: false,
                fields: Fields::default(),
                include: Vec::new(),
                exclude: Vec::new(),
            },
            normalize: NormalizeConfig {
                min_furniture_articles: 4,
                markers: Markers::builtin(),
            },
            sketch: SketchConfig {
                shingle_words: 5,
                sample_modulus: 4,
                min_shared_samples: 2,
                min_shared_fraction: 0.3,
                max_posting: 1000,
            },
            cluster: ClusterConfig {
                min_resemblance: 0.5,
                min_containment: 0.7,
                min_containment_shingles: 12,
                max_template_shingles: 60,
                max_template_days: 3,
            },
            align: AlignConfig {
                max_aligned_copies: 64,
                max_diff_cells: 1 << 24,
            },
            annotate: AnnotateConfig {
                min_missing_tail: 0.25,
                min_missing_tail_words: 40,
                min_cut_inside_words: 5,
                min_prefix_share: 0.5,
            },
        }
    }
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            config: Config::default(),
        }
    }

    /// Worker threads; 0 means one per core. Never changes the output.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The marker phrases in use.
    pub fn markers(&self) -> &Markers {
        &self.normalize.markers
    }

    /// The folder `store` is spilled to, or `None` when it is held in
    /// memory.
    pub(crate) fn spill_for(&self, store: Spillable) -> Option<&std::path::Path> {
        self.spill.as_deref().filter(|_| !self.held.holds(store))
    }
}

/// The stores that can be kept in a spill file instead of in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spillable {
    /// The fingerprints' samples, shingles and openings (`run` and
    /// `dedup`).
    Prints,
    /// `run`'s normalized documents, alignments and canonical lines, and
    /// the hashed lines it learns furniture from.
    Texts,
    /// The document records: each entry's id, source, metadata and
    /// status, and the evidence of its text (`run`'s copy reports, made
    /// when its cluster is merged).
    Records,
}

/// Which stores stay in memory though a spill folder is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) prints: bool,
    pub(crate) texts: bool,
    pub(crate) records: bool,
}

impl Held {
    /// Whether `store` stays in memory.
    pub(crate) fn holds(self, store: Spillable) -> bool {
        match store {
            Spillable::Prints => self.prints,
            Spillable::Texts => self.texts,
            Spillable::Records => self.records,
        }
    }

    /// Keeps `store` in memory.
    pub(crate) fn hold(&mut self, store: Spillable) {
        match store {
            Spillable::Prints => self.prints = true,
            Spillable::Texts => self.texts = true,
            Spillable::Records => self.records = true,
        }
    }
}

/// Builds a [`Config`]; [`ConfigBuilder::build`] checks every setting.
///
/// ```
/// let config = newsmerge::Config::builder().threads(2).min_resemblance(0.6).build()?;
/// assert_eq!(config.threads(), 2);
/// assert!(newsmerge::Config::builder().shingle_words(0).build().is_err());
/// # Ok::<(), newsmerge::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ConfigBuilder {
    config: Config,
}

/// One setter per setting, each documented with the setting.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $($path:ident).+;)*) => {
        impl ConfigBuilder {
            $(
                $(#[$doc])*
                pub fn $name(mut self, value: $ty) -> ConfigBuilder {
                    self.config.$($path).+ = value;
                    self
                }
            )*
        }
    };
}

setters! {
    /// Worker threads; 0 means one per core. Never changes the output.
    threads: usize => threads;
    /// A folder where `run` keeps its normalized documents, in an unnamed
    /// temporary file (removed however the run ends), reading each
    /// cluster's back (with its alignment) to merge it, and each
    /// cluster's canonical lines once merged, read back as the output is
    /// written ([`crate::Outcome::cluster`]), instead of holding them all
    /// in memory: at a million documents, a peak under 1 GiB instead of
    /// 9.0 GiB, for about 1.1× the time while the system's page cache
    /// holds the file. Both `run` and
    /// `dedup` keep their fingerprints' shingles there too, read back to
    /// verify candidate pairs a window of the file at a time, and their
    /// samples, read back a block of documents at a time by the candidate
    /// search; the hashed lines they learn furniture from, counted a part
    /// at a time; and their document records (each entry's id, source,
    /// metadata and the evidence of its text, `run`'s added as each
    /// cluster's merge is final), which stay there in the outcome, read
    /// back to be counted and written ([`crate::Outcome::document`]):
    /// `dedup` at a million documents peaks at 0.95 GiB instead of 2.6
    /// GiB, for about the same CPU time. By default,
    /// `None`: in memory. Never changes the output.
    spill: Option<std::path::PathBuf> => spill;
    /// A budget for the memory a run may use, in bytes. The stores that
    /// can be spilled (the fingerprints' samples and shingles; the
    /// document records; `run`'s documents, alignments and canonical
    /// lines) are
    /// kept in memory as long as an estimate of the run's peak, made from
    /// the size of the input, stays within it, the one whose spilling
    /// costs most time first (`run`'s fingerprints, which verifying
    /// candidate pairs reads most; `dedup`'s records, each encoded once
    /// and decoded twice, to be counted and written), and spilled to
    /// [`ConfigBuilder::spill`]'s folder otherwise, or to the system's
    /// temporary folder when none is set. The candidate index is built
    /// for blocks of documents in turn, each block's (with the samples
    /// read back for it) taking at most about half the limit, and searched
    /// from every document; one block when the whole index fits. What
    /// cannot be spilled (each document's id, digest, names and places in
    /// the spill files; the candidate pairs)
    /// grows with the corpus, beside which no limit is kept. By default, `None`: with a spill folder everything spillable
    /// is spilled, without one everything is held. Never changes the
    /// output.
    memory_limit: Option<u64> => memory_limit;
    /// Compress (zstd, level 1) each document, alignment and canonical
    /// text `run` spills, and each record and report spilled, for when disk
    /// space or the page cache is short rather than CPU time: the spilled
    /// texts take about a third of the space (the fingerprints' hashes,
    /// which do not compress, never are).
    /// By default, `false`. Never changes the output.
    compress_spill: bool => compress_spill;
    /// The field that holds a record's own id. By default, `id`.
    id_field: String => ingest.fields.id;
    /// The field that holds a record's url. By default, `url`.
    url_field: String => ingest.fields.url;
    /// The field that holds a record's title. By default, `title`.
    title_field: String => ingest.fields.title;
    /// The field that holds a record's date. By default, `date`.
    date_field: String => ingest.fields.date;
    /// Walk into symbolic links instead of reporting them as skipped.
    /// By default, links are not followed.
    follow_links: bool => ingest.follow_links;
    /// Read only the files of a folder whose path (relative to the input)
    /// matches one of these glob patterns; a pattern without a `/`
    /// matches a file name at any depth (`*.html`). By default, every
    /// file.
    include: Vec<String> => ingest.include;
    /// Do not read the files and folders that match one of these glob
    /// patterns (`drafts`, `**/*.tmp`). By default, none.
    exclude: Vec<String> => ingest.exclude;
    /// A line its source prints under at least this many distinct headlines
    /// is furniture. By default, 4; below 2, no furniture is learned.
    min_furniture_articles: usize => normalize.min_furniture_articles;
    /// The marker phrases: paywall notices, truncation markers, widget,
    /// comment and footer lines. By default, the built-in list.
    markers: Markers => normalize.markers;
    /// Words per shingle. By default, 5.
    shingle_words: usize => sketch.shingle_words;
    /// One shingle in this many is indexed for candidate search (chosen by
    /// hash, so the same shingles are chosen in every copy). By default, 4.
    sample_modulus: u64 => sketch.sample_modulus;
    /// Candidate pairs must share at least this many indexed shingles.
    /// By default, 2.
    min_shared_samples: u32 => sketch.min_shared_samples;
    /// Candidate pairs must also share at least this fraction of the
    /// smaller document's indexed shingles. Copies that pass verification
    /// share about `min_containment` of them, so the default, 0.3, leaves a
    /// wide margin for sampling noise while sparing the verifier the pairs
    /// that only share a quote or a stock phrase.
    min_shared_fraction: f64 => sketch.min_shared_fraction;
    /// Indexed shingles found in more documents than this are treated as
    /// boilerplate and never propose a pair. By default, 1,000.
    max_posting: usize => sketch.max_posting;
    /// Jaccard resemblance at or above which two copies match. By default, 0.5.
    min_resemblance: f64 => cluster.min_resemblance;
    /// Containment of the smaller copy in the larger at or above which two
    /// copies match. By default, 0.7.
    min_containment: f64 => cluster.min_containment;
    /// A copy needs at least this many shingles to match by containment
    /// alone, so that a headline and a teaser do not attach to an article.
    /// By default, 12.
    min_containment_shingles: usize => cluster.min_containment_shingles;
    /// Two documents that both have at most this many shingles are short
    /// enough to be notices written on one template: their headlines
    /// (the names in them) and dates must agree too. By default, 60.
    max_template_shingles: usize => cluster.max_template_shingles;
    /// Two such notices dated more than this many days apart are
    /// different notices. By default, 3.
    max_template_days: u32 => cluster.max_template_days;
    /// At most this many copies of one article (those that agree most with
    /// the others first)
    /// are aligned and vote; the others are attached to the canonical lines
    /// they carry word for word, so a cluster of thousands of copies costs
    /// little more than one of this many. By default, 64.
    max_aligned_copies: usize => align.max_aligned_copies;
    /// Most pairs of units one alignment diff may compare (the product of
    /// the two sides' lengths); past it a greedy in-order match replaces
    /// the Patience diff, so the work is bounded the same way on every
    /// machine. By default, 16,777,216 (two copies of 4,096 sentences).
    max_diff_cells: usize => align.max_diff_cells;
    /// A copy is truncated by containment when the canonical text goes on
    /// for at least this share of its words after the copy's last line.
    /// By default, 0.25.
    min_missing_tail: f64 => annotate.min_missing_tail;
    /// ...and for at least this many words. By default, 40.
    min_missing_tail_words: usize => annotate.min_missing_tail_words;
    /// A copy whose last sentence breaks off at least this many words
    /// short of the agreed sentence is cut inside it. By default, 5.
    min_cut_inside_words: usize => annotate.min_cut_inside_words;
    /// A copy cut short must carry at least this share of the canonical
    /// text's words up to where it stops. By default, 0.5.
    min_prefix_share: f64 => annotate.min_prefix_share;
}

/// The settings a front end takes by name (the command line's options of
/// `newsmerge run`, the Spark job's keywords), as one value that
/// serializes, so that a driver can hand them to its workers. A field
/// left `None` or empty keeps the default.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// The field that holds a record's text.
    pub text_field: Option<String>,
    /// The field that holds a record's own id.
    pub id_field: Option<String>,
    /// The field that holds a record's url.
    pub url_field: Option<String>,
    /// The field that holds a record's title.
    pub title_field: Option<String>,
    /// The field that holds a record's date.
    pub date_field: Option<String>,
    /// [`ConfigBuilder::include`].
    pub glob: Vec<String>,
    /// [`ConfigBuilder::exclude`].
    pub exclude: Vec<String>,
    /// [`ConfigBuilder::follow_links`].
    pub follow_links: bool,
    /// A marker file whose phrases are added to the built-in ones.
    pub markers: Option<std::path::PathBuf>,
    /// The marker file's text, once read ([`Options::read_markers`]), for
    /// workers that cannot read the file.
    pub markers_text: Option<String>,
    /// Learn no furniture ([`ConfigBuilder::min_furniture_articles`] 0).
    pub no_learned_furniture: bool,
    /// [`ConfigBuilder::threads`].
    pub threads: usize,
    /// [`ConfigBuilder::spill`] (`run` and `dedup` on one machine; the
    /// staged functions hold one cluster's documents at a time and spill
    /// nothing).
    pub spill: Option<std::path::PathBuf>,
    /// [`ConfigBuilder::memory_limit`].
    pub memory_limit: Option<u64>,
    /// [`ConfigBuilder::compress_spill`].
    pub compress_spill: bool,
}

impl Options {
    /// Reads the marker file, if one is named, into [`Options::markers_text`].
    pub fn read_markers(&mut self) -> Result<()> {
        if let (Some(path), None) = (&self.markers, &self.markers_text) {
            self.markers_text = Some(Markers::read_file(path)?);
        }
        Ok(())
    }

    /// The configuration these options ask for, every setting checked.
    pub fn config(&self) -> Result<Config> {
        let mut builder = Config::builder()
            .threads(self.threads)
            .spill(self.spill.clone())
            .memory_limit(self.memory_limit)
            .compress_spill(self.compress_spill)
            .follow_links(self.follow_links)
            .include(self.glob.clone())
            .exclude(self.exclude.clone());
        if let Some(path) = &self.markers {
            let markers = match &self.markers_text {
                Some(text) => Markers::from_file_text(path, text)?,
                None => Markers::load(path)?,
            };
            builder = builder.markers(markers);
        }
        if self.no_learned_furniture {
            builder = builder.min_furniture_articles(0);
        }
        if let Some(f) = &self.text_field {
            builder = builder.text_field(f);
        }
        let named = [
            (&self.id_field, ConfigBuilder::id_field as SetField),
            (&self.url_field, ConfigBuilder::url_field),
            (&self.title_field, ConfigBuilder::title_field),
            (&self.date_field, ConfigBuilder::date_field),
        ];
        for (value, set) in named {
            if let Some(f) = value {
                builder = set(builder, f.clone());
            }
        }
        builder.build()
    }
}

/// A builder setting that takes a field name.
type SetField = fn(ConfigBuilder, String) -> ConfigBuilder;

impl ConfigBuilder {
    /// The field that holds a record's text, instead of the default list.
    pub fn text_field(mut self, name: impl Into<String>) -> ConfigBuilder {
        self.config.ingest.fields.text = vec![name.into()];
        self
    }

    /// The configuration, once every setting is checked.
    pub fn build(self) -> Result<Config> {
        let mut c = self.config;
        if c.memory_limit == Some(0) {
            return Err(Error::Config {
                setting: "memory_limit",
                reason: "must be more than 0 bytes".into(),
            });
        }
        if c.memory_limit.is_some() && c.spill.is_none() {
            c.spill = Some(std::env::temp_dir());
        }
        let bad = |setting: &'static str, reason: String| Err(Error::Config { setting, reason });
        c.ingest.filter()?;
        if c.threads > MAX_THREADS {
            return bad(
                "threads",
                format!("{} is more than {MAX_THREADS}", c.threads),
            );
        }
        let s = &c.sketch;
        for (setting, value) in [
            ("shingle_words", s.shingle_words as u64),
            ("sample_modulus", s.sample_modulus),
            ("min_shared_samples", u64::from(s.min_shared_samples)),
            ("max_posting", s.max_posting as u64),
            ("max_aligned_copies", c.align.max_aligned_copies as u64),
            ("max_diff_cells", c.align.max_diff_cells as u64),
        ] {
            if value == 0 {
                return bad(setting, "must be at least 1".into());
            }
        }
        for (setting, value) in [
            ("min_shared_fraction", s.min_shared_fraction),
            ("min_resemblance", c.cluster.min_resemblance),
            ("min_containment", c.cluster.min_containment),
            ("min_missing_tail", c.annotate.min_missing_tail),
            ("min_prefix_share", c.annotate.min_prefix_share),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return bad(setting, format!("{value} is not a share between 0 and 1"));
            }
        }
        if c.cluster.min_resemblance == 0.0 && c.cluster.min_containment == 0.0 {
            return bad(
                "min_resemblance",
                "with min_containment also 0, every pair of documents would match".into(),
            );
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_build() {
        assert_eq!(Config::builder().build().unwrap(), Config::default());
    }

    #[test]
    fn settings_out_of_range_are_refused_by_name() {
        let refused = |b: ConfigBuilder| match b.build() {
            Err(Error::Config { setting, .. }) => setting,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            refused(Config::builder().threads(MAX_THREADS + 1)),
            "threads"
        );
        assert_eq!(
            refused(Config::builder().sample_modulus(0)),
            "sample_modulus"
        );
        assert_eq!(
            refused(Config::builder().min_resemblance(1.5)),
            "min_resemblance"
        );
        assert_eq!(
            refused(Config::builder().min_missing_tail(-0.1)),
            "min_missing_tail"
        );
        assert_eq!(
            refused(Config::builder().min_resemblance(0.0).min_containment(0.0)),
            "min_resemblance"
        );
        assert_eq!(
            refused(Config::builder().exclude(vec!["a[".into()])),
            "include/exclude"
        );
        assert_eq!(
            refused(Config::builder().memory_limit(Some(0))),
            "memory_limit"
        );
    }

    #[test]
    fn a_memory_limit_spills_to_the_temporary_folder_unless_told_where() {
        let limited = Config::builder().memory_limit(Some(1 << 30));
        assert_eq!(
            limited.clone().build().unwrap().spill,
            Some(std::env::temp_dir())
        );
        let dir = std::path::PathBuf::from("spill-here");
        let told = limited.spill(Some(dir.clone())).build().unwrap();
        assert_eq!(told.spill_for(Spillable::Prints), Some(dir.as_path()));
        let held = Config {
            held: Held {
                prints: true,
                ..Held::default()
            },
            ..told
        };
        assert_eq!(held.spill_for(Spillable::Prints), None);
        assert_eq!(held.spill_for(Spillable::Texts), Some(dir.as_path()));
        assert_eq!(Config::default().spill_for(Spillable::Texts), None);
    }

    #[test]
    fn a_setter_sets_its_stage_setting() {
        let c = Config::builder()
            .shingle_words(3)
            .max_diff_cells(9)
            .build()
            .unwrap();
        assert_eq!((c.sketch.shingle_words, c.align.max_diff_cells), (3, 9));
    }
}
