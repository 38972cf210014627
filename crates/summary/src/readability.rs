//! Flesch-Kincaid grade level, with the project's own word, sentence and syllable rules.
//!
//! The grade is the standard formula
//!
//! ```text
//! grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59
//! ```
//!
//! What counts as a sentence, a word and a syllable is not fixed by the formula, so it is
//! stated here and applied the same way to our summaries and to the registry's text.
//!
//! * **Sentence**: text up to `.`, `!` or `?` followed by white space or the end, or up to a
//!   line break. A full stop after a common abbreviation (`e.g.`, `i.e.`, `vs.`, `Dr.`, `approx.`,
//!   `etc.`, `No.`, `al.`) does not end a sentence, nor does one inside a number (`1.5`).
//!   `:` and `;` do not end sentences. A sentence with no word is not counted.
//! * **Word**: a run of non-space characters that holds at least one letter or digit
//!   (`non-small`, `CAR-T`, `1/2` and `50%` are one word each).
//! * **Syllables** of a word: the sum over its parts, where a word is cut into parts at every
//!   character that is not a letter, digit or apostrophe, and a part is cut again where letters
//!   meet digits (`CD7` → `CD`, `7`). For each part:
//!   - *Numbers* count the syllables of how they are read aloud in English: `18` → eigh-teen (2),
//!     `75` → sev-en-ty-five (4), `2025` → twen-ty twen-ty-five (5; a year from 1100 to 2099 is
//!     read in pairs, except 2000–2009: "two thousand five"), `1.5` → one point five (3),
//!     `10,000` → ten thou-sand (3; commas between digits are part of the number). A `%` adds
//!     "per-cent" (2).
//!   - *Initialisms*: a part of two to five capital letters that is not in a short list of
//!     acronyms read as words (`ECOG`, `CAR`, `COVID`, `SARS`, `AIDS`, `NASA`, ...) is spelled
//!     out, one syllable per letter and three for `W` (`ULN` → 3, `HIV` → 3).
//!   - *Other words*: count the groups of adjacent vowels (`a e i o u y`, with `y` a consonant at
//!     the start of the word). Then subtract one for a silent final `e` (but not for `-le` after a
//!     consonant, as in *ta-ble*, nor `-ee`/`-ye`), for a final `-ed` not after `t` or `d`
//!     (*used*), and for a final `-es` not after `s`, `x`, `z`, `ch`, `sh`, `c`, `g` or `i`
//!     (*makes*, but *pla-ces*, *stud-ies*). Add one for each vowel pair that is usually said as
//!     two syllables: `ia` not after `c`/`t`/`g` (*tri-al*, *me-di-a*), `io` not in
//!     `-tion`/`-sion`/`-cious`/`-gious` (*pe-ri-od*, *bi-o*), `iu` (*me-di-um*), `ua` not after
//!     `q`/`g` (*us-u-al*), `iet` (*di-et*), `oing`/`eing` (*go-ing*), and for a final `-ism`
//!     (*au-tism*); subtract one for the silent `e` of `-cement`/`-gement`/`-tement` (*state-ment*).
//!     Compounds starting with `some`, `any`, `life`, `care`, `home`, `side`, `time`, `where` or
//!     `there` count that part as its own word (*some-thing*, *any-one*). Every part has at
//!     least one syllable.
//!
//! The rules follow the common vowel-group method; `docs/benchmarks/summary.md` records how
//! far the resulting grades are from grades computed with dictionary (CMU) syllable counts.

use serde::Serialize;

/// Counts behind a grade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TextStats {
    pub sentences: u32,
    pub words: u32,
    pub syllables: u32,
}

impl TextStats {
    /// The Flesch-Kincaid grade, or `None` for text with no words.
    pub fn grade(&self) -> Option<f64> {
        if self.words == 0 || self.sentences == 0 {
            return None;
        }
        let w = self.words as f64;
        Some(0.39 * (w / self.sentences as f64) + 11.8 * (self.syllables as f64 / w) - 15.59)
    }
}

/// Flesch-Kincaid grade of `text` by the rules in the module doc; `None` if it has no words.
///
/// ```
/// let g = summary::flesch_kincaid_grade("The cat sat on the mat. It was glad.").unwrap();
/// assert!(g < 1.0);
/// ```
pub fn flesch_kincaid_grade(text: &str) -> Option<f64> {
    text_stats(text).grade()
}

/// Sentence, word and syllable counts of `text`.
pub fn text_stats(text: &str) -> TextStats {
    let mut stats = TextStats::default();
    for sentence in sentences(text) {
        let mut words = 0;
        for token in sentence.split_whitespace() {
            if token.chars().any(char::is_alphanumeric) {
                words += 1;
                stats.syllables += token_syllables(token);
            }
        }
        if words > 0 {
            stats.sentences += 1;
            stats.words += words;
        }
    }
    stats
}

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "vs", "dr", "mr", "mrs", "ms", "approx", "etc", "no", "al", "fig", "st", "inc",
];

/// Splits text into sentences by the rule in the module doc (empty pieces included).
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let end_here = match c {
            '\n' | '\r' => true,
            '.' | '!' | '?' => {
                let next = text[i + 1..].chars().next();
                let at_break = next.is_none_or(|n| n.is_whitespace() || n == '"' || n == ')');
                at_break && !(c == '.' && after_abbreviation(&text[start..i]))
            }
            _ => false,
        };
        if end_here {
            out.push(&text[start..=i]);
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn after_abbreviation(before: &str) -> bool {
    let last = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let last = last.to_ascii_lowercase();
    ABBREVIATIONS.contains(&last.as_str())
}

/// Syllables of one white-space-delimited token (see the module doc).
pub fn token_syllables(token: &str) -> u32 {
    // "10,000" is one number.
    let joined;
    let token = if token.contains(',') && token.bytes().any(|b| b.is_ascii_digit()) {
        joined = strip_thousands_commas(token);
        joined.as_str()
    } else {
        token
    };
    let mut total = 0;
    let percent = token.contains('%');
    for part in token.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '.'))
    {
        total += part_syllables(part);
    }
    if percent {
        total += 2;
    }
    total
}

fn strip_thousands_commas(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let mut out = String::with_capacity(token.len());
    for (i, c) in chars.iter().enumerate() {
        let digit_around = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if !(*c == ',' && digit_around) {
            out.push(*c);
        }
    }
    out
}

/// A part may still hold a decimal point (`1.5`) or a trailing full stop; other dots split.
fn part_syllables(part: &str) -> u32 {
    let part = part.trim_matches(|c: char| c == '.' || c == '\'' || c == '’');
    if part.is_empty() {
        return 0;
    }
    if part.contains('.') {
        let is_decimal = part.chars().all(|c| c.is_ascii_digit() || c == '.');
        if is_decimal {
            let mut pieces = part.split('.');
            let whole = pieces.next().unwrap_or("");
            let mut n = number_syllables(whole);
            for frac in pieces {
                n += 1; // "point"
                n += frac.chars().map(digit_syllables).sum::<u32>();
            }
            return n;
        }
        return part.split('.').map(part_syllables).sum();
    }
    // Cut where letters meet digits.
    let mut total = 0;
    let mut run_start = 0;
    let mut prev_digit: Option<bool> = None;
    for (i, c) in part.char_indices() {
        let d = c.is_ascii_digit();
        if let Some(p) = prev_digit
            && p != d
        {
            total += run_syllables(&part[run_start..i]);
            run_start = i;
        }
        prev_digit = Some(d);
    }
    total + run_syllables(&part[run_start..])
}

fn run_syllables(run: &str) -> u32 {
    if run.is_empty() {
        return 0;
    }
    if run.bytes().all(|b| b.is_ascii_digit()) {
        return number_syllables(run);
    }
    let letters: String = run.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return 0;
    }
    let n = letters.chars().count();
    if (2..=5).contains(&n) && letters.chars().all(|c| c.is_uppercase()) {
        let lower = letters.to_lowercase();
        if !WORD_ACRONYMS.contains(&lower.as_str()) {
            return letters.chars().map(|c| if c == 'W' { 3 } else { 1 }).sum();
        }
    }
    word_syllables(&letters.to_lowercase())
}

/// Initialisms people say as words rather than letter by letter.
const WORD_ACRONYMS: &[&str] = &[
    "ecog", "car", "covid", "sars", "aids", "nasa", "mers", "gerd", "copd", "recist", "mesh",
    "nice", "who", "pet", "laser", "radar", "scuba", "quest", "ace", "dash", "mind", "spect",
    "tens", "rem",
];

/// Leading parts of common compound words, counted as words of their own
/// (*some-thing*, *any-one*, *life-style*).
const COMPOUND_HEADS: &[(&str, u32)] = &[
    ("some", 1),
    ("any", 2),
    ("life", 1),
    ("care", 1),
    ("home", 1),
    ("side", 1),
    ("time", 1),
    ("where", 1),
    ("there", 1),
];

/// Syllables of a lower-case English word by the vowel-group rule in the module doc.
pub fn word_syllables(word: &str) -> u32 {
    for (head, n) in COMPOUND_HEADS {
        if let Some(rest) = word.strip_prefix(head)
            && rest.len() >= 3
            && !rest.starts_with(|c: char| "aeiouy".contains(c))
        {
            return n + vowel_group_syllables(rest);
        }
        if let Some(rest) = word.strip_prefix(head)
            && ["one", "ones"].contains(&rest)
        {
            return n + 1;
        }
    }
    vowel_group_syllables(word)
}

fn vowel_group_syllables(word: &str) -> u32 {
    let w: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    if w.is_empty() {
        return 0;
    }
    let is_vowel = |i: usize| -> bool {
        match w[i] {
            'a' | 'e' | 'i' | 'o' | 'u' | 'á' | 'é' | 'í' | 'ó' | 'ú' | 'ä' | 'ë' | 'ï' | 'ö'
            | 'ü' => true,
            'y' => i > 0,
            _ => false,
        }
    };
    let mut groups = 0i32;
    let mut in_group = false;
    for i in 0..w.len() {
        let v = is_vowel(i);
        if v && !in_group {
            groups += 1;
        }
        in_group = v;
    }
    let s: String = w.iter().collect();
    let len = w.len();
    let ends = |suffix: &str| s.ends_with(suffix);
    let char_before = |suffix_len: usize| -> Option<char> {
        if len > suffix_len {
            Some(w[len - suffix_len - 1])
        } else {
            None
        }
    };
    let consonant = |c: Option<char>| c.is_some_and(|c| !"aeiouy".contains(c));
    // A silent final e (*make*, but *ta-ble*), -ed (*used*, but *want-ed*), -es (*makes*, but
    // *pla-ces*).
    let consonant_le = ends("le") && consonant(char_before(2));
    let silent_e = ends("e") && !ends("ee") && !ends("ye") && !consonant_le;
    let silent_ed = ends("ed") && !matches!(char_before(2), Some('t' | 'd' | 'i'));
    let silent_es = ends("es")
        && !matches!(char_before(2), Some('s' | 'x' | 'z' | 'c' | 'g' | 'i'))
        && !ends("ches")
        && !ends("shes");
    if groups > 1 && (silent_e || silent_ed || silent_es) {
        groups -= 1;
    }
    // Vowel pairs usually said as two syllables.
    for i in 0..len.saturating_sub(1) {
        let (a, b) = (w[i], w[i + 1]);
        let prev = if i > 0 { Some(w[i - 1]) } else { None };
        let next = w.get(i + 2).copied();
        let split = match (a, b) {
            ('i', 'a') => !matches!(prev, Some('c') | Some('t') | Some('g')),
            ('i', 'o') => {
                let tail: String = w[i.saturating_sub(1)..].iter().collect();
                !(tail.starts_with("tion")
                    || tail.starts_with("sion")
                    || tail.starts_with("cious")
                    || tail.starts_with("gious")
                    || tail.starts_with("xious"))
            }
            ('i', 'u') => true,
            ('u', 'a') => !matches!(prev, Some('q') | Some('g')),
            ('i', 'e') => next == Some('t'),
            // *go-ing*, *be-ing*, *see-ing*
            ('o' | 'e', 'i') => next == Some('n') && w.get(i + 3) == Some(&'g'),
            _ => false,
        };
        if split {
            groups += 1;
        }
    }
    if ends("ism") {
        groups += 1;
    }
    // Silent e before -ment: *man-age-ment*, *re-place-ment*, *state-ment*.
    if len > 7 && ends("ement") && matches!(w[len - 6], 'c' | 'g' | 't') {
        groups -= 1;
    }
    groups.max(1) as u32
}

fn digit_syllables(d: char) -> u32 {
    match d {
        '0' | '7' => 2,
        _ => 1,
    }
}

const UNITS: [u32; 20] = [2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 3, 1, 2, 2, 2, 2, 3, 2, 2];
const TENS: [u32; 10] = [0, 0, 2, 2, 2, 2, 2, 3, 2, 2];

/// Syllables of a whole number read aloud; very long digit strings are read digit by digit.
pub fn number_syllables(digits: &str) -> u32 {
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return 2; // "zero"
    }
    if digits.len() > 12 {
        return digits.chars().map(digit_syllables).sum();
    }
    let n: u64 = digits.parse().unwrap_or(0);
    if digits.len() == 4 && (1100..=2099).contains(&n) && !(2000..=2009).contains(&n) {
        let (hi, lo) = (n / 100, n % 100);
        let lo_syl = match lo {
            0 => 2,                     // "hundred"
            1..=9 => 1 + below_100(lo), // "oh five"
            _ => below_100(lo),
        };
        return below_100(hi) + lo_syl;
    }
    spoken(n)
}

fn below_100(n: u64) -> u32 {
    if n < 20 {
        UNITS[n as usize]
    } else {
        TENS[(n / 10) as usize]
            + if n.is_multiple_of(10) {
                0
            } else {
                UNITS[(n % 10) as usize]
            }
    }
}

fn below_1000(n: u64) -> u32 {
    let (h, r) = (n / 100, n % 100);
    let mut s = 0;
    if h > 0 {
        s += UNITS[h as usize] + 2; // "hundred"
    }
    if r > 0 || h == 0 {
        s += below_100(r);
    }
    s
}

fn spoken(n: u64) -> u32 {
    if n == 0 {
        return 2;
    }
    let mut s = 0;
    let mut rest = n;
    for scale in [1_000_000_000u64, 1_000_000, 1_000] {
        if rest >= scale {
            s += below_1000(rest / scale) + 2; // "billion", "million", "thousand"
            rest %= scale;
        }
    }
    if rest > 0 {
        s += below_1000(rest);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_count_like_a_dictionary() {
        let cases = [
            ("the", 1),
            ("cat", 1),
            ("table", 2),
            ("little", 2),
            ("make", 1),
            ("makes", 1),
            ("places", 2),
            ("used", 1),
            ("wanted", 2),
            ("studies", 2),
            ("studied", 2),
            ("trial", 2),
            ("period", 3),
            ("medium", 3),
            ("usual", 3),
            ("diet", 2),
            ("people", 2),
            ("study", 2),
            ("medicine", 3),
            ("cancer", 2),
            ("treatment", 2),
            ("condition", 3),
            ("special", 2),
            ("anxiety", 4),
            ("leukemia", 4),
            ("yes", 1),
            ("free", 1),
            ("eye", 1),
            ("autism", 3),
            ("tested", 2),
            ("something", 2),
            ("anyone", 3),
            ("going", 2),
            ("management", 3),
            ("lifestyle", 2),
            ("element", 3),
        ];
        for (word, expected) in cases {
            assert_eq!(word_syllables(word), expected, "{word}");
        }
    }

    #[test]
    fn numbers_and_initialisms_are_read_aloud() {
        assert_eq!(token_syllables("18"), 2);
        assert_eq!(token_syllables("75"), 4);
        assert_eq!(token_syllables("2025."), 5);
        assert_eq!(token_syllables("2005"), 4);
        assert_eq!(token_syllables("1.5"), 3);
        assert_eq!(token_syllables("120"), 5); // one hun-dred twen-ty
        assert_eq!(token_syllables("50%"), 4);
        assert_eq!(token_syllables("10,000"), 3); // ten thou-sand
        assert_eq!(token_syllables("ULN"), 3);
        assert_eq!(token_syllables("ECOG"), 2);
        assert_eq!(token_syllables("CD7"), 4);
        assert_eq!(token_syllables("non-small"), 2);
        assert_eq!(token_syllables("1/2"), 2);
    }

    #[test]
    fn sentences_end_at_stops_and_line_breaks_but_not_abbreviations() {
        let s = text_stats("Dr. Smith gave 1.5 mg, e.g. daily. Then stop!\nA heading\n\nDone");
        assert_eq!(s.sentences, 4);
        assert_eq!(s.words, 12);
    }

    #[test]
    fn grade_matches_the_formula() {
        // 2 sentences, 8 words, 8 syllables: 0.39*4 + 11.8*1 - 15.59 = -2.23
        let g = flesch_kincaid_grade("The cat sat down. It was not glad.").unwrap();
        assert!((g - (-2.23)).abs() < 1e-9, "{g}");
        assert_eq!(flesch_kincaid_grade("  ... "), None);
    }

    #[test]
    fn long_technical_sentences_score_higher() {
        let plain =
            flesch_kincaid_grade("This study tests a new drug. It is for people with lung cancer.")
                .unwrap();
        let dense = flesch_kincaid_grade(
            "This randomized, double-blind, placebo-controlled investigation evaluates the immunogenicity and pharmacokinetics of subcutaneous administration in immunocompromised participants.",
        )
        .unwrap();
        assert!(plain < 6.0 && dense > 16.0, "{plain} {dense}");
    }
}
