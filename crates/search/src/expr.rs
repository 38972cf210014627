//! A parser for the useful part of the registry's Essie expression language, shared by
//! `query.*` and `filter.advanced`.
//!
//! Precedence, highest first: terms and source operators (`"phrase"`, `RANGE[a, b]`,
//! `MISSING`, `ALL`, parentheses) > `NOT` and context operators (`AREA[Field]`,
//! `COVERAGE[...]`, `EXPANSION[...]`) > `AND` (also implied between adjacent terms that are not
//! plain words) > `OR`. Adjacent plain words form one term ("heart attack"). A backslash
//! escapes an operator word (`\MISSING` is the word "MISSING").

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Plain words ("heart attack") or a quoted phrase.
    Text {
        text: String,
        phrase: bool,
    },
    /// `AREA[field]expr`
    Area {
        field: String,
        expr: Box<Expr>,
    },
    /// `COVERAGE[kind]expr`
    Coverage {
        kind: Coverage,
        expr: Box<Expr>,
    },
    /// `EXPANSION[kind]expr`; accepted, and `None` turns off synonym expansion.
    Expansion {
        kind: String,
        expr: Box<Expr>,
    },
    /// `RANGE[lo, hi]`
    Range {
        lo: Bound,
        hi: Bound,
    },
    Missing,
    All,
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// One end of a `RANGE`.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Min,
    Max,
    Value(String),
}

/// How much of a field a text must cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    FullMatch,
    StartsWith,
    EndsWith,
    Contains,
}

/// A syntax error, with the byte offset where it was noticed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at character {at})")]
pub struct ExprError {
    pub at: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Missing,
    All,
    Word(String),
    Phrase(String),
    /// `NAME[argument]`
    Op(String, String),
}

const OPERATORS: &[&str] = &[
    "AREA",
    "RANGE",
    "COVERAGE",
    "EXPANSION",
    "SEARCH",
    "TILT",
    "DISTANCE",
];

fn lex(input: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push((at, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((at, Tok::RParen));
                i += 1;
            }
            '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(ExprError {
                                at,
                                message: "unclosed quote".into(),
                            });
                        }
                        Some((_, '\\')) if i + 1 < chars.len() => {
                            text.push(chars[i + 1].1);
                            i += 2;
                        }
                        Some((_, '"')) => {
                            i += 1;
                            break;
                        }
                        Some((_, ch)) => {
                            text.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((at, Tok::Phrase(text)));
            }
            _ => {
                let mut word = String::new();
                let mut escaped = false;
                while i < chars.len() {
                    let ch = chars[i].1;
                    if ch == '\\' && i + 1 < chars.len() {
                        word.push(chars[i + 1].1);
                        escaped = true;
                        i += 2;
                        continue;
                    }
                    if ch.is_whitespace() || ch == '(' || ch == ')' || ch == '"' {
                        break;
                    }
                    if ch == '[' && !escaped && OPERATORS.contains(&word.as_str()) {
                        let close =
                            chars[i..]
                                .iter()
                                .position(|(_, c)| *c == ']')
                                .ok_or(ExprError {
                                    at,
                                    message: format!("{word}[ is not closed with ]"),
                                })?;
                        let arg: String = chars[i + 1..i + close].iter().map(|(_, c)| c).collect();
                        i += close + 1;
                        out.push((
                            at,
                            Tok::Op(std::mem::take(&mut word), arg.trim().to_string()),
                        ));
                        break;
                    }
                    word.push(ch);
                    i += 1;
                }
                if word.is_empty() {
                    continue;
                }
                let tok = match (escaped, word.as_str()) {
                    (false, "AND") => Tok::And,
                    (false, "OR") => Tok::Or,
                    (false, "NOT") => Tok::Not,
                    (false, "MISSING") => Tok::Missing,
                    (false, "ALL") => Tok::All,
                    _ => Tok::Word(word),
                };
                out.push((at, tok));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(a, _)| *a)
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ExprError> {
        Err(ExprError {
            at: self.at(),
            message: message.into(),
        })
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut items = vec![self.not()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    items.push(self.not()?);
                }
                None | Some(Tok::Or) | Some(Tok::RParen) => break,
                Some(_) => items.push(self.not()?),
            }
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Expr::And(items)
        })
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        match self.peek().cloned() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.not()?)))
            }
            Some(Tok::Op(name, arg))
                if name == "AREA" || name == "COVERAGE" || name == "EXPANSION" =>
            {
                self.pos += 1;
                if self.peek().is_none() {
                    return self.err(format!("{name}[{arg}] must be followed by what to search"));
                }
                let expr = Box::new(self.not()?);
                match name.as_str() {
                    "AREA" => {
                        if arg.is_empty() {
                            return self.err("AREA[] needs a field name");
                        }
                        Ok(Expr::Area { field: arg, expr })
                    }
                    "COVERAGE" => {
                        let kind = match arg.to_ascii_lowercase().as_str() {
                            "fullmatch" => Coverage::FullMatch,
                            "startswith" => Coverage::StartsWith,
                            "endswith" => Coverage::EndsWith,
                            "contains" => Coverage::Contains,
                            _ => return self.err(format!("COVERAGE[{arg}]: expected FullMatch, StartsWith, EndsWith or Contains")),
                        };
                        Ok(Expr::Coverage { kind, expr })
                    }
                    _ => {
                        let known = ["None", "Term", "Concept", "Relaxation", "Lossy"];
                        match known.iter().find(|k| k.eq_ignore_ascii_case(&arg)) {
                            Some(k) => Ok(Expr::Expansion { kind: k.to_string(), expr }),
                            None => self.err(format!("EXPANSION[{arg}]: expected None, Term, Concept, Relaxation or Lossy")),
                        }
                    }
                }
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let Some(tok) = self.peek().cloned() else {
            return self.err("expression ends too early");
        };
        self.pos += 1;
        match tok {
            Tok::LParen => {
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return self.err("expected ')'");
                }
                self.pos += 1;
                Ok(e)
            }
            Tok::Phrase(text) => Ok(Expr::Text { text, phrase: true }),
            Tok::Word(first) => {
                let mut words = vec![first];
                while let Some(Tok::Word(w)) = self.peek() {
                    words.push(w.clone());
                    self.pos += 1;
                }
                Ok(Expr::Text {
                    text: words.join(" "),
                    phrase: false,
                })
            }
            Tok::Missing => Ok(Expr::Missing),
            Tok::All => Ok(Expr::All),
            Tok::Op(name, arg) if name == "RANGE" => {
                let parts: Vec<&str> = arg.split(',').map(str::trim).collect();
                if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                    self.pos -= 1;
                    return self.err(format!(
                        "RANGE[{arg}]: expected RANGE[low, high] (MIN and MAX allowed)"
                    ));
                }
                let bound = |s: &str| match s {
                    "MIN" => Bound::Min,
                    "MAX" => Bound::Max,
                    v => Bound::Value(v.to_string()),
                };
                Ok(Expr::Range {
                    lo: bound(parts[0]),
                    hi: bound(parts[1]),
                })
            }
            Tok::Op(name, _) => {
                self.pos -= 1;
                self.err(format!("{name}[...] is not supported here"))
            }
            Tok::RParen => {
                self.pos -= 1;
                self.err("unexpected ')'")
            }
            Tok::And | Tok::Or | Tok::Not => {
                self.pos -= 1;
                self.err("an operator needs a term on each side")
            }
        }
    }
}

/// Parses one expression.
pub fn parse(input: &str) -> Result<Expr, ExprError> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(ExprError {
            at: 0,
            message: "empty expression".into(),
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end: input.len(),
    };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return p.err("unexpected ')'");
    }
    Ok(e)
}

impl Expr {
    /// Every text term in the expression, outside `NOT`; used to highlight snippets.
    pub fn positive_texts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match e {
                Expr::Text { text, .. } => out.push(text),
                Expr::Area { expr, .. }
                | Expr::Coverage { expr, .. }
                | Expr::Expansion { expr, .. } => walk(expr, out),
                Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| walk(e, out)),
                Expr::Not(_) | Expr::Range { .. } | Expr::Missing | Expr::All => {}
            }
        }
        walk(self, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Expr {
        Expr::Text {
            text: t.into(),
            phrase: false,
        }
    }

    #[test]
    fn precedence_and_grouping() {
        assert_eq!(
            parse("heart attack OR stroke AND NOT aspirin").unwrap(),
            Expr::Or(vec![
                text("heart attack"),
                Expr::And(vec![text("stroke"), Expr::Not(Box::new(text("aspirin")))])
            ])
        );
        assert_eq!(
            parse("(a OR b) AND c").unwrap(),
            Expr::And(vec![Expr::Or(vec![text("a"), text("b")]), text("c")])
        );
    }

    #[test]
    fn areas_ranges_and_missing() {
        let e = parse("AREA[MinimumAge]RANGE[MIN, 16 years] AND AREA[MaximumAge](RANGE[16 years, MAX] OR MISSING)").unwrap();
        assert_eq!(
            e,
            Expr::And(vec![
                Expr::Area {
                    field: "MinimumAge".into(),
                    expr: Box::new(Expr::Range {
                        lo: Bound::Min,
                        hi: Bound::Value("16 years".into())
                    })
                },
                Expr::Area {
                    field: "MaximumAge".into(),
                    expr: Box::new(Expr::Or(vec![
                        Expr::Range {
                            lo: Bound::Value("16 years".into()),
                            hi: Bound::Max
                        },
                        Expr::Missing
                    ]))
                },
            ])
        );
        assert_eq!(
            parse(r#"AREA[Condition]"breast cancer""#).unwrap(),
            Expr::Area {
                field: "Condition".into(),
                expr: Box::new(Expr::Text {
                    text: "breast cancer".into(),
                    phrase: true
                })
            }
        );
        assert_eq!(parse(r"\MISSING link").unwrap(), text("MISSING link"));
        // Adjacent non-word terms are ANDed.
        assert!(
            matches!(parse("AREA[Phase]PHASE2 AREA[StudyType]INTERVENTIONAL").unwrap(), Expr::And(v) if v.len() == 2)
        );
    }

    #[test]
    fn malformed_expressions_say_where() {
        for bad in [
            "",
            "(a OR b",
            "a OR",
            "AREA[Phase",
            "RANGE[1]",
            "\"open",
            "a )",
            "AREA[]x",
            "COVERAGE[Most]x",
            "SEARCH[Location](x)",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(parse("(a OR b").unwrap_err().message, "expected ')'");
    }
}
