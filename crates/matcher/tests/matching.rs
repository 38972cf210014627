//! Matching behaviour a user relies on: per-rule marks with citations, verdicts, ranking and the
//! eligibility questionnaire, on small hand-written trials.

use matcher::{
    FactKey, Mark, MatchOptions, PatientFacts, PatientProfile, RelevanceModel, TrialDocument,
    TrialFields, TrialSex, Verdict, evaluate, extract_profile, questionnaire, rank_trials,
};

const NSCLC_CRITERIA: &str = "Inclusion Criteria:
- Age 18 years or older
- Histologically confirmed non-small cell lung cancer
- ECOG performance status 0-1
- Hemoglobin >= 9 g/dL
- EGFR mutation positive
Exclusion Criteria:
- Pregnant or breastfeeding women
- Known HIV infection
- Prior treatment with immunotherapy
- History of stroke";

fn nsclc_trial() -> TrialDocument {
    TrialDocument::new(TrialFields {
        nct_id: "NCT90000001".into(),
        title: "Osimertinib Combination in EGFR-Mutant Non-Small Cell Lung Cancer".into(),
        conditions: vec!["Non-small Cell Lung Cancer".into()],
        criteria_text: NSCLC_CRITERIA.into(),
        ..Default::default()
    })
}

fn profile(json: &str) -> PatientProfile {
    matcher::profile_from_json(json).unwrap()
}

fn mark_of<'a>(
    e: &'a matcher::Eligibility,
    kind: &str,
    criterion_part: &str,
) -> &'a matcher::RuleMark {
    e.marks
        .iter()
        .find(|m| m.kind == kind && m.criterion.contains(criterion_part))
        .unwrap_or_else(|| panic!("no {kind} mark on '{criterion_part}' in {:#?}", e.marks))
}

#[test]
fn a_fitting_patient_is_likely_eligible_with_every_mark_cited() {
    let p = profile(
        r#"{"age_years": 63, "sex": "male",
            "diagnoses": [{"text": "NSCLC"}],
            "biomarkers": [{"name": "EGFR", "status": "positive"}],
            "labs": [{"name": "hemoglobin", "value": 11.2, "unit": "g/dL"}],
            "ecog": 1,
            "prior_therapies": [{"name": "immunotherapy", "received": false}],
            "infections": [{"name": "HIV", "status": "negative"}],
            "findings": [{"text": "stroke", "present": false}]}"#,
    );
    let trial = nsclc_trial();
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    let age = mark_of(&e, "age", "Age 18");
    assert_eq!(age.mark, Mark::Met);
    assert_eq!(age.patient_fact.as_deref(), Some("age 63"));
    assert_eq!(mark_of(&e, "condition", "non-small cell").mark, Mark::Met);
    assert_eq!(mark_of(&e, "performance_status", "ECOG").mark, Mark::Met);
    assert_eq!(mark_of(&e, "lab", "Hemoglobin").mark, Mark::Met);
    assert_eq!(mark_of(&e, "biomarker", "EGFR").mark, Mark::Met);
    assert_eq!(mark_of(&e, "infection", "HIV").mark, Mark::Met);
    assert_eq!(
        mark_of(&e, "prior_therapy", "immunotherapy").mark,
        Mark::Met
    );
    // A male patient is not asked about pregnancy.
    assert!(
        e.marks
            .iter()
            .filter(|m| m.kind == "reproductive")
            .all(|m| m.mark == Mark::Met)
    );
    assert_eq!(e.verdict, Verdict::LikelyEligible, "{:#?}", e.marks);
    for m in &e.marks {
        let (s, t) = m.span.expect("parsed rules carry their criterion span");
        assert_eq!(&NSCLC_CRITERIA[s..t], &*m.criterion);
    }
}

#[test]
fn one_failed_rule_makes_the_trial_not_eligible_and_says_why() {
    let p = profile(
        r#"{"age_years": 63, "diagnoses": [{"text": "non-small cell lung cancer"}], "ecog": 3,
            "labs": [{"name": "Hgb", "value": 95, "unit": "g/L"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &nsclc_trial());
    assert_eq!(e.verdict, Verdict::NotEligible);
    let ecog = mark_of(&e, "performance_status", "ECOG");
    assert_eq!(ecog.mark, Mark::NotMet);
    assert_eq!(ecog.patient_fact.as_deref(), Some("ECOG 3"));
    // 95 g/L is 9.5 g/dL: the unit is converted, and the rule is met.
    assert_eq!(mark_of(&e, "lab", "Hemoglobin").mark, Mark::Met);
}

#[test]
fn missing_facts_are_unknown_and_listed_as_the_deciding_ones() {
    let p = profile(
        r#"{"age_years": 58, "sex": "female", "diagnoses": [{"text": "lung adenocarcinoma"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &nsclc_trial());
    assert_eq!(e.verdict, Verdict::PossiblyEligible);
    assert!(e.deciding_unknowns.contains(&FactKey::PerformanceStatus));
    assert!(
        e.deciding_unknowns
            .contains(&FactKey::Lab("hemoglobin".into()))
    );
    assert!(
        e.deciding_unknowns
            .contains(&FactKey::Biomarker("EGFR".into()))
    );
    assert!(e.deciding_unknowns.contains(&FactKey::Pregnancy));
    // Known facts are not among them.
    assert!(!e.deciding_unknowns.contains(&FactKey::Age));
}

#[test]
fn registry_age_and_sex_limits_decide() {
    let trial = TrialDocument::new(TrialFields {
        nct_id: "NCT90000002".into(),
        title: "Pelvic Floor Training After Childbirth".into(),
        minimum_age_years: Some(18.0),
        maximum_age_years: Some(45.0),
        sex: Some(TrialSex::Female),
        ..Default::default()
    });
    let man = profile(r#"{"age_years": 30, "sex": "male"}"#);
    let older = profile(r#"{"age_years": 52, "sex": "female"}"#);
    let fits = profile(r#"{"age_years": 31, "sex": "female"}"#);
    assert_eq!(
        evaluate(&PatientFacts::new(&man, None), &trial).verdict,
        Verdict::NotEligible
    );
    assert_eq!(
        evaluate(&PatientFacts::new(&older, None), &trial).verdict,
        Verdict::NotEligible
    );
    assert_eq!(
        evaluate(&PatientFacts::new(&fits, None), &trial).verdict,
        Verdict::LikelyEligible
    );
}

#[test]
fn ranking_puts_the_patients_condition_first_and_ineligible_trials_lower() {
    let trials = vec![
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000010".into(),
            title: "Asthma Education in Schools".into(),
            conditions: vec!["Asthma".into()],
            criteria_text: "Inclusion Criteria:\n- Children with asthma\n".into(),
            ..Default::default()
        }),
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000011".into(),
            title: "Semaglutide in Type 2 Diabetes".into(),
            conditions: vec!["Type 2 Diabetes".into()],
            criteria_text: "Inclusion Criteria:\n- Type 2 diabetes mellitus\n- HbA1c 7-10%\n"
                .into(),
            minimum_age_years: Some(18.0),
            ..Default::default()
        }),
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000012".into(),
            title: "Insulin Pump Therapy in Adolescents With Type 2 Diabetes".into(),
            conditions: vec!["Type 2 Diabetes Mellitus".into()],
            criteria_text: "Inclusion Criteria:\n- Type 2 diabetes\n".into(),
            minimum_age_years: Some(12.0),
            maximum_age_years: Some(17.0),
            ..Default::default()
        }),
    ];
    let e = extract_profile("A 61-year-old man with T2DM, HbA1c 8.2%. He denies asthma.");
    let model = RelevanceModel::fit(&trials);
    let ranked = rank_trials(&e.profile, &trials, &model, &MatchOptions::default());
    let order: Vec<&str> = ranked.iter().map(|r| r.nct_id.as_str()).collect();
    assert_eq!(order, ["NCT90000011", "NCT90000012", "NCT90000010"]);
    assert_eq!(ranked[1].eligibility.verdict, Verdict::NotEligible);
    assert!(
        ranked[0]
            .relevance
            .matches
            .iter()
            .any(|m| m.concept == "type 2 diabetes" && m.field == "topic")
    );
}

#[test]
fn questionnaire_asks_only_what_is_unknown() {
    let trial = nsclc_trial();
    let blank = questionnaire(&trial, &PatientProfile::default(), None);
    let facts: Vec<&FactKey> = blank.questions.iter().map(|q| &q.fact).collect();
    assert_eq!(
        facts.first(),
        Some(&&FactKey::Age),
        "age and sex come first"
    );
    assert!(facts.contains(&&FactKey::PerformanceStatus));
    assert!(facts.contains(&&FactKey::Infection("hiv".into())));
    // Each fact is asked once even when several criteria turn on it.
    let mut dedup = facts.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), facts.len());

    let partly_known =
        profile(r#"{"age_years": 70, "sex": "male", "ecog": 0, "diagnoses": [{"text": "NSCLC"}]}"#);
    let q = questionnaire(&trial, &partly_known, None);
    assert!(q.questions.iter().all(|q| !matches!(
        q.fact,
        FactKey::Age | FactKey::Sex | FactKey::PerformanceStatus | FactKey::Pregnancy
    )));
    assert!(q.questions.len() < blank.questions.len());

    // Already ineligible on a known fact: nothing left to ask.
    let too_young = profile(r#"{"age_years": 12}"#);
    let q = questionnaire(&trial, &too_young, None);
    assert_eq!(q.verdict, Verdict::NotEligible);
    assert!(q.questions.is_empty());
}

#[test]
fn derived_and_measured_facts_decide_rules() {
    // Receptor status implies the breast cancer subtype.
    let tnbc_trial = TrialDocument::new(TrialFields {
        nct_id: "NCT90000020".into(),
        title: "Chemotherapy in Breast Cancer".into(),
        conditions: vec!["Breast Cancer".into()],
        criteria_text: "Inclusion Criteria:\n- Triple negative breast cancer\n".into(),
        ..Default::default()
    });
    let her2_positive = extract_profile(
        "definitive diagnosis: breast cancer; HER2: positive; hormone receptors: ER-, PR-",
    )
    .profile;
    let e = evaluate(&PatientFacts::new(&her2_positive, None), &tnbc_trial);
    assert_eq!(
        mark_of(&e, "condition", "Triple negative").mark,
        Mark::NotMet
    );
    let triple_negative = extract_profile(
        "definitive diagnosis: breast cancer; HER2: negative; hormone receptors: ER-, PR-",
    )
    .profile;
    let e = evaluate(&PatientFacts::new(&triple_negative, None), &tnbc_trial);
    assert_eq!(mark_of(&e, "condition", "Triple negative").mark, Mark::Met);

    // A measurement named differently in trial and profile ("IOP" / "intraocular pressure").
    let glaucoma_trial = TrialDocument::new(TrialFields {
        nct_id: "NCT90000021".into(),
        title: "Eye Drops in Open-Angle Glaucoma".into(),
        criteria_text: "Inclusion Criteria:\n- IOP between 22 and 36 mmHg in the study eye\n"
            .into(),
        ..Default::default()
    });
    let high = extract_profile(
        "definitive diagnosis: POAG; intraocular pressure: 48 mmHg; prior cataract surgery: yes",
    )
    .profile;
    let e = evaluate(&PatientFacts::new(&high, None), &glaucoma_trial);
    assert_eq!(mark_of(&e, "lab", "IOP").mark, Mark::NotMet);

    // A patient with a condition is not a healthy volunteer.
    let healthy_trial = TrialDocument::new(TrialFields {
        nct_id: "NCT90000022".into(),
        title: "Vaccine Dosing Study".into(),
        criteria_text: "Inclusion Criteria:\n- Healthy volunteers aged 18 to 45\n".into(),
        ..Default::default()
    });
    let sick = profile(r#"{"age_years": 30, "diagnoses": [{"text": "rheumatoid arthritis"}]}"#);
    assert_eq!(
        evaluate(&PatientFacts::new(&sick, None), &healthy_trial).verdict,
        Verdict::NotEligible
    );
    let well = profile(r#"{"age_years": 30}"#);
    assert_ne!(
        evaluate(&PatientFacts::new(&well, None), &healthy_trial).verdict,
        Verdict::NotEligible
    );
}

#[test]
fn a_trial_registered_with_criteria_only_is_judged_on_its_criteria() {
    // Many registry extracts carry the criteria text without title, conditions or summary. A
    // missing title is missing evidence: such a trial must rank above one with the same
    // criteria whose title and conditions name another disease.
    let note = "A 61-year-old man with type 2 diabetes mellitus on metformin.";
    let criteria = "Inclusion Criteria:\n- Type 2 diabetes mellitus\n- Treated with metformin\n";
    let trials = vec![
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000011".into(),
            title: "Blood Pressure Lowering in Hypertension".into(),
            conditions: vec!["Hypertension".into()],
            criteria_text: criteria.into(),
            ..Default::default()
        }),
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000012".into(),
            criteria_text: criteria.into(),
            ..Default::default()
        }),
    ];
    let model = RelevanceModel::fit(&trials);
    let e = extract_profile(note);
    let ranked = rank_trials(&e.profile, &trials, &model, &MatchOptions::default());
    assert_eq!(ranked[0].nct_id, "NCT90000012");
    assert!(ranked[0].relevance.score > ranked[1].relevance.score);
}

#[test]
fn a_condition_the_note_affirms_is_not_also_taken_as_denied() {
    let note = "A 57-year-old man with low back pain radiating to the left leg. \
                The pain is not relieved with over-the-counter pain medications.";
    let e = extract_profile(note);
    let facts = PatientFacts::new(&e.profile, None);
    let pain = matcher::Vocabulary::builtin().lookup("pain").unwrap();
    assert!(facts.has(pain).is_some());
    assert!(facts.lacks(pain).is_none(), "{:?}", facts.absent);
}

#[test]
fn trials_on_another_receptor_subtype_rank_below_the_patients_subtype() {
    let note = "A 45-year-old woman with invasive ductal breast carcinoma. The tumor is \
                HER2-positive and ER/PR negative.";
    let criteria = "Inclusion Criteria:\n- Invasive breast cancer\n- Adequate organ function\n";
    let trials = vec![
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000031".into(),
            title: "Neoadjuvant Chemotherapy in HER2-negative Breast Cancer".into(),
            conditions: vec!["HER2-negative Breast Cancer".into()],
            criteria_text: criteria.into(),
            ..Default::default()
        }),
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000032".into(),
            title: "Neoadjuvant Chemotherapy in HER2-positive Breast Cancer".into(),
            conditions: vec!["HER2-positive Breast Cancer".into()],
            criteria_text: criteria.into(),
            ..Default::default()
        }),
    ];
    let model = RelevanceModel::fit(&trials);
    let e = extract_profile(note);
    let ranked = rank_trials(&e.profile, &trials, &model, &MatchOptions::default());
    assert_eq!(ranked[0].nct_id, "NCT90000032");
}

const SOLID_TUMOR_CRITERIA: &str = "Inclusion Criteria:
- Measurable disease per RECIST 1.1
- Life expectancy of at least 3 months
- Adequate organ function
- Left ventricular ejection fraction >= 50%
Exclusion Criteria:
- Prior allogeneic stem cell transplant
- Active infection requiring systemic therapy
- Known hypersensitivity to penicillin";

fn solid_tumor_trial() -> TrialDocument {
    TrialDocument::new(TrialFields {
        nct_id: "NCT90000030".into(),
        title: "A Study in Advanced Solid Tumors".into(),
        conditions: vec!["Solid Tumor".into()],
        criteria_text: SOLID_TUMOR_CRITERIA.into(),
        ..Default::default()
    })
}

#[test]
fn facts_a_patient_can_state_settle_the_rules_that_turn_on_them() {
    let trial = solid_tumor_trial();
    let kinds = [
        ("measurable_disease", "Measurable"),
        ("life_expectancy", "Life expectancy"),
        ("organ_function", "Adequate organ"),
        ("organ_function", "ejection fraction"),
        ("transplant", "transplant"),
        ("infection", "Active infection"),
        ("allergy", "penicillin"),
    ];
    let blank = PatientProfile::default();
    let e = evaluate(&PatientFacts::new(&blank, None), &trial);
    for (kind, part) in kinds {
        assert_eq!(mark_of(&e, kind, part).mark, Mark::Unknown, "{part}");
    }

    let stated = profile(
        r#"{"disease_state": {"measurable": true}, "life_expectancy_months": 12,
            "adequate_organ_function": true, "labs": [{"name": "LVEF", "value": 60, "unit": "%"}],
            "had_transplant": false, "active_infection": false, "allergies": ["sulfa drugs"]}"#,
    );
    let e = evaluate(&PatientFacts::new(&stated, None), &trial);
    for (kind, part) in kinds {
        assert_eq!(
            mark_of(&e, kind, part).mark,
            Mark::Met,
            "{part}: {:#?}",
            e.marks
        );
    }
    assert_eq!(e.verdict, Verdict::LikelyEligible, "{:#?}", e.marks);

    let unfit = profile(
        r#"{"life_expectancy_months": 2, "labs": [{"name": "LVEF", "value": 35}],
            "active_infection": true, "allergies": ["Penicillin"]}"#,
    );
    let e = evaluate(&PatientFacts::new(&unfit, None), &trial);
    for (kind, part) in [
        ("life_expectancy", "Life expectancy"),
        ("organ_function", "ejection fraction"),
        ("infection", "Active infection"),
        ("allergy", "penicillin"),
    ] {
        assert_eq!(
            mark_of(&e, kind, part).mark,
            Mark::NotMet,
            "{part}: {:#?}",
            e.marks
        );
    }
}

fn criteria_only_trial(criteria_text: &str) -> TrialDocument {
    TrialDocument::new(TrialFields {
        nct_id: "NCT90000031".into(),
        criteria_text: criteria_text.into(),
        ..Default::default()
    })
}

/// No rule of the trial is marked not met.
fn assert_nothing_fails(e: &matcher::Eligibility) {
    assert!(
        e.marks.iter().all(|m| m.mark != Mark::NotMet),
        "{:#?}",
        e.marks
    );
}

/// No rule of the criteria whose text contains one of `parts` is marked not met.
fn assert_parts_do_not_fail(e: &matcher::Eligibility, parts: &[&str]) {
    for part in parts {
        assert!(
            e.marks
                .iter()
                .filter(|m| m.criterion.contains(part))
                .all(|m| m.mark != Mark::NotMet),
            "{part}: {:#?}",
            e.marks
        );
    }
}

fn condition_marks(e: &matcher::Eligibility, criterion_part: &str) -> Vec<Mark> {
    e.marks
        .iter()
        .filter(|m| m.kind == "condition" && m.criterion.contains(criterion_part))
        .map(|m| m.mark)
        .collect()
}

#[test]
fn conditions_joined_by_or_are_alternatives_and_joined_by_and_are_both_required() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Primary open angle glaucoma or pseudoexfoliation glaucoma with progression of visual field loss
- Diagnosis of open-angle glaucoma, normal-tension glaucoma, or ocular hypertension in both eyes
- Type 2 diabetes and hypertension",
    );
    let p = profile(r#"{"diagnoses": [{"text": "POAG"}, {"text": "type 2 diabetes"}]}"#);
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    // The patient has one of the alternatives: no alternative counts against them.
    for part in ["pseudoexfoliation", "ocular hypertension"] {
        let marks = condition_marks(&e, part);
        assert!(marks.contains(&Mark::Met), "{part}: {:#?}", e.marks);
        assert!(!marks.contains(&Mark::NotMet), "{part}: {:#?}", e.marks);
    }
    // "and": diabetes is met, hypertension is still asked for.
    let both = condition_marks(&e, "Type 2 diabetes and hypertension");
    assert!(
        both.contains(&Mark::Met) && both.contains(&Mark::Unknown),
        "{both:?}"
    );

    // A patient with another glaucoma subtype meets none of the alternatives.
    let other = profile(r#"{"diagnoses": [{"text": "angle-closure glaucoma"}]}"#);
    let e = evaluate(&PatientFacts::new(&other, None), &trial);
    assert!(
        condition_marks(&e, "pseudoexfoliation").contains(&Mark::NotMet),
        "{:#?}",
        e.marks
    );
}

#[test]
fn a_subtype_named_around_a_shortened_mention_still_decides() {
    // The subtype ("Type 1") is part of what the criterion asks for.
    let trial =
        criteria_only_trial("Inclusion Criteria:\nType 1 diabetes mellitus\nAge 6 to 18 years");
    let p = profile(r#"{"diagnoses": [{"text": "type 2 diabetes"}]}"#);
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_eq!(
        condition_marks(&e, "Type 1 diabetes"),
        [Mark::NotMet],
        "{:#?}",
        e.marks
    );
    assert_eq!(e.verdict, Verdict::NotEligible);
}

#[test]
fn an_exclusion_naming_the_disease_the_criteria_require_is_not_decisive() {
    // No title or conditions: the trial is about glaucoma because its inclusion criteria say so,
    // so "glaucoma surgery" in the exclusions is about a procedure, not the disease itself.
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Diagnosis of open-angle glaucoma in the study eye
Exclusion Criteria:
- Previous glaucoma surgery of any type
- Diabetic retinopathy",
    );
    let p = profile(r#"{"diagnoses": [{"text": "open-angle glaucoma"}]}"#);
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert!(
        !condition_marks(&e, "glaucoma surgery").contains(&Mark::NotMet),
        "{:#?}",
        e.marks
    );
    assert_ne!(e.verdict, Verdict::NotEligible, "{:#?}", e.marks);
    // A disease the trial is not about still excludes.
    let p = profile(
        r#"{"diagnoses": [{"text": "open-angle glaucoma"}, {"text": "diabetic retinopathy"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_eq!(condition_marks(&e, "Diabetic retinopathy"), [Mark::NotMet]);
}

#[test]
fn an_organ_system_exclusion_covers_the_diseases_within_it() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Type 2 diabetes
Exclusion Criteria:
- History of cardiovascular disease
- Active liver disease",
    );
    let p = profile(
        r#"{"diagnoses": [{"text": "type 2 diabetes"}, {"text": "myocardial infarction"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    let cv = mark_of(&e, "condition", "cardiovascular");
    assert_eq!(cv.mark, Mark::NotMet, "{:#?}", e.marks);
    assert_eq!(
        cv.patient_fact.as_deref(),
        Some("diagnosis: myocardial infarction")
    );
    assert_eq!(mark_of(&e, "condition", "liver").mark, Mark::Unknown);
}

#[test]
fn an_unmet_alternative_beside_an_unread_one_leaves_the_requirement_open() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:\n- Type 2 diabetes treated with diet, oral hypoglycaemic agents or insulin for at least 2 years",
    );
    let p = profile(
        r#"{"diagnoses": [{"text": "type 2 diabetes"}],
            "prior_therapies": [{"name": "insulin", "received": false}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_nothing_fails(&e);
}

#[test]
fn planned_treatment_permissions_and_definitions_exclude_nobody() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Histologically confirmed breast cancer
- Bilateral breast cancers are allowed as long as both cancers are HER2-negative
- Childbearing potential is defined as: not surgically sterilized and a menstrual period in the past 12 months
- No prior radiotherapy allowed
Exclusion Criteria:
- Prior chemotherapy for any malignancy",
    );
    let extraction = extract_profile(
        "A 45-year-old postmenopausal woman with HER2-positive invasive ductal breast carcinoma. \
         She had radiotherapy to the chest wall. She is a candidate for resection prior to chemotherapy.",
    );
    let e = evaluate(&PatientFacts::new(&extraction.profile, None), &trial);
    assert_parts_do_not_fail(
        &e,
        &["Prior chemotherapy", "Bilateral", "Childbearing potential"],
    );
    // "No ... allowed" restricts: the radiotherapy she had excludes her.
    assert_eq!(
        mark_of(&e, "prior_therapy", "radiotherapy").mark,
        Mark::NotMet,
        "{:#?}",
        e.marks
    );
}

#[test]
fn a_bullet_list_of_diagnoses_takes_any_one_of_them() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
* glaucoma patients requiring surgery
* primary open angle glaucoma
* primary angle-closure glaucoma
* pigmentary glaucoma
* neovascular glaucoma
Exclusion Criteria:
* pregnancy",
    );
    let p = profile(r#"{"diagnoses": [{"text": "neovascular glaucoma"}]}"#);
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_nothing_fails(&e);
    // A patient with none of the listed diagnoses meets none of them.
    let listed_only = criteria_only_trial(
        "Inclusion Criteria:
* primary open angle glaucoma
* primary angle-closure glaucoma
* pigmentary glaucoma",
    );
    let other = profile(r#"{"diagnoses": [{"text": "congenital glaucoma"}]}"#);
    let e = evaluate(&PatientFacts::new(&other, None), &listed_only);
    assert_eq!(e.verdict, Verdict::NotEligible, "{:#?}", e.marks);
}

#[test]
fn a_non_prefix_denies_the_concept_in_trial_text() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Non-HDL-C >= 100 mg/dL
Exclusion Criteria:
- Non-diabetic nephropathy",
    );
    let p = profile(
        r#"{"diagnoses": [{"text": "type 1 diabetes"}],
            "labs": [{"name": "HDL", "value": 40, "unit": "mg/dL"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    // Neither the HDL value nor the diabetes says anything about these two criteria.
    assert_nothing_fails(&e);
}

#[test]
fn an_exclusion_of_the_trials_own_disease_at_another_extent_is_decided_by_the_stage() {
    let trial = TrialDocument::new(TrialFields {
        nct_id: "NCT90000032".into(),
        title: "Neoadjuvant therapy in early HER2-positive breast cancer".into(),
        conditions: vec!["Breast Cancer".into()],
        criteria_text: "Inclusion Criteria:
- Histologically confirmed invasive breast cancer
Exclusion Criteria:
- Stage IV (metastatic) breast cancer"
            .into(),
        ..Default::default()
    });
    let early = profile(r#"{"diagnoses": [{"text": "breast cancer", "stage": "II"}]}"#);
    let e = evaluate(&PatientFacts::new(&early, None), &trial);
    let m = mark_of(&e, "condition", "Stage IV");
    assert_eq!(m.mark, Mark::Met, "{:#?}", e.marks);
    assert_eq!(m.patient_fact.as_deref(), Some("stage II"));

    let late =
        profile(r#"{"diagnoses": [{"text": "breast cancer"}], "disease_state": {"stage": "IV"}}"#);
    let e = evaluate(&PatientFacts::new(&late, None), &trial);
    assert_eq!(
        mark_of(&e, "condition", "Stage IV").mark,
        Mark::NotMet,
        "{:#?}",
        e.marks
    );

    // Without a stage the exclusion stays a question.
    let unknown = profile(r#"{"diagnoses": [{"text": "breast cancer"}]}"#);
    let e = evaluate(&PatientFacts::new(&unknown, None), &trial);
    assert_eq!(mark_of(&e, "condition", "Stage IV").mark, Mark::Unknown);
}

#[test]
fn an_exclusion_qualified_by_control_or_severity_is_a_question_not_a_verdict() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Type 2 diabetes
Exclusion Criteria:
- Uncontrolled hypertension
- Clinically significant cardiovascular disease
- Hypothyroidism",
    );
    let p = profile(
        r#"{"diagnoses": [{"text": "type 2 diabetes"}, {"text": "hypertension"},
                          {"text": "cardiomyopathy"}, {"text": "hypothyroidism"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_eq!(mark_of(&e, "condition", "Uncontrolled").mark, Mark::Unknown);
    assert_eq!(
        mark_of(&e, "condition", "cardiovascular").mark,
        Mark::Unknown
    );
    // An unqualified exclusion still decides.
    assert_eq!(
        mark_of(&e, "condition", "Hypothyroidism").mark,
        Mark::NotMet,
        "{:#?}",
        e.marks
    );
}

#[test]
fn treatment_the_trial_will_give_is_not_asked_of_the_patients_past() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Histologically confirmed breast cancer
- The first cycle of chemotherapy must be administered within 7 days of randomization
- Candidates for adjuvant radiotherapy
- At least one prior line of chemotherapy",
    );
    let p = profile(
        r#"{"diagnoses": [{"text": "breast cancer"}],
            "prior_therapies": [{"name": "chemotherapy", "received": false},
                                {"name": "radiotherapy", "received": false}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_parts_do_not_fail(&e, &["first cycle", "Candidates"]);
    // A requirement about treatment received still decides.
    assert_eq!(
        mark_of(&e, "prior_therapy", "prior line").mark,
        Mark::NotMet,
        "{:#?}",
        e.marks
    );
}

#[test]
fn a_trial_the_registry_age_limit_closes_ranks_below_every_trial_the_patient_could_join() {
    let closed = TrialDocument::new(TrialFields {
        nct_id: "NCT90000041".into(),
        title: "Exercise Training in Older Adults With Heart Failure".into(),
        conditions: vec!["Heart Failure".into()],
        criteria_text: "Inclusion Criteria:\n- Heart failure".into(),
        minimum_age_years: Some(65.0),
        ..Default::default()
    });
    let open = TrialDocument::new(TrialFields {
        nct_id: "NCT90000042".into(),
        title: "Sodium Intake, Blood Pressure and Fluid Status in Outpatients of a Renal Clinic".into(),
        conditions: vec!["Fluid Overload".into(), "Chronic Kidney Disease".into()],
        criteria_text: "Inclusion Criteria:\n- Chronic kidney disease stage 3 or 4\n- Outpatient of the renal clinic\n- Either hypertension, diabetes or heart failure".into(),
        minimum_age_years: Some(18.0),
        ..Default::default()
    });
    let p = profile(r#"{"age_years": 40, "diagnoses": [{"text": "heart failure"}]}"#);
    let docs = [closed, open];
    let model = RelevanceModel::fit(&docs);
    let ranked = rank_trials(&p, &docs, &model, &MatchOptions::default());
    assert!(
        ranked[0].relevance_share < 1.0,
        "the open trial is the less topical one"
    );
    assert_eq!(ranked[0].nct_id, "NCT90000042", "{ranked:#?}");
    // Only a little of the closed trial's relevance is kept: a registry limit is exact.
    let closed = &ranked[1];
    assert_eq!(closed.eligibility.verdict, Verdict::NotEligible);
    assert!(
        closed.score <= 0.1 * closed.relevance_share,
        "{} of {}",
        closed.score,
        closed.relevance_share
    );
}

#[test]
fn metastatic_disease_is_an_extent_not_a_sibling_cancer() {
    // "without distant metastasis" must not read as "a cancer other than the patient's".
    let trial = TrialDocument::new(TrialFields {
        nct_id: "NCT90000033".into(),
        title: "Chemotherapy in Surgical Patients With Infiltrating Ductal Carcinoma of Breast".into(),
        conditions: vec!["Breast Cancer".into()],
        criteria_text: "Inclusion Criteria:
 Patients >= 18 years of age with histologically proven infiltrating ductal carcinoma of breast
 A Clinical Stage >= I subtype A (IA) (T1a, N0, M0) of Beast Cancer but without diagnosed distant metastasis (according to the 1997 revision of the International Union Against Cancer-PrimaryTumor, Regional Nodes and Metastasis (TNM) staging system) as determined by a preoperative evaluation that included a chest computed tomography (CT) scan and/or X-ray mammography.
Exclusion Criteria:
 Age < 18"
            .into(),
        ..Default::default()
    });
    let p =
        extract_profile("condition: breast cancer; definitive diagnosis: stage 2; HER2: positive")
            .profile;
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_nothing_fails(&e);
}

#[test]
fn a_stage_named_without_a_disease_is_the_trials_own_disease() {
    let trial = TrialDocument::new(TrialFields {
        nct_id: "NCT90000034".into(),
        title: "Adjuvant therapy in breast cancer".into(),
        conditions: vec!["Breast Cancer".into()],
        criteria_text: "Inclusion Criteria:\n- Clinical stage III disease\n".into(),
        ..Default::default()
    });
    let mark = |stage: &str| {
        let p = profile(&format!(
            r#"{{"diagnoses": [{{"text": "breast cancer", "stage": "{stage}"}}]}}"#
        ));
        let e = evaluate(&PatientFacts::new(&p, None), &trial);
        mark_of(&e, "condition", "stage III").mark
    };
    assert_eq!(mark("III"), Mark::Met);
    assert_eq!(mark("I"), Mark::NotMet);
}

#[test]
fn a_criterion_for_one_cohort_binds_only_that_cohort() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Part 1D: metastatic castration resistant prostate cancer
- Part 1E: HER2-positive breast cancer
- Note: may consider ECOG PS 2 if good rationale provided
Exclusion Criteria:
- Liver cirrhosis and portal hypertension",
    );
    let p = profile(
        r#"{"sex": "female", "ecog": 1,
            "diagnoses": [{"text": "breast cancer"}, {"text": "hypertension"}],
            "biomarkers": [{"name": "HER2", "status": "positive"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&p, None), &trial);
    assert_nothing_fails(&e);
}

#[test]
fn a_complication_is_not_a_sibling_kind_but_a_kind_is() {
    let p = profile(r#"{"diagnoses": [{"text": "type 1 diabetes"}]}"#);
    let facts = PatientFacts::new(&p, None);
    // Type 1 diabetes says nothing against a history of ketoacidosis or retinopathy.
    let complications = criteria_only_trial(
        "Inclusion Criteria:
- History of diabetic ketoacidosis
- Diabetic retinopathy",
    );
    assert_nothing_fails(&evaluate(&facts, &complications));
    // It does say the patient lacks the other kind of diabetes.
    let other_kind = criteria_only_trial("Inclusion Criteria:\n- Type 2 diabetes mellitus");
    assert_eq!(evaluate(&facts, &other_kind).verdict, Verdict::NotEligible);
}

#[test]
fn an_hba1c_limit_written_as_a_fraction_is_a_percentage() {
    let trial = criteria_only_trial("Exclusion Criteria:\n- HbA1C > 0.12");
    let well = profile(r#"{"labs": [{"name": "HbA1c", "value": 6.5, "unit": "%"}]}"#);
    assert_nothing_fails(&evaluate(&PatientFacts::new(&well, None), &trial));
    let poor = profile(r#"{"labs": [{"name": "HbA1c", "value": 13.1, "unit": "%"}]}"#);
    assert_eq!(
        evaluate(&PatientFacts::new(&poor, None), &trial).verdict,
        Verdict::NotEligible
    );
}

#[test]
fn washouts_and_time_windows_on_prior_therapy() {
    let never = profile(
        r#"{"prior_therapies": [{"name": "radiotherapy", "received": false},
                                {"name": "chemotherapy", "received": false}]}"#,
    );
    let had = profile(r#"{"prior_therapies": [{"name": "chemotherapy"}]}"#);
    // Requirements that apply only to patients who had the therapy.
    let washouts = criteria_only_trial(
        "Inclusion Criteria:
- Time since whole brain radiotherapy is >= 21 days prior to first dose of study treatment
- Prior radiotherapy must have been completed before randomization
- Blood counts performed within 6 weeks prior to initiating chemotherapy must meet the following criteria",
    );
    assert_nothing_fails(&evaluate(&PatientFacts::new(&never, None), &washouts));
    // A time-windowed exclusion: having had chemotherapy leaves its timing open.
    let recent = criteria_only_trial(
        "Exclusion Criteria:\n- Chemotherapy within 2 weeks before randomization",
    );
    let e = evaluate(&PatientFacts::new(&had, None), &recent);
    assert_nothing_fails(&e);
    assert!(
        e.marks.iter().any(|m| m.mark == Mark::Unknown),
        "{:#?}",
        e.marks
    );
    // Without a window, having had it decides.
    let any_prior =
        criteria_only_trial("Exclusion Criteria:\n- Prior chemotherapy for metastatic disease");
    assert_eq!(
        evaluate(&PatientFacts::new(&had, None), &any_prior).verdict,
        Verdict::NotEligible
    );
}

#[test]
fn a_therapy_naive_requirement_asks_for_its_absence() {
    let trial = criteria_only_trial("Inclusion Criteria:\n- Chemotherapy-naïve patients");
    let never = profile(r#"{"prior_therapies": [{"name": "chemotherapy", "received": false}]}"#);
    assert_nothing_fails(&evaluate(&PatientFacts::new(&never, None), &trial));
    let had = profile(r#"{"prior_therapies": [{"name": "chemotherapy"}]}"#);
    assert_eq!(
        evaluate(&PatientFacts::new(&had, None), &trial).verdict,
        Verdict::NotEligible
    );
}

#[test]
fn visual_acuity_limits_in_snellen_decimal_logmar_and_letters() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Best corrected visual acuity (logMAR) <= 0.3
- BCVA of at least 60 letters in the study eye
Exclusion Criteria:
- Subjects with visual acuity < 20/200",
    );
    let failed = |p: &matcher::PatientProfile| -> Vec<String> {
        evaluate(&PatientFacts::new(p, None), &trial)
            .marks
            .iter()
            .filter(|m| m.mark == Mark::NotMet)
            .map(|m| m.criterion.to_string())
            .collect()
    };
    // 20/40 is 0.5 decimal, 70 ETDRS letters, 0.3 logMAR: meets all three.
    let good = profile(r#"{"labs": [{"name": "visual acuity", "value": 20, "unit": "/40"}]}"#);
    assert!(failed(&good).is_empty(), "{:?}", failed(&good));
    // 0.3 decimal is 59 letters and 0.52 logMAR: fails the first two, not below 20/200.
    let moderate = profile(r#"{"labs": [{"name": "BCVA", "value": 0.3}]}"#);
    let f = failed(&moderate);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|c| !c.contains("20/200")), "{f:?}");
    // 20/400 is below 20/200.
    let poor = profile(r#"{"labs": [{"name": "visual acuity", "value": 20, "unit": "/400"}]}"#);
    assert!(
        failed(&poor).iter().any(|c| c.contains("20/200")),
        "{:?}",
        failed(&poor)
    );
}

#[test]
fn permissions_about_prior_therapy_restrict_nobody() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Subjects may previously exposed to anthracyclines (e.g. doxorubicin, epirubicin) and/or taxanes
- No limitations to number of prior chemotherapies for metastatic disease",
    );
    for p in [
        r#"{"prior_therapies": [{"name": "chemotherapy", "received": false}]}"#,
        r#"{"prior_therapies": [{"name": "chemotherapy"}]}"#,
    ] {
        assert_nothing_fails(&evaluate(&PatientFacts::new(&profile(p), None), &trial));
    }
}

#[test]
fn ineligibility_statements_definitions_and_cohort_only_criteria() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Tumors that are ER negative and PR positive are not eligible.
- HER2-POSITIVE: HER2-positive patients will be defined per ASCO-CAP Guidelines.
- Part Z patients only should have documented HER2-positive expression
- Patients not eligible for surgery",
    );
    // ER-positive, HER2-negative: the ER-negative/PR-positive tumours are the excluded ones,
    // the definition and the Part Z requirement do not close the trial.
    let p = profile(
        r#"{"biomarkers": [{"name": "ER", "status": "positive"}, {"name": "PR", "status": "positive"},
                           {"name": "HER2", "status": "negative"}]}"#,
    );
    assert_nothing_fails(&evaluate(&PatientFacts::new(&p, None), &trial));
    let excluded = profile(
        r#"{"biomarkers": [{"name": "ER", "status": "negative"}, {"name": "PR", "status": "positive"}]}"#,
    );
    let e = evaluate(&PatientFacts::new(&excluded, None), &trial);
    assert_eq!(e.verdict, Verdict::NotEligible, "{:#?}", e.marks);
}

#[test]
fn closed_angle_glaucoma_is_not_the_patients_open_angle_glaucoma() {
    let poag = profile(
        r#"{"diagnoses": [{"text": "glaucoma"}, {"text": "primary open angle glaucoma"}]}"#,
    );
    let facts = PatientFacts::new(&poag, None);
    for text in [
        "Exclusion Criteria:\n- Closed-angle glaucoma",
        "Exclusion Criteria:\n- have secondary or narrow/closed angle glaucoma",
    ] {
        assert_nothing_fails(&evaluate(&facts, &criteria_only_trial(text)));
    }
}

#[test]
fn a_control_qualifier_inside_the_rule_span_makes_the_exclusion_a_question() {
    let trial = criteria_only_trial(
        "Exclusion Criteria:
- Participant has uncontrolled glaucoma, defined as intraocular pressure >30 mmHg despite treatment with anti-glaucoma medication, in the study eye.",
    );
    let p = profile(r#"{"diagnoses": [{"text": "uveitic glaucoma"}]}"#);
    assert_nothing_fails(&evaluate(&PatientFacts::new(&p, None), &trial));
}

#[test]
fn declared_eligibility_lifted_requirements_and_misfiled_pregnancy_items_exclude_nobody() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Histologically confirmed invasive breast cancer
- Patients with margins positive for lobular carcinoma in situ (LCIS) are eligible without additional resection
- Patients with weakly ER-positive (1-10%) breast cancer are eligible even if they have node-negative disease
- The residual disease tissue is not required to be HER2-positive
- Only patients with HER2-negative tumors are eligible
Exclusion Criteria:
- Not pregnant and not nursing, because this study involves an agent that has known teratogenic effects",
    );
    let extraction = extract_profile(
        "A 45-year-old postmenopausal woman with invasive ductal breast carcinoma, HER2-positive, \
         ER negative and PR negative.",
    );
    let e = evaluate(&PatientFacts::new(&extraction.profile, None), &trial);
    assert_parts_do_not_fail(
        &e,
        &["LCIS", "weakly ER-positive", "not required", "Not pregnant"],
    );
    // "Only ... are eligible" still restricts: her HER2-positive tumour fails it.
    assert!(
        e.marks
            .iter()
            .any(|m| m.criterion.contains("Only patients") && m.mark == Mark::NotMet),
        "{:#?}",
        e.marks
    );
    // A pregnant patient is excluded by the misfiled item.
    let pregnant =
        extract_profile("A 30-year-old pregnant woman with invasive breast cancer, HER2-negative.");
    let e = evaluate(&PatientFacts::new(&pregnant.profile, None), &trial);
    assert!(
        e.marks
            .iter()
            .any(|m| m.criterion.contains("Not pregnant") && m.mark == Mark::NotMet),
        "{:#?}",
        e.marks
    );
}

#[test]
fn status_definitions_recorded_markers_and_site_specific_metastases_do_not_decide() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Histologically confirmed invasive breast cancer
- Known hormone receptor (HR) status. Hormone receptor positive status can be determined by either known positive estrogen receptor (ER) or known positive progesterone receptor (PR) status
- Appropriate slides of the primary lesion will be requested. HER2, estrogen, and progesterone receptor positivity will be recorded.
- The situation of only PR positive and ER negative is eligible, too
- Tumor must be HER2-negative
Exclusion Criteria:
- Has known active central nervous system (CNS) metastases and/or carcinomatous meningitis",
    );
    let extraction = extract_profile(
        "A 45-year-old woman with invasive ductal breast carcinoma, HER2-positive and ER/PR negative. \
         CXR was remarkable for metastatic lesions.",
    );
    let e = evaluate(&PatientFacts::new(&extraction.profile, None), &trial);
    assert_parts_do_not_fail(
        &e,
        &["Known hormone", "will be recorded", "eligible, too", "CNS"],
    );
    // A stated requirement still decides.
    assert!(
        e.marks
            .iter()
            .any(|m| m.criterion.contains("must be HER2-negative") && m.mark == Mark::NotMet),
        "{:#?}",
        e.marks
    );
    // Brain metastases do meet the CNS exclusion.
    let brain = extract_profile(
        "A 52-year-old woman with invasive ductal breast carcinoma, HER2-negative, with brain metastases.",
    );
    let e = evaluate(&PatientFacts::new(&brain.profile, None), &trial);
    assert!(
        e.marks
            .iter()
            .any(|m| m.criterion.contains("CNS") && m.mark == Mark::NotMet),
        "{:#?}",
        e.marks
    );
}

#[test]
fn a_complaint_of_unknown_cause_is_a_question_for_a_patient_with_the_complaint() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Lumbar disc herniation with sciatica
Exclusion Criteria:
- Subject has back or non-radicular leg pain of unknown etiology.
- Subject has leg pain due to diabetic neuropathy",
    );
    let extraction = extract_profile(
        "A 57-year-old man with diabetic neuropathy and low back pain radiating into his left leg.",
    );
    let e = evaluate(&PatientFacts::new(&extraction.profile, None), &trial);
    let pain: Vec<Mark> = e
        .marks
        .iter()
        .filter(|m| m.criterion.contains("unknown etiology"))
        .map(|m| m.mark)
        .collect();
    assert!(
        !pain.is_empty() && !pain.contains(&Mark::NotMet),
        "{:#?}",
        e.marks
    );
    // A complaint whose cause is named still excludes.
    assert!(
        e.marks
            .iter()
            .any(|m| m.criterion.contains("diabetic neuropathy") && m.mark == Mark::NotMet),
        "{:#?}",
        e.marks
    );
}

#[test]
fn a_diagnosis_named_in_a_free_text_inclusion_is_required() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Diagnosis of unilateral idiopathic sudden sensorineural hearing loss (i.e. sudden sensorineural hearing loss of unknown etiology
- Hearing loss occurred within 72 hours
- Patients hospitalized with the diagnosis of sudden sensorineural hearing loss",
    );
    let mark = |note: &str| {
        let extraction = extract_profile(note);
        let e = evaluate(&PatientFacts::new(&extraction.profile, None), &trial);
        e.marks
            .iter()
            .filter(|m| m.kind == "condition" && m.criterion.contains("iagnosis of"))
            .map(|m| m.mark)
            .collect::<Vec<Mark>>()
    };
    assert_eq!(
        mark("A 50-year-old woman with conductive hearing loss in the left ear."),
        [Mark::NotMet, Mark::NotMet]
    );
    assert_eq!(
        mark("A 50-year-old woman with sudden sensorineural hearing loss since yesterday."),
        [Mark::Met, Mark::Met]
    );
    assert_eq!(
        mark("A 50-year-old woman with hypertension."),
        [Mark::Unknown, Mark::Unknown]
    );
}

#[test]
fn a_population_named_by_age_limits_the_age() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Infants with congenital CMV infection, and hearing loss (≥ 20 dB, in one or both ears).
- Children and adults with hearing loss",
    );
    let marks = |note: &str| {
        let extraction = extract_profile(note);
        let e = evaluate(&PatientFacts::new(&extraction.profile, None), &trial);
        e.marks
            .iter()
            .filter(|m| m.kind == "age")
            .map(|m| (m.criterion.to_string(), m.mark))
            .collect::<Vec<_>>()
    };
    let adult = marks("A 50-year-old woman with hearing loss.");
    assert_eq!(adult.len(), 1, "{adult:?}");
    assert!(
        adult[0].0.starts_with("Infants") && adult[0].1 == Mark::NotMet,
        "{adult:?}"
    );
    let infant = marks("A 3-month-old boy with congenital CMV infection and hearing loss.");
    assert!(infant.iter().all(|(_, m)| *m == Mark::Met), "{infant:?}");
}

#[test]
fn requirements_filed_under_exclusions_and_stages_of_other_mentions() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- History of stage II-III histologically-confirmed ER+/Her2 neg invasive breast cancer with no evidence of recurrent local or distant disease
Exclusion Criteria:
- Patient must not have stage IV (metastatic) breast cancer
- Staging studies (CT chest/abdomen/pelvis and a bone scan) are required for stage III disease",
    );
    let stage3 = extract_profile(
        "A 52-year-old woman with stage III invasive ductal breast carcinoma, ER positive, HER2 negative.",
    );
    let e = evaluate(&PatientFacts::new(&stage3.profile, None), &trial);
    assert_nothing_fails(&e);
    let stage4 = extract_profile(
        "A 52-year-old woman with stage IV invasive ductal breast carcinoma, ER positive, HER2 negative.",
    );
    let e = evaluate(&PatientFacts::new(&stage4.profile, None), &trial);
    assert!(
        e.marks
            .iter()
            .any(|m| m.criterion.starts_with("Patient must not") && m.mark == Mark::NotMet),
        "{:#?}",
        e.marks
    );
}

#[test]
fn therapy_as_a_condition_the_study_treatment_and_misfiled_limits_concern_only_those_treated() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Metastatic breast cancer
- Patients who received chemotherapy must have recovered (CTCAE Grade ≤1) from the acute effects of chemotherapy
- Women of childbearing potential must use contraception for at least 12 months after the last dose of cyclophosphamide
- Indication for integrated treatment with surgery and adjuvant chemotherapy
- Cohort-Expansion Stage Cohort C (Urothelial Cancer): Subjects with transitional cell histology
Exclusion Criteria:
- No more than two lines of chemotherapy for advanced disease
- No prior chemotherapy is allowed in metastatic disease",
    );
    let naive = extract_profile(
        "A 45-year-old woman with metastatic breast cancer. She has received no chemotherapy.",
    );
    let e = evaluate(&PatientFacts::new(&naive.profile, None), &trial);
    assert_nothing_fails(&e);
}

#[test]
fn a_trial_on_the_patients_own_subtype_ranks_above_one_on_the_disease_in_general() {
    let note = "A 42-year-old woman with infiltrating ductal breast carcinoma, 1.8 cm. The tumor \
                was HER2-positive and ER/PR negative.";
    let trials = vec![
        // Words shared with the note, but no subtype.
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000041".into(),
            title: "Chemotherapy in Surgical Patients With Infiltrating Ductal Carcinoma of Breast"
                .into(),
            conditions: vec!["Breast Cancer".into()],
            criteria_text: "Inclusion Criteria:\n- Histologically proven infiltrating ductal carcinoma of breast\n".into(),
            ..Default::default()
        }),
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000042".into(),
            title: "Lapatinib vs Trastuzumab in HER-2 Positive Breast Cancer".into(),
            conditions: vec!["HER2-positive Breast Cancer".into()],
            criteria_text: "Inclusion Criteria:\n- First diagnosis of invasive breast cancer\n".into(),
            ..Default::default()
        }),
    ];
    let model = RelevanceModel::fit(&trials);
    let e = extract_profile(note);
    let ranked = rank_trials(&e.profile, &trials, &model, &MatchOptions::default());
    assert_eq!(ranked[0].nct_id, "NCT90000042", "{ranked:#?}");
}

#[test]
fn trials_on_the_patients_driver_alteration_rank_first_and_on_its_absence_last() {
    let note = "A 61-year-old man with stage IV non-small cell lung cancer. EGFR mutation positive \
                (exon 19 deletion).";
    let criteria = "Inclusion Criteria:\n- Non-small cell lung cancer\n";
    let trial = |id: &str, title: &str| {
        TrialDocument::new(TrialFields {
            nct_id: id.into(),
            title: title.into(),
            conditions: vec!["Non-small Cell Lung Cancer".into()],
            criteria_text: criteria.into(),
            ..Default::default()
        })
    };
    let trials = vec![
        trial(
            "NCT90000051",
            "Chemotherapy for EGFR Wild-type Non-small Cell Lung Cancer",
        ),
        trial("NCT90000052", "Chemotherapy for Non-small Cell Lung Cancer"),
        trial(
            "NCT90000053",
            "Osimertinib for EGFR-mutant Non-small Cell Lung Cancer",
        ),
    ];
    let model = RelevanceModel::fit(&trials);
    let e = extract_profile(note);
    let ranked = rank_trials(&e.profile, &trials, &model, &MatchOptions::default());
    let order: Vec<&str> = ranked.iter().map(|r| r.nct_id.as_str()).collect();
    assert_eq!(
        order,
        ["NCT90000053", "NCT90000052", "NCT90000051"],
        "{:#?}",
        e.profile.biomarkers
    );
}

#[test]
fn two_age_populations_and_a_sex_named_for_contraception() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Individuals aged ≥1 year presenting with persistent diarrhoea and/or children (aged 1-18 years) with chronic abdominal pain
- Age 18 years or older and less than 75 years
- female patients have adequate birth-control method
- Female patients only",
    );
    let adult_man = extract_profile("A 32-year-old man with persistent diarrhoea for three weeks.");
    let e = evaluate(&PatientFacts::new(&adult_man.profile, None), &trial);
    // Only the women's criterion excludes him: the contraception one does not.
    let failing: Vec<&str> = e
        .marks
        .iter()
        .filter(|m| m.mark == Mark::NotMet)
        .map(|m| &*m.criterion)
        .collect();
    assert!(
        !failing.is_empty()
            && failing
                .iter()
                .all(|c| c.starts_with("Female patients only")),
        "{:#?}",
        e.marks
    );
    // A limit written in two parts still binds both ways.
    let old_man = extract_profile("An 80-year-old man with persistent diarrhoea for three weeks.");
    let e = evaluate(&PatientFacts::new(&old_man.profile, None), &trial);
    assert!(
        e.marks.iter().any(|m| m.kind == "age"
            && m.criterion.starts_with("Age 18")
            && m.mark == Mark::NotMet),
        "{:#?}",
        e.marks
    );
}

#[test]
fn exceptions_other_trials_sex_labels_treatments_and_kinds_do_not_exclude() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Hospitalized with COVID-19
- Women: hemoglobin no less than 0.5 g/dL below the lower limit of the reference range for normal women
Exclusion Criteria:
- Suspected serious, active bacterial, fungal, viral, or other infection (besides COVID-19) that could constitute a risk
- Note: The participant should not be enrolled in another clinical trial for the treatment of COVID-19 through Day 28.
- History of surgery for the treatment of obesity (gastric banding, gastric bypass)
- Patient with a secondary obesity.",
    );
    let e = extract_profile(
        "A 45-year-old obese man hospitalized with COVID-19 pneumonia. SARS-CoV-2 PCR positive.",
    );
    let e = evaluate(&PatientFacts::new(&e.profile, None), &trial);
    assert_nothing_fails(&e);
}

#[test]
fn an_anti_disease_drug_is_no_disease() {
    let trial = criteria_only_trial(
        "Inclusion Criteria:
- Type 2 Diabetes Mellitus
- BMI more than 25
Exclusion Criteria:
- use of anti-obesity drug within the past 3 months",
    );
    let e = extract_profile("A 50-year-old woman with obesity and type 2 diabetes. BMI is 37.");
    let e = evaluate(&PatientFacts::new(&e.profile, None), &trial);
    assert_nothing_fails(&e);
}
