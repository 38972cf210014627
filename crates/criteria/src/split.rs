//! Splitting an eligibility text into sections and a tree of criteria with exact spans.
//!
//! Works line by line: a line is a heading, a marked item (bullet, number, letter, roman numeral),
//! a continuation of the previous item (wrapped line), or an unmarked criterion. Nesting comes
//! from indentation and from changes of marker style ("1." then "a."). Afterwards, paragraph-style
//! criteria are cut into sentences and inline enumerations ("…: a. … ; b. …") become sub-items.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{SectionKind, Span};

/// A criterion before rule extraction.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub marker: Option<Span>,
    pub span: Span,
    pub section: usize,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone)]
pub(crate) struct RawSection {
    pub kind: SectionKind,
    pub heading: Option<Span>,
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MarkerClass {
    Bullet(char),
    Number,
    AlphaLower,
    AlphaUpper,
    RomanLower,
    RomanUpper,
    Unmarked,
}

static HEADING_COLON: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(
        r"(?i)^(?:[#*_\-•]+\s*)?(?:\d{1,2}[.)]\s*)?(?:key|main|general|major|additional|specific|other|principal|primary|secondary)?\s*(?P<kw>inclusion(?:ary)?|exclusion(?:ary)?|eligibility|ineligibility|non-inclusion)\b(?P<rest>[^:\n]{0,50}?)[*_]*\s*:[*_]*",
    )
});
static HEADING_BARE: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(
        r"(?i)^(?:[#*_\-•]+\s*)?(?:key|main|general|major|additional)?\s*(?P<kw>inclusion|exclusion|eligibility|ineligibility|non-inclusion)(?:\s+(?:criteria|criterion|requirements?))?[*_]*\s*[-–—:]?\s*$",
    )
});
static MIDLINE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(r"(?i)\b(?:key\s+)?(?:inclusion|exclusion)\s+criteria\s*:")
});
static LEADIN_EXCLUSION: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(
        r"(?i)\b(?:excluded|exclusion|not\s+(?:be\s+)?eligible|ineligible|not\s+be\s+(?:enrolled|included|allowed))\b",
    )
});
static LEADIN_INCLUSION: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(
        r"(?i)\b(?:eligible|included|inclusion|must\s+(?:meet|fulfil|fulfill|satisfy))\b.*\bfollowing\b",
    )
});
/// "People ages 55" then "75 years old with …" on the next line: some registry texts lost the
/// dash of an age range to a line break. Such a pair of lines is one criterion.
static AGE_NUMBER_AT_END: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(
        r"(?i)(?:\b(?:aged?|ages|age\s*:)|\b(?:be|are|is|patients?|subjects?|participants?|men|women|males?|females?|adults?|volunteers?|children|girls|boys))\s+\d{1,2}$",
    )
});
/// "Inclusion/" at the end of a line whose next line reads "Exclusion criteria:": one heading,
/// "Inclusion/Exclusion criteria:", broken over two lines. It starts no exclusion section.
static COMBINED_HEADING_START: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(r"(?i)^(?:inclusion|eligibility)\s*(?:/|&|and/or|and)$")
});
static YEARS_AT_START: LazyLock<Regex> =
    LazyLock::new(|| crate::numeric::compile(r"(?i)^\d{2,3}\s*(?:years?|yrs?)\b"));
static INLINE_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    crate::numeric::compile(
        r"(?:^|[:;,.]\s*|\s)\(?(?P<l>[a-hA-H]|\d{1,2}|i{1,3}|iv|vi{0,3})[.)]\s+\S",
    )
});

fn section_kind(kw: &str, rest: &str) -> SectionKind {
    let k = kw.to_ascii_lowercase();
    let r = rest.to_ascii_lowercase();
    if k.starts_with("incl") {
        if r.contains("exclusion") {
            SectionKind::Unspecified
        } else {
            SectionKind::Inclusion
        }
    } else if k.starts_with("excl") || k.starts_with("inelig") || k.starts_with("non-incl") {
        SectionKind::Exclusion
    } else {
        SectionKind::Unspecified
    }
}

/// Detects a list marker at the start of `line` (already left-trimmed). Returns the marker length,
/// the length up to the content, and the marker class.
fn detect_marker(line: &str, prev_alpha: Option<char>) -> Option<(usize, usize, MarkerClass)> {
    let mut chars = line.char_indices();
    let (_, c0) = chars.next()?;
    let rest_after = |n: usize| -> usize { n + (line[n..].len() - line[n..].trim_start().len()) };
    const BULLETS: &[char] = &[
        '-', '*', '•', '·', '▪', '◦', '○', '●', '■', '□', '➢', '►', '‣', '⁃', '–', '—', '+',
        '\u{f0b7}', '✓', '→', '◆', '♦',
    ];
    if BULLETS.contains(&c0) {
        let n = c0.len_utf8();
        // "-5 years" or "--" are not bullets; a bullet is followed by whitespace or end.
        let next = line[n..].chars().next();
        if next.is_none_or(|c| c.is_whitespace()) {
            return Some((n, rest_after(n), MarkerClass::Bullet(c0)));
        }
        return None;
    }
    if c0 == 'o' && line[1..].starts_with([' ', '\t']) {
        return Some((1, rest_after(1), MarkerClass::Bullet('o')));
    }
    let (open, body) = if c0 == '(' {
        (1, &line[1..])
    } else {
        (0, line)
    };
    // Numbers: "1.", "12)", "3、", "1\." (escaped markdown); "1.5 mg" is not a marker.
    let digits = body.bytes().take_while(|b| b.is_ascii_digit()).count();
    if (1..=3).contains(&digits) {
        let after = &body[digits..];
        let delim = if after.starts_with("\\.") {
            2
        } else if after.starts_with('.') || after.starts_with(')') {
            1
        } else if after.starts_with('、') {
            '、'.len_utf8()
        } else {
            0
        };
        if delim > 0 {
            let next = after[delim..].chars().next();
            if next.is_none_or(|c| !c.is_ascii_digit()) {
                let n = open + digits + delim;
                return Some((n, rest_after(n), MarkerClass::Number));
            }
        }
        return None;
    }
    // Letters and roman numerals: "a.", "b)", "(c)", "ii.", "IV)".
    let letters = body.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    if (1..=4).contains(&letters) {
        let word = &body[..letters];
        let after = &body[letters..];
        if (after.starts_with('.') || after.starts_with(')'))
            && after[1..].starts_with(|c: char| c.is_whitespace())
        {
            let n = open + letters + 1;
            let is_roman = word.chars().all(|c| "ivxIVX".contains(c));
            let class = if letters == 1 {
                let c = word.chars().next().unwrap();
                let lower = c.is_ascii_lowercase();
                // "i." after "h." is a letter; otherwise a roman numeral.
                let prev_is_letter_before = match c.to_ascii_lowercase() {
                    'i' => prev_alpha == Some('h'),
                    'v' => prev_alpha == Some('u'),
                    'x' => prev_alpha == Some('w'),
                    _ => true,
                };
                if is_roman && !prev_is_letter_before {
                    if lower {
                        MarkerClass::RomanLower
                    } else {
                        MarkerClass::RomanUpper
                    }
                } else if lower {
                    MarkerClass::AlphaLower
                } else {
                    MarkerClass::AlphaUpper
                }
            } else if is_roman {
                if word.chars().all(|c| c.is_ascii_lowercase()) {
                    MarkerClass::RomanLower
                } else {
                    MarkerClass::RomanUpper
                }
            } else {
                return None;
            };
            return Some((n, rest_after(n), class));
        }
    }
    None
}

fn indent_of(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' | '\u{a0}' => col += 1,
            '\t' => col += 4,
            _ => break,
        }
    }
    col
}

struct Open {
    indent: usize,
    class: MarkerClass,
    ends_colon: bool,
    /// Path to the node: section index and child indices.
    path: Vec<usize>,
}

fn node_at<'a>(sections: &'a mut [RawSection], path: &[usize], section: usize) -> &'a mut Node {
    let mut node = &mut sections[section].nodes[path[0]];
    for &i in &path[1..] {
        node = &mut node.children[i];
    }
    node
}

fn trim_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let tail = s.trim_end().len();
    (start + lead, start + tail.max(lead))
}

/// Does a line starting in lower case follow a line that is short (under 60 % of the widest
/// line) and ends no open phrase? Then the text lists one criterion a line.
fn lower_case_lines_follow_short_ones(text: &str) -> bool {
    let width = text
        .lines()
        .map(|l| l.trim().chars().count())
        .max()
        .unwrap_or(0);
    let mut prev: Option<&str> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            prev = None;
            continue;
        }
        if let Some(p) = prev
            && line.starts_with(|c: char| c.is_lowercase())
            && p.chars().count() * 10 < width * 6
            && !p.ends_with([',', '-', '/', '(', '&', ':'])
            && !FUNCTION_WORDS.contains(
                &p.rsplit(char::is_whitespace)
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .as_str(),
            )
        {
            return true;
        }
        prev = Some(line);
    }
    false
}

/// Splits `text` into sections of criterion trees.
pub(crate) fn split(text: &str) -> Vec<RawSection> {
    let mut sections: Vec<RawSection> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut blank_before = true;
    let mut prev_line_end_char: Option<char> = None;
    let mut prev_ends_with_function_word = false;
    let mut prev_ends_with_age_number = false;
    let mut prev_alpha: Option<char> = None;
    // A line starting in lower case usually continues a hard-wrapped line. But some texts put
    // one criterion a line, many in lower case ("21 to 72 years of age⏎taking rosiglitazone
    // and metformin ..."): a lower-case line after a line that stopped well short of the
    // text's width, at no open phrase, shows such a list, and then only an open phrase ("…
    // with⏎") joins two lines.
    let one_per_line = lower_case_lines_follow_short_ones(text);

    // Segments: lines, further cut before a mid-line "Exclusion Criteria:".
    let mut segments: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let end = pos + line.len();
        let content_end = pos + line.trim_end_matches(['\n', '\r']).len();
        let mut s = pos;
        let first_non_ws = pos + (line.len() - line.trim_start().len());
        for m in MIDLINE_HEADING.find_iter(&text[pos..content_end]) {
            let at = pos + m.start();
            if at > first_non_ws && !text[s..at].trim().is_empty() {
                segments.push((s, at));
                s = at;
            }
        }
        segments.push((s, content_end));
        pos = end;
    }

    // The first line of a heading broken over two lines was seen ("Inclusion/").
    let mut combined_heading: Option<usize> = None;
    for (seg_i, &(seg_start, seg_end)) in segments.iter().enumerate() {
        let mut cur = seg_start;
        // A heading may be followed by content on the same line; loop handles the remainder.
        loop {
            let raw = &text[cur..seg_end];
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                blank_before = true;
                break;
            }
            let lead = raw.len() - raw.trim_start().len();
            let indent = indent_of(raw);
            let cstart = cur + lead;
            let cend = cstart + trimmed.len();
            let line = &text[cstart..cend];

            // Headings.
            let heading = if let Some(c) = HEADING_COLON.captures(line) {
                let kind = section_kind(&c["kw"], &c["rest"]);
                Some((kind, c.get(0).unwrap().end()))
            } else if let Some(c) = HEADING_BARE.captures(line) {
                Some((section_kind(&c["kw"], ""), line.len()))
            } else if line.ends_with(':')
                && line.len() < 160
                && detect_marker(line, prev_alpha).is_none()
                && (stack.is_empty() || blank_before)
            {
                if LEADIN_EXCLUSION.is_match(line)
                    && !line.to_ascii_lowercase().contains("inclusion")
                {
                    Some((SectionKind::Exclusion, line.len()))
                } else if LEADIN_INCLUSION.is_match(line) && sections.is_empty() {
                    Some((SectionKind::Inclusion, line.len()))
                } else {
                    None
                }
            } else {
                None
            };
            if COMBINED_HEADING_START.is_match(line)
                && segments.get(seg_i + 1).is_some_and(|&(a, b)| {
                    HEADING_COLON
                        .captures(text[a..b].trim_start())
                        .is_some_and(|c| {
                            section_kind(&c["kw"], &c["rest"]) == SectionKind::Exclusion
                        })
                })
            {
                combined_heading = Some(cstart);
                break;
            }
            // "Inclusion/⏎Exclusion criteria:" names both sections: the criteria under it stay
            // in the section already open when that has no criteria yet (a heading written
            // before it), else they are of no stated kind. The heading spans both lines.
            let combined_start = combined_heading.take();
            if let (Some(hstart), Some((_, hlen))) = (combined_start, heading)
                && let Some(last) = sections.last_mut()
                && last.nodes.is_empty()
            {
                let (_, he) = trim_span(text, cstart, cstart + hlen);
                last.heading = Some(Span::new(last.heading.map_or(hstart, |h| h.start), he));
                cur = cstart + hlen;
                blank_before = true;
                prev_line_end_char = Some(':');
                if text[cur..seg_end].trim().is_empty() {
                    break;
                }
                continue;
            }
            let heading = match (combined_start, heading) {
                (Some(_), Some((_, hlen))) => Some((SectionKind::Unspecified, hlen)),
                _ => heading,
            };
            if let Some((kind, hlen)) = heading {
                let (hs, he) = trim_span(text, combined_start.unwrap_or(cstart), cstart + hlen);
                sections.push(RawSection {
                    kind,
                    heading: Some(Span::new(hs, he)),
                    nodes: Vec::new(),
                });
                stack.clear();
                blank_before = true;
                prev_alpha = None;
                prev_line_end_char = Some(':');
                cur = cstart + hlen;
                if text[cur..seg_end].trim().is_empty() {
                    break;
                }
                continue;
            }

            if sections.is_empty() {
                sections.push(RawSection {
                    kind: SectionKind::Unspecified,
                    heading: None,
                    nodes: Vec::new(),
                });
            }
            let si = sections.len() - 1;
            let marker = detect_marker(line, prev_alpha);
            match marker {
                Some((mlen, clen, class)) => {
                    if matches!(class, MarkerClass::AlphaLower | MarkerClass::AlphaUpper) {
                        prev_alpha = line
                            .chars()
                            .find(|c| c.is_ascii_alphabetic())
                            .map(|c| c.to_ascii_lowercase());
                    }
                    // Find the parent.
                    while let Some(top) = stack.last() {
                        if top.indent > indent {
                            stack.pop();
                            continue;
                        }
                        if top.class == MarkerClass::Unmarked && !top.ends_colon {
                            stack.pop();
                            continue;
                        }
                        if top.indent == indent {
                            if top.class == class {
                                stack.pop();
                                break;
                            }
                            if stack.iter().any(|o| o.indent == indent && o.class == class) {
                                stack.pop();
                                continue;
                            }
                        }
                        break;
                    }
                    let (s, e) = trim_span(text, cstart + clen, cend);
                    let node = Node {
                        marker: Some(Span::new(cstart, cstart + mlen)),
                        span: Span::new(s, e.max(s)),
                        section: si,
                        children: Vec::new(),
                    };
                    push_node(
                        &mut sections,
                        &mut stack,
                        si,
                        node,
                        indent,
                        class,
                        line.ends_with(':'),
                    );
                }
                None => {
                    let continuation = match stack.last() {
                        Some(top) => {
                            let starts_lower = line
                                .starts_with(|c: char| c.is_lowercase() || c == '(' || c == ',');
                            // A wrapped line: the previous line stops mid-phrase, or this one starts
                            // in lower case. (Lines that merely lack a full stop are criteria of
                            // their own: many texts put one criterion per line.)
                            let prev_open = prev_line_end_char.is_some_and(|c| ",-/(&".contains(c))
                                || prev_ends_with_function_word;
                            let age_range_cut =
                                prev_ends_with_age_number && YEARS_AT_START.is_match(line);
                            (top.class != MarkerClass::Unmarked
                                && indent > top.indent
                                && !blank_before)
                                || (!blank_before && age_range_cut)
                                || (top.class != MarkerClass::Unmarked && indent > top.indent + 1)
                                || (!blank_before && ((starts_lower && !one_per_line) || prev_open))
                        }
                        None => false,
                    };
                    if continuation {
                        let top = stack.last_mut().unwrap();
                        top.ends_colon = line.ends_with(':');
                        let path = top.path.clone();
                        let node = node_at(&mut sections, &path, si);
                        node.span.end = cend;
                    } else {
                        while let Some(top) = stack.last() {
                            if top.indent >= indent || !top.ends_colon {
                                stack.pop();
                            } else {
                                break;
                            }
                        }
                        let node = Node {
                            marker: None,
                            span: Span::new(cstart, cend),
                            section: si,
                            children: Vec::new(),
                        };
                        push_node(
                            &mut sections,
                            &mut stack,
                            si,
                            node,
                            indent,
                            MarkerClass::Unmarked,
                            line.ends_with(':'),
                        );
                    }
                }
            }
            blank_before = false;
            prev_line_end_char = line.chars().last();
            let last_word = line
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            prev_ends_with_function_word = FUNCTION_WORDS.contains(&last_word.as_str());
            prev_ends_with_age_number =
                line.ends_with(|c: char| c.is_ascii_digit()) && AGE_NUMBER_AT_END.is_match(line);
            break;
        }
    }

    for section in &mut sections {
        let nodes = std::mem::take(&mut section.nodes);
        section.nodes = nodes.into_iter().flat_map(|n| refine(text, n)).collect();
    }
    sections
}

fn push_node(
    sections: &mut [RawSection],
    stack: &mut Vec<Open>,
    si: usize,
    node: Node,
    indent: usize,
    class: MarkerClass,
    ends_colon: bool,
) {
    let path = match stack.last() {
        Some(parent) => {
            let ppath = parent.path.clone();
            let p = node_at(sections, &ppath, si);
            p.children.push(node);
            let mut path = ppath;
            path.push(p.children.len() - 1);
            path
        }
        None => {
            sections[si].nodes.push(node);
            vec![sections[si].nodes.len() - 1]
        }
    };
    stack.push(Open {
        indent,
        class,
        ends_colon,
        path,
    });
}

const FUNCTION_WORDS: &[&str] = &[
    "and", "or", "of", "the", "with", "to", "in", "for", "a", "an", "than", "by", "at", "on",
    "from", "as", "who", "which", "that", "is", "are", "be",
];

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "vs", "dr", "mr", "mrs", "ms", "approx", "etc", "no", "st", "fig", "u.s", "incl",
    "max", "min", "al", "ca", "cf", "resp", "e.g.", "i.e.",
];

/// Sentence boundaries in paragraph-style text (". " followed by an upper-case letter).
fn sentence_cuts(text: &str, span: Span) -> Vec<usize> {
    let s = span.slice(text);
    let bytes = s.as_bytes();
    let mut cuts = Vec::new();
    let mut depth: i32 = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            '.' if depth == 0 => {
                let after = &s[i + 1..];
                let ws = after.len() - after.trim_start().len();
                if ws == 0 || ws == after.len() {
                    continue;
                }
                let next = after[ws..].chars().next().unwrap();
                if !next.is_uppercase() {
                    continue;
                }
                let word_start = s[..i]
                    .char_indices()
                    .rev()
                    .take(12)
                    .find(|&(_, c)| c.is_whitespace() || c == '(')
                    .map_or(i, |(p, c)| p + c.len_utf8());
                let word = s[word_start..i].to_ascii_lowercase();
                if ABBREVIATIONS.contains(&word.as_str())
                    || (word.len() == 1 && word.chars().all(|c| c.is_alphabetic()))
                {
                    continue;
                }
                let _ = bytes;
                cuts.push(span.start + i + 1 + ws);
            }
            _ => {}
        }
    }
    cuts
}

/// Longest own text of one criterion. Real criteria are far shorter; a longer run of text has no
/// structure we can see, so it is cut (at whitespace) into pieces of at most this size. That keeps
/// the per-criterion work bounded on pathological input without dropping any text.
const MAX_CRITERION_BYTES: usize = 8 * 1024;

fn chunk(text: &str, node: Node) -> Vec<Node> {
    if node.span.len() <= MAX_CRITERION_BYTES {
        return vec![node];
    }
    let mut out = Vec::new();
    let mut start = node.span.start;
    let mut first = true;
    while start < node.span.end {
        let mut cut = (start + MAX_CRITERION_BYTES).min(node.span.end);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut < node.span.end
            && let Some(ws) = text[start..cut].rfind(char::is_whitespace)
            && ws > 0
        {
            cut = start + ws;
        }
        let (s, e) = trim_span(text, start, cut);
        if e > s {
            out.push(Node {
                marker: if first { node.marker } else { None },
                span: Span::new(s, e),
                section: node.section,
                children: Vec::new(),
            });
            first = false;
        }
        start = cut.max(start + 1);
        while start < node.span.end && !text.is_char_boundary(start) {
            start += 1;
        }
    }
    if let Some(last) = out.last_mut() {
        last.children = node.children;
    }
    out
}

/// Cuts paragraph-style criteria into sentences and turns inline enumerations into sub-items.
fn refine(text: &str, node: Node) -> Vec<Node> {
    chunk(text, node)
        .into_iter()
        .flat_map(|n| refine_one(text, n))
        .collect()
}

fn refine_one(text: &str, mut node: Node) -> Vec<Node> {
    let children = std::mem::take(&mut node.children);
    node.children = children.into_iter().flat_map(|n| refine(text, n)).collect();

    // Inline enumeration "…: a. … ; b. … ; c. …".
    if node.children.is_empty()
        && let Some(kids) = inline_enumeration(text, node.span, node.section)
    {
        let first = kids[0].marker.unwrap().start;
        let (s, e) = trim_span(text, node.span.start, first);
        node.span = Span::new(s, e);
        node.children = kids;
        return vec![node];
    }

    if node.marker.is_none() && node.children.is_empty() {
        let cuts = sentence_cuts(text, node.span);
        if !cuts.is_empty() {
            let mut out = Vec::new();
            let mut start = node.span.start;
            for cut in cuts.into_iter().chain(std::iter::once(node.span.end)) {
                let (s, e) = trim_span(text, start, cut);
                if e > s {
                    out.push(Node {
                        marker: None,
                        span: Span::new(s, e),
                        section: node.section,
                        children: Vec::new(),
                    });
                }
                start = cut;
            }
            return out;
        }
    }
    vec![node]
}

fn label_rank(l: &str) -> Option<(u8, usize)> {
    // (family, position): family 0 = letters, 1 = numbers, 2 = roman.
    const ROMAN: &[&str] = &["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"];
    if let Ok(n) = l.parse::<usize>() {
        return Some((1, n));
    }
    let lower = l.to_ascii_lowercase();
    if let Some(p) = ROMAN.iter().position(|r| *r == lower)
        && lower.len() > 1
    {
        return Some((2, p + 1));
    }
    if lower.len() == 1 {
        return Some((0, (lower.as_bytes()[0] - b'a' + 1) as usize));
    }
    None
}

fn inline_enumeration(text: &str, span: Span, section: usize) -> Option<Vec<Node>> {
    let s = span.slice(text);
    let mut markers: Vec<(usize, usize, (u8, usize))> = Vec::new(); // (marker start, content start, rank)
    for c in INLINE_MARKER.captures_iter(s) {
        let l = c.name("l").unwrap();
        let Some(rank) = label_rank(l.as_str()) else {
            continue;
        };
        let mstart = if l.start() > 0 && s.as_bytes()[l.start() - 1] == b'(' {
            l.start() - 1
        } else {
            l.start()
        };
        let m0 = c.get(0).unwrap();
        let content = m0.end() - 1; // the \S
        markers.push((mstart, content, rank));
    }
    // Find the first run a, b, c… (or 1, 2…, or i, ii…) that starts after a ':' / sentence end.
    for i in 0..markers.len() {
        let (fam, pos) = markers[i].2;
        if pos != 1 {
            continue;
        }
        let before = s[..markers[i].0].trim_end();
        if !(before.ends_with(':') || before.ends_with(';') || before.ends_with('.')) {
            continue;
        }
        let mut run = vec![markers[i]];
        let mut want = 2;
        for m in &markers[i + 1..] {
            if m.2 == (fam, want) || (fam == 0 && m.2 == (2, want) && want == 1) {
                let before = s[..m.0].trim_end();
                if before.ends_with([';', ',', '.', ':'])
                    || before.ends_with("and")
                    || before.ends_with("or")
                {
                    run.push(*m);
                    want += 1;
                }
            }
        }
        if run.len() < 2 {
            continue;
        }
        let mut kids = Vec::new();
        for (k, m) in run.iter().enumerate() {
            let end = if k + 1 < run.len() {
                run[k + 1].0
            } else {
                s.len()
            };
            let (cs, ce) = trim_span(text, span.start + m.1, span.start + end);
            let marker_end = span.start + m.1;
            let mtxt = &text[span.start + m.0..marker_end];
            let mlen = mtxt.trim_end().len();
            kids.push(Node {
                marker: Some(Span::new(span.start + m.0, span.start + m.0 + mlen)),
                span: Span::new(cs, ce.max(cs)),
                section,
                children: Vec::new(),
            });
        }
        return Some(kids);
    }
    None
}
