//! `filter.geo=distance(lat,lon,50mi)` and great-circle distance.

use ctgov::KM_PER_MILE;
use serde::Serialize;

/// Miles or kilometres, as the request asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DistanceUnit {
    Mi,
    Km,
}

impl DistanceUnit {
    pub fn km(self, value: f64) -> f64 {
        match self {
            DistanceUnit::Mi => value * KM_PER_MILE,
            DistanceUnit::Km => value,
        }
    }

    pub fn from_km(self, km: f64) -> f64 {
        match self {
            DistanceUnit::Mi => km / KM_PER_MILE,
            DistanceUnit::Km => km,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DistanceUnit::Mi => "mi",
            DistanceUnit::Km => "km",
        }
    }
}

/// A circle around a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoFilter {
    pub lat: f64,
    pub lon: f64,
    /// The radius as given, in `unit`.
    pub radius: f64,
    pub unit: DistanceUnit,
}

impl GeoFilter {
    /// Parses `distance(39.0035707,-77.1013313,50mi)`; the unit is `mi` or `km` and defaults
    /// to miles, as on the registry.
    pub fn parse(value: &str) -> Result<GeoFilter, String> {
        const EXPECTED: &str = "distance(latitude,longitude,radius) with the radius in mi or km, e.g. distance(42.36,-71.06,50mi)";
        let v = value.trim();
        let inner = v
            .strip_prefix("distance(")
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| EXPECTED.to_string())?;
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        if parts.len() != 3 {
            return Err(EXPECTED.into());
        }
        let lat: f64 = parts[0]
            .parse()
            .map_err(|_| format!("'{}' is not a latitude; expected {EXPECTED}", parts[0]))?;
        let lon: f64 = parts[1]
            .parse()
            .map_err(|_| format!("'{}' is not a longitude; expected {EXPECTED}", parts[1]))?;
        if !(-90.0..=90.0).contains(&lat) {
            return Err(format!("latitude {lat} is outside -90..90"));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(format!("longitude {lon} is outside -180..180"));
        }
        let r = parts[2].to_ascii_lowercase();
        let (num, unit) = if let Some(n) = r.strip_suffix("mi") {
            (n, DistanceUnit::Mi)
        } else if let Some(n) = r.strip_suffix("km") {
            (n, DistanceUnit::Km)
        } else {
            (r.as_str(), DistanceUnit::Mi)
        };
        let radius: f64 = num
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x > 0.0)
            .ok_or_else(|| format!("'{}' is not a radius; expected {EXPECTED}", parts[2]))?;
        Ok(GeoFilter {
            lat,
            lon,
            radius,
            unit,
        })
    }

    pub fn radius_km(&self) -> f64 {
        self.unit.km(self.radius)
    }
}

/// Great-circle distance in kilometres (haversine): the record model's, shared with the matcher.
pub use ctgov::distance_km;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_registry_form() {
        let g = GeoFilter::parse("distance(39.0035707,-77.1013313,50mi)").unwrap();
        assert_eq!(g.unit, DistanceUnit::Mi);
        assert!((g.radius_km() - 80.4672).abs() < 1e-3);
        assert_eq!(
            GeoFilter::parse("distance(0,0,10km)").unwrap().unit,
            DistanceUnit::Km
        );
        assert_eq!(
            GeoFilter::parse("distance(0,0,10)").unwrap().unit,
            DistanceUnit::Mi
        );
        for bad in [
            "distance(0,0)",
            "dist(0,0,1mi)",
            "distance(a,0,1mi)",
            "distance(0,0,-1km)",
            "distance(0,200,1km)",
        ] {
            assert!(GeoFilter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn boston_to_new_york() {
        let d = distance_km(42.3601, -71.0589, 40.7128, -74.0060);
        assert!((d - 306.0).abs() < 3.0, "{d}");
    }
}
