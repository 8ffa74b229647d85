//! The list value in RDB. Redis counterpart: rdb.c's OBJ_LIST parts
//! (rdbSaveObject, rdbLoadObject for the four list types).

use super::{End, NodeView, Quicklist, MIN_COMPRESS_BYTES, MIN_COMPRESS_IMPROVE};
use crate::rdb::encoding::{Reader, Rio};
use crate::rdb::{legacy, LoadLimits, RdbError, RdbResult};
use crate::rdb::{
    RDB_TYPE_LIST, RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_LIST_ZIPLIST,
};

pub const QUICKLIST_NODE_CONTAINER_PLAIN: u64 = 1;
pub const QUICKLIST_NODE_CONTAINER_PACKED: u64 = 2;

/// Redis: rdbSaveObject for OBJ_LIST (RDB_TYPE_LIST_QUICKLIST_2): the node
/// count, then per node its container kind and its listpack (or plain
/// element) as a string, LZF-compressed when `rdbcompression` allows.
///
/// Redis writes a node it holds compressed as the LZF bytes it already has
/// (rdbSaveLzfBlob), whatever `rdbcompression` says. At rest, Redis holds
/// compressed every inner node (more than `list-compress-depth` nodes from
/// both ends) of at least MIN_COMPRESS_BYTES whose LZF form saves more than
/// MIN_COMPRESS_IMPROVE bytes. oxidis keeps lz4 in memory, so it applies
/// that rule here, with the same LZF, and writes the same bytes.
pub fn save(rdb: &mut Rio, ql: &Quicklist, compress: bool) -> std::io::Result<()> {
    let nodes = ql.node_count();
    let depth = ql.compress_depth();
    let inner = |i: usize| depth > 0 && nodes >= depth * 2 && i >= depth && i < nodes - depth;
    rdb.save_len(nodes as u64)?;
    for (i, node) in ql.nodes().enumerate() {
        let view = node.view();
        let (container, raw): (u64, &[u8]) = match &view {
            NodeView::Plain(v) => (QUICKLIST_NODE_CONTAINER_PLAIN, v),
            NodeView::Packed(lp) => (QUICKLIST_NODE_CONTAINER_PACKED, lp.as_bytes()),
        };
        rdb.save_len(container)?;
        if inner(i) && raw.len() >= MIN_COMPRESS_BYTES {
            match crate::lzf::compress(raw, raw.len()) {
                Some(c) if c.len() + MIN_COMPRESS_IMPROVE < raw.len() => {
                    rdb.save_lzf_blob(&c, raw.len())?;
                    continue;
                }
                _ => {}
            }
        }
        rdb.save_raw_string(raw, compress)?;
    }
    Ok(())
}

/// Redis: rdbLoadObject for RDB_TYPE_LIST, LIST_ZIPLIST, LIST_QUICKLIST and
/// LIST_QUICKLIST_2. Untrusted listpacks are validated before use; `None`
/// means the list came out empty (Redis skips such keys).
pub fn load(r: &mut Reader, rdbtype: u8, lim: &LoadLimits) -> RdbResult<Option<Quicklist>> {
    let mut ql = Quicklist::new(lim.list_max_listpack_size, lim.list_compress_depth);
    let push_elems = |ql: &mut Quicklist, elems: Vec<legacy::Elem>| {
        for e in elems {
            ql.push(End::Tail, &e.into_bytes());
        }
    };
    match rdbtype {
        RDB_TYPE_LIST => {
            let n = r.load_len()?;
            for _ in 0..n {
                let v = r.load_string()?;
                ql.push(End::Tail, &v);
            }
        }
        RDB_TYPE_LIST_ZIPLIST => {
            let zl = r.load_string()?;
            push_elems(&mut ql, legacy::ziplist_entries_as(&zl, "List ziplist")?);
        }
        RDB_TYPE_LIST_QUICKLIST | RDB_TYPE_LIST_QUICKLIST_2 => {
            let nodes = r.load_len()?;
            if nodes == 0 {
                return Ok(None); // Redis: an empty key, skipped.
            }
            for _ in 0..nodes {
                let container = if rdbtype == RDB_TYPE_LIST_QUICKLIST_2 {
                    r.load_len()?
                } else {
                    QUICKLIST_NODE_CONTAINER_PACKED
                };
                let data = r.load_string()?;
                if data.is_empty() {
                    return Err(RdbError::corrupt("Quicklist integrity check failed."));
                }
                match container {
                    QUICKLIST_NODE_CONTAINER_PLAIN => ql.append_plain(&data),
                    QUICKLIST_NODE_CONTAINER_PACKED if rdbtype == RDB_TYPE_LIST_QUICKLIST => {
                        push_elems(&mut ql, legacy::ziplist_entries(&data)?);
                    }
                    QUICKLIST_NODE_CONTAINER_PACKED => {
                        if !crate::listpack::validate_integrity(&data, true, None) {
                            return Err(RdbError::corrupt("Listpack integrity check failed."));
                        }
                        let lp = crate::listpack::Listpack::from_bytes_unchecked(data);
                        if lp.is_empty() {
                            continue; // Redis skips empty nodes.
                        }
                        ql.append_listpack(lp);
                    }
                    _ => return Err(RdbError::corrupt("Quicklist integrity check failed.")),
                }
            }
        }
        t => {
            return Err(RdbError::corrupt(format!(
                "Unknown RDB encoding type {}",
                t
            )))
        }
    }
    if ql.is_empty() {
        return Ok(None);
    }
    Ok(Some(ql))
}
