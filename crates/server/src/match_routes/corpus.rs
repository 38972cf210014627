//! The matching corpus: every stored trial as a [`matcher::TrialDocument`] plus the fitted
//! [`matcher::RelevanceModel`], built lazily from the store and rebuilt when the store changes.
//!
//! Freshness is checked on every use against a cheap fingerprint of the store (trial count and
//! data timestamp) and a process-wide generation that [`invalidate_corpus`] bumps, so an ingest or
//! sync in another task is picked up without any call, and an explicit call forces a rebuild
//! even when the fingerprint could not see the change (an in-place edit with an old timestamp).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use matcher::{RelevanceModel, TrialDocument};
use time::OffsetDateTime;

use crate::AppError;

/// Trials read from the store per page while building.
const PAGE: u32 = 256;

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Marks every matching corpus in this process stale: the next match rebuilds from the store.
/// Call after ingest or sync changed stored trials. (The store fingerprint catches ordinary
/// ingests on its own; until the crate re-exports this, nothing outside the module calls it.)
#[allow(dead_code)]
pub fn invalidate_corpus() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// What the corpus was built from; a different fingerprint means rebuild.
#[derive(Debug, Clone, PartialEq)]
struct Fingerprint {
    generation: u64,
    count: u64,
    data_timestamp: Option<OffsetDateTime>,
}

/// One trial's facts the result list shows beside the matcher's view.
#[derive(Debug, Clone)]
pub struct TrialListing {
    pub overall_status: String,
}

/// Every stored trial, ready to match.
pub struct Corpus {
    pub docs: Vec<TrialDocument>,
    pub listings: Vec<TrialListing>,
    pub by_id: HashMap<String, usize>,
    pub model: RelevanceModel,
}

impl Corpus {
    /// Builds the corpus from documents (pure: the store walk is separate).
    pub fn from_docs(docs: Vec<TrialDocument>, listings: Vec<TrialListing>) -> Corpus {
        let model = RelevanceModel::fit(&docs);
        let by_id = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.nct_id.clone(), i))
            .collect();
        Corpus {
            docs,
            listings,
            by_id,
            model,
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }
}

/// Holds the current corpus for one router; cheap to share.
#[derive(Default)]
pub struct CorpusCache {
    slot: tokio::sync::Mutex<Option<(Fingerprint, Arc<Corpus>)>>,
}

impl CorpusCache {
    /// The corpus for the store as it is now, building it if missing or stale. Concurrent
    /// callers wait for one build rather than each building their own.
    pub async fn get(&self, store: &store::Store) -> Result<Arc<Corpus>, AppError> {
        let mut slot = self.slot.lock().await;
        let fingerprint = fingerprint(store).await?;
        if let Some((built_from, corpus)) = slot.as_ref() {
            if *built_from == fingerprint {
                return Ok(corpus.clone());
            }
        }
        let corpus = Arc::new(build(store).await?);
        *slot = Some((fingerprint, corpus.clone()));
        Ok(corpus)
    }
}

async fn fingerprint(store: &store::Store) -> Result<Fingerprint, AppError> {
    // Read the generation first: an invalidation during the walk then leaves a stale mark.
    let generation = GENERATION.load(Ordering::SeqCst);
    Ok(Fingerprint {
        generation,
        count: store.count().await?,
        data_timestamp: store.data_timestamp().await?,
    })
}

async fn build(store: &store::Store) -> Result<Corpus, AppError> {
    let started = std::time::Instant::now();
    let mut docs = Vec::new();
    let mut listings = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.page_after(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.record.study.nct_id().to_string());
        let converted = tokio::task::spawn_blocking(move || {
            page.iter()
                .map(|t| {
                    let study = &t.record.study;
                    (
                        TrialDocument::from_study(study),
                        TrialListing {
                            overall_status: study.overall_status().to_string(),
                        },
                    )
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| AppError::Internal(format!("building the matching corpus: {e}")))?;
        for (doc, listing) in converted {
            docs.push(doc);
            listings.push(listing);
        }
    }
    let corpus = tokio::task::spawn_blocking(move || Corpus::from_docs(docs, listings))
        .await
        .map_err(|e| AppError::Internal(format!("fitting the relevance model: {e}")))?;
    tracing::info!(
        trials = corpus.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "matching corpus built"
    );
    Ok(corpus)
}
