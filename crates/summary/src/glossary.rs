//! A glossary of the medical and research words that trial records use, with plain
//! explanations written for TrialBridge, and a finder that marks them in any text.
//!
//! [`find_terms`] returns the byte spans of glossary words in a text with their explanations,
//! so a page can mark each one and explain it inline. [`annotate_html`] and [`glossary_html`]
//! are a proposed rendering that works without a mouse: each term becomes a link (reachable
//! with Tab, opened with Enter) to its entry in a definition list, and carries
//! `aria-describedby` so screen readers read the explanation with the word.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

/// One glossary entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GlossaryEntry {
    /// Stable id, usable in an HTML `id` (`"car-t"`).
    pub id: &'static str,
    /// The term as a heading shows it.
    pub term: &'static str,
    /// Spellings found in text. Matched on whole words; see `case_sensitive`.
    #[serde(skip)]
    pub spellings: &'static [&'static str],
    /// Initialisms such as `ALL` or `ULN` must match their exact case, so that the word "all"
    /// is not taken for a leukemia.
    #[serde(skip)]
    pub case_sensitive: bool,
    /// What it means, in plain words.
    pub explanation: &'static str,
}

/// A glossary term found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GlossaryMatch {
    /// Byte offset of the first character of the term in the text.
    pub start: usize,
    /// Byte offset just past the term.
    pub end: usize,
    pub entry: &'static GlossaryEntry,
}

macro_rules! entry {
    ($id:literal, $term:literal, [$($s:literal),+ $(,)?], $expl:literal) => {
        GlossaryEntry { id: $id, term: $term, spellings: &[$($s),+], case_sensitive: false, explanation: $expl }
    };
    (exact $id:literal, $term:literal, [$($s:literal),+ $(,)?], $expl:literal) => {
        GlossaryEntry { id: $id, term: $term, spellings: &[$($s),+], case_sensitive: true, explanation: $expl }
    };
}

/// Every entry, in alphabetical order of id.
pub static GLOSSARY: &[GlossaryEntry] = &[
    entry!(
        "active-not-recruiting",
        "Active, not recruiting",
        ["active, not recruiting", "no longer taking new people"],
        "The study is still going on, but it is not taking new people."
    ),
    entry!(
        "adjuvant",
        "Adjuvant",
        ["adjuvant"],
        "A treatment given after the main treatment, such as surgery, to lower the chance that the disease comes back."
    ),
    entry!(
        "adverse-event",
        "Adverse event",
        [
            "adverse event",
            "adverse events",
            "adverse effects",
            "adverse effect"
        ],
        "Any health problem that happens during a study. It may or may not be caused by the treatment."
    ),
    entry!(
        "allogeneic",
        "Allogeneic",
        ["allogeneic", "allogenic", "allo-hsct", "allo-sct"],
        "Made from cells that come from another person, called a donor."
    ),
    entry!(exact "alt-ast", "ALT and AST", ["ALT", "AST"],
        "Blood tests that show how well the liver is working. High numbers can mean liver damage."),
    entry!(exact "anc", "ANC", ["ANC"],
        "Absolute neutrophil count: how many of a kind of white blood cell that fights germs you have."),
    entry!(
        "arm",
        "Study arm",
        ["study arm", "study arms", "treatment arm", "treatment arms"],
        "One of the groups in a study. Each group gets its own treatment or plan."
    ),
    entry!(
        "autologous",
        "Autologous",
        ["autologous"],
        "Made from your own cells. They are taken from you, maybe changed, and given back to you."
    ),
    entry!(
        "benign",
        "Benign",
        ["benign"],
        "Not cancer. A benign lump does not spread to other parts of the body."
    ),
    entry!(
        "biological",
        "Biological treatment",
        [
            "biological treatment",
            "biological treatments",
            "biologic",
            "biologics",
            "biological therapy"
        ],
        "A medicine made from living things, such as cells or proteins, rather than from chemicals alone."
    ),
    entry!(
        "biomarker",
        "Biomarker",
        ["biomarker", "biomarkers"],
        "Something that can be measured in the body, such as a protein in the blood, that tells doctors about a disease."
    ),
    entry!(
        "biopsy",
        "Biopsy",
        ["biopsy", "biopsies"],
        "Taking a small piece of tissue from the body so it can be checked under a microscope."
    ),
    entry!(
        "blinded",
        "Blinded study",
        [
            "blinded",
            "double-blind",
            "double blind",
            "single-blind",
            "single blind",
            "triple-blind",
            "masked",
            "masking"
        ],
        "Some of the people involved do not know who gets which treatment. This keeps the results fair."
    ),
    entry!(
        "bmi",
        "BMI",
        ["body mass index", "BMI"],
        "Body mass index: a number from your weight and height that shows if your weight is in a healthy range."
    ),
    entry!(
        "car-t",
        "CAR-T cell therapy",
        [
            "CAR-T",
            "CAR T",
            "CAR-T cell",
            "CAR-T cells",
            "CAR T-cell",
            "CAR-T cell therapy",
            "chimeric antigen receptor"
        ],
        "A treatment made from your own immune cells. A lab changes them so they can find and attack cancer cells. Then they are put back into your blood."
    ),
    entry!(
        "chemotherapy",
        "Chemotherapy",
        ["chemotherapy", "chemo"],
        "Medicines that kill fast-growing cells, such as cancer cells."
    ),
    entry!(
        "cohort",
        "Cohort",
        ["cohort", "cohorts"],
        "A group of people in a study who share something, such as the same dose or the same disease."
    ),
    entry!(
        "complete-remission",
        "Complete remission",
        ["complete remission", "complete response"],
        "All signs of the disease have gone away on tests, for now."
    ),
    entry!(
        "contraception",
        "Contraception",
        ["contraception", "birth control"],
        "Ways to prevent pregnancy. Some studies need this because the treatment could harm an unborn baby."
    ),
    entry!(
        "creatinine",
        "Creatinine",
        ["creatinine", "creatinine clearance"],
        "A waste product in the blood. Its level shows how well the kidneys are working."
    ),
    entry!(
        "crossover",
        "Crossover study",
        ["crossover", "cross-over"],
        "Each person gets every treatment in the study, one after the other, in turn."
    ),
    entry!(
        "degenerative",
        "Degenerative",
        ["degenerative", "degeneration"],
        "Caused by wear and tear that builds up over time."
    ),
    entry!(
        "dose",
        "Dose",
        ["dose", "doses", "dosage"],
        "How much of a medicine is given, and how often."
    ),
    entry!(
        "ecog",
        "ECOG performance status",
        ["ECOG performance status", "ECOG"],
        "A score from 0 to 5 for how well you can do daily tasks. 0 means fully active. Higher numbers mean more help is needed."
    ),
    entry!(
        "efficacy",
        "Efficacy",
        ["efficacy", "effectiveness"],
        "How well a treatment works."
    ),
    entry!(
        "eligibility",
        "Eligibility criteria",
        ["eligibility criteria", "eligibility", "eligible"],
        "The rules for who can join a study, such as age, health and past treatment."
    ),
    entry!(
        "enrollment",
        "Enrollment",
        ["enrollment", "enrolment", "enroll", "enrolled"],
        "Signing people up to take part in a study."
    ),
    entry!(
        "exclusion-criteria",
        "Exclusion criteria",
        ["exclusion criteria"],
        "Things that mean a person cannot join a study, often for their own safety."
    ),
    entry!(
        "first-line",
        "First-line treatment",
        ["first-line", "first line"],
        "The first treatment usually tried for a disease. Second-line is the next one tried if the first does not work."
    ),
    entry!(
        "gvhd",
        "Graft-versus-host disease",
        [
            "graft-versus-host disease",
            "graft versus host disease",
            "GVHD"
        ],
        "A problem after a donor transplant, when the donor's immune cells attack the patient's body."
    ),
    entry!(
        "hba1c",
        "HbA1c",
        ["HbA1c", "A1C", "hemoglobin A1c", "glycated hemoglobin"],
        "A blood test that shows your average blood sugar over about the last 3 months."
    ),
    entry!(
        "healthy-volunteer",
        "Healthy volunteer",
        ["healthy volunteer", "healthy volunteers"],
        "A person without the disease being studied who takes part to help researchers compare or test safety."
    ),
    entry!(
        "hematopoietic",
        "Hematopoietic stem cells",
        ["hematopoietic", "haematopoietic", "blood-forming"],
        "Young cells in the bone marrow that grow into all the kinds of blood cells."
    ),
    entry!(
        "immunotherapy",
        "Immunotherapy",
        ["immunotherapy", "immune therapy"],
        "A treatment that helps your immune system, the body's defense, fight a disease such as cancer."
    ),
    entry!(
        "inclusion-criteria",
        "Inclusion criteria",
        ["inclusion criteria"],
        "Things a person must have or be to join a study."
    ),
    entry!(
        "informed-consent",
        "Informed consent",
        ["informed consent", "consent form"],
        "Agreeing to take part after the study team explains the study, its risks and your rights. You can leave at any time."
    ),
    entry!(
        "infusion",
        "Infusion",
        ["infusion", "infusions", "intravenous", "IV drip"],
        "Giving a medicine slowly through a small tube into a vein."
    ),
    entry!(
        "investigational",
        "Investigational",
        ["investigational", "experimental"],
        "Still being studied and not yet approved for this use."
    ),
    entry!(exact "inr", "INR", ["INR"],
        "A blood test that shows how fast your blood clots."),
    entry!(
        "leukemia",
        "Leukemia",
        ["leukemia", "leukaemia", "leukemias"],
        "A cancer of the blood-forming cells in the bone marrow."
    ),
    entry!(
        "lymphoma",
        "Lymphoma",
        ["lymphoma", "lymphomas"],
        "A cancer of lymphocytes, white blood cells that help fight germs."
    ),
    entry!(
        "malignant",
        "Malignant",
        ["malignant", "malignancy", "malignancies"],
        "Cancerous. A malignant tumor can grow into nearby tissue and spread."
    ),
    entry!(
        "maximum-tolerated-dose",
        "Maximum tolerated dose",
        ["maximum tolerated dose", "MTD"],
        "The highest dose of a treatment that people can take without side effects that are too serious."
    ),
    entry!(
        "metastatic",
        "Metastatic",
        ["metastatic", "metastasis", "metastases", "has spread"],
        "A cancer that has spread from where it started to other parts of the body."
    ),
    entry!(
        "monoclonal-antibody",
        "Monoclonal antibody",
        ["monoclonal antibody", "monoclonal antibodies"],
        "A lab-made protein that sticks to one exact target, such as a spot on cancer cells."
    ),
    entry!(
        "myeloma",
        "Multiple myeloma",
        ["multiple myeloma", "myeloma"],
        "A cancer of plasma cells, the white blood cells that make antibodies."
    ),
    entry!(
        "neoadjuvant",
        "Neoadjuvant",
        ["neoadjuvant", "neo-adjuvant"],
        "A treatment given before the main treatment, often to shrink a tumor before surgery."
    ),
    entry!(
        "not-yet-recruiting",
        "Not yet recruiting",
        ["not yet recruiting"],
        "The study has been planned but has not started to sign people up."
    ),
    entry!(
        "nsclc",
        "Non-small cell lung cancer",
        [
            "non-small cell lung cancer",
            "non-small-cell lung cancer",
            "non small cell lung cancer",
            "NSCLC"
        ],
        "The most common kind of lung cancer. The name comes from how the cancer cells look under a microscope."
    ),
    entry!(
        "open-label",
        "Open-label",
        ["open-label", "open label"],
        "Everyone, both the patients and the doctors, knows which treatment each person gets."
    ),
    entry!(
        "overall-survival",
        "Overall survival",
        ["overall survival"],
        "How long people live after the start of treatment, whatever the cause of death."
    ),
    entry!(
        "pharmacokinetics",
        "Pharmacokinetics",
        ["pharmacokinetics", "pharmacokinetic", "drug levels"],
        "How the body takes in, moves around, breaks down and gets rid of a medicine."
    ),
    entry!(
        "phase-1",
        "Phase 1",
        ["phase 1", "phase I", "early phase 1"],
        "An early study in a small group of people. It looks mainly at safety and at what dose to use."
    ),
    entry!(
        "phase-1-2",
        "Phase 1/2",
        ["phase 1/2", "phase I/II", "phase 1 and 2"],
        "A study that joins phase 1 and phase 2: it first checks safety and dose, then starts to look at how well the treatment works."
    ),
    entry!(
        "phase-2",
        "Phase 2",
        ["phase 2", "phase II"],
        "A study in a larger group. It looks at whether a treatment works and keeps checking safety."
    ),
    entry!(
        "phase-2-3",
        "Phase 2/3",
        ["phase 2/3", "phase II/III", "phase 2 and 3"],
        "A study that joins phase 2 and phase 3: it checks whether a treatment works and then compares it with other care."
    ),
    entry!(
        "phase-3",
        "Phase 3",
        ["phase 3", "phase III"],
        "A large study that compares a treatment with the usual care to see which works better and is safe."
    ),
    entry!(
        "phase-4",
        "Phase 4",
        ["phase 4", "phase IV"],
        "A study of a treatment that is already approved, to learn more about it over a long time."
    ),
    entry!(
        "placebo",
        "Placebo",
        ["placebo", "placebos", "placebo-controlled"],
        "A dummy treatment, like a sugar pill, that looks like the real one but has no medicine in it. It helps show whether the real one works."
    ),
    entry!(
        "platelets",
        "Platelets",
        ["platelets", "platelet count", "platelet"],
        "Tiny blood cells that help blood clot and stop bleeding."
    ),
    entry!(
        "progression-free-survival",
        "Progression-free survival",
        [
            "progression-free survival",
            "progression free survival",
            "PFS"
        ],
        "How long people live without their disease getting worse."
    ),
    entry!(
        "randomized",
        "Randomized",
        [
            "randomized",
            "randomised",
            "randomly",
            "randomization",
            "by chance"
        ],
        "People are put into groups by chance, like flipping a coin. This makes the groups fair to compare."
    ),
    entry!(
        "radiation-therapy",
        "Radiation therapy",
        ["radiation therapy", "radiotherapy", "radiation treatment"],
        "Treatment with strong beams of energy, like X-rays, to kill cancer cells or shrink tumors."
    ),
    entry!(
        "recruiting",
        "Recruiting",
        ["recruiting", "recruitment"],
        "The study is signing people up now."
    ),
    entry!(
        "refractory",
        "Refractory",
        ["refractory", "did not respond to treatment"],
        "A disease that did not get better with treatment, or stopped getting better."
    ),
    entry!(
        "relapsed",
        "Relapsed",
        [
            "relapsed",
            "relapse",
            "recurrent",
            "recurrence",
            "came back"
        ],
        "A disease that came back after it had gone away or got better."
    ),
    entry!(
        "remission",
        "Remission",
        ["remission"],
        "The signs of a disease have gone down or gone away. It may be for a while or for good."
    ),
    entry!(
        "sham",
        "Sham",
        ["sham"],
        "A fake procedure that looks like the real one but does not do the real thing. It helps show whether the real one works."
    ),
    entry!(
        "side-effect",
        "Side effect",
        ["side effect", "side effects"],
        "An unwanted effect of a treatment, such as feeling sick or tired."
    ),
    entry!(
        "spinal-fusion",
        "Spinal fusion",
        ["spinal fusion", "spine fusion", "fusion surgery"],
        "Surgery that joins two or more bones of the spine so they heal into one."
    ),
    entry!(
        "stem-cell-transplant",
        "Stem cell transplant",
        [
            "stem cell transplant",
            "stem cell transplantation",
            "HSCT",
            "bone marrow transplant"
        ],
        "A treatment that puts healthy blood-forming stem cells into the body, after strong treatment has cleared out the old ones."
    ),
    entry!(
        "standard-of-care",
        "Standard of care",
        ["standard of care", "standard treatment", "usual care"],
        "The treatment that doctors usually give for a disease today."
    ),
    entry!(
        "subcutaneous",
        "Subcutaneous",
        ["subcutaneous", "subcutaneously"],
        "Given as a shot just under the skin."
    ),
    entry!(
        "terminated",
        "Terminated",
        ["terminated", "stopped early"],
        "The study stopped before it was planned to end."
    ),
    entry!(exact "uln", "ULN", ["ULN", "upper limit of normal"],
        "Upper limit of normal: the highest level of a blood test that is still normal. \"2 times ULN\" means twice that level."),
    entry!(
        "withdrawn",
        "Withdrawn",
        ["withdrawn"],
        "The study was stopped before anyone joined it."
    ),
];

struct Finder {
    /// Case-insensitive spellings.
    loose: AhoCorasick,
    loose_entries: Vec<usize>,
    /// Exact-case spellings (initialisms).
    exact: AhoCorasick,
    exact_entries: Vec<usize>,
}

static FINDER: LazyLock<Finder> = LazyLock::new(|| {
    let mut loose = Vec::new();
    let mut loose_entries = Vec::new();
    let mut exact = Vec::new();
    let mut exact_entries = Vec::new();
    for (i, e) in GLOSSARY.iter().enumerate() {
        for s in e.spellings {
            let is_initialism = s.len() <= 6
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if e.case_sensitive || is_initialism {
                exact.push(*s);
                exact_entries.push(i);
            } else {
                loose.push(*s);
                loose_entries.push(i);
            }
        }
    }
    let build = |pats: &[&str], ci: bool| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(ci)
            .match_kind(MatchKind::LeftmostLongest)
            .build(pats)
            .expect("glossary patterns build")
    };
    Finder {
        loose: build(&loose, true),
        loose_entries,
        exact: build(&exact, false),
        exact_entries,
    }
});

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn at_word_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    // A following "-" keeps the word going ("phase 2-3"), a following "/" too ("phase 1/2").
    !before.is_some_and(|c| is_word_char(c) || c == '-')
        && !after.is_some_and(|c| {
            is_word_char(c) || c == '/' || (c == '-' && text[end + 1..].starts_with(is_word_char))
        })
}

/// Finds glossary terms in `text`: non-overlapping, whole words, in text order, longest first
/// where two overlap.
///
/// ```
/// let text = "This phase 2 study of CAR-T cells is randomized. It is for all ages.";
/// let found: Vec<&str> = summary::find_terms(text).iter().map(|m| &text[m.start..m.end]).collect();
/// assert_eq!(found, ["phase 2", "CAR-T cells", "randomized"]);
/// ```
pub fn find_terms(text: &str) -> Vec<GlossaryMatch> {
    let f = &*FINDER;
    let mut found: Vec<GlossaryMatch> = Vec::new();
    for (ac, entries) in [(&f.loose, &f.loose_entries), (&f.exact, &f.exact_entries)] {
        for m in ac.find_iter(text) {
            if at_word_boundary(text, m.start(), m.end()) {
                found.push(GlossaryMatch {
                    start: m.start(),
                    end: m.end(),
                    entry: &GLOSSARY[entries[m.pattern().as_usize()]],
                });
            }
        }
    }
    found.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let mut out: Vec<GlossaryMatch> = Vec::with_capacity(found.len());
    for m in found {
        if out.last().is_none_or(|last| m.start >= last.end) {
            out.push(m);
        }
    }
    out
}

/// Looks up an entry by id.
pub fn glossary_entry(id: &str) -> Option<&'static GlossaryEntry> {
    GLOSSARY.iter().find(|e| e.id == id)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Proposed markup: the text, HTML-escaped, with each glossary term wrapped as
/// `<a class="term" href="#gloss-ID" aria-describedby="gloss-ID">word</a>`. Pair it with
/// [`glossary_html`] of the same matches so every link has its target. The link is keyboard
/// reachable; the `title` attribute adds a hover hint for mouse users only as an extra.
pub fn annotate_html(text: &str, matches: &[GlossaryMatch]) -> String {
    let mut out = String::with_capacity(text.len() + matches.len() * 80);
    let mut pos = 0;
    for m in matches {
        out.push_str(&escape_html(&text[pos..m.start]));
        out.push_str(&format!(
            "<a class=\"term\" href=\"#gloss-{id}\" aria-describedby=\"gloss-{id}\" title=\"{t}\">{w}</a>",
            id = m.entry.id,
            t = escape_html(m.entry.explanation),
            w = escape_html(&text[m.start..m.end]),
        ));
        pos = m.end;
    }
    out.push_str(&escape_html(&text[pos..]));
    out
}

/// Proposed markup: a `<dl class="glossary">` with one entry per distinct term in `matches`,
/// each `<dd>` carrying the `id` that [`annotate_html`] links to.
pub fn glossary_html(matches: &[GlossaryMatch]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = String::from("<dl class=\"glossary\">");
    for m in matches {
        if seen.contains(&m.entry.id) {
            continue;
        }
        seen.push(m.entry.id);
        out.push_str(&format!(
            "<dt>{}</dt><dd id=\"gloss-{}\">{}</dd>",
            escape_html(m.entry.term),
            m.entry.id,
            escape_html(m.entry.explanation)
        ));
    }
    out.push_str("</dl>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(&str, &str)> {
        find_terms(text)
            .iter()
            .map(|m| (&text[m.start..m.end], m.entry.id))
            .collect()
    }

    #[test]
    fn finds_whole_words_and_prefers_the_longest() {
        assert_eq!(
            words(
                "A phase 1/2 trial for relapsed or refractory leukemia, ECOG 0-1, ALT ≤ 3 x ULN."
            ),
            [
                ("phase 1/2", "phase-1-2"),
                ("relapsed", "relapsed"),
                ("refractory", "refractory"),
                ("leukemia", "leukemia"),
                ("ECOG", "ecog"),
                ("ALT", "alt-ast"),
                ("ULN", "uln"),
            ]
        );
        // "all", "dosed" and "sham" inside "Shampoo" are not terms.
        assert_eq!(words("Open to all. Shampoo was dosed daily."), []);
        assert_eq!(
            words("Progression-free survival and overall survival"),
            [
                ("Progression-free survival", "progression-free-survival"),
                ("overall survival", "overall-survival"),
            ]
        );
    }

    #[test]
    fn every_entry_is_findable_by_each_spelling() {
        for e in GLOSSARY {
            for s in e.spellings {
                let text = format!("x {s} y");
                let ids: Vec<&str> = find_terms(&text).iter().map(|m| m.entry.id).collect();
                assert!(!ids.is_empty(), "{s} not found");
            }
            assert!(!e.explanation.is_empty());
        }
        let mut ids: Vec<&str> = GLOSSARY.iter().map(|e| e.id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate glossary ids");
    }

    #[test]
    fn explanations_are_plain() {
        for e in GLOSSARY {
            let g = crate::flesch_kincaid_grade(e.explanation).unwrap();
            assert!(g <= 10.0, "{}: grade {g:.1}", e.id);
        }
    }

    #[test]
    fn html_links_each_term_to_its_entry() {
        let text = "A <placebo> arm";
        let m = find_terms(text);
        let html = annotate_html(text, &m);
        assert!(html.starts_with("A &lt;<a class=\"term\" href=\"#gloss-placebo\""));
        assert!(html.ends_with(">placebo</a>&gt; arm"));
        let dl = glossary_html(&m);
        assert!(dl.contains("<dd id=\"gloss-placebo\">"));
    }
}
