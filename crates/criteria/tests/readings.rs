//! One test per reading added in the fourth round: real-looking criteria text → expected rule.

use criteria::*;

fn all_thresholds(text: &str) -> Vec<(String, Comparator, f64, Option<f64>)> {
    let p = parse(text);
    p.rules()
        .flat_map(|r| {
            r.thresholds()
                .into_iter()
                .map(|t| (r.kind().to_string(), t.comparator, t.value, t.upper))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn nyha(text: &str) -> Vec<(Comparator, f64, Option<f64>)> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::OrganFunction {
                measure: OrganMeasure::NyhaClass,
                threshold: Some(t),
            } => Some((t.comparator, t.value, t.upper)),
            _ => None,
        })
        .collect()
}

fn scores(text: &str) -> Vec<(Comparator, f64, Option<f64>)> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::ClinicalScore { threshold: t, .. } => Some((t.comparator, t.value, t.upper)),
            _ => None,
        })
        .collect()
}

#[test]
fn nyha_class_without_the_word_class_and_as_lists() {
    use Comparator::*;
    assert_eq!(
        nyha("Exclusion Criteria:\n* Congestive heart failure NYHA III-IV\n"),
        vec![(Between, 3.0, Some(4.0))]
    );
    assert_eq!(
        nyha("Exclusion Criteria:\n* Known severe heart failure, classified as NYHA 4.\n"),
        vec![(Eq, 4.0, None)]
    );
    assert_eq!(
        nyha(
            "Inclusion Criteria:\n* NYHA (New York Heart Association) functional class II, III and IV\n"
        ),
        vec![(Between, 2.0, Some(4.0))]
    );
    assert_eq!(
        nyha("Exclusion Criteria:\n* cardiac dysfunction (NYHA class III and above)\n"),
        vec![(Ge, 3.0, None)]
    );
    assert_eq!(
        nyha(
            "Exclusion Criteria:\n* Heart failure (New York Heart Association [NYHA] Stages 3 to 4)\n"
        ),
        vec![(Between, 3.0, Some(4.0))]
    );
    assert_eq!(
        nyha(
            "Exclusion Criteria:\n* Heart failure, New York Heart Association (NYHA) III/IV or EF < 40%\n"
        ),
        vec![(Between, 3.0, Some(4.0))]
    );
}

#[test]
fn scale_values_with_a_comparator_before_or_after() {
    use Comparator::*;
    assert_eq!(
        scores("Exclusion Criteria:\n* Spondylolisthesis Grade II or higher.\n"),
        vec![(Ge, 2.0, None)]
    );
    assert_eq!(
        scores("Exclusion Criteria:\n* BMI > 30 kg.m-2, ASA physical state >II\n"),
        vec![(Gt, 2.0, None)]
    );
    assert_eq!(
        scores("Exclusion Criteria:\n* ASA classification >= IV.\n"),
        vec![(Ge, 4.0, None)]
    );
    // A plain list stays a range.
    assert_eq!(
        scores("Inclusion Criteria:\n* ASA I, II or III\n"),
        vec![(Between, 1.0, Some(3.0))]
    );
    assert!(
        !all_thresholds("Exclusion Criteria:\n* ASA 81 mg daily\n")
            .iter()
            .any(|t| t.0 == "clinical_score")
    );
}

fn age_range(text: &str) -> Option<(Option<f64>, Option<f64>)> {
    parse(text).age_range().map(|r| (r.min_years, r.max_years))
}

#[test]
fn ages_that_are_not_age_limits() {
    // One of several risk factors that qualify a patient.
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* T1 tumors with any of the following high risk factors: high grade, lymphovascular invasion, HER2 positivity, age < 35 years.\n"
        ),
        None
    );
    // An exclusion that only says who will undergo a test.
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Age 22 - 69 years.\nExclusion Criteria:\n* Osteoporosis. All patients 50 years and older, post-menstrual, and females with hysterectomies will undergo a DEXA scan.\n"
        ),
        Some((Some(22.0), Some(69.0)))
    );
    // An exclusion qualified by what follows the parenthesis.
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Subjects age must be between 13 to 50 years\nExclusion Criteria:\n* Subjects (18 years of age and over) with a current blood pressure above 130/85 mmHg.\n"
        ),
        Some((Some(13.0), Some(50.0)))
    );
}

#[test]
fn amended_and_named_age_limits() {
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Male or female between the age of 12 and 35 years, inclusive (changed to between the age of 10 and 35 years, inclusive, under Amendment 2)\n"
        ),
        Some((Some(10.0), Some(35.0)))
    );
    // "maximum age" names the limit even in the exclusion list.
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Healthy volunteers aged 18 years or older\nExclusion Criteria:\n* Part C of the study (maximum age 65 years): abnormal ECG\n"
        ),
        Some((Some(18.0), Some(65.0)))
    );
}

fn lab_values(text: &str) -> Vec<f64> {
    parse(text)
        .rules()
        .filter(|r| matches!(r.body, RuleBody::Lab { .. }))
        .flat_map(|r| r.thresholds().into_iter().map(|t| t.value))
        .collect()
}

#[test]
fn counts_of_things_are_not_measurements() {
    for text in [
        "Inclusion Criteria:\n* Have experienced at least 2 moderate or severe COPD exacerbations\n",
        "Exclusion Criteria:\n* Prior treatment with more than 2 systemic chemotherapy regimens\n",
        "Inclusion Criteria:\n* MRSA on a baseline blood culture and on at least 1 additional blood culture\n",
        "Inclusion Criteria:\n* Presence of at least 2 cryopreserved good quality embryos\n",
    ] {
        assert!(lab_values(text).is_empty(), "{text}");
    }
    // A measurement followed by a condition on the patients stays a measurement.
    assert_eq!(
        lab_values("Inclusion Criteria:\n* Hemoglobin > 9 in patients with anemia\n"),
        vec![9.0]
    );
}

#[test]
fn comparator_and_unit_spellings() {
    use Comparator::*;
    let one = |text: &str| -> Vec<(Comparator, f64, Option<String>)> {
        parse(text)
            .rules()
            .flat_map(|r| {
                r.thresholds()
                    .into_iter()
                    .map(|t| (t.comparator, t.value, t.unit.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert_eq!(
        one("Inclusion Criteria:\n* Hemoglobin > or = to 11.5g/dL\n"),
        vec![(Ge, 11.5, Some("g/dL".into()))]
    );
    assert_eq!(
        one("Exclusion Criteria:\n* QTc greater than (>) 450msec\n"),
        vec![(Gt, 450.0, Some("ms".into()))]
    );
    assert_eq!(
        one("Inclusion Criteria:\n* Expanded Disability Status Scale (EDSS) score less than equals to (<=) 5.0.\n")
            .iter()
            .map(|t| (t.0, t.1))
            .collect::<Vec<_>>(),
        vec![(Le, 5.0)]
    );
    assert_eq!(
        one(
            "Inclusion Criteria:\n* Must have a life expectancy of greater than three (3) months\n"
        ),
        vec![(Gt, 3.0, Some("month".into()))]
    );
    assert_eq!(
        one("Exclusion Criteria:\n* Baseline LIC >30 mg/g dw (measured by MRI)\n")[0].2,
        Some("mg/g".into())
    );
    assert_eq!(
        one("Inclusion Criteria:\n* FSH> 30mUI/ml according to the criteria of menopause\n").len(),
        1
    );
}

fn ages(text: &str) -> Vec<(Option<f64>, Option<f64>)> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Age { min, max, .. } => {
                Some((min.as_ref().map(|b| b.value), max.as_ref().map(|b| b.value)))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn ages_after_a_person_word_and_alone() {
    assert_eq!(
        ages("Exclusion Criteria:\n* Patients under 18\n"),
        vec![(None, Some(18.0))]
    );
    assert_eq!(
        ages(
            "Inclusion Criteria:\n* Major subjects of over 40 years (mean age of Meniere's disease)\n"
        ),
        vec![(Some(40.0), None)]
    );
    assert_eq!(
        ages("Inclusion Criteria:\n* 18-80 year, male or female.\n"),
        vec![(Some(18.0), Some(80.0))]
    );
    // A worded bound on something else is not an age.
    assert!(ages("Inclusion Criteria:\n* Hospitals with over 100 beds\n").is_empty());
    assert!(ages("Inclusion Criteria:\n* Patients over 100 kg\n").is_empty());
}

#[test]
fn lab_units_and_names_in_more_spellings() {
    use Comparator::*;
    type LabRow = (String, Comparator, f64, Option<String>, Option<Reference>);
    let labs = |text: &str| -> Vec<LabRow> {
        parse(text)
            .rules()
            .filter_map(|r| match &r.body {
                RuleBody::Lab {
                    analyte,
                    threshold: t,
                } => Some((
                    analyte.clone(),
                    t.comparator,
                    t.value,
                    t.unit.clone(),
                    t.relative_to,
                )),
                _ => None,
            })
            .collect()
    };
    // "mM" is millimolar, not millimetres.
    assert_eq!(
        labs("Exclusion Criteria:\n* Fasting plasma glucose > 7,0 mM\n"),
        vec![("glucose".into(), Gt, 7.0, Some("mmol/L".into()), None)]
    );
    assert_eq!(
        labs("Exclusion Criteria:\n* diastolic blood pressure> 100 mm.hg in patients receiving antihypertensives\n")[0].3,
        Some("mmHg".into())
    );
    assert_eq!(
        labs("Exclusion Criteria:\n* resting Systolic Blood Pressure (SBP) >180 millimeters of mercury (mmHg)\n")[0].3,
        Some("mmHg".into())
    );
    // "> x3 upper normal limit".
    let r =
        labs("Exclusion Criteria:\n* Abnormal liver function (AST/ALT > x3 upper normal limit)\n");
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|x| x.2 == 3.0 && x.4 == Some(Reference::Uln)));
    // "equal to or over" includes the bound.
    assert_eq!(
        labs("Inclusion Criteria:\n* Weight: equal to or over 35 kg.\n")[0].1,
        Ge
    );
    // An unknown analyte named before "levels (…)".
    assert_eq!(
        labs("Exclusion Criteria:\n* Low vitamin B12 Levels (< 300 pg/mL)\n")[0].2,
        300.0
    );
    // A number explaining a condition in brackets is not read as a measurement of it.
    assert!(labs("Inclusion Criteria:\n* Leukocytosis (>10.000 cells/mm3)\n").is_empty());
}

#[test]
fn performance_status_lists_and_bare_values() {
    let ps = |text: &str| -> Vec<(Option<f64>, Option<f64>)> {
        parse(text)
            .rules()
            .filter_map(|r| match &r.body {
                RuleBody::PerformanceStatus { min, max, .. } => Some((*min, *max)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        ps(
            "Inclusion Criteria:\n* General state with Karnofsky greater than 80, ECOG = 0, 1 or 2.\n"
        ),
        vec![(Some(90.0), None), (Some(0.0), Some(2.0))]
    );
    assert_eq!(
        ps("Inclusion Criteria:\n* ECOG performance status 2.\n"),
        vec![(Some(2.0), Some(2.0))]
    );
}

#[test]
fn time_windows_in_more_spellings() {
    use Comparator::*;
    let win = |text: &str| -> Vec<(Comparator, f64, TimeUnit, WindowDirection)> {
        parse(text)
            .rules()
            .filter_map(|r| r.window.as_ref())
            .map(|w| (w.comparator, w.value, w.unit, w.direction))
            .collect()
    };
    assert_eq!(
        win(
            "Exclusion Criteria:\n* Cognitive behavioural therapy or additional psychotherapy in past four months\n"
        ),
        vec![(Le, 4.0, TimeUnit::Month, WindowDirection::Before)]
    );
    assert_eq!(
        win("Exclusion Criteria:\n* Planned kidney transplant in the next 4 months\n"),
        vec![(Le, 4.0, TimeUnit::Month, WindowDirection::After)]
    );
    assert_eq!(
        win("Exclusion Criteria:\n* Have been taking corticosteroids for longer than 48 hours.\n")
            [0]
        .0,
        Gt
    );
    assert_eq!(
        win(
            "Exclusion Criteria:\n* Major surgical procedure within approximately 28 days prior to randomization\n"
        ),
        vec![(Le, 28.0, TimeUnit::Day, WindowDirection::Before)]
    );
    assert_eq!(
        win("Inclusion Criteria:\n* Stable (8 wks or longer) concurrent medications\n")[0].0,
        Ge
    );
    assert_eq!(
        win("Exclusion Criteria:\n* Four weeks or less since completion of treatment\n"),
        vec![(Le, 4.0, TimeUnit::Week, WindowDirection::After)]
    );
}

#[test]
fn ages_are_not_measurements_named_age() {
    // A bare "=" age (a lost "≥" / "≤") and an age that conditions something else are left out
    // of the age reading on purpose; they must not come back as a lab value named "age".
    assert!(lab_values("Inclusion Criteria:\n* Type 2 diabetic patients Age = 50\n").is_empty());
    assert!(
        lab_values(
            "Inclusion Criteria:\n* Written parental consent for those under the age of 18\n"
        )
        .is_empty()
    );
    // Gestational age is a measurement of its own.
    assert_eq!(
        lab_values("Exclusion Criteria:\n* Gestational age less than 37 completed weeks\n"),
        vec![37.0]
    );
}

#[test]
fn ages_of_a_and_b() {
    assert_eq!(
        ages("Inclusion Criteria:\n* ages of 7 and 75 years\n"),
        vec![(Some(7.0), Some(75.0))]
    );
    // "and" alone between two numbers is not a range.
    assert!(ages("Inclusion Criteria:\n* 2 and 3 prior lines of therapy\n").is_empty());
}

#[test]
fn explicit_between_ranges_are_measurements() {
    assert_eq!(
        lab_values(
            "Inclusion Criteria:\n* Treated with nasal CPAP and FiO2 between 0.30 and 0.60 for at least 2 hours\n"
        ),
        vec![0.3]
    );
    // A bare range of people is not.
    assert!(lab_values("Inclusion Criteria:\n* Groups of 12-16 participants\n").is_empty());
}

#[test]
fn killip_class_is_a_scale() {
    assert_eq!(
        scores("Exclusion Criteria:\n* Cardiogenic shock of patient with KILLIP III or IV\n"),
        vec![(Comparator::Between, 3.0, Some(4.0))]
    );
}

#[test]
fn window_comparators_and_ages_that_are_not_windows() {
    let win = |text: &str| -> Vec<(Comparator, f64)> {
        parse(text)
            .rules()
            .filter_map(|r| r.window.as_ref())
            .map(|w| (w.comparator, w.value))
            .collect()
    };
    assert_eq!(
        win("Inclusion Criteria:\n* Stable dose of methotrexate >= 12 weeks\n"),
        vec![(Comparator::Ge, 12.0)]
    );
    assert!(
        win("Inclusion Criteria:\n* Cardiovascular disease: For patients >= 40 years of age: any one of the following\n")
            .is_empty()
    );
}

#[test]
fn a_range_after_the_name_of_a_measure() {
    assert_eq!(
        lab_values("Inclusion Criteria:\n* Respiration rate 12-18 breaths per minute\n"),
        vec![12.0]
    );
}

#[test]
fn non_native_comparator_spellings() {
    assert_eq!(
        lab_values("Exclusion Criteria:\n* Fasting glucose greater 150 mg/dL.\n"),
        vec![150.0]
    );
    let p =
        parse("Inclusion Criteria:\n* twice random glucose measurements major than 200 mg/dl\n");
    let t: Vec<Comparator> = p
        .rules()
        .flat_map(|r| r.thresholds().into_iter().map(|t| t.comparator))
        .collect();
    assert_eq!(t, vec![Comparator::Gt]);
}

#[test]
fn bounds_under_a_group_label_hold_for_that_group() {
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Male and female subjects aged ≤ 30 years. First 2 enrolled subjects: age ≥ 18 and ≤ 30 years\n"
        ),
        Some((None, Some(30.0)))
    );
    // Without a label the bounds of one criterion still all hold.
    assert_eq!(
        age_range("Inclusion Criteria:\n* Subjects aged ≥ 18 and ≤ 30 years\n"),
        Some((Some(18.0), Some(30.0)))
    );
}

#[test]
fn exceptions_granted_to_older_subjects_are_no_age_limit() {
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Exceptions were granted to those subjects over the age of 75 on a case-by-case basis.\n"
        ),
        None
    );
}

#[test]
fn age_at_a_diagnosis_named_at_length_is_no_age_limit() {
    assert_eq!(
        ages(
            "Inclusion Criteria:\n* A diagnosis of type 2 diabetes mellitus first made at age 30 years or older\n"
        ),
        vec![]
    );
}

#[test]
fn a_second_bound_after_a_converted_value_keeps_the_analyte() {
    let p = parse(
        "Exclusion Criteria:\n* serum calcium concentration < 8.0 mg/dl (2.00 mmol/L) or >= 12.0 mg/dl (3.00 mmol/L).\n",
    );
    let ca: Vec<(Comparator, f64)> = p
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Lab { analyte, threshold } if analyte == "calcium" => {
                Some((threshold.comparator, threshold.value))
            }
            _ => None,
        })
        .collect();
    assert_eq!(ca, vec![(Comparator::Lt, 8.0), (Comparator::Ge, 12.0)]);
}

#[test]
fn a_disease_subtype_number_and_non_hdl_cholesterol_keep_their_names() {
    let parsed = criteria::parse(
        "Inclusion Criteria:\n- Type 1 diabetes mellitus\n- Non-HDL-C >= 100 mg/dL\n- HDL-C < 40 mg/dL",
    );
    let rules: Vec<&criteria::RuleBody> = parsed
        .criteria
        .iter()
        .flat_map(|c| c.rules.iter().map(|r| &r.body))
        .collect();
    assert!(
        rules.iter().any(|b| matches!(b, criteria::RuleBody::Condition { mention, .. } if mention == "Type 1 diabetes mellitus")),
        "{rules:#?}"
    );
    let analytes: Vec<&str> = rules
        .iter()
        .filter_map(|b| match b {
            criteria::RuleBody::Lab { analyte, .. } => Some(analyte.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(analytes, ["non_hdl", "hdl"]);
}

#[test]
fn unstable_is_not_a_stable_disease_state() {
    let states = |text: &str| -> Vec<criteria::DiseaseState> {
        criteria::parse(text)
            .criteria
            .iter()
            .flat_map(|c| c.rules.iter())
            .filter_map(|r| match &r.body {
                criteria::RuleBody::Condition { states, .. } => Some(states.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    };
    assert!(
        !states("Exclusion Criteria:\n- Unstable angina").contains(&criteria::DiseaseState::Stable)
    );
    assert!(
        states("Inclusion Criteria:\n- Stable angina for 3 months")
            .contains(&criteria::DiseaseState::Stable)
    );
}

#[test]
fn a_negation_reaches_over_an_or_list() {
    let parsed = criteria::parse(
        "Inclusion Criteria:\n- Patients may not have had prior chemotherapy or prior radiation therapy to the ipsilateral breast",
    );
    let therapies: Vec<(String, bool)> = parsed
        .criteria
        .iter()
        .flat_map(|c| c.rules.iter())
        .filter_map(|r| match &r.body {
            criteria::RuleBody::PriorTherapy {
                therapy: Some(t), ..
            } => Some((t.clone(), r.negated)),
            _ => None,
        })
        .collect();
    assert_eq!(therapies.len(), 2, "{therapies:?}");
    assert!(
        therapies.iter().all(|(_, negated)| *negated),
        "{therapies:?}"
    );
}

#[test]
fn ecog_lists_with_ampersands_and_roman_upper_bounds() {
    let ps = |text: &str| -> Vec<(Option<f64>, Option<f64>)> {
        criteria::parse(text)
            .criteria
            .iter()
            .flat_map(|c| c.rules.iter())
            .filter_map(|r| match &r.body {
                criteria::RuleBody::PerformanceStatus { min, max, .. } => Some((*min, *max)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        ps("Inclusion Criteria:\n- ECOG Performance Status 0, 1, & 2."),
        [(Some(0.0), Some(2.0))]
    );
    assert_eq!(
        ps("Inclusion Criteria:\n- ECOG-PS 0-II."),
        [(Some(0.0), Some(2.0))]
    );
    assert_eq!(
        ps("Inclusion Criteria:\n- ECOG 0-1"),
        [(Some(0.0), Some(1.0))]
    );
}

// ---------------------------------------------------------------- fifth round

fn labs(text: &str) -> Vec<(String, Comparator, f64, Option<Reference>)> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Lab { analyte, threshold } => Some((
                analyte.clone(),
                threshold.comparator,
                threshold.value,
                threshold.relative_to,
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn within_a_multiple_of_the_uln_is_a_ceiling() {
    assert_eq!(
        labs("Inclusion Criteria:\n* ALT within 2 times the upper limit of normal range\n"),
        [("alt".into(), Comparator::Le, 2.0, Some(Reference::Uln))]
    );
    // Without "within" the multiple keeps no direction of its own.
    assert_eq!(
        labs("Inclusion Criteria:\n* ALT 2 times the upper limit of normal\n"),
        [("alt".into(), Comparator::Eq, 2.0, Some(Reference::Uln))]
    );
}

#[test]
fn blood_pressure_pairs_with_the_comparator_after_them() {
    let p = parse("Exclusion Criteria:\n* Blood pressure 150/95 mmHg or higher\n");
    let bp: Vec<(String, Comparator, f64)> = p
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Lab { analyte, threshold } => {
                Some((analyte.clone(), threshold.comparator, threshold.value))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        bp,
        [
            ("systolic_bp".into(), Comparator::Ge, 150.0),
            ("diastolic_bp".into(), Comparator::Ge, 95.0)
        ]
    );
    // A titer with a postfix comparator is no pair.
    let p = parse("Inclusion Criteria:\n* Antibody titer 1/40 or higher\n");
    assert!(
        p.rules()
            .all(|r| r.thresholds().iter().all(|t| t.value != 1.0))
    );
}

#[test]
fn exceeded_is_a_comparator() {
    assert_eq!(
        labs("Exclusion Criteria:\n* Total bilirubin level exceeded 2 mg/dL\n"),
        [("total_bilirubin".into(), Comparator::Gt, 2.0, None)]
    );
}

#[test]
fn excluding_ages_on_either_side_leaves_the_range_between() {
    // Excluded if younger than 30 or older than 75: both turned-around bounds hold.
    assert_eq!(
        age_range("Exclusion Criteria:\n* age <30 years or > 75 years; BMI < 25 kg/m2\n"),
        Some((Some(30.0), Some(75.0)))
    );
    assert_eq!(
        age_range("Exclusion Criteria:\n* Age less than 18 or greater than 65 years\n"),
        Some((Some(18.0), Some(65.0)))
    );
}

#[test]
fn a_lower_or_an_upper_bound_whose_union_is_every_age_means_both() {
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Age greater than or equal to 18 years or less than or equal to 65 years.\n"
        ),
        Some((Some(18.0), Some(65.0)))
    );
    // Cohorts joined by "or" stay alternatives.
    assert_eq!(
        age_range("Inclusion Criteria:\n* Age 18 to 35 years or 65 to 80 years\n"),
        Some((Some(18.0), Some(80.0)))
    );
}

#[test]
fn an_age_stated_before_a_menopause_word_is_a_limit() {
    assert_eq!(
        age_range("Inclusion Criteria:\n* Age>18 years, premenopausal\n"),
        Some((Some(18.0), None))
    );
    assert_eq!(
        age_range("Inclusion Criteria:\n* Age ≥ 30 and ≤ 70 years (postmenopausal if female)\n"),
        Some((Some(30.0), Some(70.0)))
    );
    // An age inside the definition is not.
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Women must be postmenopausal, defined as age > 55 years with no menses for 12 months\n"
        ),
        None
    );
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Women of childbearing potential (< 50 years) must use contraception\n"
        ),
        None
    );
}

#[test]
fn an_age_range_whose_dash_was_lost() {
    assert_eq!(
        age_range("Inclusion Criteria:\n* Male or female aged 37 75 years with type 2 diabetes\n"),
        Some((Some(37.0), Some(75.0)))
    );
    assert_eq!(
        age_range("Inclusion Criteria:\n* Be 18 55 years of age.\n"),
        Some((Some(18.0), Some(55.0)))
    );
    assert_eq!(
        age_range("Inclusion Criteria:\n* Age: 15 40 years old.\n"),
        Some((Some(15.0), Some(40.0)))
    );
    // Descending numbers, or numbers not about age, are no range.
    assert_eq!(age_range("Inclusion Criteria:\n* Aged 65 18 years\n"), None);
    assert_eq!(
        age_range("Inclusion Criteria:\n* Diabetes for 5 10 years\n"),
        None
    );
}

#[test]
fn below_or_equal_to_and_above_or_equal_to() {
    let t = all_thresholds("Exclusion Criteria:\n* Hemoglobin below or equal to 8 g/dL\n");
    assert_eq!(
        t.iter().map(|x| (x.1, x.2)).collect::<Vec<_>>(),
        [(Comparator::Le, 8.0)]
    );
    let t = all_thresholds("Inclusion Criteria:\n* Platelets above or equal to 100,000/mm3\n");
    assert_eq!(
        t.iter().map(|x| (x.1, x.2)).collect::<Vec<_>>(),
        [(Comparator::Ge, 100_000.0)]
    );
}

#[test]
fn a_sum_is_not_a_plus_threshold() {
    // Gleason patterns add up; "3+4" is no "3 or more".
    let t = all_thresholds("Inclusion Criteria:\n* Gleason score 7 (3+4 or 4+3)\n");
    assert!(t.iter().all(|x| x.1 != Comparator::Ge), "{t:?}");
    // "18+ years" and "ASA 3+" keep their reading.
    assert_eq!(
        age_range("Inclusion Criteria:\n* Adults 18+ years\n"),
        Some((Some(18.0), None))
    );
}

#[test]
fn windows_with_greater_than_a_minimum_of_and_ranges() {
    let win = |text: &str| -> Vec<(Comparator, f64, Option<f64>)> {
        parse(text)
            .rules()
            .filter_map(|r| r.window.as_ref())
            .map(|w| (w.comparator, w.value, w.upper))
            .collect()
    };
    assert_eq!(
        win(
            "Inclusion Criteria:\n* Platinum-free interval of greater than 6 months following response to platinum\n"
        ),
        [(Comparator::Gt, 6.0, None)]
    );
    assert_eq!(
        win(
            "Inclusion Criteria:\n* Stable on the same pill for a minimum of 3 months before taking study treatment\n"
        ),
        [(Comparator::Ge, 3.0, None)]
    );
    assert_eq!(
        win("Inclusion Criteria:\n* At least one clinic visit 2-4 months before enrollment\n"),
        [(Comparator::Between, 2.0, Some(4.0))]
    );
    let p =
        parse("Inclusion Criteria:\n* At least one clinic visit 2-4 months before enrollment\n");
    assert!(
        p.rules().any(|r| r.explain().contains("2–4 months before")),
        "{:?}",
        p.rules().map(|r| r.explain()).collect::<Vec<_>>()
    );
}

#[test]
fn birth_weight_is_a_measure() {
    assert_eq!(
        labs("Inclusion Criteria:\n* Birthweight >2500g\n"),
        [("birth_weight".into(), Comparator::Gt, 2500.0, None)]
    );
    assert_eq!(
        labs("Exclusion Criteria:\n* low birth weight < 2500 g\n"),
        [("birth_weight".into(), Comparator::Lt, 2500.0, None)]
    );
}

#[test]
fn an_age_range_whose_dash_became_a_line_break() {
    // Some registry texts lost the dash of an age range to a line break.
    let text =
        "Inclusion Criteria: People ages 55\n75 years old with type 2 diabetes\nHbA1c > 7%\n";
    assert_eq!(age_range(text), Some((Some(55.0), Some(75.0))));
    let p = parse(text);
    assert_eq!(
        p.criteria.len(),
        2,
        "{:?}",
        p.criteria.iter().map(|c| &c.text).collect::<Vec<_>>()
    );
    // A line that merely starts with a duration stays a criterion of its own.
    let p = parse("Inclusion Criteria:\nECOG 0-2\n12 months of follow-up possible\n");
    assert_eq!(p.criteria.len(), 2);
}

#[test]
fn aged_a_and_b_years() {
    assert_eq!(
        age_range("Inclusion Criteria:\n* Aged 30 and 74 years\n"),
        Some((Some(30.0), Some(74.0)))
    );
    // Ends in different units are no plain range.
    assert!(
        parse("Inclusion Criteria:\n* Subjects aged 28 days to 6 months of age\n")
            .rules()
            .all(|r| !matches!(&r.body, RuleBody::Age { min: Some(a), max: Some(b), .. } if a.value > b.value))
    );
    // "aged 18 years and older" keeps its reading.
    assert_eq!(
        age_range("Inclusion Criteria:\n* Patients aged 18 years and older\n"),
        Some((Some(18.0), None))
    );
}

// ---------------------------------------------------------------- sixth round

#[test]
fn an_age_that_says_who_needs_a_test_result_is_no_age_limit() {
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* < 35 years old must be negative for anti-GAD antibodies\n"
        ),
        None
    );
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Age 18-70 years\n* Women ≥ 50 years must have a negative mammogram\n"
        ),
        Some((Some(18.0), Some(70.0)))
    );
    // An age followed by any other requirement stays a limit.
    assert_eq!(
        age_range("Inclusion Criteria:\n* Patients ≥ 18 years must have measurable disease\n"),
        Some((Some(18.0), None))
    );
}

#[test]
fn an_age_inside_the_exception_to_an_age_is_an_alternative() {
    let text = "Inclusion Criteria:\n* Patients ≥ 18 years old, except for paediatric Hospital San Joan de Deu (HSJD) ≥ 8 years old.\n";
    assert_eq!(ages(text), [(Some(18.0), None), (Some(8.0), None)]);
    let groups: Vec<Option<u32>> = parse(text)
        .rules()
        .filter(|r| matches!(r.body, RuleBody::Age { .. }))
        .map(|r| r.alternative_group)
        .collect();
    assert!(groups[0].is_some() && groups[0] == groups[1], "{groups:?}");
    assert_eq!(age_range(text), Some((Some(8.0), None)));
    // An exception without an age of its own still only qualifies the rule.
    assert_eq!(
        age_range(
            "Inclusion Criteria:\n* Age ≥ 18 years, except for patients with Down syndrome\n"
        ),
        Some((Some(18.0), None))
    );
}

#[test]
fn a_second_age_after_a_bracketed_aside_continues_the_first() {
    let text = "Inclusion Criteria:\n* Male or female aged 18-35 years (both inclusive) (young group) or at least 65 years (geriatric group)\n";
    assert_eq!(ages(text), [(Some(18.0), Some(35.0)), (Some(65.0), None)]);
    // The two cohorts are alternatives.
    assert_eq!(age_range(text), Some((Some(18.0), None)));
}

#[test]
fn a_lower_bound_before_the_name_makes_a_range() {
    assert_eq!(
        all_thresholds("Inclusion Criteria:\n* Body mass index (BMI): 18 ≤ BMI ≤ 32 kg/m²\n"),
        [("lab".into(), Comparator::Between, 18.0, Some(32.0))]
    );
    assert_eq!(
        all_thresholds("Inclusion Criteria:\n* Between 18 <= BMI <= 27 kg/m2\n"),
        [("lab".into(), Comparator::Between, 18.0, Some(27.0))]
    );
    // A strict lower bound cannot be said by a range; the upper bound is kept alone.
    assert_eq!(
        all_thresholds("Inclusion Criteria:\n* 18 < BMI < 30\n"),
        [("lab".into(), Comparator::Lt, 30.0, None)]
    );
}

#[test]
fn a_multiple_of_the_uln_with_its_direction_after_it() {
    assert_eq!(
        labs("Exclusion Criteria:\n* Serum ALT 3x upper limit of normal or higher\n"),
        [("alt".into(), Comparator::Ge, 3.0, Some(Reference::Uln))]
    );
    assert_eq!(
        labs("Inclusion Criteria:\n* AST 2.5 x ULN or less\n"),
        [("ast".into(), Comparator::Le, 2.5, Some(Reference::Uln))]
    );
}

#[test]
fn the_next_heading_does_not_make_a_measurement_a_count() {
    // "criteria" after the number was taken for the counted thing ("2 criteria").
    let text = "Inclusion Criteria:\n* Best corrected visual acuity (logMAR) <= 0.3\n\nExclusion Criteria:\n* Pregnancy\n";
    assert_eq!(
        all_thresholds(text),
        [("lab".into(), Comparator::Le, 0.3, None)]
    );
    // A capitalized word after the number starts another criterion of flattened text.
    assert_eq!(
        all_thresholds("Inclusion Criteria: FSH < 10 mIU/ml AFC > 10 Regular cycles\n")
            .iter()
            .filter(|t| t.2 == 10.0)
            .count(),
        2
    );
    // Counted things are still counts.
    assert!(all_thresholds("Inclusion Criteria:\n* more than 3 previous concussions\n").is_empty());
}

#[test]
fn a_heading_broken_after_inclusion_slash() {
    let text = "Inclusion criteria: Inclusion/\nExclusion criteria: \n\n Age 18 years and older, \n\n Low testosterone\n\nExclusion criteria:\n\n Pregnancy\n";
    let p = parse(text);
    let kinds: Vec<(SectionKind, &str)> = p
        .criteria
        .iter()
        .map(|c| (c.section, c.text.trim()))
        .collect();
    assert_eq!(
        kinds,
        [
            (SectionKind::Inclusion, "Age 18 years and older,"),
            (SectionKind::Inclusion, "Low testosterone"),
            (SectionKind::Exclusion, "Pregnancy"),
        ]
    );
    // Without a heading before it, the criteria under it are of no stated kind.
    let p = parse("Inclusion/\nExclusion criteria:\n* Age 18 years and older\n");
    assert_eq!(p.criteria[0].section, SectionKind::Unspecified);
}

#[test]
fn asa_physical_status_in_its_longer_spellings() {
    for (text, lo, hi) in [
        (
            "American Society Anesthesiologists (ASA) physical status I-III",
            1.0,
            3.0,
        ),
        (
            "American Society of Anesthesiologists Physical Status (ASA PS) score of I or II.",
            1.0,
            2.0,
        ),
        (
            "American Society of Anesthesiologists risk classification I and II",
            1.0,
            2.0,
        ),
        (
            "ASA (American Society of Anesthesiologists) class 1 & 2, undergoing day-case knee arthroscopy",
            1.0,
            2.0,
        ),
        (
            "American Society of Anesthesiologists Physical Status Classification System as 1 or 2 status",
            1.0,
            2.0,
        ),
        (
            "American Society of Anaesthesiologists (ASA) physical status 1 to 3",
            1.0,
            3.0,
        ),
    ] {
        assert_eq!(
            scores(&format!("Inclusion Criteria:\n* {text}\n")),
            [(Comparator::Between, lo, Some(hi))],
            "{text}"
        );
    }
    // Aspirin keeps its dose.
    assert!(scores("Exclusion Criteria:\n* ASA 81 mg daily\n").is_empty());
}

#[test]
fn the_time_since_an_event_is_no_age() {
    assert!(
        ages(
            "Inclusion Criteria:\n* Women at least one year post-menopausal or surgically sterile\n"
        )
        .is_empty()
    );
    assert!(
        ages("Inclusion Criteria:\n* Women 2 years since the last menstrual period\n").is_empty()
    );
    // The patient's age keeps its reading.
    assert_eq!(
        ages("Inclusion Criteria:\n* Women at least 50 years old, post-menopausal\n"),
        [(Some(50.0), None)]
    );
}

#[test]
fn a_grade_after_a_named_condition_is_that_condition_s_grade() {
    let p = parse("Exclusion Criteria:\n* Unresolved diarrhea greater than Grade 1\n");
    let analytes: Vec<&str> = p
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Lab { analyte, .. } => Some(analyte.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(analytes, ["unresolved diarrhea grade"]);
}

#[test]
fn a_comparator_before_the_scale_name_bounds_the_value() {
    assert_eq!(
        scores(
            "Exclusion Criteria:\n* greater than or equal to American Society of Anesthesiologist (ASA) class III\n"
        ),
        [(Comparator::Ge, 3.0, None)]
    );
    assert_eq!(
        scores("Exclusion Criteria:\n* Radiographic signs of osteoarthritis (> Tonis grade 1)\n"),
        [(Comparator::Gt, 1.0, None)]
    );
    assert_eq!(
        scores("Inclusion Criteria:\n* equal to or less than ASA class 2\n"),
        [(Comparator::Le, 2.0, None)]
    );
    // Without one the value stays a value.
    assert_eq!(
        scores("Inclusion Criteria:\n* ASA class II\n"),
        [(Comparator::Eq, 2.0, None)]
    );
}

#[test]
fn between_and_including() {
    assert_eq!(
        ages(
            "Inclusion Criteria:\n* A male or female between, and including, 18 and 50 years of age at the time of the first dose\n"
        ),
        [(Some(18.0), Some(50.0))]
    );
}

#[test]
fn a_bare_value_right_after_the_scale_name_is_its_own() {
    assert_eq!(
        scores("Inclusion Criteria: ASA I-IV Age 55 or older Scheduled for surgery\n"),
        [(Comparator::Between, 1.0, Some(4.0))]
    );
    // A number after the bare value that no other rule reads stays the scale's value ("PTSD
    // Scale 5" names a version).
    assert_eq!(
        scores("Inclusion Criteria: Clinician Administered PTSD Scale 5 Monthly version Criteria A and >30 points
"),
        [(Comparator::Gt, 30.0, None)]
    );
    // A comparator value after words keeps its reading.
    assert_eq!(
        scores("Inclusion Criteria:\n* MMSE score of 24 or more\n"),
        [(Comparator::Ge, 24.0, None)]
    );
}

#[test]
fn a_second_bound_after_a_score_is_on_the_same_scale() {
    assert_eq!(
        scores("Inclusion Criteria:\n* Active proctitis (MAYO score ≥ 3 and ≤ 10) at inclusion\n"),
        [(Comparator::Ge, 3.0, None), (Comparator::Le, 10.0, None)]
    );
    let p = parse("Exclusion Criteria:\n* AUDIT score of < 5 or > 26\n");
    let groups: Vec<Option<u32>> = p
        .rules()
        .filter(|r| matches!(r.body, RuleBody::ClinicalScore { .. }))
        .map(|r| r.alternative_group)
        .collect();
    assert_eq!(groups.len(), 2);
}

#[test]
fn a_value_written_before_the_scale_name() {
    assert_eq!(
        scores(
            "Exclusion Criteria:\n* Patients Level III or greater on the American Society of Anesthesiologists Physical Status Classification\n"
        ),
        [(Comparator::Ge, 3.0, None)]
    );
    assert_eq!(
        scores(
            "Inclusion Criteria:\n* Healthy patients aged 3-13 years Level I or level II on the American Society of Anesthesiologists Physical Status Classification\n"
        ),
        [(Comparator::Between, 1.0, Some(2.0))]
    );
    assert_eq!(
        scores(
            "Exclusion Criteria:\n* cognitive impairment (< 120 points on the Mattis Dementia Rating Scale)\n"
        ),
        [(Comparator::Lt, 120.0, None)]
    );
    assert_eq!(
        scores("Exclusion Criteria:\n* Corneal staining > grade III on the Oxford scale\n"),
        [(Comparator::Gt, 3.0, None)]
    );
    assert_eq!(
        scores(
            "Inclusion Criteria:\n* Patients must have a score of greater than 20 on the Yale-Brown Obsessive Compulsive Scale (Y-BOCS)\n"
        ),
        [(Comparator::Gt, 20.0, None)]
    );
    // A number before "on the" that is no value of the scale: none.
    assert!(
        scores("Inclusion Criteria:\n* Stable for 3 months on the MMSE assessment schedule\n")
            .iter()
            .all(|t| t.1 != 3.0)
    );
}

// ---------------------------------------------------------------- seventh round

fn reproductive_topics(text: &str) -> Vec<ReproductiveTopic> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Reproductive { topic } => Some(*topic),
            _ => None,
        })
        .collect()
}

#[test]
fn someone_elses_pregnancy_is_no_pregnancy_rule() {
    for text in [
        "Exclusion Criteria:\n* Man agrees not to have intercourse with pregnant woman\n",
        "Exclusion Criteria:\n* Male subjects with pregnant or lactating female partners\n",
        "Exclusion Criteria:\n* Male participant whose partner is pregnant\n",
    ] {
        assert!(
            !reproductive_topics(text).iter().any(|t| matches!(
                t,
                ReproductiveTopic::Pregnant | ReproductiveTopic::Lactating
            )),
            "{text}"
        );
    }
    // The patient's own pregnancy still is one.
    assert_eq!(
        reproductive_topics("Exclusion Criteria:\n* Pregnant or breastfeeding women\n"),
        [ReproductiveTopic::Pregnant, ReproductiveTopic::Lactating]
    );
    assert_eq!(
        reproductive_topics("Exclusion Criteria:\n* Women with a pregnancy in the past 6 months\n"),
        [ReproductiveTopic::Pregnant]
    );
}

#[test]
fn an_inclusion_naming_the_patients_by_age_is_an_age_range() {
    assert_eq!(
        ages("Inclusion Criteria:\n* surgery in children aged 3-9 years\n"),
        [(Some(3.0), Some(9.0))]
    );
    assert_eq!(
        ages("Inclusion Criteria:\n* children aged 3 to 9 years\n"),
        [(Some(3.0), Some(9.0))]
    );
    // An age that says for whom another threshold holds stays a condition.
    assert!(
        ages("Inclusion Criteria:\n* Hemoglobin ≥ 10 g/dL in children aged < 12 years\n")
            .is_empty()
    );
    // Nor when the criterion states the age limit elsewhere: the age explains it.
    assert_eq!(
        ages(
            "Inclusion Criteria:\n* Age >= 18 years. Because no dosing data are available on the drug in patients < 18 years of age, children are excluded\n"
        ),
        [(Some(18.0), None)]
    );
    // Under an exclusion heading the age only qualifies what is excluded ("smoking in women
    // older than 35": not every woman older than 35).
    assert!(ages("Exclusion Criteria:\n* smoking in women older than 35 years\n").is_empty());
}

#[test]
fn a_qualified_mention_keeps_its_own_descriptor() {
    let vocab = || {
        ConditionVocabulary::new([
            ("Hyperlipidemia", "D006949"),
            ("Hypercholesterolemia", "D006937"),
            ("Hyperlipoproteinemia Type II", "D006938"),
        ])
    };
    let mentions = |text: &str| -> Vec<(String, Option<String>)> {
        Parser::new()
            .with_vocabulary(vocab())
            .parse(text)
            .rules()
            .filter_map(|r| match &r.body {
                RuleBody::Condition { mention, mesh, .. } => {
                    Some((mention.clone(), mesh.as_ref().map(|m| m.id.clone())))
                }
                _ => None,
            })
            .collect()
    };
    // "primary hyperlipidemia" is a kind of hyperlipidemia, not hyperlipidemia in general.
    assert_eq!(
        mentions("Inclusion Criteria:\n* Patients with primary hyperlipidemia\n"),
        [("primary hyperlipidemia".to_string(), None)]
    );
    // Plain and state-qualified mentions keep the descriptor.
    assert_eq!(
        mentions("Inclusion Criteria:\n* Patients with hyperlipidemia\n"),
        [("hyperlipidemia".to_string(), Some("D006949".to_string()))]
    );
    assert_eq!(
        mentions("Exclusion Criteria:\n* Uncontrolled hyperlipidemia\n"),
        [("hyperlipidemia".to_string(), Some("D006949".to_string()))]
    );
    // A widened phrase that is a term of its own gets that term's descriptor.
    let p = Parser::new()
        .with_vocabulary(ConditionVocabulary::new([
            ("Diabetes Mellitus", "D003920"),
            ("Diabetes Mellitus, Type 2", "D003924"),
        ]))
        .parse("Inclusion Criteria:\n* Patients with type 2 diabetes mellitus\n");
    let mesh: Vec<Option<String>> = p
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Condition { mesh, .. } => Some(mesh.as_ref().map(|m| m.id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(mesh, [Some("D003924".to_string())]);
}

#[test]
fn a_range_after_between_whose_ends_carry_stray_comparators() {
    assert_eq!(
        ages("Inclusion Criteria:\n* Subject's age is between =12 and 16 years, inclusive\n"),
        [(Some(12.0), Some(16.0))]
    );
    assert_eq!(
        ages("Inclusion Criteria:\n* Men and women between ages >=18 and 65.\n"),
        [(Some(18.0), Some(65.0))]
    );
    assert_eq!(
        all_thresholds(
            "Inclusion Criteria:\n* Coronary artery calcium score between 10 to <1000\n"
        ),
        [("lab".to_string(), Comparator::Between, 10.0, Some(1000.0))]
    );
    // After "aged" the two bounds stay two rules, as before.
    assert_eq!(
        ages("Inclusion Criteria:\n* Male and female aged >=19 and < 65 years\n"),
        [(Some(19.0), None), (None, Some(65.0))]
    );
}

#[test]
fn from_birth_to_an_age_is_a_maximum() {
    assert_eq!(
        ages("Inclusion Criteria:\n* Age from birth to 21 years\n"),
        [(None, Some(21.0))]
    );
    assert_eq!(
        ages("Inclusion Criteria:\n* Children from birth up to 5 years of age\n"),
        [(None, Some(5.0))]
    );
}

fn labs_named(text: &str) -> Vec<(String, Comparator, f64, Option<String>)> {
    parse(text)
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
        .collect()
}

#[test]
fn the_length_of_something_in_time_units_is_a_measure_not_a_window() {
    let p = parse("Inclusion Criteria:\n* active nr-axSpA with disease duration <= 5 years\n");
    assert_eq!(
        labs_named("Inclusion Criteria:\n* active nr-axSpA with disease duration <= 5 years\n"),
        [(
            "disease duration".to_string(),
            Comparator::Le,
            5.0,
            Some("year".to_string())
        )]
    );
    assert!(p.rules().all(|r| r.window.is_none()));
    assert_eq!(
        labs_named(
            "Exclusion Criteria:\n* Severe chronic insomnia, with reported usual sleep duration <4 hours\n"
        ),
        [(
            "sleep duration".to_string(),
            Comparator::Lt,
            4.0,
            Some("hour".to_string())
        )]
    );
    assert_eq!(
        labs_named("Inclusion Criteria:\n* predicted ICU stay more than 7 days\n"),
        [(
            "predicted icu stay".to_string(),
            Comparator::Gt,
            7.0,
            Some("day".to_string())
        )]
    );
    assert_eq!(
        labs_named("Inclusion Criteria:\n* uterine size <12 weeks.\n"),
        [(
            "uterine size".to_string(),
            Comparator::Lt,
            12.0,
            Some("week".to_string())
        )]
    );
    // How long a treatment was given stays the treatment's window.
    let text = "Inclusion Criteria:\n* Prior adjuvant endocrine therapy for a duration of at least 24 months\n";
    assert!(labs_named(text).is_empty());
    assert!(parse(text).rules().any(|r| r.window.is_some()));
    // A window before an event stays a window.
    let p = parse("Exclusion Criteria:\n* Chemotherapy within 4 weeks before the first dose\n");
    assert!(
        labs_named("Exclusion Criteria:\n* Chemotherapy within 4 weeks before the first dose\n")
            .is_empty()
    );
    assert!(p.rules().any(|r| r.window.is_some()));
}

#[test]
fn life_expectancy_with_a_hyphen_and_life_span() {
    for text in [
        "Inclusion Criteria:\n* Life-expectancy > 6 months.\n",
        "Exclusion Criteria:\n* Expected life-span less than 1 year\n",
    ] {
        assert!(
            parse(text)
                .rules()
                .any(|r| matches!(r.body, RuleBody::LifeExpectancy { .. })),
            "{text}"
        );
    }
}

#[test]
fn a_count_per_cubic_millimetre_or_greater() {
    assert_eq!(
        all_thresholds("Inclusion Criteria:\n* Platelet count of 100,000/mm3 or greater\n"),
        [("lab".to_string(), Comparator::Ge, 100_000.0, None)]
    );
    // A pressure pair with the direction after it keeps both values.
    assert_eq!(
        all_thresholds("Exclusion Criteria:\n* Bloodpressure 150/95 or higher.\n").len(),
        2
    );
}

#[test]
fn a_contraceptive_methods_failure_rate_is_no_measurement_of_the_patient() {
    for text in [
        "Inclusion Criteria:\n* Women of childbearing potential must use a contraceptive method with a failure rate of < 1% per year\n",
        "Inclusion Criteria:\n* Use of high reliability contraceptive methods (Pearl-Index <1)\n",
    ] {
        assert!(all_thresholds(text).is_empty(), "{text}");
        assert!(
            reproductive_topics(text).contains(&ReproductiveTopic::Contraception),
            "{text}"
        );
    }
}

#[test]
fn pregnancy_to_be_avoided_is_contraception() {
    assert_eq!(
        reproductive_topics(
            "Inclusion Criteria:\n* Use of high reliability contraceptive methods in order to avoid pregnancy\n"
        ),
        [ReproductiveTopic::Contraception]
    );
    assert_eq!(
        reproductive_topics("Inclusion Criteria:\n* Agree to take measures to prevent pregnancy\n"),
        [ReproductiveTopic::Contraception]
    );
}

#[test]
fn a_pearl_index_and_an_antigen_class_are_no_scores() {
    for text in [
        "Exclusion Criteria:\n* Not using a reliable contraceptive method (Pearl index <1) throughout the study period.\n",
        "Exclusion Criteria:\n* Diagnosis of Omenn's syndrome or MHC class I deficiency\n",
        "Inclusion Criteria:\n* Absence of anti-HLA class I and class II antibodies\n",
    ] {
        assert!(scores(text).is_empty(), "{text}");
    }
    // A named index still is one.
    assert_eq!(
        scores("Inclusion Criteria:\n* Oswestry Disability Index > 30\n"),
        [(Comparator::Gt, 30.0, None)]
    );
}

#[test]
fn an_amount_per_time_in_a_unit_of_measure_is_measured() {
    assert_eq!(
        labs_named(
            "Inclusion Criteria:\n* Obstructive sleep apnea with a central AHI >5 events/hour\n"
        ),
        [("central ahi".to_string(), Comparator::Gt, 5.0, None)]
    );
    assert_eq!(
        labs_named("Exclusion Criteria:\n* apnea hypopnea index > 5 events per hour\n").len(),
        1
    );
    assert_eq!(
        labs_named("Inclusion Criteria:\n* Sedentary lifestyle, defined as <150 min/wk of moderate physical activity\n").len(),
        1
    );
    assert_eq!(
        labs_named("Exclusion Criteria:\n* An average weekly alcohol intake of >21 units/week\n")
            .len(),
        1
    );
    // Counts of things or occasions per time stay counts.
    assert!(labs_named("Exclusion Criteria:\n* Smokers of > 5 cigarettes a day\n").is_empty());
    assert!(
        labs_named("Exclusion Criteria:\n* Exercising more than 3 times per week\n").is_empty()
    );
}

#[test]
fn a_physiological_index_is_a_measurement_not_a_score() {
    for (text, analyte) in [
        (
            "Inclusion Criteria:\n* Ankle-brachial index above 0,40 or presence of palpable pulse\n",
            "ankle-brachial index",
        ),
        (
            "Exclusion Criteria:\n* periodic limb movement indices > 10/hour;\n",
            "periodic limb movement indices",
        ),
    ] {
        assert!(scores(text).is_empty(), "{text}");
        assert!(
            labs_named(text).iter().any(|l| l.0 == analyte),
            "{text}: {:?}",
            labs_named(text)
        );
    }
    // A questionnaire's index stays a score.
    assert_eq!(
        scores("Inclusion Criteria:\n* Ocular Surface Disease Index > 12\n"),
        [(Comparator::Gt, 12.0, None)]
    );
}

fn prior_therapies(text: &str) -> Vec<(Option<String>, Option<String>)> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::PriorTherapy {
                therapy, response, ..
            } => Some((therapy.clone(), response.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_study_drugs_last_dose_anchors_a_time_and_is_no_prior_therapy() {
    assert!(prior_therapies(
        "Inclusion Criteria:\n* Women must use contraceptive methods with a failure rate of < 1% per year during the treatment period and for 6 months after the final dose of paclitaxel, pemetrexed, gemcitabine, carboplatin or cisplatin.\n"
    )
    .is_empty());
    assert!(prior_therapies(
        "Inclusion Criteria:\n* With a pregnant female partner, men must use a condom for 6 months after the final dose of paclitaxel or carboplatin\n"
    )
    .is_empty());
    // A contraceptive method's failure rate is no treatment failure.
    assert_eq!(
        prior_therapies(
            "Inclusion Criteria:\n* Received prior chemotherapy and use contraception with a failure rate of < 1% per year\n"
        ),
        [(Some("chemotherapy".to_string()), None)]
    );
    // A prior therapy stays one, and a failure of it is still read.
    assert_eq!(
        prior_therapies("Inclusion Criteria:\n* Failure of prior platinum-based chemotherapy\n"),
        [(
            Some("platinum-based chemotherapy".to_string()),
            Some("failure".to_string())
        )]
    );
}

#[test]
fn progression_after_the_last_dose_of_a_therapy_names_that_therapy() {
    assert_eq!(
        prior_therapies(
            "Exclusion Criteria:\n* Disease progression ≤ 84 days following the last dose of adjuvant chemotherapy\n"
        )
        .len(),
        1
    );
}
