//! Getting ClinicalTrials.gov records into the store.
//!
//! # Brief overview
//!
//! [`ingest_paths`] reads files of any supported layout (see [`read`]: one API v2 study, a JSON
//! array, an API page, JSON Lines, gzip, the registry's bulk zip, or the benchmark trial_info
//! layout), parses records in parallel on a reader thread, and writes them to a
//! [`store::Store`] in atomic batches. It returns an [`IngestSummary`]: how many trials were
//! stored, updated or unchanged, and every [`Rejection`] with its file, place and reason.
//!
//! [`sync::sync`] keeps the store current from the live API v2 (`/studies`, filtered by
//! `LastUpdatePostDate` since the last checkpoint, following `nextPageToken`, with backoff on
//! 429 and 5xx), resumable from the checkpoint it writes after every page.
//!
//! ```no_run
//! # async fn demo(store: &store::Store) -> Result<(), ingest::IngestError> {
//! let summary = ingest::ingest_paths(store, &["studies.jsonl.gz".into()], &mut |_| {}).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```

pub mod read;
pub mod sync;

use std::fmt;
use std::path::PathBuf;

use ctgov::NctId;
use serde::Serialize;
use store::{Store, Upsert};

pub use read::{BytesRead, Place, Rejection};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Format { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("the reader thread stopped unexpectedly: {0}")]
    Reader(String),
}

/// What an ingest run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub stored: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<Rejection>,
    /// Trials whose stored content changed (stored or updated): what a search index must
    /// refresh.
    #[serde(skip)]
    pub changed: Vec<NctId>,
}

impl IngestSummary {
    fn add(&mut self, outcome: Upsert, id: &NctId) {
        match outcome {
            Upsert::Stored => self.stored += 1,
            Upsert::Updated => self.updated += 1,
            Upsert::Unchanged => return self.unchanged += 1,
        }
        self.changed.push(id.clone());
    }

    pub fn records_seen(&self) -> u64 {
        self.stored + self.updated + self.unchanged + self.rejected.len() as u64
    }
}

impl fmt::Display for IngestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} stored, {} updated, {} unchanged, {} rejected",
            self.stored,
            self.updated,
            self.unchanged,
            self.rejected.len()
        )
    }
}

/// Progress after each written batch, for a progress bar.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    pub path: &'a str,
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub records: u64,
    /// Every trial this run has stored or updated so far (as in [`IngestSummary::changed`]),
    /// so a caller still knows them when a later file fails the run.
    pub changed: &'a [NctId],
}

/// Reads every path and writes its records to the store, batch by batch.
///
/// Parsing runs on a dedicated thread (with rayon inside each chunk) while this task writes the
/// previous chunk, so reading and writing overlap. Bad records are rejections and the run goes
/// on; a file that cannot be read at all stops the run at that file, with an error naming it
/// (everything written before it stays written).
pub async fn ingest_paths(
    store: &Store,
    paths: &[PathBuf],
    on_progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<IngestSummary, IngestError> {
    let mut summary = IngestSummary::default();
    for path in paths {
        let name = path.display().to_string();
        let bytes_total = std::fs::metadata(path)
            .map_err(|source| IngestError::Io {
                path: name.clone(),
                source,
            })?
            .len();
        let bytes_read = BytesRead::default();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<read::Chunk>(2);
        let reader_path = path.clone();
        let reader_bytes = bytes_read.clone();
        let reader = tokio::task::spawn_blocking(move || {
            read::read_path(&reader_path, &reader_bytes, &mut |chunk| {
                tx.blocking_send(chunk)
                    .map_err(|_| IngestError::Reader("the writer stopped".into()))
            })
        });
        let mut records_done = 0u64;
        let mut write_result = Ok(());
        while let Some(chunk) = rx.recv().await {
            let mut records = Vec::with_capacity(chunk.len());
            for item in chunk {
                match item {
                    Ok(record) => records.push(record),
                    Err(rejection) => summary.rejected.push(rejection),
                }
            }
            records_done += records.len() as u64;
            if let Err(e) = write_unique(store, records, &mut summary).await {
                write_result = Err(e);
                break;
            }
            on_progress(Progress {
                path: &name,
                bytes_read: bytes_read.get(),
                bytes_total,
                records: records_done,
                changed: &summary.changed,
            });
        }
        drop(rx);
        let read_result = reader
            .await
            .map_err(|e| IngestError::Reader(e.to_string()))?;
        write_result?;
        read_result?;
    }
    Ok(summary)
}

/// Reads and validates every path without writing anything: what `ingest --dry-run` reports.
/// `stored` counts the records that would be accepted.
pub fn validate_paths(paths: &[PathBuf]) -> Result<IngestSummary, IngestError> {
    let mut summary = IngestSummary::default();
    for path in paths {
        read::read_path(path, &BytesRead::default(), &mut |chunk| {
            for item in chunk {
                match item {
                    Ok(_) => summary.stored += 1,
                    Err(rejection) => summary.rejected.push(rejection),
                }
            }
            Ok(())
        })?;
    }
    Ok(summary)
}

/// Writes a chunk. A chunk may hold the same trial twice (a download can repeat one); each
/// copy goes in its own batch so the store's newest-wins rule decides between them.
async fn write_unique(
    store: &Store,
    mut records: Vec<ctgov::Record>,
    summary: &mut IngestSummary,
) -> Result<(), IngestError> {
    while !records.is_empty() {
        let mut seen = std::collections::HashSet::new();
        let (batch, rest): (Vec<_>, Vec<_>) = records
            .into_iter()
            .partition(|r| seen.insert(r.nct_id.clone()));
        let outcomes = store.upsert_batch(&batch).await?;
        for (record, outcome) in batch.iter().zip(outcomes) {
            summary.add(outcome, &record.nct_id);
        }
        records = rest;
    }
    Ok(())
}
