//! Age self-consistency: do the age bounds stated in the criteria text agree with the record's
//! structured minimum / maximum age?
//!
//! **Definition.** For each record, the text's age rules are combined into one allowed range with
//! [`criteria::ParsedCriteria::age_range`] (exclusion bounds turned around). A record is *covered*
//! when the text states at least one age bound. Each stated bound is *comparable* when the record
//! has the matching structured field, or when the source says "no limit" by leaving the field out
//! (API v2). A comparable bound *agrees* when the two values are equal within 0.01 year after unit
//! conversion (months, weeks, days → years). A record agrees when all its comparable bounds agree.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::EvalError;
use crate::records::{EligibilityRecord, read_api_v2, read_normalized};

/// Which reader a file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordFile {
    /// `ctgov/v2/studies.jsonl.gz`.
    ApiV2,
    /// `trials/trials_normalized.jsonl.gz`.
    Normalized,
}

/// One disagreement, for inspection.
#[derive(Debug, Clone, Serialize)]
pub struct AgeDisagreement {
    pub nct_id: String,
    pub text_min_years: Option<f64>,
    pub text_max_years: Option<f64>,
    pub structured_min_years: Option<f64>,
    pub structured_max_years: Option<f64>,
}

/// Results for one file.
#[derive(Debug, Clone, Serialize)]
pub struct AgeFileReport {
    pub path: PathBuf,
    pub records: usize,
    pub records_with_text: usize,
    /// Records whose text states an age bound.
    pub covered: usize,
    /// `covered / records_with_text`.
    pub coverage: f64,
    /// Covered records with at least one comparable bound.
    pub compared_records: usize,
    pub agreeing_records: usize,
    /// `agreeing_records / compared_records`.
    pub agreement: f64,
    pub compared_bounds: usize,
    pub agreeing_bounds: usize,
    pub bound_agreement: f64,
    /// The first disagreements (up to 25).
    pub disagreements: Vec<AgeDisagreement>,
}

/// Results for all files.
#[derive(Debug, Clone, Serialize)]
pub struct AgeReport {
    pub files: Vec<AgeFileReport>,
}

/// How many disagreements a report keeps for inspection.
const DISAGREEMENTS_KEPT: usize = 25;

/// Every disagreement of one file, each with the age evidence the parser used (for error
/// analysis: `eval-criteria ages-list`).
pub fn list_disagreements(records: &[EligibilityRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for rec in records {
        let r = score(Path::new(""), std::slice::from_ref(rec));
        if r.compared_records == 1 && r.agreeing_records == 0 {
            let d = &r.disagreements[0];
            let parsed = criteria::parse(&rec.text);
            let evidence: Vec<String> = parsed
                .criteria
                .iter()
                .filter(|c| {
                    c.rules
                        .iter()
                        .any(|r| matches!(r.body, criteria::RuleBody::Age { .. }))
                })
                .map(|c| format!("[{:?}] {}", c.section, c.text.replace('\n', " ")))
                .collect();
            out.push(format!(
                "{} text [{:?}, {:?}] vs structured [{:?}, {:?}] :: {}",
                d.nct_id,
                d.text_min_years,
                d.text_max_years,
                d.structured_min_years,
                d.structured_max_years,
                evidence.join(" || ")
            ));
        }
    }
    out
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.01
}

/// Scores one set of records.
pub fn score(path: &Path, records: &[EligibilityRecord]) -> AgeFileReport {
    let mut r = AgeFileReport {
        path: path.to_path_buf(),
        records: records.len(),
        records_with_text: 0,
        covered: 0,
        coverage: 0.0,
        compared_records: 0,
        agreeing_records: 0,
        agreement: 0.0,
        compared_bounds: 0,
        agreeing_bounds: 0,
        bound_agreement: 0.0,
        disagreements: Vec::new(),
    };
    for rec in records {
        if rec.text.trim().is_empty() {
            continue;
        }
        r.records_with_text += 1;
        let Some(range) = criteria::parse(&rec.text).age_range() else {
            continue;
        };
        if range.min_years.is_none() && range.max_years.is_none() {
            continue;
        }
        r.covered += 1;
        let mut compared = 0;
        let mut agreed = 0;
        for (text, structured, exclusive, step) in [
            (
                range.min_years,
                rec.minimum_age_years,
                range.min_exclusive,
                1.0,
            ),
            (
                range.max_years,
                rec.maximum_age_years,
                range.max_exclusive,
                -1.0,
            ),
        ] {
            let Some(t) = text else { continue };
            match structured {
                Some(s) => {
                    compared += 1;
                    // "older than 18" may be registered as 18 or 19; "younger than 65" as 65 or 64.
                    agreed += (close(t, s) || exclusive && close(t + step, s)) as usize;
                }
                None if rec.absent_means_no_limit => compared += 1,
                None => {}
            }
        }
        if compared == 0 {
            continue;
        }
        r.compared_records += 1;
        r.compared_bounds += compared;
        r.agreeing_bounds += agreed;
        if agreed == compared {
            r.agreeing_records += 1;
        } else if r.disagreements.len() < DISAGREEMENTS_KEPT {
            r.disagreements.push(AgeDisagreement {
                nct_id: rec.nct_id.clone(),
                text_min_years: range.min_years,
                text_max_years: range.max_years,
                structured_min_years: rec.minimum_age_years,
                structured_max_years: rec.maximum_age_years,
            });
        }
    }
    r.coverage = ratio(r.covered, r.records_with_text);
    r.agreement = ratio(r.agreeing_records, r.compared_records);
    r.bound_agreement = ratio(r.agreeing_bounds, r.compared_bounds);
    r
}

/// Reads each file with its reader and scores it.
pub fn self_consistency(files: &[(&Path, RecordFile)]) -> Result<AgeReport, EvalError> {
    let mut out = Vec::new();
    for (path, kind) in files {
        let records = match kind {
            RecordFile::ApiV2 => read_api_v2(path)?,
            RecordFile::Normalized => read_normalized(path)?,
        };
        if records.is_empty() {
            return Err(EvalError::Empty {
                path: path.to_path_buf(),
            });
        }
        out.push(score(path, &records));
    }
    Ok(AgeReport { files: out })
}

impl fmt::Display for AgeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Age self-consistency (text age bounds vs structured minimum/maximum age)"
        )?;
        writeln!(
            f,
            "{:<42} {:>7} {:>9} {:>8} {:>9} {:>9} {:>9} {:>10}",
            "file",
            "records",
            "with text",
            "covered",
            "coverage",
            "compared",
            "agreement",
            "bound agr."
        )?;
        for r in &self.files {
            let name = r
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            writeln!(
                f,
                "{:<42} {:>7} {:>9} {:>8} {:>8.1}% {:>9} {:>8.1}% {:>9.1}%",
                name,
                r.records,
                r.records_with_text,
                r.covered,
                100.0 * r.coverage,
                r.compared_records,
                100.0 * r.agreement,
                100.0 * r.bound_agreement
            )?;
        }
        for r in &self.files {
            if r.disagreements.is_empty() {
                continue;
            }
            let name = r
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            writeln!(f, "first disagreements in {name}:")?;
            for d in r.disagreements.iter().take(10) {
                writeln!(
                    f,
                    "  {} text [{:?}, {:?}] vs structured [{:?}, {:?}]",
                    d.nct_id,
                    d.text_min_years,
                    d.text_max_years,
                    d.structured_min_years,
                    d.structured_max_years
                )?;
            }
        }
        Ok(())
    }
}
