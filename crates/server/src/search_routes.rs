//! Search over HTTP: `GET /api/v2/studies` (the registry's parameters and JSON/CSV shape) and
//! the search page at `GET /` and `GET /search`.
//!
//! The handlers only translate: the request becomes a [`search::StudiesQuery`], the
//! [`search::TrialIndex`] answers with hits, the store supplies the full records of the page's
//! hits, and `search` renders the body. The search page works without JavaScript: a form,
//! facet checkboxes applied with a button, and links for paging.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use search::{Format, StudiesQuery, TrialIndex};

use crate::{AppError, AppState};

/// The search routes; the index is shared with whoever keeps it in step with the store.
pub fn routes(index: Arc<TrialIndex>) -> Router<AppState> {
    Router::new()
        .route("/api/v2/studies", get(studies_api))
        .route("/", get(search_page))
        .route("/search", get(search_page))
        .layer(Extension(index))
}

async fn run_search(
    index: Arc<TrialIndex>,
    q: StudiesQuery,
) -> Result<(StudiesQuery, search::SearchPage), AppError> {
    tokio::task::spawn_blocking(move || {
        let page = index.search(&q);
        (q, page)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
    .and_then(|(q, page)| match page {
        Ok(p) => Ok((q, p)),
        Err(search::IndexError::Param(e)) => Err(AppError::BadRequest(e.to_string())),
        Err(e) => Err(AppError::Internal(e.to_string())),
    })
}

/// The full records of a page's hits, in the registry's JSON shape.
async fn load_studies(
    state: &AppState,
    page: &search::SearchPage,
) -> Result<HashMap<String, serde_json::Value>, AppError> {
    let mut out = HashMap::with_capacity(page.hits.len());
    for hit in &page.hits {
        let Some(trial) = state.store().get(&hit.nct_id).await? else {
            continue;
        };
        let value = match trial.record.format {
            ctgov::SourceFormat::CtgovV2 => serde_json::from_str(&trial.record.raw),
            _ => serde_json::to_value(&trial.record.study),
        }
        .map_err(|e| AppError::Internal(e.to_string()))?;
        out.insert(hit.nct_id.clone(), value);
    }
    Ok(out)
}

/// `GET /api/v2/studies`.
async fn studies_api(
    State(state): State<AppState>,
    Extension(index): Extension<Arc<TrialIndex>>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    match studies_api_inner(&state, index, &pairs).await {
        Ok(r) => r,
        Err(e) => e.into_json(),
    }
}

async fn studies_api_inner(
    state: &AppState,
    index: Arc<TrialIndex>,
    pairs: &[(String, String)],
) -> Result<Response, AppError> {
    let q = StudiesQuery::from_pairs(pairs).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let (q, page) = run_search(index, q).await?;
    let studies = load_studies(state, &page).await?;
    Ok(match q.format {
        Format::Json => axum::Json(search::json_body(&q, &page, &studies)).into_response(),
        Format::Csv => {
            let mut headers = vec![(
                header::CONTENT_TYPE.to_string(),
                "text/csv; charset=utf-8".to_string(),
            )];
            if q.count_total {
                headers.push(("x-total-count".into(), page.total_count.to_string()));
            }
            if let Some(t) = &page.next_page_token {
                headers.push(("x-next-page-token".into(), t.clone()));
            }
            let mut resp = search::csv_body(&q, &page, &studies).into_response();
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) = (
                    header::HeaderName::try_from(k),
                    header::HeaderValue::try_from(v),
                ) {
                    resp.headers_mut().insert(k, v);
                }
            }
            resp
        }
    })
}

/// The search form's fields. Facet checkboxes repeat their field name once per value.
#[derive(Debug, Default)]
struct PageForm {
    cond: String,
    place: String,
    radius: String,
    age: String,
    sort: String,
    page: Option<String>,
    from: usize,
    selected: HashMap<&'static str, Vec<String>>,
}

/// Facets on the page: form field (the facet's name), legend, and how a selection narrows
/// the search (`aggFilters` keeps the other options' counts; the rest use `filter.advanced`).
const PAGE_FACETS: &[(&str, &str)] = &[
    ("overallStatus", "Status"),
    ("phase", "Phase"),
    ("stdAge", "Age group"),
    ("sex", "Sex"),
    ("studyType", "Study type"),
    ("leadSponsorClass", "Sponsor type"),
    ("locationCountry", "Country"),
];

const RADII: &[&str] = &["10", "25", "50", "100", "250", "500"];

impl PageForm {
    fn parse(pairs: &[(String, String)]) -> PageForm {
        let mut f = PageForm {
            radius: "50".into(),
            ..Default::default()
        };
        for (k, v) in pairs {
            let v = v.trim().to_string();
            match k.as_str() {
                "cond" => f.cond = v,
                "place" => f.place = v,
                "radius" => f.radius = v,
                "age" => f.age = v,
                "sort" => f.sort = v,
                "page" if !v.is_empty() => f.page = Some(v),
                "from" => f.from = v.parse().unwrap_or(0),
                other => {
                    if let Some((name, _)) = PAGE_FACETS.iter().find(|(n, _)| *n == other)
                        && !v.is_empty()
                    {
                        f.selected.entry(name).or_default().push(v);
                    }
                }
            }
        }
        f
    }

    /// The form as query-string pairs (for links), without paging.
    fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("cond", &self.cond),
            ("place", &self.place),
            ("radius", &self.radius),
            ("age", &self.age),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                out.push((k.to_string(), v.clone()));
            }
        }
        for (name, _) in PAGE_FACETS {
            for v in self.selected.get(name).into_iter().flatten() {
                out.push((name.to_string(), v.clone()));
            }
        }
        out
    }

    fn is_selected(&self, facet: &str, value: &str) -> bool {
        self.selected
            .get(facet)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }
}

fn url_with(pairs: &[(String, String)]) -> String {
    let mut s = String::from("/search?");
    let enc = |t: &str| -> String {
        t.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    s.push_str(&parts.join("&"));
    s
}

fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

struct FacetOption {
    id: String,
    value: String,
    label: String,
    count: usize,
    checked: bool,
}

struct FacetView {
    name: &'static str,
    legend: &'static str,
    options: Vec<FacetOption>,
}

struct Card {
    nct_id: String,
    title: String,
    status_label: String,
    status_class: String,
    phases: String,
    conditions: String,
    nearest: Option<String>,
    snippet_html: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPageView {
    cond: String,
    place: String,
    age: String,
    radius_options: Vec<(String, bool)>,
    sort_options: Vec<(String, String, bool)>,
    place_note: Option<String>,
    error: Option<String>,
    searched: bool,
    total: usize,
    first: usize,
    last: usize,
    cards: Vec<Card>,
    facets: Vec<FacetView>,
    next_url: Option<String>,
    first_url: Option<String>,
}

fn facet_label(facet: &str, value: &str) -> String {
    match facet {
        "phase" => ctgov::phase_label(value),
        "overallStatus" => ctgov::status_label(value),
        "locationCountry" => value.to_string(),
        "leadSponsorClass" => match value {
            "NIH" => "NIH".into(),
            "FED" => "U.S. federal".into(),
            "OTHER_GOV" => "Other government".into(),
            "INDIV" => "Individual".into(),
            other => ctgov::code_label(other),
        },
        _ => ctgov::code_label(value),
    }
}

/// API parameters as name–value pairs.
type Params = Vec<(String, String)>;

/// The API parameters a page request stands for, and what the place resolved to.
fn page_query(form: &PageForm) -> Result<(Params, Option<String>), String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut note = None;
    if !form.cond.is_empty() {
        pairs.push(("query.cond".into(), form.cond.clone()));
    }
    if !form.place.is_empty() {
        let radius: f64 = form
            .radius
            .parse()
            .map_err(|_| format!("The distance “{}” is not a number of miles.", form.radius))?;
        let m = search::gazetteer()
            .lookup(&form.place)
            .map_err(|e| format!("We could not find that place: {e}."))?;
        note = Some(match &m.note {
            Some(n) => format!("Searching around {}. {n}.", m.label),
            None => format!("Searching around {}.", m.label),
        });
        pairs.push((
            "filter.geo".into(),
            format!("distance({:.5},{:.5},{radius}mi)", m.lat, m.lon),
        ));
    }
    let mut advanced: Vec<String> = Vec::new();
    if !form.age.is_empty() {
        let age: f64 = form
            .age
            .parse()
            .ok()
            .filter(|a: &f64| (0.0..=130.0).contains(a))
            .ok_or_else(|| format!("The age “{}” is not a number of years.", form.age))?;
        advanced.push(format!(
            "AREA[MinimumAge]RANGE[MIN, {age} years] AND AREA[MaximumAge]RANGE[{age} years, MAX]"
        ));
    }
    let mut agg: Vec<String> = Vec::new();
    for (facet, _) in PAGE_FACETS {
        let Some(values) = form.selected.get(facet) else {
            continue;
        };
        let agg_id = match *facet {
            "overallStatus" => Some(("status", search::facts::AggId::Status)),
            "phase" => Some(("phase", search::facts::AggId::Phase)),
            "stdAge" => Some(("ages", search::facts::AggId::Ages)),
            "studyType" => Some(("studyType", search::facts::AggId::StudyType)),
            "leadSponsorClass" => Some(("funderType", search::facts::AggId::FunderType)),
            _ => None,
        };
        match agg_id {
            Some((id, kind)) => {
                let keys: Vec<&str> = values
                    .iter()
                    .filter_map(|v| {
                        kind.options()
                            .iter()
                            .find(|(_, code)| code == v)
                            .map(|(k, _)| *k)
                    })
                    .collect();
                if !keys.is_empty() {
                    // e.g. "status:rec not"
                    agg.push(format!("{id}:{}", keys.join(" ")));
                }
            }
            None => {
                if *facet == "sex" {
                    let ors: Vec<String> = values
                        .iter()
                        .filter(|v| ["FEMALE", "MALE", "ALL"].contains(&v.as_str()))
                        .map(|v| format!("AREA[Sex]{v}"))
                        .collect();
                    if !ors.is_empty() {
                        advanced.push(format!("({})", ors.join(" OR ")));
                    }
                } else {
                    let ors: Vec<String> = values
                        .iter()
                        .map(|v| format!("AREA[LocationCountry]{}", quote(v)))
                        .collect();
                    advanced.push(format!("COVERAGE[FullMatch]({})", ors.join(" OR ")));
                }
            }
        }
    }
    if !advanced.is_empty() {
        pairs.push(("filter.advanced".into(), advanced.join(" AND ")));
    }
    if !agg.is_empty() {
        pairs.push(("aggFilters".into(), agg.join(",")));
    }
    match form.sort.as_str() {
        "distance" if !form.place.is_empty() => pairs.push(("sort".into(), "distance".into())),
        "updated" => pairs.push(("sort".into(), "LastUpdatePostDate:desc".into())),
        "start" => pairs.push(("sort".into(), "StartDate:desc".into())),
        _ => {}
    }
    pairs.push(("pageSize".into(), "10".into()));
    pairs.push(("countTotal".into(), "true".into()));
    if let Some(t) = &form.page {
        pairs.push(("pageToken".into(), t.clone()));
    }
    Ok((pairs, note))
}

/// `GET /` and `GET /search`.
async fn search_page(
    State(state): State<AppState>,
    Extension(index): Extension<Arc<TrialIndex>>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let _ = &state;
    let form = PageForm::parse(&pairs);
    let searched = !pairs.is_empty();
    let mut view = SearchPageView {
        cond: form.cond.clone(),
        place: form.place.clone(),
        age: form.age.clone(),
        radius_options: RADII
            .iter()
            .map(|r| (r.to_string(), *r == form.radius))
            .collect(),
        sort_options: [
            ("relevance", "Best match"),
            ("distance", "Nearest first"),
            ("updated", "Recently updated"),
            ("start", "Start date"),
        ]
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string(), form.sort == *v))
        .collect(),
        place_note: None,
        error: None,
        searched,
        total: 0,
        first: 0,
        last: 0,
        cards: Vec::new(),
        facets: Vec::new(),
        next_url: None,
        first_url: None,
    };
    let mut status = StatusCode::OK;
    match page_query(&form) {
        Err(message) => {
            view.error = Some(message);
            status = StatusCode::BAD_REQUEST;
        }
        Ok((api_pairs, note)) => {
            view.place_note = note;
            let result = match StudiesQuery::from_pairs(&api_pairs) {
                Ok(q) => run_search(index, q).await,
                Err(e) => Err(AppError::BadRequest(e.to_string())),
            };
            match result {
                Err(AppError::BadRequest(m)) => {
                    view.error = Some(format!(
                        "We could not run that search ({m}). Please change it and try again."
                    ));
                    status = StatusCode::BAD_REQUEST;
                }
                Err(e) => return e.into_response(),
                Ok((_, page)) => fill_results(&mut view, &form, &page),
            }
        }
    }
    match view.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::Internal(e.to_string()).into_response(),
    }
}

fn fill_results(view: &mut SearchPageView, form: &PageForm, page: &search::SearchPage) {
    view.total = page.total_count;
    view.first = if page.hits.is_empty() {
        0
    } else {
        form.from + 1
    };
    view.last = form.from + page.hits.len();
    view.cards = page
        .hits
        .iter()
        .map(|h| Card {
            nct_id: h.nct_id.clone(),
            title: h.brief_title.clone(),
            status_label: ctgov::status_label(&h.overall_status),
            status_class: h.overall_status.to_ascii_lowercase().replace('_', "-"),
            phases: h
                .phases
                .iter()
                .map(|p| ctgov::phase_label(p))
                .collect::<Vec<_>>()
                .join(", "),
            conditions: h.conditions.join(" · "),
            nearest: h.nearest_site.as_ref().map(|n| {
                let s = &n.site;
                let place: Vec<&str> = [&s.facility, &s.city, &s.state, &s.country]
                    .iter()
                    .filter_map(|x| x.as_deref())
                    .collect();
                format!(
                    "{:.0} {} away: {}",
                    n.distance,
                    if n.unit == search::DistanceUnit::Mi {
                        "miles"
                    } else {
                        "km"
                    },
                    place.join(", ")
                )
            }),
            snippet_html: h.snippet_html.clone(),
        })
        .collect();
    view.facets = PAGE_FACETS
        .iter()
        .map(|(name, legend)| {
            let mut options: Vec<FacetOption> = page
                .facets
                .get(name)
                .into_iter()
                .flatten()
                .take(if *name == "locationCountry" { 15 } else { 20 })
                .map(|c| FacetOption {
                    id: format!(
                        "f-{name}-{}",
                        c.value.replace(|ch: char| !ch.is_ascii_alphanumeric(), "-")
                    ),
                    value: c.value.clone(),
                    label: facet_label(name, &c.value),
                    count: c.count,
                    checked: form.is_selected(name, &c.value),
                })
                .collect();
            // A checked value stays visible even when it matches nothing now.
            for v in form.selected.get(name).into_iter().flatten() {
                if !options.iter().any(|o| &o.value == v) {
                    options.push(FacetOption {
                        id: format!(
                            "f-{name}-{}",
                            v.replace(|ch: char| !ch.is_ascii_alphanumeric(), "-")
                        ),
                        value: v.clone(),
                        label: facet_label(name, v),
                        count: 0,
                        checked: true,
                    });
                }
            }
            FacetView {
                name,
                legend,
                options,
            }
        })
        .filter(|f| !f.options.is_empty())
        .collect();
    let base = form.pairs();
    if let Some(t) = &page.next_page_token {
        let mut p = base.clone();
        p.push(("page".into(), t.clone()));
        p.push(("from".into(), view.last.to_string()));
        view.next_url = Some(url_with(&p));
    }
    if form.page.is_some() {
        view.first_url = Some(url_with(&base));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    /// The sample, ingested into a fresh store, and the index rebuilt from the store (the way
    /// the `reindex` command does it).
    async fn app() -> (Router, tempfile::TempDir, Arc<TrialIndex>) {
        let dir = tempfile::tempdir().unwrap();
        let store = store::Store::open(dir.path(), None).await.unwrap();
        let sample = std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/ctgov/studies.jsonl.gz"
        ));
        ingest::ingest_paths(&store, &[sample], &mut |_| {})
            .await
            .unwrap();
        let mut studies = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store.page_after(after.as_deref(), 200).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.record.nct_id.to_string());
            studies.extend(page.into_iter().map(|t| t.record.study));
        }
        let index = Arc::new(TrialIndex::open_in_ram().unwrap());
        assert_eq!(index.rebuild(studies.into_iter()).unwrap(), 775);
        let router = routes(index.clone()).with_state(AppState::new(store));
        (router, dir, index)
    }

    async fn get(router: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let resp = router
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_api_answers_in_the_registry_shape_and_refuses_what_it_does_not_understand() {
        let (router, _dir, _) = app().await;
        let (status, _, body) = get(&router, "/api/v2/studies?query.cond=lymphoma&filter.overallStatus=RECRUITING&countTotal=true&pageSize=5").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["studies"].as_array().unwrap().len(), 5);
        assert!(v["totalCount"].as_u64().unwrap() > 5);
        assert!(v["studies"][0]["protocolSection"]["identificationModule"]["nctId"].is_string());
        let token = v["nextPageToken"].as_str().unwrap();
        let (status, _, body2) = get(&router, &format!("/api/v2/studies?query.cond=lymphoma&filter.overallStatus=RECRUITING&pageSize=5&pageToken={token}")).await;
        assert_eq!(status, StatusCode::OK);
        let v2: serde_json::Value = serde_json::from_str(&body2).unwrap();
        assert_ne!(
            v2["studies"][0]["protocolSection"]["identificationModule"]["nctId"],
            v["studies"][0]["protocolSection"]["identificationModule"]["nctId"]
        );

        for (uri, names) in [
            ("/api/v2/studies?pageSize=5000", "pageSize"),
            ("/api/v2/studies?query.recrs=yes", "query.recrs"),
            (
                "/api/v2/studies?filter.advanced=AREA%5BPhase%5D(PHASE2",
                "filter.advanced",
            ),
            ("/api/v2/studies?filter.geo=distance(1,2)", "filter.geo"),
        ] {
            let (status, _, body) = get(&router, uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(body.contains(names), "{uri}: {body}");
        }

        let (status, headers, csv) = get(
            &router,
            "/api/v2/studies?format=csv&countTotal=true&pageSize=3&query.cond=cancer",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(headers.contains_key("x-next-page-token") && headers.contains_key("x-total-count"));
        assert_eq!(csv.split("\r\n").filter(|l| !l.is_empty()).count(), 4);
    }

    #[tokio::test]
    async fn the_search_page_works_without_javascript() {
        let (router, _dir, _) = app().await;
        let (status, _, home) = get(&router, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(home.contains(r#"<form class="search-form" method="get" action="/search""#));
        assert!(home.contains(r#"<label for="cond">"#) && home.contains(r#"<label for="place">"#));

        let (status, _, html) = get(
            &router,
            "/search?cond=cancer&place=Boston%2C+MA&radius=500&age=60&sort=distance",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Searching around Boston, MA, United States"),
            "{html}"
        );
        assert!(html.contains(r#"<a href="/trials/NCT"#));
        assert!(html.contains("Nearest site:") && html.contains("miles away"));
        assert!(
            html.contains(r#"type="checkbox""#)
                && html.contains(r#"name="overallStatus" value="RECRUITING""#)
        );
        assert!(html.contains(r#"class="badge recruiting""#));
        assert!(html.contains("<b>"), "highlighted snippet");
        let next = html
            .split(r#"rel="next""#)
            .next()
            .unwrap()
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        assert!(
            next.starts_with("/search?") && next.contains("page="),
            "{next}"
        );
        let (status, _, page2) = get(&router, &next).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page2.contains("showing 11–20"), "{next}\n{page2}");

        // A facet checkbox narrows the results and stays checked.
        let (_, _, narrowed) = get(
            &router,
            "/search?cond=cancer&overallStatus=RECRUITING&phase=PHASE3",
        )
        .await;
        assert!(narrowed.contains(r#"value="RECRUITING" checked"#));
        assert!(!narrowed.contains(r#"class="badge completed""#));

        let (status, _, bad) = get(&router, "/search?cond=cancer&place=Qwxzyville").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(bad.contains("We could not find that place"));
    }

    /// A tag or a run of text in a page we render ourselves. The server's manifest has no HTML
    /// parser, and our templates are well formed, so a small scanner is enough to read them.
    #[derive(Debug)]
    enum Token {
        Start(String, Vec<(String, String)>),
        End(String),
        Text(String),
    }

    fn tokens(html: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut rest = html;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("<!--") {
                rest = after.split_once("-->").map_or("", |(_, r)| r);
            } else if rest.starts_with("<!") {
                rest = rest.split_once('>').map_or("", |(_, r)| r);
            } else if let Some(after) = rest.strip_prefix("</") {
                let (name, r) = after.split_once('>').expect("closed end tag");
                out.push(Token::End(name.trim().to_ascii_lowercase()));
                rest = r;
            } else if rest.starts_with('<')
                && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic())
            {
                let (tag, r) = start_tag(&rest[1..]);
                let raw_text = matches!(&tag, Token::Start(n, _) if n == "style" || n == "script");
                out.push(tag);
                rest = r;
                if raw_text {
                    let end = rest.find("</").expect("style/script closed");
                    rest = &rest[end..];
                }
            } else {
                let end = rest[1..].find('<').map_or(rest.len(), |i| i + 1);
                out.push(Token::Text(rest[..end].to_string()));
                rest = &rest[end..];
            }
        }
        out
    }

    /// Reads `name attr="v" flag>` and returns the tag and the text after it.
    fn start_tag(s: &str) -> (Token, &str) {
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap();
        let name = s[..name_end].to_ascii_lowercase();
        let mut rest = &s[name_end..];
        let mut attrs = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix("/>").or_else(|| rest.strip_prefix('>')) {
                return (Token::Start(name, attrs), r);
            }
            let key_end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
                .unwrap();
            let key = rest[..key_end].to_ascii_lowercase();
            rest = rest[key_end..].trim_start();
            let mut value = String::new();
            if let Some(r) = rest.strip_prefix('=') {
                let r = r.trim_start();
                let quote = r.chars().next().unwrap();
                let (v, r) = if quote == '"' || quote == '\'' {
                    r[1..].split_once(quote).expect("closed attribute value")
                } else {
                    r.split_at(r.find(|c: char| c.is_whitespace() || c == '>').unwrap())
                };
                value = v.to_string();
                rest = r;
            }
            attrs.push((key, value));
        }
    }

    fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The text inside the element that starts at `tokens[i]`, tags stripped, spaces collapsed.
    fn text_of(tokens: &[Token], i: usize) -> String {
        let Token::Start(name, _) = &tokens[i] else {
            panic!("not a start tag")
        };
        let mut depth = 0;
        let mut text = String::new();
        for t in &tokens[i..] {
            match t {
                Token::Start(n, _) if n == name => depth += 1,
                Token::End(n) if n == name => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Token::Text(x) => text.push_str(x),
                _ => {}
            }
        }
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// What a keyboard reaches with Tab, in order (no positive tabindex is allowed, so this is
    /// document order): `(tag, attributes, accessible text)`.
    /// One element a keyboard reaches: `(tag, attributes, accessible text)`.
    type Stop = (String, Vec<(String, String)>, String);

    fn tab_sequence(tokens: &[Token]) -> Vec<Stop> {
        let mut seq = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let Token::Start(name, attrs) = t else {
                continue;
            };
            let focusable = match name.as_str() {
                "a" => attr(attrs, "href").is_some(),
                "input" => attr(attrs, "type") != Some("hidden"),
                "select" | "textarea" | "button" => true,
                _ => attr(attrs, "tabindex").is_some_and(|v| v != "-1"),
            } && attr(attrs, "disabled").is_none();
            if focusable {
                let text = if matches!(name.as_str(), "a" | "button") {
                    text_of(tokens, i)
                } else {
                    String::new()
                };
                seq.push((name.clone(), attrs.clone(), text));
            }
        }
        seq
    }

    /// Every rule a keyboard or screen-reader user relies on that can be read off the markup;
    /// returns the breaches.
    fn keyboard_and_label_problems(html: &str) -> Vec<String> {
        let tokens = tokens(html);
        let mut problems = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let mut label_for = std::collections::HashSet::new();
        for t in &tokens {
            if let Token::Start(name, attrs) = t {
                if let Some(id) = attr(attrs, "id")
                    && !ids.insert(id.to_string())
                {
                    problems.push(format!("id {id} is used twice"));
                }
                if name == "label"
                    && let Some(f) = attr(attrs, "for")
                {
                    label_for.insert(f.to_string());
                }
                if let Some(v) = attr(attrs, "tabindex")
                    && v.trim().parse::<i32>().map_or(true, |n| n > 0)
                {
                    problems.push(format!(
                        "<{name}> has tabindex={v}: the order must be the document's"
                    ));
                }
            }
        }
        let mut open_labels = 0usize;
        let mut open_fieldset_awaiting_legend = false;
        for (i, t) in tokens.iter().enumerate() {
            match t {
                Token::Start(name, attrs) => {
                    if open_fieldset_awaiting_legend {
                        if name != "legend" || text_of(&tokens, i).is_empty() {
                            problems.push(
                                "a fieldset does not open with a legend that says something".into(),
                            );
                        }
                        open_fieldset_awaiting_legend = false;
                    }
                    match name.as_str() {
                        "label" => open_labels += 1,
                        "fieldset" => open_fieldset_awaiting_legend = true,
                        "input" | "select" | "textarea"
                            if attr(attrs, "type") != Some("hidden") =>
                        {
                            let labelled = open_labels > 0
                                || attr(attrs, "id").is_some_and(|id| label_for.contains(id))
                                || attr(attrs, "aria-label").is_some_and(|l| !l.trim().is_empty())
                                || attr(attrs, "aria-labelledby").is_some_and(|l| ids.contains(l));
                            if !labelled {
                                problems.push(format!("<{name} {attrs:?}> has no label"));
                            }
                        }
                        "a" | "button" => {
                            let named = !text_of(&tokens, i).is_empty()
                                || attr(attrs, "aria-label").is_some_and(|l| !l.trim().is_empty());
                            if !named {
                                problems.push(format!("<{name} {attrs:?}> has no accessible name"));
                            }
                            if name == "a"
                                && let Some(target) =
                                    attr(attrs, "href").and_then(|h| h.strip_prefix('#'))
                                && !ids.contains(target)
                            {
                                problems
                                    .push(format!("link to #{target}, which is not on the page"));
                            }
                        }
                        _ => {}
                    }
                }
                Token::End(name) if name == "label" => open_labels = open_labels.saturating_sub(1),
                Token::Text(x) if open_fieldset_awaiting_legend && !x.trim().is_empty() => {
                    problems.push("text before a fieldset's legend".into());
                    open_fieldset_awaiting_legend = false;
                }
                _ => {}
            }
        }
        problems
    }

    #[tokio::test]
    async fn the_search_page_is_usable_from_the_keyboard() {
        let (router, _dir, _) = app().await;
        let results_uri = "/search?cond=cancer&place=Boston%2C+MA&radius=500&age=60&sort=distance";
        let (_, _, results) = get(&router, results_uri).await;
        let next = results
            .split(r#"rel="next""#)
            .next()
            .unwrap()
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let (_, _, page2) = get(&router, &next).await;
        let (_, _, narrowed) = get(
            &router,
            "/search?cond=cancer&overallStatus=RECRUITING&phase=PHASE3&phase=PHASE4",
        )
        .await;
        let (_, _, home) = get(&router, "/").await;
        let (_, _, empty) = get(&router, "/search?cond=qwxzyitis").await;
        let (_, _, bad_place) = get(&router, "/search?cond=cancer&place=Qwxzyville").await;
        for (what, html) in [
            ("results", &results),
            ("page 2", &page2),
            ("narrowed", &narrowed),
            ("home", &home),
            ("no results", &empty),
            ("unknown place", &bad_place),
        ] {
            let problems = keyboard_and_label_problems(html);
            assert!(problems.is_empty(), "{what}: {problems:#?}");
        }

        // The tab order on a results page: the search form, a way past the filters, the
        // filters, then the results in the order listed, then the paging links.
        for (what, html) in [("results", &results), ("page 2", &page2)] {
            let seq = tab_sequence(&tokens(html));
            let pos = |pred: &dyn Fn(&Stop) -> bool| seq.iter().position(pred);
            let cond_box = pos(&|(_, a, _)| attr(a, "id") == Some("cond")).expect("condition box");
            let search_button =
                pos(&|(n, _, t)| n == "button" && t == "Search").expect("search button");
            let skip = pos(&|(_, a, _)| attr(a, "href") == Some("#results")).expect("skip link");
            let first_facet =
                pos(&|(_, a, _)| attr(a, "type") == Some("checkbox")).expect("facet checkboxes");
            let results_links: Vec<usize> = seq
                .iter()
                .enumerate()
                .filter(|(_, (_, a, _))| {
                    attr(a, "href").is_some_and(|h| h.starts_with("/trials/NCT"))
                })
                .map(|(i, _)| i)
                .collect();
            let paging: Vec<usize> = seq
                .iter()
                .enumerate()
                .filter(|(_, (_, _, t))| t == "Next page" || t == "First page")
                .map(|(i, _)| i)
                .collect();
            assert!(
                cond_box < search_button && search_button < skip && skip < first_facet,
                "{what}: {seq:?}"
            );
            assert_eq!(
                results_links.len(),
                10,
                "{what}: a full page of result links"
            );
            assert!(first_facet < results_links[0], "{what}");
            assert!(
                !paging.is_empty() && paging.iter().all(|&p| p > *results_links.last().unwrap()),
                "{what}: paging after the results"
            );
            // The result links follow one another: nothing else to tab through between cards.
            assert_eq!(
                results_links.last().unwrap() - results_links[0],
                results_links.len() - 1,
                "{what}"
            );
            // Following the skip link lands just before the first result: the target holds the
            // result list and nothing focusable sits between them.
            let toks = tokens(html);
            let target = toks
                .iter()
                .position(|t| matches!(t, Token::Start(_, a) if attr(a, "id") == Some("results")))
                .unwrap();
            let first_result_tok = toks.iter().position(|t| matches!(t, Token::Start(n, a) if n == "a" && attr(a, "href").is_some_and(|h| h.starts_with("/trials/NCT")))).unwrap();
            assert!(target < first_result_tok);
            assert!(
                tab_sequence(&toks[target..first_result_tok]).is_empty(),
                "{what}: focusable controls between the skip target and the first result"
            );
        }
        assert!(page2.contains(">First page</a>") && results.contains(">Next page</a>"));
    }
}
