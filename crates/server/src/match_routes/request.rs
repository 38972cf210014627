//! Reading and checking a match request: the JSON body of `POST /api/match`, and the limits
//! every way in shares (note length, plausible values).

use matcher::PatientProfile;
use matcher::profile::Location;
use serde_json::Value;

/// The longest note accepted, in characters (clinical notes are a few thousand).
pub const MAX_NOTE_CHARS: usize = 20_000;
/// The largest `/api/match` body read; larger ones get a 413 naming the limit.
pub const MAX_API_BODY_BYTES: usize = 256 * 1024;
pub const DEFAULT_TOP: usize = 10;
pub const MAX_TOP: usize = 100;
/// The largest distance limit accepted, in km: half the Earth's circumference, beyond which
/// every place is nearer.
pub const MAX_DISTANCE_KM: f64 = 20_040.0;

/// What the patient gave.
#[derive(Debug, Clone)]
pub enum MatchInput {
    /// Boxed: a profile is large beside a note.
    Profile(Box<PatientProfile>),
    Note(String),
}

#[derive(Debug, Clone)]
pub struct MatchRequest {
    pub input: MatchInput,
    pub top: usize,
    /// Keep only trials with a site this near the patient's location, in km.
    pub max_distance_km: Option<f64>,
    /// Where the patient is, given beside the note or profile; replaces a profile's own.
    pub location: Option<Location>,
}

/// The request's own `"location"`: one line ("Boston, MA, USA", "02115") or an object in the
/// profile's `Location` form. It is where the patient is when the input is a note (a note's
/// text is not searched for an address), and it replaces a profile's own location.
fn request_location(value: &Value) -> Result<Location, String> {
    match value {
        Value::String(text) if !text.trim().is_empty() && text.chars().count() <= 200 => {
            Ok(super::location::location_from_text(text))
        }
        Value::Object(_) => serde_json::from_value(value.clone())
            .map_err(|e| format!(r#""location" is not a location: {e}."#)),
        _ => Err(r#""location" must be a place on one line ("Boston, MA, USA", "02115"; at most 200 characters) or an object with city, country, postal_code, latitude, longitude."#.into()),
    }
}

/// Parses the body of `POST /api/match`; the error names what is wrong.
pub fn parse_api_request(body: &[u8]) -> Result<MatchRequest, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            r#"The request body is empty. Send {"profile": {...}} or {"note": "..."}."#.into(),
        );
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("The request body is not valid JSON: {e}."))?;
    let Value::Object(map) = value else {
        return Err(
            r#"The request body must be a JSON object: {"profile": {...}} or {"note": "..."}."#
                .into(),
        );
    };
    if let Some(key) = map.keys().find(|k| {
        !matches!(
            k.as_str(),
            "profile" | "note" | "top" | "max_distance_km" | "location"
        )
    }) {
        return Err(format!(
            r#"Unknown field "{}": expected "profile", "note" and optionally "top", "max_distance_km" and "location"."#,
            truncate(key, 60)
        ));
    }
    let top = match map.get("top") {
        None | Some(Value::Null) => DEFAULT_TOP,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_TOP as u64).contains(&n) => n as usize,
            _ => {
                return Err(format!(
                    r#""top" must be a whole number from 1 to {MAX_TOP}."#
                ));
            }
        },
    };
    let max_distance_km = match map.get("max_distance_km") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_f64()
                .and_then(|km| check_distance(km).ok())
                .ok_or_else(|| {
                    format!(
                        r#""max_distance_km" must be a number of kilometres above 0 and at most {MAX_DISTANCE_KM}."#
                    )
                })?,
        ),
    };
    let location = match map.get("location") {
        None | Some(Value::Null) => None,
        Some(v) => Some(request_location(v)?),
    };
    let input = match (map.get("profile"), map.get("note")) {
        (Some(_), Some(_)) => return Err(r#"Send either "profile" or "note", not both."#.into()),
        (None, None) => {
            return Err(
                r#"The request needs "profile" (a patient profile) or "note" (a clinical note)."#
                    .into(),
            );
        }
        (Some(p), None) => {
            if !p.is_object() {
                return Err(r#""profile" must be a JSON object (see crates/matcher/patient-profile.schema.json)."#.into());
            }
            let profile: PatientProfile = serde_json::from_value(p.clone()).map_err(|e| {
                format!("The profile does not fit the patient profile schema: {e}.")
            })?;
            check_profile(&profile).map_err(|e| {
                format!("The profile does not fit the patient profile schema: {e}.")
            })?;
            MatchInput::Profile(Box::new(profile))
        }
        (None, Some(n)) => {
            let Some(note) = n.as_str() else {
                return Err(r#""note" must be a string."#.into());
            };
            MatchInput::Note(check_note(note)?.to_string())
        }
    };
    Ok(MatchRequest {
        input,
        top,
        max_distance_km,
        location,
    })
}

/// A distance limit is a positive number of kilometres no larger than any distance on Earth.
pub fn check_distance(km: f64) -> Result<f64, String> {
    if km.is_finite() && km > 0.0 && km <= MAX_DISTANCE_KM {
        Ok(km)
    } else {
        Err(format!(
            "the distance must be above 0 and at most {MAX_DISTANCE_KM} km"
        ))
    }
}

/// A note is non-empty and bounded.
pub fn check_note(note: &str) -> Result<&str, String> {
    let trimmed = note.trim();
    if trimmed.is_empty() {
        return Err(
            "The note is empty: describe the patient (age, sex, conditions, treatments).".into(),
        );
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NOTE_CHARS {
        return Err(format!(
            "The note is too long ({chars} characters; at most {MAX_NOTE_CHARS})."
        ));
    }
    Ok(trimmed)
}

/// Values the schema's types allow but no patient has.
pub fn check_profile(p: &PatientProfile) -> Result<(), String> {
    if let Some(age) = p.age_years
        && !(0.0..=130.0).contains(&age)
    {
        return Err(format!("age_years {age} is outside 0–130"));
    }
    if let Some(born) = &p.birth_date
        && matcher::Date::parse(born).is_none()
    {
        return Err(format!(
            "birth_date \"{}\" is not a date YYYY-MM-DD",
            truncate(born, 40)
        ));
    }
    if let Some(ecog) = p.ecog
        && ecog > 5
    {
        return Err(format!("ecog {ecog} is outside 0–5"));
    }
    if let Some(k) = p.karnofsky
        && k > 100
    {
        return Err(format!("karnofsky {k} is outside 0–100"));
    }
    if let Some(note) = &p.note
        && note.chars().count() > MAX_NOTE_CHARS
    {
        return Err(format!("note is longer than {MAX_NOTE_CHARS} characters"));
    }
    Ok(())
}

/// At most `max` characters of `s`, with an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        parse_api_request(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn reads_a_profile_or_a_note() {
        let r = parse_api_request(br#"{"profile": {"age_years": 60, "sex": "female"}, "top": 3}"#)
            .unwrap();
        assert_eq!(r.top, 3);
        assert_eq!(r.max_distance_km, None);
        let MatchInput::Profile(p) = r.input else {
            panic!("expected a profile")
        };
        assert_eq!(p.age_years, Some(60.0));
        let r =
            parse_api_request(br#"{"note": "  A 40-year-old man.  ", "max_distance_km": 80.5}"#)
                .unwrap();
        assert_eq!(r.max_distance_km, Some(80.5));
        assert_eq!(r.top, DEFAULT_TOP);
        assert!(matches!(r.input, MatchInput::Note(n) if n == "A 40-year-old man."));
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert!(err("").contains("empty"));
        assert!(err("{not json").contains("not valid JSON"));
        assert!(err("[1]").contains("JSON object"));
        assert!(err(r#"{"patient": {}}"#).contains(r#"Unknown field "patient""#));
        assert!(err(r#"{"note": "x", "profile": {}}"#).contains("not both"));
        assert!(err(r#"{"top": 5}"#).contains("needs"));
        assert!(err(r#"{"note": "   "}"#).contains("note is empty"));
        assert!(err(r#"{"note": 5}"#).contains("must be a string"));
        assert!(err(r#"{"note": "x", "top": 0}"#).contains("top"));
        assert!(err(r#"{"note": "x", "max_distance_km": 0}"#).contains("max_distance_km"));
        assert!(err(r#"{"note": "x", "max_distance_km": "far"}"#).contains("max_distance_km"));
        assert!(err(r#"{"profile": {"age": 40}}"#).contains("unknown field `age`"));
        assert!(err(r#"{"profile": {"sex": "other"}}"#).contains("unknown variant"));
        assert!(err(r#"{"profile": {"ecog": 7}}"#).contains("ecog 7"));
        assert!(err(r#"{"profile": {"age_years": -3}}"#).contains("age_years"));
        let long = format!(r#"{{"note": "{}"}}"#, "a".repeat(MAX_NOTE_CHARS + 1));
        assert!(err(&long).contains("too long"));
    }
}
