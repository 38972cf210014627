//! A general medical vocabulary: concepts with synonyms and abbreviations, and a matcher that
//! finds their mentions in free text.
//!
//! The concept list (`vocabulary.txt`) is general clinical knowledge — common names, lay terms and
//! abbreviations — never fitted to a benchmark patient or trial.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a concept names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConceptKind {
    /// A disease or disorder.
    Condition,
    /// A symptom or clinical finding.
    Finding,
    /// A drug or drug class.
    Medication,
    /// A procedure, operation or non-drug therapy.
    Procedure,
    /// A laboratory test or measurement.
    Lab,
    /// A molecular or serological marker.
    Biomarker,
    /// Social or reproductive status (smoking, menopause, ...).
    Status,
}

/// Index of a concept in the [`Vocabulary`].
pub type ConceptId = u16;

/// One concept: its preferred name, kind and broader concept.
#[derive(Debug, Clone)]
pub struct Concept {
    pub id: ConceptId,
    pub kind: ConceptKind,
    /// Preferred, lower-case name.
    pub name: String,
    /// Broader concept ("type 1 diabetes" → "diabetes mellitus"), if any.
    pub broader: Option<ConceptId>,
    /// A complication of its broader concept ("diabetic ketoacidosis" of diabetes, written
    /// `>>` in the vocabulary file), not one of its kinds: having it implies the broader
    /// disease, but it does not exclude the broader disease's kinds.
    pub complication: bool,
}

/// A mention of a concept in a text, as a byte span of that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub concept: ConceptId,
    pub start: usize,
    pub end: usize,
}

/// The concepts and the automaton that finds them.
pub struct Vocabulary {
    concepts: Vec<Concept>,
    /// For each automaton pattern: the concept and whether the surface form is a short
    /// abbreviation that must appear in capitals ("MI", "ALL") to count.
    patterns: Vec<(ConceptId, bool)>,
    automaton: AhoCorasick,
}

const VOCABULARY_TEXT: &str = include_str!("vocabulary.txt");

/// Short lower-case words that are concept names in their own right, so they need no capitals.
const SHORT_PLAIN_WORDS: &[&str] = &["flu", "hiv", "tb"];

impl Vocabulary {
    /// The built-in vocabulary, built once.
    pub fn builtin() -> &'static Vocabulary {
        static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
        VOCABULARY.get_or_init(|| Vocabulary::parse(VOCABULARY_TEXT))
    }

    fn parse(text: &str) -> Vocabulary {
        let mut concepts: Vec<Concept> = Vec::new();
        let mut broader_names: Vec<Option<String>> = Vec::new();
        let mut surface: Vec<(String, ConceptId, bool)> = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('|');
            let kind = match fields.next().unwrap_or("") {
                "C" => ConceptKind::Condition,
                "F" => ConceptKind::Finding,
                "M" => ConceptKind::Medication,
                "P" => ConceptKind::Procedure,
                "L" => ConceptKind::Lab,
                "B" => ConceptKind::Biomarker,
                _ => ConceptKind::Status,
            };
            let head = fields.next().unwrap_or("");
            let complication = head.contains(">>");
            let (name, broader) = match head.split_once('>') {
                Some((n, b)) => (
                    n.trim().to_string(),
                    Some(b.trim_start_matches('>').trim().to_string()),
                ),
                None => (head.trim().to_string(), None),
            };
            let id = concepts.len() as ConceptId;
            let mut forms = vec![name.clone()];
            forms.extend(
                fields
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty()),
            );
            for form in forms {
                for variant in surface_variants(&form) {
                    let needs_caps = variant.chars().filter(|c| c.is_alphanumeric()).count() <= 3
                        && !SHORT_PLAIN_WORDS.contains(&variant.as_str());
                    surface.push((variant, id, needs_caps));
                }
            }
            concepts.push(Concept {
                id,
                kind,
                name,
                broader: None,
                complication,
            });
            broader_names.push(broader);
        }
        for (i, broader) in broader_names.into_iter().enumerate() {
            if let Some(b) = broader {
                concepts[i].broader = concepts.iter().find(|c| c.name == b).map(|c| c.id);
            }
        }
        surface.sort();
        surface.dedup_by(|a, b| a.0 == b.0);
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(surface.iter().map(|(s, _, _)| s.as_str()))
            .expect("vocabulary patterns build");
        let patterns = surface.iter().map(|(_, id, caps)| (*id, *caps)).collect();
        Vocabulary {
            concepts,
            patterns,
            automaton,
        }
    }

    /// All concepts, indexed by [`ConceptId`].
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    /// The concept with this id.
    pub fn concept(&self, id: ConceptId) -> &Concept {
        &self.concepts[id as usize]
    }

    /// The spelled-out form of an abbreviation the vocabulary knows ("tki" → "tyrosine kinase
    /// inhibitor", "LVEF" → "left ventricular ejection fraction"): the concept's synonym whose
    /// word initials spell it, else the concept's preferred name. `None` when `abbreviation` is not
    /// a known short form.
    pub fn expand_abbreviation(&self, abbreviation: &str) -> Option<String> {
        let short = fold_case(abbreviation.trim());
        if short.is_empty() || short.contains(' ') || short.len() > 6 {
            return None;
        }
        let letters: String = short.chars().filter(|c| c.is_alphanumeric()).collect();
        let initials = |form: &str| -> String {
            form.split([' ', '-', '/'])
                .filter_map(|w| w.chars().next())
                .filter(|c| c.is_alphanumeric())
                .collect()
        };
        for line in VOCABULARY_TEXT.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut parts = line.split('|').skip(1);
            let Some(name) = parts.next() else { continue };
            let name = name.split('>').next().unwrap_or(name).trim();
            let forms: Vec<&str> = std::iter::once(name).chain(parts.map(str::trim)).collect();
            if !forms.iter().any(|f| fold_case(f) == short) {
                continue;
            }
            if let Some(long) = forms
                .iter()
                .find(|f| f.contains(' ') && initials(&fold_case(f)) == letters)
            {
                return Some(long.to_string());
            }
            if fold_case(name) != short {
                return Some(name.to_string());
            }
        }
        None
    }

    /// The concept whose preferred name or synonym is exactly `name` (case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<ConceptId> {
        let folded = fold_case(name.trim());
        self.find(name.trim())
            .into_iter()
            .find(|m| m.start == 0 && m.end == folded.len())
            .map(|m| m.concept)
    }

    /// The concept and its broader concepts, nearest first.
    pub fn lineage(&self, id: ConceptId) -> Vec<ConceptId> {
        let mut out = vec![id];
        let mut cur = self.concepts[id as usize].broader;
        while let Some(b) = cur {
            if out.contains(&b) {
                break;
            }
            out.push(b);
            cur = self.concepts[b as usize].broader;
        }
        out
    }

    /// True when `ancestor` is `id` or one of its broader concepts.
    pub fn is_a(&self, id: ConceptId, ancestor: ConceptId) -> bool {
        // Walks the broader chain without allocating: this runs in the scoring inner loop.
        let mut cur = Some(id);
        for _ in 0..32 {
            match cur {
                Some(c) if c == ancestor => return true,
                Some(c) => cur = self.concepts[c as usize].broader,
                None => return false,
            }
        }
        false
    }

    /// Like [`Vocabulary::find`], without the mentions a "non-" prefix denies ("non-diabetic
    /// nephropathy" names no diabetes) or an "anti-" prefix turns into a drug ("anti-glaucoma
    /// medication" names no glaucoma). Trial text is read this way; a patient note keeps them,
    /// because there "non-smoker" is evidence of absence.
    pub fn find_affirmed(&self, text: &str) -> Vec<Mention> {
        let mut found = self.find(text);
        found.retain(|m| {
            let before = text[..m.start].trim_end_matches(['-', ' ']);
            let joined = m.start - before.len() <= 1;
            // "non-diabetic" denies; "anti-glaucoma medication" names a drug, not the disease.
            // Only a hyphen joins "anti-": "anti breast cancer treatment" may still name the
            // patient's disease in trial text.
            let hyphenated = text[..m.start].ends_with('-');
            let denied = ["non", "anti"].iter().any(|prefix| {
                let n = prefix.len();
                if *prefix == "anti" && !hyphenated {
                    return false;
                }
                before.len() >= n
                    && before.is_char_boundary(before.len() - n)
                    && before[before.len() - n..].eq_ignore_ascii_case(prefix)
                    && before[..before.len() - n]
                        .chars()
                        .last()
                        .is_none_or(|c| !c.is_alphanumeric())
            });
            !(joined && denied)
        });
        found
    }

    /// Every concept mention in `text`, leftmost-longest, on whole words.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let folded = fold_case(text);
        let bytes = folded.as_bytes();
        let mut out = Vec::new();
        for m in self.automaton.find_iter(&folded) {
            let (start, end) = (m.start(), m.end());
            let before_ok = start == 0 || !is_word_byte(bytes[start - 1]);
            let after_ok = end == bytes.len() || !is_word_byte(bytes[end]);
            if !(before_ok && after_ok) {
                continue;
            }
            let (concept, needs_caps) = self.patterns[m.pattern().as_usize()];
            if needs_caps && text[start..end].chars().any(|c| c.is_lowercase()) {
                continue;
            }
            out.push(Mention {
                concept,
                start,
                end,
            });
        }
        out
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// Lower-cases ASCII letters only, so byte offsets into the result are offsets into the input.
pub fn fold_case(text: &str) -> String {
    // The same as mapping each char through `to_ascii_lowercase`, but copies the bytes in one
    // pass instead of pushing char by char: this runs on criterion text for every candidate.
    text.to_ascii_lowercase()
}

/// The spellings to look for: the form itself, hyphen/space swaps and a plural.
fn surface_variants(form: &str) -> Vec<String> {
    let form = fold_case(form);
    let mut out = vec![form.clone()];
    if form.contains('-') {
        out.push(form.replace('-', " "));
        out.push(form.replace('-', ""));
    }
    if form.contains("'s") {
        out.push(form.replace("'s", "s"));
        out.push(form.replace("'s", ""));
        out.push(form.replace("'s", "’s"));
    }
    let last_alpha = form.chars().last().is_some_and(|c| c.is_ascii_alphabetic());
    if form.len() > 4 && last_alpha && !form.ends_with('s') {
        let plural = if form.ends_with('y') && !form.ends_with("ey") {
            format!("{}ies", &form[..form.len() - 1])
        } else {
            format!("{form}s")
        };
        out.push(plural);
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn antidiabetic_drugs_form_a_hierarchy() {
        let v = Vocabulary::builtin();
        let id = |n: &str| {
            v.lookup(n)
                .unwrap_or_else(|| panic!("{n} is in the vocabulary"))
        };
        let any = id("antidiabetic drug");
        let oral = id("oral antidiabetic drug");
        for drug in [
            "metformin",
            "sulfonylurea",
            "sglt2 inhibitor",
            "dpp-4 inhibitor",
            "pioglitazone",
        ] {
            assert!(v.is_a(id(drug), oral), "{drug}");
        }
        assert!(v.is_a(id("insulin"), any));
        assert!(!v.is_a(id("insulin"), oral));
        assert!(v.is_a(id("glp-1 receptor agonist"), any));
        assert_eq!(v.lookup("medication for diabetes"), Some(any));
    }

    #[test]
    fn finds_synonyms_and_abbreviations_on_whole_words() {
        let v = Vocabulary::builtin();
        let text = "History of MI and T2DM; all tests normal. Heart attacks run in the family.";
        let names: Vec<&str> = v
            .find(text)
            .iter()
            .map(|m| v.concept(m.concept).name.as_str())
            .collect();
        assert!(names.contains(&"myocardial infarction"));
        assert!(names.contains(&"type 2 diabetes"));
        // "all" in lower case is the English word, not acute lymphoblastic leukemia.
        assert!(!names.contains(&"acute lymphoblastic leukemia"));
        assert_eq!(
            names
                .iter()
                .filter(|n| **n == "myocardial infarction")
                .count(),
            2
        );
    }

    #[test]
    fn lineage_walks_to_broader_concepts() {
        let v = Vocabulary::builtin();
        let t1 = v.lookup("T1DM").unwrap();
        let dm = v.lookup("diabetes").unwrap();
        assert!(v.is_a(t1, dm));
        assert!(!v.is_a(dm, t1));
        let nsclc = v.lookup("non-small cell lung cancer").unwrap();
        let cancer = v.lookup("cancer").unwrap();
        assert!(v.is_a(nsclc, cancer));
    }
}
