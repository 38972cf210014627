//! Unit tests over real eligibility texts (see data/SOURCES.md, "criteria test fixtures").

use criteria::*;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn rules_of<'a>(p: &'a ParsedCriteria, needle: &str) -> Vec<&'a Rule> {
    let c = p
        .criteria
        .iter()
        .find(|c| c.text.contains(needle))
        .unwrap_or_else(|| panic!("no criterion with {needle:?}"));
    c.rules.iter().collect()
}

fn lab<'a>(rules: &[&'a Rule], analyte: &str) -> Vec<&'a Rule> {
    rules
        .iter()
        .copied()
        .filter(|r| matches!(&r.body, RuleBody::Lab { analyte: a, .. } if a == analyte))
        .collect()
}

fn threshold(r: &Rule) -> &Threshold {
    r.thresholds()[0]
}

#[test]
fn example_trial_every_criterion_is_typed() {
    let text = fixture("NCT07117305");
    let p = parse(&text);
    assert_eq!(p.sections.len(), 2);
    assert_eq!(p.sections[0].kind, SectionKind::Inclusion);
    assert_eq!(p.sections[1].kind, SectionKind::Exclusion);
    // 9 inclusion + 12 exclusion items, plus the a./b./c. sub-items and the nested CNS list.
    let top: usize = p.sections.iter().map(|s| s.criteria.len()).sum();
    assert_eq!(top, 21);
    for c in &p.criteria {
        assert!(
            c.rules.iter().any(|r| r.kind() != "free_text"),
            "criterion {} has no typed rule: {:?}",
            c.id,
            c.text
        );
    }
}

#[test]
fn example_trial_labs_with_conditions_and_gilbert_exception() {
    let p = parse(&fixture("NCT07117305"));
    let r = rules_of(&p, "alanine aminotransferase");
    let alt = lab(&r, "alt");
    assert_eq!(alt.len(), 2, "ALT ≤ 3 × ULN and the conditional ≤ 5 × ULN");
    assert_eq!(threshold(alt[0]).value, 3.0);
    assert_eq!(threshold(alt[0]).relative_to, Some(Reference::Uln));
    assert_eq!(alt[0].condition, None);
    assert_eq!(threshold(alt[1]).value, 5.0);
    assert!(
        alt[1]
            .condition
            .as_deref()
            .unwrap()
            .contains("liver infiltration")
    );
    assert_eq!(lab(&r, "ast").len(), 2);

    let r = rules_of(&p, "Total serum bilirubin");
    let total = lab(&r, "total_bilirubin");
    assert_eq!(total.len(), 2);
    assert_eq!(threshold(total[0]).value, 2.0);
    assert!(total[0].exceptions.iter().any(|e| e.contains("Gilbert")));
    assert_eq!(threshold(total[1]).value, 3.0);
    assert_eq!(total[1].condition.as_deref(), Some("Gilbert syndrome"));
    let direct = lab(&r, "direct_bilirubin");
    assert_eq!(threshold(direct[0]).value, 1.5);
    assert_eq!(direct[0].condition.as_deref(), Some("Gilbert syndrome"));

    let r = rules_of(&p, "Serum creatinine");
    let cr = lab(&r, "creatinine");
    let crcl = lab(&r, "creatinine_clearance");
    assert_eq!(threshold(crcl[0]).unit.as_deref(), Some("mL/min"));
    assert_eq!(threshold(crcl[0]).comparator, Comparator::Ge);
    assert!(cr[0].alternative_group.is_some());
    assert_eq!(
        cr[0].alternative_group, crcl[0].alternative_group,
        "creatinine OR clearance"
    );

    let r = rules_of(&p, "international normalized ratio");
    assert_eq!(threshold(lab(&r, "inr")[0]).comparator, Comparator::Le);
    assert_eq!(threshold(lab(&r, "aptt")[0]).value, 1.5);
}

#[test]
fn example_trial_other_families() {
    let p = parse(&fixture("NCT07117305"));
    let age = rules_of(&p, "Age range");
    assert!(age.iter().any(|r| matches!(
        r.body,
        RuleBody::Age {
            min: Some(Bound { value: 14.0, .. }),
            max: Some(Bound { value: 65.0, .. }),
            unit: TimeUnit::Year
        }
    )));
    assert_eq!(p.age_range().unwrap().min_years, Some(14.0));

    let cd7 = rules_of(&p, "CD7 expression");
    assert!(cd7.iter().any(|r| matches!(&r.body, RuleBody::Biomarker { marker, threshold: Some(t), .. } if marker == "CD7" && t.value == 10.0 && t.unit.as_deref() == Some("%"))));

    let dx = rules_of(&p, "All types of CD7+");
    let lymphoma = dx.iter().find(|r| matches!(&r.body, RuleBody::Condition { mention, .. } if mention.contains("lymphoma"))).unwrap();
    assert_eq!(
        lymphoma.exceptions,
        vec!["T-lymphoblastic lymphoma".to_string()]
    );

    let ps = rules_of(&p, "ECOG");
    assert!(ps.iter().any(|r| matches!(
        r.body,
        RuleBody::PerformanceStatus {
            scale: PerformanceScale::Ecog,
            min: Some(0.0),
            max: Some(2.0),
            ..
        }
    )));
    assert!(ps.iter().any(|r| matches!(&r.body, RuleBody::LifeExpectancy { threshold } if threshold.value == 3.0 && threshold.comparator == Comparator::Gt)));

    let lung = rules_of(&p, "lung reserve");
    assert!(lung.iter().any(|r| matches!(&r.body, RuleBody::OrganFunction { measure: OrganMeasure::DyspneaGrade, threshold: Some(t) } if t.value == 1.0 && t.comparator == Comparator::Le)));
    assert!(lung.iter().any(|r| matches!(&r.body, RuleBody::OrganFunction { measure: OrganMeasure::Spo2, threshold: Some(t) } if t.value == 92.0)));

    // The registry escapes "<" as "\<".
    let lvef = rules_of(&p, "Severe cardiac insufficiency");
    let r = lvef
        .iter()
        .find(|r| {
            matches!(
                r.body,
                RuleBody::OrganFunction {
                    measure: OrganMeasure::Lvef,
                    ..
                }
            )
        })
        .unwrap();
    assert_eq!(r.polarity, Polarity::Exclusion);
    assert_eq!(threshold(r).comparator, Comparator::Lt);
    assert_eq!(threshold(r).value, 50.0);

    let m = rules_of(&p, "measurable or evaluable");
    let RuleBody::MeasurableDisease {
        criteria,
        criteria_version,
        lesion_sizes,
        pet_positive,
        ..
    } = &m[0].body
    else {
        panic!()
    };
    assert_eq!(*criteria, Some(ResponseCriteria::Lugano));
    assert_eq!(criteria_version.as_deref(), Some("2014"));
    assert!(*pet_positive);
    assert_eq!(lesion_sizes[0].site, LesionSite::Nodal);
    assert_eq!(lesion_sizes[0].threshold.value, 15.0);
    assert_eq!(lesion_sizes[1].site, LesionSite::Extranodal);

    let preg = rules_of(&p, "pregnancy tests");
    let test = preg
        .iter()
        .find(|r| {
            matches!(
                r.body,
                RuleBody::Reproductive {
                    topic: ReproductiveTopic::NegativePregnancyTest
                }
            )
        })
        .unwrap();
    let w = test.window.as_ref().unwrap();
    assert_eq!(
        (w.value, w.unit, w.direction),
        (7.0, TimeUnit::Day, WindowDirection::Before)
    );
    assert!(preg.iter().any(|r| matches!(
        r.body,
        RuleBody::Reproductive {
            topic: ReproductiveTopic::Contraception
        }
    )));

    let inf = rules_of(&p, "Positive for any of the following");
    let agents: Vec<InfectionAgent> = inf
        .iter()
        .filter_map(|r| match &r.body {
            RuleBody::Infection { agent, .. } => Some(*agent),
            _ => None,
        })
        .collect();
    for a in [
        InfectionAgent::Hbv,
        InfectionAgent::Hcv,
        InfectionAgent::Hiv,
        InfectionAgent::Syphilis,
        InfectionAgent::Cmv,
        InfectionAgent::Ebv,
    ] {
        assert!(agents.contains(&a), "{a:?} missing");
    }
    let hbc = inf.iter().find(|r| matches!(&r.body, RuleBody::Infection { markers, .. } if markers.iter().any(|m| m == "HBcAb"))).unwrap();
    let RuleBody::Infection { qualifier, .. } = &hbc.body else {
        panic!()
    };
    assert!(qualifier.as_deref().unwrap().contains("HBV-DNA"));

    let tx = rules_of(&p, "Previous recipients");
    let kinds: Vec<TransplantKind> = tx
        .iter()
        .filter_map(|r| match r.body {
            RuleBody::Transplant { transplant } => Some(transplant),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        vec![TransplantKind::Autologous, TransplantKind::Allogeneic]
    );

    let consent = rules_of(&p, "explicit consent");
    assert!(consent.iter().all(|r| !r.is_decisive()));
}

#[test]
fn nested_bullets_and_key_headings() {
    let text = fixture("NCT03318939");
    let p = parse(&text);
    assert_eq!(p.sections[0].kind, SectionKind::Inclusion);
    assert!(text[p.sections[0].heading.unwrap().start..].starts_with("Key Inclusion Criteria:"));
    let status = p
        .criteria
        .iter()
        .find(|c| c.text == "Prior treatment status:")
        .unwrap();
    assert!(status.children.len() >= 5);
    for &k in &status.children {
        assert_eq!(p.criteria[k].parent, Some(status.id));
        assert_eq!(p.criteria[k].depth, 1);
    }
    let exon = rules_of(&p, "Documented EGFR exon 20");
    assert!(exon.iter().any(|r| matches!(&r.body, RuleBody::Biomarker { marker, variant: Some(v), .. } if marker == "EGFR" && v.contains("exon 20"))));
}

#[test]
fn numbered_lists_with_escaped_comparators() {
    let p = parse(&fixture("NCT00576225"));
    let ldh = rules_of(&p, "LDH \\> 2.5X IULN");
    let t = threshold(lab(&ldh, "ldh")[0]);
    assert_eq!(
        (t.comparator, t.value, t.relative_to),
        (Comparator::Gt, 2.5, Some(Reference::Uln))
    );
    let ps = rules_of(&p, "ECOG performance score");
    assert!(ps.iter().any(|r| matches!(
        r.body,
        RuleBody::PerformanceStatus {
            min: Some(0.0),
            max: Some(2.0),
            ..
        }
    )));
    let rt = rules_of(&p, "Local palliative radiotherapy");
    let w = rt[0].window.as_ref().unwrap();
    assert_eq!(
        (w.comparator, w.value, w.unit),
        (Comparator::Lt, 7.0, TimeUnit::Day)
    );
    assert_eq!(rt[0].polarity, Polarity::Exclusion);
}

#[test]
fn alternative_age_ranges_take_the_union() {
    let p = parse(&fixture("NCT02782117"));
    let range = p.age_range().unwrap();
    assert_eq!(range.min_years, Some(4.0));
    assert_eq!(range.max_years, Some(13.0));
    assert!(range.max_exclusive);
}

#[test]
fn paragraph_style_is_cut_into_sentences() {
    let p = parse("Men and women, ages 30 to 69. Documented myocardial infarction.");
    assert_eq!(p.criteria.len(), 2);
    assert_eq!(p.criteria[1].text, "Documented myocardial infarction.");
    assert_eq!(p.age_range().unwrap().max_years, Some(69.0));
    assert!(
        p.criteria[0]
            .rules
            .iter()
            .any(|r| matches!(r.body, RuleBody::Sex { sex: Sex::All }))
    );
}

#[test]
fn heading_variants() {
    for (text, kinds) in [
        (
            "INCLUSION:\n- adults\nEXCLUSION:\n- pregnancy",
            vec![SectionKind::Inclusion, SectionKind::Exclusion],
        ),
        (
            "Key Exclusion Criteria\n\n* HIV",
            vec![SectionKind::Exclusion],
        ),
        (
            "Inclusion Criteria: Age ≥ 18 Exclusion Criteria: pregnancy",
            vec![SectionKind::Inclusion, SectionKind::Exclusion],
        ),
        (
            "Histologically confirmed NSCLC",
            vec![SectionKind::Unspecified],
        ),
    ] {
        let p = parse(text);
        assert_eq!(
            p.sections.iter().map(|s| s.kind).collect::<Vec<_>>(),
            kinds,
            "{text}"
        );
    }
}

#[test]
fn negation_prior_therapy_and_unicode_comparators() {
    let p = parse(
        "Inclusion Criteria:\n* No prior chemotherapy within 4 weeks\n* Platelets ＞ 100 x 10^9/L\n* At least 2 prior lines of systemic therapy",
    );
    let chemo = &p.criteria[0].rules[0];
    assert!(chemo.negated);
    assert!(
        matches!(&chemo.body, RuleBody::PriorTherapy { therapy: Some(t), .. } if t == "chemotherapy")
    );
    assert_eq!(chemo.window.as_ref().unwrap().comparator, Comparator::Le);
    let plt = &p.criteria[1].rules[0];
    assert_eq!(threshold(plt).comparator, Comparator::Gt);
    assert_eq!(threshold(plt).unit.as_deref(), Some("10^9/L"));
    assert!(p.criteria[2].rules.iter().any(|r| matches!(&r.body, RuleBody::PriorTherapy { lines: Some(l), .. } if l.value == 2.0 && l.comparator == Comparator::Ge)));
}

#[test]
fn vocabulary_normalizes_condition_mentions() {
    let vocab = ConditionVocabulary::new([
        ("Lymphoma, T-Cell", "D016399"),
        ("Non-small cell lung cancer", "D002289"),
    ]);
    let p = Parser::new()
        .with_vocabulary(vocab)
        .parse("Histologically confirmed T-cell lymphoma\nNo prior non-small cell lung cancer");
    let mesh: Vec<Option<String>> = p
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Condition { mesh, .. } => Some(mesh.as_ref().map(|m| m.id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        mesh,
        vec![Some("D016399".to_string()), Some("D002289".to_string())]
    );
}

#[test]
fn json_form_is_tagged_and_round_trips() {
    let p = parse(&fixture("NCT07117305"));
    let json = serde_json::to_value(&p).unwrap();
    let first = &json["criteria"][1]["rules"][0];
    assert_eq!(first["kind"], "age");
    assert_eq!(first["polarity"], "inclusion");
    assert_eq!(first["min"]["value"], 14.0);
    let back: ParsedCriteria = serde_json::from_value(json).unwrap();
    assert_eq!(back, p);
}

#[test]
fn explanations_read_like_sentences() {
    let p = parse(
        "Exclusion Criteria:\n* LVEF \\<50%\n* Total bilirubin > 1.5 x ULN unless Gilbert syndrome",
    );
    let ex: Vec<String> = p.rules().map(|r| r.explain()).collect();
    assert_eq!(ex[0], "Exclusion: lvef < 50%");
    assert_eq!(
        ex[1],
        "Exclusion: total bilirubin > 1.5 × ULN, except Gilbert syndrome"
    );
}

#[test]
fn age_at_onset_or_diagnosis_is_not_an_age_limit() {
    let p = parse(
        "Inclusion Criteria:\n* Age 18-60 years\n* Type 1 diabetes with onset of disease at less than 40 years of age\n* Diagnosis made at age of 36 or above\n",
    );
    let range = p.age_range().unwrap();
    assert_eq!((range.min_years, range.max_years), (Some(18.0), Some(60.0)));
}

#[test]
fn age_between_two_comparators() {
    let p = parse("Inclusion Criteria:\n* 18 years < age < 50 years\n");
    let range = p.age_range().unwrap();
    assert_eq!((range.min_years, range.max_years), (Some(18.0), Some(50.0)));
    assert!(range.min_exclusive && range.max_exclusive);
}

#[test]
fn different_minimums_in_separate_inclusion_criteria_are_cohorts() {
    // "≥ 60", and "≥ 18 if unsuitable for induction": the weaker bound is an alternative cohort.
    let p = parse(
        "Inclusion Criteria:\n* Age ≥ 60 years\n* Age ≥ 18 years who are unsuitable for standard induction therapy\n\nExclusion Criteria:\n* Age > 80 years\n",
    );
    let range = p.age_range().unwrap();
    assert_eq!((range.min_years, range.max_years), (Some(18.0), Some(80.0)));
    // Bounds named for groups in one criterion are cohorts too.
    let p = parse(
        "Age: 35 to 50 years old for middle-age group, and 65 to 80 years old for elderly group",
    );
    let range = p.age_range().unwrap();
    assert_eq!((range.min_years, range.max_years), (Some(35.0), Some(80.0)));
}

#[test]
fn the_age_of_a_sample_is_not_the_patients_age() {
    let p = parse(
        "Inclusion Criteria:\n* Participants must be ≥ 18 years of age\n* Provision of FFPE tumor sample that is no older than 3 years\n",
    );
    let range = p.age_range().unwrap();
    assert_eq!((range.min_years, range.max_years), (Some(18.0), None));
}

#[test]
fn age_phrasings_with_two_bounds() {
    for (text, min, max) in [
        (
            "Male & female patients >= 18 and < 70 years of age",
            18.0,
            70.0,
        ),
        ("Be between the ages of 18 and 65", 18.0, 65.0),
        ("Aged 5 years to less than 12 years at Visit 1", 5.0, 12.0),
        // A transcoding lost "≥"/"≤"; with two bounds only one reading is possible.
        (
            "Male or female, aged = 18 to = 60 years on day of inclusion",
            18.0,
            60.0,
        ),
        (
            "Age equal or greater than 18 years and up to the age of 35",
            18.0,
            35.0,
        ),
        ("Over 18 years and under 65 years", 18.0, 65.0),
    ] {
        let r = parse(text)
            .age_range()
            .unwrap_or_else(|| panic!("no age in {text:?}"));
        assert_eq!((r.min_years, r.max_years), (Some(min), Some(max)), "{text}");
    }
    // A single bare "=" says nothing about the direction: no bound.
    assert!(parse("Age = 18 years").age_range().is_none());
    // Relatives' ages are not the patient's.
    assert!(
        parse(
            "Exclusion Criteria:\n* Sudden death of immediate family members under the age of 40\n"
        )
        .age_range()
        .is_none()
    );
}

#[test]
fn gestational_age_is_a_measurement_not_a_time_window() {
    let p =
        parse("Inclusion Criteria:\n* Singleton pregnancy at gestational age 36 weeks or more\n");
    let rules: Vec<&Rule> = p.rules().collect();
    assert!(rules.iter().any(|r| matches!(&r.body, RuleBody::Lab { analyte, threshold }
        if analyte == "gestational age" && threshold.value == 36.0 && threshold.comparator == Comparator::Ge)));
    assert!(rules.iter().all(|r| r.window.is_none()));
}

#[test]
fn uln_multiples_without_a_comparator() {
    let p = parse(
        "Exclusion Criteria:\n* Severe liver dysfunction (LFT 3X upper limit of normal)\n* AST or ALT five times higher than the upper limit of normal range\n",
    );
    let t: Vec<&Threshold> = p.rules().flat_map(|r| r.thresholds()).collect();
    assert!(
        t.iter()
            .any(|t| t.value == 3.0 && t.relative_to == Some(Reference::Uln))
    );
    assert!(t.iter().any(|t| t.value == 5.0
        && t.comparator == Comparator::Gt
        && t.relative_to == Some(Reference::Uln)));
}

#[test]
fn scale_values_without_a_comparator() {
    let p = parse(
        "Inclusion Criteria:\n* ASA physical status 1 or 2\n* American Society of Anesthesiologists class I-III\n* Hunt Hess Grade 5\n",
    );
    let scores: Vec<&Threshold> = p
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::ClinicalScore { threshold, .. } => Some(threshold),
            _ => None,
        })
        .collect();
    let got: Vec<(Comparator, f64, Option<f64>)> = scores
        .iter()
        .map(|t| (t.comparator, t.value, t.upper))
        .collect();
    assert_eq!(
        got,
        vec![
            (Comparator::Between, 1.0, Some(2.0)),
            (Comparator::Between, 1.0, Some(3.0)),
            (Comparator::Eq, 5.0, None)
        ]
    );
    // Aspirin is not a scale.
    assert!(
        parse("ASA 81 mg daily")
            .rules()
            .all(|r| r.kind() != "clinical_score")
    );
}

#[test]
fn a_second_bound_keeps_the_analyte_and_or_makes_alternatives() {
    let p = parse("Exclusion Criteria:\n* Serum potassium < 3.5 or > 5.1 mmol/L\n");
    let k: Vec<&Rule> = p
        .rules()
        .filter(|r| matches!(&r.body, RuleBody::Lab { analyte, .. } if analyte == "potassium"))
        .collect();
    assert_eq!(k.len(), 2);
    assert!(k[0].alternative_group.is_some());
    assert_eq!(k[0].alternative_group, k[1].alternative_group);
    let p = parse("Inclusion Criteria:\n* BMI > 35 and < 50 kg/m2\n");
    let bmi: Vec<&Rule> = p
        .rules()
        .filter(|r| matches!(&r.body, RuleBody::Lab { analyte, .. } if analyte == "bmi"))
        .collect();
    assert_eq!(bmi.len(), 2);
    assert!(bmi.iter().all(|r| r.alternative_group.is_none()));
}

#[test]
fn and_less_than_starts_the_upper_bound() {
    // "and less" is not the postfix "18 or less": min 18, max < 80.
    let p = parse("Inclusion Criteria:\n* Women aged 18 years and less than 80 years\n");
    let r = p.age_range().expect("an age range");
    assert_eq!(r.min_years, Some(18.0));
    assert!(!r.min_exclusive);
    assert_eq!(r.max_years, Some(80.0));
    assert!(r.max_exclusive);
    // The postfix form still reads as a bound on the number before it.
    let r = parse("Inclusion Criteria:\n* Aged 65 years and older\n")
        .age_range()
        .expect("an age range");
    assert_eq!((r.min_years, r.max_years), (Some(65.0), None));
}

fn therapies(p: &ParsedCriteria) -> Vec<(String, Option<u32>)> {
    p.rules()
        .filter_map(|r| match &r.body {
            RuleBody::PriorTherapy {
                therapy: Some(t), ..
            } => Some((t.clone(), r.alternative_group)),
            _ => None,
        })
        .collect()
}

#[test]
fn therapies_listed_with_or_are_alternatives() {
    let p = parse("Inclusion Criteria:\n* Prior chemotherapy, endocrine or anti-HER2 therapy\n");
    let t = therapies(&p);
    let names: Vec<&str> = t.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["chemotherapy", "endocrine therapy", "anti-her2 therapy"]
    );
    assert!(t[0].1.is_some());
    assert!(t.iter().all(|(_, g)| *g == t[0].1), "{t:?}");
    // "and" keeps them conjunctive.
    let t = therapies(&parse(
        "Inclusion Criteria:\n* Prior treatment with chemotherapy and radiotherapy\n",
    ));
    assert_eq!(t.len(), 2);
    assert!(t.iter().all(|(_, g)| g.is_none()));
    // Excluded on either one: separate exclusions, not alternatives (and likewise "no A or B").
    let t = therapies(&parse(
        "Exclusion Criteria:\n* Prior chemotherapy or radiotherapy\n",
    ));
    assert_eq!(t.len(), 2);
    assert!(t.iter().all(|(_, g)| g.is_none()));
    let p = parse("Inclusion Criteria:\n* No prior chemotherapy or radiotherapy\n");
    assert!(
        p.rules()
            .filter(|r| r.kind() == "prior_therapy")
            .all(|r| r.negated && r.alternative_group.is_none())
    );
}

#[test]
fn a_sex_word_heading_a_relative_clause_is_not_a_sex_rule() {
    for text in [
        "Exclusion Criteria:\n* Women whose DCIS is hormone receptor negative\n",
        "Exclusion Criteria:\n* Men who have had a vasectomy\n",
        "Exclusion Criteria:\n* Female patients with a history of breast cancer\n",
    ] {
        let p = parse(text);
        assert!(p.rules().all(|r| r.kind() != "sex"), "{text}");
    }
    let p = parse("Exclusion Criteria:\n* Men\n");
    assert!(
        p.rules()
            .any(|r| matches!(r.body, RuleBody::Sex { sex: Sex::Male }))
    );
    let p = parse("Inclusion Criteria:\n* Postmenopausal women aged 50 or older\n");
    assert!(
        p.rules()
            .any(|r| matches!(r.body, RuleBody::Sex { sex: Sex::Female }))
    );
}

/// Real texts mixing `≥`, `×`, `≤`, `µ`/`μ` and `\<` (once a byte-boundary panic): parse them
/// whole, cut right after and around every such character (so it ends the input), and with every
/// line ending right after it; spans must stay valid slices.
#[test]
fn multibyte_comparators_at_line_and_input_ends() {
    fn check(text: &str) {
        let p = parse(text);
        for c in &p.criteria {
            assert_eq!(text.get(c.span.start..c.span.end), Some(c.text.as_str()));
            for r in &c.rules {
                assert!(
                    text.get(r.span.start..r.span.end).is_some(),
                    "{:?} in {text:?}",
                    r.span
                );
                for t in r.thresholds() {
                    assert!(text.get(t.span.start..t.span.end).is_some());
                }
                if let Some(w) = &r.window {
                    assert!(text.get(w.span.start..w.span.end).is_some());
                }
            }
        }
    }
    let special = ['≥', '×', '≤', 'µ', 'μ', '<', '＜'];
    let mut cuts = 0;
    for name in ["NCT03634059", "NCT03801200", "NCT04265963", "NCT07117305"] {
        let text = fixture(name);
        check(&text);
        for (i, ch) in text.char_indices().filter(|(_, c)| special.contains(c)) {
            let after = i + ch.len_utf8();
            // Every char boundary from a few bytes before to a few bytes after the character.
            for cut in (i.saturating_sub(4)..=(after + 4).min(text.len()))
                .filter(|&k| text.is_char_boundary(k))
            {
                check(&text[..cut]);
                check(&text[cut..]);
                cuts += 1;
            }
        }
        // Every line ends right after its first special character.
        let lines: String = text
            .lines()
            .map(
                |l| match l.char_indices().find(|(_, c)| special.contains(c)) {
                    Some((i, c)) => format!("{}\n", &l[..i + c.len_utf8()]),
                    None => format!("{l}\n"),
                },
            )
            .collect();
        check(&lines);
    }
    assert!(cuts > 100, "the fixtures hold the characters under test");
}

#[test]
fn a_blood_pressure_pair_is_two_thresholds() {
    let p =
        parse("Exclusion Criteria:\n* Uncontrolled hypertension (blood pressure > 140/90 mmHg)\n");
    let bp: Vec<(String, Comparator, f64, Option<String>)> = p
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Lab { analyte, threshold } => Some((
                analyte.clone(),
                threshold.comparator,
                threshold.value,
                threshold.unit.clone(),
            )),
            _ => None,
        })
        .collect();
    let mmhg = Some("mmHg".to_string());
    assert_eq!(
        bp,
        [
            ("systolic_bp".into(), Comparator::Gt, 140.0, mmhg.clone()),
            ("diastolic_bp".into(), Comparator::Gt, 90.0, mmhg)
        ]
    );
    // A titer is not a pair.
    let p = parse("Inclusion Criteria:\n* Antibody titer > 1/40\n");
    assert!(
        p.rules()
            .all(|r| r.thresholds().iter().all(|t| t.value != 40.0))
    );
}

#[test]
fn one_criterion_a_line_without_bullets_is_not_one_wrapped_criterion() {
    // Lines starting in lower case after short lines: a list of one criterion a line.
    let text = "Inclusion Criteria:
diagnosed with type 2 diabetes mellitus
21 to 72 years of age
taking rosiglitazone and metformin for at least 3 months, and on a stable dose for at least 2 months
glycosylated hemoglobin (HbA1c) level of >/=7.5% but </=10.0%
Exclusion Criteria:
Type 1 diabetes
pancreatic diabetes
presence of concomitant endocrinal disorder
";
    let p = parse(text);
    let texts: Vec<&str> = p.criteria.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts.len(), 7, "{texts:#?}");
    assert!(texts.contains(&"pancreatic diabetes"), "{texts:#?}");
    // The window of the rosiglitazone line stays on it, not on the HbA1c limits.
    let hba1c = rules_of(&p, "glycosylated hemoglobin");
    assert!(
        !hba1c.is_empty() && hba1c.iter().all(|r| r.window.is_none()),
        "{hba1c:#?}"
    );
    // A hard-wrapped text still joins its lines.
    let wrapped = "Inclusion Criteria:
Patients with a history of myocardial infarction or unstable angina within the last
six months before the first dose of the study drug, as judged by the investigator,
are excluded from the randomised part of the study but may enter the registry.
Age 18 years or older
";
    let p = parse(wrapped);
    assert_eq!(p.criteria.len(), 2, "{:#?}", p.criteria);
    assert!(p.criteria[0].text.ends_with("registry."));
}
