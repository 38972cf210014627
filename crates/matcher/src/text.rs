//! Tokenizing for lexical relevance: lower-case words, English stop words removed, Porter-stemmed.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Common English function words and note boilerplate that carry no topic.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "either",
    "etc",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "may",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "would",
    "you",
    "your",
    "yes",
    "per",
    "via",
    "s",
    "t",
    // Note and registry boilerplate.
    "patient",
    "patients",
    "subject",
    "subjects",
    "participant",
    "participants",
    "study",
    "studies",
    "year",
    "years",
    "old",
    "month",
    "months",
    "day",
    "days",
    "week",
    "weeks",
    "criteria",
    "inclusion",
    "exclusion",
    "presents",
    "presented",
    "reports",
    "reported",
    "complains",
    "history",
    "including",
    "include",
    "includes",
    "known",
    "diagnosis",
    "diagnosed",
    "definitive",
    "prior",
    "previous",
    "current",
    "currently",
    "age",
    "aged",
    "mg",
    "ml",
    "dl",
    "trial",
];

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

fn is_stop_word(word: &str) -> bool {
    static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.iter().copied().collect())
        .contains(word)
}

/// Stemmed content words of `text`, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric())) {
        if raw.is_empty() {
            continue;
        }
        let word = raw.to_lowercase();
        if is_stop_word(&word) || word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        out.push(stemmer().stem(&word).into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_drops_stop_words() {
        assert_eq!(
            tokens("The patients with Diabetic neuropathies, 12 years"),
            vec!["diabet", "neuropathi"]
        );
    }
}
