//! Search areas and distances. Redis counterpart: geohash_helper.c (7.0),
//! with the `GeoShape` of geohash.h.
//!
//! Holds the step estimate for a radius, the bounding box of a circle or an
//! axis-aligned box, the nine cells that cover a search, the alignment of a
//! cell to a 52-bit score, and the Haversine distance with the in-radius /
//! in-box tests.
//! Divergence: none in behaviour. The trigonometry is f64 through the
//! platform's libm, as in Redis, so distances agree to the last bit.
//!
//! # Covering a search with nine cells
//!
//! A radius or box query must turn into a few score ranges of the sorted
//! set. Each geohash cell is one range (see geohash.rs), so the job is to
//! pick cells that together cover the search shape, few enough that the
//! range queries stay cheap, small enough that few points outside the shape
//! get read and rejected.
//!
//! Redis always reads a 3 × 3 block: the cell holding the centre and its
//! eight neighbours, all at one step. The step comes from the radius (for a
//! box, the half-diagonal): start from the whole Mercator width and halve
//! until the cell is about as small as the radius, then back off two steps,
//! so that a cell is at least as wide as the radius and the block reaches at
//! least one radius past the centre cell in every direction. Near the poles
//! a degree of longitude shrinks, so one or two more steps are given back
//! above 66° and 80° of latitude.
//!
//! That estimate works on the equator's metres, so it is then checked
//! against the real bounding box of the shape in degrees: the box is
//! `radius / R` radians tall, and its width is taken at the latitude of the
//! edge nearer the pole (where a metre is the most degrees of longitude),
//! which is the top edge north of the equator and the bottom edge south of
//! it. If the north neighbour does not reach the box's top, or the south,
//! east or west ones fall short of their sides, the step is decreased once
//! more, doubling every cell.
//!
//! Finally, the neighbours that cannot hold a match are dropped: when the
//! centre cell itself already extends past the box's south edge, the three
//! southern neighbours lie wholly outside, and so on for each side. A dropped
//! neighbour is zeroed (bits 0, step 0) and skipped by the search. Every
//! point read from the remaining ranges is still checked exactly, against
//! the circle with the Haversine distance or against the box by its
//! latitude and longitude distances, so the cells only need to cover, never
//! to fit.

use crate::geohash::{self, GeoHashArea, GeoHashBits, GeoHashNeighbors, GEO_STEP_MAX};

const D_R: f64 = std::f64::consts::PI / 180.0;
/// Earth's quadratic mean radius for WGS-84. Redis: EARTH_RADIUS_IN_METERS.
pub const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
/// Half the Mercator projection's width in metres. Redis: MERCATOR_MAX.
const MERCATOR_MAX: f64 = 20037726.37;

fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// The search shape's kind and size, in the shape's unit. Redis: the
/// CIRCULAR_TYPE / RECTANGLE_TYPE union of GeoShape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ShapeKind {
    Circle { radius: f64 },
    Box { width: f64, height: f64 },
}

/// A search: centre, shape, and the unit's size in metres.
/// Redis: GeoShape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoShape {
    pub kind: ShapeKind,
    /// [longitude, latitude] of the centre.
    pub xy: [f64; 2],
    /// Metres per unit (km: 1000).
    pub conversion: f64,
    /// min longitude, min latitude, max longitude, max latitude.
    pub bounds: [f64; 4],
}

/// The centre cell, its area, and the neighbours kept for the search.
/// Redis: GeoHashRadius.
#[derive(Clone, Copy, Debug)]
pub struct GeoHashRadius {
    pub hash: GeoHashBits,
    pub area: GeoHashArea,
    pub neighbors: GeoHashNeighbors,
}

/// The step whose cells are about as wide as `range_meters` at latitude
/// `lat`. Redis: geohashEstimateStepsByRadius.
pub fn estimate_steps_by_radius(mut range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return GEO_STEP_MAX;
    }
    let mut step: i32 = 1;
    while range_meters < MERCATOR_MAX {
        range_meters *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, GEO_STEP_MAX as i32) as u8
}

/// The shape's bounding box in degrees (see the header).
/// Redis: geohashBoundingBox.
pub fn bounding_box(shape: &GeoShape) -> [f64; 4] {
    let [longitude, latitude] = shape.xy;
    let (height, width) = match shape.kind {
        ShapeKind::Circle { radius } => (shape.conversion * radius, shape.conversion * radius),
        ShapeKind::Box { width, height } => (
            shape.conversion * (height / 2.0),
            shape.conversion * (width / 2.0),
        ),
    };
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let long_delta_top =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude + lat_delta).cos());
    let long_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude - lat_delta).cos());
    let long_delta = if latitude < 0.0 {
        long_delta_bottom
    } else {
        long_delta_top
    };
    [
        longitude - long_delta,
        latitude - lat_delta,
        longitude + long_delta,
        latitude + lat_delta,
    ]
}

/// The nine (or fewer) cells to search, storing the bounding box in
/// `shape.bounds`. Redis: geohashCalculateAreasByShapeWGS84.
pub fn calculate_areas_by_shape_wgs84(shape: &mut GeoShape) -> GeoHashRadius {
    shape.bounds = bounding_box(shape);
    let [min_lon, min_lat, max_lon, max_lat] = shape.bounds;
    let [longitude, latitude] = shape.xy;
    let radius_meters = match shape.kind {
        ShapeKind::Circle { radius } => radius,
        ShapeKind::Box { width, height } => {
            ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
        }
    } * shape.conversion;

    let (long_range, lat_range) = geohash::coord_range();
    let cover = |steps: u8| {
        // The centre is a validated coordinate, so encoding cannot fail.
        let hash = geohash::encode(&long_range, &lat_range, longitude, latitude, steps)
            .unwrap_or_default();
        let area = geohash::decode(long_range, lat_range, hash).unwrap_or_default();
        (hash, geohash::neighbors(&hash), area)
    };
    let mut steps = estimate_steps_by_radius(radius_meters, latitude);
    let (mut hash, mut neighbors, mut area) = cover(steps);

    // Is the step small enough at the edges of the bounding box?
    let dec = |h: GeoHashBits| geohash::decode(long_range, lat_range, h).unwrap_or_default();
    let decrease_step = dec(neighbors.north).latitude.max < max_lat
        || dec(neighbors.south).latitude.min > min_lat
        || dec(neighbors.east).longitude.max < max_lon
        || dec(neighbors.west).longitude.min > min_lon;
    if steps > 1 && decrease_step {
        steps -= 1;
        (hash, neighbors, area) = cover(steps);
    }

    // Drop the neighbours that lie wholly outside the bounding box.
    if steps >= 2 {
        let zero = GeoHashBits::default();
        let n = &mut neighbors;
        if area.latitude.min < min_lat {
            (n.south, n.south_west, n.south_east) = (zero, zero, zero);
        }
        if area.latitude.max > max_lat {
            (n.north, n.north_east, n.north_west) = (zero, zero, zero);
        }
        if area.longitude.min < min_lon {
            (n.west, n.south_west, n.north_west) = (zero, zero, zero);
        }
        if area.longitude.max > max_lon {
            (n.east, n.south_east, n.north_east) = (zero, zero, zero);
        }
    }
    GeoHashRadius {
        hash,
        area,
        neighbors,
    }
}

/// A cell's bits shifted up to a 52-bit score. Redis: geohashAlign52Bits.
pub fn align52bits(hash: GeoHashBits) -> u64 {
    hash.bits << (52 - hash.step as u32 * 2)
}

/// Distance along a meridian. Redis: geohashGetLatDistance.
pub fn lat_distance(lat1d: f64, lat2d: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2d) - deg_rad(lat1d)).abs()
}

/// The great-circle (Haversine) distance in metres. Redis: geohashGetDistance.
pub fn distance(lon1d: f64, lat1d: f64, lon2d: f64, lat2d: f64) -> f64 {
    let lon1r = deg_rad(lon1d);
    let lon2r = deg_rad(lon2d);
    let v = ((lon2r - lon1r) / 2.0).sin();
    // Same longitude: the formula reduces to the latitude difference.
    if v == 0.0 {
        return lat_distance(lat1d, lat2d);
    }
    let lat1r = deg_rad(lat1d);
    let lat2r = deg_rad(lat2d);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// The distance, when within `radius` metres.
/// Redis: geohashGetDistanceIfInRadius(WGS84).
pub fn distance_if_in_radius(x1: f64, y1: f64, x2: f64, y2: f64, radius: f64) -> Option<f64> {
    let d = distance(x1, y1, x2, y2);
    (d <= radius).then_some(d)
}

/// The distance from the box's centre (x1, y1) to (x2, y2), when the point
/// is inside the box: its latitude distance at most half the height, and its
/// longitude distance (along the point's own parallel) at most half the
/// width. Redis: geohashGetDistanceIfInRectangle.
pub fn distance_if_in_rectangle(
    width_m: f64,
    height_m: f64,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
) -> Option<f64> {
    if lat_distance(y2, y1) > height_m / 2.0 {
        return None;
    }
    if distance(x2, y2, x1, y2) > width_m / 2.0 {
        return None;
    }
    Some(distance(x1, y1, x2, y2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        // Palermo to Catania (GEODIST measures between the cell centres
        // instead, and gives 166274.1516).
        let d = distance(13.361389, 38.115556, 15.087269, 37.502669);
        assert!((d - 166274.2578).abs() < 0.001, "{d}");
        assert_eq!(distance(1.0, 2.0, 1.0, 2.0), 0.0);
        // Same meridian: one degree of latitude.
        let one = distance(5.0, 10.0, 5.0, 11.0);
        assert!((one - EARTH_RADIUS_IN_METERS * D_R).abs() < 1e-6);
        // Antipodes: half the circumference.
        let half = distance(0.0, 0.0, 180.0, 0.0);
        assert!((half - EARTH_RADIUS_IN_METERS * std::f64::consts::PI).abs() < 1e-6);
        assert_eq!(distance_if_in_radius(0.0, 0.0, 0.0, 1.0, 1000.0), None);
        assert!(distance_if_in_radius(0.0, 0.0, 0.0, 0.001, 1000.0).is_some());
        assert!(distance_if_in_rectangle(1000.0, 1000.0, 0.0, 0.0, 0.004, 0.004).is_some());
        assert!(distance_if_in_rectangle(1000.0, 1000.0, 0.0, 0.0, 0.0, 0.005).is_none());
    }

    #[test]
    fn steps_by_radius() {
        assert_eq!(estimate_steps_by_radius(0.0, 0.0), 26);
        assert_eq!(estimate_steps_by_radius(1.0, 0.0), 24);
        assert_eq!(estimate_steps_by_radius(1000.0, 0.0), 14);
        assert_eq!(estimate_steps_by_radius(1000.0, 70.0), 13);
        assert_eq!(estimate_steps_by_radius(1000.0, -85.0), 12);
        assert_eq!(estimate_steps_by_radius(5e7, 0.0), 1);
    }

    #[test]
    fn areas_cover_the_bounding_box() {
        let mut shape = GeoShape {
            kind: ShapeKind::Circle { radius: 200.0 },
            xy: [13.361389, 38.115556],
            conversion: 1000.0,
            bounds: [0.0; 4],
        };
        let r = calculate_areas_by_shape_wgs84(&mut shape);
        let [min_lon, min_lat, max_lon, max_lat] = shape.bounds;
        assert!(min_lon < 13.361389 && max_lon > 13.361389);
        assert!(min_lat < 38.115556 && max_lat > 38.115556);
        // The union of the kept cells reaches every side of the box.
        let mut cells = vec![r.hash];
        let n = r.neighbors;
        cells.extend([
            n.north,
            n.south,
            n.east,
            n.west,
            n.north_east,
            n.north_west,
            n.south_east,
            n.south_west,
        ]);
        let areas: Vec<_> = cells
            .iter()
            .filter(|h| !h.is_zero())
            .map(|h| geohash::decode_wgs84(*h).unwrap())
            .collect();
        assert!(areas.iter().any(|a| a.latitude.max >= max_lat));
        assert!(areas.iter().any(|a| a.latitude.min <= min_lat));
        assert!(areas.iter().any(|a| a.longitude.max >= max_lon));
        assert!(areas.iter().any(|a| a.longitude.min <= min_lon));
        assert_eq!(
            align52bits(r.hash) >> (52 - 2 * r.hash.step as u32),
            r.hash.bits
        );
    }
}
