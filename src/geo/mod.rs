//! Geo commands. Redis counterpart: geo.c (7.0).
//!
//! A geo set is an ordinary sorted set whose scores are 52-bit geohashes
//! (`oxidis_ds::geohash`); `oxidis_ds::geohash_helper` turns a radius or
//! box search into at most nine score ranges and measures distances;
//! `oxidis_ds::pqsort` sorts the matches.
//! This file holds the commands: GEOADD (which hands the encoded scores to
//! ZADD, as Redis does), GEOPOS, GEODIST, GEOHASH, and GEORADIUS,
//! GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH and GEOSEARCHSTORE,
//! which share `georadius_generic`.
//! GEOADD calls ZADD's handler with a rewritten argument vector and
//! propagates as that ZADD, as Redis does.

use std::cmp::Ordering;
use std::sync::Arc;

use oxidis_ds::geohash::{self, GeoHashBits, GeoHashRange, GEO_STEP_MAX};
use oxidis_ds::geohash_helper::{self, GeoHashRadius, GeoShape, ShapeKind};
use oxidis_ds::skiplist::ZRangeSpec;
use oxidis_ds::util;
use oxidis_ds::zset::{AddFlags, ZSet};

use crate::args::get_double_or_reply;
use crate::networking::Client;
use crate::notify::{NOTIFY_GENERIC, NOTIFY_ZSET};
use crate::object::Value;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;
use crate::t_zset;

const ERR_BAD_MEMBER: &str = "could not decode requested zset member";

/// One match of a search. Redis: geoPoint.
#[derive(Clone, Debug)]
pub struct GeoPoint {
    pub longitude: f64,
    pub latitude: f64,
    pub dist: f64,
    pub score: f64,
    pub member: Vec<u8>,
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// C's `(uint64_t)d` as gcc compiles it for x86-64 (cvttsd2si, with the
/// 2^63 offset trick): negative values wrap, NaN and out-of-range values give
/// the "integer indefinite" pattern. Scores of a geo set are always in
/// 0..2^52; this only matters for a sorted set that was not built by GEOADD.
fn c_double_to_u64(d: f64) -> u64 {
    const TWO63: f64 = 9223372036854775808.0;
    let cvtt = |x: f64| {
        if x.is_nan() || !(-TWO63..TWO63).contains(&x) {
            i64::MIN
        } else {
            x as i64
        }
    };
    if d >= TWO63 {
        (cvtt(d - TWO63) as u64) ^ (1 << 63)
    } else {
        cvtt(d) as u64
    }
}

/// C's `(long long)d` on x86-64 (cvttsd2si).
fn c_double_to_i64(d: f64) -> i64 {
    if d.is_nan() || !(-9223372036854775808.0..9223372036854775808.0).contains(&d) {
        i64::MIN
    } else {
        d as i64
    }
}

/// A score back to [longitude, latitude]. Redis: decodeGeohash.
pub fn decode_geohash(score: f64) -> Option<[f64; 2]> {
    geohash::decode_to_long_lat_wgs84(GeoHashBits {
        bits: c_double_to_u64(score),
        step: GEO_STEP_MAX,
    })
}

/// A coordinate pair to its score. Redis: GEOADD's
/// geohashEncodeWGS84 + geohashAlign52Bits.
pub fn encode_score(longitude: f64, latitude: f64) -> Option<u64> {
    geohash::encode_wgs84(longitude, latitude, GEO_STEP_MAX).map(geohash_helper::align52bits)
}

/// Parses a longitude then a latitude, within the projection's limits.
/// Redis: extractLongLatOrReply.
fn extract_long_lat_or_reply(c: &mut Client, args: &[Vec<u8>]) -> Option<[f64; 2]> {
    let lon = get_double_or_reply(c, &args[0], None)?;
    let lat = get_double_or_reply(c, &args[1], None)?;
    if !(geohash::GEO_LONG_MIN..=geohash::GEO_LONG_MAX).contains(&lon)
        || !(geohash::GEO_LAT_MIN..=geohash::GEO_LAT_MAX).contains(&lat)
    {
        c.add_reply_error(&format!(
            "-ERR invalid longitude,latitude pair {lon:.6},{lat:.6}"
        ));
        return None;
    }
    Some([lon, lat])
}

/// A member's position. Redis: longLatFromMember.
fn long_lat_from_member(z: &ZSet, member: &[u8]) -> Option<[f64; 2]> {
    decode_geohash(z.score(member)?)
}

/// Metres per unit. Redis: extractUnitOrReply.
fn extract_unit_or_reply(c: &mut Client, unit: &[u8]) -> Option<f64> {
    let conv = if unit.eq_ignore_ascii_case(b"m") {
        1.0
    } else if unit.eq_ignore_ascii_case(b"km") {
        1000.0
    } else if unit.eq_ignore_ascii_case(b"ft") {
        0.3048
    } else if unit.eq_ignore_ascii_case(b"mi") {
        1609.34
    } else {
        c.add_reply_error("unsupported unit provided. please use M, KM, FT, MI");
        return None;
    };
    Some(conv)
}

/// `<radius> <unit>`: (conversion, radius). Redis: extractDistanceOrReply.
fn extract_distance_or_reply(c: &mut Client, args: &[Vec<u8>]) -> Option<(f64, f64)> {
    let distance = get_double_or_reply(c, &args[0], Some("need numeric radius"))?;
    if distance < 0.0 {
        c.add_reply_error("radius cannot be negative");
        return None;
    }
    let conv = extract_unit_or_reply(c, &args[1])?;
    Some((conv, distance))
}

/// `<width> <height> <unit>`: (conversion, width, height).
/// Redis: extractBoxOrReply.
fn extract_box_or_reply(c: &mut Client, args: &[Vec<u8>]) -> Option<(f64, f64, f64)> {
    let w = get_double_or_reply(c, &args[0], Some("need numeric width"))?;
    let h = get_double_or_reply(c, &args[1], Some("need numeric height"))?;
    if h < 0.0 || w < 0.0 {
        c.add_reply_error("height or width cannot be negative");
        return None;
    }
    let conv = extract_unit_or_reply(c, &args[2])?;
    Some((conv, w, h))
}

/// Redis: fixedpoint_d2string(..., 4): rounded to 4 decimals (llrint,
/// ties to even), always printed with all 4.
fn fixedpoint4(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".into();
    }
    let scaled = (d * 10000.0).round_ties_even();
    // llrint on x86-64 gives the "integer indefinite" value when the result
    // does not fit.
    let sv = c_double_to_i64(scaled);
    let (neg, v) = if sv < 0 {
        (true, sv.unsigned_abs())
    } else {
        (false, sv as u64)
    };
    format!(
        "{}{}.{:04}",
        if neg { "-" } else { "" },
        v / 10000,
        v % 10000
    )
}

/// Distances go out as bulk strings with 4 decimals, in RESP3 too.
/// Redis: addReplyDoubleDistance.
fn add_reply_double_distance(c: &mut Client, d: f64) {
    c.add_reply_bulk(fixedpoint4(d).as_bytes());
}

/// Redis: ld2string(LD_STR_HUMAN) of a double widened to long double:
/// "%.17Lf" with the trailing zeros (and a bare dot) removed, "-0" as "0".
fn human_long_double(d: f64) -> String {
    let s = format!("{d:.17}");
    let t = s.trim_end_matches('0');
    let t = t.strip_suffix('.').unwrap_or(t);
    if t == "-0" {
        "0".into()
    } else {
        t.into()
    }
}

/// Redis: addReplyHumanLongDouble (a bulk string in RESP2, a double in RESP3).
fn add_reply_human_long_double(c: &mut Client, d: f64) {
    let s = human_long_double(d);
    if c.resp >= 3 {
        c.add_reply_raw(format!(",{s}\r\n").as_bytes());
    } else {
        c.add_reply_bulk(s.as_bytes());
    }
}

/// The sorted set at `key` (Redis: lookupKeyRead + checkType), shared so
/// the command can reply while it reads. Err(()) after a WRONGTYPE reply.
fn lookup_zset(s: &mut Server, c: &mut Client, key: &[u8]) -> Result<Option<Arc<ZSet>>, ()> {
    match s.lookup_key_read(c.db, key) {
        None => Ok(None),
        Some(o) => match &o.v {
            Value::ZSet(z) => Ok(Some(z.clone())),
            _ => {
                c.add_reply_wrongtype();
                Err(())
            }
        },
    }
}

// ---------------------------------------------------------------------------
// Searching the sorted set
// ---------------------------------------------------------------------------

/// Whether the point of `score` is inside the shape: Some((xy, distance)).
/// Redis: geoWithinShape.
fn geo_within_shape(shape: &GeoShape, score: f64) -> Option<([f64; 2], f64)> {
    let xy = decode_geohash(score)?;
    let [cx, cy] = shape.xy;
    let d = match shape.kind {
        ShapeKind::Circle { radius } => {
            geohash_helper::distance_if_in_radius(cx, cy, xy[0], xy[1], radius * shape.conversion)?
        }
        ShapeKind::Box { width, height } => geohash_helper::distance_if_in_rectangle(
            width * shape.conversion,
            height * shape.conversion,
            cx,
            cy,
            xy[0],
            xy[1],
        )?,
    };
    Some((xy, d))
}

/// Appends the members with `min <= score < max` that lie inside the
/// shape, stopping once `limit` (0: none) points are gathered. Returns how
/// many were added. Redis: geoGetPointsInRange.
fn geo_get_points_in_range(
    z: &ZSet,
    min: f64,
    max: f64,
    shape: &GeoShape,
    ga: &mut Vec<GeoPoint>,
    limit: usize,
) -> usize {
    let range = ZRangeSpec {
        min,
        max,
        minex: false,
        maxex: true,
    };
    let origin = ga.len();
    let mut cur = z.cursor_in_range(&range, false);
    while let Some((ele, score)) = z.get(cur) {
        if !range.value_lte_max(score) {
            break;
        }
        if let Some((xy, dist)) = geo_within_shape(shape, score) {
            ga.push(GeoPoint {
                longitude: xy[0],
                latitude: xy[1],
                dist,
                score,
                member: ele.into_owned(),
            });
        }
        if !ga.is_empty() && limit != 0 && ga.len() >= limit {
            break;
        }
        cur = z.step(cur, false);
    }
    ga.len() - origin
}

/// The scores a cell spans: [min, max). Redis: scoresOfGeoHashBox.
fn scores_of_geohash_box(hash: GeoHashBits) -> (u64, u64) {
    let min = geohash_helper::align52bits(hash);
    let max = geohash_helper::align52bits(GeoHashBits {
        bits: hash.bits + 1,
        step: hash.step,
    });
    (min, max)
}

/// Redis: membersOfGeoHashBox.
fn members_of_geohash_box(
    z: &ZSet,
    hash: GeoHashBits,
    ga: &mut Vec<GeoPoint>,
    shape: &GeoShape,
    limit: usize,
) -> usize {
    let (min, max) = scores_of_geohash_box(hash);
    geo_get_points_in_range(z, min as f64, max as f64, shape, ga, limit)
}

/// Searches the centre cell and its kept neighbours, skipping a cell equal
/// to the one searched just before it (with a huge radius adjacent
/// neighbours can coincide). Redis: membersOfAllNeighbors.
fn members_of_all_neighbors(
    z: &ZSet,
    n: &GeoHashRadius,
    shape: &GeoShape,
    ga: &mut Vec<GeoPoint>,
    limit: usize,
) -> usize {
    let nb = &n.neighbors;
    let cells = [
        n.hash,
        nb.north,
        nb.south,
        nb.east,
        nb.west,
        nb.north_east,
        nb.north_west,
        nb.south_east,
        nb.south_west,
    ];
    let mut count = 0;
    let mut last_processed = 0;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        if last_processed != 0 && *cell == cells[last_processed] {
            continue;
        }
        if !ga.is_empty() && limit != 0 && ga.len() >= limit {
            break;
        }
        count += members_of_geohash_box(z, *cell, ga, shape, limit);
        last_processed = i;
    }
    count
}

/// Redis: sort_gp_asc (a NaN distance compares as smaller, as in the C).
fn sort_gp_asc(a: &GeoPoint, b: &GeoPoint) -> Ordering {
    if a.dist > b.dist {
        Ordering::Greater
    } else if a.dist == b.dist {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

fn sort_gp_desc(a: &GeoPoint, b: &GeoPoint) -> Ordering {
    sort_gp_asc(a, b).reverse()
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/// GEOADD key [NX|XX] [CH] longitude latitude member [...]: encodes each
/// pair and calls ZADD with `score member` pairs. Redis: geoaddCommand.
fn geoadd_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (mut xx, mut nx) = (false, false);
    let mut longidx = 2;
    while longidx < argv.len() {
        let opt = &argv[longidx];
        if opt.eq_ignore_ascii_case(b"nx") {
            nx = true;
        } else if opt.eq_ignore_ascii_case(b"xx") {
            xx = true;
        } else if !opt.eq_ignore_ascii_case(b"ch") {
            break;
        }
        longidx += 1;
    }
    if !(argv.len() - longidx).is_multiple_of(3) || (xx && nx) {
        return c.add_reply_syntax_err();
    }
    let elements = (argv.len() - longidx) / 3;
    let mut zargv: Vec<Vec<u8>> = Vec::with_capacity(longidx + elements * 2);
    zargv.push(b"zadd".to_vec());
    zargv.extend(argv[1..longidx].iter().cloned());
    for i in 0..elements {
        let at = longidx + i * 3;
        let Some([lon, lat]) = extract_long_lat_or_reply(c, &argv[at..at + 2]) else {
            return;
        };
        let bits = encode_score(lon, lat).unwrap_or(0);
        zargv.push(bits.to_string().into_bytes());
        zargv.push(argv[at + 2].clone());
    }
    t_zset::zadd_command(s, c, &zargv);
    // Redis: GEOADD propagates as the ZADD it became.
    crate::replication::rewrite_with(s, c, || zargv);
}

/// Which command `georadius_generic` serves. Redis: the RADIUS_* and
/// GEOSEARCH* flags.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SearchType {
    /// GEORADIUS: around coordinates.
    Coords,
    /// GEORADIUSBYMEMBER: around a member.
    Member,
    /// GEOSEARCH / GEOSEARCHSTORE: FROM... and BY... options.
    Search,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// GEORADIUS, GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH and
/// GEOSEARCHSTORE. Redis: georadiusGeneric.
fn georadius_generic(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    src_key_index: usize,
    kind: SearchType,
    nostore: bool,
    searchstore: bool,
) {
    let mut storekey: Option<&[u8]> = None;
    let mut storedist = false;
    let Ok(zobj) = lookup_zset(s, c, &argv[src_key_index]) else {
        return;
    };

    let mut shape = GeoShape {
        kind: ShapeKind::Circle { radius: 0.0 },
        xy: [0.0, 0.0],
        conversion: 0.0,
        bounds: [0.0; 4],
    };
    let base_args;
    match (kind, &zobj) {
        (SearchType::Coords, _) => {
            base_args = 6;
            let Some(xy) = extract_long_lat_or_reply(c, &argv[2..4]) else {
                return;
            };
            shape.xy = xy;
            let Some((conv, radius)) = extract_distance_or_reply(c, &argv[4..6]) else {
                return;
            };
            shape.conversion = conv;
            shape.kind = ShapeKind::Circle { radius };
        }
        // No source key: parse on, to know which empty reply to give.
        (SearchType::Member, None) => base_args = 5,
        (SearchType::Member, Some(z)) => {
            base_args = 5;
            let Some(xy) = long_lat_from_member(z, &argv[2]) else {
                return c.add_reply_error(ERR_BAD_MEMBER);
            };
            shape.xy = xy;
            let Some((conv, radius)) = extract_distance_or_reply(c, &argv[3..5]) else {
                return;
            };
            shape.conversion = conv;
            shape.kind = ShapeKind::Circle { radius };
        }
        (SearchType::Search, _) => {
            base_args = if searchstore { 3 } else { 2 };
            if searchstore {
                storekey = Some(&argv[1]);
            }
        }
    }

    let geosearch = kind == SearchType::Search;
    let (mut withdist, mut withhash, mut withcoords) = (false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let remaining = argv.len().saturating_sub(base_args);
    let mut i = 0;
    while i < remaining {
        let at = base_args + i;
        let arg = &argv[at];
        let is = |name: &[u8]| arg.eq_ignore_ascii_case(name);
        if is(b"withdist") {
            withdist = true;
        } else if is(b"withhash") {
            withhash = true;
        } else if is(b"withcoord") {
            withcoords = true;
        } else if is(b"any") {
            any = true;
        } else if is(b"asc") {
            sort = Sort::Asc;
        } else if is(b"desc") {
            sort = Sort::Desc;
        } else if is(b"count") && i + 1 < remaining {
            let Some(n) = util::string2ll(&argv[at + 1]) else {
                return c.add_reply_error(shared::NOT_INTEGER);
            };
            if n <= 0 {
                return c.add_reply_error("COUNT must be > 0");
            }
            count = n;
            i += 1;
        } else if (is(b"store") || is(b"storedist")) && i + 1 < remaining && !nostore && !geosearch
        {
            storekey = Some(&argv[at + 1]);
            storedist = is(b"storedist");
            i += 1;
        } else if is(b"storedist") && geosearch && searchstore {
            storedist = true;
        } else if is(b"frommember") && i + 1 < remaining && geosearch && !fromloc {
            // Without a source key, parse on and answer once done.
            if let Some(z) = &zobj {
                let Some(xy) = long_lat_from_member(z, &argv[at + 1]) else {
                    return c.add_reply_error(ERR_BAD_MEMBER);
                };
                shape.xy = xy;
            }
            frommember = true;
            i += 1;
        } else if is(b"fromlonlat") && i + 2 < remaining && geosearch && !frommember {
            let Some(xy) = extract_long_lat_or_reply(c, &argv[at + 1..at + 3]) else {
                return;
            };
            shape.xy = xy;
            fromloc = true;
            i += 2;
        } else if is(b"byradius") && i + 2 < remaining && geosearch && !bybox {
            let Some((conv, radius)) = extract_distance_or_reply(c, &argv[at + 1..at + 3]) else {
                return;
            };
            shape.conversion = conv;
            shape.kind = ShapeKind::Circle { radius };
            byradius = true;
            i += 2;
        } else if is(b"bybox") && i + 3 < remaining && geosearch && !byradius {
            let Some((conv, width, height)) = extract_box_or_reply(c, &argv[at + 1..at + 4]) else {
                return;
            };
            shape.conversion = conv;
            shape.kind = ShapeKind::Box { width, height };
            bybox = true;
            i += 3;
        } else {
            return c.add_reply_syntax_err();
        }
        i += 1;
    }

    if storekey.is_some() && (withdist || withhash || withcoords) {
        return c.add_reply_error(&format!(
            "{} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            if searchstore {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            }
        ));
    }
    let cmdname = String::from_utf8_lossy(&argv[0]);
    if geosearch && !(frommember || fromloc) {
        return c.add_reply_error(&format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {cmdname}"
        ));
    }
    if geosearch && !(byradius || bybox) {
        return c.add_reply_error(&format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {cmdname}"
        ));
    }
    if any && count == 0 {
        return c.add_reply_error("the ANY argument requires COUNT argument");
    }

    let db = c.db;
    let Some(z) = zobj else {
        match storekey {
            Some(dst) => {
                if s.db_delete(db, dst) {
                    s.signal_modified_key(db, dst);
                    s.notify_keyspace_event(NOTIFY_GENERIC, "del", dst, db);
                    s.dirty += 1;
                }
                c.add_reply_long(0);
            }
            None => c.add_reply_array_len(0),
        }
        return;
    };

    // COUNT picks the nearest ones, so it implies ASC (but not with ANY).
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }

    let georadius = geohash_helper::calculate_areas_by_shape_wgs84(&mut shape);
    let mut ga: Vec<GeoPoint> = Vec::new();
    let limit = if any { count as usize } else { 0 };
    members_of_all_neighbors(&z, &georadius, &shape, &mut ga, limit);
    drop(z);

    if ga.is_empty() && storekey.is_none() {
        return c.add_reply_array_len(0);
    }
    let result_length = ga.len();
    let returned_items = if count == 0 || (result_length as i64) < count {
        result_length
    } else {
        count as usize
    };

    if sort != Sort::None {
        let cmp = if sort == Sort::Asc {
            sort_gp_asc
        } else {
            sort_gp_desc
        };
        if returned_items == result_length {
            oxidis_ds::pqsort::merge_sort(&mut ga, cmp);
        } else {
            oxidis_ds::pqsort::pqsort(&mut ga, 0, returned_items - 1, cmp);
        }
    }
    ga.truncate(returned_items);

    let Some(dst) = storekey else {
        let option_length = withdist as usize + withcoords as usize + withhash as usize;
        c.add_reply_array_len(returned_items);
        for gp in &ga {
            let dist = gp.dist / shape.conversion;
            if option_length > 0 {
                c.add_reply_array_len(option_length + 1);
            }
            c.add_reply_bulk(&gp.member);
            if withdist {
                add_reply_double_distance(c, dist);
            }
            if withhash {
                c.add_reply_long(c_double_to_i64(gp.score));
            }
            if withcoords {
                c.add_reply_array_len(2);
                add_reply_human_long_double(c, gp.longitude);
                add_reply_human_long_double(c, gp.latitude);
            }
        }
        return;
    };

    // Store the matches as a sorted set, scored by hash or by distance.
    if returned_items > 0 {
        let l = t_zset::limits(s);
        let maxelelen = ga.iter().map(|gp| gp.member.len()).max().unwrap_or(0);
        let mut zs = ZSet::with_hint(returned_items, maxelelen, l);
        for gp in &ga {
            let score = if storedist {
                gp.dist / shape.conversion
            } else {
                gp.score
            };
            zs.add(score, &gp.member, AddFlags::default(), l);
        }
        let o = t_zset::new_obj(s, zs);
        s.set_key(db, dst, o, false);
        s.signal_modified_key(db, dst);
        let event = if geosearch {
            "geosearchstore"
        } else {
            "georadiusstore"
        };
        s.notify_keyspace_event(NOTIFY_ZSET, event, dst, db);
        s.dirty += returned_items as i64;
    } else if s.db_delete(db, dst) {
        s.signal_modified_key(db, dst);
        s.notify_keyspace_event(NOTIFY_GENERIC, "del", dst, db);
        s.dirty += 1;
    }
    c.add_reply_long(returned_items as i64);
}

fn georadius_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    georadius_generic(s, c, argv, 1, SearchType::Coords, false, false)
}

fn georadiusbymember_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    georadius_generic(s, c, argv, 1, SearchType::Member, false, false)
}

fn georadius_ro_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    georadius_generic(s, c, argv, 1, SearchType::Coords, true, false)
}

fn georadiusbymember_ro_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    georadius_generic(s, c, argv, 1, SearchType::Member, true, false)
}

fn geosearch_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    georadius_generic(s, c, argv, 1, SearchType::Search, false, false)
}

fn geosearchstore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    georadius_generic(s, c, argv, 2, SearchType::Search, false, true)
}

/// The standard 11-character geohash of a score. Redis's scores use the
/// latitude range ±85.05, the standard one ±90, so the point is decoded and
/// encoded again; the 11th character stands for bits Redis does not have
/// and is always '0'. Redis: the body of geohashCommand.
pub fn standard_geohash(score: f64) -> Option<[u8; 11]> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let [lon, lat] = decode_geohash(score)?;
    let lon_range = GeoHashRange {
        min: -180.0,
        max: 180.0,
    };
    let lat_range = GeoHashRange {
        min: -90.0,
        max: 90.0,
    };
    let hash = geohash::encode(&lon_range, &lat_range, lon, lat, 26)
        .unwrap_or(GeoHashBits { bits: 0, step: 26 });
    let mut buf = [b'0'; 11];
    for (i, b) in buf.iter_mut().enumerate().take(10) {
        let idx = (hash.bits >> (52 - (i + 1) * 5)) & 0x1f;
        *b = ALPHABET[idx as usize];
    }
    Some(buf)
}

/// GEOHASH key [member ...]. Redis: geohashCommand.
fn geohash_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Ok(zobj) = lookup_zset(s, c, &argv[1]) else {
        return;
    };
    c.add_reply_array_len(argv.len() - 2);
    for m in &argv[2..] {
        match zobj
            .as_ref()
            .and_then(|z| z.score(m))
            .and_then(standard_geohash)
        {
            Some(buf) => c.add_reply_bulk(&buf),
            None => c.add_reply_null(),
        }
    }
}

/// GEOPOS key [member ...]. Redis: geoposCommand.
fn geopos_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Ok(zobj) = lookup_zset(s, c, &argv[1]) else {
        return;
    };
    c.add_reply_array_len(argv.len() - 2);
    for m in &argv[2..] {
        match zobj
            .as_ref()
            .and_then(|z| z.score(m))
            .and_then(decode_geohash)
        {
            Some([lon, lat]) => {
                c.add_reply_array_len(2);
                add_reply_human_long_double(c, lon);
                add_reply_human_long_double(c, lat);
            }
            None => c.add_reply_null_array(),
        }
    }
}

/// GEODIST key member1 member2 [unit]. Redis: geodistCommand.
fn geodist_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut to_meter = 1.0;
    if argv.len() == 5 {
        let Some(u) = extract_unit_or_reply(c, &argv[4]) else {
            return;
        };
        to_meter = u;
    } else if argv.len() > 5 {
        return c.add_reply_syntax_err();
    }
    let z = match lookup_zset(s, c, &argv[1]) {
        Err(()) => return,
        Ok(None) => return c.add_reply_null(),
        Ok(Some(z)) => z,
    };
    let (Some(score1), Some(score2)) = (z.score(&argv[2]), z.score(&argv[3])) else {
        return c.add_reply_null();
    };
    match (decode_geohash(score1), decode_geohash(score2)) {
        (Some(a), Some(b)) => add_reply_double_distance(
            c,
            geohash_helper::distance(a[0], a[1], b[0], b[1]) / to_meter,
        ),
        _ => c.add_reply_null(),
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("geoadd", geoadd_command),
    ("geopos", geopos_command),
    ("geodist", geodist_command),
    ("geohash", geohash_command),
    ("georadius", georadius_command),
    ("georadius_ro", georadius_ro_command),
    ("georadiusbymember", georadiusbymember_command),
    ("georadiusbymember_ro", georadiusbymember_ro_command),
    ("geosearch", geosearch_command),
    ("geosearchstore", geosearchstore_command),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        assert_eq!(fixedpoint4(0.0), "0.0000");
        assert_eq!(fixedpoint4(0.0001), "0.0001");
        assert_eq!(fixedpoint4(6.06429515983917e-5), "0.0001");
        assert_eq!(fixedpoint4(166274.15156960033), "166274.1516");
        assert_eq!(fixedpoint4(-0.00006), "-0.0001");
        assert_eq!(fixedpoint4(0.00001), "0.0000");
        assert_eq!(fixedpoint4(f64::NAN), "-922337203685477.5808");
        assert_eq!(
            human_long_double(13.361389338970184),
            "13.36138933897018433"
        );
        assert_eq!(human_long_double(2.0), "2");
        assert_eq!(human_long_double(-0.0), "0");
        assert_eq!(human_long_double(0.5), "0.5");
    }

    #[test]
    fn scores_and_geohash_strings() {
        // Redis: GEOADD Sicily 13.361389 38.115556 "Palermo".
        assert_eq!(encode_score(13.361389, 38.115556), Some(3479099956230698));
        assert_eq!(
            &standard_geohash(3479099956230698.0).unwrap(),
            b"sqc8b49rny0"
        );
        assert_eq!(
            &standard_geohash(encode_score(15.087269, 37.502669).unwrap() as f64).unwrap(),
            b"sqdtr74hyu0"
        );
        let [lon, lat] = decode_geohash(3479099956230698.0).unwrap();
        assert_eq!(human_long_double(lon), "13.36138933897018433");
        assert_eq!(human_long_double(lat), "38.11555639549629859");
        // GEODIST Sicily Palermo Catania, as Redis replies.
        let [lon2, lat2] =
            decode_geohash(encode_score(15.087269, 37.502669).unwrap() as f64).unwrap();
        assert_eq!(
            fixedpoint4(geohash_helper::distance(lon, lat, lon2, lat2)),
            "166274.1516"
        );
        assert_eq!(
            fixedpoint4(geohash_helper::distance(lon, lat, lon2, lat2) / 1000.0),
            "166.2742"
        );
    }

    #[test]
    fn c_casts() {
        assert_eq!(c_double_to_u64(-1.0), u64::MAX);
        assert_eq!(c_double_to_u64(f64::NAN), 1 << 63);
        assert_eq!(c_double_to_u64(f64::INFINITY), 0);
        assert_eq!(c_double_to_u64(1e19), 10000000000000000000);
        assert_eq!(c_double_to_i64(1e30), i64::MIN);
    }
}
