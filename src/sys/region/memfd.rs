//! The Linux calls behind a [`SharedRegion`](super::SharedRegion): `memfd_create`, size
//! seals, `mmap(MAP_SHARED)`, and keeping one fd open across a child's `exec`.
//!
//! Why seals: a region's size is fixed when it is created and sealed (`F_SEAL_SHRINK`,
//! `F_SEAL_GROW`, `F_SEAL_SEAL`). Without the seal, a peer could `ftruncate` the memfd below
//! our mapping and our next access would be a `SIGBUS`, a crash a peer could cause at will.

use super::os_error;
use crate::Error;
use core::ptr::NonNull;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

const SEALS: libc::c_int = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;

fn last(op: &'static str) -> Error {
    os_error(op, &io::Error::last_os_error())
}

/// A memfd of `len` zero bytes, close-on-exec, its size sealed.
pub(super) fn create_sealed(len: usize) -> Result<OwnedFd, Error> {
    let size = libc::off_t::try_from(len)
        .map_err(|_| Error::InvalidArgument("region size does not fit in off_t"))?;
    // SAFETY: the name is a NUL-terminated C string literal; the flags are valid.
    let raw = unsafe {
        libc::memfd_create(
            c"concurrency-region".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    if raw < 0 {
        return Err(last("memfd_create"));
    }
    // SAFETY: `raw` is a fresh fd that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: plain syscalls on an fd we own; no memory is passed.
    if unsafe { libc::ftruncate(fd.as_raw_fd(), size) } < 0 {
        return Err(last("ftruncate"));
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, SEALS) } < 0 {
        return Err(last("fcntl(F_ADD_SEALS)"));
    }
    Ok(fd)
}

/// Fails unless `fd` is open (before anyone takes ownership of the number).
pub(super) fn check_open(fd: RawFd) -> Result<(), Error> {
    // SAFETY: F_GETFD only reads the descriptor table entry; a closed number gives EBADF.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return Err(last("fcntl(F_GETFD)"));
    }
    Ok(())
}

/// Fails unless `fd` is a memfd whose size is sealed at exactly `len` bytes.
pub(super) fn check_sealed(fd: &OwnedFd, len: usize) -> Result<(), Error> {
    // SAFETY: F_GET_SEALS only reads; on anything but a memfd it fails with EINVAL.
    let seals = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
    if seals < 0
        || seals & (libc::F_SEAL_SHRINK | libc::F_SEAL_GROW)
            != libc::F_SEAL_SHRINK | libc::F_SEAL_GROW
    {
        return Err(Error::InvalidArgument(
            "the inherited fd is not a size-sealed shared region",
        ));
    }
    // SAFETY: `stat` is a plain C struct for which all-zero bytes are valid; fstat fills it.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is a valid, writable stat buffer for the duration of the call.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(last("fstat"));
    }
    if u64::try_from(st.st_size).ok() != u64::try_from(len).ok() {
        return Err(Error::InvalidArgument(
            "the inherited region's size differs from its handle's",
        ));
    }
    Ok(())
}

/// Sets `FD_CLOEXEC` on `fd`.
pub(super) fn set_cloexec(fd: &OwnedFd) -> Result<(), Error> {
    // SAFETY: plain fcntl on an fd we own.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
        return Err(last("fcntl(F_SETFD)"));
    }
    Ok(())
}

/// Maps `len` bytes of `fd`, shared, readable and writable.
pub(super) fn map(fd: &OwnedFd, len: usize) -> Result<NonNull<u8>, Error> {
    // SAFETY: a fresh mapping at an address of the kernel's choice (no fixed address, so no
    // existing mapping is replaced); `fd` is open and sealed at >= `len` bytes.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(last("mmap"));
    }
    NonNull::new(p.cast::<u8>()).ok_or(Error::Os {
        op: "mmap",
        errno: libc::EFAULT,
    })
}

/// Unmaps what [`map`] mapped.
pub(super) fn unmap(base: NonNull<u8>, len: usize) {
    // SAFETY: `base`/`len` are exactly a mapping made by `map`, and its owner (the region) is
    // being dropped, so no view into it remains (views borrow the region).
    unsafe { libc::munmap(base.as_ptr().cast(), len) };
}

/// Clears `FD_CLOEXEC` on `fd` in `command`'s child, after `fork` and before `exec`.
pub(crate) fn keep_open_across_exec(command: &mut std::process::Command, fd: RawFd) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // calls are allowed: it makes one `fcntl` call on a number and allocates nothing. Clearing
    // the flag there affects the child's descriptor table only.
    unsafe {
        command.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
