//! Prints one JSON rule per rule kind, from short real-style criteria (used for README.md).
//!
//! `cargo run -p criteria --example json_examples`
fn main() {
    let samples = [
        (
            "age",
            "Inclusion Criteria:\n* Age range: 14 to 65 years old",
        ),
        ("sex", "Inclusion Criteria:\n* Postmenopausal women"),
        (
            "reproductive",
            "Inclusion Criteria:\n* Female participants of childbearing potential must have a negative pregnancy test within 7 days prior to infusion",
        ),
        (
            "condition",
            "Inclusion Criteria:\n* Histologically confirmed relapsed or refractory T-cell lymphoma, stage III-IV",
        ),
        ("biomarker", "Inclusion Criteria:\n* CD7 expression ≥ 10%"),
        (
            "lab",
            "Inclusion Criteria:\n* ALT ≤ 3 × ULN (≤ 5 × ULN if liver infiltration)",
        ),
        ("clinical_score", "Inclusion Criteria:\n* MMSE score ≥ 20"),
        (
            "performance_status",
            "Inclusion Criteria:\n* ECOG performance status 0-1",
        ),
        (
            "life_expectancy",
            "Inclusion Criteria:\n* Life expectancy > 3 months",
        ),
        ("organ_function", "Exclusion Criteria:\n* LVEF \\<50%"),
        (
            "prior_therapy",
            "Inclusion Criteria:\n* At least 2 prior lines of systemic therapy",
        ),
        (
            "transplant",
            "Exclusion Criteria:\n* Prior allogeneic stem cell transplantation",
        ),
        (
            "infection",
            "Exclusion Criteria:\n* Hepatitis B core antibody (HBc-Ab) positive with HBV-DNA above the upper limit of normal",
        ),
        (
            "autoimmune",
            "Exclusion Criteria:\n* Active autoimmune disease requiring systemic treatment",
        ),
        ("cns", "Exclusion Criteria:\n* Untreated brain metastases"),
        (
            "measurable_disease",
            "Inclusion Criteria:\n* Measurable disease per RECIST 1.1 (at least one lesion ≥ 10 mm)",
        ),
        (
            "allergy",
            "Exclusion Criteria:\n* Known hypersensitivity to rituximab",
        ),
        (
            "administrative",
            "Inclusion Criteria:\n* Signed informed consent",
        ),
        (
            "free_text",
            "Inclusion Criteria:\n* Able to swallow tablets",
        ),
    ];
    for (kind, text) in samples {
        let parsed = criteria::parse(text);
        let rule = parsed
            .rules()
            .find(|r| r.kind() == kind)
            .unwrap_or_else(|| panic!("no {kind} rule in {text:?}"));
        println!(
            "### `{kind}`\n\n{}\n\n```json\n{}\n```\n",
            text.lines().last().unwrap().trim_start_matches("* "),
            serde_json::to_string(rule).unwrap()
        );
        println!("Explained: {}\n", rule.explain());
    }
}
