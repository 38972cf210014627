//! The "Find trials for me" page (`/match`) and "Check my eligibility"
//! (`/trials/{nctId}/eligibility`), read as rendered HTML, over the committed sample.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};

use common::{post_form, send};

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// The opening tag of the element with this id.
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} missing"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// The text of a `<textarea id=...>`.
fn textarea(html: &str, id: &str) -> String {
    let tag = tag_with_id(html, id);
    let start = html.find(tag).unwrap() + tag.len();
    let end = start + html[start..].find("</textarea>").unwrap();
    html[start..end].to_string()
}

const NOTE: &str = "A 64-year-old man with non-small cell lung cancer, stage IV. ECOG 1. He denies smoking. \
    Hemoglobin 11.2 g/dL. He received carboplatin.";

#[tokio::test]
async fn the_page_offers_a_note_box_and_a_profile_form() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, html) = get(&app, "/match").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Find trials for me</h1>"));
    assert!(tag_with_id(&html, "note-form").contains("action=\"/match\""));
    assert!(tag_with_id(&html, "profile-form").contains("method=\"post\""));
    for id in [
        "note-input",
        "age",
        "sex",
        "conditions",
        "ecog",
        "lab_hemoglobin",
        "prior_therapies",
        "pregnancy",
        "location",
    ] {
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "#{id} has a label"
        );
    }
    assert!(tag_with_id(&html, "conditions").contains("maxlength=\"4000\""));
    let (status, css) = get(&app, "/static/match.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains(".marks"));
}

#[tokio::test]
async fn a_note_is_read_into_the_form_for_correction() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, html) = post_form(&app, "/match", &[("action", "extract"), ("note", NOTE)]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("What we read in your note"));
    assert!(tag_with_id(&html, "evidence").contains("<table"));
    assert!(html.contains("<mark"), "the supporting text is highlighted");
    assert!(
        html.contains("<strong>absent:</strong>"),
        "the denied smoking is listed as absent"
    );
    // The extracted facts fill the editable form; the note travels along for relevance.
    assert!(tag_with_id(&html, "age").contains("value=\"64\""));
    assert!(html.contains("<option value=\"male\" selected>"));
    assert!(
        html.contains("<option value=\"1\" selected>"),
        "ECOG 1 selected"
    );
    assert!(
        textarea(&html, "conditions")
            .to_lowercase()
            .contains("lung"),
        "{}",
        textarea(&html, "conditions")
    );
    assert!(tag_with_id(&html, "stage").contains("value=\"IV\""));
    assert!(tag_with_id(&html, "lab_hemoglobin").contains("value=\"11.2\""));
    assert!(textarea(&html, "profile-note").contains("denies smoking"));
    assert!(
        textarea(&html, "findings").contains("no "),
        "negated finding kept: {}",
        textarea(&html, "findings")
    );
}

#[tokio::test]
async fn the_form_gets_ranked_trials_with_marks_in_words() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, html) = post_form(
        &app,
        "/match",
        &[
            ("action", "match"),
            ("age", "64"),
            ("sex", "male"),
            ("conditions", "non-small cell lung cancer"),
            ("stage", "IV"),
            ("ecog", "1"),
            ("prior_therapies", "carboplatin"),
            ("top", "25"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let results = &html[html.find("id=\"results\"").expect("results section")..];
    assert_eq!(results.matches("<li class=\"result\"").count(), 25);
    assert!(results.contains("of 776 trials"));
    assert!(results.contains("<a href=\"/trials/NCT"));
    assert!(results.contains("/eligibility\">Check my eligibility for this trial</a>"));
    // Each mark carries words, not only a symbol; the symbol is hidden from screen readers.
    assert!(results.contains("<span class=\"symbol\" aria-hidden=\"true\">✓</span>"));
    assert!(results.contains("<span class=\"mark-label\">Met</span>"));
    assert!(results.contains("<span class=\"mark-label\">Unknown</span>"));
    assert!(results.contains("Possibly eligible") || results.contains("Likely eligible"));
    if results.contains("Possibly eligible") {
        assert!(results.contains("What would decide it:"));
    }
    // The form keeps what was typed.
    assert!(tag_with_id(&html, "age").contains("value=\"64\""));
}

#[tokio::test]
async fn bad_input_is_reported_escaped_and_bounded() {
    let (app, _store, _dir) = common::sample_app().await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";

    let (status, html) = post_form(
        &app,
        "/match",
        &[("action", "match"), ("age", "abc"), ("conditions", hostile)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(tag_with_id(&html, "form-errors").contains("role=\"alert\""));
    assert!(html.contains("is not an age in years"));
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "user input is escaped"
    );
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "the text is kept, escaped"
    );

    let (status, html) =
        post_form(&app, "/match", &[("action", "extract"), ("note", hostile)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x"));

    let (status, html) = post_form(&app, "/match", &[("action", "extract"), ("note", "   ")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("The note is empty"));

    let (status, html) = post_form(&app, "/match", &[("action", "match")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Tell us about the patient first"));

    let long = "x".repeat(10_000);
    let (status, html) = post_form(
        &app,
        "/match",
        &[("action", "match"), ("conditions", &long)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Conditions is too long (10000 characters; at most 4000)"));
    assert!(
        textarea(&html, "conditions").chars().count() <= 4001,
        "the echo is bounded"
    );

    let (status, _) = post_form(&app, "/match", &[("action", "delete-everything")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post_form(
        &app,
        "/match",
        &[
            ("action", "match"),
            ("conditions", "asthma"),
            ("top", "9999"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_eligibility_questionnaire_asks_and_decides() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, html) = get(&app, "/trials/NCT07117305/eligibility").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Check my eligibility</h1>"));
    assert!(html.contains("CD7 CAR-T"), "names the trial");
    let form = tag_with_id(&html, "eligibility-form");
    assert!(form.contains("action=\"/trials/NCT07117305/eligibility\""));
    assert!(
        html.contains("How old are you?"),
        "the registry age limit makes age a question"
    );
    assert!(html.contains("name=\"age\""));
    assert!(html.contains("Why we ask"));

    // Too old for 14–65: not eligible, with the age criterion marked and the answer cited.
    let (status, html) = post_form(&app, "/trials/NCT07117305/eligibility", &[("age", "80")]).await;
    assert_eq!(status, StatusCode::OK);
    let verdict = &html[html.find("id=\"verdict\"").unwrap()..];
    assert!(verdict.contains("<strong>Not eligible</strong>"));
    assert!(verdict.contains("<span class=\"mark-label\">Not met</span>"));
    assert!(verdict.contains("You: age 80"));

    // In range: still open, age no longer asked but carried along with the next answers.
    let (status, html) = post_form(&app, "/trials/NCT07117305/eligibility", &[("age", "30")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<strong>Possibly eligible</strong>"));
    assert!(!html.contains("How old are you?"));
    assert!(html.contains("<input type=\"hidden\" name=\"age\" value=\"30\">"));
    assert!(
        html.contains("would decide it: <a href=\"#questions\">answer the questions below</a>")
    );

    let (status, html) = post_form(
        &app,
        "/trials/NCT07117305/eligibility",
        &[("age", "two hundred")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("is not a number"));
    let (status, _) = post_form(
        &app,
        "/trials/NCT07117305/eligibility",
        &[("age", &"9".repeat(500))],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_and_malformed_trial_numbers_get_the_trial_page_messages() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, html) = get(&app, "/trials/NCT99999999/eligibility").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("We have no trial NCT99999999. Check the number, or search for the trial.")
    );
    let (status, html) = post_form(&app, "/trials/NCT99999999/eligibility", &[("age", "30")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("We have no trial NCT99999999"));
    let (status, html) = get(&app, "/trials/not-a-trial/eligibility").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("is not a trial number. Trial numbers look like NCT07117305"));
}
