//! The Linux calls a process needs, each wrapped once with its `unsafe` proof: the socket pair
//! between parent and child, pidfds (wait, signal, readiness), `poll`, and passing file
//! descriptors over the socket (`SCM_RIGHTS`). Everything returns `io::Result`; callers turn
//! that into [`crate::Error`].

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A connected pair of Unix stream sockets, both close-on-exec.
pub(crate) fn socketpair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for the kernel to fill.
    cvt(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    // SAFETY: socketpair succeeded, so both are fresh descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A pidfd for `pid`: readable once the process has ended; used to wait, reap and signal
/// without the pid-reuse race. `pid` must be an unreaped child (so the pid cannot be reused).
pub(crate) fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the syscall returned a new descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Sends `sig` to the process behind `pidfd`.
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: plain syscall; a null siginfo means "as kill() would send it".
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Reaps the child behind `pidfd` if it has ended: `Some(exitcode)` in CPython's convention
/// (the exit status, or `-N` for death by signal N), `None` while it runs.
pub(crate) fn try_reap(pidfd: BorrowedFd<'_>) -> io::Result<Option<i32>> {
    const P_PIDFD: libc::idtype_t = 3;
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value of this plain C struct.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is valid for writes; the other arguments are integers.
        let r = unsafe {
            libc::waitid(
                P_PIDFD,
                pidfd.as_raw_fd() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG,
            )
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // SAFETY: waitid filled `info` for a SIGCHLD, whose pid and status fields are valid
        // (a zero pid means "nothing to reap yet", with WNOHANG).
        let (pid, status) = unsafe { (info.si_pid(), info.si_status()) };
        if pid == 0 {
            return Ok(None);
        }
        return Ok(Some(match info.si_code {
            libc::CLD_EXITED => status,
            _ => -status,
        }));
    }
}

/// Waits until one of `fds` reports one of its events, or `timeout` passes (`None`:
/// forever). Retries on EINTR with the time left (a signal handled meanwhile is not an
/// error, MP-20). Returns the `revents` of each.
pub(crate) fn poll(
    fds: &[(BorrowedFd<'_>, i16)],
    timeout: Option<Duration>,
) -> io::Result<Vec<i16>> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|(fd, events)| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: *events,
            revents: 0,
        })
        .collect();
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    loop {
        let ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_duration_since(std::time::Instant::now());
                // Round up, so a wait never ends early.
                left.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int
            }
        };
        // SAFETY: `pfds` is a valid array of `pfds.len()` pollfd structs.
        let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok(pfds.iter().map(|p| p.revents).collect());
    }
}

/// The most descriptors one message carries: the kernel's `SCM_MAX_FD`. A bootstrap passes
/// the parent's stdout and the descriptors of the pipes and queues in the arguments
/// (`crate::ipc::passing`), all with its first bytes.
pub(crate) const MAX_FDS: usize = 253;

/// Sends all of `bytes`, and the descriptors `pass` (if any) as one `SCM_RIGHTS` message with
/// the first bytes. `MSG_NOSIGNAL`: a peer that is gone is an `EPIPE` error, not a SIGPIPE.
/// More than [`MAX_FDS`] descriptors is `InvalidInput` and sends nothing.
pub(crate) fn send_all(sock: BorrowedFd<'_>, mut bytes: &[u8], pass: &[RawFd]) -> io::Result<()> {
    if pass.len() > MAX_FDS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "too many descriptors for one message",
        ));
    }
    let mut pass = (!pass.is_empty()).then_some(pass);
    while !bytes.is_empty() {
        let n = match pass.take() {
            Some(fds) => send_with_fds(sock, bytes, fds)?,
            None => {
                // SAFETY: `bytes` is valid for reads of its length.
                let n = unsafe {
                    libc::send(
                        sock.as_raw_fd(),
                        bytes.as_ptr().cast(),
                        bytes.len(),
                        libc::MSG_NOSIGNAL,
                    )
                };
                if n < 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    return Err(e);
                }
                n as usize
            }
        };
        bytes = &bytes[n..];
    }
    Ok(())
}

/// Bytes of control buffer: `CMSG_SPACE(4 * MAX_FDS)` (1032 on Linux) with room to spare.
const CMSG_BYTES: usize = 1088;

/// Room for a control message of up to [`MAX_FDS`] descriptors, aligned for its header.
#[repr(C)]
union CmsgBuf {
    _align: libc::cmsghdr,
    bytes: [u8; CMSG_BYTES],
}

/// `CMSG_SPACE` for `n` descriptors, checked against the buffer.
fn cmsg_space(n: usize) -> io::Result<usize> {
    let data = u32::try_from(n * std::mem::size_of::<RawFd>())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(data) } as usize;
    if space > CMSG_BYTES {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    Ok(space)
}

fn send_with_fds(sock: BorrowedFd<'_>, bytes: &[u8], fds: &[RawFd]) -> io::Result<usize> {
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    let mut buf = CmsgBuf {
        bytes: [0; CMSG_BYTES],
    };
    let space = cmsg_space(fds.len())?;
    // Why this is sound: an all-zero msghdr is valid; the pointers set below outlive the sendmsg call,
    // `buf` is aligned for cmsghdr and at least `space` bytes long (`cmsg_space` checked), and
    // CMSG_FIRSTHDR of a msghdr whose control length is at least one header returns a pointer
    // into `buf`, whose data part holds `fds.len()` descriptors (CMSG_SPACE counted them).
    // SAFETY: every pointer in `msg` is to a live local buffer of its stated length (proved just above).
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = buf.bytes.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of_val(fds) as u32) as _;
        let data = libc::CMSG_DATA(cmsg).cast::<RawFd>();
        for (i, &fd) in fds.iter().enumerate() {
            std::ptr::write_unaligned(data.add(i), fd);
        }
        loop {
            let n = libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL);
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

/// What one [`recv_with_fds`] got.
pub(crate) struct Received {
    /// Bytes read; 0 is end of file.
    pub n: usize,
    /// The descriptors passed with them (close-on-exec, owned by this process now).
    pub fds: Vec<OwnedFd>,
    /// The kernel had more descriptors than the buffer holds (`MSG_CTRUNC`) and closed them.
    pub truncated: bool,
}

/// Receives up to `buf.len()` bytes (blocking), and the descriptors passed with them, if any
/// (`MSG_CMSG_CLOEXEC`: close-on-exec from the start, so no child started meanwhile by another
/// thread inherits them). At most [`MAX_FDS`] arrive with one call; more are reported as
/// `truncated` (the kernel closed them).
pub(crate) fn recv_with_fds(sock: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Received> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut cbuf = CmsgBuf {
        bytes: [0; CMSG_BYTES],
    };
    // Why this is sound: as in `send_with_fds`: every pointer in `msg` refers to a live local buffer of
    // the stated length. After recvmsg, CMSG_FIRSTHDR/NXTHDR walk only the `msg_controllen`
    // bytes the kernel wrote; an SCM_RIGHTS message of `cmsg_len` bytes carries
    // `(cmsg_len - CMSG_LEN(0)) / 4` new descriptors in its data, each now owned by this
    // process (and close-on-exec, MSG_CMSG_CLOEXEC). The count is capped by the bytes the
    // kernel wrote, so the reads stay inside `cbuf`.
    // SAFETY: reads stay within the `msg_controllen` bytes the kernel wrote (proved just above).
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.bytes.as_mut_ptr().cast();
        msg.msg_controllen = CMSG_BYTES as _;
        let n = loop {
            let n = libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC);
            if n >= 0 {
                break n as usize;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        };
        let written = (msg.msg_controllen as usize).min(CMSG_BYTES);
        let base = cbuf.bytes.as_ptr() as usize;
        let mut fds = Vec::new();
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let len = (*cmsg).cmsg_len as usize;
            let data = libc::CMSG_DATA(cmsg).cast::<RawFd>();
            let data_start = data as usize - base;
            if (*cmsg).cmsg_level == libc::SOL_SOCKET
                && (*cmsg).cmsg_type == libc::SCM_RIGHTS
                && len >= libc::CMSG_LEN(0) as usize
            {
                let count = (len - libc::CMSG_LEN(0) as usize) / std::mem::size_of::<RawFd>();
                let room = written.saturating_sub(data_start) / std::mem::size_of::<RawFd>();
                for i in 0..count.min(room) {
                    fds.push(OwnedFd::from_raw_fd(std::ptr::read_unaligned(data.add(i))));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
        Ok(Received {
            n,
            fds,
            truncated: msg.msg_flags & libc::MSG_CTRUNC != 0,
        })
    }
}

/// Reads what is there without blocking: `Ok(Some(0))` is end of file, `Ok(None)` "nothing
/// now" (EAGAIN).
pub(crate) fn read_nonblocking(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        // SAFETY: `buf` is valid for writes of its length.
        let n = unsafe {
            libc::recv(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n >= 0 {
            return Ok(Some(n as usize));
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => return Ok(None),
            // The peer died with unread data of ours: as good as end of file.
            io::ErrorKind::ConnectionReset => return Ok(Some(0)),
            _ => return Err(e),
        }
    }
}

/// A close-on-exec duplicate of `fd`, numbered 3 or above.
pub(crate) fn dup_cloexec(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: plain fcntl on an integer descriptor; on success the result is ours.
    let new = cvt(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) })?;
    // SAFETY: fcntl returned a fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Makes descriptor `target` a copy of `fd` (closing what `target` was).
pub(crate) fn dup2(fd: BorrowedFd<'_>, target: RawFd) -> io::Result<()> {
    // SAFETY: plain dup2 on integer descriptors; the caller owns what `target` refers to.
    cvt(unsafe { libc::dup2(fd.as_raw_fd(), target) }).map(drop)
}

/// The device and inode of this process's executable (`/proc/self/exe`): the same pair in
/// parent and child proves the child runs the same image.
pub(crate) fn exe_identity() -> io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata("/proc/self/exe")?;
    Ok((m.dev(), m.ino()))
}
