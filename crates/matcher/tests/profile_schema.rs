//! The committed JSON Schema documents the profile model exactly, and the example profiles
//! (the shapes users send to `trialbridge match --patient` and `POST /api/match`) fit it.

use std::path::PathBuf;

use matcher::{PatientProfile, profile_from_json};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_matches_the_model() {
    let path = manifest_dir().join("patient-profile.schema.json");
    let generated = serde_json::to_string_pretty(&PatientProfile::json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed =
        std::fs::read_to_string(&path).expect("patient-profile.schema.json is committed");
    assert_eq!(
        committed, generated,
        "the profile model changed: regenerate with UPDATE_SCHEMA=1 cargo test -p matcher --test profile_schema"
    );
}

#[test]
fn example_profiles_fit_the_model_and_the_schema() {
    let schema = PatientProfile::json_schema();
    let properties = schema["properties"]
        .as_object()
        .expect("schema lists properties");
    let dir = manifest_dir().join("tests/data/profiles");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let profile =
            profile_from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in value.as_object().unwrap().keys() {
            assert!(
                properties.contains_key(key),
                "{}: '{key}' is not in the schema",
                path.display()
            );
        }
        // Round trip: what the model writes back reads the same.
        let again: PatientProfile =
            serde_json::from_str(&serde_json::to_string(&profile).unwrap()).unwrap();
        assert_eq!(again, profile);
        seen += 1;
    }
    assert!(
        seen >= 3,
        "expected the example profiles under tests/data/profiles"
    );
}

#[test]
fn a_misspelled_field_is_an_error_not_silence() {
    let err =
        profile_from_json(r#"{"age_years": 50, "diagnosis": [{"text": "asthma"}]}"#).unwrap_err();
    assert!(err.to_string().contains("diagnosis"));
}
