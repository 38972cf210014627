//! The ClinicalTrials.gov API v2 endpoints for single studies and the version.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use time::format_description::well_known::Rfc3339;

use crate::{AppError, AppState};

/// The API version we implement, as the registry reports its own.
pub const API_VERSION: &str = "2.0.3";

/// `GET /api/v2/studies/{nctId}`: the stored record. Registry records come back exactly as
/// received; records from other layouts come back in the registry's shape.
pub async fn study(State(state): State<AppState>, Path(nct_id): Path<String>) -> Response {
    match load_study_json(&state, &nct_id).await {
        Ok(json) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response(),
        Err(e) => e.into_json(),
    }
}

async fn load_study_json(state: &AppState, nct_id: &str) -> Result<String, AppError> {
    let id = ctgov::NctId::parse(nct_id).map_err(|_| {
        AppError::BadRequest(format!(
            "'{nct_id}' is not an NCT id: expected NCT followed by 8 digits, e.g. NCT07117305"
        ))
    })?;
    let trial = state
        .store()
        .get(id.as_str())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no study {id} is stored")))?;
    Ok(match trial.record.format {
        ctgov::SourceFormat::CtgovV2 => trial.record.raw,
        _ => serde_json::to_string(&trial.record.study)
            .map_err(|e| AppError::Internal(e.to_string()))?,
    })
}

/// `GET /api/v2/version`.
pub async fn version(State(state): State<AppState>) -> Response {
    match state.store().data_timestamp().await {
        Ok(ts) => {
            let data_timestamp = ts.and_then(|t| t.format(&Rfc3339).ok());
            axum::Json(serde_json::json!({
                "apiVersion": API_VERSION,
                "dataTimestamp": data_timestamp,
            }))
            .into_response()
        }
        Err(e) => AppError::from(e).into_json(),
    }
}
