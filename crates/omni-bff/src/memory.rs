//! How the process gets its memory: small blocks from mimalloc, large ones from glibc.
//!
//! Small blocks are the per-request churn: a task read allocates some 35 of them on one
//! worker thread and frees many on another, and glibc's malloc spent a fifth of the
//! read's instructions there (its thread caches miss on frees from other threads).
//! mimalloc serves them in a fraction of that. It is built without transparent huge
//! pages (`no_thp`): where the kernel grants them on request, its arenas took whole 2 MB
//! pages, and an idle BFF held 35 MB instead of 16.
//!
//! Large blocks (connection buffers, request bodies, base64 images) stay with glibc,
//! which gives them back: mimalloc kept them (ten thousand event streams held 230 MB
//! instead of 164, a 130 MB create peaked at 2.9x its body instead of 2.1x). glibc
//! serves a large allocation with its own mapping, but after the first such mapping is
//! freed it raises that threshold (up to 32 MB) and serves the next ones from its heap,
//! which it rarely gives back; a fixed threshold keeps every allocation over 1 MB a
//! mapping of its own, returned to the system the moment it is freed.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks smaller than this come from mimalloc.
const SMALL: usize = 4096;

/// Allocations at least this large get their own mapping.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const OWN_MAPPING: libc::c_int = 1 << 20;

/// Sets glibc's policy for the large blocks; call before other threads start.
// A C call with plain integers, no pointers.
#[allow(unsafe_code)]
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc's allocation policy; it is called once, at
    // start-up, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING);
    }
}

/// The process's allocator (`#[global_allocator]` in main.rs): by size, as above. A
/// block is freed by the allocator its layout's size names, which is the one that
/// made it: Rust passes the same layout to `dealloc` (and `realloc`) as it allocated
/// with.
pub struct Allocator;

fn small(size: usize) -> bool {
    size < SMALL
}

// The allocator forwards to two others; each call keeps their contracts.
#[allow(unsafe_code)]
// SAFETY: every block comes from, and goes back to, the allocator its size names, with
// the caller's layout unchanged; a block whose size crosses `SMALL` in `realloc` is
// moved (allocated in the other, copied, freed), as `realloc`'s contract allows.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if small(layout.size()) {
            mimalloc::MiMalloc.alloc(layout)
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if small(layout.size()) {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        } else {
            System.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if small(layout.size()) {
            mimalloc::MiMalloc.dealloc(ptr, layout)
        } else {
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (small(layout.size()), small(new_size)) {
            (true, true) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
            (false, false) => System.realloc(ptr, layout, new_size),
            _ => {
                // SAFETY: `realloc`'s caller guarantees the new size, with the old
                // alignment, is a valid layout.
                let new = Layout::from_size_align_unchecked(new_size, layout.align());
                let moved = self.alloc(new);
                if !moved.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks grow and shrink across the line between the two allocators with their
    /// bytes intact (the test binary runs on the system allocator; this drives ours
    /// directly).
    #[test]
    #[allow(unsafe_code)]
    fn blocks_keep_their_bytes_across_the_two_allocators() {
        let a = Allocator;
        for align in [1, 8, 64] {
            let layout = Layout::from_size_align(100, align).unwrap();
            // SAFETY: non-zero sizes, each block freed once with the layout it has.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null() && (p as usize).is_multiple_of(align));
                for i in 0..100 {
                    *p.add(i) = i as u8;
                }
                let big = a.realloc(p, layout, 3 * SMALL);
                assert!(!big.is_null() && (big as usize).is_multiple_of(align));
                assert!((0..100).all(|i| *big.add(i) == i as u8));
                *big.add(3 * SMALL - 1) = 7;
                let big_layout = Layout::from_size_align(3 * SMALL, align).unwrap();
                let bigger = a.realloc(big, big_layout, 2 << 20);
                assert!((0..100).all(|i| *bigger.add(i) == i as u8));
                assert_eq!(*bigger.add(3 * SMALL - 1), 7);
                let bigger_layout = Layout::from_size_align(2 << 20, align).unwrap();
                let back = a.realloc(bigger, bigger_layout, 50);
                assert!((0..50).all(|i| *back.add(i) == i as u8));
                a.dealloc(back, Layout::from_size_align(50, align).unwrap());
                let z = a.alloc_zeroed(big_layout);
                assert!((0..3 * SMALL).all(|i| *z.add(i) == 0));
                a.dealloc(z, big_layout);
            }
        }
    }
}
