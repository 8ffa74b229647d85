//! Compact byte strings for the keyspace. Redis counterpart: sds.c (the key
//! strings, whose header size class follows the length: sdshdr5/8/16/...) and
//! the embstr half of object.c (createEmbeddedStringObject: the robj and its
//! short string in one allocation).
//!
//! Both types exist for memory per key, one of the project's measured goals.
//! A keyspace entry of the dict (`crate::dict`) is one allocation holding the
//! chain link, the key and the value; with these two types a key of up to 14 bytes
//! and a string value of up to 22 bytes live inside that entry, so the common
//! small SET costs one 64-byte malloc chunk instead of three allocations:
//!
//! ```text
//!  Entry (56 bytes, one glibc 64-byte chunk)
//!  ┌────────┬──────────────────────────┬─────┬─────────────────────────────────┐
//!  │ next   │ key: Sds (16)            │ lru │ val: Value (24)                 │
//!  │ 8      │ tag len "key:00001234"   │ 4   │ tag len "xxxxxxxxxxxxxxxx"      │
//!  └────────┴──────────────────────────┴─────┴─────────────────────────────────┘
//! ```
//!
//! - [`Sds`]: a key. Up to [`SDS_INLINE`] bytes inline, longer ones behind a
//!   thin pointer (`oxidis_sys::ThinBytes`, 8 bytes) so the type stays 16 bytes.
//! - [`EmbStr`]: the bytes of an `embstr` string value (at most 44 bytes, as in
//!   Redis). Up to [`EMBSTR_INLINE`] bytes inline, longer ones in a `Box<[u8]>`;
//!   24 bytes either way, so a value enum holding one stays 24 bytes.
//!   Sorted sets store their members as `EmbStr` too (`skiplist::Member`).
//!
//! Divergence: Redis shares one sds between the keyspace dict and the expires
//! dict; here each holds its own `Sds`, which for short keys is inline anyway.

use oxidis_sys::ThinBytes;

/// Longest key stored inside the `Sds` itself.
pub const SDS_INLINE: usize = 14;

/// Longest string value stored inside the `EmbStr` itself.
pub const EMBSTR_INLINE: usize = 22;

/// A key of the keyspace: immutable bytes, inline when short.
#[derive(Clone)]
pub struct Sds(SdsRepr);

#[derive(Clone)]
enum SdsRepr {
    Inline { len: u8, buf: [u8; SDS_INLINE] },
    Heap(ThinBytes),
}

impl Sds {
    pub fn new(bytes: &[u8]) -> Sds {
        if bytes.len() <= SDS_INLINE {
            let mut buf = [0u8; SDS_INLINE];
            buf[..bytes.len()].copy_from_slice(bytes);
            Sds(SdsRepr::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            Sds(SdsRepr::Heap(ThinBytes::new(bytes)))
        }
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            SdsRepr::Inline { len, buf } => &buf[..*len as usize],
            SdsRepr::Heap(t) => t.as_bytes(),
        }
    }

    /// Bytes allocated outside the value itself (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            SdsRepr::Inline { .. } => 0,
            SdsRepr::Heap(t) => 4 + t.len(),
        }
    }
}

/// The bytes of an `embstr` value: inline up to [`EMBSTR_INLINE`] bytes.
#[derive(Clone)]
pub struct EmbStr(EmbRepr);

#[derive(Clone)]
enum EmbRepr {
    Inline { len: u8, buf: [u8; EMBSTR_INLINE] },
    Boxed(Box<[u8]>),
}

impl EmbStr {
    pub fn new(bytes: &[u8]) -> EmbStr {
        if bytes.len() <= EMBSTR_INLINE {
            let mut buf = [0u8; EMBSTR_INLINE];
            buf[..bytes.len()].copy_from_slice(bytes);
            EmbStr(EmbRepr::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            EmbStr(EmbRepr::Boxed(bytes.into()))
        }
    }

    /// Takes ownership of `bytes`, keeping its buffer when it cannot go inline.
    pub fn from_vec(bytes: Vec<u8>) -> EmbStr {
        if bytes.len() <= EMBSTR_INLINE {
            EmbStr::new(&bytes)
        } else {
            EmbStr(EmbRepr::Boxed(bytes.into_boxed_slice()))
        }
    }

    /// The bytes as a `Vec`, reusing the buffer when there is one.
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            EmbRepr::Inline { len, buf } => buf[..len as usize].to_vec(),
            EmbRepr::Boxed(b) => b.into_vec(),
        }
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            EmbRepr::Inline { len, buf } => &buf[..*len as usize],
            EmbRepr::Boxed(b) => b,
        }
    }

    /// Bytes allocated outside the value itself (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            EmbRepr::Inline { .. } => 0,
            EmbRepr::Boxed(b) => b.len(),
        }
    }
}

macro_rules! bytes_like {
    ($t:ty) => {
        impl std::ops::Deref for $t {
            type Target = [u8];
            #[inline]
            fn deref(&self) -> &[u8] {
                self.as_bytes()
            }
        }
        impl AsRef<[u8]> for $t {
            #[inline]
            fn as_ref(&self) -> &[u8] {
                self.as_bytes()
            }
        }
        impl std::borrow::Borrow<[u8]> for $t {
            fn borrow(&self) -> &[u8] {
                self.as_bytes()
            }
        }
        impl PartialEq for $t {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }
        impl Eq for $t {}
        impl std::hash::Hash for $t {
            fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
                self.as_bytes().hash(h)
            }
        }
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.as_bytes().cmp(other.as_bytes())
            }
        }
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
            }
        }
        impl From<&[u8]> for $t {
            fn from(b: &[u8]) -> Self {
                <$t>::new(b)
            }
        }
        impl<const N: usize> From<&[u8; N]> for $t {
            fn from(b: &[u8; N]) -> Self {
                <$t>::new(b)
            }
        }
        impl From<&Vec<u8>> for $t {
            fn from(b: &Vec<u8>) -> Self {
                <$t>::new(b)
            }
        }
    };
}

bytes_like!(Sds);
bytes_like!(EmbStr);

impl From<Vec<u8>> for Sds {
    fn from(b: Vec<u8>) -> Sds {
        Sds::new(&b)
    }
}

impl From<Vec<u8>> for EmbStr {
    fn from(b: Vec<u8>) -> EmbStr {
        EmbStr::from_vec(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_keep_the_entry_in_one_chunk() {
        assert_eq!(std::mem::size_of::<Sds>(), 16);
        assert_eq!(std::mem::size_of::<EmbStr>(), 24);
    }

    #[test]
    fn round_trips_at_every_length_boundary() {
        for n in 0..=60usize {
            let v: Vec<u8> = (0..n).map(|i| (i * 7 + 1) as u8).collect();
            let k = Sds::new(&v);
            assert_eq!(k.as_bytes(), &v[..]);
            assert_eq!(k.clone(), k);
            assert_eq!(k.heap_size() == 0, n <= SDS_INLINE);
            let e = EmbStr::new(&v);
            assert_eq!(&*e, &v[..]);
            assert_eq!(EmbStr::from_vec(v.clone()), e);
            assert_eq!(e.heap_size() == 0, n <= EMBSTR_INLINE);
        }
        assert!(Sds::new(b"a") < Sds::new(b"abcdefghijklmnopqrstu"));
    }
}
