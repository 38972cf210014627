//! `eval-rank`: ranks each patient's candidate trials with TrialBridge and with BM25, writes TREC
//! run files and prints NDCG@10, P@10 and AUROC (and recall@50/@200 with `--candidates all`).
//!
//! ```text
//! eval-rank --trials bench/trec_2021/trials.jsonl --queries bench/trec_2021/queries.jsonl \
//!           --qrels bench/trec_2021/qrels.tsv --candidates judged --out run.txt [--json]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use eval_rank::{Candidates, RankConfig, run};

#[derive(Parser)]
#[command(about = "Evaluate patient-to-trial ranking against physician labels")]
struct Args {
    /// trials.jsonl in the bench "trial_info" layout.
    #[arg(long)]
    trials: PathBuf,
    /// queries.jsonl: one patient a line, {"_id", "text"}.
    #[arg(long)]
    queries: PathBuf,
    /// qrels.tsv: query-id, corpus-id, score (0/1/2).
    #[arg(long)]
    qrels: Option<PathBuf>,
    /// judged (default with qrels) or all.
    #[arg(long)]
    candidates: Option<Candidates>,
    /// TREC run file for TrialBridge; the BM25 run is written to <out>.bm25.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // A parser panic on one trial is caught and that trial ranked without rules; say so briefly.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("eval-rank: caught a panic{at}; continuing without that trial's parsed criteria");
    }));
    let candidates = args.candidates.unwrap_or(if args.qrels.is_some() {
        Candidates::Judged
    } else {
        Candidates::All
    });
    let config = RankConfig {
        trials: args.trials,
        queries: args.queries,
        qrels: args.qrels,
        candidates,
        out: args.out,
    };
    match run(&config) {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("report serializes")
                );
            } else {
                print!("{report}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("eval-rank: {e}");
            ExitCode::FAILURE
        }
    }
}
