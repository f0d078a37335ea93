//! The `newsmerge` command: flags in, library call, summary and exit code out.

mod cli;
mod show;

use clap::Parser;
use cli::{
    Cli, ColorChoice, Command, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS, ExportArgs,
    RunArgs, ShowArgs,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newsmerge::engine::{self, Mode, Progress};
use newsmerge::report::read::find_cluster;
use newsmerge::report::{Outcome, WriteOptions, check_paths, remove_temporaries, write_output};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set when Ctrl-C or a termination signal arrived.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// What the command line can do about an error, if the library's message
/// does not say it in the command's terms.
fn hint(err: &anyhow::Error) -> &'static str {
    match err.downcast_ref::<newsmerge::Error>() {
        Some(newsmerge::Error::OutputNotEmpty { .. }) => "; pass --force to write into it anyway",
        Some(newsmerge::Error::Exists { .. }) => "; pass --force to replace it",
        _ => "",
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => execute(Mode::Run, args),
        Command::Dedup(args) => execute(Mode::Dedup, args),
        Command::Show(args) => show(args),
        Command::Export(args) => export(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The signal handler is removing this run's temporaries and will
        // end the process; the error is only the run noticing it.
        Err(_) if INTERRUPTED.load(Ordering::SeqCst) => loop {
            std::thread::park();
        },
        Err(err) => {
            eprintln!("newsmerge: error: {err:#}{}", hint(&err));
            ExitCode::from(EXIT_FAILED)
        }
    }
}

fn execute(mode: Mode, args: &RunArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let config = args.config()?;
    check_paths(&args.input, &args.out)?;
    // On Ctrl-C or a termination signal, remove this run's temporaries, so
    // nothing of an interrupted run is left but what it had finished.
    let out = args.out.clone();
    ctrlc::set_handler(move || {
        INTERRUPTED.store(true, Ordering::SeqCst);
        remove_temporaries(&out);
        std::process::exit(EXIT_INTERRUPTED);
    })?;
    // Writing runs on the global pool; it gets the same number of threads.
    rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads())
        .build_global()?;
    let bar = Bar::new(args.quiet, args.timings);
    let outcome = engine::run_path(&args.input, mode, &config, &bar)?;
    bar.stage("writing", 1);
    let options = WriteOptions {
        force: args.force,
        canonical_files: args.canonical_files,
    };
    write_output(&args.out, &outcome, options)?;
    bar.finish();
    if !args.quiet {
        print_summary(&outcome, args, started.elapsed());
    }
    let problems = outcome.summary.documents.has_problems();
    Ok(if problems { EXIT_PROBLEMS } else { EXIT_OK })
}

fn export(args: &ExportArgs) -> anyhow::Result<u8> {
    let done = newsmerge::export(&args.out, &args.to, args.force)?;
    eprintln!(
        "newsmerge: {} articles written to {}",
        done.records,
        args.to.display()
    );
    Ok(EXIT_OK)
}

fn show(args: &ShowArgs) -> anyhow::Result<u8> {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let cluster = find_cluster(&args.out, &args.cluster)?;
    let text = match &args.copy {
        Some(copy) => show::copy_diff(&cluster, copy, color)?,
        None => show::blame(&cluster, color),
    };
    // A closed pipe (`| head`) is not a failure.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(EXIT_OK)
}

fn print_summary(outcome: &Outcome, args: &RunArgs, elapsed: Duration) {
    let s = &outcome.summary;
    let d = &s.documents;
    let line = format!(
        "newsmerge: {} documents ({} ok, {} empty, {} skipped, {} errors); \
         {} clusters, {} copies merged; {} truncated, {} paywalled; {:.2} s; output in {}",
        d.total,
        d.ok,
        d.empty,
        d.skipped,
        d.error,
        s.clusters,
        s.copies_merged,
        s.truncated,
        s.paywalled,
        elapsed.as_secs_f64(),
        args.out.display()
    );
    // A closed stderr is no reason to fail a finished run.
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// What the process has used so far, from `getrusage`.
mod usage {
    /// User and system CPU seconds of all threads.
    #[cfg(unix)]
    pub(crate) fn cpu_seconds() -> f64 {
        let u = rusage();
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        secs(u.ru_utime) + secs(u.ru_stime)
    }

    /// Peak resident memory, in MiB.
    #[cfg(unix)]
    pub(crate) fn peak_mib() -> libc::c_long {
        // macOS reports bytes, Linux and the BSDs kibibytes.
        let unit = if cfg!(target_os = "macos") {
            1 << 20
        } else {
            1 << 10
        };
        rusage().ru_maxrss / unit
    }

    /// Resident memory now, in MiB, where the system says (Linux).
    pub(crate) fn resident_mib() -> Option<u64> {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some((pages * page_bytes()) >> 20)
    }

    #[cfg(unix)]
    fn page_bytes() -> u64 {
        // SAFETY: `sysconf` only reads a system setting.
        let bytes = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        u64::try_from(bytes).unwrap_or(4096)
    }

    #[cfg(not(unix))]
    fn page_bytes() -> u64 {
        4096
    }

    #[cfg(unix)]
    fn rusage() -> libc::rusage {
        // SAFETY: `getrusage` fills the struct it is given; an all-zero
        // `rusage` is a valid value of that plain C struct.
        unsafe {
            let mut u: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut u);
            u
        }
    }

    #[cfg(not(unix))]
    pub(crate) fn cpu_seconds() -> f64 {
        0.0
    }

    #[cfg(not(unix))]
    pub(crate) fn peak_mib() -> i64 {
        0
    }
}

/// A progress bar on stderr, drawn only on a terminal, and the time each
/// stage took when `--timings` asks for it.
struct Bar {
    bar: ProgressBar,
    timings: bool,
    current: Mutex<Option<(&'static str, Instant, f64)>>,
}

impl Bar {
    fn new(quiet: bool, timings: bool) -> Bar {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Bar {
            bar,
            timings,
            current: Mutex::new(None),
        }
    }

    /// Ends the current stage and clears the bar.
    fn finish(&self) {
        self.end_stage(None);
        self.bar.finish_and_clear();
    }

    fn end_stage(&self, next: Option<&'static str>) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let now = usage::cpu_seconds();
        if let Some((name, started, cpu)) = current.take()
            && self.timings
        {
            self.bar.suspend(|| {
                let secs = started.elapsed().as_secs_f64();
                let cpu = now - cpu;
                let peak = usage::peak_mib();
                let now = usage::resident_mib()
                    .map(|m| format!(", {m:6} MiB at its end"))
                    .unwrap_or_default();
                let _ = writeln!(
                    std::io::stderr(),
                    "newsmerge: {name:>18} {secs:8.3} s wall {cpu:8.3} s cpu {peak:6} MiB peak{now}"
                );
            });
        }
        *current = next.map(|name| (name, Instant::now(), now));
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        self.end_stage(Some(name));
        self.bar.set_message(name);
        self.bar.set_length(total);
        self.bar.set_position(0);
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    fn warn(&self, message: &str) {
        self.bar.suspend(|| {
            let _ = writeln!(std::io::stderr(), "newsmerge: warning: {message}");
        });
    }

    fn note(&self, message: &str) {
        if self.timings {
            self.bar.suspend(|| {
                let _ = writeln!(std::io::stderr(), "newsmerge: {message}");
            });
        }
    }
}
