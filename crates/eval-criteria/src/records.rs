//! Reading eligibility texts and structured ages from the registry data files.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use serde_json::Value;

use crate::EvalError;

/// One trial's eligibility text with its structured age limits (in years).
#[derive(Debug, Clone)]
pub struct EligibilityRecord {
    pub nct_id: String,
    pub text: String,
    pub minimum_age_years: Option<f64>,
    pub maximum_age_years: Option<f64>,
    /// A missing structured bound means "no limit" (API v2), rather than "not recorded".
    pub absent_means_no_limit: bool,
}

/// Parses "18 Years", "6 Months", "18.0", "N/A".
pub fn parse_age_years(s: &str) -> Option<f64> {
    let s = s.trim();
    let mut parts = s.split_whitespace();
    let v: f64 = parts.next()?.parse().ok()?;
    let unit = parts.next().unwrap_or("years").to_lowercase();
    let per_year = if unit.starts_with("month") {
        12.0
    } else if unit.starts_with("week") {
        365.25 / 7.0
    } else if unit.starts_with("day") {
        365.25
    } else if unit.starts_with("hour") {
        365.25 * 24.0
    } else if unit.starts_with("minute") {
        365.25 * 24.0 * 60.0
    } else {
        1.0
    };
    Some(v / per_year)
}

fn lines(path: &Path) -> Result<impl Iterator<Item = (usize, std::io::Result<String>)>, EvalError> {
    let file = std::fs::File::open(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    Ok(BufReader::new(reader).lines().enumerate())
}

fn json_err(path: &Path, line: usize, message: impl ToString) -> EvalError {
    EvalError::Json {
        path: PathBuf::from(path),
        line: line + 1,
        message: message.to_string(),
    }
}

/// Reads API v2 study objects, one per line (`ctgov/v2/studies.jsonl.gz`).
pub fn read_api_v2(path: &Path) -> Result<Vec<EligibilityRecord>, EvalError> {
    let mut out = Vec::new();
    for (i, line) in lines(path)? {
        let line = line.map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| json_err(path, i, e))?;
        let p = &v["protocolSection"];
        let e = &p["eligibilityModule"];
        let min = e["minimumAge"].as_str();
        let max = e["maximumAge"].as_str();
        out.push(EligibilityRecord {
            nct_id: p["identificationModule"]["nctId"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            text: e["eligibilityCriteria"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            minimum_age_years: min.and_then(parse_age_years),
            maximum_age_years: max.and_then(parse_age_years),
            // API v2 leaves a field out when there is no limit.
            absent_means_no_limit: true,
        });
    }
    Ok(out)
}

/// Reads `trials/trials_normalized.jsonl.gz`: `raw_criteria`, or the inclusion and exclusion
/// parts joined under their headings.
pub fn read_normalized(path: &Path) -> Result<Vec<EligibilityRecord>, EvalError> {
    let mut out = Vec::new();
    for (i, line) in lines(path)? {
        let line = line.map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| json_err(path, i, e))?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().trim().to_string();
        let raw = s("raw_criteria");
        let text = if !raw.is_empty() {
            raw
        } else {
            ctgov::join_criteria_parts(&s("inclusion_criteria"), &s("exclusion_criteria"))
        };
        let min = s("minimum_age");
        let max = s("maximum_age");
        let source = s("source_format");
        out.push(EligibilityRecord {
            nct_id: s("nct_id"),
            text,
            minimum_age_years: parse_age_years(&min),
            maximum_age_years: parse_age_years(&max),
            // Only API v2 records say "no limit" by leaving a field out; other sources just lack it.
            absent_means_no_limit: source == "ctgov_api_v2",
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_age_years;

    #[test]
    fn registry_age_spellings() {
        assert_eq!(parse_age_years("18 Years"), Some(18.0));
        assert_eq!(parse_age_years("18.0"), Some(18.0));
        assert_eq!(parse_age_years("6 Months"), Some(0.5));
        assert_eq!(parse_age_years("N/A"), None);
        assert_eq!(parse_age_years(""), None);
    }
}
