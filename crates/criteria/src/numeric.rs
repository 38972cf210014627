//! Finding numeric expressions: comparator + number (+ range) + unit, in any of the spellings
//! registry text uses (`≥`, `\>=`, `＞`, "no more than", "18 years or older", "0-2", "between 1 and 3",
//! "≤ 3 times the upper limit of normal", "1.5 x 10^9/L").

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Comparator, Reference, Span, Threshold, TimeUnit};

/// One numeric expression found in text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumExpr {
    pub span: Span,
    /// `None` when the number stands bare (only ranges and comparator forms are reported, so this
    /// is always set in practice; kept optional for "grade 1" style single values).
    pub comparator: Option<Comparator>,
    pub value: f64,
    pub upper: Option<f64>,
    pub unit: Option<String>,
    pub relative_to: Option<Reference>,
    /// Text right after the expression was "old" / "of age".
    pub age_suffix: bool,
    /// The comparator itself speaks of age ("older than", "or younger").
    pub age_word: bool,
    /// A range whose upper end is exclusive ("2 to < 18").
    pub upper_exclusive: bool,
}

impl NumExpr {
    pub fn time_unit(&self) -> Option<TimeUnit> {
        match self.unit.as_deref() {
            Some("year") => Some(TimeUnit::Year),
            Some("month") => Some(TimeUnit::Month),
            Some("week") => Some(TimeUnit::Week),
            Some("day") => Some(TimeUnit::Day),
            Some("hour") => Some(TimeUnit::Hour),
            _ => None,
        }
    }

    pub fn threshold(&self) -> Threshold {
        Threshold {
            comparator: self.comparator.unwrap_or(Comparator::Eq),
            value: self.value,
            upper: self.upper,
            unit: self.unit.clone(),
            relative_to: self.relative_to,
            span: self.span,
        }
    }
}

const CMP: &str = r"(?P<cmp>≥|≤|⩾|⩽|≧|≦|＞|＜|>_|<_|\\?>\s?or\s?=(?:\s?to\b)?|\\?<\s?or\s?=(?:\s?to\b)?|\\?>\s?/\s?=|\\?<\s?/\s?=|≥\s?/\s?=|≤\s?/\s?=|>=|<=|=>|=<|\\?>\s?=|\\?<\s?=|\\?>|\\?<|=|\b(?:
    (?:equal\s+(?:to\s+)?or\s+|or\s+equal\s+to\s+)?(?:greater|more|higher|larger|bigger|longer)\s+than(?:\s*(?:or|/)?\s*equals?(?:\s+to)?)?|
    (?:equal\s+(?:to\s+)?or\s+)?(?:less|lower|fewer|smaller|shorter)\s+than(?:\s*(?:or|/)?\s*equals?(?:\s+to)?)?|
    (?:greater|more|higher|larger|bigger|less|lower|smaller|fewer|below|above|under|over)\s+or\s+equals?(?:\s+to)?|
    equal\s+(?:to\s+)?or\s+(?:above|over|below|under)|
    at\s+least|no\s+(?:less|fewer|lower)\s+than|not\s+(?:less|fewer|lower)\s+than|(?:a\s+)?minimum(?:\s+of)?|
    at\s+most|no\s+(?:more|greater|higher)\s+than|not\s+(?:more|greater|higher)\s+than|not\s+(?:to\s+)?exceed(?:ing)?|(?:does|do)\s+not\s+exceed|
    up\s+to|from\s+birth\s+(?:up\s+)?(?:to|until|through)|(?:a\s+)?maximum(?:\s+of)?|exceed(?:s|ed|ing)?|above|over|below|under|not\s+older\s+than|not\s+younger\s+than|no\s+older\s+than|no\s+younger\s+than|older\s+than|younger\s+than|inferior\s+(?:or\s+equal\s+)?to|superior\s+(?:or\s+equal\s+)?to|major\s+than|minor\s+than|greater))";

const NUM: &str = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty|thirty)\b";

const UNIT: &str = r"(?P<unit>
    \s*(?:[x×*]|times|-?fold)?\s*(?:the\s+)?(?:institutional\s+|local\s+|laboratory\s+|lab\s+|site\s+|normal\s+)?
        (?:upper\s+limits?\s+of\s+(?:the\s+)?(?:institutional\s+)?normal(?:\s+range)?(?:\s*\(\s*I?ULN\s*\))?|upper\s+normal\s+limits?|I?ULN\b)
  | \s*(?:[x×*]|times)?\s*(?:the\s+)?(?:institutional\s+)?(?:lower\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?(?:\s*\(\s*LLN\s*\))?|LLN\b)
  | \s*[x×*]\s*10\s*(?:\^|\*\*|e)?\s*(?:\d{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})\s*/\s*(?:L|l|µL|μL|uL|ul|mm3|mm³|mm\^3|cu\.?\s*mm)\b
  | \s*(?:cells|cell)?\s*/\s*(?:mm3|mm³|mm\^3|µL|μL|uL|ul|microliter|mcL|cu\.?\s*mm)
  | \s*(?:mL|ml)\s*/\s*min(?:ute)?(?:\s*/\s*1[.,]73\s*m(?:2|²|\^2)(?:\s+BSA)?)?
  | \s*(?:mg|g|µg|ug|μg|ng|pg|mmol|µmol|umol|μmol|mEq|IU|U|mIU|mUI|UI|mU|nmol|pmol|cells|copies|IU)\s*[/⁄]\s*(?:dL|dl|L|l|mL|ml|µL|uL|24\s*h(?:ours?)?|day|kg|m2|m²|g)\b
  | \s*(?:°\s?C|℃|degrees?\s+C(?:elsius)?\b)
  | \s*(?:mm\s*\.?\s*Hg|millimet(?:er|re)s?\s+of\s+mercury)
  | \s*(?-i:mM|µM|μM|nM)\b
  | \s*(?:kg\s*/\s*m(?:2|²|\^2)|kg/m)
  | \s*%
  | \s*(?:percent|per\s+cent)\b
  | \s*(?:msecs?|ms)\b
  | \s*(?:seconds?|secs?)\b
  | \s*(?:mm|millimet(?:er|re)s?)\b
  | \s*(?:cm|centimet(?:er|re)s?)\b
  | \s*(?:kg|kilograms?|lbs?|pounds?)\b
  | \s*(?:mg|g)\b
  | \s*(?:-?\s*years?|yrs?|-?\s*year-old|y\.?o\.?|y)\b
  | \s*(?:-?\s*months?|mos?)\b
  | \s*(?:-?\s*weeks?|wks?)\b
  | \s*(?:-?\s*days?)\b
  | \s*(?:-?\s*hours?|hrs?|h)\b
  | \s*(?:prior\s+)?(?:lines?|regimens?)\b
  | \s*cycles?\b
  | \s*points?\b
)?";

/// Compiles a pattern with ASCII word boundaries. Unicode `\b` stops the regex crate from using
/// its fast DFA on text with non-ASCII characters (every "≥"), which made parsing several times
/// slower; criteria keywords are ASCII, so ASCII boundaries lose nothing.
pub(crate) fn compile(pattern: &str) -> Regex {
    let p = pattern.replace(r"\b", r"(?-u:\b)");
    Regex::new(&p).unwrap_or_else(|e| panic!("bad regex {pattern}: {e}"))
}

fn build() -> Regex {
    // Alternatives, in priority order at a given start position.
    let between = format!(
        r"(?P<bw>\b(?:(?:between(?:\s*,\s*and\s+including\s*,)?|from)\s+(?:the\s+)?(?:ages?\s+(?:of\s+)?)?|ages\s+of\s+|aged\s+)(?P<b1>{NUM})\s*(?P<bu1>%|years?|months?|weeks?|days?)?\s*(?:and|to|-|–|—|~)\s*(?P<b2>{NUM}))"
    );
    // "between =12 and 16 years", "between ages >=18 and 65", "between 10 to <1000": a range
    // whose ends carry stray comparators (after "aged", "aged =18 to =65" stays two bounds).
    let between_cmp = format!(
        r"(?P<bwc>\bbetween\s+(?:the\s+)?(?:ages?\s+(?:of\s+)?)?(?:>=|≥|=>|>|=)?\s*(?P<c1>{NUM})\s*(?P<cu1>%|years?|months?|weeks?|days?)?\s*(?:and|to|-|–|—|~)\s*(?:(?P<cx><|＜)|<=|≤|=<|=)?\s*(?P<c2>{NUM}))"
    );
    let prefixed = format!(
        r"(?P<pre>(?:{CMP})\s*(?:[(\[]\s*(?:≥|≤|>=|<=|=>|=<|>|<|=)\s*[)\]]\s*)?(?:\(|:)?\s*(?:the\s+)?(?:grade|G|an?\s+age\s+of|age\s+of|age|score\s+of|a\s+score\s+of)?\s*(?:[x×]\s*)?(?P<p1>{NUM})(?:\s*\(\s*\d{{1,3}}\s*\))?(?:\s*(?:to|-|–|—)\s*(?P<px>\\?<|＜|less\s+than)?\s*(?P<p2>{NUM}))?)"
    );
    let uln_only = r"(?P<ulo>\b(?:above|over|below|under|greater\s+than|more\s+than|less\s+than|higher\s+than|lower\s+than|exceed(?:s|ing)?|>|<|\\>|\\<|≤|≥|within)\s+(?:the\s+)?(?:institutional\s+)?(?:upper\s+limit\s+of\s+(?:the\s+)?normal(?:\s+range)?|ULN\b|normal\s+limits?|normal\s+range))";
    let range = format!(
        r"(?P<rg>\b(?P<r1>{NUM})\s*(?P<ru1>%|years?|months?|weeks?|days?|mg/dL|g/dL)?\s*(?:to|-|–|—|~|through)\s*(?P<rx>\\?<|＜|<|less\s+than|under|younger\s+than)?\s*(?P<r2>{NUM}))"
    );
    let postfix = format!(
        r"(?P<po>\b(?P<o1>{NUM})\s*(?P<ou>%|-?years?(?:\s+of\s+age|\s+old)?|yrs?|y|months?(?:\s+of\s+age)?|weeks?|days?|cycles?|(?:prior\s+)?lines?(?:\s+of\s+(?:therapy|treatment))?|(?:prior\s+)?regimens?|[a-zA-Zµμ]{{1,6}}\s*[/⁄]\s*[a-zA-Zµμ0-9.²³]{{1,8}}|[/⁄]\s*[a-zA-Zµμ][a-zA-Zµμ0-9.²³]{{0,7}}|mm\s*Hg|mmHg|mm|cm|kg|mg|g|points?|times|x\s*ULN)?\s*(?:\(\s*inclusive\s*\)\s*)?(?:or|and|&)\s+(?P<odir>more|greater|higher|above|older|over|less|lower|below|younger|fewer|under|later|beyond|after)\b)"
    );
    let plus = format!(r"(?P<pl>\b(?P<l1>{NUM})\s*\+\s*(?P<lu>years?|yrs?)?)");
    // A multiple of the upper limit of normal without a comparator ("LFT 3X upper limit of
    // normal", "five times higher than the ULN", "2.5 folds the upper normal limit").
    let bare_uln = format!(
        r"(?P<bu>(?:\b|[x×]\s*)(?P<u1>{NUM})\s*(?:[x×*]|times|-?folds?)\s*(?P<uhi>(?:higher|greater|more|above)\s+than\s+)?(?:the\s+)?(?:institutional\s+)?(?:upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?(?:\s*\(\s*I?ULN\s*\))?|upper\s+normal\s+limits?|I?ULN\b))"
    );
    let pattern = format!(
        r"(?xi)(?:{between}|{between_cmp}|{prefixed}|{uln_only}|{postfix}|{range}|{plus}|{bare_uln}){UNIT}"
    );
    compile(&pattern)
}

static EXPR: LazyLock<Regex> = LazyLock::new(build);
static BP_PAIR_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)^\s*/\s*(?P<d>\d{2,3})\b(?P<u>\s*(?:mm\s*Hg|millimet(?:er|re)s?\s+of\s+mercury))?",
    )
});
static THAN_AFTER: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)^\s*than\b"));
/// "3x upper limit of normal or higher": the direction of a ULN multiple written after it.
static ULN_POSTFIX: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?i)^\s*(?:or|and)\s+(?P<d>more|greater|higher|above|over|less|lower|below|under)\b")
});
/// "18 ≤ BMI ≤ 32", "between 18 <= BMI <= 27": an inclusive lower bound written before the
/// measure's name (one to three words), whose upper bound follows the name.
static LOWER_BEFORE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)(?:\bbetween\s+)?\b(?P<a>\d+(?:[.,]\d+)?)\s*(?:≤|<=|=<|≦)\s*[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2}\s*$",
    )
});
static AGE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)^\s*(?:\(\s*inclusive\s*\)\s*)?(?:old|of\s+age|years?\s+old|years?\s+of\s+age|\(?inclusive\)?\s+of\s+age|yo\b)",
    )
});

/// Parses a number as written ("1,500", "1.5", "1,5" → 1.5, ".5").
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let word = match s.to_ascii_lowercase().as_str() {
        "one" => Some(1.0),
        "two" => Some(2.0),
        "three" => Some(3.0),
        "four" => Some(4.0),
        "five" => Some(5.0),
        "six" => Some(6.0),
        "seven" => Some(7.0),
        "eight" => Some(8.0),
        "nine" => Some(9.0),
        "ten" => Some(10.0),
        "eleven" => Some(11.0),
        "twelve" => Some(12.0),
        "eighteen" => Some(18.0),
        "twenty" => Some(20.0),
        "thirty" => Some(30.0),
        _ => None,
    };
    if word.is_some() {
        return word;
    }
    let cleaned: String = if s.contains(',') {
        let parts: Vec<&str> = s.split(',').collect();
        if parts.len() > 1
            && parts[1..].iter().all(|p| {
                p.len() == 3
                    || p.starts_with(|c: char| c.is_ascii_digit())
                        && p.split('.').next().is_some_and(|x| x.len() == 3)
            })
        {
            s.replace(',', "")
        } else {
            s.replace(',', ".")
        }
    } else {
        s.to_string()
    };
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn comparator_of(raw: &str) -> Option<Comparator> {
    let w = raw.to_lowercase();
    let w = w.replace('\\', "");
    // Symbol forms: "\>/=", "> =", "≥/=" all mean the same.
    // "> or = to" is "> or =".
    let w = if w.starts_with(['>', '<', '≥', '≤']) {
        let c = w.replace(['/', ' '], "");
        c.strip_suffix("to").map(str::to_string).unwrap_or(c)
    } else {
        w
    };
    let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
    let or_equal = w.contains("equal") || w.contains('=') && w.len() > 1;
    Some(match w.as_str() {
        "≥" | "⩾" | "≧" | ">=" | "=>" | "≥=" | ">_" => Comparator::Ge,
        "≤" | "⩽" | "≦" | "<=" | "=<" | "≤=" | "<_" => Comparator::Le,
        _ if w.ends_with("or=") && w.starts_with('>') => Comparator::Ge,
        _ if w.ends_with("or=") && w.starts_with('<') => Comparator::Le,
        "not older than" | "no older than" => Comparator::Le,
        "not younger than" | "no younger than" => Comparator::Ge,
        "inferior or equal to" => Comparator::Le,
        "superior or equal to" => Comparator::Ge,
        "inferior to" | "minor than" => Comparator::Lt,
        "superior to" | "major than" => Comparator::Gt,
        ">" | "＞" => Comparator::Gt,
        "<" | "＜" => Comparator::Lt,
        "=" => Comparator::Eq,
        _ if w.starts_with("at least")
            || w.starts_with("no less")
            || w.starts_with("not less")
            || w.starts_with("no fewer")
            || w.starts_with("not fewer")
            || w.starts_with("no lower")
            || w.starts_with("not lower")
            || w.contains("minimum") =>
        {
            Comparator::Ge
        }
        _ if w.starts_with("at most")
            || w.starts_with("no more")
            || w.starts_with("not more")
            || w.starts_with("no greater")
            || w.starts_with("not greater")
            || w.starts_with("no higher")
            || w.starts_with("not higher")
            || w.contains("not exceed")
            || w.contains("not to exceed")
            || w.starts_with("up to")
            || w.starts_with("from birth")
            || w.contains("maximum") =>
        {
            Comparator::Le
        }
        // "below or equal to 8", "over or equal to 18".
        _ if or_equal && (w.starts_with("above") || w.starts_with("over")) => Comparator::Ge,
        _ if or_equal && (w.starts_with("below") || w.starts_with("under")) => Comparator::Le,
        _ if w.contains("greater")
            || w.contains("more")
            || w.contains("higher")
            || w.contains("larger")
            || w.contains("bigger")
            || w.contains("longer")
            || w.starts_with("exceed")
            || w == "above"
            || w == "over"
            || w.ends_with(" above")
            || w.ends_with(" over")
            || w.starts_with("older") =>
        {
            if or_equal {
                Comparator::Ge
            } else {
                Comparator::Gt
            }
        }
        _ if w.contains("less")
            || w.contains("lower")
            || w.contains("fewer")
            || w.contains("smaller")
            || w.contains("shorter")
            || w == "below"
            || w == "under"
            || w.ends_with(" below")
            || w.ends_with(" under")
            || w.starts_with("younger") =>
        {
            if or_equal {
                Comparator::Le
            } else {
                Comparator::Lt
            }
        }
        _ => return None,
    })
}

/// Canonical unit and reference for the raw unit text.
fn unit_of(raw: &str) -> (Option<String>, Option<Reference>) {
    let t = raw.trim();
    if t.is_empty() {
        return (None, None);
    }
    let l = t.to_lowercase();
    if l.contains("upper limit") || l.contains("upper normal") || l.contains("uln") {
        return (None, Some(Reference::Uln));
    }
    if l.contains("lower limit") || l.contains("lln") {
        return (None, Some(Reference::Lln));
    }
    let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect();
    // Molar concentrations are case-sensitive: "mM" is mmol/L, "mm" is a length.
    match t {
        "mM" => return (Some("mmol/L".into()), None),
        "µM" | "μM" => return (Some("µmol/L".into()), None),
        "nM" => return (Some("nmol/L".into()), None),
        _ => {}
    }
    if compact.contains("mercury") || compact.starts_with("mm") && compact.ends_with("hg") {
        return (Some("mmHg".into()), None);
    }
    let u = if compact.contains("10")
        && (compact.starts_with('x') || compact.starts_with('×') || compact.starts_with('*'))
    {
        let per = if compact.ends_with("/l") { "L" } else { "µL" };
        let exp = if compact.contains('9') || compact.contains('⁹') {
            "9"
        } else if compact.contains("12") || compact.contains("¹²") {
            "12"
        } else if compact.contains('3') || compact.contains('³') {
            "3"
        } else {
            "?"
        };
        if per == "L" {
            format!("10^{exp}/L")
        } else {
            format!("10^{exp}/µL")
        }
    } else if compact.starts_with("ml/min") || compact.starts_with("ml/minute") {
        if compact.contains("1.73") || compact.contains("1,73") {
            "mL/min/1.73m²".into()
        } else {
            "mL/min".into()
        }
    } else if compact.contains("/mm")
        || compact.contains("/µl")
        || compact.contains("/μl")
        || compact.contains("/ul")
        || compact.contains("/mcl")
        || compact.contains("/cu")
        || compact.contains("microliter")
    {
        "/µL".into()
    } else if compact.contains("mmhg") {
        "mmHg".into()
    } else if compact.starts_with("kg/m") {
        "kg/m²".into()
    } else if compact == "%" || compact.starts_with("per") && compact.contains("cent") {
        "%".into()
    } else if compact.starts_with('°') || compact.starts_with('℃') || compact.starts_with("degree")
    {
        "°C".into()
    } else if compact.starts_with("ms") {
        "ms".into()
    } else if compact.starts_with("sec") || compact == "s" {
        "s".into()
    } else if compact == "mm" || compact.starts_with("millimet") {
        "mm".into()
    } else if compact == "cm" || compact.starts_with("centimet") {
        "cm".into()
    } else if compact == "kg" || compact.starts_with("kilogram") {
        "kg".into()
    } else if compact.starts_with("lb") || compact.starts_with("pound") {
        "lb".into()
    } else if compact.contains('/') {
        let mut s = t.split_whitespace().collect::<Vec<_>>().join("");
        s = s
            .replace('⁄', "/")
            .replace("dl", "dL")
            .replace("ml", "mL")
            .replace("umol", "µmol")
            .replace("μmol", "µmol")
            .replace("/l", "/L");
        s
    } else {
        let c = compact.trim_start_matches('-');
        if c.starts_with("year")
            || c.starts_with("yr")
            || c == "y"
            || c.starts_with("y.o")
            || c == "yo"
        {
            "year".into()
        } else if c.starts_with("month") || c == "mo" || c == "mos" {
            "month".into()
        } else if c.starts_with("week") || c.starts_with("wk") {
            "week".into()
        } else if c.starts_with("day") {
            "day".into()
        } else if c.starts_with("hour") || c.starts_with("hr") || c == "h" {
            "hour".into()
        } else if c.contains("line") || c.contains("regimen") {
            "line".into()
        } else if c.starts_with("cycle") {
            "cycle".into()
        } else if c.starts_with("point") {
            "point".into()
        } else {
            c.to_string()
        }
    };
    (Some(u), None)
}

/// Whether `before` ends with `word` as a whole word (case-insensitive). Looks only at the end,
/// so it costs the same however long the text before is.
fn ends_with_word(before: &str, word: &str) -> bool {
    let t = before.trim_end();
    let Some(cut) = t.len().checked_sub(word.len()) else {
        return false;
    };
    t.get(cut..).is_some_and(|w| w.eq_ignore_ascii_case(word))
        && !t[..cut]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric())
}

/// The systolic number of a blood-pressure pair written right before `at` ("150/" in
/// "150/95 or higher"): its start, end and value. Looks at no more than the few bytes before.
fn systolic_before(text: &str, at: usize) -> Option<(usize, usize, f64)> {
    let head = text[..at].trim_end().strip_suffix('/')?.trim_end();
    let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if !(2..=3).contains(&digits) {
        return None;
    }
    let start = head.len() - digits;
    // "1.150/95", "3,150/95" or "1/150/95" are not a pressure.
    if head[..start]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | ',' | '/'))
    {
        return None;
    }
    Some((start, head.len(), head[start..].parse().ok()?))
}

/// All numeric expressions in `text`, left to right, non-overlapping; spans are relative to `text`
/// plus `offset`.
pub(crate) fn scan(text: &str, offset: usize) -> Vec<NumExpr> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos <= text.len() {
        let Some(caps) = EXPR.captures_at(text, pos) else {
            break;
        };
        let whole = caps.get(0).unwrap();
        pos = if whole.end() > whole.start() {
            whole.end()
        } else {
            // An empty match cannot happen (every alternative needs a number); step past it anyway.
            text[whole.end()..]
                .chars()
                .next()
                .map_or(text.len() + 1, |c| whole.end() + c.len_utf8())
        };
        // "18 years and less than 80 years": "and less" starts the next comparator, it is not the
        // postfix "18 or less". The first number stands bare (its direction comes from the bound
        // that follows), and scanning resumes at the comparator word.
        if let Some(dir) = caps.name("odir")
            && THAN_AFTER.is_match(&text[dir.end()..])
        {
            let o1 = caps.name("o1").unwrap();
            if let Some(a) = parse_number(o1.as_str()) {
                let ou = caps.name("ou");
                let end = ou.map_or(o1.end(), |u| u.end());
                out.push(NumExpr {
                    span: Span::new(offset + o1.start(), offset + end),
                    comparator: None,
                    value: a,
                    upper: None,
                    unit: ou.and_then(|u| unit_of(u.as_str()).0),
                    relative_to: None,
                    age_suffix: false,
                    age_word: false,
                    upper_exclusive: false,
                });
            }
            pos = dir.start();
            continue;
        }
        let mut start = whole.start();
        let mut end = whole.end();
        let mut unit_raw = caps.name("unit").map(|m| m.as_str()).unwrap_or("");
        let mut upper_exclusive_here = false;
        let (comparator, value, upper, inline_unit) =
            if caps.name("bw").is_some() || caps.name("bwc").is_some() {
                let v1 = caps
                    .name("b1")
                    .or(caps.name("c1"))
                    .and_then(|m| parse_number(m.as_str()));
                let v2 = caps
                    .name("b2")
                    .or(caps.name("c2"))
                    .and_then(|m| parse_number(m.as_str()));
                let (Some(a), Some(b)) = (v1, v2) else {
                    continue;
                };
                // "aged 28 days to 6 months": the ends are in different units; no plain range.
                if b < a {
                    continue;
                }
                (
                    Some(Comparator::Between),
                    a,
                    Some(b),
                    caps.name("bu1").or(caps.name("cu1")).map(|m| m.as_str()),
                )
            } else if let Some(pre) = caps.name("pre") {
                let cmp_raw = caps.name("cmp").map(|m| m.as_str()).unwrap_or("");
                let Some(cmp) = comparator_of(cmp_raw) else {
                    continue;
                };
                // "of" only counts when followed by something that makes it a value ("a score of 70").
                let Some(a) = caps.name("p1").and_then(|m| parse_number(m.as_str())) else {
                    continue;
                };
                if let Some(b) = caps.name("p2").and_then(|m| parse_number(m.as_str())) {
                    (Some(Comparator::Between), a, Some(b), None)
                } else {
                    // Trim a leading word boundary char that belongs to the previous token.
                    let s = pre.as_str();
                    let lead = s.len() - s.trim_start().len();
                    start += lead;
                    // "18 ≤ BMI ≤ 32 kg/m²": the bound before the name makes this a range.
                    let lower = if matches!(cmp, Comparator::Le | Comparator::Lt) {
                        let mut from = start.saturating_sub(60);
                        while !text.is_char_boundary(from) {
                            from += 1;
                        }
                        LOWER_BEFORE_NAME
                            .captures(&text[from..start])
                            .and_then(|c| {
                                let l = parse_number(&c["a"])?;
                                (l < a).then_some((l, from + c.get(0).unwrap().start()))
                            })
                    } else {
                        None
                    };
                    if let Some((l, l_start)) = lower {
                        start = l_start;
                        upper_exclusive_here = cmp == Comparator::Lt;
                        (Some(Comparator::Between), l, Some(a), None)
                    } else {
                        (Some(cmp), a, None, None)
                    }
                }
            } else if caps.name("ulo").is_some() {
                let m = caps.name("ulo").unwrap().as_str().to_lowercase();
                let cmp = if m.contains("within") {
                    Comparator::Le
                } else if m.starts_with("above")
                    || m.starts_with("over")
                    || m.starts_with("greater")
                    || m.starts_with("more")
                    || m.starts_with("higher")
                    || m.starts_with("exceed")
                    || m.contains('>')
                {
                    Comparator::Gt
                } else if m.contains('≤') {
                    Comparator::Le
                } else if m.contains('≥') {
                    Comparator::Ge
                } else {
                    Comparator::Lt
                };
                out.push(NumExpr {
                    span: Span::new(offset + start, offset + end),
                    comparator: Some(cmp),
                    value: 1.0,
                    upper: None,
                    unit: None,
                    relative_to: if m.contains("lower") && m.contains("limit of normal") {
                        Some(Reference::Lln)
                    } else {
                        Some(Reference::Uln)
                    },
                    age_suffix: false,
                    age_word: false,
                    upper_exclusive: false,
                });
                continue;
            } else if caps.name("po").is_some() {
                let Some(a) = caps.name("o1").and_then(|m| parse_number(m.as_str())) else {
                    continue;
                };
                let dir = caps.name("odir").unwrap().as_str().to_lowercase();
                let cmp = match dir.as_str() {
                    "less" | "lower" | "below" | "younger" | "fewer" | "under" => Comparator::Le,
                    _ => Comparator::Ge,
                };
                // A blood-pressure pair with the comparator after it ("150/95 or higher"): the
                // number before the slash is the systolic threshold, with the same comparator.
                let o1 = caps.name("o1").unwrap();
                if let Some((s_start, s_end, systolic)) = systolic_before(text, o1.start())
                    && (70.0..=300.0).contains(&systolic)
                    && (30.0..=200.0).contains(&a)
                    && a < systolic
                {
                    let unit = caps
                        .name("ou")
                        .and_then(|u| unit_of(u.as_str()).0)
                        .filter(|u| u == "mmHg");
                    out.push(NumExpr {
                        span: Span::new(offset + s_start, offset + s_end),
                        comparator: Some(cmp),
                        value: systolic,
                        upper: None,
                        unit,
                        relative_to: None,
                        age_suffix: false,
                        age_word: false,
                        upper_exclusive: false,
                    });
                }
                (Some(cmp), a, None, caps.name("ou").map(|m| m.as_str()))
            } else if caps.name("rg").is_some() {
                let v1 = caps.name("r1").and_then(|m| parse_number(m.as_str()));
                let v2 = caps.name("r2").and_then(|m| parse_number(m.as_str()));
                let (Some(a), Some(b)) = (v1, v2) else {
                    continue;
                };
                if b < a {
                    continue;
                }
                (
                    Some(Comparator::Between),
                    a,
                    Some(b),
                    caps.name("ru1").map(|m| m.as_str()),
                )
            } else if caps.name("bu").is_some() {
                let Some(a) = caps.name("u1").and_then(|m| parse_number(m.as_str())) else {
                    continue;
                };
                // "within 2 times the ULN" is a ceiling, as "within normal limits" is.
                let mut cmp = caps.name("uhi").map(|_| Comparator::Gt).or_else(|| {
                    ends_with_word(&text[..caps.name("u1").unwrap().start()], "within")
                        .then_some(Comparator::Le)
                });
                // "3x upper limit of normal or higher": the direction follows the multiple.
                if cmp.is_none()
                    && let Some(c) = ULN_POSTFIX.captures(&text[end..])
                {
                    cmp = Some(match c["d"].to_ascii_lowercase().as_str() {
                        "less" | "lower" | "below" | "under" => Comparator::Le,
                        _ => Comparator::Ge,
                    });
                    end += c.get(0).unwrap().end();
                }
                out.push(NumExpr {
                    span: Span::new(offset + caps.name("u1").unwrap().start(), offset + end),
                    comparator: cmp,
                    value: a,
                    upper: None,
                    unit: None,
                    relative_to: Some(Reference::Uln),
                    age_suffix: false,
                    age_word: false,
                    upper_exclusive: false,
                });
                continue;
            } else if caps.name("pl").is_some() {
                let Some(a) = caps.name("l1").and_then(|m| parse_number(m.as_str())) else {
                    continue;
                };
                // "Gleason 3+4", "(0.006 x H) + (15 x W)": a sum, not "3 or more".
                if caps.name("lu").is_none()
                    && text[whole.end()..]
                        .trim_start()
                        .starts_with(|c: char| c.is_ascii_digit() || c == '(')
                {
                    continue;
                }
                (
                    Some(Comparator::Ge),
                    a,
                    None,
                    caps.name("lu").map(|m| m.as_str()),
                )
            } else {
                continue;
            };
        if unit_raw.trim().is_empty()
            && let Some(u) = inline_unit
        {
            unit_raw = u;
        }
        let (mut unit, relative_to) = unit_of(unit_raw);
        if unit.is_none()
            && let Some(u) = inline_unit
        {
            unit = unit_of(u).0;
        }
        // A unit that is only whitespace-separated letters glued to a following word is not a unit.
        let trimmed_end = text[..end].trim_end().len();
        end = trimmed_end.max(start + 1).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        // A blood-pressure pair after a comparator ("< 140/90 mmHg"): two thresholds, systolic
        // then diastolic, with the same comparator. Titers ("> 1/40") and visual acuity ("20/200")
        // do not fit the ranges.
        let pair = if caps.name("pre").is_some() && upper.is_none() && unit_raw.trim().is_empty() {
            BP_PAIR_TAIL.captures(&text[end..]).and_then(|c| {
                let d = parse_number(&c["d"])?;
                ((70.0..=300.0).contains(&value) && (30.0..=200.0).contains(&d) && d < value).then(
                    || {
                        let dm = c.name("d").unwrap();
                        let unit = c.name("u").map(|_| "mmHg".to_string());
                        let tail_end = c.get(0).unwrap().end();
                        (d, end + dm.start(), end + tail_end, unit)
                    },
                )
            })
        } else {
            None
        };
        let age_suffix = AGE_SUFFIX.is_match(&text[end..])
            || unit_raw.to_lowercase().contains("old")
            || unit_raw.to_lowercase().contains("y.o")
            || inline_unit.is_some_and(|u| u.to_lowercase().contains("of age"));
        out.push(NumExpr {
            span: Span::new(offset + start, offset + end),
            comparator,
            value,
            upper,
            unit,
            relative_to,
            age_suffix,
            upper_exclusive: upper_exclusive_here
                || caps.name("rx").is_some()
                || caps.name("px").is_some()
                || caps.name("cx").is_some(),
            age_word: caps.name("cmp").is_some_and(|m| {
                m.as_str().to_ascii_lowercase().contains("older")
                    || m.as_str().to_ascii_lowercase().contains("younger")
            }) || caps.name("odir").is_some_and(|m| {
                matches!(
                    m.as_str().to_ascii_lowercase().as_str(),
                    "older" | "younger"
                )
            }),
        });
        if let Some((d, d_start, d_end, unit)) = pair {
            let first = out.last_mut().unwrap();
            if first.unit.is_none() {
                first.unit = unit.clone();
            }
            let cmp = first.comparator;
            out.push(NumExpr {
                span: Span::new(offset + d_start, offset + d_end),
                comparator: cmp,
                value: d,
                upper: None,
                unit,
                relative_to: None,
                age_suffix: false,
                age_word: false,
                upper_exclusive: false,
            });
            pos = pos.max(d_end);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> NumExpr {
        let v = scan(s, 0);
        assert!(!v.is_empty(), "nothing found in {s:?}");
        v[0].clone()
    }

    #[test]
    fn comparators_in_all_spellings() {
        for (s, c, v) in [
            ("ALT ≤ 3 × ULN", Comparator::Le, 3.0),
            ("LVEF \\<50%", Comparator::Lt, 50.0),
            ("age \\>= 18", Comparator::Ge, 18.0),
            ("INR is no more than 1.5 times ULN", Comparator::Le, 1.5),
            ("at least 4 cycles", Comparator::Ge, 4.0),
            ("greater than 3 months", Comparator::Gt, 3.0),
            ("greater than or equal to 10 g/dL", Comparator::Ge, 10.0),
            ("＜ 12 months", Comparator::Lt, 12.0),
            ("18 years or older", Comparator::Ge, 18.0),
        ] {
            let e = one(s);
            assert_eq!(e.comparator, Some(c), "{s}");
            assert_eq!(e.value, v, "{s}");
        }
    }

    #[test]
    fn units_and_references() {
        let e = one("≤ 3 times the upper limit of normal (ULN)");
        assert_eq!(e.relative_to, Some(Reference::Uln));
        assert_eq!(e.unit, None);
        let e = one("ANC ≥ 1.5 x 10^9/L");
        assert_eq!(e.unit.as_deref(), Some("10^9/L"));
        let e = one("creatinine clearance ≥ 60 mL/min");
        assert_eq!(e.unit.as_deref(), Some("mL/min"));
        let e = one("platelets ≥ 100,000/mm3");
        assert_eq!(e.value, 100_000.0);
        assert_eq!(e.unit.as_deref(), Some("/µL"));
        let e = one("Age range: 14 to 65 years old");
        assert_eq!(
            (e.comparator, e.value, e.upper),
            (Some(Comparator::Between), 14.0, Some(65.0))
        );
        assert_eq!(e.unit.as_deref(), Some("year"));
        assert!(e.age_suffix);
    }
}
