//! Incremental sync from the live ClinicalTrials.gov API v2.
//!
//! A run asks `/studies` for the records whose `LastUpdatePostDate` is on or after the
//! checkpoint date, page by page (`nextPageToken`), writing each page to the store before
//! asking for the next. After every page the checkpoint records the page token, so a run that
//! is interrupted (killed, network gone, retries exhausted) resumes where it stopped. When the
//! last page is written, the checkpoint moves to the newest `lastUpdatePostDate` seen. The
//! range is inclusive of that date, so records updated later the same day are not missed; the
//! ones already stored come back as unchanged.
//!
//! 429 and 5xx answers and network errors are retried with exponential backoff, honouring a
//! `Retry-After` header when the server sends one.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::Store;

use crate::{IngestError, IngestSummary, Place, Rejection};

/// The state name under which the checkpoint is kept in the store.
pub const CHECKPOINT: &str = "sync.checkpoint";

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// The API root, e.g. `https://clinicaltrials.gov/api/v2`.
    pub base_url: String,
    pub page_size: u32,
    /// Start from this date (YYYY-MM-DD) instead of the checkpoint.
    pub since: Option<String>,
    /// Retries of one request before the run stops (resumable).
    pub max_retries: u32,
    pub initial_backoff: Duration,
    pub timeout: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            base_url: "https://clinicaltrials.gov/api/v2".into(),
            page_size: 1000,
            since: None,
            max_retries: 6,
            initial_backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(60),
        }
    }
}

/// Where the last run stopped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Records updated on or after this date are requested; `None` asks for everything.
    pub since: Option<String>,
    /// Set while a run is under way: the next page to ask for.
    pub page_token: Option<String>,
    /// The newest `lastUpdatePostDate` written so far in this run.
    pub high_water: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "{url} answered {status} after {attempts} attempts; run sync again to resume from the checkpoint"
    )]
    Exhausted {
        url: String,
        status: String,
        attempts: u32,
    },
    #[error("{url} answered {status}: {body}")]
    Refused {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the API page from {url} is not what API v2 sends: {reason}")]
    BadPage { url: String, reason: String },
    #[error("the stored checkpoint is unreadable ({0}); delete it with `sync --since DATE`")]
    BadCheckpoint(String),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiPage {
    #[serde(default)]
    studies: Vec<Value>,
    next_page_token: Option<String>,
}

/// Runs one sync to completion (or to an error, leaving a resumable checkpoint).
pub async fn sync(
    store: &Store,
    config: &SyncConfig,
    on_page: &mut (dyn FnMut(&IngestSummary) + Send),
) -> Result<IngestSummary, SyncError> {
    let mut checkpoint = match store.state(CHECKPOINT).await? {
        Some(text) => serde_json::from_str::<Checkpoint>(&text)
            .map_err(|e| SyncError::BadCheckpoint(e.to_string()))?,
        None => Checkpoint::default(),
    };
    if let Some(since) = &config.since {
        checkpoint = Checkpoint {
            since: Some(since.clone()),
            page_token: None,
            high_water: None,
        };
    }
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .user_agent(concat!("TrialBridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SyncError::Refused {
            url: config.base_url.clone(),
            status: 0,
            body: e.to_string(),
        })?;
    let url = format!("{}/studies", config.base_url.trim_end_matches('/'));
    let mut summary = IngestSummary::default();
    let mut page_number = 0u64;
    loop {
        let mut query: Vec<(&str, String)> = vec![
            ("format", "json".into()),
            ("pageSize", config.page_size.to_string()),
            ("sort", "LastUpdatePostDate".into()),
        ];
        if let Some(since) = &checkpoint.since {
            query.push((
                "filter.advanced",
                format!("AREA[LastUpdatePostDate]RANGE[{since},MAX]"),
            ));
        }
        if let Some(token) = &checkpoint.page_token {
            query.push(("pageToken", token.clone()));
        }
        let body = fetch_with_backoff(&client, &url, &query, config).await?;
        let page: ApiPage = serde_json::from_str(&body).map_err(|e| SyncError::BadPage {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        page_number += 1;
        let mut records = Vec::with_capacity(page.studies.len());
        for (i, value) in page.studies.into_iter().enumerate() {
            let place = Place::Element(i as u64 + 1);
            match ctgov::Record::from_api_value(value) {
                Ok(record) => records.push(record),
                Err(e) => summary.rejected.push(Rejection {
                    file: format!("{url} page {page_number}"),
                    place,
                    reason: e.to_string(),
                }),
            }
        }
        for record in &records {
            if let Some(date) = record.study.last_update_post_date().map(|d| d.to_string())
                && checkpoint.high_water.as_ref().is_none_or(|h| &date > h)
            {
                checkpoint.high_water = Some(date);
            }
        }
        crate::write_unique(store, records, &mut summary).await?;
        checkpoint.page_token = page.next_page_token.filter(|t| !t.is_empty());
        if checkpoint.page_token.is_none() {
            // The run is complete: the next one starts from the newest update seen.
            checkpoint.since = checkpoint.high_water.take().or(checkpoint.since.take());
        }
        store
            .set_state(
                CHECKPOINT,
                &serde_json::to_string(&checkpoint).expect("checkpoint serializes"),
            )
            .await?;
        on_page(&summary);
        if checkpoint.page_token.is_none() {
            return Ok(summary);
        }
    }
}

async fn fetch_with_backoff(
    client: &reqwest::Client,
    url: &str,
    query: &[(&str, String)],
    config: &SyncConfig,
) -> Result<String, SyncError> {
    let mut delay = config.initial_backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = client.get(url).query(query).send().await;
        let (status_text, retry_after) = match outcome {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    match response.text().await {
                        Ok(body) => return Ok(body),
                        Err(e) => (format!("an unreadable body ({e})"), None),
                    }
                } else if status.as_u16() == 429 || status.is_server_error() {
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    (status.to_string(), retry_after)
                } else {
                    let body = response.text().await.unwrap_or_default();
                    return Err(SyncError::Refused {
                        url: url.to_string(),
                        status: status.as_u16(),
                        body: body.chars().take(500).collect(),
                    });
                }
            }
            Err(e) => (format!("no answer ({e})"), None),
        };
        if attempt > config.max_retries {
            return Err(SyncError::Exhausted {
                url: url.to_string(),
                status: status_text,
                attempts: attempt,
            });
        }
        let wait = retry_after.unwrap_or(delay).min(Duration::from_secs(300));
        tracing::warn!(%url, status = %status_text, attempt, wait_ms = wait.as_millis() as u64, "retrying");
        tokio::time::sleep(wait).await;
        delay = delay.saturating_mul(2);
    }
}
