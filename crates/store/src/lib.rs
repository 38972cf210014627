//! TrialBridge storage: the source of truth for trials.
//!
//! # Brief overview
//!
//! A [`Store`] is a pool of connections to either SQLite (the embedded default, one file in
//! the data directory, WAL with `synchronous=FULL`) or PostgreSQL (for several nodes). Both
//! run the same migrations and the same queries, written in the SQL subset they share, through
//! sqlx's `Any` driver.
//!
//! Each trial is stored as the raw record exactly as received ([`ctgov::Record::raw`]) beside a
//! few normalized columns that queries need (title, status, lead sponsor, conditions), so a
//! later parser upgrade can re-derive everything without re-downloading.
//!
//! [`Store::upsert_batch`] writes a batch of records in one transaction and says, for each,
//! whether it was [`Upsert::Stored`] (new), [`Upsert::Updated`], or [`Upsert::Unchanged`]
//! (same content, or the stored copy is newer by `lastUpdatePostDate`). A batch is atomic: a
//! process killed mid-way leaves every trial either fully old or fully new.
//!
//! Beside the trials the store keeps one piece of derived data: each trial's matcher document
//! as the server encoded it ([`Store::matcher_documents`], [`Store::put_matcher_documents`]),
//! so a match reads instead of parsing criteria again. A row counts only for the content hash
//! and the encoding format it was written for; replacing a trial deletes its row in the same
//! transaction. The table can be emptied at any time ([`Store::clear_matcher_documents`]):
//! it refills from the trials.
//!
//! ```no_run
//! # async fn demo(records: Vec<ctgov::Record>) -> Result<(), store::StoreError> {
//! let store = store::Store::open(std::path::Path::new("./trialbridge-data"), None).await?;
//! let outcomes = store.upsert_batch(&records).await?;
//! let trial = store.get("NCT07117305").await?;
//! # Ok(()) }
//! ```

use std::path::Path;
use std::str::FromStr;

use ctgov::{Record, SourceFormat};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What can go wrong with storage. Messages say what to check.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "cannot open the database {url}: {source} (check that the server runs and the URL is right)"
    )]
    Connect { url: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored record {nct_id} cannot be read back: {reason}")]
    Corrupt { nct_id: String, reason: String },
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What [`Store::upsert_batch`] did with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upsert {
    /// The trial was not stored before.
    Stored,
    /// The trial was stored and this copy is newer and different.
    Updated,
    /// Same content as stored, or the stored copy is newer: nothing changed but the
    /// "refreshed" time.
    Unchanged,
}

/// A trial as the store holds it.
#[derive(Debug, Clone)]
pub struct StoredTrial {
    pub record: Record,
    /// When this copy's content last changed in our store.
    pub updated_at: OffsetDateTime,
    /// When this copy was last confirmed against a source (ingest or sync): "current as of".
    pub refreshed_at: OffsetDateTime,
    pub first_stored_at: OffsetDateTime,
}

/// Facts about a lead sponsor, derived from the stored trials (never invented prose).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SponsorProfile {
    pub name: String,
    pub trial_count: u64,
    /// (overall status, count), most frequent first.
    pub by_status: Vec<(String, u64)>,
    /// (condition, count), most frequent first, at most 5.
    pub top_conditions: Vec<(String, u64)>,
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

const SQLITE_FILE: &str = "trialbridge.sqlite3";

impl Store {
    /// Opens `database_url` when given, else the SQLite file in `data_dir` (created if missing).
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> Result<Store, StoreError> {
        match database_url {
            Some(url) => Store::open_url(url).await,
            None => {
                std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
                    path: data_dir.display().to_string(),
                    source,
                })?;
                let file = data_dir.join(SQLITE_FILE);
                Store::open_url(&format!("sqlite://{}?mode=rwc", file.display())).await
            }
        }
    }

    /// Opens a `sqlite://` or `postgres://` URL and brings its schema up to date.
    pub async fn open_url(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        let options = AnyConnectOptions::from_str(url).map_err(|source| StoreError::Connect {
            url: redact(url),
            source,
        })?;
        let pool_options = match backend {
            // One writer at a time is SQLite's model; a few readers beside it are enough.
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // FULL: a committed batch survives power loss, as the issue demands.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = FULL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(8),
        };
        let pool =
            pool_options
                .connect_with(options)
                .await
                .map_err(|source| StoreError::Connect {
                    url: redact(url),
                    source,
                })?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Writes a batch in one transaction; returns one outcome per record, in order.
    ///
    /// A record replaces the stored copy only when its content differs and its
    /// `lastUpdatePostDate` is not older than the stored one: re-ingesting an old download
    /// never overwrites a newer copy.
    pub async fn upsert_batch(&self, records: &[Record]) -> Result<Vec<Upsert>, StoreError> {
        let now = timestamp(OffsetDateTime::now_utc());
        let mut tx = self.pool.begin().await?;
        let mut outcomes = Vec::with_capacity(records.len());
        for record in records {
            let study = &record.study;
            let nct_id = record.nct_id.as_str();
            let sha = hex_sha256(&record.raw);
            let last_update = study.last_update_post_date().map(|d| d.to_string());
            let existing = sqlx::query(
                "SELECT raw_sha256, last_update_post_date FROM trials WHERE nct_id = $1",
            )
            .bind(nct_id)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match existing {
                None => Upsert::Stored,
                Some(row) => {
                    let stored_sha: String = row.try_get(0)?;
                    let stored_update: Option<String> = row.try_get(1)?;
                    let older = match (&last_update, &stored_update) {
                        (Some(new), Some(old)) => new < old,
                        (None, Some(_)) => true,
                        _ => false,
                    };
                    if stored_sha == sha || older {
                        Upsert::Unchanged
                    } else {
                        Upsert::Updated
                    }
                }
            };
            match outcome {
                Upsert::Unchanged => {
                    sqlx::query("UPDATE trials SET refreshed_at = $1 WHERE nct_id = $2")
                        .bind(&now)
                        .bind(nct_id)
                        .execute(&mut *tx)
                        .await?;
                }
                Upsert::Stored | Upsert::Updated => {
                    let sponsor = study.lead_sponsor();
                    sqlx::query(
                        "INSERT INTO trials (nct_id, source_format, raw, raw_sha256, brief_title, \
                         overall_status, lead_sponsor, lead_sponsor_class, last_update_post_date, \
                         first_stored_at, updated_at, refreshed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10) \
                         ON CONFLICT (nct_id) DO UPDATE SET source_format = $2, raw = $3, \
                         raw_sha256 = $4, brief_title = $5, overall_status = $6, lead_sponsor = $7, \
                         lead_sponsor_class = $8, last_update_post_date = $9, updated_at = $10, \
                         refreshed_at = $10",
                    )
                    .bind(nct_id)
                    .bind(record.format.as_str())
                    .bind(&record.raw)
                    .bind(&sha)
                    .bind(study.brief_title())
                    .bind(study.overall_status())
                    .bind(sponsor.map(|s| s.name.as_str()))
                    .bind(sponsor.and_then(|s| s.class.as_deref()))
                    .bind(last_update.as_deref())
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                    // The derived document of the old content goes with it, in the same
                    // transaction (reads would ignore it anyway: its raw_sha256 differs).
                    sqlx::query("DELETE FROM matcher_documents WHERE nct_id = $1")
                        .bind(nct_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM trial_conditions WHERE nct_id = $1")
                        .bind(nct_id)
                        .execute(&mut *tx)
                        .await?;
                    for (position, condition) in study.conditions().iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO trial_conditions (nct_id, position, condition) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(nct_id)
                        .bind(position as i64)
                        .bind(condition.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            outcomes.push(outcome);
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// One trial by NCT id (case-insensitive), or `None`.
    pub async fn get(&self, nct_id: &str) -> Result<Option<StoredTrial>, StoreError> {
        let row = sqlx::query(
            "SELECT nct_id, source_format, raw, first_stored_at, updated_at, refreshed_at \
             FROM trials WHERE nct_id = $1",
        )
        .bind(nct_id.to_ascii_uppercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| stored_trial(&r)).transpose()
    }

    /// Trials in NCT id order after `after` (exclusive), at most `limit`: the way to walk the
    /// whole store in bounded memory (reindexing, evaluations).
    pub async fn page_after(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredTrial>, StoreError> {
        let rows = sqlx::query(
            "SELECT nct_id, source_format, raw, first_stored_at, updated_at, refreshed_at \
             FROM trials WHERE nct_id > $1 ORDER BY nct_id LIMIT $2",
        )
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_trial).collect()
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trials")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    /// The time of the most recent change to any trial: the data's "as of" timestamp.
    pub async fn data_timestamp(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let latest: Option<String> = sqlx::query_scalar("SELECT MAX(refreshed_at) FROM trials")
            .fetch_one(&self.pool)
            .await?;
        Ok(latest.and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok()))
    }

    /// Counts by status and the most frequent conditions over the trials this sponsor leads.
    pub async fn sponsor_profile(&self, name: &str) -> Result<SponsorProfile, StoreError> {
        let by_status_rows = sqlx::query(
            "SELECT overall_status, COUNT(*) AS n FROM trials WHERE lead_sponsor = $1 \
             GROUP BY overall_status ORDER BY n DESC, overall_status",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await?;
        let mut by_status = Vec::new();
        for row in &by_status_rows {
            by_status.push((
                row.try_get::<String, _>(0)?,
                row.try_get::<i64, _>(1)? as u64,
            ));
        }
        let condition_rows = sqlx::query(
            "SELECT c.condition, COUNT(*) AS n FROM trial_conditions c \
             JOIN trials t ON t.nct_id = c.nct_id WHERE t.lead_sponsor = $1 \
             GROUP BY c.condition ORDER BY n DESC, c.condition LIMIT 5",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await?;
        let mut top_conditions = Vec::new();
        for row in &condition_rows {
            top_conditions.push((
                row.try_get::<String, _>(0)?,
                row.try_get::<i64, _>(1)? as u64,
            ));
        }
        Ok(SponsorProfile {
            name: name.to_string(),
            trial_count: by_status.iter().map(|(_, n)| n).sum(),
            by_status,
            top_conditions,
        })
    }

    /// Reads a named state value (e.g. the sync checkpoint).
    pub async fn state(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM state WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Writes a named state value durably.
    pub async fn set_state(&self, name: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO state (name, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET value = $2, updated_at = $3",
        )
        .bind(name)
        .bind(value)
        .bind(timestamp(OffsetDateTime::now_utc()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Checks that the database is sound and that every trial's normalized columns agree with
    /// its raw record (title, status, conditions). Returns one line per problem; empty when
    /// all is well. Used by `trialbridge check` and by the crash-safety tests.
    pub async fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        if self.backend == Backend::Sqlite {
            let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&self.pool)
                .await?;
            if verdict != "ok" {
                problems.push(format!("SQLite integrity check: {verdict}"));
            }
        }
        let mut after = String::new();
        loop {
            let rows = sqlx::query(
                "SELECT nct_id, source_format, raw, brief_title, overall_status FROM trials \
                 WHERE nct_id > $1 ORDER BY nct_id LIMIT 500",
            )
            .bind(&after)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get(0)?;
            for row in &rows {
                let nct_id: String = row.try_get(0)?;
                let format: String = row.try_get(1)?;
                let raw: String = row.try_get(2)?;
                let title: String = row.try_get(3)?;
                let status: String = row.try_get(4)?;
                let Some(format) = SourceFormat::parse(&format) else {
                    problems.push(format!("{nct_id}: unknown source format {format}"));
                    continue;
                };
                let record = match Record::from_stored(&raw, format) {
                    Ok(r) => r,
                    Err(e) => {
                        problems.push(format!("{nct_id}: raw record unreadable: {e}"));
                        continue;
                    }
                };
                if record.study.brief_title() != title || record.study.overall_status() != status {
                    problems.push(format!(
                        "{nct_id}: title or status column disagrees with the raw record"
                    ));
                }
                let conditions: Vec<String> = sqlx::query_scalar(
                    "SELECT condition FROM trial_conditions WHERE nct_id = $1 ORDER BY position",
                )
                .bind(&nct_id)
                .fetch_all(&self.pool)
                .await?;
                if conditions != record.study.conditions() {
                    problems.push(format!("{nct_id}: conditions disagree with the raw record"));
                }
            }
        }
        Ok(problems)
    }

    /// Runs one statement with no parameters (administration and tests, e.g. `CREATE SCHEMA`).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::raw_sql(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// The trials whose content changed at or after `since` (a timestamp this store wrote, or
    /// `None` for all), as `(nct_id, updated_at)` in change order: what a derived index must
    /// refresh. Inclusive, so a change in the same microsecond as the last sync is not missed.
    pub async fn changed_since(
        &self,
        since: Option<&str>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT nct_id, updated_at FROM trials WHERE updated_at >= $1 ORDER BY updated_at, nct_id",
        )
        .bind(since.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The stored trials among `ids` (NCT ids, any case), in the order of `ids`; ids the store
    /// does not hold are left out. One query per [`IDS_PER_QUERY`] ids, not one per trial.
    pub async fn get_many(&self, ids: &[String]) -> Result<Vec<StoredTrial>, StoreError> {
        let mut by_id = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT nct_id, source_format, raw, first_stored_at, updated_at, refreshed_at \
                 FROM trials WHERE nct_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.to_ascii_uppercase());
            }
            for row in query.fetch_all(&self.pool).await? {
                let trial = stored_trial(&row)?;
                by_id.insert(trial.record.nct_id.to_string(), trial);
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| by_id.remove(&id.to_ascii_uppercase()))
            .collect())
    }

    /// The derived matcher documents of `ids` written in `format` for the trials' current
    /// content (see [`Store::put_matcher_documents`]); a row of older content or another format
    /// is never returned. Any order; one query per [`IDS_PER_QUERY`] ids.
    pub async fn matcher_documents(
        &self,
        format: &str,
        ids: &[String],
    ) -> Result<Vec<MatcherDocument>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT d.nct_id, t.updated_at, d.body FROM matcher_documents d \
                 JOIN trials t ON t.nct_id = d.nct_id AND t.raw_sha256 = d.raw_sha256 \
                 WHERE d.format = $1 AND d.nct_id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(format);
            for id in chunk {
                query = query.bind(id.to_ascii_uppercase());
            }
            for row in query.fetch_all(&self.pool).await? {
                let nct_id: String = row.try_get(0)?;
                let updated_at: String = row.try_get(1)?;
                let updated_at = OffsetDateTime::parse(&updated_at, &Rfc3339).map_err(|e| {
                    StoreError::Corrupt {
                        nct_id: nct_id.clone(),
                        reason: format!("timestamp {updated_at}: {e}"),
                    }
                })?;
                out.push(MatcherDocument {
                    nct_id,
                    updated_at,
                    body: row.try_get(2)?,
                });
            }
        }
        Ok(out)
    }

    /// The stored trials among `ids` (any case; in the order of `ids`, upper-cased) that have no
    /// matcher document in `format` for their current content: what a fill must build. Ids the
    /// store does not hold are left out. One query per [`IDS_PER_QUERY`] ids; reads no bodies.
    pub async fn missing_matcher_documents(
        &self,
        format: &str,
        ids: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut missing = std::collections::HashSet::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT t.nct_id FROM trials t LEFT JOIN matcher_documents d \
                 ON d.nct_id = t.nct_id AND d.raw_sha256 = t.raw_sha256 AND d.format = $1 \
                 WHERE d.nct_id IS NULL AND t.nct_id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(format);
            for id in chunk {
                query = query.bind(id.to_ascii_uppercase());
            }
            for row in query.fetch_all(&self.pool).await? {
                missing.insert(row.try_get::<String, _>(0)?);
            }
        }
        Ok(ids
            .iter()
            .map(|id| id.to_ascii_uppercase())
            .filter(|id| missing.remove(id))
            .collect())
    }

    /// Stores derived matcher documents in `format`, in one transaction. Each is written only
    /// while its trial is still stored with the `updated_at` it was built from, and is tied to
    /// that content's hash: a document built from a copy replaced meanwhile is dropped, never
    /// attached to the new copy. Returns how many were written.
    pub async fn put_matcher_documents(
        &self,
        format: &str,
        documents: &[MatcherDocument],
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut written = 0;
        for d in documents {
            let result = sqlx::query(
                "INSERT INTO matcher_documents (nct_id, raw_sha256, format, body) \
                 SELECT nct_id, raw_sha256, $2, $3 FROM trials WHERE nct_id = $1 AND updated_at = $4 \
                 ON CONFLICT (nct_id) DO UPDATE SET raw_sha256 = excluded.raw_sha256, \
                 format = excluded.format, body = excluded.body",
            )
            .bind(d.nct_id.to_ascii_uppercase())
            .bind(format)
            .bind(d.body.as_slice())
            .bind(timestamp(d.updated_at))
            .execute(&mut *tx)
            .await?;
            written += result.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Drops every derived matcher document (they are rebuilt from the trials as needed).
    pub async fn clear_matcher_documents(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM matcher_documents")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes the pool, flushing SQLite's WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A trial's matcher document as its builder encoded it (the store keeps the bytes opaque),
/// with the `updated_at` of the stored copy it was built from.
#[derive(Debug, Clone)]
pub struct MatcherDocument {
    pub nct_id: String,
    pub updated_at: OffsetDateTime,
    pub body: Vec<u8>,
}

/// Ids bound in one `IN (...)` list: well below SQLite's and PostgreSQL's parameter limits.
pub const IDS_PER_QUERY: usize = 500;

/// `$first, $first+1, ...`: `count` numbered placeholders.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn stored_trial(row: &sqlx::any::AnyRow) -> Result<StoredTrial, StoreError> {
    let nct_id: String = row.try_get(0)?;
    let format: String = row.try_get(1)?;
    let raw: String = row.try_get(2)?;
    let corrupt = |reason: String| StoreError::Corrupt {
        nct_id: nct_id.clone(),
        reason,
    };
    let format =
        SourceFormat::parse(&format).ok_or_else(|| corrupt(format!("unknown format {format}")))?;
    let record = Record::from_stored(&raw, format).map_err(|e| corrupt(e.to_string()))?;
    let time_col = |i: usize| -> Result<OffsetDateTime, StoreError> {
        let text: String = row.try_get(i)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map_err(|e| corrupt(format!("timestamp {text}: {e}")))
    };
    Ok(StoredTrial {
        record,
        first_stored_at: time_col(3)?,
        updated_at: time_col(4)?,
        refreshed_at: time_col(5)?,
    })
}

/// RFC 3339 UTC with a fixed six-digit fraction, so that text order is time order in both
/// databases (a variable-length fraction would sort "…50.3Z" after "…50.335Z").
fn timestamp(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .expect("formatting a UTC time cannot fail")
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hides a password in a database URL before it reaches a message or a log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
