//! Keeping the local search index in step with the store.
//!
//! The store is the source of truth; the index under `DATA_DIR/index` is derived from it. Each
//! process that owns the index (only one can write it at a time) brings it up to date by
//! re-indexing the trials whose `updated_at` is at or after the last sync mark, kept in the
//! store's state table per index directory. The same loop lets several nodes share one
//! PostgreSQL store, each with its own local index.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use search::{IndexError, TrialIndex};

pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index")
}

/// The state key holding the sync mark of the index at `dir`.
fn mark_key(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    format!("index.synced_at:{}", dir.display())
}

/// Opens the index, or creates it when it is missing or was written by another version
/// (then the next [`catch_up`] rebuilds it in full).
pub fn open(data_dir: &Path) -> anyhow::Result<TrialIndex> {
    let dir = index_dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    match TrialIndex::open(&dir) {
        Ok(index) => Ok(index),
        Err(IndexError::Stale { .. }) => {
            tracing::warn!("the search index was built by another version; rebuilding it");
            TrialIndex::recreate(&dir).context("recreating the search index")
        }
        Err(e) => Err(e).with_context(|| {
            format!(
                "opening the search index in {} (is `trialbridge serve` running on this data directory? \
                 It keeps the index up to date itself)",
                dir.display()
            )
        }),
    }
}

/// Re-indexes every trial changed since the index's last sync mark (all of them when the index
/// is empty) and moves the mark. Returns how many trials were (re)indexed.
pub async fn catch_up(
    store: &store::Store,
    index: &Arc<TrialIndex>,
    data_dir: &Path,
) -> anyhow::Result<usize> {
    let key = mark_key(&index_dir(data_dir));
    let mark = if index.is_empty() { None } else { store.state(&key).await? };
    let changed = store.changed_since(mark.as_deref()).await?;
    let Some((_, newest)) = changed.last().cloned() else { return Ok(0) };
    let mut done = 0;
    for ids in changed.chunks(500) {
        let mut studies = Vec::with_capacity(ids.len());
        for (id, _) in ids {
            if let Some(trial) = store.get(id).await? {
                studies.push(trial.record.study);
            }
        }
        let index = index.clone();
        done += tokio::task::spawn_blocking(move || {
            let refs: Vec<&ctgov::Study> = studies.iter().collect();
            index.upsert(&refs)
        })
        .await??;
    }
    store.set_state(&key, &newest).await?;
    Ok(done)
}

/// Drops the index and builds it again from every stored trial.
pub async fn rebuild(store: &store::Store, data_dir: &Path) -> anyhow::Result<usize> {
    let dir = index_dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let index = Arc::new(TrialIndex::recreate(&dir).context("recreating the search index (is a server running on this data directory?)")?);
    catch_up(store, &index, data_dir).await
}
