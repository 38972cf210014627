//! Registry condition names in everyday words.
//!
//! [`lay_condition`] turns a registry condition name (free text, or a MeSH heading such as
//! `"Carcinoma, Non-Small-Cell Lung"`) into words a patient uses: inverted MeSH headings are put
//! back in reading order, abbreviations are spelled out, and a hand-written vocabulary of common
//! medical words is swapped for plain ones ("Neoplasms" → "tumors", "Hypertension" → "high
//! blood pressure"). Names that are already plain, such as "non-small cell lung cancer", stay.
//! The vocabulary is general: it holds common medical terms, never wording of a single trial.

use std::sync::LazyLock;

use regex::Regex;

/// Whole-name abbreviations, matched case-sensitively against the full name (or its first
/// word, e.g. "NSCLC Stage IV").
const WHOLE_NAME: &[(&str, &str)] = &[
    ("NSCLC", "non-small cell lung cancer"),
    ("SCLC", "small cell lung cancer"),
    ("AML", "acute myeloid leukemia"),
    ("ALL", "acute lymphoblastic leukemia"),
    ("CLL", "chronic lymphocytic leukemia"),
    ("CML", "chronic myeloid leukemia"),
    ("MDS", "myelodysplastic syndrome"),
    ("HCC", "liver cancer"),
    ("RCC", "kidney cancer"),
    ("CRC", "bowel cancer"),
    ("TNBC", "triple-negative breast cancer"),
    ("MDD", "major depression"),
    ("PTSD", "PTSD"),
    ("COPD", "COPD"),
    ("T2DM", "type 2 diabetes"),
    ("T1DM", "type 1 diabetes"),
    ("CKD", "long-term kidney disease"),
    ("OUD", "opioid addiction"),
    ("DLBCL", "diffuse large B-cell lymphoma"),
    ("MM", "multiple myeloma"),
];

/// Phrase swaps, applied longest first, matched case-insensitively on whole words.
const PHRASES: &[(&str, &str)] = &[
    ("malignant neoplasms", "cancers"),
    ("malignant neoplasm", "cancer"),
    ("malignant tumors", "cancers"),
    ("malignant tumor", "cancer"),
    ("neoplasm metastasis", "cancer that has spread"),
    ("neoplasms", "tumors"),
    ("neoplasm", "tumor"),
    ("tumours", "tumors"),
    ("tumour", "tumor"),
    ("hepatocellular carcinoma", "liver cancer"),
    ("renal cell carcinoma", "kidney cancer"),
    ("colorectal cancer", "bowel cancer"),
    ("colorectal neoplasms", "bowel tumors"),
    ("carcinomas", "cancers"),
    ("carcinoma", "cancer"),
    ("leukaemia", "leukemia"),
    ("leukaemias", "leukemias"),
    ("haemophilia", "hemophilia"),
    ("anaemia", "anemia"),
    ("oesophageal", "esophageal"),
    ("diabetes mellitus", "diabetes"),
    ("type2 diabetes", "type 2 diabetes"),
    ("type 2 diabetes mellitus", "type 2 diabetes"),
    ("hypertension", "high blood pressure"),
    ("hypotension", "low blood pressure"),
    ("myocardial infarction", "heart attack"),
    ("cerebrovascular accident", "stroke"),
    ("cardiovascular diseases", "heart and blood vessel diseases"),
    ("cardiovascular disease", "heart and blood vessel disease"),
    ("heart failure", "heart failure"),
    ("hyperlipidemia", "high blood fats"),
    ("hyperlipidaemia", "high blood fats"),
    ("dyslipidemia", "unhealthy blood fats"),
    ("hypercholesterolemia", "high cholesterol"),
    ("hyperglycemia", "high blood sugar"),
    ("hypoglycemia", "low blood sugar"),
    ("dyspnea", "shortness of breath"),
    ("dyspnoea", "shortness of breath"),
    ("pruritus", "itching"),
    ("emesis", "vomiting"),
    ("insomnia", "trouble sleeping"),
    (
        "sleep initiation and maintenance disorders",
        "trouble sleeping",
    ),
    ("edema", "swelling"),
    ("oedema", "swelling"),
    ("renal insufficiency", "kidney failure"),
    ("renal", "kidney"),
    ("hepatic", "liver"),
    ("pulmonary", "lung"),
    ("cardiac", "heart"),
    ("gastric", "stomach"),
    ("biliary tract", "bile duct"),
    ("thymic", "thymus"),
    ("mammary", "breast"),
    ("prostatic", "prostate"),
    ("cerebral", "brain"),
    ("intracranial", "brain"),
    ("cutaneous", "skin"),
    ("osteoarthritis", "wear-and-tear arthritis"),
    ("osteoporosis", "weak bones"),
    ("degenerative disc disease", "worn spinal discs"),
    ("degenerative disk disease", "worn spinal discs"),
    ("intervertebral disc degeneration", "worn spinal discs"),
    ("intervertebral disk degeneration", "worn spinal discs"),
    ("degenerative intervertebral discs", "worn spinal discs"),
    ("disc degeneration", "worn spinal discs"),
    ("disk degeneration", "worn spinal discs"),
    ("intervertebral disc displacement", "slipped spinal disc"),
    ("intervertebral disk displacement", "slipped spinal disc"),
    ("intervertebral disc herniation", "slipped spinal disc"),
    ("herniated intervertebral disc", "slipped spinal disc"),
    ("disc herniation", "slipped disc"),
    ("disk herniation", "slipped disc"),
    ("herniated disc", "slipped disc"),
    ("herniated disk", "slipped disc"),
    ("disc displacement", "slipped disc"),
    ("disk displacement", "slipped disc"),
    ("disc prolapse", "slipped disc"),
    ("disk prolapse", "slipped disc"),
    (
        "lumbar spinal stenosis",
        "narrowed spinal canal in the lower back",
    ),
    ("lumbar stenosis", "narrowed spinal canal in the lower back"),
    (
        "lumbar spondylolisthesis",
        "slipped spine bone in the lower back",
    ),
    ("lumbar disc herniation", "slipped disc in the lower back"),
    ("lumbar disk herniation", "slipped disc in the lower back"),
    ("lumbar herniated disc", "slipped disc in the lower back"),
    ("herniated lumbar disc", "slipped disc in the lower back"),
    ("lumbar disc disease", "disc disease in the lower back"),
    (
        "lumbar degenerative disc disease",
        "worn discs in the lower back",
    ),
    (
        "lumbar intervertebral disc displacement",
        "slipped disc in the lower back",
    ),
    (
        "lumbar intervertebral disc herniation",
        "slipped disc in the lower back",
    ),
    ("cervical disc herniation", "slipped disc in the neck"),
    ("cervical disk herniation", "slipped disc in the neck"),
    ("cervical disc displacement", "slipped disc in the neck"),
    (
        "cervical intervertebral disc displacement",
        "slipped disc in the neck",
    ),
    ("cervical disc degeneration", "worn discs in the neck"),
    (
        "cervical degenerative disc disease",
        "worn discs in the neck",
    ),
    ("cervical disc disease", "disc disease in the neck"),
    ("intervertebral", "spinal"),
    ("disk", "disc"),
    ("lumbar", "lower back"),
    ("cervical disc", "neck disc"),
    ("cervical spondylosis", "neck spine wear"),
    ("cervical radiculopathy", "pinched nerve in the neck"),
    ("cervical myelopathy", "spinal cord damage in the neck"),
    ("cervical spine", "neck spine"),
    (
        "cervical spinal stenosis",
        "narrowed spinal canal in the neck",
    ),
    ("spinal stenosis", "narrowed spinal canal"),
    ("spondylolisthesis", "slipped spine bone"),
    ("spondylosis", "spine wear"),
    ("radiculopathy", "pinched nerve"),
    ("myelopathy", "spinal cord damage"),
    ("major depressive disorder", "major depression"),
    ("depressive disorder", "depression"),
    ("depressive symptoms", "depression symptoms"),
    ("opioid-use disorder", "opioid addiction"),
    ("opioid use disorder", "opioid addiction"),
    ("opioid-related disorders", "opioid addiction"),
    ("nicotine dependence", "nicotine addiction"),
    ("tobacco dependence", "tobacco addiction"),
    ("tobacco use disorder", "tobacco addiction"),
    ("alcohol use disorder", "alcohol addiction"),
    ("drug dependence", "drug addiction"),
    ("cognitive dysfunction", "thinking problems"),
    ("cognitive impairment", "thinking problems"),
    ("chronic kidney disease", "long-term kidney disease"),
    ("chronic pain", "long-lasting pain"),
    ("chronic low back pain", "long-lasting low back pain"),
    ("chronic low-back pain", "long-lasting low back pain"),
    ("chronic back pain", "long-lasting back pain"),
    ("chronic neck pain", "long-lasting neck pain"),
    ("healthy volunteers", "healthy people"),
    ("healthy volunteer", "healthy people"),
    ("sars-cov-2 infection", "COVID-19"),
    ("sars-cov-2", "the COVID-19 virus"),
    ("covid-19 infection", "COVID-19"),
    ("amblyopia", "lazy eye"),
    ("strabismus", "crossed eyes"),
    ("otitis media", "middle ear infection"),
    ("cephalalgia", "headache"),
    ("alopecia", "hair loss"),
    ("urinary incontinence", "bladder leaks"),
    ("gastroesophageal reflux", "acid reflux"),
    ("nephrolithiasis", "kidney stones"),
    ("cholelithiasis", "gallstones"),
    ("pneumonia", "lung infection"),
    ("sepsis", "blood infection"),
];

/// Words that mark the first part of an inverted MeSH-style name as its head noun
/// (`"Leukemia, Myeloid, Acute"` → `"Acute Myeloid Leukemia"`).
const HEAD_NOUNS: &[&str] = &[
    "carcinoma",
    "leukemia",
    "leukaemia",
    "lymphoma",
    "neoplasms",
    "neoplasm",
    "diabetes mellitus",
    "diabetes",
    "disorder",
    "disorders",
    "disease",
    "diseases",
    "disk",
    "disc",
    "syndrome",
    "infection",
    "infections",
    "arthritis",
    "sarcoma",
    "melanoma",
    "myeloma",
    "anemia",
    "hepatitis",
    "stress disorders",
    "nightmares",
    "sleep",
    "fractures",
    "fracture",
    "glioma",
    "tumor",
    "tumors",
    "hernia",
    "pneumonia",
    "asthma",
    "obesity",
    "depression",
    "dementia",
    "insufficiency",
];

/// Words kept capitalised when names are lower-cased: eponyms, gene names and Roman numerals.
const EPONYMS: &[&str] = &[
    "parkinson",
    "alzheimer",
    "crohn",
    "hodgkin",
    "non-hodgkin",
    "hashimoto",
    "graves",
    "down",
    "huntington",
    "cushing",
    "addison",
    "sjogren",
    "sjögren",
    "kaposi",
    "ewing",
    "wilms",
    "burkitt",
    "waldenstrom",
    "waldenström",
    "gilbert",
    "tourette",
    "raynaud",
    "behcet",
    "lyme",
    "guillain",
    "barre",
    "barré",
    "duchenne",
    "asperger",
    "bell",
    "meniere",
    "paget",
    "covid",
    "covid-19",
    "b-cell",
    "t-cell",
    "nk",
    "ii",
    "iii",
    "iv",
    "i",
    "ia",
    "ib",
    "iia",
    "iib",
    "iiia",
    "iiib",
    "iiic",
    "iva",
    "ivb",
    "her2",
    "egfr",
    "alk",
    "kras",
    "braf",
];

static PREFIX_RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"(?i)^(?:relapsed\s*(?:/|or|and|and/or)\s*(?:refractory|resistant)|(?:refractory|resistant)\s*(?:/|or|and|and/or)\s*relapsed|r/r)\s+(.+)$",
         "that came back or did not respond to treatment"),
        (r"(?i)^(?:relapsed|relapse|recurrent)\s+(.+)$", "that came back"),
        (r"(?i)^refractory\s+(.+)$", "that did not respond to treatment"),
        (r"(?i)^metastatic\s+(.+)$", "that has spread"),
    ]
    .into_iter()
    .map(|(p, s)| (Regex::new(p).unwrap(), s))
    .collect()
});

static SUFFIX_RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"(?i)^(.+?),?\s+(?:in\s+)?(?:relapse|recurrent|relapsed)$",
            "that came back",
        ),
        (
            r"(?i)^(.+?),?\s+refractory$",
            "that did not respond to treatment",
        ),
    ]
    .into_iter()
    .map(|(p, s)| (Regex::new(p).unwrap(), s))
    .collect()
});

struct PhraseTable {
    regex: Regex,
}

static PHRASE_TABLE: LazyLock<PhraseTable> = LazyLock::new(|| {
    let mut phrases: Vec<&str> = PHRASES.iter().map(|(k, _)| *k).collect();
    phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let alternation = phrases
        .iter()
        .map(|p| regex::escape(p))
        .collect::<Vec<_>>()
        .join("|");
    PhraseTable {
        regex: Regex::new(&format!(r"(?i)\b(?:{alternation})\b")).unwrap(),
    }
});

/// Everyday words for a registry condition name. Deterministic and cheap.
///
/// ```
/// use summary::lay_condition;
/// assert_eq!(lay_condition("Neoplasms"), "tumors");
/// assert_eq!(lay_condition("Carcinoma, Non-Small-Cell Lung"), "non-small-cell lung cancer");
/// assert_eq!(lay_condition("Non-small Cell Lung Cancer"), "non-small cell lung cancer");
/// assert_eq!(lay_condition("Diabetes Mellitus, Type 2"), "type 2 diabetes");
/// assert_eq!(lay_condition("Refractory Leukemia"), "leukemia that did not respond to treatment");
/// assert_eq!(lay_condition("Parkinson Disease"), "Parkinson disease");
/// ```
pub fn lay_condition(name: &str) -> String {
    let name = name.trim().trim_end_matches('.').trim();
    if name.is_empty() {
        return String::new();
    }
    if let Some((_, lay)) = WHOLE_NAME.iter().find(|(k, _)| *k == name) {
        return lay.to_string();
    }
    let mut text = name.to_string();
    if let Some(first) = text.split_whitespace().next()
        && let Some((_, lay)) = WHOLE_NAME.iter().find(|(k, _)| *k == first)
    {
        text = format!("{lay}{}", &text[first.len()..]);
    }
    text = uninvert(&text);
    for (rule, tail) in PREFIX_RULES.iter() {
        if let Some(c) = rule.captures(&text) {
            text = format!("{} {tail}", lay_condition_core(&c[1]));
            return text;
        }
    }
    for (rule, tail) in SUFFIX_RULES.iter() {
        if let Some(c) = rule.captures(&text) {
            text = format!("{} {tail}", lay_condition_core(&c[1]));
            return text;
        }
    }
    lay_condition_core(&text)
}

fn lay_condition_core(text: &str) -> String {
    let swapped = PHRASE_TABLE.regex.replace_all(text, |c: &regex::Captures| {
        let found = c[0].to_lowercase();
        PHRASES
            .iter()
            .find(|(k, _)| *k == found)
            .map(|(_, v)| v.to_string())
            .unwrap_or(found)
    });
    let swapped = swapped
        .replace("lower back spinal", "lower back")
        .replace("disc disc", "disc");
    lower_common_words(&swapped)
}

/// `"Leukemia, Myeloid, Acute"` → `"Acute Myeloid Leukemia"`, only when the first part is a
/// disease head noun and the later parts are short modifiers (not a list of conditions).
fn uninvert(name: &str) -> String {
    if !name.contains(',') {
        return name.to_string();
    }
    let parts: Vec<&str> = name.split(',').map(str::trim).collect();
    let head = parts[0].to_lowercase();
    let head_ok = HEAD_NOUNS.iter().any(|h| head.ends_with(h));
    let modifiers_ok = parts[1..].iter().all(|p| {
        let words = p.split_whitespace().count();
        let lower = p.to_lowercase();
        (1..=3).contains(&words)
            && !lower.starts_with("in ")
            && !lower.starts_with("with ")
            && !lower.starts_with("and ")
            && !lower.starts_with("or ")
    });
    if !(head_ok && modifiers_ok && parts.len() <= 4) {
        return name.to_string();
    }
    let mut out: Vec<&str> = parts[1..].iter().rev().copied().collect();
    out.push(parts[0]);
    out.join(" ")
}

/// Lower-cases capitalised ordinary words; keeps initialisms, words with digits or inner
/// capitals, Roman numerals and eponyms.
fn lower_common_words(text: &str) -> String {
    text.split(' ')
        .map(|w| w.split('-').map(lower_word).collect::<Vec<_>>().join("-"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn lower_word(w: &str) -> String {
    {
        {
            let letters: String = w.chars().filter(|c| c.is_alphabetic()).collect();
            let mut chars = letters.chars();
            let first_upper = chars.next().is_some_and(char::is_uppercase);
            let rest_lower = chars.all(|c| c.is_lowercase());
            let stem = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .trim_end_matches("'s")
                .to_lowercase();
            if first_upper
                && rest_lower
                && letters.chars().count() > 1
                && !EPONYMS.contains(&stem.as_str())
            {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        }
    }
}

/// A comparable key for a condition (lay form, lower case, only letters and digits), used to
/// drop near-duplicates such as "Disc Herniation" / "Herniated Disc".
pub(crate) fn condition_key(lay: &str) -> String {
    let mut words: Vec<String> = lay
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('s').to_string())
        .collect();
    words.sort();
    words.dedup();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_and_jargon_becomes_plain() {
        assert_eq!(
            lay_condition("non-small cell lung cancer"),
            "non-small cell lung cancer"
        );
        assert_eq!(lay_condition("NSCLC"), "non-small cell lung cancer");
        assert_eq!(
            lay_condition("NSCLC Stage IV"),
            "non-small cell lung cancer stage IV"
        );
        assert_eq!(lay_condition("Hypertension"), "high blood pressure");
        assert_eq!(
            lay_condition("Leukemia, Myeloid, Acute"),
            "acute myeloid leukemia"
        );
        assert_eq!(lay_condition("Disk, Herniated"), "slipped disc");
        assert_eq!(
            lay_condition("Lumbar Disc Herniation"),
            "slipped disc in the lower back"
        );
        assert_eq!(
            lay_condition("Chronic Kidney Disease"),
            "long-term kidney disease"
        );
        assert_eq!(lay_condition("Breast Cancer"), "breast cancer");
        assert_eq!(
            lay_condition("HER2-positive Breast Cancer"),
            "HER2-positive breast cancer"
        );
        assert_eq!(
            lay_condition("Relapsed or Refractory Multiple Myeloma"),
            "multiple myeloma that came back or did not respond to treatment"
        );
        assert_eq!(
            lay_condition("Acute Lymphoblastic Leukemia, in Relapse"),
            "acute lymphoblastic leukemia that came back"
        );
    }

    #[test]
    fn lists_with_commas_are_not_reordered() {
        assert_eq!(lay_condition("Pain, Fatigue"), "pain, fatigue");
    }

    #[test]
    fn near_duplicates_share_a_key() {
        assert_eq!(
            condition_key(&lay_condition("Disc Herniation")),
            condition_key(&lay_condition("Herniated Disc"))
        );
    }
}
