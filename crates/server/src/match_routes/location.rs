//! Placing the patient and the trial sites on the map: the geocoding the matcher leaves to the
//! edge. A profile's [`Location`] becomes a point with the built-in gazetteer
//! (`search::gazetteer`); sites the registry gave no `geoPoint` are geocoded from their city,
//! as the search does for `filter.geo`, so both agree on what is near.

use matcher::profile::Location;
use matcher::{GeoPoint, Reach, TrialDocument};

/// Where the patient was placed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PatientPlace {
    #[serde(flatten)]
    pub point: GeoPoint,
    /// The place used, for people: "Boston, MA, United States", "ZIP 02115, United States".
    pub label: String,
    /// Said when the name was ambiguous and the most populous place was taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why a profile's location could not be placed; the message names what was not found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocationError {
    #[error(
        "the location is empty: give a city (with its country), a US ZIP code, or latitude and longitude"
    )]
    Empty,
    #[error("the location gives only one of latitude and longitude: give both")]
    HalfCoordinates,
    #[error(
        "latitude {latitude} and longitude {longitude} are not a place (latitude −90 to 90, longitude −180 to 180)"
    )]
    BadCoordinates { latitude: f64, longitude: f64 },
    #[error("unknown ZIP code '{0}'")]
    UnknownZip(String),
    #[error(
        "postal code '{postal_code}' cannot be looked up (only US ZIP codes can): give the city too"
    )]
    PostalCodeNotLookedUp { postal_code: String },
    #[error(
        "the location names only a country ('{0}'): give a city, a US ZIP code, or latitude and longitude"
    )]
    CountryOnly(String),
    #[error("{0}")]
    NotFound(#[from] search::GeoError),
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Places the patient: `latitude` and `longitude` as given; else a US ZIP code; else the city
/// (qualified by the country) as the gazetteer reads it. Anything given that cannot be placed
/// is an error naming it, never a location silently ignored.
pub fn resolve_location(location: &Location) -> Result<PatientPlace, LocationError> {
    match (location.latitude, location.longitude) {
        (Some(latitude), Some(longitude)) => {
            let point =
                GeoPoint::new(latitude, longitude).ok_or(LocationError::BadCoordinates {
                    latitude,
                    longitude,
                })?;
            return Ok(PatientPlace {
                point,
                label: format!("{latitude:.4}, {longitude:.4}"),
                note: None,
            });
        }
        (None, None) => {}
        _ => return Err(LocationError::HalfCoordinates),
    }
    let gazetteer = search::gazetteer();
    let country = given(&location.country);
    let city = given(&location.city);
    let in_us = country.is_none_or(|c| gazetteer.country_code(c) == Some("US"));
    if let Some(postal_code) = given(&location.postal_code) {
        if in_us && search::is_us_zip(postal_code) {
            let (latitude, longitude) = gazetteer
                .zip(postal_code)
                .ok_or_else(|| LocationError::UnknownZip(postal_code.to_string()))?;
            return Ok(PatientPlace {
                point: GeoPoint {
                    latitude,
                    longitude,
                },
                label: format!("ZIP {}, United States", &postal_code[..5]),
                note: None,
            });
        }
        if city.is_none() {
            return Err(LocationError::PostalCodeNotLookedUp {
                postal_code: postal_code.to_string(),
            });
        }
    }
    let Some(city) = city else {
        return Err(match country {
            Some(c) => LocationError::CountryOnly(c.to_string()),
            None => LocationError::Empty,
        });
    };
    // "Boston, MA" with country "United States": the gazetteer reads the qualifiers.
    let query = match country {
        Some(c)
            if !city
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case(c)) =>
        {
            format!("{city}, {c}")
        }
        _ => city.to_string(),
    };
    let found = gazetteer.lookup(&query)?;
    Ok(PatientPlace {
        point: GeoPoint {
            latitude: found.lat,
            longitude: found.lon,
        },
        label: found.label,
        note: found.note,
    })
}

/// A location typed on one line, as the form's field and `trialbridge match --location` take
/// it: a US ZIP code ("02115"), or a place whose last comma-separated part is its country
/// ("Boston, MA, USA", "Paris, France"), or a place alone ("Boston").
pub fn location_from_text(text: &str) -> Location {
    let text = text.trim();
    if search::is_us_zip(text) {
        return Location {
            postal_code: Some(text.to_string()),
            ..Default::default()
        };
    }
    let (city, country) = match text.rsplit_once(',') {
        Some((c, k)) if !c.trim().is_empty() && !k.trim().is_empty() => (c.trim(), Some(k.trim())),
        _ => (text, None),
    };
    Location {
        city: Some(city.to_string()),
        country: country.map(str::to_string),
        ..Default::default()
    }
}

/// Where the patient is and how far they can go, for ranking with distances. With no location,
/// or one naming only a country (or nothing), there are no distances; that is an error only
/// when a distance limit asks for them. A location that names a place which cannot be found
/// is always an error, never silently ignored.
pub fn place_patient(
    location: Option<&Location>,
    max_distance_km: Option<f64>,
) -> Result<Option<(PatientPlace, Reach)>, ReachError> {
    let Some(location) = location else {
        return match max_distance_km {
            Some(_) => Err(ReachError::NoLocation),
            None => Ok(None),
        };
    };
    let place = match resolve_location(location) {
        Ok(place) => place,
        Err(LocationError::Empty | LocationError::CountryOnly(_)) if max_distance_km.is_none() => {
            return Ok(None);
        }
        Err(e) => return Err(ReachError::Location(e)),
    };
    let reach = Reach {
        from: place.point,
        max_distance_km,
    };
    Ok(Some((place, reach)))
}

/// Why a match with distances cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReachError {
    #[error(
        "a distance limit needs the patient's location: give a city, a US ZIP code, or latitude and longitude"
    )]
    NoLocation,
    #[error("the patient's location could not be placed: {0}")]
    Location(LocationError),
}

/// Gives the sites of `doc` that the registry listed without a point one from the gazetteer
/// (their city, state, ZIP code and country), marked as geocoded; sites it cannot place keep
/// none.
pub fn geocode_sites(doc: &mut TrialDocument) {
    if doc.sites.iter().all(|s| s.point.is_some()) {
        return;
    }
    let gazetteer = search::gazetteer();
    for site in doc.sites.iter_mut().filter(|s| s.point.is_none()) {
        if let Some(m) = gazetteer.geocode_site(
            site.city.as_deref(),
            site.state.as_deref(),
            site.zip.as_deref(),
            site.country.as_deref(),
        ) && let Some(point) = GeoPoint::new(m.lat, m.lon)
        {
            site.point = Some(point);
            site.geocoded = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(json: &str) -> Result<PatientPlace, LocationError> {
        resolve_location(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn coordinates_zip_codes_and_cities_are_placed() {
        let given = place(r#"{"latitude": 45.76, "longitude": 4.84, "city": "Atlantis"}"#).unwrap();
        assert_eq!(given.point, GeoPoint::new(45.76, 4.84).unwrap());

        let zip = place(r#"{"postal_code": "02115", "country": "United States"}"#).unwrap();
        let boston = GeoPoint::new(42.36, -71.06).unwrap();
        assert!(zip.point.distance_km(boston) < 5.0, "{zip:?}");
        assert!(zip.label.contains("02115"));

        // The form's "Boston, MA" with its country; the country is not repeated.
        let city = place(r#"{"city": "Boston, MA", "country": "USA"}"#).unwrap();
        assert!(city.point.distance_km(boston) < 5.0, "{city:?}");
        assert!(city.label.starts_with("Boston"), "{city:?}");
        let city = place(r#"{"city": "Boston, MA, USA", "country": "USA"}"#).unwrap();
        assert!(city.point.distance_km(boston) < 5.0, "{city:?}");

        // The country decides which Paris.
        let paris = place(r#"{"city": "Paris", "country": "France"}"#).unwrap();
        assert!(paris.point.distance_km(GeoPoint::new(48.86, 2.35).unwrap()) < 10.0);

        // A postal code outside the US is not looked up; the city is.
        let lyon =
            place(r#"{"city": "Lyon", "postal_code": "69001", "country": "France"}"#).unwrap();
        assert!(lyon.point.distance_km(GeoPoint::new(45.76, 4.84).unwrap()) < 10.0);
    }

    #[test]
    fn what_cannot_be_placed_is_an_error_naming_it() {
        let message = |json: &str| place(json).unwrap_err().to_string();
        assert!(message(r#"{"city": "Xqzzyville", "country": "France"}"#).contains("Xqzzyville"));
        assert!(message(r#"{"postal_code": "00000"}"#).contains("'00000'"));
        assert!(message(r#"{"country": "France"}"#).contains("only a country ('France')"));
        assert!(message(r#"{"postal_code": "75001", "country": "France"}"#).contains("75001"));
        assert!(message(r#"{"latitude": 40.0}"#).contains("both"));
        assert!(message(r#"{"latitude": 140.0, "longitude": 0}"#).contains("140"));
        assert_eq!(place("{}").unwrap_err(), LocationError::Empty);
        assert_eq!(
            place(r#"{"country": "France"}"#).unwrap_err(),
            LocationError::CountryOnly("France".into())
        );
    }

    #[test]
    fn sites_without_a_point_are_geocoded_and_marked() {
        let mut doc = TrialDocument::new(matcher::TrialFields {
            nct_id: "NCT00000001".into(),
            sites: vec![
                matcher::TrialSite {
                    city: Some("Boston".into()),
                    state: Some("Massachusetts".into()),
                    country: Some("United States".into()),
                    ..Default::default()
                },
                matcher::TrialSite {
                    city: Some("Xqzzyville".into()),
                    country: Some("Narnia".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        });
        geocode_sites(&mut doc);
        let boston = doc.sites[0].point.expect("Boston is geocoded");
        assert!(boston.distance_km(GeoPoint::new(42.36, -71.06).unwrap()) < 10.0);
        assert!(doc.sites[0].geocoded);
        assert_eq!(doc.sites[1].point, None);
        assert!(!doc.sites[1].geocoded);
    }

    #[test]
    fn a_location_typed_on_one_line() {
        let zip = location_from_text(" 02115 ");
        assert_eq!(zip.postal_code.as_deref(), Some("02115"));
        assert_eq!(zip.city, None);
        let boston = location_from_text("Boston, MA, USA");
        assert_eq!(boston.city.as_deref(), Some("Boston, MA"));
        assert_eq!(boston.country.as_deref(), Some("USA"));
        let alone = location_from_text("Lyon");
        assert_eq!((alone.city.as_deref(), alone.country), (Some("Lyon"), None));
        let placed = resolve_location(&location_from_text("02115")).unwrap();
        assert!(
            placed
                .point
                .distance_km(GeoPoint::new(42.36, -71.06).unwrap())
                < 5.0
        );
    }

    #[test]
    fn a_country_alone_gives_no_distances_unless_a_limit_asks_for_them() {
        let france = serde_json::from_str(r#"{"country": "France"}"#).unwrap();
        assert_eq!(place_patient(Some(&france), None), Ok(None));
        assert_eq!(place_patient(Some(&Location::default()), None), Ok(None));
        assert_eq!(place_patient(None, None), Ok(None));
        let err = place_patient(Some(&france), Some(100.0)).unwrap_err();
        assert!(
            err.to_string().contains("only a country ('France')"),
            "{err}"
        );
        assert_eq!(
            place_patient(None, Some(100.0)).unwrap_err(),
            ReachError::NoLocation
        );
        // A place that is named but not found is an error even without a limit.
        let nowhere = serde_json::from_str(r#"{"city": "Xqzzyville"}"#).unwrap();
        assert!(place_patient(Some(&nowhere), None).is_err());
        let paris = serde_json::from_str(r#"{"city": "Paris", "country": "France"}"#).unwrap();
        let (place, reach) = place_patient(Some(&paris), Some(50.0)).unwrap().unwrap();
        assert_eq!(reach.max_distance_km, Some(50.0));
        assert_eq!(reach.from, place.point);
    }
}
