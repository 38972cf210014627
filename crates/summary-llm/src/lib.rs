//! An optional language-model backend for plain-language trial summaries.
//!
//! # Brief overview
//!
//! [`LlmSummarizer`] asks an OpenAI-compatible chat endpoint (`POST {base_url}/chat/completions`,
//! given by [`LlmConfig`]: URL, model name, optional API key) to write a trial summary from the
//! record's facts. It is **off by default** and never needed: nothing is configured unless
//! [`LlmConfig::from_env`] finds `TRIALBRIDGE_LLM_URL` and `TRIALBRIDGE_LLM_MODEL`, or a caller
//! builds a config.
//!
//! The model's answer is only a candidate. [`LlmSummarizer::summarize`] keeps it only when it
//! passes the same checks as the deterministic summary: Flesch-Kincaid grade at or below
//! [`LlmConfig::max_grade`] (by [`summary::flesch_kincaid_grade`]) and no claim that
//! [`summary::check_faithfulness`] finds unsupported by the record. Otherwise, or when the
//! request fails, the result is the deterministic [`summary::summarize`] text, and
//! [`LlmSummary::rejected`] says why, so a caller can log it.
//!
//! ```no_run
//! # async fn run(study: &ctgov::Study) {
//! use summary_llm::{LlmConfig, LlmSummarizer, SummarySource};
//! let config = LlmConfig::new("http://127.0.0.1:8080/v1", "local-model");
//! let llm = LlmSummarizer::new(config).unwrap();
//! let out = llm.summarize(study).await;
//! if out.source == SummarySource::Deterministic {
//!     eprintln!("model output not used: {:?}", out.rejected);
//! }
//! println!("{}", out.text);
//! # }
//! ```

use std::time::Duration;

use ctgov::Study;
use serde::{Deserialize, Serialize};
use summary::FaithfulnessIssue;

/// Where to reach the model, and how strict to be with its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    /// Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub api_key: Option<String>,
    pub timeout: Duration,
    /// Highest Flesch-Kincaid grade accepted (default 8).
    pub max_grade: f64,
}

impl LlmConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(30),
            max_grade: 8.0,
        }
    }

    /// `Some` only when both `TRIALBRIDGE_LLM_URL` and `TRIALBRIDGE_LLM_MODEL` are set and not
    /// empty; `TRIALBRIDGE_LLM_API_KEY` is optional. This is the "off by default" switch.
    pub fn from_env() -> Option<LlmConfig> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut c = LlmConfig::new(get("TRIALBRIDGE_LLM_URL")?, get("TRIALBRIDGE_LLM_MODEL")?);
        c.api_key = get("TRIALBRIDGE_LLM_API_KEY");
        Some(c)
    }

    fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }
}

/// Why a summarizer could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("base URL '{0}' is not an http(s) URL")]
    BadUrl(String),
    #[error("HTTP client could not be built: {0}")]
    Client(String),
}

/// Which writer produced the text that was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SummarySource {
    Llm,
    Deterministic,
}

/// Why the model's answer was not used.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    /// The request failed (network, HTTP status, or a response not in the chat format).
    Request { detail: String },
    /// The answer had no text.
    Empty,
    /// The answer reads above the grade limit.
    TooHard { grade: f64, max_grade: f64 },
    /// The answer states things the record does not support.
    Unfaithful { issues: Vec<FaithfulnessIssue> },
}

/// The text to show, where it came from, and why a model answer was dropped (if it was).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LlmSummary {
    pub text: String,
    pub source: SummarySource,
    /// Flesch-Kincaid grade of `text`.
    pub grade: f64,
    pub rejected: Option<Rejection>,
}

/// A client for one configured endpoint. Cheap to clone; reuse it.
#[derive(Debug, Clone)]
pub struct LlmSummarizer {
    client: reqwest::Client,
    config: LlmConfig,
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<ChatMessage>,
    temperature: f64,
}

#[derive(Serialize, Deserialize)]
struct ChatMessage {
    role: String,
    content: String,
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<ChatChoice>,
}

#[derive(Deserialize)]
struct ChatChoice {
    message: ChatMessage,
}

const SYSTEM_PROMPT: &str = "You write summaries of clinical trials for patients and families. \
Write for a 12-year-old: short sentences of about 10 words, everyday words, no jargon. \
Use ONLY the facts given. Never add ages, numbers, dates, conditions, treatments, phases or a \
recruitment status that are not in the facts. Copy ages, numbers and names exactly. \
Cover: what is being tested, who it is for, the main goals, who might be able to join, what \
taking part involves, and whether the study is recruiting. Answer with plain text only, no \
headings, lists or markdown.";

impl LlmSummarizer {
    pub fn new(config: LlmConfig) -> Result<LlmSummarizer, LlmError> {
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(LlmError::BadUrl(config.base_url));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| LlmError::Client(e.to_string()))?;
        Ok(LlmSummarizer { client, config })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// Asks the model, checks its answer, and falls back to the deterministic summary.
    pub async fn summarize(&self, study: &Study) -> LlmSummary {
        match self.ask(study).await {
            Ok(answer) => accept_or_fallback(study, &answer, self.config.max_grade),
            Err(detail) => fallback(study, Rejection::Request { detail }),
        }
    }

    /// The raw answer text of the model, unchecked.
    async fn ask(&self, study: &Study) -> Result<String, String> {
        let request = ChatRequest {
            model: &self.config.model,
            messages: vec![
                ChatMessage {
                    role: "system".into(),
                    content: SYSTEM_PROMPT.into(),
                },
                ChatMessage {
                    role: "user".into(),
                    content: facts_prompt(study),
                },
            ],
            temperature: 0.0,
        };
        let mut http = self.client.post(self.config.endpoint()).json(&request);
        if let Some(key) = &self.config.api_key {
            http = http.bearer_auth(key);
        }
        let response = http.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        let body: ChatResponse = response
            .json()
            .await
            .map_err(|e| format!("bad response: {e}"))?;
        body.choices
            .into_iter()
            .next()
            .map(|c| c.message.content)
            .ok_or_else(|| "response has no choices".to_string())
    }
}

/// The checks every model answer must pass; public so a caller can test other writers' text.
pub fn accept_or_fallback(study: &Study, answer: &str, max_grade: f64) -> LlmSummary {
    let text = answer.trim();
    if text.is_empty() {
        return fallback(study, Rejection::Empty);
    }
    let Some(grade) = summary::flesch_kincaid_grade(text) else {
        return fallback(study, Rejection::Empty);
    };
    if grade > max_grade {
        return fallback(study, Rejection::TooHard { grade, max_grade });
    }
    let issues = summary::check_faithfulness(text, study);
    if !issues.is_empty() {
        return fallback(study, Rejection::Unfaithful { issues });
    }
    LlmSummary {
        text: text.to_string(),
        source: SummarySource::Llm,
        grade,
        rejected: None,
    }
}

fn fallback(study: &Study, why: Rejection) -> LlmSummary {
    let plain = summary::summarize(study);
    LlmSummary {
        text: plain.text(),
        source: SummarySource::Deterministic,
        grade: plain.grade(),
        rejected: Some(why),
    }
}

/// The facts the model may use: the deterministic summary (already plain and checked) and
/// the record fields it came from.
pub fn facts_prompt(study: &Study) -> String {
    let plain = summary::summarize(study);
    let mut out = String::new();
    out.push_str(&format!("Title: {}\n", study.brief_title()));
    out.push_str(&format!(
        "Status: {}\n",
        ctgov::status_label(study.overall_status())
    ));
    let phases: Vec<String> = study
        .phases()
        .iter()
        .filter(|p| *p != "NA")
        .map(|p| ctgov::phase_label(p))
        .collect();
    if !phases.is_empty() {
        out.push_str(&format!("Phase: {}\n", phases.join(", ")));
    }
    if !study.conditions().is_empty() {
        out.push_str(&format!("Conditions: {}\n", study.conditions().join("; ")));
    }
    let interventions: Vec<&str> = study
        .interventions()
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    if !interventions.is_empty() {
        out.push_str(&format!("Interventions: {}\n", interventions.join("; ")));
    }
    if let Some(o) = study.protocol_section.outcomes_module.as_ref() {
        let m: Vec<&str> = o
            .primary_outcomes
            .iter()
            .map(|p| p.measure.as_str())
            .collect();
        if !m.is_empty() {
            out.push_str(&format!("Main outcomes: {}\n", m.join("; ")));
        }
    }
    let min = study
        .eligibility()
        .and_then(|e| e.minimum_age.as_deref())
        .unwrap_or("none");
    let max = study
        .eligibility()
        .and_then(|e| e.maximum_age.as_deref())
        .unwrap_or("none");
    out.push_str(&format!("Minimum age: {min}\nMaximum age: {max}\n"));
    if let Some(sex) = study.sex() {
        out.push_str(&format!("Sex: {sex}\n"));
    }
    if let Some(b) = study.brief_summary() {
        out.push_str(&format!("Registry summary: {}\n", b.trim()));
    }
    out.push_str(
        "\nA plain summary that is already checked (you may reword it, but add no facts):\n",
    );
    out.push_str(&plain.text());
    out
}
