//! `GET /trials/{nctId}`: the trial page.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

use crate::trial_view::{self, TrialView};
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "trial.html")]
struct TrialPage {
    t: TrialView,
}

pub async fn trial_page(State(state): State<AppState>, Path(nct_id): Path<String>) -> Response {
    match render(&state, &nct_id).await {
        Ok(html) => Html(html).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn render(state: &AppState, nct_id: &str) -> Result<String, AppError> {
    let id = ctgov::NctId::parse(nct_id).map_err(|_| {
        AppError::BadRequest(format!(
            "“{nct_id}” is not a trial number. Trial numbers look like NCT07117305: NCT and 8 digits."
        ))
    })?;
    let trial = state.store().get(id.as_str()).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "We have no trial {id}. Check the number, or search for the trial."
        ))
    })?;
    let profile = match trial.record.study.lead_sponsor() {
        Some(sponsor) => Some(state.store().sponsor_profile(&sponsor.name).await?),
        None => None,
    };
    // Applications arrive with the apply feature; until then no patient has applied.
    let patients_applied = 0;
    let view = trial_view::build(&trial, profile.as_ref(), patients_applied);
    TrialPage { t: view }
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))
}
