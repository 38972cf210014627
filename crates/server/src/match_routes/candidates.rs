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

use super::{retrieval, stored_docs};
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
    /// The stored copy's `updated_at` the document was built from.
    pub(super) updated_at: OffsetDateTime,
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
            stored_ids_sorted(store).await?
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
        let ids = stored_ids_sorted(store).await?;
        let step = (ids.len() / MODEL_SAMPLE).max(1);
        let sample: Vec<String> = ids.into_iter().step_by(step).take(MODEL_SAMPLE).collect();
        // Not through the cache: the sample is not what patients are matched against.
        let mut sample = documents(store, &sample).await?;
        sample.sort_unstable_by(|a, b| a.doc.nct_id.cmp(&b.doc.nct_id));
        let model = tokio::task::spawn_blocking(move || {
            Arc::new(RelevanceModel::fit(sample.iter().map(|t| &t.doc)))
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

    /// The documents of `ids` (in that order; ids the store no longer has are left out): from
    /// the cache, else from the store ([`documents`]).
    async fn load(
        &self,
        store: &store::Store,
        ids: &[String],
    ) -> Result<Vec<Arc<CachedTrial>>, AppError> {
        let mut found: Vec<Option<Arc<CachedTrial>>> = {
            let mut cache = self.cache.lock().unwrap();
            ids.iter().map(|id| cache.get(id)).collect()
        };
        let missing: Vec<String> = ids
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        if !missing.is_empty() {
            let fetched = documents(store, &missing).await?;
            let mut cache = self.cache.lock().unwrap();
            let mut by_id: HashMap<String, Arc<CachedTrial>> = HashMap::new();
            for trial in fetched {
                cache.insert(trial.doc.nct_id.clone(), trial.clone());
                by_id.insert(trial.doc.nct_id.to_ascii_uppercase(), trial);
            }
            tracing::debug!(cached = cache.len(), "document cache");
            for (slot, id) in found.iter_mut().zip(ids) {
                if slot.is_none() {
                    *slot = by_id.get(&id.to_ascii_uppercase()).cloned();
                }
            }
        }
        Ok(found.into_iter().flatten().collect())
    }
}

/// Every stored trial's id, sorted: the scan order and the model sample's frame.
async fn stored_ids_sorted(store: &store::Store) -> Result<Vec<String>, AppError> {
    let mut ids: Vec<String> = store
        .changed_since(None)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// The documents of `ids` (any order; ids the store no longer has are left out): read from the
/// store's matcher documents where one is current ([`stored_docs`]), else built from the stored
/// records and written back for next time. Two queries for the reads (documents, then the
/// records of the rest), whatever the number of ids.
pub(super) async fn documents(
    store: &store::Store,
    ids: &[String],
) -> Result<Vec<Arc<CachedTrial>>, AppError> {
    let started = std::time::Instant::now();
    let format = stored_docs::format();
    let rows = store.matcher_documents(&format, ids).await?;
    let decoded = tokio::task::spawn_blocking(move || {
        on_every_core(rows, |row| {
            stored_docs::decode(&row).map_err(|e| {
                // Derived data: a bad row costs a rebuild, never the match.
                tracing::warn!(nct_id = %e.nct_id, error = %e, "rebuilding a matcher document");
            })
        })
    })
    .await
    .map_err(|e| AppError::Internal(format!("reading matcher documents: {e}")))?;
    let mut out: Vec<Arc<CachedTrial>> = decoded.into_iter().flatten().map(Arc::new).collect();
    let read = out.len();
    let have: std::collections::HashSet<String> = out
        .iter()
        .map(|t| t.doc.nct_id.to_ascii_uppercase())
        .collect();
    let rest: Vec<String> = ids
        .iter()
        .filter(|id| !have.contains(&id.to_ascii_uppercase()))
        .cloned()
        .collect();
    let mut built_count = 0;
    if !rest.is_empty() {
        let records = store.get_many(&rest).await?;
        let (built, encoded) = tokio::task::spawn_blocking(move || build_and_encode(records))
            .await
            .map_err(|e| AppError::Internal(format!("building matcher documents: {e}")))?;
        built_count = built.len();
        // A store that cannot take them (read-only, full) only costs the next miss a rebuild.
        if let Err(e) = store.put_matcher_documents(&format, &encoded).await {
            tracing::warn!(error = %e, "matcher documents not stored");
        }
        out.extend(built);
    }
    tracing::debug!(
        read,
        built = built_count,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "matcher documents loaded"
    );
    Ok(out)
}

/// Trials a fill builds and writes at a time: one `get_many`, one parallel build and one
/// transaction each, and a progress step.
const FILL_CHUNK: usize = 200;

/// What [`fill_documents`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FillSummary {
    /// Trials asked about (each once) that were not built: their stored document was current
    /// already, or the store does not hold them.
    pub current: usize,
    /// Documents built.
    pub built: usize,
    /// Documents written (fewer than built when a trial changed meanwhile).
    pub stored: usize,
}

/// Builds and stores the documents of those of `ids` with no current stored document, so the
/// first match reads instead of building them. `on_progress(done, total)` after each chunk,
/// counting only the trials that need building. A chunk the store cannot take stops the fill
/// with the error: what was written before stays (the table is a cache).
pub(super) async fn fill_documents(
    store: &store::Store,
    ids: &[String],
    on_progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<FillSummary, AppError> {
    let format = stored_docs::format();
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<String> = ids
        .iter()
        .map(|id| id.to_ascii_uppercase())
        .filter(|id| seen.insert(id.clone()))
        .collect();
    let missing = store.missing_matcher_documents(&format, &ids).await?;
    let mut summary = FillSummary {
        current: ids.len() - missing.len(),
        ..FillSummary::default()
    };
    on_progress(0, missing.len());
    for chunk in missing.chunks(FILL_CHUNK) {
        let records = store.get_many(chunk).await?;
        let (built, encoded) = tokio::task::spawn_blocking(move || build_and_encode(records))
            .await
            .map_err(|e| AppError::Internal(format!("building matcher documents: {e}")))?;
        summary.built += built.len();
        summary.stored += store.put_matcher_documents(&format, &encoded).await?;
        on_progress(summary.built, missing.len());
    }
    Ok(summary)
}

/// Builds the documents of `records` on every core, with the bytes to store for each (a
/// document that cannot be encoded is still returned, only not stored).
fn build_and_encode(
    records: Vec<store::StoredTrial>,
) -> (Vec<Arc<CachedTrial>>, Vec<store::MatcherDocument>) {
    let built = on_every_core(records, build);
    let encoded = built
        .iter()
        .filter_map(|t| {
            let body = stored_docs::encode(t)
                .map_err(|e| tracing::warn!(error = %e, "not storing a matcher document"))
                .ok()?;
            Some(store::MatcherDocument {
                nct_id: t.doc.nct_id.clone(),
                updated_at: t.updated_at,
                body,
            })
        })
        .collect();
    (built, encoded)
}

/// Builds one trial's document from its stored record (criteria parsing dominates), with its
/// sites placed where the registry gave no point ([`super::location::geocode_sites`]).
fn build(t: store::StoredTrial) -> Arc<CachedTrial> {
    let study = &t.record.study;
    let mut doc = TrialDocument::from_study(study);
    super::location::geocode_sites(&mut doc);
    Arc::new(CachedTrial {
        doc,
        overall_status: study.overall_status().to_string(),
        updated_at: t.updated_at,
    })
}

/// `f` over `items` on every core, in no particular order.
fn on_every_core<T: Send, U: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> U + std::marker::Sync,
) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().div_ceil(8))
        .max(1);
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    let mut chunks: Vec<Vec<T>> = (0..threads).map(|_| Vec::new()).collect();
    for (n, t) in items.into_iter().enumerate() {
        chunks[n % threads].push(t);
    }
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(move || c.into_iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a matcher document worker panicked"))
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
