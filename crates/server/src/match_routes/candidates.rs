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

use matcher::{RelevanceModel, TrialDocument};
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
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;

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
        if let Some((t, _)) = self.entries.get(id)
            && updated_at != Some(t.updated_at)
        {
            self.entries.remove(id);
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
    /// Bumped whenever the store reports a change: a fitted model is reused only within one.
    epoch: u64,
    /// The newest `updated_at` seen (as the store wrote it); `None` before the first look.
    mark: Option<String>,
    /// The store's trial count, read again whenever the epoch changes (`COUNT(*)` is a scan).
    count: usize,
}

/// The candidates of one match.
pub struct Candidates {
    pub trials: Vec<Arc<CachedTrial>>,
    /// The relevance model fitted on these candidates.
    pub model: Arc<RelevanceModel>,
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
    /// The last fitted model with the candidates and epoch it was fitted for: the full scan of
    /// a small store (and a repeated patient) asks for the same candidates again and again.
    last_model: Mutex<Option<FittedFor>>,
    /// For retrieval: the model fitted on a sample of the whole store, with the store's trial
    /// count when fitted.
    corpus_model: tokio::sync::Mutex<Option<(usize, Arc<RelevanceModel>)>>,
}

/// A model with the candidates (NCT ids) and epoch it was fitted for.
type FittedFor = (Vec<String>, u64, Arc<RelevanceModel>);

/// Trials in the sample of the store that the retrieval path's relevance model is fitted on:
/// corpus statistics (document frequencies, field lengths) without building every document.
pub const MODEL_SAMPLE: usize = 2000;

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
            last_model: Mutex::new(None),
            corpus_model: tokio::sync::Mutex::new(None),
        }
    }

    /// Drops the cached documents of trials changed in the store since the last look.
    /// Returns the epoch (it changes whenever the store reports a change) and the trial count.
    async fn refresh(&self, store: &store::Store) -> Result<(u64, usize), AppError> {
        let mut sync = self.sync.lock().await;
        let generation = GENERATION.load(Ordering::SeqCst);
        if generation != sync.generation || sync.mark.is_none() {
            // First look, or told everything may have changed: start from an empty cache.
            self.cache.lock().unwrap().clear();
            sync.generation = generation;
            sync.epoch += 1;
            let changed = store.changed_since(None).await?;
            sync.mark = Some(changed.last().map(|(_, t)| t.clone()).unwrap_or_default());
            sync.count = store.count().await? as usize;
            return Ok((sync.epoch, sync.count));
        }
        let changed = store.changed_since(sync.mark.as_deref()).await?;
        if let Some((_, newest)) = changed.last() {
            {
                let mut cache = self.cache.lock().unwrap();
                for (id, at) in &changed {
                    cache.drop_if_changed(id, OffsetDateTime::parse(at, &Rfc3339).ok());
                }
            }
            // The read is inclusive: rows at the mark itself were seen last time.
            if changed.iter().any(|(_, at)| sync.mark.as_ref() != Some(at)) {
                sync.epoch += 1;
                sync.count = store.count().await? as usize;
            }
            sync.mark = Some(newest.clone());
        }
        Ok((sync.epoch, sync.count))
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
        let (epoch, count) = self.refresh(store).await?;
        let index = state.index().clone();
        let scan = count <= self.limit || index.is_empty();
        let ids: Vec<String> = if scan {
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
        if !scan {
            let model = self.corpus_model(store, count).await?;
            return Ok(Candidates {
                trials,
                model,
                considered: count,
            });
        }
        let ids: Vec<String> = trials.iter().map(|t| t.doc.nct_id.clone()).collect();
        let reuse = self
            .last_model
            .lock()
            .unwrap()
            .as_ref()
            .filter(|(i, e, _)| *e == epoch && *i == ids)
            .map(|(_, _, m)| m.clone());
        let model = match reuse {
            Some(m) => m,
            None => {
                let docs = trials.clone();
                let model = tokio::task::spawn_blocking(move || {
                    Arc::new(RelevanceModel::fit(docs.iter().map(|t| &t.doc)))
                })
                .await
                .map_err(|e| AppError::Internal(format!("fitting the relevance model: {e}")))?;
                *self.last_model.lock().unwrap() = Some((ids, epoch, model.clone()));
                model
            }
        };
        Ok(Candidates {
            trials,
            model,
            considered: count,
        })
    }

    /// The relevance model of the whole store, estimated on an evenly spread sample of
    /// [`MODEL_SAMPLE`] trials (every n-th in NCT order); fitted again once the store's size has
    /// moved by more than a tenth. Candidates all share the patient's topic, so a model fitted
    /// on them alone would see the patient's words as common and rank differently from the
    /// full scan.
    async fn corpus_model(
        &self,
        store: &store::Store,
        count: usize,
    ) -> Result<Arc<RelevanceModel>, AppError> {
        let mut slot = self.corpus_model.lock().await;
        if let Some((fitted, model)) = slot.as_ref()
            && fitted.abs_diff(count) * 10 <= *fitted
        {
            return Ok(model.clone());
        }
        let started = std::time::Instant::now();
        let mut ids: Vec<String> = store
            .changed_since(None)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        ids.sort_unstable();
        let step = (ids.len() / MODEL_SAMPLE).max(1);
        let mut sample = Vec::with_capacity(MODEL_SAMPLE);
        for (i, id) in ids.iter().step_by(step).take(MODEL_SAMPLE).enumerate() {
            if let Some(t) = store.get(id).await? {
                sample.push((i, t));
            }
        }
        let model = tokio::task::spawn_blocking(move || {
            let built = build_all(sample);
            Arc::new(RelevanceModel::fit(built.iter().map(|(_, t)| &t.doc)))
        })
        .await
        .map_err(|e| AppError::Internal(format!("fitting the relevance model: {e}")))?;
        tracing::info!(
            trials = count,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "relevance model fitted on a sample of the store"
        );
        *slot = Some((count, model.clone()));
        Ok(model)
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
            if found[i].is_none()
                && let Some(t) = store.get(id).await?
            {
                missing.push((i, t));
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
