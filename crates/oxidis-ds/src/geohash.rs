//! The 52-bit geohash. Redis counterpart: geohash.c (7.0), with the types
//! of geohash.h.
//!
//! Holds the bit interleaving, encoding a (longitude, latitude) pair into a
//! cell of a given step, decoding a cell back into its bounding area and
//! centre, and the eight neighbours of a cell.
//! Divergence: none in behaviour; C's out-parameters and 0/1 returns are
//! `Option`s here.
//!
//! # How a point becomes a sorted-set score
//!
//! A geohash cuts the map (longitude -180..180, latitude -85.05..85.05, the
//! square that the Web Mercator projection can show) in two along each axis,
//! again and again. After `step` cuts per axis the map is a grid of
//! 2^step × 2^step cells, and a point is named by its cell: a column number
//! and a row number, `step` bits each. Encoding a coordinate is just finding
//! where it sits between the range's ends as a fraction, scaling the fraction
//! by 2^step, and truncating to an integer.
//!
//! The two numbers are then *interleaved*: bit i of the latitude row goes to
//! bit 2i of the hash, bit i of the longitude column to bit 2i+1. Reading the
//! hash from its top bit down is then the same as descending a quadtree: the
//! top two bits say which quarter of the world the point is in, the next two
//! which quarter of that quarter, and so on. Two consequences make the
//! sorted set a spatial index:
//!
//! * every point inside one cell of step `s` shares the same top `2s` bits,
//!   so the cell is one contiguous range of 52-bit scores (the low bits
//!   running through all their values), found with one range query;
//! * cutting the hash short (dropping pairs of low bits) gives the cell's
//!   parent, so a coarser grid is obtained by shifting.
//!
//! Redis always stores step 26 (52 bits, exactly representable in the f64
//! score). Interleaving uses the "binary magic numbers" spread: each round
//! moves the upper half of every group of bits left by half the group's
//! width, masking so that after five rounds the 32 input bits sit in the
//! even positions with zeros between them. De-interleaving runs the same
//! rounds backwards to squeeze the even bits (and, shifted by one, the odd
//! bits) back together.
//!
//! Neighbours are found without decoding: to step east, add one to the
//! longitude bits only. Filling the latitude (gap) bits with ones before the
//! addition lets the carry ripple straight across them, and masking them
//! out afterwards restores the untouched axis. Stepping west subtracts the
//! same way. The result is masked to `2 * step` bits, so moving off one
//! edge of the map wraps to the opposite edge.

/// The highest precision: 26 bits per axis, 52 in all. Redis: GEO_STEP_MAX.
pub const GEO_STEP_MAX: u8 = 26;

/// Limits of the projection (EPSG:900913 / EPSG:3785). Redis: GEO_LAT_MIN...
pub const GEO_LAT_MIN: f64 = -85.05112878;
pub const GEO_LAT_MAX: f64 = 85.05112878;
pub const GEO_LONG_MIN: f64 = -180.0;
pub const GEO_LONG_MAX: f64 = 180.0;

/// A cell: its interleaved bits and the number of cuts per axis.
/// Redis: GeoHashBits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeoHashBits {
    pub bits: u64,
    pub step: u8,
}

impl GeoHashBits {
    /// Redis: HASHISZERO / GISZERO (a neighbour that was dropped).
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }
}

/// Redis: GeoHashRange.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GeoHashRange {
    pub min: f64,
    pub max: f64,
}

impl GeoHashRange {
    fn is_zero(&self) -> bool {
        self.min == 0.0 && self.max == 0.0
    }
}

/// A cell with the coordinates it covers. Redis: GeoHashArea.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GeoHashArea {
    pub hash: GeoHashBits,
    pub longitude: GeoHashRange,
    pub latitude: GeoHashRange,
}

/// The eight cells around one. Redis: GeoHashNeighbors.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GeoHashNeighbors {
    pub north: GeoHashBits,
    pub east: GeoHashBits,
    pub west: GeoHashBits,
    pub south: GeoHashBits,
    pub north_east: GeoHashBits,
    pub south_east: GeoHashBits,
    pub north_west: GeoHashBits,
    pub south_west: GeoHashBits,
}

/// Spreads the 32 bits of `xlo` into the even bits and those of `ylo` into
/// the odd bits of the result. Redis: interleave64.
pub fn interleave64(xlo: u32, ylo: u32) -> u64 {
    const B: [u64; 5] = [
        0x5555_5555_5555_5555,
        0x3333_3333_3333_3333,
        0x0F0F_0F0F_0F0F_0F0F,
        0x00FF_00FF_00FF_00FF,
        0x0000_FFFF_0000_FFFF,
    ];
    const S: [u32; 5] = [1, 2, 4, 8, 16];
    let spread = |mut v: u64| {
        for i in (0..5).rev() {
            v = (v | (v << S[i])) & B[i];
        }
        v
    };
    spread(xlo as u64) | (spread(ylo as u64) << 1)
}

/// The inverse of `interleave64`: the even bits in the low 32 bits of the
/// result, the odd bits in the high 32. Redis: deinterleave64.
pub fn deinterleave64(interleaved: u64) -> u64 {
    const B: [u64; 6] = [
        0x5555_5555_5555_5555,
        0x3333_3333_3333_3333,
        0x0F0F_0F0F_0F0F_0F0F,
        0x00FF_00FF_00FF_00FF,
        0x0000_FFFF_0000_FFFF,
        0x0000_0000_FFFF_FFFF,
    ];
    const S: [u32; 6] = [0, 1, 2, 4, 8, 16];
    let squeeze = |mut v: u64| {
        for i in 0..6 {
            v = (v | (v >> S[i])) & B[i];
        }
        v
    };
    squeeze(interleaved) | (squeeze(interleaved >> 1) << 32)
}

/// The ranges Redis indexes. Redis: geohashGetCoordRange.
pub fn coord_range() -> (GeoHashRange, GeoHashRange) {
    (
        GeoHashRange {
            min: GEO_LONG_MIN,
            max: GEO_LONG_MAX,
        },
        GeoHashRange {
            min: GEO_LAT_MIN,
            max: GEO_LAT_MAX,
        },
    )
}

/// Encodes a point at `step` bits per axis inside the given ranges; None
/// when the point lies outside them (or outside the projection's limits).
/// Redis: geohashEncode.
pub fn encode(
    long_range: &GeoHashRange,
    lat_range: &GeoHashRange,
    longitude: f64,
    latitude: f64,
    step: u8,
) -> Option<GeoHashBits> {
    if step > 32 || step == 0 || lat_range.is_zero() || long_range.is_zero() {
        return None;
    }
    if !(GEO_LONG_MIN..=GEO_LONG_MAX).contains(&longitude)
        || !(GEO_LAT_MIN..=GEO_LAT_MAX).contains(&latitude)
    {
        return None;
    }
    if latitude < lat_range.min
        || latitude > lat_range.max
        || longitude < long_range.min
        || longitude > long_range.max
    {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min) * scale;
    let long_offset = (longitude - long_range.min) / (long_range.max - long_range.min) * scale;
    // The offsets are in 0..=2^step, so the (truncating) conversion to u32
    // is C's double-to-uint32_t conversion.
    Some(GeoHashBits {
        bits: interleave64(lat_offset as u32, long_offset as u32),
        step,
    })
}

/// Encodes into Redis's ranges. Redis: geohashEncodeType / geohashEncodeWGS84.
pub fn encode_wgs84(longitude: f64, latitude: f64, step: u8) -> Option<GeoHashBits> {
    let (lo, la) = coord_range();
    encode(&lo, &la, longitude, latitude, step)
}

/// The area a cell covers. Redis: geohashDecode.
pub fn decode(
    long_range: GeoHashRange,
    lat_range: GeoHashRange,
    hash: GeoHashBits,
) -> Option<GeoHashArea> {
    if hash.is_zero() || lat_range.is_zero() || long_range.is_zero() {
        return None;
    }
    let step = hash.step;
    let hash_sep = deinterleave64(hash.bits); // [LONG][LAT]
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    let ilato = hash_sep as u32;
    let ilono = (hash_sep >> 32) as u32;
    let cells = (1u64 << step) as f64;
    // Same operation order as Redis, so the f64 results match bit for bit
    // (and the same u32 arithmetic: `+ 1` wraps as C's unsigned int does).
    Some(GeoHashArea {
        hash,
        latitude: GeoHashRange {
            min: lat_range.min + (ilato as f64 / cells) * lat_scale,
            max: lat_range.min + (ilato.wrapping_add(1) as f64 / cells) * lat_scale,
        },
        longitude: GeoHashRange {
            min: long_range.min + (ilono as f64 / cells) * long_scale,
            max: long_range.min + (ilono.wrapping_add(1) as f64 / cells) * long_scale,
        },
    })
}

/// Decodes a cell of Redis's ranges. Redis: geohashDecodeType / WGS84.
pub fn decode_wgs84(hash: GeoHashBits) -> Option<GeoHashArea> {
    let (lo, la) = coord_range();
    decode(lo, la, hash)
}

/// The centre of an area, clamped to the projection's limits.
/// Redis: geohashDecodeAreaToLongLat. Returns [longitude, latitude].
pub fn area_to_long_lat(area: &GeoHashArea) -> [f64; 2] {
    let lon = ((area.longitude.min + area.longitude.max) / 2.0).clamp(GEO_LONG_MIN, GEO_LONG_MAX);
    let lat = ((area.latitude.min + area.latitude.max) / 2.0).clamp(GEO_LAT_MIN, GEO_LAT_MAX);
    [lon, lat]
}

/// Redis: geohashDecodeToLongLatType / geohashDecodeToLongLatWGS84.
pub fn decode_to_long_lat_wgs84(hash: GeoHashBits) -> Option<[f64; 2]> {
    decode_wgs84(hash).map(|a| area_to_long_lat(&a))
}

/// Moves a cell one column east (`d > 0`) or west (`d < 0`).
/// Redis: geohash_move_x.
fn move_x(hash: &mut GeoHashBits, d: i8) {
    if d == 0 {
        return;
    }
    let mut x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = hash.bits & 0x5555_5555_5555_5555;
    let zz = 0x5555_5555_5555_5555u64 >> (64 - hash.step as u32 * 2);
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaa_aaaa_aaaa_aaaau64 >> (64 - hash.step as u32 * 2);
    hash.bits = x | y;
}

/// Moves a cell one row north (`d > 0`) or south (`d < 0`).
/// Redis: geohash_move_y.
fn move_y(hash: &mut GeoHashBits, d: i8) {
    if d == 0 {
        return;
    }
    let x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let mut y = hash.bits & 0x5555_5555_5555_5555;
    let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> (64 - hash.step as u32 * 2);
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555_5555_5555_5555u64 >> (64 - hash.step as u32 * 2);
    hash.bits = x | y;
}

/// The eight neighbours of a cell (wrapping at the map's edges).
/// Redis: geohashNeighbors.
pub fn neighbors(hash: &GeoHashBits) -> GeoHashNeighbors {
    let moved = |dx: i8, dy: i8| {
        let mut h = *hash;
        move_x(&mut h, dx);
        move_y(&mut h, dy);
        h
    };
    GeoHashNeighbors {
        east: moved(1, 0),
        west: moved(-1, 0),
        south: moved(0, -1),
        north: moved(0, 1),
        north_west: moved(-1, 1),
        north_east: moved(1, 1),
        south_east: moved(1, -1),
        south_west: moved(-1, -1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn interleave_round_trip() {
        assert_eq!(interleave64(0, 0), 0);
        assert_eq!(interleave64(1, 0), 1);
        assert_eq!(interleave64(0, 1), 2);
        assert_eq!(interleave64(u32::MAX, 0), 0x5555_5555_5555_5555);
        assert_eq!(interleave64(0, u32::MAX), 0xaaaa_aaaa_aaaa_aaaa);
        for (x, y) in [(0x1234_5678, 0x9abc_def0), (7, 1 << 31), (u32::MAX, 3)] {
            let d = deinterleave64(interleave64(x, y));
            assert_eq!(d as u32, x);
            assert_eq!((d >> 32) as u32, y);
        }
    }

    #[test]
    fn encode_known_point() {
        // Palermo: GEOADD gives it the score 3479099956230698 in Redis.
        let h = encode_wgs84(13.361389, 38.115556, GEO_STEP_MAX).unwrap();
        assert_eq!(h.bits, 3479099956230698);
        let xy = decode_to_long_lat_wgs84(h).unwrap();
        assert!((xy[0] - 13.361389).abs() < 1e-5);
        assert!((xy[1] - 38.115556).abs() < 1e-5);
        // Outside the projection's latitude limits.
        assert!(encode_wgs84(0.0, 86.0, GEO_STEP_MAX).is_none());
        assert!(encode_wgs84(181.0, 0.0, GEO_STEP_MAX).is_none());
        assert!(encode_wgs84(0.0, 0.0, 0).is_none());
    }

    #[test]
    fn neighbours_step_one_cell_and_wrap() {
        let h = encode_wgs84(10.0, 10.0, 4).unwrap();
        let a = decode_wgs84(h).unwrap();
        let n = neighbors(&h);
        let east = decode_wgs84(n.east).unwrap();
        assert_eq!(east.longitude.min, a.longitude.max);
        assert_eq!(east.latitude, a.latitude);
        let north = decode_wgs84(n.north).unwrap();
        assert_eq!(north.latitude.min, a.latitude.max);
        let sw = decode_wgs84(n.south_west).unwrap();
        assert_eq!(sw.longitude.max, a.longitude.min);
        assert_eq!(sw.latitude.max, a.latitude.min);
        // The easternmost column's east neighbour is the westernmost one.
        let edge = encode_wgs84(179.9, 0.0, 3).unwrap();
        let wrapped = decode_wgs84(neighbors(&edge).east).unwrap();
        assert_eq!(wrapped.longitude.min, GEO_LONG_MIN);
    }

    proptest! {
        #[test]
        fn encode_decode_stays_in_cell(
            lon in GEO_LONG_MIN..GEO_LONG_MAX,
            lat in GEO_LAT_MIN..GEO_LAT_MAX,
            step in 1u8..=GEO_STEP_MAX,
        ) {
            let h = encode_wgs84(lon, lat, step).unwrap();
            prop_assert!(h.bits < 1u64 << (2 * step as u32));
            let a = decode_wgs84(h).unwrap();
            prop_assert!(a.longitude.min <= lon && lon <= a.longitude.max);
            prop_assert!(a.latitude.min <= lat && lat <= a.latitude.max);
            let xy = area_to_long_lat(&a);
            prop_assert!(a.longitude.min <= xy[0] && xy[0] <= a.longitude.max);
            prop_assert!(a.latitude.min <= xy[1] && xy[1] <= a.latitude.max);
            // Re-encoding the centre names the same cell.
            prop_assert_eq!(encode_wgs84(xy[0], xy[1], step).unwrap(), h);
        }

        #[test]
        fn neighbours_are_adjacent(
            lon in GEO_LONG_MIN..GEO_LONG_MAX,
            lat in GEO_LAT_MIN..GEO_LAT_MAX,
            step in 2u8..=GEO_STEP_MAX,
        ) {
            let h = encode_wgs84(lon, lat, step).unwrap();
            let n = neighbors(&h);
            // Moving east then west (or north then south) comes back.
            prop_assert_eq!(neighbors(&n.east).west, h);
            prop_assert_eq!(neighbors(&n.north).south, h);
            prop_assert_eq!(neighbors(&n.south_west).north_east, h);
        }
    }
}
