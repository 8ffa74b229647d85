//! `ThinBytes`: an owned byte string behind one thin pointer. Redis
//! counterpart: sds.c's header-plus-bytes allocation. Part of oxidis-sys because
//! building it needs raw allocation; each unsafe block has a `// SAFETY:` note.

use std::alloc::Layout;

/// An owned, immutable byte string behind one thin pointer: 8 bytes where a
/// `Box<[u8]>` takes 16. The allocation is a `u32` length followed by the
/// bytes. Redis counterpart: an sds with its header (sds.c), which is also
/// one allocation holding the length and the bytes.
///
/// It exists so that the keyspace entry (`oxidis_ds::sds::Sds` in `oxidis_ds::dict`)
/// fits a 64-byte malloc chunk with a long key: a fat pointer there would push
/// every entry into the next size class.
pub struct ThinBytes(std::ptr::NonNull<u8>);

// SAFETY: ThinBytes uniquely owns its allocation, exactly like Box<[u8]>, and
// offers only shared access to immutable bytes; moving it between threads or
// sharing `&ThinBytes` is as safe as for Box<[u8]>.
unsafe impl Send for ThinBytes {}
// SAFETY: see Send; `&ThinBytes` gives out only `&[u8]`.
unsafe impl Sync for ThinBytes {}

impl ThinBytes {
    const HDR: usize = std::mem::size_of::<u32>();

    fn layout(len: usize) -> Layout {
        Layout::from_size_align(Self::HDR + len, std::mem::align_of::<u32>())
            .expect("ThinBytes: length overflows a layout")
    }

    /// Copies `bytes` into a new allocation. Panics past 4 GiB (keys and values
    /// are capped at 512 MB by proto-max-bulk-len's maximum well before that).
    pub fn new(bytes: &[u8]) -> ThinBytes {
        let len = u32::try_from(bytes.len()).expect("ThinBytes: longer than 4 GiB");
        let layout = Self::layout(bytes.len());
        // SAFETY: the layout has a non-zero size (at least the 4-byte header).
        let p = unsafe { std::alloc::alloc(layout) };
        let Some(p) = std::ptr::NonNull::new(p) else {
            std::alloc::handle_alloc_error(layout)
        };
        // SAFETY: p points to HDR + len writable bytes, aligned for u32; the
        // header and the byte copy stay inside them and the source does not
        // overlap a fresh allocation.
        unsafe {
            p.as_ptr().cast::<u32>().write(len);
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.as_ptr().add(Self::HDR), bytes.len());
        }
        ThinBytes(p)
    }

    #[inline]
    pub fn len(&self) -> usize {
        // SAFETY: the header was written by `new` and the allocation lives as
        // long as self.
        unsafe { self.0.as_ptr().cast::<u32>().read() as usize }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `new` initialised len() bytes right after the header; they
        // are never mutated and live as long as the borrow of self.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().add(Self::HDR), self.len()) }
    }
}

impl Drop for ThinBytes {
    fn drop(&mut self) {
        let layout = Self::layout(self.len());
        // SAFETY: the pointer came from `alloc` with exactly this layout (the
        // length in the header is the one it was built with) and is freed once.
        unsafe { std::alloc::dealloc(self.0.as_ptr(), layout) }
    }
}

impl Clone for ThinBytes {
    fn clone(&self) -> ThinBytes {
        ThinBytes::new(self.as_bytes())
    }
}

impl std::fmt::Debug for ThinBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::ThinBytes;

    #[test]
    fn round_trips_and_clones() {
        for n in [0usize, 1, 3, 4, 15, 16, 17, 1000] {
            let v: Vec<u8> = (0..n).map(|i| (i * 31 % 256) as u8).collect();
            let t = ThinBytes::new(&v);
            assert_eq!(t.len(), n);
            assert_eq!(t.as_bytes(), &v[..]);
            let c = t.clone();
            drop(t);
            assert_eq!(c.as_bytes(), &v[..]);
        }
        assert_eq!(std::mem::size_of::<ThinBytes>(), 8);
        assert_eq!(std::mem::size_of::<Option<ThinBytes>>(), 8);
    }
}
