//! The trials a match reranks, and a bounded cache of their matcher documents.
//!
//! A match does not read every stored trial. Retrieval asks the search index for the
//! [`retrieval::candidate_limit`] trials that best fit the patient's words and conditions
//! ([`search::TrialIndex::retrieve`]); only those are turned into [`matcher::TrialDocument`]s
//! (parsing a trial's criteria costs about 2 ms) and reranked. When the store holds no more
//! trials than that limit, or the index is empty (a state built without one), every stored trial
//! is a candidate: then the result is exactly the old full scan.
//!
//! Documents live in a [`DocCache`] of at most [`cache_capacity`] entries (least recently used
//! out first), keyed by NCT id and tagged with the stored copy's `updated_at`. Freshness: every
//! match first asks the store which trials changed since the last look
//! ([`store::Store::changed_since`], an indexed range read that is empty when nothing changed)
//! and drops the cached documents whose `updated_at` differs; [`invalidate_corpus`] drops them all.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use matcher::TrialDocument;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::retrieval;
use crate::{AppError, AppState};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Marks every cached matching document in this process stale: the next match rebuilds what it
/// needs from the store. Changes the store records (ingest, sync) are seen without this; it is
/// for edits the store's `updated_at` could not show. (Until the crate re-exports this, nothing
/// outside the module calls it.)
#[allow(dead_code)]
pub fn invalidate_corpus() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Default bound of the document cache, in trials.
pub const DEFAULT_CACHE_CAPACITY: usize = 20_000;

/// The environment variable that sets the cache bound (a positive integer, in trials).
pub const CACHE_ENV: &str = "TRIALBRIDGE_MATCH_CACHE";

/// The cache bound: [`CACHE_ENV`] when it holds a positive integer, else
/// [`DEFAULT_CACHE_CAPACITY`]; never below the candidate limit, so one match's candidates fit.
pub fn cache_capacity(candidates: usize) -> usize {
    std::env::var(CACHE_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&k| k > 0)
        .unwrap_or(DEFAULT_CACHE_CAPACITY)
        .max(candidates)
}

/// One trial ready to match, with what the result list shows beside the matcher's view.
#[derive(Debug)]
pub struct CachedTrial {
    pub doc: TrialDocument,
    pub overall_status: String,
    updated_at: OffsetDateTime,
}

/// Matcher documents by NCT id, at most `capacity`, least recently used out first.
pub struct DocCache {
    capacity: usize,
    tick: u64,
    entries: HashMap<String, (Arc<CachedTrial>, u64)>,
}

impl DocCache {
    pub fn new(capacity: usize) -> DocCache {
        DocCache {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn get(&mut self, id: &str) -> Option<Arc<CachedTrial>> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(id).map(|(t, used)| {
            *used = tick;
            t.clone()
        })
    }

    fn insert(&mut self, id: String, trial: Arc<CachedTrial>) {
        self.tick += 1;
        self.entries.insert(id, (trial, self.tick));
        if self.entries.len() > self.capacity {
            // Evict down to 90% at once, so eviction's sort runs once per many inserts.
            let keep = self.capacity - self.capacity / 10;
            let mut ages: Vec<u64> = self.entries.values().map(|(_, u)| *u).collect();
            ages.sort_unstable();
            let cutoff = ages[self.entries.len() - keep];
            self.entries.retain(|_, (_, u)| *u >= cutoff);
        }
    }

    /// Drops `id` unless the cached copy was built from the version stored at `updated_at`.
    fn drop_if_changed(&mut self, id: &str, updated_at: Option<OffsetDateTime>) {
        if let Some((t, _)) = self.entries.get(id) {
            if updated_at != Some(t.updated_at) {
                self.entries.remove(id);
            }
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Where the cache's freshness check left off.
#[derive(Default)]
struct Sync {
    generation: u64,
    /// The newest `updated_at` seen (as the store wrote it); `None` before the first look.
    mark: Option<String>,
}

/// The candidates of one match.
pub struct Candidates {
    pub trials: Vec<Arc<CachedTrial>>,
    /// How many trials the match ran over (every stored trial: retrieval searched them all).
    pub considered: usize,
}

impl Candidates {
    pub fn docs(&self) -> Vec<&TrialDocument> {
        self.trials.iter().map(|t| &t.doc).collect()
    }

    pub fn find(&self, nct_id: &str) -> Option<&CachedTrial> {
        self.trials
            .iter()
            .find(|t| t.doc.nct_id == nct_id)
            .map(|t| &**t)
    }
}

/// Matching state for one router: the candidate limit, the document cache and its freshness
/// mark. Cheap to share.
pub struct Matching {
    limit: usize,
    cache: Mutex<DocCache>,
    sync: tokio::sync::Mutex<Sync>,
}

impl Default for Matching {
    fn default() -> Self {
        let limit = retrieval::candidate_limit();
        Matching::new(limit, cache_capacity(limit))
    }
}

impl Matching {
    pub fn new(limit: usize, capacity: usize) -> Matching {
        Matching {
            limit: limit.max(1),
            cache: Mutex::new(DocCache::new(capacity.max(limit))),
            sync: tokio::sync::Mutex::new(Sync::default()),
        }
    }

    /// Drops the cached documents of trials changed in the store since the last look.
    async fn refresh(&self, store: &store::Store) -> Result<(), AppError> {
        let mut sync = self.sync.lock().await;
        let generation = GENERATION.load(Ordering::SeqCst);
        if generation != sync.generation || sync.mark.is_none() {
            // First look, or told everything may have changed: start from an empty cache.
            self.cache.lock().unwrap().clear();
            sync.generation = generation;
            let changed = store.changed_since(None).await?;
            sync.mark = Some(changed.last().map(|(_, t)| t.clone()).unwrap_or_default());
            return Ok(());
        }
        let changed = store.changed_since(sync.mark.as_deref()).await?;
        if let Some((_, newest)) = changed.last() {
            let mut cache = self.cache.lock().unwrap();
            for (id, at) in &changed {
                cache.drop_if_changed(id, OffsetDateTime::parse(at, &Rfc3339).ok());
            }
            sync.mark = Some(newest.clone());
        }
        Ok(())
    }

    /// The trials to rerank for a patient described by `terms` (see
    /// [`retrieval::retrieval_terms`]): the index's best [`Matching`] limit, or every stored
    /// trial when there are no more than that or the index is empty. In the store's NCT order
    /// for the full scan, in retrieval order otherwise; trials the store no longer has are
    /// left out.
    pub async fn candidates(
        &self,
        state: &AppState,
        terms: Vec<(String, f32)>,
    ) -> Result<Candidates, AppError> {
        let store = state.store();
        self.refresh(store).await?;
        let count = store.count().await? as usize;
        let index = state.index().clone();
        let ids: Vec<String> = if count <= self.limit || index.is_empty() {
            if count > self.limit {
                tracing::warn!(
                    trials = count,
                    "the search index is empty: matching scans every stored trial"
                );
            }
            let mut ids: Vec<String> = store
                .changed_since(None)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            ids.sort_unstable();
            ids
        } else {
            let limit = self.limit;
            tokio::task::spawn_blocking(move || index.retrieve(&terms, limit))
                .await
                .map_err(|e| AppError::Internal(format!("retrieval: {e}")))?
                .map_err(|e| AppError::Internal(e.to_string()))?
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        };
        let trials = self.load(store, &ids).await?;
        Ok(Candidates {
            trials,
            considered: count,
        })
    }

    /// The documents of `ids`, from the cache or built from the stored records.
    async fn load(
        &self,
        store: &store::Store,
        ids: &[String],
    ) -> Result<Vec<Arc<CachedTrial>>, AppError> {
        let mut found: Vec<Option<Arc<CachedTrial>>> = {
            let mut cache = self.cache.lock().unwrap();
            ids.iter().map(|id| cache.get(id)).collect()
        };
        let mut missing = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            if found[i].is_none() {
                if let Some(t) = store.get(id).await? {
                    missing.push((i, t));
                }
            }
        }
        if !missing.is_empty() {
            let started = std::time::Instant::now();
            let n = missing.len();
            let built = tokio::task::spawn_blocking(move || build_all(missing))
                .await
                .map_err(|e| AppError::Internal(format!("building matcher documents: {e}")))?;
            let mut cache = self.cache.lock().unwrap();
            for (i, trial) in built {
                cache.insert(trial.doc.nct_id.clone(), trial.clone());
                found[i] = Some(trial);
            }
            tracing::debug!(
                built = n,
                cached = cache.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "matcher documents built"
            );
        }
        Ok(found.into_iter().flatten().collect())
    }
}

/// Builds documents on every core (criteria parsing dominates a cold match).
fn build_all(trials: Vec<(usize, store::StoredTrial)>) -> Vec<(usize, Arc<CachedTrial>)> {
    let build = |(i, t): (usize, store::StoredTrial)| {
        let study = &t.record.study;
        (
            i,
            Arc::new(CachedTrial {
                doc: TrialDocument::from_study(study),
                overall_status: study.overall_status().to_string(),
                updated_at: t.updated_at,
            }),
        )
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(trials.len().div_ceil(8))
        .max(1);
    if threads == 1 {
        return trials.into_iter().map(build).collect();
    }
    let mut chunks: Vec<Vec<(usize, store::StoredTrial)>> =
        (0..threads).map(|_| Vec::new()).collect();
    for (n, t) in trials.into_iter().enumerate() {
        chunks[n % threads].push(t);
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(move || c.into_iter().map(build).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("building a matcher document panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(id: &str) -> Arc<CachedTrial> {
        Arc::new(CachedTrial {
            doc: TrialDocument::new(matcher::TrialFields {
                nct_id: id.to_string(),
                ..Default::default()
            }),
            overall_status: String::new(),
            updated_at: OffsetDateTime::UNIX_EPOCH,
        })
    }

    #[test]
    fn the_cache_stays_bounded_and_keeps_what_was_used_last() {
        let mut cache = DocCache::new(10);
        for i in 0..10 {
            cache.insert(format!("NCT{i:08}"), trial(&format!("NCT{i:08}")));
        }
        assert!(cache.get("NCT00000000").is_some());
        for i in 10..40 {
            cache.insert(format!("NCT{i:08}"), trial(&format!("NCT{i:08}")));
            assert!(cache.len() <= 10);
        }
        assert!(cache.get("NCT00000039").is_some());
        assert!(cache.get("NCT00000001").is_none());
    }

    #[test]
    fn a_changed_trial_is_dropped_and_an_unchanged_one_kept() {
        let mut cache = DocCache::new(10);
        cache.insert("NCT00000001".into(), trial("NCT00000001"));
        cache.insert("NCT00000002".into(), trial("NCT00000002"));
        cache.drop_if_changed("NCT00000001", Some(OffsetDateTime::UNIX_EPOCH));
        cache.drop_if_changed("NCT00000002", None);
        assert!(cache.get("NCT00000001").is_some());
        assert!(cache.get("NCT00000002").is_none());
    }
}
