//! TrialBridge over HTTP: trial pages for people and a ClinicalTrials.gov-compatible JSON API.
//!
//! # Brief overview
//!
//! [`router`] builds the axum [`Router`] over an [`AppState`] (the [`store::Store`], which is the
//! source of truth). Handlers are thin: they parse the request, ask the store, turn the record
//! into a view model ([`trial_view::TrialView`], built by a pure function) and render an askama
//! template, or answer JSON. Errors become status codes and pages in one place, [`AppError`].
//!
//! Endpoints:
//! - `GET /` and `GET /search`: the search page; `GET /api/v2/studies`: the registry's search API.
//! - `GET /trials/{nctId}`: the trial page (404 page for an unknown id, 400 for a malformed one).
//! - `GET /api/v2/studies/{nctId}`: the stored record in the registry's JSON shape.
//! - `GET /api/v2/version`: `{apiVersion, dataTimestamp}`.
//! - `POST /api/match`, `GET|POST /match`, `GET|POST /trials/{nctId}/eligibility`: matching.
//! - `GET /api/openapi.json`: the OpenAPI document of every JSON endpoint.
//! - `GET /healthz`: liveness.
//!
//! ```no_run
//! # async fn demo(store: store::Store) -> std::io::Result<()> {
//! let app = server::router(server::AppState::new(store));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

mod api;
mod error;
mod match_routes;
mod openapi;
mod search_routes;
mod trial_page;
pub mod trial_view;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use match_routes::location::{
    LocationError, PatientPlace, ReachError, location_from_text, place_patient, resolve_location,
};
/// The distance limit's bounds, shared by the API, the form and `trialbridge match --within`.
pub use match_routes::request::{MAX_DISTANCE_KM, check_distance};
/// How many candidates retrieval hands the reranker (`TRIALBRIDGE_MATCH_CANDIDATES`).
pub use match_routes::retrieval::{CANDIDATES_ENV, DEFAULT_CANDIDATES, candidate_limit};
/// The patient's location as a point (gazetteer), for `trialbridge match` as for `/api/match`.
pub use match_routes::view::nearest_site_line;
/// Matcher documents as a match gets them: stored ones where current, else built and stored.
pub use match_routes::{
    FillSummary, fill_matcher_documents, matcher_documents,
    stored_docs::format as matcher_documents_format,
};

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: store::Store,
    index: Arc<search::TrialIndex>,
}

impl AppState {
    /// A state whose search index is empty and in memory: for uses that never search.
    pub fn new(store: store::Store) -> Self {
        let index = search::TrialIndex::open_in_ram().expect("an in-memory index always opens");
        AppState::with_index(store, Arc::new(index))
    }

    /// A state serving searches from `index`, which the caller keeps in step with the store
    /// (see `trialbridge serve`).
    pub fn with_index(store: store::Store, index: Arc<search::TrialIndex>) -> Self {
        AppState {
            inner: Arc::new(Inner { store, index }),
        }
    }

    pub fn store(&self) -> &store::Store {
        &self.inner.store
    }

    pub fn index(&self) -> &Arc<search::TrialIndex> {
        &self.inner.index
    }
}

/// The largest request body accepted anywhere (forms, JSON); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(match_routes::routes())
        .merge(search_routes::routes(state.index().clone()))
        .route("/trials/{nct_id}", get(trial_page::trial_page))
        .route("/api/v2/studies/{nct_id}", get(api::study))
        .route("/api/v2/version", get(api::version))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/healthz", get(|| async { "ok" }))
        .route("/static/style.css", get(static_css))
        .fallback(error::not_found)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
}

async fn static_css() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
}
