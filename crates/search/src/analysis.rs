//! Text analysis shared by the index, the query builder, the filters and the gazetteer, so
//! that "Göttingen", "GOTTINGEN" and "goettingen" meet in one place.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

/// Name under which [`english`] is registered with the index.
pub(crate) const ENGLISH: &str = "tb_english";
/// Name under which [`folded`] is registered with the index.
pub(crate) const FOLDED: &str = "tb_folded";

/// Words, lower-cased, accents folded to ASCII, English-stemmed: for relevance search.
pub(crate) fn english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Words, lower-cased and accent-folded, not stemmed: for identifiers and exact-ish matching.
pub(crate) fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens `analyzer` makes of `text`.
pub(crate) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Folded, unstemmed words of `text`.
pub(crate) fn fold_words(text: &str) -> Vec<String> {
    thread_local! {
        static FOLDED_ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(folded());
    }
    FOLDED_ANALYZER.with(|a| tokens(&mut a.borrow_mut(), text))
}

/// A lookup key: folded words run together ("Cheng Du" and "Chengdu" both give "chengdu").
pub(crate) fn fold_key(text: &str) -> String {
    if text.is_ascii() {
        // The same as the analyzer's result for ASCII text, without its cost: the gazetteer
        // folds a few hundred thousand names when it loads.
        return text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
    }
    fold_words(text).concat()
}

/// Stemmed words of `text`, as the index stores them.
pub(crate) fn stem_words(text: &str) -> Vec<String> {
    thread_local! {
        static ENGLISH_ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(english());
    }
    ENGLISH_ANALYZER.with(|a| tokens(&mut a.borrow_mut(), text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_spacing() {
        assert_eq!(fold_key("Göttingen"), fold_key("GOTTINGEN"));
        assert_eq!(fold_key("Cheng Du"), "chengdu");
        for s in ["Winston-Salem", "St. John's", "O'Fallon", "A1 B2"] {
            assert_eq!(fold_key(s), fold_words(s).concat(), "{s}");
        }
        assert_eq!(stem_words("Neoplasms"), stem_words("neoplasm"));
        assert_eq!(
            stem_words("T-cell Lymphomas"),
            vec!["t", "cell", "lymphoma"]
        );
    }
}
