//! Small value types that parse the registry's spellings.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::RecordError;

/// A ClinicalTrials.gov identifier: `NCT` followed by exactly eight digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NctId(String);

impl NctId {
    /// Accepts `NCT01234567` and, like the registry, `nct01234567` (normalized to upper case).
    pub fn parse(s: &str) -> Result<NctId, RecordError> {
        let t = s.trim();
        let ok = t.len() == 11
            && t[..3].eq_ignore_ascii_case("NCT")
            && t[3..].bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(NctId(t.to_ascii_uppercase()))
        } else {
            Err(RecordError::BadNctId(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NctId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeUnit {
    Years,
    Months,
    Weeks,
    Days,
    Hours,
    Minutes,
}

impl AgeUnit {
    fn parse(s: &str) -> Option<AgeUnit> {
        let s = s.trim().trim_end_matches('.').to_ascii_lowercase();
        let s = s.strip_suffix('s').unwrap_or(&s);
        Some(match s {
            "year" | "yr" | "y" => AgeUnit::Years,
            "month" | "mo" | "mth" => AgeUnit::Months,
            "week" | "wk" => AgeUnit::Weeks,
            "day" | "d" => AgeUnit::Days,
            "hour" | "hr" | "h" => AgeUnit::Hours,
            "minute" | "min" => AgeUnit::Minutes,
            _ => return None,
        })
    }

    /// How many of this unit make a year (a year is 365.25 days).
    fn per_year(self) -> f64 {
        match self {
            AgeUnit::Years => 1.0,
            AgeUnit::Months => 12.0,
            AgeUnit::Weeks => 365.25 / 7.0,
            AgeUnit::Days => 365.25,
            AgeUnit::Hours => 365.25 * 24.0,
            AgeUnit::Minutes => 365.25 * 24.0 * 60.0,
        }
    }

    pub fn registry_word(self) -> &'static str {
        match self {
            AgeUnit::Years => "Years",
            AgeUnit::Months => "Months",
            AgeUnit::Weeks => "Weeks",
            AgeUnit::Days => "Days",
            AgeUnit::Hours => "Hours",
            AgeUnit::Minutes => "Minutes",
        }
    }
}

/// An age bound as the registry writes it: `"18 Years"`, `"6 Months"`, `"28 Days"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Age {
    pub value: f64,
    pub unit: AgeUnit,
}

impl Age {
    /// Parses `"18 Years"`, `"18 years"`, `"18"` (years), `"6 Months"`. `"N/A"` and other text
    /// are not ages.
    pub fn parse(s: &str) -> Option<Age> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, rest) = s.split_at(split);
        let value: f64 = number.parse().ok()?;
        if !value.is_finite() || value < 0.0 {
            return None;
        }
        let unit = if rest.trim().is_empty() {
            AgeUnit::Years
        } else {
            AgeUnit::parse(rest)?
        };
        Some(Age { value, unit })
    }

    pub fn in_years(&self) -> f64 {
        self.value / self.unit.per_year()
    }

    /// For a person: "14 years", "6 months", "1 year".
    pub fn human(&self) -> String {
        let word = self.unit.registry_word().to_lowercase();
        let word = if self.value == 1.0 {
            word.trim_end_matches('s').to_string()
        } else {
            word
        };
        format!("{} {}", trim_float(self.value), word)
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            trim_float(self.value),
            self.unit.registry_word()
        )
    }
}

fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A registry date with its precision: `2025`, `2025-08`, or `2025-08-04`. Ordering compares
/// the known parts, a missing month or day counting as the earliest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    pub fn parse(s: &str) -> Option<PartialDate> {
        let mut parts = s.trim().split('-');
        let year_s = parts.next()?;
        if year_s.len() != 4 {
            return None;
        }
        let year: u16 = year_s.parse().ok()?;
        let month = match parts.next() {
            Some(m) if m.len() == 2 => Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
            Some(_) => return None,
            None => None,
        };
        let day = match parts.next() {
            Some(d) if d.len() == 2 && month.is_some() => {
                let d: u8 = d.parse().ok()?;
                if d == 0 || d > days_in_month(year, month.unwrap()) {
                    return None;
                }
                Some(d)
            }
            Some(_) => return None,
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(PartialDate { year, month, day })
    }

    /// For a person: "Aug 4, 2025", "Aug 2025", "2025".
    pub fn human(&self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{} {}, {}", MONTHS[m as usize - 1], d, self.year),
            (Some(m), None) => format!("{} {}", MONTHS[m as usize - 1], self.year),
            _ => self.year.to_string(),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nct_ids() {
        assert_eq!(NctId::parse("nct07117305").unwrap().as_str(), "NCT07117305");
        assert!(NctId::parse("NCT0711730").is_err());
        assert!(NctId::parse("NCT0711730X").is_err());
        assert!(NctId::parse("XYZ07117305").is_err());
    }

    #[test]
    fn ages() {
        assert_eq!(Age::parse("18 Years").unwrap().in_years(), 18.0);
        assert_eq!(Age::parse("6 Months").unwrap().in_years(), 0.5);
        assert_eq!(Age::parse("1 Year").unwrap().human(), "1 year");
        assert_eq!(Age::parse("14 Years").unwrap().to_string(), "14 Years");
        assert!(Age::parse("abc").is_none());
        assert!(Age::parse("N/A").is_none());
        assert!(Age::parse("18 Parsecs").is_none());
    }

    #[test]
    fn dates() {
        let d = PartialDate::parse("2025-08-04").unwrap();
        assert_eq!(d.human(), "Aug 4, 2025");
        assert_eq!(d.to_string(), "2025-08-04");
        assert!(PartialDate::parse("2025-08").unwrap() < d);
        assert!(PartialDate::parse("2024-02-30").is_none());
        assert!(PartialDate::parse("2024-02-29").is_some());
        assert!(PartialDate::parse("August 2025").is_none());
    }
}
