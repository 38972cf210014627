//! Places to coordinates: what a patient types ("Zhengzhou", "Boston, MA", "02115",
//! "Paris, France") and what a trial site lists (city, state, country).
//!
//! The data is GeoNames (cities of 15,000+ people with their population and Latin-script
//! aliases, plus smaller places of 1,000+ without population; CC BY 4.0) and US ZIP (ZCTA)
//! centroids from the Census Bureau, built into `data/geo/` by `data/geo/build_gazetteer.py`
//! and embedded in the binary, so lookups need no files at run time. An ambiguous name
//! resolves to the most populous match and the answer says which place that was.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use crate::analysis::fold_key;

static PLACES_GZ: &[u8] = include_bytes!("../../../data/geo/places.tsv.gz");
static ZIPS_GZ: &[u8] = include_bytes!("../../../data/geo/zips.tsv.gz");
static COUNTRIES_TSV: &str = include_str!("../../../data/geo/countries.tsv");
static US_STATES_TSV: &str = include_str!("../../../data/geo/us_states.tsv");

/// Spellings the registry uses for countries that GeoNames names differently.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("Korea, Republic of", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea", "KR"),
    ("Korea, Democratic People's Republic of", "KP"),
    ("Turkey (Türkiye)", "TR"),
    ("Türkiye", "TR"),
    ("Russian Federation", "RU"),
    ("Iran, Islamic Republic of", "IR"),
    ("Czech Republic", "CZ"),
    ("Viet Nam", "VN"),
    ("Taiwan, Province of China", "TW"),
    ("Macedonia, The Former Yugoslav Republic of", "MK"),
    ("Tanzania, United Republic of", "TZ"),
    ("Syrian Arab Republic", "SY"),
    ("Bolivia, Plurinational State of", "BO"),
    ("Venezuela, Bolivarian Republic of", "VE"),
    ("Lao People's Democratic Republic", "LA"),
    ("Moldova, Republic of", "MD"),
    ("Congo, The Democratic Republic of the", "CD"),
    ("Congo", "CG"),
    ("Côte D'Ivoire", "CI"),
    ("Cote d'Ivoire", "CI"),
    ("Palestine, State of", "PS"),
    ("Palestinian Territories", "PS"),
    ("Brunei Darussalam", "BN"),
    ("Macau", "MO"),
    ("Holy See (Vatican City State)", "VA"),
    ("Cape Verde", "CV"),
    ("Swaziland", "SZ"),
    ("Burma", "MM"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("United States of America", "US"),
    ("UK", "GB"),
    ("Great Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
];

/// One populated place.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country_code: String,
    /// GeoNames admin1 code; for the United States the two-letter state code.
    pub admin1_code: String,
    /// Name of the first-level region where known ("Henan Sheng", "Massachusetts").
    pub admin1_name: String,
    pub lat: f64,
    pub lon: f64,
    /// 0 when unknown (places below 15,000 people).
    pub population: u64,
}

/// How precise a geocoding answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Precision {
    /// A US ZIP code centroid.
    PostalCode,
    /// A city or town centroid.
    City,
    /// Only the region was recognised; the point is its most populous place.
    Region,
}

/// The answer to a lookup: a point, the place it stands for, and how it was chosen.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoMatch {
    pub lat: f64,
    pub lon: f64,
    /// The place used, for people: "Boston, MA, United States".
    pub label: String,
    pub precision: Precision,
    /// How many places matched the name before the most populous one was chosen.
    pub candidates: usize,
    /// Said when the input was ambiguous or only partly understood.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why a place could not be found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("empty place")]
    Empty,
    #[error("unknown ZIP code '{0}'")]
    UnknownZip(String),
    #[error(
        "no place called '{0}' (expected a city such as 'Zhengzhou', 'Boston, MA' or 'Paris, France', or a US ZIP code)"
    )]
    NotFound(String),
}

/// The embedded gazetteer. Build it once with [`gazetteer`].
pub struct Gazetteer {
    places: Vec<Place>,
    by_name: HashMap<String, Vec<u32>>,
    by_admin1: HashMap<(String, String), Vec<u32>>,
    zips: HashMap<String, (f64, f64)>,
    country_by_key: HashMap<String, String>,
    country_names: HashMap<String, String>,
    us_state_by_key: HashMap<String, String>,
}

/// Is `text` written as a US ZIP code ("02115", "02115-1234")? Says nothing of whether the
/// code exists ([`Gazetteer::zip`] does).
pub fn is_us_zip(text: &str) -> bool {
    let b = text.as_bytes();
    (b.len() == 5 || (b.len() == 10 && b[5] == b'-'))
        && b.iter()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || i == 5)
}

/// The process-wide gazetteer, parsed from the embedded data on first use.
pub fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(Gazetteer::load)
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("embedded gazetteer data is valid gzip UTF-8");
    out
}

/// German transliteration, so "Goettingen" finds "Göttingen".
fn german_key(name: &str) -> Option<String> {
    if !name.contains(['ä', 'ö', 'ü', 'ß', 'Ä', 'Ö', 'Ü']) {
        return None;
    }
    let t = name
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('Ä', "Ae")
        .replace('Ö', "Oe")
        .replace('Ü', "Ue")
        .replace('ß', "ss");
    Some(fold_key(&t))
}

impl Gazetteer {
    fn load() -> Gazetteer {
        let mut places = Vec::new();
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_admin1: HashMap<(String, String), Vec<u32>> = HashMap::new();
        for line in gunzip(PLACES_GZ).lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 7 {
                continue;
            }
            let mut names = cols[0].split('|');
            let name = names.next().unwrap_or_default().to_string();
            let idx = places.len() as u32;
            let mut keys: Vec<String> = vec![fold_key(&name)];
            if let Some(short) = name.strip_suffix(" City") {
                keys.push(fold_key(short));
            }
            keys.extend(german_key(&name));
            keys.extend(names.map(fold_key));
            keys.sort();
            keys.dedup();
            for key in keys.into_iter().filter(|k| !k.is_empty()) {
                by_name.entry(key).or_default().push(idx);
            }
            let place = Place {
                name,
                country_code: cols[1].to_string(),
                admin1_code: cols[2].to_string(),
                admin1_name: cols[3].to_string(),
                lat: cols[4].parse().unwrap_or(0.0),
                lon: cols[5].parse().unwrap_or(0.0),
                population: cols[6].parse().unwrap_or(0),
            };
            if !place.admin1_name.is_empty() {
                for key in admin1_keys(&place.admin1_name) {
                    by_admin1
                        .entry((place.country_code.clone(), key))
                        .or_default()
                        .push(idx);
                }
            }
            places.push(place);
        }
        let zips = gunzip(ZIPS_GZ)
            .lines()
            .filter_map(|l| {
                let mut c = l.split('\t');
                let zip = c.next()?.to_string();
                let lat = c.next()?.parse().ok()?;
                let lon = c.next()?.parse().ok()?;
                Some((zip, (lat, lon)))
            })
            .collect();
        let mut country_by_key = HashMap::new();
        let mut country_names = HashMap::new();
        for line in COUNTRIES_TSV.lines() {
            let c: Vec<&str> = line.split('\t').collect();
            if c.len() == 3 {
                country_by_key.insert(fold_key(c[0]), c[0].to_string());
                country_by_key.insert(fold_key(c[1]), c[0].to_string());
                country_by_key.insert(fold_key(c[2]), c[0].to_string());
                country_names.insert(c[0].to_string(), c[2].to_string());
            }
        }
        for (alias, code) in COUNTRY_ALIASES {
            country_by_key.insert(fold_key(alias), code.to_string());
        }
        let mut us_state_by_key = HashMap::new();
        for line in US_STATES_TSV.lines() {
            if let Some((code, name)) = line.split_once('\t') {
                us_state_by_key.insert(fold_key(code), code.to_string());
                us_state_by_key.insert(fold_key(name), code.to_string());
            }
        }
        Gazetteer {
            places,
            by_name,
            by_admin1,
            zips,
            country_by_key,
            country_names,
            us_state_by_key,
        }
    }

    /// Number of places known (not counting ZIP codes).
    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// ISO alpha-2 code for a country name, alpha-2/alpha-3 code, or registry spelling.
    pub fn country_code(&self, country: &str) -> Option<&str> {
        self.country_by_key
            .get(&fold_key(country))
            .map(String::as_str)
    }

    /// The country's English name for an alpha-2 code.
    pub fn country_name(&self, code: &str) -> Option<&str> {
        self.country_names.get(code).map(String::as_str)
    }

    /// Two-letter US state code for a state code or name.
    pub fn us_state_code(&self, state: &str) -> Option<&str> {
        self.us_state_by_key
            .get(&fold_key(state))
            .map(String::as_str)
    }

    /// Centroid of a US ZIP code (the first five digits count).
    pub fn zip(&self, zip: &str) -> Option<(f64, f64)> {
        let five: String = zip.trim().chars().take(5).collect();
        self.zips.get(&five).copied()
    }

    fn label(&self, p: &Place) -> String {
        let country = self
            .country_name(&p.country_code)
            .unwrap_or(&p.country_code);
        let region = if p.country_code == "US" && !p.admin1_code.is_empty() {
            p.admin1_code.as_str()
        } else {
            p.admin1_name.as_str()
        };
        if region.is_empty() || fold_key(region) == fold_key(&p.name) {
            format!("{}, {}", p.name, country)
        } else {
            format!("{}, {}, {}", p.name, region, country)
        }
    }

    /// Places called `name` (by name or alias, folded) that satisfy `keep`, most populous
    /// first; primary names win over aliases at equal population.
    /// Places called `name` (by name or alias, folded) that satisfy `keep`, best first: a
    /// place's own name counts ten times its population against a mere alias, so "Paris"
    /// is Paris, not a suburb that also answers to it, while "Bombay" still finds Mumbai.
    fn candidates(&self, name: &str, keep: impl Fn(&Place) -> bool) -> Vec<&Place> {
        let key = fold_key(name);
        let mut found: Vec<(f64, &Place)> = self
            .by_name
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.places[i as usize])
            .filter(|p| keep(p))
            .map(|p| {
                let own =
                    fold_key(&p.name) == key || fold_key(p.name.trim_end_matches(" City")) == key;
                (
                    (p.population as f64 + 1.0) * if own { 10.0 } else { 1.0 },
                    p,
                )
            })
            .collect();
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        found.into_iter().map(|(_, p)| p).collect()
    }

    /// Whether `name` is some place's own name (not only an alias).
    fn is_own_name(&self, name: &str, places: &[&Place]) -> bool {
        let key = fold_key(name);
        places
            .iter()
            .any(|p| fold_key(&p.name) == key || fold_key(p.name.trim_end_matches(" City")) == key)
    }

    fn region_places(&self, country: &str, region: &str) -> Vec<&Place> {
        let mut found: Vec<&Place> = admin1_keys(region)
            .into_iter()
            .flat_map(|k| {
                self.by_admin1
                    .get(&(country.to_string(), k))
                    .into_iter()
                    .flatten()
            })
            .map(|&i| &self.places[i as usize])
            .collect();
        found.sort_by_key(|p| std::cmp::Reverse(p.population));
        found.dedup_by(|a, b| std::ptr::eq(*a, *b));
        found
    }

    fn answer(&self, chosen: &Place, count: usize, precision: Precision, asked: &str) -> GeoMatch {
        let label = self.label(chosen);
        let note = (count > 1)
            .then(|| format!("'{asked}' matches {count} places; using {label}, the most populous"));
        GeoMatch {
            lat: chosen.lat,
            lon: chosen.lon,
            label,
            precision,
            candidates: count,
            note,
        }
    }

    /// Looks up what a person typed: a US ZIP code ("02115"), a city ("Zhengzhou"), a city
    /// with a US state ("Boston, MA"), a region or a country ("Paris, France"; "Paris, TX, US").
    pub fn lookup(&self, text: &str) -> Result<GeoMatch, GeoError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(GeoError::Empty);
        }
        // A ZIP code anywhere in the text is the most precise thing given.
        for word in text.split(|c: char| c == ',' || c.is_whitespace()) {
            if is_us_zip(word) {
                let (lat, lon) = self
                    .zip(word)
                    .ok_or_else(|| GeoError::UnknownZip(word.into()))?;
                return Ok(GeoMatch {
                    lat,
                    lon,
                    label: format!("ZIP {}, United States", &word[..5]),
                    precision: Precision::PostalCode,
                    candidates: 1,
                    note: None,
                });
            }
        }
        let mut parts: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        // "Boston MA": a trailing US state code without a comma.
        if parts.len() == 1
            && let Some((city, last)) = text.rsplit_once(' ')
            && last.len() == 2
            && last.chars().all(|c| c.is_ascii_uppercase())
            && self.us_state_code(last).is_some()
        {
            parts = vec![city.trim(), last];
        }
        let city = parts[0];
        let mut country: Option<&str> = None;
        let mut state: Option<String> = None;
        let mut region: Option<&str> = None;
        for qualifier in parts[1..].iter().rev() {
            if country.is_none()
                && state.is_none()
                && let Some(code) = self
                    .us_state_code(qualifier)
                    .filter(|_| qualifier.len() == 2 || self.country_code(qualifier).is_none())
            {
                state = Some(code.to_string());
                country = Some("US");
                continue;
            }
            if country.is_none()
                && let Some(cc) = self.country_code(qualifier)
            {
                country = Some(cc);
                continue;
            }
            if state.is_none()
                && country == Some("US")
                && let Some(code) = self.us_state_code(qualifier)
            {
                state = Some(code.to_string());
                continue;
            }
            region = Some(qualifier);
        }
        let keep = |p: &Place| {
            country.is_none_or(|c| p.country_code == c)
                && state.as_deref().is_none_or(|s| p.admin1_code == s)
                && region.is_none_or(|r| region_matches(p, r))
        };
        let found = self.candidates(city, keep);
        let (own, alias): (Vec<&Place>, Vec<&Place>) =
            found.iter().partition(|p| self.is_own_name(city, &[**p]));
        // A region on its own ("Henan", "Texas"): its most populous place.
        let by_region: Vec<&Place> = match country {
            Some(cc) => self.region_places(cc, city),
            None => {
                let mut all: Vec<&Place> = Vec::new();
                for cc in self.country_names.keys() {
                    all.extend(self.region_places(cc, city));
                }
                all.sort_by_key(|p| std::cmp::Reverse(p.population));
                all
            }
        };
        // A place's own name weighs ten times its population; a region or an alias, once.
        let weight = |p: Option<&&Place>, factor: f64| {
            p.map_or(-1.0, |p| (p.population as f64 + 1.0) * factor)
        };
        let (w_own, w_region, w_alias) = (
            weight(own.first(), 10.0),
            weight(by_region.first(), 1.0),
            weight(alias.first(), 1.0),
        );
        if w_own >= 0.0 && w_own >= w_region && w_own >= w_alias {
            return Ok(self.answer(own[0], found.len(), Precision::City, text));
        }
        if w_region >= 0.0 && w_region >= w_alias {
            let mut m = self.answer(by_region[0], 1, Precision::Region, text);
            m.note = Some(format!(
                "'{city}' is a region; using its most populous place, {}",
                m.label
            ));
            return Ok(m);
        }
        if let Some(best) = alias.first() {
            return Ok(self.answer(best, found.len(), Precision::City, text));
        }
        // "Boston Massachusetts": a qualifier without a comma.
        if parts.len() == 1 {
            let words: Vec<&str> = text.split_whitespace().collect();
            for split in (1..words.len()).rev() {
                let attempt = format!("{}, {}", words[..split].join(" "), words[split..].join(" "));
                if let Ok(m) = self.lookup(&attempt) {
                    return Ok(m);
                }
            }
        }
        Err(GeoError::NotFound(text.to_string()))
    }

    /// Geocodes a trial site from the parts the registry lists. Returns `None` when nothing
    /// in the gazetteer fits; never guesses across countries.
    pub fn geocode_site(
        &self,
        city: Option<&str>,
        state: Option<&str>,
        zip: Option<&str>,
        country: Option<&str>,
    ) -> Option<GeoMatch> {
        let cc = country.and_then(|c| self.country_code(c));
        if country.is_some() && cc.is_none() {
            return None;
        }
        if cc == Some("US")
            && let Some((lat, lon)) = zip.and_then(|z| self.zip(z))
        {
            let z: String = zip.unwrap_or_default().trim().chars().take(5).collect();
            return Some(GeoMatch {
                lat,
                lon,
                label: format!("ZIP {z}, United States"),
                precision: Precision::PostalCode,
                candidates: 1,
                note: None,
            });
        }
        let us_state = match (cc, state) {
            (Some("US"), Some(s)) => self.us_state_code(s).map(str::to_string),
            _ => None,
        };
        let in_country = |p: &Place| cc.is_none_or(|c| p.country_code == c);
        let city = city.map(str::trim).filter(|c| !c.is_empty());
        if let Some(city) = city {
            for variant in city_variants(city) {
                let all = self.candidates(&variant, in_country);
                if all.is_empty() {
                    continue;
                }
                // Prefer places in the listed state or region; fall back to the whole country.
                let in_state: Vec<&Place> = all
                    .iter()
                    .copied()
                    .filter(|p| match (&us_state, state) {
                        (Some(code), _) => &p.admin1_code == code,
                        (None, Some(s)) => region_matches(p, s),
                        (None, None) => true,
                    })
                    .collect();
                let pool = if in_state.is_empty() { &all } else { &in_state };
                return Some(self.answer(pool[0], pool.len(), Precision::City, &variant));
            }
        }
        // The city is unknown: use the region (the state, or a city field that names one).
        for region in state.into_iter().chain(city) {
            let Some(cc) = cc else { break };
            if let Some(best) = self.region_places(cc, region).first() {
                let mut m = self.answer(best, 1, Precision::Region, region);
                m.note = Some(format!(
                    "site city not found; using the region's most populous place, {}",
                    m.label
                ));
                return Some(m);
            }
        }
        None
    }
}

/// Keys under which a region name is indexed: the folded name with and without the usual
/// administrative suffix ("Henan Sheng" -> "henansheng", "henan").
fn admin1_keys(name: &str) -> Vec<String> {
    const SUFFIXES: &[&str] = &[
        "sheng",
        "shi",
        "ken",
        "prefecture",
        "province",
        "state",
        "region",
        "autonomousregion",
        "zizhiqu",
        "do",
        "to",
        "fu",
        "oblast",
        "county",
        "department",
        "departement",
        "governorate",
    ];
    let full = fold_key(name);
    let mut keys = vec![full.clone()];
    for s in SUFFIXES {
        if let Some(stem) = full.strip_suffix(s)
            && stem.len() >= 3
        {
            keys.push(stem.to_string());
        }
    }
    keys
}

fn region_matches(p: &Place, region: &str) -> bool {
    let wanted = admin1_keys(region);
    !p.admin1_name.is_empty()
        && admin1_keys(&p.admin1_name)
            .iter()
            .any(|k| wanted.contains(k))
        || fold_key(&p.admin1_code) == fold_key(region)
}

/// Spellings to try for a registry city: as written, without administrative suffixes
/// ("Wuhan City", "Yamato-shi", "Sunto-gun"), and each part of "Bakirkoy / Istanbul".
fn city_variants(city: &str) -> Vec<String> {
    const SUFFIXES: &[&str] = &[
        " city",
        " shi",
        "-shi",
        "-gun",
        " gun",
        "-cho",
        "-ku",
        " ku",
        " dist.",
        " dist",
        " district",
        " county",
        " province",
        "-machi",
        "-mura",
    ];
    let mut out = vec![city.to_string()];
    let lower = city.to_lowercase();
    for s in SUFFIXES {
        if lower.ends_with(s) && city.len() > s.len() + 2 {
            out.push(city[..city.len() - s.len()].to_string());
        }
    }
    for part in city.split(['/', ',', '(', ')']) {
        let part = part.trim();
        if !part.is_empty() && part != city {
            out.push(part.to_string());
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_patients_type() {
        let g = gazetteer();
        let z = g.lookup("Zhengzhou").unwrap();
        assert!(
            (z.lat - 34.76).abs() < 0.05 && (z.lon - 113.65).abs() < 0.05,
            "{z:?}"
        );
        let b = g.lookup("Boston, MA").unwrap();
        assert!(
            (b.lat - 42.36).abs() < 0.05 && (b.lon + 71.06).abs() < 0.05,
            "{b:?}"
        );
        assert_eq!(b.label, "Boston, MA, United States");
        let zip = g.lookup("02115").unwrap();
        assert_eq!(zip.precision, Precision::PostalCode);
        assert!((zip.lat - 42.34).abs() < 0.05, "{zip:?}");
        let p = g.lookup("Paris, France").unwrap();
        assert!((p.lat - 48.85).abs() < 0.05, "{p:?}");
        let tx = g.lookup("Paris, TX").unwrap();
        assert!((tx.lat - 33.66).abs() < 0.05, "{tx:?}");
    }

    #[test]
    fn ambiguous_names_prefer_the_most_populous_and_say_so() {
        let g = gazetteer();
        let p = g.lookup("Paris").unwrap();
        assert!(p.label.ends_with("France"), "{p:?}");
        assert!(p.candidates > 1);
        assert!(p.note.as_deref().unwrap().contains("France"));
        let henan = g.lookup("Henan").unwrap();
        assert!(
            henan.label.starts_with("Zhengzhou"),
            "a region, not a town that has it as an alias: {henan:?}"
        );
        assert!(
            g.lookup("New York")
                .unwrap()
                .label
                .starts_with("New York City")
        );
        assert!(g.lookup("Cologne").unwrap().label.starts_with("Köln"));
        assert_eq!(
            g.lookup("Boston Massachusetts").unwrap().label,
            "Boston, MA, United States"
        );
        let b = g.lookup("boston").unwrap();
        assert!(b.label.contains("United States"), "{b:?}");
    }

    #[test]
    fn unknown_places_are_errors() {
        let g = gazetteer();
        assert_eq!(g.lookup("  "), Err(GeoError::Empty));
        assert!(matches!(g.lookup("Qwxzyville"), Err(GeoError::NotFound(_))));
        assert!(matches!(g.lookup("00000"), Err(GeoError::UnknownZip(_))));
    }

    #[test]
    fn geocodes_registry_sites() {
        let g = gazetteer();
        let s = g
            .geocode_site(Some("Zhengzhou City"), None, None, Some("China"))
            .unwrap();
        assert!((s.lat - 34.76).abs() < 0.05);
        let s = g
            .geocode_site(Some("Goettingen"), None, None, Some("Germany"))
            .unwrap();
        assert!((s.lat - 51.53).abs() < 0.1, "{s:?}");
        let s = g
            .geocode_site(
                Some("Springfield"),
                Some("Illinois"),
                None,
                Some("United States"),
            )
            .unwrap();
        assert!((s.lat - 39.8).abs() < 0.1, "{s:?}");
        let s = g
            .geocode_site(
                Some("Boston"),
                Some("Massachusetts"),
                Some("02115"),
                Some("United States"),
            )
            .unwrap();
        assert_eq!(s.precision, Precision::PostalCode);
        // Never crosses the border the record gives.
        assert!(
            g.geocode_site(Some("Paris"), None, None, Some("Japan"))
                .is_none()
        );
        assert_eq!(g.country_code("Korea, Republic of"), Some("KR"));
    }
}
