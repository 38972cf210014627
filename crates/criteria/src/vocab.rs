//! Caller-supplied condition vocabulary for normalizing mentions to MeSH.
//!
//! `criteria` does no I/O, so the vocabulary comes from the caller: typically (term, MeSH id)
//! pairs harvested from ingested records' `derivedSection.conditionBrowseModule.meshes`
//! (and `browseLeaves[].asFound` synonyms).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::model::MeshRef;

/// A set of condition terms, each mapped to a MeSH descriptor.
///
/// Matching is ASCII-case-insensitive, leftmost-longest, on word boundaries.
///
/// ```
/// use criteria::ConditionVocabulary;
/// let vocab = ConditionVocabulary::new([
///     ("Lymphoma, T-Cell", "D016399"),
///     ("T-cell lymphoma", "D016399"),
/// ]);
/// assert_eq!(vocab.lookup("T-Cell Lymphoma").unwrap().id, "D016399");
/// ```
#[derive(Debug, Clone)]
pub struct ConditionVocabulary {
    terms: Vec<MeshRef>,
    by_key: HashMap<String, usize>,
    matcher: Option<AhoCorasick>,
}

fn key(term: &str) -> String {
    let lower = term.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut words: Vec<String> = words
        .iter()
        .map(|w| {
            w.strip_suffix('s')
                .filter(|x| x.len() > 3)
                .unwrap_or(w)
                .to_string()
        })
        .collect();
    // MeSH inverts ("Lymphoma, T-Cell"): compare as a bag of words.
    words.sort();
    words.join(" ")
}

impl ConditionVocabulary {
    /// Builds a vocabulary from `(term, mesh_id)` pairs. The first term given for an id is
    /// reported as its preferred term. Terms shorter than 3 characters are ignored.
    pub fn new<I, T, D>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (T, D)>,
        T: AsRef<str>,
        D: AsRef<str>,
    {
        let mut preferred: HashMap<String, String> = HashMap::new();
        let mut entries: Vec<(String, MeshRef)> = Vec::new();
        for (t, d) in pairs {
            let term = t.as_ref().trim();
            let id = d.as_ref().trim();
            if term.chars().count() < 3 || id.is_empty() {
                continue;
            }
            let pref = preferred
                .entry(id.to_string())
                .or_insert_with(|| term.to_string())
                .clone();
            entries.push((
                term.to_string(),
                MeshRef {
                    id: id.to_string(),
                    term: pref,
                },
            ));
        }
        let mut terms = Vec::new();
        let mut by_key = HashMap::new();
        let mut patterns = Vec::new();
        for (term, mesh) in entries {
            let k = key(&term);
            if by_key.contains_key(&k) {
                continue;
            }
            by_key.insert(k, terms.len());
            patterns.push(term);
            terms.push(mesh);
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .ok()
        };
        ConditionVocabulary {
            terms,
            by_key,
            matcher,
        }
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The descriptor for a whole mention, ignoring case, word order, punctuation and plural "s".
    pub fn lookup(&self, mention: &str) -> Option<MeshRef> {
        self.by_key
            .get(&key(mention))
            .map(|&i| self.terms[i].clone())
    }

    /// Term occurrences in `text` as (start, end, descriptor), on word boundaries.
    pub fn find<'a>(&'a self, text: &str) -> Vec<(usize, usize, &'a MeshRef)> {
        let Some(m) = &self.matcher else {
            return Vec::new();
        };
        let bytes = text.as_bytes();
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
        m.find_iter(text)
            .filter(|x| {
                (x.start() == 0 || !is_word(bytes[x.start() - 1]))
                    && (x.end() == bytes.len() || !is_word(bytes[x.end()]))
            })
            .map(|x| (x.start(), x.end(), &self.terms[x.pattern().as_usize()]))
            .collect()
    }
}
