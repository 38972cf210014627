//! The ClinicalTrials.gov API v2 endpoints for single studies and the version.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use time::format_description::well_known::Rfc3339;

use crate::{AppError, AppState};

/// The API version we implement, as the registry reports its own.
pub const API_VERSION: &str = "2.0.3";

/// `GET /api/v2/studies/{nctId}`: the stored record. Registry records come back with every
/// field exactly as received; records from other layouts come back in the registry's shape.
/// Our additions (the plain-language summary) sit under [`EXTENSIONS_KEY`].
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
    let mut json: serde_json::Value = match trial.record.format {
        ctgov::SourceFormat::CtgovV2 => serde_json::from_str(&trial.record.raw),
        _ => serde_json::to_value(&trial.record.study),
    }
    .map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(object) = json.as_object_mut() {
        object.insert(EXTENSIONS_KEY.into(), extensions(&trial.record.study));
    }
    Ok(json.to_string())
}

/// Our additions to a registry record live under this key: no registry field name starts with
/// `x-`, so it can never collide.
pub const EXTENSIONS_KEY: &str = "x-trialbridge";

fn extensions(study: &ctgov::Study) -> serde_json::Value {
    let parsed = study.eligibility_criteria().map(criteria::parse);
    let hints = parsed
        .as_ref()
        .map(summary::EligibilityHints::from_parsed)
        .unwrap_or_default();
    let plain = summary::summarize_with(study, &hints);
    serde_json::json!({
        "plainSummary": {
            "text": plain.text(),
            "grade": (plain.grade() * 10.0).round() / 10.0,
            "sections": plain.sections,
        }
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
