//! Biomarker readings: markers written out in full read as their usual short names.

use criteria::*;

fn markers(text: &str) -> Vec<(String, Option<BiomarkerStatus>)> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Biomarker { marker, status, .. } => Some((marker.clone(), *status)),
            _ => None,
        })
        .collect()
}

#[test]
fn receptors_written_out_in_full_are_the_usual_markers() {
    use BiomarkerStatus::*;
    assert_eq!(
        markers(
            "Inclusion Criteria:\n* Patients with confirmed hormone receptor-positive/human epidermal growth factor receptor 2-negative breast cancer;\n"
        ),
        vec![
            ("HR".to_string(), Some(Positive)),
            ("HER2".to_string(), Some(Negative))
        ]
    );
    assert_eq!(
        markers(
            "Inclusion Criteria:\n* Estrogen receptor positive and progesterone receptor negative tumour\n"
        ),
        vec![
            ("ER".to_string(), Some(Positive)),
            ("PR".to_string(), Some(Negative))
        ]
    );
    // A receptor named with no status is no biomarker rule ("selective estrogen receptor modulators").
    assert!(
        markers("Exclusion Criteria:\n* Use of selective estrogen receptor modulators\n")
            .is_empty()
    );
}
