//! Matcher documents kept in the store, so a cold match reads them instead of parsing criteria.
//!
//! Building a [`matcher::TrialDocument`] costs a few milliseconds a trial (criteria parsing,
//! text analysis) on top of reading and parsing the raw record (~1 ms); a match of K = 1000
//! candidates none of which is cached paid that for every one. Once built, a document is
//! written to the store's `matcher_documents` table (MessagePack, with the overall status
//! the result list shows), and the next miss reads it back: one query for all the candidates,
//! no raw record, no parsing.
//!
//! A stored document is used only when it matches both the trial's current content (the store
//! joins on the raw record's hash) and [`format`], which names the encoding and fingerprints the
//! sources of the code that builds documents (`build.rs`): after any change to `matcher`,
//! `criteria` or `ctgov` documents are built again and rewritten, never read in an old shape.
//! A row that cannot be decoded is reported ([`StoredDocumentError`], naming the trial) and the
//! trial is built from its record as if the row were absent. The store stays the source of
//! truth: the table can be emptied at any time.

use matcher::TrialDocument;
use serde::{Deserialize, Serialize};

use super::candidates::CachedTrial;

/// Bumped when this module's encoding changes (what [`encode`] writes around the document).
const ENCODING_VERSION: u32 = 1;

/// The format name stored documents are written and read under: the encoding version and a
/// hash of the sources that build documents (see `build.rs`).
pub fn format() -> String {
    format!(
        "msgpack-{ENCODING_VERSION}-{}",
        env!("TRIALBRIDGE_MATCHER_SOURCES_HASH")
    )
}

/// A stored document that cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("the stored matcher document of {nct_id} cannot be read: {reason}")]
pub struct StoredDocumentError {
    pub nct_id: String,
    pub reason: String,
}

/// What is stored for a trial: its document and the status the result list shows.
#[derive(Serialize)]
struct StoredRef<'a> {
    doc: &'a TrialDocument,
    overall_status: &'a str,
}

#[derive(Deserialize)]
struct Stored {
    doc: TrialDocument,
    overall_status: String,
}

/// The bytes stored for `trial`.
pub fn encode(trial: &CachedTrial) -> Result<Vec<u8>, StoredDocumentError> {
    rmp_serde::to_vec(&StoredRef {
        doc: &trial.doc,
        overall_status: &trial.overall_status,
    })
    .map_err(|e| StoredDocumentError {
        nct_id: trial.doc.nct_id.clone(),
        reason: e.to_string(),
    })
}

/// The trial a stored row holds; an error naming the trial when the bytes do not decode, leave
/// bytes over, or hold another trial's document.
pub fn decode(row: &store::MatcherDocument) -> Result<CachedTrial, StoredDocumentError> {
    let error = |reason: String| StoredDocumentError {
        nct_id: row.nct_id.clone(),
        reason,
    };
    let mut bytes = std::io::Cursor::new(row.body.as_slice());
    let stored: Stored = rmp_serde::from_read(&mut bytes).map_err(|e| error(e.to_string()))?;
    let left = row.body.len() as u64 - bytes.position();
    if left > 0 {
        return Err(error(format!("{left} bytes left over")));
    }
    if !stored.doc.nct_id.eq_ignore_ascii_case(&row.nct_id) {
        return Err(error(format!("it holds {}", stored.doc.nct_id)));
    }
    Ok(CachedTrial {
        doc: stored.doc,
        overall_status: stored.overall_status,
        updated_at: row.updated_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn trial() -> CachedTrial {
        CachedTrial {
            doc: TrialDocument::new(matcher::TrialFields {
                nct_id: "NCT00000001".into(),
                title: "Metformin in type 2 diabetes".into(),
                conditions: vec!["Type 2 Diabetes".into()],
                criteria_text: "Inclusion Criteria:\n- Age 18 to 75 years\n- HbA1c 7-10%\n\nExclusion Criteria:\n- Pregnancy\n".into(),
                ..Default::default()
            }),
            overall_status: "RECRUITING".into(),
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn row(nct_id: &str, body: Vec<u8>) -> store::MatcherDocument {
        store::MatcherDocument {
            nct_id: nct_id.into(),
            updated_at: OffsetDateTime::UNIX_EPOCH,
            body,
        }
    }

    #[test]
    fn a_document_reads_back_as_written() {
        let t = trial();
        let back = decode(&row("NCT00000001", encode(&t).unwrap())).unwrap();
        assert_eq!(back.overall_status, "RECRUITING");
        assert_eq!(back.doc.criteria, t.doc.criteria);
        assert_eq!(back.doc.title, t.doc.title);
        // The private parts (analyzed fields, rule concepts) too: the same ranking and marks.
        let profile = matcher::extract_profile(
            "A 60-year-old woman with type 2 diabetes, HbA1c 8.1%, not pregnant.",
        )
        .profile;
        let rank = |doc: &TrialDocument| {
            let model = matcher::RelevanceModel::fit([doc]);
            let ranked =
                matcher::rank_trials(&profile, &[doc], &model, &matcher::MatchOptions::default());
            serde_json::to_string(&ranked).unwrap()
        };
        assert_eq!(rank(&back.doc), rank(&t.doc));
        assert!(rank(&t.doc).contains("HbA1c"));
    }

    #[test]
    fn a_malformed_row_is_an_error_that_names_the_trial() {
        let mut body = encode(&trial()).unwrap();
        for bad in [vec![0xff; 7], body[..body.len() / 2].to_vec(), {
            body.push(0);
            body
        }] {
            let e = decode(&row("NCT00000001", bad)).unwrap_err();
            assert_eq!(e.nct_id, "NCT00000001");
            assert!(e.to_string().contains("NCT00000001"), "{e}");
        }
    }

    #[test]
    fn a_row_holding_another_trial_is_refused() {
        let e = decode(&row("NCT00000002", encode(&trial()).unwrap())).unwrap_err();
        assert!(e.to_string().contains("NCT00000002"), "{e}");
        assert!(e.reason.contains("NCT00000001"), "{e}");
    }
}
