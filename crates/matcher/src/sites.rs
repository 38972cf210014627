//! Where a trial can be joined: its sites, the one nearest the patient, and the distance.
//!
//! Pure like the rest of the crate: the caller turns the patient's place into a [`GeoPoint`]
//! (geocoding a city or a ZIP code needs the gazetteer, which lives at the edge, in `search`),
//! and sites the registry gave no point for may be geocoded there too ([`TrialSite::point`]).
//! This module only measures. Distance never touches a verdict or a ranking score: it is shown
//! beside a ranked trial ([`LocatedTrial`]) and, when the patient sets a limit, it drops trials
//! they cannot reach ([`locate_ranked`]).

use std::borrow::Borrow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::rank::RankedTrial;
use crate::trial::TrialDocument;

/// Kilometres in a statute mile (the record model's constant, as the search uses it).
pub use ctgov::KM_PER_MILE;
/// A point on the Earth, in degrees (WGS 84, as the registry's `geoPoint`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

impl GeoPoint {
    /// The point, or `None` when the values are not a latitude (−90..90) and a longitude
    /// (−180..180).
    pub fn new(latitude: f64, longitude: f64) -> Option<GeoPoint> {
        ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
            GeoPoint {
                latitude,
                longitude,
            },
        )
    }

    /// Great-circle distance in kilometres (`ctgov::distance_km`, the search's formula too, so
    /// a trial the search finds within 50 km is within 50 km here).
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        ctgov::distance_km(
            self.latitude,
            self.longitude,
            other.latitude,
            other.longitude,
        )
    }
}

/// One site of a trial, as the registry lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrialSite {
    pub facility: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
    /// The site's own recruitment status as the registry spells it (`RECRUITING`).
    pub status: Option<String>,
    /// From the registry's `geoPoint`; a caller with a gazetteer may fill in the others, and
    /// then sets `geocoded`.
    pub point: Option<GeoPoint>,
    /// True when `point` was geocoded from the site's city rather than given by the registry.
    pub geocoded: bool,
}

/// Site statuses under which a patient can join, now or soon.
const RECRUITING_STATUSES: [&str; 2] = ["RECRUITING", "NOT_YET_RECRUITING"];

impl TrialSite {
    /// A site of a registry record; its point is the record's `geoPoint` when it is a valid one.
    pub fn from_location(location: &ctgov::Location) -> TrialSite {
        TrialSite {
            facility: location.facility.clone(),
            city: location.city.clone(),
            state: location.state.clone(),
            zip: location.zip.clone(),
            country: location.country.clone(),
            status: location.status.clone(),
            point: location.geo_point.and_then(|g| GeoPoint::new(g.lat, g.lon)),
            geocoded: false,
        }
    }

    /// Whether the site is recruiting or about to.
    pub fn is_recruiting(&self) -> bool {
        self.status.as_deref().is_some_and(|s| {
            RECRUITING_STATUSES
                .iter()
                .any(|r| r.eq_ignore_ascii_case(s.trim()))
        })
    }
}

/// The site of a trial nearest the patient, and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearestSite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The site's recruitment status as the registry gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// True: the nearest of the sites that are recruiting (or about to). False: no site with a
    /// known place is, and this is the nearest site whatever its status.
    pub recruiting: bool,
    /// Great-circle distance from the patient, in kilometres (to 0.1 km).
    pub distance_km: f64,
    /// True when the site's point was geocoded from its city, so the distance is to the city.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub geocoded: bool,
}

impl NearestSite {
    /// The distance in statute miles.
    pub fn distance_miles(&self) -> f64 {
        self.distance_km / KM_PER_MILE
    }
}

/// The site of `sites` nearest `from`: the nearest recruiting one when any site with a point
/// is recruiting (a closed site nearby is of no use), else the nearest site whatever its
/// status. `None` when no site has a point. Ties go to the site listed first.
pub fn nearest_site(sites: &[TrialSite], from: GeoPoint) -> Option<NearestSite> {
    let located = || sites.iter().filter_map(|s| s.point.map(|p| (s, p)));
    let recruiting = located().any(|(s, _)| s.is_recruiting());
    let (site, km) = located()
        .filter(|(s, _)| !recruiting || s.is_recruiting())
        .map(|(s, p)| (s, from.distance_km(p)))
        .fold(None, |best: Option<(&TrialSite, f64)>, (s, d)| match best {
            Some((_, b)) if b <= d => best,
            _ => Some((s, d)),
        })?;
    Some(NearestSite {
        facility: site.facility.clone(),
        city: site.city.clone(),
        state: site.state.clone(),
        country: site.country.clone(),
        status: site.status.clone(),
        recruiting,
        distance_km: (km * 10.0).round() / 10.0,
        geocoded: site.geocoded,
    })
}

impl TrialDocument {
    /// This trial's site nearest `from` (see [`nearest_site`]).
    pub fn nearest_site(&self, from: GeoPoint) -> Option<NearestSite> {
        nearest_site(&self.sites, from)
    }
}

/// Where the patient is, and how far they can travel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub from: GeoPoint,
    /// Trials with no site within this many kilometres are dropped; `None` keeps every trial.
    pub max_distance_km: Option<f64>,
}

/// A ranked trial with its site nearest the patient.
#[derive(Debug, Clone, Serialize)]
pub struct LocatedTrial {
    #[serde(flatten)]
    pub ranked: RankedTrial,
    /// `None` when the patient gave no place, or the trial lists no site with a known place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_site: Option<NearestSite>,
}

/// The first `top` trials of `ranked` (in the ranking's order; scores untouched) with their
/// nearest sites among `docs`. With a `max_distance_km`, a trial is kept only when its nearest
/// site (see [`nearest_site`]) is within it, so one with no site of known place is dropped;
/// without one, every trial is kept. Trials not among `docs` have no site.
pub fn locate_ranked<T: Borrow<TrialDocument>>(
    ranked: Vec<RankedTrial>,
    docs: &[T],
    reach: Option<&Reach>,
    top: usize,
) -> Vec<LocatedTrial> {
    let Some(reach) = reach else {
        return ranked
            .into_iter()
            .take(top)
            .map(|ranked| LocatedTrial {
                ranked,
                nearest_site: None,
            })
            .collect();
    };
    let by_id: HashMap<&str, &TrialDocument> = docs
        .iter()
        .map(|d| (d.borrow().nct_id.as_str(), d.borrow()))
        .collect();
    ranked
        .into_iter()
        .filter_map(|ranked| {
            let nearest_site = by_id
                .get(ranked.nct_id.as_str())
                .and_then(|d| d.nearest_site(reach.from));
            let reachable = match (reach.max_distance_km, &nearest_site) {
                (None, _) => true,
                (Some(max), Some(site)) => site.distance_km <= max,
                (Some(_), None) => false,
            };
            reachable.then_some(LocatedTrial {
                ranked,
                nearest_site,
            })
        })
        .take(top)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial::TrialFields;

    const BOSTON: GeoPoint = GeoPoint {
        latitude: 42.3601,
        longitude: -71.0589,
    };
    const NEW_YORK: GeoPoint = GeoPoint {
        latitude: 40.7128,
        longitude: -74.0060,
    };
    const CHICAGO: GeoPoint = GeoPoint {
        latitude: 41.8781,
        longitude: -87.6298,
    };

    fn site(city: &str, status: Option<&str>, point: Option<GeoPoint>) -> TrialSite {
        TrialSite {
            city: Some(city.into()),
            status: status.map(Into::into),
            point,
            ..Default::default()
        }
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        let d = BOSTON.distance_km(NEW_YORK);
        assert!((d - 306.0).abs() < 3.0, "{d}");
        assert_eq!(BOSTON.distance_km(BOSTON), 0.0);
        assert!((BOSTON.distance_km(NEW_YORK) - NEW_YORK.distance_km(BOSTON)).abs() < 1e-9);
        assert!(GeoPoint::new(91.0, 0.0).is_none());
        assert!(GeoPoint::new(0.0, -181.0).is_none());
        assert!(GeoPoint::new(f64::NAN, 0.0).is_none());
    }

    #[test]
    fn the_nearest_recruiting_site_wins_over_a_nearer_closed_one() {
        let sites = [
            site("New York", Some("COMPLETED"), Some(NEW_YORK)),
            site("Chicago", Some("RECRUITING"), Some(CHICAGO)),
            site("Nowhere", Some("RECRUITING"), None),
        ];
        let nearest = nearest_site(&sites, BOSTON).unwrap();
        assert_eq!(nearest.city.as_deref(), Some("Chicago"));
        assert!(nearest.recruiting);
        assert!((nearest.distance_km - 1366.0).abs() < 15.0, "{nearest:?}");
        assert!((nearest.distance_miles() - nearest.distance_km / 1.609344).abs() < 1e-9);
    }

    #[test]
    fn with_no_recruiting_site_the_nearest_site_is_named_as_such() {
        let sites = [
            site("Chicago", None, Some(CHICAGO)),
            site("New York", Some("COMPLETED"), Some(NEW_YORK)),
        ];
        let nearest = nearest_site(&sites, BOSTON).unwrap();
        assert_eq!(nearest.city.as_deref(), Some("New York"));
        assert_eq!(nearest.status.as_deref(), Some("COMPLETED"));
        assert!(!nearest.recruiting);
        assert!(nearest_site(&[site("Nowhere", Some("RECRUITING"), None)], BOSTON).is_none());
        assert!(nearest_site(&[], BOSTON).is_none());
    }

    fn doc(nct_id: &str, sites: Vec<TrialSite>) -> TrialDocument {
        TrialDocument::new(TrialFields {
            nct_id: nct_id.into(),
            title: "Exercise in type 2 diabetes".into(),
            conditions: vec!["Type 2 Diabetes".into()],
            sites,
            ..Default::default()
        })
    }

    #[test]
    fn a_distance_limit_drops_far_and_unplaced_trials_and_keeps_the_order() {
        let docs = [
            doc(
                "NCT00000001",
                vec![site("New York", Some("RECRUITING"), Some(NEW_YORK))],
            ),
            doc(
                "NCT00000002",
                vec![site("Chicago", Some("RECRUITING"), Some(CHICAGO))],
            ),
            doc("NCT00000003", Vec::new()),
        ];
        let profile = crate::extract_profile("A 60-year-old man with type 2 diabetes.").profile;
        let model = crate::RelevanceModel::fit(&docs);
        let ranked = crate::rank_trials(&profile, &docs, &model, &Default::default());
        let order: Vec<String> = ranked.iter().map(|r| r.nct_id.clone()).collect();
        let scores: Vec<f64> = ranked.iter().map(|r| r.score).collect();

        let ids = |located: &[LocatedTrial]| -> Vec<String> {
            located.iter().map(|t| t.ranked.nct_id.clone()).collect()
        };
        // No place: every trial, in order, without sites.
        let all = locate_ranked(ranked.clone(), &docs, None, 10);
        assert_eq!(ids(&all), order);
        assert!(all.iter().all(|t| t.nearest_site.is_none()));

        // A place and no limit: every trial, each with its nearest site where it has one.
        let reach = Reach {
            from: BOSTON,
            max_distance_km: None,
        };
        let located = locate_ranked(ranked.clone(), &docs, Some(&reach), 10);
        assert_eq!(ids(&located), order);
        assert_eq!(
            located.iter().map(|t| t.ranked.score).collect::<Vec<_>>(),
            scores
        );
        let site_of = |id: &str| {
            located
                .iter()
                .find(|t| t.ranked.nct_id == id)
                .unwrap()
                .nearest_site
                .clone()
        };
        assert_eq!(
            site_of("NCT00000001").unwrap().city.as_deref(),
            Some("New York")
        );
        assert!(site_of("NCT00000003").is_none());

        // Within 500 km of Boston: New York only; no-site trials go too.
        let near = Reach {
            from: BOSTON,
            max_distance_km: Some(500.0),
        };
        assert_eq!(
            ids(&locate_ranked(ranked.clone(), &docs, Some(&near), 10)),
            ["NCT00000001"]
        );
        // `top` counts the trials kept, not those looked at.
        let far = Reach {
            from: BOSTON,
            max_distance_km: Some(5000.0),
        };
        let kept = locate_ranked(ranked.clone(), &docs, Some(&far), 1);
        assert_eq!(kept.len(), 1);
        assert_ne!(kept[0].ranked.nct_id, "NCT00000003");
    }

    #[test]
    fn a_registry_site_keeps_its_point_and_status() {
        let location: ctgov::Location = serde_json::from_value(serde_json::json!({
            "facility": "Massachusetts General Hospital",
            "status": "RECRUITING",
            "city": "Boston",
            "state": "Massachusetts",
            "country": "United States",
            "geoPoint": {"lat": 42.3601, "lon": -71.0589}
        }))
        .unwrap();
        let site = TrialSite::from_location(&location);
        assert_eq!(site.point, Some(BOSTON));
        assert!(site.is_recruiting() && !site.geocoded);
        let nearest = nearest_site(&[site], NEW_YORK).unwrap();
        assert_eq!(
            nearest.facility.as_deref(),
            Some("Massachusetts General Hospital")
        );
    }
}
