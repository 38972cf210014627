//! Patient-to-trial matching over HTTP: `POST /api/match`, the "Find trials for me" page at
//! `/match`, and "Check my eligibility" at `/trials/{nctId}/eligibility`.
//!
//! Handlers are thin: they read the request ([`request`], [`form`], [`answers`]), ask the
//! `matcher` crate (extraction, ranking, verdicts, questionnaires), turn its results into view
//! models with pure functions ([`view`]) and render askama templates, or answer JSON.
//!
//! Matching retrieves, then reranks. Retrieval runs over the whole search index: the patient's
//! words and conditions ([`retrieval::retrieval_terms`]) as a weighted BM25 query
//! ([`search::TrialIndex::retrieve`]) give the best K trials (K = [`retrieval::candidate_limit`],
//! 1000 unless `TRIALBRIDGE_MATCH_CANDIDATES` says otherwise). Their `matcher::TrialDocument`s come
//! from a bounded cache ([`candidates`]), and `matcher::rank_trials` reranks them with a
//! relevance model fitted on those candidates.
//!
//! Scale: a match reads K trials, not the store, so its cost grows with the store only through
//! the index query (a few milliseconds at 40k trials; see `docs/benchmarks/server-match.md`).
//! The document cache holds at most `TRIALBRIDGE_MATCH_CACHE` trials (10 000 by default: about
//! 0.6 GiB at the ~57 KiB a document measured; least recently used out), so memory is bounded whatever the
//! store's size. Documents are tagged with their stored `updated_at` and dropped when the store
//! reports a newer one. A miss reads the documents stored for the missing candidates (one query)
//! and builds, then stores, only those with none current ([`stored_docs`]), so a cold match
//! costs a read, not a parse, for any trial matched before. A store of no more than K trials, or a server without a search index,
//! reranks every stored trial: the full scan, with identical results.

mod answers;
mod candidates;
mod form;
pub(crate) mod location;
pub(crate) mod request;
pub(crate) mod retrieval;
pub(crate) mod stored_docs;
pub(crate) mod view;

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Form, Json, Router};
use matcher::{
    Date, Extraction, NearestSite, PatientProfile, Question, RankedTrial, Reach, TrialDocument,
    Verdict,
};
use serde::Serialize;

use crate::{AppError, AppState};
use answers::QuestionView;
use candidates::{Candidates, Matching};
use form::{KEY_LABS, ProfileForm};
use location::PatientPlace;
use request::{MatchInput, check_note};
use view::{CriterionView, EvidenceView, NoteSegment, TrialResultView};

#[allow(unused_imports)]
pub use candidates::invalidate_corpus;

/// The matcher documents of `ids` in the order of `ids` (ids the store does not hold are left
/// out), as a match gets them on a cache miss: read from the store's matcher documents where
/// current, else built from the stored records and written back (see [`stored_docs`]). For
/// `trialbridge match`.
pub async fn matcher_documents(
    store: &store::Store,
    ids: &[String],
) -> Result<Vec<TrialDocument>, AppError> {
    let mut by_id: HashMap<String, TrialDocument> = candidates::documents(store, ids)
        .await?
        .into_iter()
        .map(|t| {
            let doc = match Arc::try_unwrap(t) {
                Ok(t) => t.doc,
                Err(t) => t.doc.clone(),
            };
            (doc.nct_id.to_ascii_uppercase(), doc)
        })
        .collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(&id.to_ascii_uppercase()))
        .collect())
}

/// Builds and stores the matcher documents of those of `ids` that have none current, so that
/// the first match reads rather than builds them: for `trialbridge ingest`, `sync`, `reindex`
/// and the sample `serve` loads. `on_progress(done, total)` counts the trials being built.
/// The table is a cache: an error leaves what was written before and loses no trial.
pub async fn fill_matcher_documents(
    store: &store::Store,
    ids: &[String],
    on_progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<FillSummary, AppError> {
    candidates::fill_documents(store, ids, on_progress).await
}

pub use candidates::FillSummary;

/// The matching routes, with their own matching state (candidate limit, document cache).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/match", axum::routing::post(api_match))
        .route("/match", get(match_page).post(match_post))
        .route(
            "/trials/{nct_id}/eligibility",
            get(eligibility_page).post(eligibility_post),
        )
        .route("/static/match.css", get(match_css))
        .layer(Extension(Arc::new(Matching::default())))
}

async fn match_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/match.css"),
    )
}

/// The date ages are computed on.
fn today() -> Option<Date> {
    let d = time::OffsetDateTime::now_utc().date();
    Some(Date {
        year: d.year(),
        month: u8::from(d.month()),
        day: d.day(),
    })
}

/// One ranked trial with the questions that would decide it, and its site nearest the patient.
struct Matched {
    ranked: RankedTrial,
    questions: Vec<Question>,
    nearest_site: Option<NearestSite>,
}

/// Where the patient is (when the profile says) and how far they can go; a 400 naming what is
/// missing when a distance limit cannot be honoured or a named place cannot be found.
fn patient_reach(
    profile: &PatientProfile,
    max_distance_km: Option<f64>,
) -> Result<Option<(PatientPlace, Reach)>, AppError> {
    location::place_patient(profile.location.as_ref(), max_distance_km).map_err(|e| {
        let mut message = e.to_string();
        if let Some(first) = message.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        AppError::BadRequest(format!("{message}."))
    })
}

/// Retrieves the candidates for `profile`, reranks them and keeps the best `top` (of those
/// within reach, when a distance limit is set: ranking scores never depend on distance).
async fn run_match(
    state: &AppState,
    matching: &Matching,
    profile: Arc<PatientProfile>,
    reach: Option<Reach>,
    top: usize,
) -> Result<(Arc<Candidates>, Vec<Matched>), AppError> {
    let terms = retrieval::retrieval_terms(&profile, today());
    let candidates = Arc::new(matching.candidates(state, terms).await?);
    let c = candidates.clone();
    let matched = tokio::task::spawn_blocking(move || {
        let today = today();
        let options = matcher::MatchOptions {
            today,
            ..Default::default()
        };
        let docs = c.docs();
        let ranked = matcher::rank_trials(&profile, &docs, &c.model, &options);
        matcher::locate_ranked(ranked, &docs, reach.as_ref(), top)
            .into_iter()
            .map(|located| {
                let r = located.ranked;
                let questions = match (r.eligibility.verdict, c.find(&r.nct_id)) {
                    (Verdict::PossiblyEligible, Some(t)) => {
                        matcher::questionnaire(&t.doc, &profile, today).questions
                    }
                    _ => Vec::new(),
                };
                Matched {
                    ranked: r,
                    questions,
                    nearest_site: located.nearest_site,
                }
            })
            .collect()
    })
    .await
    .map_err(|e| AppError::Internal(format!("matching: {e}")))?;
    Ok((candidates, matched))
}

// ---------------------------------------------------------------------------------------------
// POST /api/match

#[derive(Serialize)]
struct ApiResponse<'a> {
    /// "profile" or "note".
    input: &'static str,
    /// The profile matched (for a note, the one extracted from it).
    profile: &'a PatientProfile,
    /// For a note: the extracted profile with the evidence span of every fact.
    #[serde(skip_serializing_if = "Option::is_none")]
    extraction: Option<&'a Extraction>,
    /// Where the profile's location was placed, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    patient_location: Option<&'a PatientPlace>,
    /// The distance limit asked for, in km.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_distance_km: Option<f64>,
    trials_considered: usize,
    results: Vec<ApiResult<'a>>,
}

#[derive(Serialize)]
struct ApiResult<'a> {
    rank: usize,
    nct_id: &'a str,
    title: &'a str,
    url: String,
    eligibility_url: String,
    overall_status: &'a str,
    verdict: Verdict,
    score: f64,
    relevance_share: f64,
    relevance: &'a matcher::Relevance,
    /// With a patient location: the trial's nearest recruiting site (or, when none is listed
    /// as recruiting, its nearest site: `recruiting` false) and its distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    nearest_site: Option<&'a NearestSite>,
    /// For "possibly_eligible": the facts that decide it, with the question to ask.
    deciding_unknowns: Vec<ApiUnknown<'a>>,
    /// Every rule's mark, with the criterion text and the patient fact.
    criteria: &'a [matcher::RuleMark],
}

#[derive(Serialize)]
struct ApiUnknown<'a> {
    #[serde(flatten)]
    fact: &'a matcher::FactKey,
    question: Option<&'a str>,
}

async fn api_match(
    State(state): State<AppState>,
    Extension(matching): Extension<Arc<Matching>>,
    body: Body,
) -> Response {
    let bytes = match axum::body::to_bytes(body, request::MAX_API_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => return body_error(&e),
    };
    let req = match request::parse_api_request(&bytes) {
        Ok(r) => r,
        Err(message) => return AppError::BadRequest(message).into_json(),
    };
    match api_match_inner(&state, &matching, req).await {
        Ok(r) => r,
        Err(e) => e.into_json(),
    }
}

/// A body that could not be read: too large (413) or broken (400), as JSON.
fn body_error(e: &axum::Error) -> Response {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut too_large = false;
    while let Some(s) = source {
        too_large |= s.to_string().contains("length limit");
        source = s.source();
    }
    if too_large {
        let message = format!(
            "The request body is too large: at most {} KiB. A note needs at most {} characters.",
            request::MAX_API_BODY_BYTES / 1024,
            request::MAX_NOTE_CHARS
        );
        let body = serde_json::json!({ "error": message, "status": 413 });
        (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response()
    } else {
        AppError::BadRequest(format!("The request body could not be read: {e}.")).into_json()
    }
}

async fn api_match_inner(
    state: &AppState,
    matching: &Matching,
    req: request::MatchRequest,
) -> Result<Response, AppError> {
    let (input, profile, extraction) = match req.input {
        MatchInput::Profile(p) => ("profile", *p, None),
        MatchInput::Note(note) => {
            let extraction = matcher::extract_profile(&note);
            ("note", extraction.profile.clone(), Some(extraction))
        }
    };
    let mut profile = profile;
    if let Some(location) = req.location {
        profile.location = Some(location);
    }
    let place = patient_reach(&profile, req.max_distance_km)?;
    let profile = Arc::new(profile);
    let (candidates, matched) = run_match(
        state,
        matching,
        profile.clone(),
        place.as_ref().map(|(_, reach)| *reach),
        req.top,
    )
    .await?;
    let results = matched
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let r = &m.ranked;
            let trial = candidates.find(&r.nct_id);
            ApiResult {
                rank: i + 1,
                nct_id: &r.nct_id,
                title: trial.map(|t| t.doc.title.as_str()).unwrap_or(""),
                url: format!("/trials/{}", r.nct_id),
                eligibility_url: format!("/trials/{}/eligibility", r.nct_id),
                overall_status: trial.map(|t| t.overall_status.as_str()).unwrap_or(""),
                verdict: r.eligibility.verdict,
                score: r.score,
                relevance_share: r.relevance_share,
                relevance: &r.relevance,
                nearest_site: m.nearest_site.as_ref(),
                deciding_unknowns: r
                    .eligibility
                    .deciding_unknowns
                    .iter()
                    .map(|k| ApiUnknown {
                        fact: k,
                        question: m
                            .questions
                            .iter()
                            .find(|q| &q.fact == k)
                            .map(|q| q.text.as_str()),
                    })
                    .collect(),
                criteria: &r.eligibility.marks,
            }
        })
        .collect();
    let body = ApiResponse {
        input,
        profile: &profile,
        extraction: extraction.as_ref(),
        patient_location: place.as_ref().map(|(p, _)| p),
        max_distance_km: req.max_distance_km,
        trials_considered: candidates.considered,
        results,
    };
    Ok(Json(body).into_response())
}

// ---------------------------------------------------------------------------------------------
// GET/POST /match

/// (value, label, selected)
type Choice = (String, String, bool);

fn choices(values: &[(&str, &str)], current: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string(), *v == current.trim()))
        .collect()
}

/// A key lab input as shown.
struct KeyLabView {
    field: &'static str,
    label: &'static str,
    unit: &'static str,
    value: String,
}

/// A yes / no / not known select for one disease state.
struct TriView {
    field: &'static str,
    label: &'static str,
    options: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "match.html")]
struct MatchPage {
    form: ProfileForm,
    errors: Vec<String>,
    /// The note was just read: show what was extracted above the form.
    extracted: bool,
    note_segments: Vec<NoteSegment>,
    evidence: Vec<EvidenceView>,
    results: Option<Vec<TrialResultView>>,
    considered: usize,
    /// Where the patient was placed ("Boston, MA, United States"), above the results.
    place: Option<String>,
    /// The distance limit applied to the results, in km.
    within: Option<String>,
    sex_options: Vec<Choice>,
    ecog_options: Vec<Choice>,
    pregnancy_options: Vec<Choice>,
    top_options: Vec<Choice>,
    distance_options: Vec<Choice>,
    states: Vec<TriView>,
    key_labs: Vec<KeyLabView>,
    show_details: bool,
    max_line: usize,
    max_list: usize,
    max_note: usize,
}

const TOP_CHOICES: [(&str, &str); 3] = [("10", "10"), ("25", "25"), ("50", "50")];

/// How far the patient can travel, in km ("" keeps every trial).
const DISTANCE_CHOICES: [(&str, &str); 7] = [
    ("", "Any distance"),
    ("25", "Within 25 km"),
    ("50", "Within 50 km"),
    ("100", "Within 100 km"),
    ("250", "Within 250 km"),
    ("500", "Within 500 km"),
    ("1000", "Within 1000 km"),
];

impl MatchPage {
    fn new(form: ProfileForm, top: &str, within: &str) -> MatchPage {
        let tri = |field: &'static str, label: &'static str, value: &str| TriView {
            field,
            label,
            options: choices(&[("", "Not known"), ("yes", "Yes"), ("no", "No")], value),
        };
        MatchPage {
            sex_options: choices(
                &[("", "Not stated"), ("female", "Female"), ("male", "Male")],
                &form.sex,
            ),
            ecog_options: choices(
                &[
                    ("", "Not known"),
                    ("0", "0 – fully active"),
                    ("1", "1 – light work only"),
                    ("2", "2 – up and about, no work"),
                    ("3", "3 – in bed or chair much of the day"),
                    ("4", "4 – completely disabled"),
                ],
                &form.ecog,
            ),
            pregnancy_options: choices(
                &[
                    ("", "Not stated"),
                    ("not_pregnant", "Not pregnant"),
                    ("pregnant", "Pregnant"),
                    ("breastfeeding", "Breastfeeding"),
                    ("not_of_childbearing_potential", "Cannot become pregnant"),
                ],
                &form.pregnancy,
            ),
            top_options: choices(&TOP_CHOICES, if top.is_empty() { "10" } else { top }),
            distance_options: choices(&DISTANCE_CHOICES, within),
            states: vec![
                tri("metastatic", "Metastatic (spread)", &form.metastatic),
                tri("relapsed", "Relapsed (came back)", &form.relapsed),
                tri(
                    "refractory",
                    "Refractory (did not respond)",
                    &form.refractory,
                ),
                tri(
                    "newly_diagnosed",
                    "Newly diagnosed, untreated",
                    &form.newly_diagnosed,
                ),
            ],
            key_labs: KEY_LABS
                .iter()
                .enumerate()
                .map(|(i, l)| KeyLabView {
                    field: l.field,
                    label: l.label,
                    unit: l.unit,
                    value: form.key_lab(i).to_string(),
                })
                .collect(),
            show_details: form.has_details(),
            form,
            errors: Vec::new(),
            extracted: false,
            note_segments: Vec::new(),
            evidence: Vec::new(),
            results: None,
            considered: 0,
            place: None,
            within: None,
            max_line: form::MAX_LINE_CHARS,
            max_list: form::MAX_LIST_CHARS,
            max_note: request::MAX_NOTE_CHARS,
        }
    }
}

fn render_page(page: &impl Template, status: StatusCode) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::Internal(e.to_string()).into_response(),
    }
}

async fn match_page() -> Response {
    render_page(
        &MatchPage::new(ProfileForm::default(), "", ""),
        StatusCode::OK,
    )
}

async fn match_post(
    State(state): State<AppState>,
    Extension(matching): Extension<Arc<Matching>>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let pairs = match form {
        Ok(Form(pairs)) => pairs,
        Err(e) => {
            return AppError::BadRequest(format!("The form could not be read: {}", e.body_text()))
                .into_response();
        }
    };
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let top_raw = get("top").trim().to_string();
    let within_raw = get("max_distance_km").trim().to_string();
    match get("action") {
        "extract" => extract_step(get("note")),
        "match" | "" => match match_step(&state, &matching, &pairs, &top_raw, &within_raw).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        },
        other => AppError::BadRequest(format!(
            "Unknown form action “{}”.",
            request::truncate(other, 40)
        ))
        .into_response(),
    }
}

/// Note → the extracted facts, shown as the editable form.
fn extract_step(note: &str) -> Response {
    let note = match check_note(note) {
        Ok(n) => n,
        Err(message) => {
            let form = ProfileForm {
                note: request::truncate(note, request::MAX_NOTE_CHARS),
                ..Default::default()
            };
            let mut page = MatchPage::new(form, "", "");
            page.errors.push(message);
            return render_page(&page, StatusCode::BAD_REQUEST);
        }
    };
    let extraction = matcher::extract_profile(note);
    let mut form = ProfileForm::from_profile(&extraction.profile);
    form.note = note.to_string();
    let mut page = MatchPage::new(form, "", "");
    page.extracted = true;
    page.note_segments = view::note_segments(note, &extraction.evidence);
    page.evidence = view::evidence(&extraction.evidence);
    render_page(&page, StatusCode::OK)
}

/// Form → ranked trials, shown under the form (which stays editable).
async fn match_step(
    state: &AppState,
    matching: &Matching,
    pairs: &[(String, String)],
    top_raw: &str,
    within_raw: &str,
) -> Result<Response, AppError> {
    let form = ProfileForm::from_pairs(pairs);
    let top = match top_raw {
        "" => request::DEFAULT_TOP,
        t => match TOP_CHOICES.iter().find(|(v, _)| *v == t) {
            Some((v, _)) => v.parse().unwrap_or(request::DEFAULT_TOP),
            None => {
                return Err(AppError::BadRequest(
                    "Choose how many trials to show: 10, 25 or 50.".into(),
                ));
            }
        },
    };
    let max_distance_km = match within_raw {
        "" => None,
        w => match DISTANCE_CHOICES
            .iter()
            .find(|(v, _)| *v == w && !v.is_empty())
        {
            Some((v, _)) => v.parse::<f64>().ok(),
            None => {
                return Err(AppError::BadRequest(
                    "Choose how far you can travel from the list.".into(),
                ));
            }
        },
    };
    let profile = match form.to_profile() {
        Ok(p) if p == PatientProfile::default() => {
            let mut page = MatchPage::new(form, top_raw, within_raw);
            page.errors
                .push("Tell us about the patient first: at least a condition, or a note.".into());
            return Ok(render_page(&page, StatusCode::BAD_REQUEST));
        }
        Ok(p) => p,
        Err(errors) => {
            let mut form = form;
            bound_echo(&mut form);
            let mut page = MatchPage::new(form, top_raw, within_raw);
            page.errors = errors.into_iter().map(|e| e.message).collect();
            return Ok(render_page(&page, StatusCode::BAD_REQUEST));
        }
    };
    let place = match patient_reach(&profile, max_distance_km) {
        Ok(place) => place,
        Err(e) => {
            let message = if profile.location.is_none() {
                // The page's own words for its field.
                "Say where you live to limit the distance, or choose “Any distance”.".to_string()
            } else {
                e.to_string()
            };
            let mut page = MatchPage::new(form, top_raw, within_raw);
            page.errors.push(message);
            return Ok(render_page(&page, StatusCode::BAD_REQUEST));
        }
    };
    let (candidates, matched) = run_match(
        state,
        matching,
        Arc::new(profile),
        place.as_ref().map(|(_, reach)| *reach),
        top,
    )
    .await?;
    let results = matched
        .iter()
        .map(|m| {
            let trial = candidates.find(&m.ranked.nct_id);
            let title = trial.map(|t| t.doc.title.as_str()).unwrap_or("");
            let status = trial.map(|t| t.overall_status.as_str()).unwrap_or("");
            let mut result = view::trial_result(&m.ranked, title, status, &m.questions);
            if place.is_some() {
                result.nearest_site = Some(view::nearest_site_line(m.nearest_site.as_ref()));
            }
            result
        })
        .collect();
    let mut page = MatchPage::new(form, top_raw, within_raw);
    page.results = Some(results);
    page.considered = candidates.considered;
    page.place = place.map(|(p, _)| p.label);
    page.within = max_distance_km.map(|km| format!("{km}"));
    Ok(render_page(&page, StatusCode::OK))
}

/// Over-long input is reported, and echoed back only up to the limit.
fn bound_echo(form: &mut ProfileForm) {
    use request::truncate;
    for f in [
        &mut form.age,
        &mut form.stage,
        &mut form.ecog,
        &mut form.karnofsky,
        &mut form.location,
        &mut form.sex,
        &mut form.pregnancy,
    ] {
        *f = truncate(f, form::MAX_LINE_CHARS);
    }
    for f in [
        &mut form.conditions,
        &mut form.other_labs,
        &mut form.prior_therapies,
        &mut form.transplants,
        &mut form.biomarkers,
        &mut form.infections,
        &mut form.medications,
        &mut form.findings,
    ] {
        *f = truncate(f, form::MAX_LIST_CHARS);
    }
    for f in form.key_labs.iter_mut() {
        *f = truncate(f, form::MAX_LINE_CHARS);
    }
    form.note = truncate(&form.note, request::MAX_NOTE_CHARS);
}

// ---------------------------------------------------------------------------------------------
// GET/POST /trials/{nctId}/eligibility

#[derive(Template)]
#[template(path = "eligibility.html")]
struct EligibilityPage {
    nct_id: String,
    title: String,
    questions: Vec<QuestionView>,
    /// Answers already given to questions no longer asked, carried along.
    carried: Vec<(String, String)>,
    problems: Vec<String>,
    /// After a post: the verdict with every mark.
    result: Option<EligibilityResult>,
}

struct EligibilityResult {
    verdict_label: &'static str,
    verdict_class: &'static str,
    /// How many facts, asked below, would decide a "possibly eligible".
    deciding: usize,
    criteria: Vec<CriterionView>,
    rule_count: usize,
}

/// The trial as the matcher sees it, with the same messages as the trial page.
async fn load_trial(state: &AppState, nct_id: &str) -> Result<(TrialDocument, String), AppError> {
    let id = ctgov::NctId::parse(nct_id).map_err(|_| {
        AppError::BadRequest(format!(
            "“{}” is not a trial number. Trial numbers look like NCT07117305: NCT and 8 digits.",
            request::truncate(nct_id, 40)
        ))
    })?;
    let trial = state.store().get(id.as_str()).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "We have no trial {id}. Check the number, or search for the trial."
        ))
    })?;
    let study = trial.record.study;
    let title = study.display_title().to_string();
    let doc = tokio::task::spawn_blocking(move || TrialDocument::from_study(&study))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((doc, title))
}

async fn eligibility_page(State(state): State<AppState>, Path(nct_id): Path<String>) -> Response {
    let (doc, title) = match load_trial(&state, &nct_id).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let answers: HashMap<String, String> = HashMap::new();
    let q = matcher::questionnaire(&doc, &PatientProfile::default(), today());
    let page = EligibilityPage {
        nct_id: doc.nct_id.clone(),
        title,
        questions: q
            .questions
            .iter()
            .map(|q| answers::question_view(q, &answers))
            .collect(),
        carried: Vec::new(),
        problems: Vec::new(),
        result: None,
    };
    render_page(&page, StatusCode::OK)
}

async fn eligibility_post(
    State(state): State<AppState>,
    Path(nct_id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (doc, title) = match load_trial(&state, &nct_id).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let pairs = match form {
        Ok(Form(pairs)) => pairs,
        Err(e) => {
            return AppError::BadRequest(format!("The form could not be read: {}", e.body_text()))
                .into_response();
        }
    };
    let answers = match answers::read_answers(&pairs) {
        Ok(a) => a,
        Err(message) => return AppError::BadRequest(message).into_response(),
    };
    let today = today();
    let (profile, problems) = answers::profile_from_answers(&doc, &answers, today);
    let facts = matcher::facts::PatientFacts::new(&profile, today);
    let eligibility = matcher::evaluate(&facts, &doc);
    let remaining = matcher::questionnaire(&doc, &profile, today);
    let questions: Vec<QuestionView> = remaining
        .questions
        .iter()
        .map(|q| answers::question_view(q, &answers))
        .collect();
    let asked: Vec<&str> = questions
        .iter()
        .flat_map(|q| [q.name.as_str(), q.unit_name.as_str()])
        .collect();
    let mut carried: Vec<(String, String)> = answers
        .iter()
        .filter(|(k, _)| !asked.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    carried.sort();
    let (verdict_label, verdict_class) = view::verdict_label(eligibility.verdict);
    let page = EligibilityPage {
        nct_id: doc.nct_id.clone(),
        title,
        result: Some(EligibilityResult {
            verdict_label,
            verdict_class,
            deciding: eligibility.deciding_unknowns.len(),
            criteria: view::criteria(&eligibility, &remaining.questions),
            rule_count: eligibility.marks.len(),
        }),
        questions,
        carried,
        problems,
    };
    let status = if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render_page(&page, status)
}
