//! Pipes and queues crossing to a child process inside its arguments, as in CPython's
//! `Process(target=f, args=(child_conn, queue))`.
//!
//! Such an object is not its bytes: what makes it work in the child are its descriptors (the
//! shared region's memfd, a pipe end's liveness token). So while the parent encodes a
//! process's arguments ([`encode`] with `pass` on, in `Builder::target`), each such object's
//! `Serialize` puts *duplicates* of its descriptors into this thread's **outbox** and writes
//! only their indexes. `Process::start` sends the outbox with the bootstrap, in one
//! `SCM_RIGHTS` message (stdout first, then these in index order; at most
//! `process::sys::MAX_FDS` in all). The child receives them close-on-exec, puts them in its
//! **inbox** ([`receive`]), and each object's `Deserialize` claims its descriptors by index
//! while the arguments decode ([`decode_received`]). Then the inbox is emptied: a descriptor
//! nobody claimed is closed, not leaked into the target.
//!
//! | encoding ...                           | an IPC object's `Serialize`                          |
//! |----------------------------------------|------------------------------------------------------|
//! | a process's arguments (`Builder::target`) | dups its descriptors into the outbox, writes indexes |
//! | anything else (`Connection::send`, ...)   | fails: [`Error::Serialize`] saying where it may cross |
//! | a closed `Connection`                     | fails with [`Error::ConnectionClosed`], reported by `start` |
//!
//! | decoding ...                   | an IPC object's `Deserialize`                                |
//! |--------------------------------|--------------------------------------------------------------|
//! | a child's arguments            | claims each index once; out of range or claimed twice: error |
//! | anything else                  | fails: no descriptors came with these bytes                  |
//!
//! The bytes of an index are as untrusted as any: a claim checks the index, and the object
//! then checks what the descriptor is (a size-sealed memfd of the stated size, a socket)
//! before it maps or trusts anything.
//!
//! Why thread-locals: serde's traits give a `Serialize` impl no context but the serializer,
//! and postcard's serializer carries none. The outbox and inbox exist only for the duration of
//! one encode or decode on this thread, restored on the way out (also by a panic).

use crate::sys::region::os_error;
use crate::Error;
use std::cell::RefCell;
use std::os::fd::{BorrowedFd, OwnedFd};

/// The most descriptors one process's arguments may pass (the bootstrap's message carries
/// at most 253, the kernel's `SCM_MAX_FD`, one of which may be stdout).
pub(crate) const MAX_PASSED: usize = 252;

/// What an encode collects.
struct Outbox {
    /// Whether descriptors may cross with these bytes (a process's arguments).
    pass: bool,
    fds: Vec<OwnedFd>,
    /// The typed error of the object that refused to be encoded, for the caller (serde's
    /// error type carries only text, and postcard's drops even that).
    error: Option<Error>,
}

/// What a decode may claim.
struct Inbox {
    fds: Vec<Option<OwnedFd>>,
    /// Why a claim or an object failed, for the caller (as `Outbox::error`).
    error: Option<String>,
}

std::thread_local! {
    static OUTBOX: RefCell<Option<Outbox>> = const { RefCell::new(None) };
    static INBOX: RefCell<Option<Inbox>> = const { RefCell::new(None) };
}

/// Puts the previous outbox back when an encode ends, however it ends.
struct Restore(Option<Outbox>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = OUTBOX.try_with(|o| *o.borrow_mut() = previous);
    }
}

/// Encodes `value` with postcard. With `pass`, the pipes and queues in it put their
/// descriptors in the returned list (see the module docs); without, they refuse with
/// [`Error::Serialize`]. A value that fails to encode is that object's typed error, or
/// [`Error::Serialize`].
pub(crate) fn encode<T: serde::Serialize + ?Sized>(
    value: &T,
    pass: bool,
) -> Result<(Vec<u8>, Vec<OwnedFd>), Error> {
    let fresh = Outbox {
        pass,
        fds: Vec::new(),
        error: None,
    };
    let restore = Restore(OUTBOX.with(|o| o.borrow_mut().replace(fresh)));
    let bytes = postcard::to_allocvec(value);
    let outbox = OUTBOX.with(|o| o.borrow_mut().take());
    drop(restore);
    let (fds, error) = outbox.map_or((Vec::new(), None), |o| (o.fds, o.error));
    match bytes {
        Ok(bytes) => Ok((bytes, fds)),
        Err(e) => Err(error.unwrap_or_else(|| Error::Serialize(e.to_string()))),
    }
}

/// Records `error` as the reason the current encode fails; returns serde's form of it.
pub(crate) fn refuse<E: serde::ser::Error>(error: Error) -> E {
    let text = error.to_string();
    let _ = OUTBOX.try_with(|o| {
        if let Some(o) = o.borrow_mut().as_mut() {
            o.error.get_or_insert(error);
        }
    });
    E::custom(text)
}

/// For a `Serialize` impl: passes a duplicate of `fd` with the bytes being encoded; returns
/// its index. `what` names the object in the error when it may not cross here.
pub(crate) fn pass<E: serde::ser::Error>(fd: BorrowedFd<'_>, what: &str) -> Result<u32, E> {
    let passing = OUTBOX
        .try_with(|o| o.borrow().as_ref().is_some_and(|o| o.pass))
        .unwrap_or(false);
    if !passing {
        return Err(refuse(Error::Serialize(format!(
            "a {what} crosses to another process only inside a Process's arguments"
        ))));
    }
    let full = OUTBOX.with(|o| o.borrow().as_ref().map_or(0, |o| o.fds.len())) >= MAX_PASSED;
    if full {
        return Err(refuse(Error::Serialize(format!(
            "a process's arguments may pass at most {MAX_PASSED} descriptors (a pipe end \
             takes 2, a queue 1)"
        ))));
    }
    let dup = fd
        .try_clone_to_owned()
        .map_err(|e| refuse(os_error("dup", &e)))?;
    OUTBOX.with(|o| {
        let mut o = o.borrow_mut();
        let o = o.as_mut().ok_or_else(|| E::custom("no outbox"))?;
        o.fds.push(dup);
        Ok((o.fds.len() - 1) as u32)
    })
}

/// In the child, before the arguments decode: the descriptors that came with them.
pub(crate) fn receive(fds: Vec<OwnedFd>) {
    let inbox = Inbox {
        fds: fds.into_iter().map(Some).collect(),
        error: None,
    };
    INBOX.with(|i| *i.borrow_mut() = Some(inbox));
}

/// Decodes a child's arguments with the descriptors [`receive`]d, then closes those nobody
/// claimed. The error says why (an object's own reason when it has one).
pub(crate) fn decode_received<A: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<A, String> {
    let decoded = postcard::from_bytes(bytes);
    let inbox = INBOX.with(|i| i.borrow_mut().take());
    let why = inbox.and_then(|i| i.error);
    decoded.map_err(|e| why.unwrap_or_else(|| e.to_string()))
}

/// Records why the current decode fails; returns serde's form of it.
pub(crate) fn reject<E: serde::de::Error>(why: String) -> E {
    let e = E::custom(&why);
    let _ = INBOX.try_with(|i| {
        if let Some(i) = i.borrow_mut().as_mut() {
            i.error.get_or_insert(why);
        }
    });
    e
}

/// For a `Deserialize` impl: takes the descriptor at `index` (each index once).
pub(crate) fn claim<E: serde::de::Error>(index: u32, what: &str) -> Result<OwnedFd, E> {
    let got = INBOX.try_with(|i| {
        let mut i = i.borrow_mut();
        let inbox = i.as_mut()?;
        Some(
            inbox
                .fds
                .get_mut(index as usize)
                .and_then(Option::take)
                .ok_or(index),
        )
    });
    match got {
        Ok(Some(Ok(fd))) => Ok(fd),
        Ok(Some(Err(i))) => Err(reject(format!(
            "a {what} names descriptor {i}, which did not come with the arguments or was \
             claimed already"
        ))),
        _ => Err(reject(format!(
            "a {what} can be received only as a process's argument"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use std::os::fd::{AsFd, AsRawFd};

    /// An object with one descriptor, encoded as its index (the shape of a pipe end).
    struct Holder(OwnedFd);

    impl Serialize for Holder {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            pass(self.0.as_fd(), "Holder")?.serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for Holder {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Holder, D::Error> {
            let i = u32::deserialize(d)?;
            claim(i, "Holder").map(Holder)
        }
    }

    fn devnull() -> OwnedFd {
        std::fs::File::open("/dev/null").unwrap().into()
    }

    #[test]
    fn descriptors_in_arguments_are_duplicated_in_order_and_claimed_once() {
        let (a, b) = (Holder(devnull()), Holder(devnull()));
        let (bytes, fds) = encode(&(1u8, a, b), true).unwrap();
        assert_eq!(fds.len(), 2);
        receive(fds);
        let (one, a, b): (u8, Holder, Holder) = decode_received(&bytes).unwrap();
        assert_eq!(one, 1);
        assert_ne!(a.0.as_raw_fd(), b.0.as_raw_fd());
        // Claiming the same index twice is an error naming why.
        let (_, fds) = encode(&[Holder(devnull())], true).unwrap();
        receive(fds);
        let twice = postcard::to_allocvec(&[0u32, 0u32][..]).unwrap();
        let r = decode_received::<Vec<Holder>>(&twice);
        assert!(r.is_err_and(|e| e.contains("claimed already")));
    }

    #[test]
    fn outside_a_process_s_arguments_an_object_refuses_with_a_typed_error() {
        let r = encode(&Holder(devnull()), false);
        assert!(
            matches!(&r, Err(Error::Serialize(m)) if m.contains("inside a Process's arguments")),
            "{r:?}"
        );
        let bytes = postcard::to_allocvec(&0u32).unwrap();
        let r: Result<Holder, _> = postcard::from_bytes(&bytes);
        assert!(r.is_err());
    }

    #[test]
    fn hostile_indexes_are_errors_and_unclaimed_descriptors_are_closed() {
        // A socket: its /proc link names an inode no other test opens.
        let (sock, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd: OwnedFd = sock.into();
        let raw = fd.as_raw_fd();
        let link = || std::fs::read_link(format!("/proc/self/fd/{raw}")).ok();
        let before = link();
        assert!(before.is_some());
        receive(vec![fd]);
        let bytes = postcard::to_allocvec(&7u32).unwrap();
        let r = decode_received::<Holder>(&bytes);
        assert!(r.is_err_and(|e| e.contains("descriptor 7")));
        assert_ne!(link(), before, "the unclaimed descriptor is closed");
    }

    #[test]
    fn an_object_s_typed_error_wins_over_serde_s_text() {
        struct Closed;
        impl Serialize for Closed {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(refuse(Error::ConnectionClosed))
            }
        }
        assert_eq!(
            encode(&(1u8, Closed), true).map(|_| ()),
            Err(Error::ConnectionClosed)
        );
    }

    #[test]
    fn too_many_descriptors_are_refused() {
        let many: Vec<Holder> = (0..MAX_PASSED + 1).map(|_| Holder(devnull())).collect();
        assert!(matches!(encode(&many, true), Err(Error::Serialize(m)) if m.contains("at most")));
    }
}
