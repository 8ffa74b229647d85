//! Prefetching the keys of a pipelined batch. No Redis 7.0 counterpart: Redis
//! 8 added the same idea (memory_prefetch.c) for commands parsed by its I/O
//! threads.
//!
//! When a read brings several complete commands, their first arguments (the
//! key of nearly every data command) are hashed up front and the keyspace dict
//! is asked to start loading their buckets and entries
//! ([`crate::dict::Dict::prefetch`]). The commands then run as usual, one by
//! one, on cache lines that are already arriving. This is only a hint: a
//! command whose first argument is not a key, or that switches database, just
//! wastes a prefetch. The scan reads the multibulk headers without validating
//! more than it needs and stops at anything unusual (an inline command, an
//! incomplete command, a huge argument); the real parser sees every byte.

use crate::dict::{gen_hash, Dict};

/// Commands per batch worth prefetching for (more would evict each other's
/// lines before they are used).
const MAX_BATCH: usize = 32;

/// Fewer bytes than this cannot hold two commands with a key.
const MIN_BYTES: usize = 40;

/// Reads a decimal length terminated by CRLF at `buf[*pos..]`, after the type
/// byte `kind`. None when incomplete or not a plain small number.
fn header(buf: &[u8], pos: &mut usize, kind: u8) -> Option<usize> {
    if *buf.get(*pos)? != kind {
        return None;
    }
    let mut i = *pos + 1;
    let mut n = 0usize;
    while i < buf.len() && buf[i].is_ascii_digit() {
        n = n * 10 + (buf[i] - b'0') as usize;
        i += 1;
        if i - *pos > 10 {
            return None;
        }
    }
    if buf.get(i..i + 2)? != b"\r\n" {
        return None;
    }
    *pos = i + 2;
    Some(n)
}

/// Hashes of the first argument of each complete multibulk command at the
/// start of `buf`, at most `MAX_BATCH` of them, into `out`.
fn batch_key_hashes(buf: &[u8], out: &mut Vec<u64>) {
    let mut pos = 0;
    while out.len() < MAX_BATCH && pos < buf.len() {
        let Some(argc) = header(buf, &mut pos, b'*') else {
            return;
        };
        let mut key = None;
        for i in 0..argc {
            let Some(len) = header(buf, &mut pos, b'$') else {
                return;
            };
            let Some(end) = pos.checked_add(len) else {
                return;
            };
            if end + 2 > buf.len() {
                return;
            }
            if i == 1 {
                key = Some(&buf[pos..end]);
            }
            pos = end + 2;
        }
        if let Some(k) = key {
            out.push(gen_hash(k));
        }
    }
}

/// Prefetches the keyspace entries of the commands waiting in `buf` when
/// there are at least two of them.
pub fn prefetch_batch<V>(dict: &Dict<crate::db::Key, V>, buf: &[u8], scratch: &mut Vec<u64>) {
    if buf.len() < MIN_BYTES || dict.is_empty() {
        return;
    }
    scratch.clear();
    batch_key_hashes(buf, scratch);
    if scratch.len() > 1 {
        dict.prefetch(scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_argument_of_complete_commands() {
        let buf = b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$1\r\nx\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$3\r\nbar\r\n*2\r\n$3\r\nGET\r\n$3\r\nba";
        let mut out = Vec::new();
        batch_key_hashes(buf, &mut out);
        assert_eq!(out, vec![gen_hash(b"foo"), gen_hash(b"bar")]);
        out.clear();
        batch_key_hashes(b"GET foo\r\n", &mut out);
        assert!(out.is_empty());
        batch_key_hashes(b"*2\r\n$99999999999\r\n", &mut out);
        assert!(out.is_empty());
    }
}
