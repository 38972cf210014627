//! The parsed form of an eligibility text: sections, the criterion tree and typed rules.
//!
//! Everything here serializes to the documented JSON form (see `crates/criteria/README.md`).
//! Field names and the `kind` tags are a stable contract: consumers (the matcher, the web page,
//! `trialbridge criteria --json`) rely on them. Add fields, never rename or remove them.

use serde::{Deserialize, Serialize};

/// A half-open byte range `[start, end)` into the text given to [`crate::parse`].
///
/// Both ends always fall on UTF-8 character boundaries, so `&text[span.start..span.end]` never panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The slice of `text` this span covers.
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Which list a criterion sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Inclusion,
    Exclusion,
    /// Text before any heading, or a text with no headings at all.
    Unspecified,
}

/// Whether a rule states a requirement to enter (inclusion) or a reason to be left out (exclusion).
///
/// Criteria in an [`SectionKind::Unspecified`] section get `Inclusion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Inclusion,
    Exclusion,
}

/// One block of criteria under one heading (or under none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub kind: SectionKind,
    /// The heading line ("Key Inclusion Criteria:"), if there was one.
    pub heading: Option<Span>,
    /// From the heading (or first criterion) to the end of the last criterion.
    pub span: Span,
    /// Indices into [`ParsedCriteria::criteria`] of the top-level criteria of this section.
    pub criteria: Vec<usize>,
}

/// One criterion: a bullet, a numbered item, a nested sub-item, or one sentence of paragraph-style text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Index of this criterion in [`ParsedCriteria::criteria`] (document order).
    pub id: usize,
    /// The enclosing criterion, for sub-items ("a.", "i.", indented bullets, inline "a. … b. …").
    pub parent: Option<usize>,
    /// 0 for top-level criteria, parent's depth + 1 for sub-items.
    pub depth: usize,
    pub section: SectionKind,
    /// The bullet or number ("1.", "*", "b)"), if any.
    pub marker: Option<Span>,
    /// The criterion's own text, without marker and without its sub-items; wrapped lines included.
    pub span: Span,
    /// `span` sliced from the input.
    pub text: String,
    /// Indices of the sub-items, in order.
    pub children: Vec<usize>,
    /// What the criterion says, as typed rules; empty when no rule family understood it.
    pub rules: Vec<Rule>,
}

/// The whole parse: sections and a flat, document-ordered arena of criteria forming a tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedCriteria {
    pub sections: Vec<Section>,
    pub criteria: Vec<Criterion>,
}

/// `<`, `≤`, `>`, `≥`, `=` and closed ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    /// `value ..= upper`, both ends inclusive ("18 to 65", "0-2", "between 1 and 3").
    Between,
}

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Lt => "<",
            Comparator::Le => "≤",
            Comparator::Gt => ">",
            Comparator::Ge => "≥",
            Comparator::Eq => "=",
            Comparator::Between => "between",
        }
    }
}

/// What a threshold's value is a multiple of, for values stated relative to the normal range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// Upper limit of normal: "≤ 3 × ULN" is `{value: 3, relative_to: "uln"}`.
    Uln,
    /// Lower limit of normal.
    Lln,
}

/// A numeric constraint: `comparator value [upper] unit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub comparator: Comparator,
    pub value: f64,
    /// Upper end, only for [`Comparator::Between`].
    pub upper: Option<f64>,
    /// Canonical unit: `%`, `mg/dL`, `g/dL`, `g/L`, `µmol/L`, `mmol/L`, `mL/min`, `mL/min/1.73m²`,
    /// `10^9/L`, `/µL`, `mm`, `cm`, `mmHg`, `kg/m²`, `ms`, `s`, `year`, `month`, `week`, `day`, `hour`,
    /// `grade`, `line`, `cycle`, or the unit as written when not one of these. `None` when unstated
    /// or when the value is relative to a [`Reference`].
    pub unit: Option<String>,
    /// Set when the value is a multiple of a normal limit (then `unit` is `None`).
    pub relative_to: Option<Reference>,
    /// The threshold expression in the input ("≤ 3 times the upper limit of normal").
    pub span: Span,
}

/// Time units for ages and windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl TimeUnit {
    /// Length in days (months are 30.4375 days, years 365.25), for comparing across units.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Hour => 1.0 / 24.0,
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => 30.4375,
            TimeUnit::Year => 365.25,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Year => "year",
        }
    }
}

/// One end of an age range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    pub value: f64,
    /// `true` for "≥ 18" / "18 or older" / ranges, `false` for "> 18" / "older than 18".
    pub inclusive: bool,
}

/// Where a time window is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowDirection {
    /// "within 4 weeks before the first dose", "in the past 6 months".
    Before,
    /// "for at least 2 years after the last dose".
    After,
    Unspecified,
}

/// A time window: "within 4 weeks prior to enrollment" is `{comparator: "le", value: 4, unit: "week",
/// direction: "before", anchor: "enrollment"}`; "at least 2 weeks before" is `ge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub comparator: Comparator,
    pub value: f64,
    pub upper: Option<f64>,
    pub unit: TimeUnit,
    pub direction: WindowDirection,
    /// The reference event as written ("infusion", "randomization"), when stated.
    pub anchor: Option<String>,
    pub span: Span,
}

/// A MeSH descriptor a condition mention was normalized to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MeshRef {
    /// Descriptor id, e.g. `D008228`.
    pub id: String,
    /// Preferred term, e.g. `Lymphoma, Non-Hodgkin`.
    pub term: String,
}

/// Sex named by a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    /// "Both men and women are eligible".
    All,
}

/// Pregnancy, lactation and contraception topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReproductiveTopic {
    Pregnant,
    Lactating,
    /// A negative pregnancy test is required.
    NegativePregnancyTest,
    /// Effective contraception must be used.
    Contraception,
    /// Being of childbearing potential (or of reproductive capacity).
    ChildbearingPotential,
    /// Planning a pregnancy / egg or sperm donation during the study.
    PlanningPregnancy,
}

/// Disease-state words attached to a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiseaseState {
    Relapsed,
    Refractory,
    NewlyDiagnosed,
    Untreated,
    Metastatic,
    LocallyAdvanced,
    Unresectable,
    Progressive,
    Active,
    Uncontrolled,
    Stable,
    InRemission,
    Controlled,
}

/// Biomarker results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BiomarkerStatus {
    Positive,
    Negative,
    Mutated,
    WildType,
    Amplified,
    Deleted,
    Rearranged,
    Overexpressed,
    High,
    Low,
}

/// Performance-status scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PerformanceScale {
    /// ECOG / WHO / Zubrod, 0 (fully active) to 5 (dead).
    Ecog,
    /// Karnofsky, 0 to 100 (%).
    Karnofsky,
    /// Lansky play-performance, 0 to 100 (%), for children.
    Lansky,
}

/// Organ-function measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganMeasure {
    /// Left-ventricular ejection fraction, %.
    Lvef,
    /// Peripheral oxygen saturation, %.
    Spo2,
    /// Dyspnea grade (CTCAE), unit `grade`.
    DyspneaGrade,
    /// QT interval corrected, ms.
    Qtc,
    /// FEV1 (% predicted or litres).
    Fev1,
    /// DLCO (% predicted).
    Dlco,
    /// NYHA heart-failure class (unit `class`).
    NyhaClass,
    /// "Adequate organ / bone-marrow / hepatic / renal function" stated without a number.
    AdequateFunction,
    /// Electrocardiogram findings.
    Ecg,
}

/// Kind of transplant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransplantKind {
    /// Autologous haematopoietic stem-cell transplant.
    Autologous,
    /// Allogeneic haematopoietic stem-cell transplant.
    Allogeneic,
    /// Stem-cell / bone-marrow transplant, type unstated.
    StemCell,
    /// Solid-organ transplant.
    Organ,
}

/// Infectious agents; `any` for "active infection" without an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfectionAgent {
    Hbv,
    Hcv,
    Hiv,
    Syphilis,
    Cmv,
    Ebv,
    Tuberculosis,
    Covid19,
    Htlv,
    Any,
}

/// Infection state words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfectionState {
    /// Seropositive / test positive / detectable.
    Positive,
    Active,
    Uncontrolled,
    Chronic,
    /// "Known" / "history of" with no state word.
    Known,
}

/// CNS topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CnsTopic {
    /// A CNS disorder (epilepsy, stroke, dementia …).
    Disorder,
    /// Brain or leptomeningeal metastases.
    Metastases,
    /// CNS involvement by the disease under study.
    Involvement,
}

/// Response-assessment criteria named for measurable disease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseCriteria {
    Recist,
    Irecist,
    Lugano,
    Cheson,
    Rano,
    Iwg,
    Imwg,
    Pcwg,
    Mrecist,
    Other,
}

/// Where a lesion-size threshold applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LesionSite {
    Nodal,
    Extranodal,
    Any,
}

/// A minimum lesion size for measurable disease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LesionSize {
    pub site: LesionSite,
    pub threshold: Threshold,
}

/// Administrative topics: shown to the user, never decisive for eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdministrativeTopic {
    Consent,
    Compliance,
    Language,
    /// "in the opinion of the investigator", "deemed unsuitable".
    InvestigatorJudgement,
    /// Participation in another study.
    OtherStudy,
}

/// What a rule says. Serialized inline in [`Rule`] with the tag `"kind"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleBody {
    /// Age bounds in `unit`. Either bound may be absent. One rule per stated expression:
    /// "≥ 18 and ≤ 75 years" gives two age rules (rules of a criterion are conjunctive).
    Age {
        min: Option<Bound>,
        max: Option<Bound>,
        unit: TimeUnit,
    },
    /// A sex restriction (or `all` when both are explicitly eligible).
    Sex { sex: Sex },
    /// Pregnancy, lactation, contraception, pregnancy test, childbearing potential.
    Reproductive { topic: ReproductiveTopic },
    /// A diagnosis or disease state. `mention` is the phrase as written; `mesh` is set when a
    /// [`crate::ConditionVocabulary`] term matched it.
    Condition {
        mention: String,
        mesh: Option<MeshRef>,
        states: Vec<DiseaseState>,
        /// Stage as written after "stage" (`"IIIb"`, `"III-IV"`).
        stage: Option<String>,
        /// "histologically/cytologically/pathologically confirmed" → `"histological"` etc.
        confirmation: Option<String>,
        /// "history of …".
        history: bool,
    },
    /// A biomarker result and/or a threshold on its expression ("CD7 expression ≥ 10%",
    /// "PD-L1 TPS ≥ 50%", "HER2-positive", "EGFR exon 19 deletion").
    Biomarker {
        /// Marker as written, upper-cased without spaces (`"PD-L1"`, `"HER2"`, `"CD7"`).
        marker: String,
        status: Option<BiomarkerStatus>,
        /// Variant detail ("exon 19 deletion", "V600E", "L858R").
        variant: Option<String>,
        /// What is measured ("expression", "TPS", "CPS"), when a threshold is given.
        measure: Option<String>,
        threshold: Option<Threshold>,
    },
    /// A laboratory value. `analyte` is one of: `alt`, `ast`, `total_bilirubin`, `direct_bilirubin`,
    /// `bilirubin`, `creatinine`, `creatinine_clearance`, `egfr`, `anc`, `platelets`, `hemoglobin`,
    /// `wbc`, `lymphocytes`, `inr`, `aptt`, `pt`, `albumin`, `alkaline_phosphatase`, `ggt`, `ldh`,
    /// `potassium`, `sodium`, `calcium`, `magnesium`, `glucose`, `hba1c`, `amylase`, `lipase`,
    /// `tsh`, `cd4`, `psa`, `troponin`, `bnp`, `urine_protein`, `cholesterol`, `triglycerides`,
    /// `ldl`, `hdl`, `non_hdl`, `testosterone`, `bmi`, `weight`, `systolic_bp`, `diastolic_bp`, `blood_pressure`,
    /// `heart_rate`, `transaminases`; or, for anything else measured against a number, the
    /// measured thing as written, lower-cased ("fsh levels", "intraocular pressure").
    Lab {
        analyte: String,
        threshold: Threshold,
    },
    /// A clinical scale or score other than performance status ("MMSE ≥ 20", "HAM-D > 18",
    /// "Child-Pugh A", "Gleason score ≤ 7"). `scale` is the name as written.
    ClinicalScore { scale: String, threshold: Threshold },
    /// ECOG / Karnofsky / Lansky, as an allowed range (`min`/`max` inclusive, on the scale's own
    /// steps: ECOG "< 2" is `max: 1`, Karnofsky "> 60" is `min: 70`), plus the threshold as stated.
    PerformanceStatus {
        scale: PerformanceScale,
        min: Option<f64>,
        max: Option<f64>,
        threshold: Option<Threshold>,
    },
    /// Life expectancy; the threshold's unit is a time unit name (`month`, `week`, `year`).
    LifeExpectancy { threshold: Threshold },
    /// LVEF, SpO2, dyspnea grade, QTc, FEV1, DLCO, NYHA class, adequate organ function, ECG.
    OrganFunction {
        measure: OrganMeasure,
        threshold: Option<Threshold>,
    },
    /// Prior therapy: a named therapy or class, number of prior lines, response to it.
    PriorTherapy {
        /// Therapy or class as written, lower-cased ("chemotherapy", "anti-pd-1", "car-t").
        therapy: Option<String>,
        /// Number of prior lines ("at least 2 prior lines" → `ge 2`; "first-line" → `eq 1`).
        lines: Option<Threshold>,
        /// Response to it ("refractory", "relapsed", "no complete remission", "progression").
        response: Option<String>,
    },
    /// Prior (or planned) transplant.
    Transplant { transplant: TransplantKind },
    /// An infection or serology.
    Infection {
        agent: InfectionAgent,
        /// Serologic markers named ("HBsAg", "HBc-Ab", "HCV RNA").
        markers: Vec<String>,
        state: Option<InfectionState>,
        /// A qualifying test result ("HBV-DNA above the upper limit of normal").
        qualifier: Option<String>,
    },
    /// Autoimmune disease.
    Autoimmune {
        mention: String,
        states: Vec<DiseaseState>,
    },
    /// CNS disorders, brain metastases, CNS involvement.
    Cns { topic: CnsTopic, mention: String },
    /// Measurable / evaluable disease.
    MeasurableDisease {
        criteria: Option<ResponseCriteria>,
        /// Version or year as written ("1.1", "2014").
        criteria_version: Option<String>,
        lesion_sizes: Vec<LesionSize>,
        pet_positive: bool,
        /// "measurable or evaluable" accepts evaluable-only disease.
        evaluable_accepted: bool,
    },
    /// Hypersensitivity or allergy to something.
    Allergy { mention: String },
    /// Consent, compliance, language, investigator judgement: never decisive.
    Administrative { topic: AdministrativeTopic },
    /// Nothing typed understood this text; it is kept so that nothing is lost.
    FreeText,
}

/// A typed rule extracted from one criterion.
///
/// JSON: the [`RuleBody`] fields inline with `"kind"`, plus the fields below (always present).
///
/// **Semantics.** A patient who satisfies the rule's content (`body`) is *required* when
/// `polarity == inclusion` and *excluded* when `polarity == exclusion` — unless `negated` is set,
/// which flips the content ("No prior chemotherapy" under inclusion means prior chemotherapy
/// excludes). A rule with a `condition` applies only to patients meeting the condition; its
/// `exceptions` name situations the rule does not apply to. Rules of one criterion are
/// conjunctive, except those sharing an `alternative_group`, of which any one suffices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    #[serde(flatten)]
    pub body: RuleBody,
    pub polarity: Polarity,
    /// The content is negated in the text ("no", "without", "absence of", "not").
    pub negated: bool,
    /// The rule applies only under this condition ("liver infiltration", "Gilbert syndrome").
    pub condition: Option<String>,
    /// Stated exceptions ("except", "unless", "other than", "with the exception of").
    pub exceptions: Vec<String>,
    /// A time window stated in the same clause ("within 4 weeks prior to …").
    pub window: Option<TimeWindow>,
    /// Rules of one criterion with the same group id are alternatives (joined by "or").
    pub alternative_group: Option<u32>,
    /// The evidence for this rule in the input.
    pub span: Span,
}

impl Rule {
    /// The rule's kind tag as it appears in JSON (`"age"`, `"lab"`, …).
    pub fn kind(&self) -> &'static str {
        match &self.body {
            RuleBody::Age { .. } => "age",
            RuleBody::Sex { .. } => "sex",
            RuleBody::Reproductive { .. } => "reproductive",
            RuleBody::Condition { .. } => "condition",
            RuleBody::Biomarker { .. } => "biomarker",
            RuleBody::Lab { .. } => "lab",
            RuleBody::ClinicalScore { .. } => "clinical_score",
            RuleBody::PerformanceStatus { .. } => "performance_status",
            RuleBody::LifeExpectancy { .. } => "life_expectancy",
            RuleBody::OrganFunction { .. } => "organ_function",
            RuleBody::PriorTherapy { .. } => "prior_therapy",
            RuleBody::Transplant { .. } => "transplant",
            RuleBody::Infection { .. } => "infection",
            RuleBody::Autoimmune { .. } => "autoimmune",
            RuleBody::Cns { .. } => "cns",
            RuleBody::MeasurableDisease { .. } => "measurable_disease",
            RuleBody::Allergy { .. } => "allergy",
            RuleBody::Administrative { .. } => "administrative",
            RuleBody::FreeText => "free_text",
        }
    }

    /// Administrative rules are shown but never decide eligibility.
    pub fn is_decisive(&self) -> bool {
        !matches!(
            self.body,
            RuleBody::Administrative { .. } | RuleBody::FreeText
        )
    }

    /// Every numeric threshold the rule carries (for evaluation and display).
    pub fn thresholds(&self) -> Vec<&Threshold> {
        match &self.body {
            RuleBody::Biomarker {
                threshold: Some(t), ..
            } => vec![t],
            RuleBody::PerformanceStatus {
                threshold: Some(t), ..
            } => vec![t],
            RuleBody::Lab { threshold, .. } => vec![threshold],
            RuleBody::ClinicalScore { threshold, .. } => vec![threshold],
            RuleBody::LifeExpectancy { threshold } => vec![threshold],
            RuleBody::OrganFunction {
                threshold: Some(t), ..
            } => vec![t],
            RuleBody::PriorTherapy { lines: Some(t), .. } => vec![t],
            RuleBody::MeasurableDisease { lesion_sizes, .. } => {
                lesion_sizes.iter().map(|l| &l.threshold).collect()
            }
            _ => Vec::new(),
        }
    }
}
