//! Evaluations of the `criteria` parser against real data (the I/O side; `criteria` is pure).
//!
//! # Brief overview
//!
//! - [`ages::self_consistency`] parses the eligibility text of registry records and compares every
//!   age bound the text states with the record's structured minimum/maximum age
//!   ([`ages::AgeReport`]: coverage and agreement per file).
//! - [`brat::evaluate`] reads a brat-standoff corpus (Chia zip or LCT tar.gz), turns the human
//!   annotations of numeric thresholds into gold items, and scores the parser's thresholds with
//!   precision / recall / F1 per kind ([`brat::BratReport`]). The matching definition is in
//!   `docs/benchmarks/criteria.md` and in [`brat`]'s module docs.
//! - [`throughput::measure`] times parsing of real criteria texts on one thread
//!   ([`throughput::ThroughputReport`]: sections per second).
//!
//! Every report implements `Display` (a short text table) and `Serialize`.
//!
//! ```no_run
//! use eval_criteria::brat::{evaluate, Corpus};
//! let report = evaluate("/work/shared/data/criteria/chia/chia_without_scope.zip".as_ref(), Corpus::Chia).unwrap();
//! println!("{report}");
//! ```

pub mod ages;
pub mod brat;
pub mod records;
pub mod throughput;

use std::path::PathBuf;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read archive {path}: {message}")]
    Archive { path: PathBuf, message: String },
    #[error("{path} line {line}: not a JSON record: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no documents found (is this the right corpus file?)")]
    Empty { path: PathBuf },
}

pub use throughput::measure as throughput;
