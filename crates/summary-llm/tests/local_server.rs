//! The backend against a small OpenAI-compatible server run by the test itself on 127.0.0.1;
//! nothing here reaches the network.

use std::sync::{Arc, Mutex};

use summary_llm::{LlmConfig, LlmSummarizer, Rejection, SummarySource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const STUDY: &str = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT00000001","briefTitle":"Amlodipine for High Blood Pressure"},
  "statusModule":{"overallStatus":"RECRUITING"},"conditionsModule":{"conditions":["Hypertension"]},
  "designModule":{"studyType":"INTERVENTIONAL","phases":["PHASE3"]},
  "armsInterventionsModule":{"interventions":[{"type":"DRUG","name":"Amlodipine"}]},
  "eligibilityModule":{"minimumAge":"18 Years","maximumAge":"80 Years","sex":"ALL"}}}"#;

fn study() -> ctgov::Study {
    ctgov::Record::from_api_json(STUDY).unwrap().study
}

/// Serves one canned reply (status, body) per connection and records each request.
struct FakeChat {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

async fn fake_chat(replies: Vec<(u16, String)>) -> FakeChat {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    tokio::spawn(async move {
        for (status, body) in replies {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read headers, then the body by Content-Length.
            loop {
                let n = sock.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = find(&buf, b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map(|v| v.trim().parse().unwrap())
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let n = sock.read(&mut chunk).await.unwrap();
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    break;
                }
                if n == 0 {
                    break;
                }
            }
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf).to_string());
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(reply.as_bytes()).await.unwrap();
            sock.shutdown().await.ok();
        }
    });
    FakeChat { url, requests }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn chat_reply(text: &str) -> (u16, String) {
    let body = serde_json::json!({"choices":[{"message":{"role":"assistant","content":text}}]});
    (200, body.to_string())
}

#[tokio::test]
async fn a_plain_faithful_answer_is_kept_and_the_request_carries_model_and_facts() {
    let answer = "This study tests a medicine called Amlodipine. It is for people with high blood pressure. \
                  You must be 18 to 80 years old. The study is looking for people to join now.";
    let server = fake_chat(vec![chat_reply(answer)]).await;
    let mut config = LlmConfig::new(&server.url, "test-model");
    config.api_key = Some("k".into());
    let out = LlmSummarizer::new(config)
        .unwrap()
        .summarize(&study())
        .await;
    assert_eq!(out.source, SummarySource::Llm, "{:?}", out.rejected);
    assert_eq!(out.text, answer);
    assert!(out.grade <= 8.0);
    let requests = server.requests.lock().unwrap();
    let req = &requests[0];
    assert!(req.starts_with("POST /v1/chat/completions "), "{req}");
    assert!(req.to_lowercase().contains("authorization: bearer k"));
    assert!(req.contains("\"model\":\"test-model\""));
    assert!(req.contains("Minimum age: 18 Years"));
}

#[tokio::test]
async fn a_wrong_age_or_status_is_discarded_for_the_deterministic_summary() {
    let server = fake_chat(vec![chat_reply(
        "This study tests a medicine called Amlodipine. You must be 21 to 80 years old. The study has finished.",
    )])
    .await;
    let out = LlmSummarizer::new(LlmConfig::new(&server.url, "m"))
        .unwrap()
        .summarize(&study())
        .await;
    assert_eq!(out.source, SummarySource::Deterministic);
    assert_eq!(out.text, summary::summarize(&study()).text());
    let Some(Rejection::Unfaithful { issues }) = out.rejected else {
        panic!("{:?}", out.rejected)
    };
    let kinds: Vec<summary::ClaimKind> = issues.iter().map(|i| i.kind).collect();
    assert!(
        kinds.contains(&summary::ClaimKind::Age) && kinds.contains(&summary::ClaimKind::Status),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn hard_text_is_discarded() {
    let server = fake_chat(vec![chat_reply(
        "This randomized, double-blind, placebo-controlled multicenter investigation evaluates antihypertensive pharmacotherapeutic efficacy utilizing amlodipine administration in hypertensive individuals.",
    )])
    .await;
    let out = LlmSummarizer::new(LlmConfig::new(&server.url, "m"))
        .unwrap()
        .summarize(&study())
        .await;
    assert_eq!(out.source, SummarySource::Deterministic);
    assert!(
        matches!(out.rejected, Some(Rejection::TooHard { .. })),
        "{:?}",
        out.rejected
    );
}

#[tokio::test]
async fn server_errors_and_malformed_or_empty_replies_fall_back() {
    let server = fake_chat(vec![
        (500, "{}".into()),
        (200, "{\"not\":\"chat\"}".into()),
        chat_reply("   "),
    ])
    .await;
    let llm = LlmSummarizer::new(LlmConfig::new(&server.url, "m")).unwrap();
    let a = llm.summarize(&study()).await;
    assert!(
        matches!(&a.rejected, Some(Rejection::Request { detail }) if detail.contains("500")),
        "{:?}",
        a.rejected
    );
    let b = llm.summarize(&study()).await;
    assert!(
        matches!(b.rejected, Some(Rejection::Request { .. })),
        "{:?}",
        b.rejected
    );
    let c = llm.summarize(&study()).await;
    assert_eq!(c.rejected, Some(Rejection::Empty));
    for out in [a, b, c] {
        assert_eq!(out.source, SummarySource::Deterministic);
        assert!(out.text.contains("You must be 18 to 80 years old."));
    }
}

#[test]
fn off_unless_configured_and_only_http_urls() {
    // The switch: with the variables unset there is no config, so no model is called.
    if std::env::var("TRIALBRIDGE_LLM_URL").is_err() {
        assert_eq!(LlmConfig::from_env(), None);
    }
    assert!(LlmSummarizer::new(LlmConfig::new("ftp://x", "m")).is_err());
}
