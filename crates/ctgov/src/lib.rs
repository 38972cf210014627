//! The ClinicalTrials.gov record model.
//!
//! # Brief overview
//!
//! A [`Study`] is the typed view of one registry record in the API v2 JSON shape. It is built
//! from JSON text by [`Record::from_api_json`] (a registry record) or [`Record::from_trial_info`]
//! (the flat "trial_info" layout of the patient-to-trial benchmarks). Either way the result is a
//! [`Record`]: the validated [`Study`], the raw JSON exactly as received, and the
//! [`SourceFormat`] it came in, so a later parser upgrade can re-derive everything from the raw
//! text. Validation is strict about what a trial page or a matcher cannot do without (an
//! NCT id, a title, readable ages and dates) and lenient about everything else: a
//! [`RecordError`] names the field and the value that is wrong.
//!
//! Small value types live beside the model: [`NctId`], [`Age`] (`"18 Years"`), and
//! [`PartialDate`] (`"2025-08"`), all of which parse the registry's spellings.
//!
//! This crate does no I/O: readers of files, archives and the live API live in `ingest`.
//!
//! ```
//! let json = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT00000410",
//!   "briefTitle":"Spine Patient Outcomes Research Trial"},"statusModule":{"overallStatus":"COMPLETED"},
//!   "eligibilityModule":{"minimumAge":"18 Years","sex":"ALL"}}}"#;
//! let record = ctgov::Record::from_api_json(json).unwrap();
//! assert_eq!(record.nct_id.as_str(), "NCT00000410");
//! assert_eq!(record.study.minimum_age().unwrap().unwrap().in_years(), 18.0);
//! ```

mod model;
mod trial_info;
mod values;

pub use model::*;
pub use trial_info::{TrialInfo, join_criteria_parts};
pub use values::{Age, AgeUnit, NctId, PartialDate};

use serde::{Deserialize, Serialize};

/// Why a record was not accepted. Each variant names the field and, where there is one, the
/// offending value, so a person can find and fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a study record: {0}")]
    Shape(String),
    #[error("NCT id missing")]
    MissingNctId,
    #[error("NCT id '{0}' is not of the form NCT followed by 8 digits")]
    BadNctId(String),
    #[error("{0} missing")]
    MissingField(&'static str),
    #[error("{field} '{value}' is not an age (expected e.g. '18 Years', '6 Months')")]
    BadAge { field: &'static str, value: String },
    #[error("{field} '{value}' is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)")]
    BadDate { field: &'static str, value: String },
}

/// Where a record came from; stored with the raw text so it can be re-read later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// ClinicalTrials.gov API v2 study JSON.
    CtgovV2,
    /// The benchmark "trial_info" flat layout.
    TrialInfo,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::CtgovV2 => "ctgov_v2",
            SourceFormat::TrialInfo => "trial_info",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ctgov_v2" => Some(SourceFormat::CtgovV2),
            "trial_info" => Some(SourceFormat::TrialInfo),
            _ => None,
        }
    }
}

/// A validated record: the typed study plus the raw text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub nct_id: NctId,
    pub study: Study,
    /// The record exactly as received (one JSON value, compact).
    pub raw: String,
    pub format: SourceFormat,
}

impl Record {
    /// Reads one API v2 study object.
    pub fn from_api_json(text: &str) -> Result<Record, RecordError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| RecordError::Json(e.to_string()))?;
        Record::from_api_value(value)
    }

    /// Reads one API v2 study from an already-parsed JSON value.
    pub fn from_api_value(value: serde_json::Value) -> Result<Record, RecordError> {
        if !value.is_object() {
            return Err(RecordError::Shape("expected a JSON object".into()));
        }
        if value.get("protocolSection").is_none() {
            return Err(RecordError::Shape("no protocolSection".into()));
        }
        let raw = value.to_string();
        let study: Study =
            serde_json::from_value(value).map_err(|e| RecordError::Shape(e.to_string()))?;
        let nct_id = study.validate()?;
        // Every registry record has a title; the benchmark layout often does not, and there a
        // page falls back to the NCT id rather than rejecting the trial.
        if study.brief_title().trim().is_empty() {
            return Err(RecordError::MissingField("briefTitle"));
        }
        Ok(Record {
            nct_id,
            study,
            raw,
            format: SourceFormat::CtgovV2,
        })
    }

    /// Reads one benchmark "trial_info" record and maps it onto the API v2 model.
    pub fn from_trial_info(text: &str) -> Result<Record, RecordError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| RecordError::Json(e.to_string()))?;
        Record::from_trial_info_value(value)
    }

    pub fn from_trial_info_value(value: serde_json::Value) -> Result<Record, RecordError> {
        let raw = value.to_string();
        let info: TrialInfo =
            serde_json::from_value(value).map_err(|e| RecordError::Shape(e.to_string()))?;
        let study = info.into_study()?;
        let nct_id = study.validate()?;
        Ok(Record {
            nct_id,
            study,
            raw,
            format: SourceFormat::TrialInfo,
        })
    }

    /// Re-derives a record from what the store kept: the raw text and its format.
    pub fn from_stored(raw: &str, format: SourceFormat) -> Result<Record, RecordError> {
        match format {
            SourceFormat::CtgovV2 => Record::from_api_json(raw),
            SourceFormat::TrialInfo => Record::from_trial_info(raw),
        }
    }
}

impl Study {
    /// Checks what every consumer relies on and returns the record's NCT id.
    pub fn validate(&self) -> Result<NctId, RecordError> {
        let id = &self.protocol_section.identification_module;
        if id.nct_id.trim().is_empty() {
            return Err(RecordError::MissingNctId);
        }
        let nct_id = NctId::parse(&id.nct_id)?;
        self.minimum_age()?;
        self.maximum_age()?;
        let status = &self.protocol_section.status_module;
        let dates: [(&'static str, Option<&str>); 6] = [
            (
                "startDate",
                status.start_date_struct.as_ref().map(|d| d.date.as_str()),
            ),
            (
                "primaryCompletionDate",
                status
                    .primary_completion_date_struct
                    .as_ref()
                    .map(|d| d.date.as_str()),
            ),
            (
                "completionDate",
                status
                    .completion_date_struct
                    .as_ref()
                    .map(|d| d.date.as_str()),
            ),
            (
                "studyFirstSubmitDate",
                status.study_first_submit_date.as_deref(),
            ),
            (
                "lastUpdatePostDate",
                status
                    .last_update_post_date_struct
                    .as_ref()
                    .map(|d| d.date.as_str()),
            ),
            ("statusVerifiedDate", status.status_verified_date.as_deref()),
        ];
        for (field, value) in dates {
            if let Some(v) = value {
                PartialDate::parse(v).ok_or_else(|| RecordError::BadDate {
                    field,
                    value: v.to_string(),
                })?;
            }
        }
        if let Some(pos) = self.locations().iter().position(|l| {
            l.geo_point
                .is_some_and(|g| !(g.lat.abs() <= 90.0 && g.lon.abs() <= 180.0))
        }) {
            return Err(RecordError::Shape(format!(
                "location {} has a geoPoint outside the globe",
                pos + 1
            )));
        }
        Ok(nct_id)
    }

    pub fn nct_id(&self) -> &str {
        &self.protocol_section.identification_module.nct_id
    }

    pub fn brief_title(&self) -> &str {
        &self.protocol_section.identification_module.brief_title
    }

    /// The brief title, or the NCT id when the source gave no title.
    pub fn display_title(&self) -> &str {
        let title = self.brief_title().trim();
        if title.is_empty() {
            self.nct_id()
        } else {
            title
        }
    }

    pub fn overall_status(&self) -> &str {
        &self.protocol_section.status_module.overall_status
    }

    pub fn brief_summary(&self) -> Option<&str> {
        self.protocol_section
            .description_module
            .as_ref()?
            .brief_summary
            .as_deref()
    }

    pub fn eligibility(&self) -> Option<&EligibilityModule> {
        self.protocol_section.eligibility_module.as_ref()
    }

    pub fn eligibility_criteria(&self) -> Option<&str> {
        self.eligibility()?.eligibility_criteria.as_deref()
    }

    /// The lower age bound; `Ok(None)` when the registry sets none.
    pub fn minimum_age(&self) -> Result<Option<Age>, RecordError> {
        parse_age_field(
            "minimumAge",
            self.eligibility().and_then(|e| e.minimum_age.as_deref()),
        )
    }

    /// The upper age bound; `Ok(None)` when the registry sets none.
    pub fn maximum_age(&self) -> Result<Option<Age>, RecordError> {
        parse_age_field(
            "maximumAge",
            self.eligibility().and_then(|e| e.maximum_age.as_deref()),
        )
    }

    /// `ALL`, `FEMALE`, `MALE`, or `None` when not given.
    pub fn sex(&self) -> Option<&str> {
        self.eligibility()?.sex.as_deref()
    }

    pub fn conditions(&self) -> &[String] {
        self.protocol_section
            .conditions_module
            .as_ref()
            .map_or(&[], |c| &c.conditions)
    }

    pub fn keywords(&self) -> &[String] {
        self.protocol_section
            .conditions_module
            .as_ref()
            .map_or(&[], |c| &c.keywords)
    }

    pub fn phases(&self) -> &[String] {
        self.protocol_section
            .design_module
            .as_ref()
            .map_or(&[], |d| &d.phases)
    }

    pub fn study_type(&self) -> Option<&str> {
        self.protocol_section
            .design_module
            .as_ref()?
            .study_type
            .as_deref()
    }

    pub fn lead_sponsor(&self) -> Option<&Sponsor> {
        self.protocol_section
            .sponsor_collaborators_module
            .as_ref()?
            .lead_sponsor
            .as_ref()
    }

    pub fn interventions(&self) -> &[Intervention] {
        self.protocol_section
            .arms_interventions_module
            .as_ref()
            .map_or(&[], |a| &a.interventions)
    }

    pub fn locations(&self) -> &[Location] {
        self.protocol_section
            .contacts_locations_module
            .as_ref()
            .map_or(&[], |c| &c.locations)
    }

    pub fn central_contacts(&self) -> &[Contact] {
        self.protocol_section
            .contacts_locations_module
            .as_ref()
            .map_or(&[], |c| &c.central_contacts)
    }

    /// The registry's date of the record's last posted update (`YYYY-MM-DD`), used to decide
    /// which of two copies of a trial is newer.
    pub fn last_update_post_date(&self) -> Option<PartialDate> {
        let d = self
            .protocol_section
            .status_module
            .last_update_post_date_struct
            .as_ref()?;
        PartialDate::parse(&d.date)
    }

    /// Condition MeSH terms followed by their ancestors, as the registry derived them.
    pub fn condition_meshes(&self) -> impl Iterator<Item = &MeshTerm> {
        self.derived_section
            .as_ref()
            .and_then(|d| d.condition_browse_module.as_ref())
            .into_iter()
            .flat_map(|b| b.meshes.iter().chain(b.ancestors.iter()))
    }

    pub fn intervention_meshes(&self) -> impl Iterator<Item = &MeshTerm> {
        self.derived_section
            .as_ref()
            .and_then(|d| d.intervention_browse_module.as_ref())
            .into_iter()
            .flat_map(|b| b.meshes.iter().chain(b.ancestors.iter()))
    }
}

fn parse_age_field(field: &'static str, value: Option<&str>) -> Result<Option<Age>, RecordError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Age::parse(v).map(Some).ok_or_else(|| RecordError::BadAge {
            field,
            value: v.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT01234567","briefTitle":"A trial"},"statusModule":{"overallStatus":"RECRUITING"}}}"#;

    #[test]
    fn accepts_a_minimal_record_and_keeps_raw_text() {
        let r = Record::from_api_json(MINIMAL).unwrap();
        assert_eq!(r.nct_id.as_str(), "NCT01234567");
        assert_eq!(r.study.overall_status(), "RECRUITING");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&r.raw).unwrap()["protocolSection"]["identificationModule"]
                ["briefTitle"],
            "A trial"
        );
    }

    #[test]
    fn names_what_is_wrong() {
        let no_id = MINIMAL.replace(r#""nctId":"NCT01234567","#, "");
        assert_eq!(
            Record::from_api_json(&no_id).unwrap_err(),
            RecordError::MissingNctId
        );
        let bad_id = MINIMAL.replace("NCT01234567", "NCT123");
        assert!(
            Record::from_api_json(&bad_id)
                .unwrap_err()
                .to_string()
                .contains("'NCT123'")
        );
        let bad_age = MINIMAL.replace(
            r#""statusModule""#,
            r#""eligibilityModule":{"minimumAge":"abc"},"statusModule""#,
        );
        assert_eq!(
            Record::from_api_json(&bad_age).unwrap_err().to_string(),
            "minimumAge 'abc' is not an age (expected e.g. '18 Years', '6 Months')"
        );
        assert!(matches!(
            Record::from_api_json("{\"protocolSection\":"),
            Err(RecordError::Json(_))
        ));
        assert!(matches!(
            Record::from_api_json("[1]"),
            Err(RecordError::Shape(_))
        ));
    }

    #[test]
    fn rejects_impossible_dates() {
        let bad = MINIMAL.replace(
            r#""overallStatus":"RECRUITING""#,
            r#""overallStatus":"RECRUITING","startDateStruct":{"date":"2025-13-01"}"#,
        );
        assert!(matches!(
            Record::from_api_json(&bad).unwrap_err(),
            RecordError::BadDate {
                field: "startDate",
                ..
            }
        ));
    }

    #[test]
    fn labels_read_like_words() {
        assert_eq!(status_label("NOT_YET_RECRUITING"), "Not yet recruiting");
        assert_eq!(status_label("RECRUITING"), "Recruiting");
        assert_eq!(phase_label("PHASE2"), "Phase 2");
        assert_eq!(phase_label("EARLY_PHASE1"), "Early phase 1");
    }
}
