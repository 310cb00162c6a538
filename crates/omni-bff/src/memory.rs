//! How the process asks the C allocator for memory.
//!
//! glibc serves a large allocation with its own mapping, but after the first such
//! mapping is freed it raises that threshold (up to 32 MB) and serves the next ones from
//! its heap, which it rarely gives back. A create with ten 10 MB base64 images then kept
//! the parsed strings' memory while the serialised copy was made: the peak grew with
//! every big request's leftovers. A fixed threshold keeps every allocation over 1 MB a
//! mapping of its own, returned to the system the moment it is freed.

/// Allocations at least this large get their own mapping.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const OWN_MAPPING: libc::c_int = 1 << 20;

/// Sets the allocator's policy; call before other threads start.
// The crate's one unsafe block: a C call with plain integers, no pointers.
#[allow(unsafe_code)]
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc's allocation policy; it is called once, at
    // start-up, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING);
    }
}
