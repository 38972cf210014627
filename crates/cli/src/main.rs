//! `trialbridge`: the command-line entry point.
//!
//! Every subcommand accepts `--data-dir DIR` (default `./trialbridge-data`: the SQLite file and
//! the search index) and `--database-url URL` (PostgreSQL instead of SQLite; also
//! `TRIALBRIDGE_DATABASE_URL`), before or after the subcommand. The exit status is 0 only when
//! everything asked was done.

mod commands;
mod index;
mod seed;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "trialbridge", version, about = "Find clinical trials and check eligibility, from ClinicalTrials.gov records")]
struct Cli {
    /// Where the embedded database and the search index live.
    #[arg(long, global = true, env = "TRIALBRIDGE_DATA_DIR", default_value = "./trialbridge-data")]
    data_dir: PathBuf,
    /// Use this PostgreSQL database (postgres://...) instead of the embedded SQLite file.
    #[arg(long, global = true, env = "TRIALBRIDGE_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load ClinicalTrials.gov records (API v2 JSON, JSON Lines, .gz, the bulk zip, or the
    /// benchmark trial_info layout; detected, not flagged).
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print the summary and every rejection as JSON.
        #[arg(long)]
        json: bool,
        /// Read and validate only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Fetch what changed since the last sync from the live ClinicalTrials.gov API v2.
    Sync {
        /// Start from this date (YYYY-MM-DD) instead of the stored checkpoint.
        #[arg(long)]
        since: Option<String>,
        /// The API root.
        #[arg(long, default_value = "https://clinicaltrials.gov/api/v2")]
        base_url: String,
        #[arg(long, default_value_t = 1000)]
        page_size: u32,
    },
    /// Print one stored trial.
    Show {
        nct_id: String,
        /// The record as stored, in the registry's JSON shape.
        #[arg(long)]
        json: bool,
    },
    /// Serve the web pages and the JSON API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Do not load the bundled sample trials into an empty store.
        #[arg(long)]
        no_seed: bool,
    },
    /// Evaluations over stored trials or benchmark files.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Print a trial's plain-language summary and its reading grade. With --llm, ask the
    /// language model configured by TRIALBRIDGE_LLM_URL and TRIALBRIDGE_LLM_MODEL (off by
    /// default); its answer is used only if it passes the readability and faithfulness checks.
    Summary {
        nct_id: String,
        #[arg(long)]
        llm: bool,
        #[arg(long)]
        json: bool,
    },
    /// Rank the stored trials for a patient, criterion by criterion.
    Match {
        /// A patient profile (JSON; see crates/matcher/patient-profile.schema.json).
        #[arg(long, conflicts_with = "note", required_unless_present = "note")]
        patient: Option<PathBuf>,
        /// A free-text clinical note; the extracted profile is printed first.
        #[arg(long)]
        note: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Only trials with a site within this many km of the profile's location (the nearest
        /// site and its distance are shown whenever the profile has a location).
        #[arg(long, value_name = "KM", value_parser = parse_km)]
        within: Option<f64>,
        /// Where the patient is, on one line ("Boston, MA, USA", "02115"): for a note, or to
        /// replace the profile's location.
        #[arg(long, value_name = "PLACE")]
        location: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the search index from the store (the store is the source of truth).
    Reindex,
    /// Check the store: database integrity, and that every trial's columns agree with its raw record.
    Check,
    /// Parse a trial's eligibility criteria into typed rules.
    Criteria {
        /// A stored trial.
        #[arg(required_unless_present = "text", conflicts_with = "text")]
        nct_id: Option<String>,
        /// A file holding criteria text instead.
        #[arg(long)]
        text: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Rank benchmark trials for benchmark patients; with qrels, print NDCG@10, P@10 and AUROC
    /// for TrialBridge and for a BM25 baseline computed in the same run.
    Rank {
        #[arg(long)]
        trials: PathBuf,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long)]
        qrels: Option<PathBuf>,
        /// judged (the trials judged for each patient; default with qrels) or all.
        #[arg(long)]
        candidates: Option<String>,
        /// The TREC run file to write (the baseline's goes to OUT.bm25).
        #[arg(long, default_value = "run.txt")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The criteria parser against the registry's own age fields (self-consistency), against
    /// human annotations (Chia, LCT: precision, recall, F1 of numeric thresholds), and its speed.
    Criteria {
        /// ages, brat, speed, or all.
        #[arg(default_value = "all")]
        which: String,
        /// The shared data folder (ctgov/, trials/, criteria/).
        #[arg(long, default_value = "../shared/data")]
        shared_data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Readability (Flesch-Kincaid grade) and faithfulness of the plain-language summaries of
    /// every stored trial, beside the registry's own brief summaries as the baseline.
    Summaries {
        #[arg(long)]
        json: bool,
    },
}

/// A distance limit in km: above 0 and no more than any distance on Earth.
fn parse_km(text: &str) -> Result<f64, String> {
    let km: f64 = text.trim().parse().map_err(|_| format!("'{text}' is not a number of kilometres"))?;
    server::check_distance(km)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TRIALBRIDGE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        // Like other Unix tools, stop quietly when the reader of our output goes away
        // (`trialbridge criteria NCT… | head`). The server keeps Rust's default (ignore
        // SIGPIPE), so a client closing its socket can never kill it.
        #[cfg(unix)]
        // SAFETY: called once at start-up, before any thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
