//! Between processes: CPython's `multiprocessing.Pipe` and its `Connection` ends, and its
//! process [`Queue`] and [`JoinableQueue`], on byte rings in memory the processes map
//! (Linux). `README.md` beside this file gives the design:
//! why a ring in shared memory rather than a socket, the frame format and its limits, and
//! what a peer's crash looks like from the other end.
//!
//! ```
//! use concurrency::ipc::pipe;
//!
//! let (a, b) = pipe(true)?;
//! a.send(&("hello", 42u32))?;
//! let (word, n): (String, u32) = b.recv()?;
//! assert_eq!((word.as_str(), n), ("hello", 42));
//! b.send_bytes(b"raw bytes")?;
//! assert!(a.poll(Some(std::time::Duration::ZERO))?);
//! assert_eq!(a.recv_bytes()?, b"raw bytes");
//! drop(b);
//! assert_eq!(a.recv_bytes(), Err(concurrency::Error::PeerClosed));
//! # Ok::<(), concurrency::Error>(())
//! ```
//!
//! To hand an end to a child [`Process`](crate::Process), put it in the process's arguments,
//! as in CPython: `Process::new(child_main, (child_conn,))` (its descriptors cross with the
//! bootstrap; see `README.md`). For a child started some other way: [`Connection::handle`]
//! gives a [`ConnectionHandle`];
//! its [`inherit_in`](ConnectionHandle::inherit_in) keeps the two fds it names open in the
//! child, its [`encode`](ConnectionHandle::encode)d text tells the child where they are, and
//! the child calls [`ConnectionHandle::open`] once at start-up.

mod codec;
mod connection;
mod handle;
mod layout;
mod liveness;
mod memory;
pub(crate) mod passing;
mod pipe;
mod queue;
pub(crate) mod ring;
pub(crate) mod shared_lock;
#[cfg(test)]
mod tests;

pub use connection::Connection;
pub use handle::ConnectionHandle;
pub use pipe::{pipe, Pipe, DEFAULT_CAPACITY};
pub use queue::{JoinableQueue, Queue};
