//! The byte ring under each direction of a pipe: one writer, one reader, length-prefixed
//! frames, two control words. Written once, generic over [`RingMemory`] (where the words and
//! bytes live, which wait/wake they use, how the peer's liveness is checked): a shared region
//! with the shared futex in production, heap memory in unit tests, loom's atomics in
//! `tests/loom.rs`.
//!
//! # The two words
//!
//! | word   | bits 0..29             | bit 29 `HANGUP`                      | bit 30 `WAITING`                  |
//! |--------|------------------------|--------------------------------------|-----------------------------------|
//! | `Tail` | writer's position      | a holder of the writing end closed it | the reader sleeps on this word    |
//! | `Head` | reader's position      | a holder of the reading end closed it | the writer sleeps on this word    |
//!
//! Positions count bytes modulo 2^29; the capacity is a power of two up to 2^28, so
//! `tail - head` (mod 2^29) is the number of bytes in the ring, and `position % capacity` the
//! offset in the data area. Each side keeps its own position privately and only publishes it:
//! a value the other side writes into our word is detected, never trusted.
//!
//! # A frame
//!
//! `[len: u32][payload: len bytes][padding to a multiple of 8]`, starting 8-byte aligned (so
//! the length never wraps; the payload may). The largest payload is `capacity - 8`, so a frame
//! always fits in an empty ring. A frame is published whole (one release of `Tail`), so a
//! correct writer never leaves a partial frame; anything else is the peer's fault.
//!
//! # Handshake (no lost wake-up)
//!
//! A sleeper first sets `WAITING` on the word it will sleep on, by a compare-exchange from the
//! value it just found wanting, then waits while the word still holds that value. The other
//! side moves its position with a compare-exchange that clears `WAITING`, and wakes if the old
//! value had it. Both changes are read-modify-writes of one word, so either the mover sees
//! `WAITING`, or the sleeper's compare-exchange or its futex compare sees the move.
//!
//! # Peer gone
//!
//! Closing an end sets `HANGUP` on the words the peer may sleep on and wakes them; the peer
//! then asks [`RingMemory::peer_alive`]. A peer that dies without closing sets nothing, so
//! every sleep is at most [`SLICE`] long and checks liveness when it times out. A reader
//! delivers every frame already in the ring before it reports the peer gone.

use crate::primitive::Ordering::{self, *};
use crate::time::Deadline;
use core::time::Duration;

/// Mask of the position bits.
pub(crate) const POS_MASK: u32 = (1 << 29) - 1;
/// A holder of the word's end closed it: check the peer's liveness.
pub(crate) const HANGUP: u32 = 1 << 29;
/// The other side sleeps on this word: wake it after a move.
pub(crate) const WAITING: u32 = 1 << 30;
/// The largest ring (bytes); positions are modulo twice that.
pub(crate) const MAX_CAPACITY: u32 = 1 << 28;
/// The smallest ring (bytes).
pub(crate) const MIN_CAPACITY: u32 = 64;
/// A frame's length prefix, and the alignment of every frame.
const LEN_BYTES: u32 = 4;
const ALIGN: u32 = 8;
/// The longest a blocked side sleeps before it checks that its peer is alive: a peer killed
/// without closing is noticed within about this long.
pub(crate) const SLICE: Duration = Duration::from_millis(20);
/// How many times a reader with nothing to read yields its CPU before it sleeps. No spinning,
/// unlike the in-process primitives (`algo/spin.rs`): across processes on 2 cores shared by
/// many processes, the other side is often not running, and PAUSEs (about 140 cycles each)
/// only keep it off the core. One `sched_yield` lets a writer that shares our core run and
/// reply first; then we sleep on the futex. Measured with a cross-process ping-pong under
/// load (`benches/pipe.rs`): 4000 spins 100 µs per round trip, 50 spins 3-8 µs, none 2-5 µs,
/// one yield 1.5-3.7 µs, 3 or 10 yields unstable (some runs 70 µs).
const YIELDS: u32 = 1;

/// The largest payload a ring of `capacity` bytes carries.
pub(crate) const fn max_payload(capacity: u32) -> u32 {
    capacity - ALIGN
}

/// Bytes a frame of `len` payload bytes occupies.
pub(crate) const fn frame_bytes(len: u32) -> u32 {
    (LEN_BYTES + len + ALIGN - 1) & !(ALIGN - 1)
}

/// Which of the two control words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Word {
    /// The writer's position (the reader sleeps on it).
    Tail,
    /// The reader's position (the writer sleeps on it).
    Head,
}

/// Where a ring lives and how its sides wait: implemented over a shared region (shared
/// futex), heap memory (private futex) and loom.
pub(crate) trait RingMemory {
    /// The data area's size: a power of two in `MIN_CAPACITY..=MAX_CAPACITY`.
    fn capacity(&self) -> u32;
    fn load(&self, w: Word, o: Ordering) -> u32;
    fn compare_exchange(
        &self,
        w: Word,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32>;
    fn fetch_or(&self, w: Word, bits: u32, o: Ordering) -> u32;
    /// Sleeps while `w` holds `expected`, at most `timeout`. Returns true if it timed out.
    fn wait(&self, w: Word, expected: u32, timeout: Duration) -> bool;
    fn wake_all(&self, w: Word);
    /// Copies data bytes `at..at + dst.len()` out; false if out of bounds (never, for callers
    /// here: they pass `at + len <= capacity`).
    fn read(&self, at: u32, dst: &mut [u8]) -> bool;
    /// Copies `src` into the data bytes at `at`; false if out of bounds.
    fn write(&self, at: u32, src: &[u8]) -> bool;
    /// The 32-bit word at data offset `at` (4-aligned), read once, atomically.
    fn read_u32(&self, at: u32) -> u32;
    fn write_u32(&self, at: u32, v: u32);
    /// Whether some process still holds the other end. May cost a system call.
    fn peer_alive(&self) -> bool;
}

/// Why a ring operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RingError {
    /// Reader: nothing left and the writing end is gone. Writer: the reading end is gone.
    PeerGone,
    /// The other side broke the protocol; this side of the ring stays broken.
    Corrupt(&'static str),
    /// A payload longer than the ring carries (nothing was written).
    TooLarge { len: usize, max: usize },
    /// The deadline passed.
    TimedOut,
}

/// The writing side's private state.
#[derive(Debug)]
pub(crate) struct Writer {
    tail: u32,
    broken: Option<&'static str>,
}

/// The reading side's private state.
#[derive(Debug)]
pub(crate) struct Reader {
    head: u32,
    broken: Option<&'static str>,
}

/// Takes over a side from the position published in word `w` (a fresh ring starts at 0; a
/// side handed to a child resumes where its last holder left off).
fn attach(mem: &impl RingMemory, w: Word) -> Result<u32, RingError> {
    let pos = mem.load(w, Acquire) & POS_MASK;
    if !pos.is_multiple_of(ALIGN) {
        return Err(RingError::Corrupt("misaligned ring position"));
    }
    Ok(pos)
}

impl Writer {
    pub(crate) fn attach(mem: &impl RingMemory) -> Result<Writer, RingError> {
        Ok(Writer {
            tail: attach(mem, Word::Tail)?,
            broken: None,
        })
    }

    fn fail(&mut self, why: &'static str) -> RingError {
        self.broken = Some(why);
        RingError::Corrupt(why)
    }

    /// The private position.
    pub(crate) fn tail(&self) -> u32 {
        self.tail
    }
}

impl Reader {
    /// Records a protocol error found on a copy of this state (`Connection::poll`).
    pub(crate) fn mark_broken(&mut self, why: &'static str) {
        self.broken = Some(why);
    }

    /// The private position (for a copy another thread may wait on).
    pub(crate) fn head(&self) -> u32 {
        self.head
    }

    /// A copy of a reader's state at `head`, to wait on without its lock.
    pub(crate) fn copy_at(head: u32) -> Reader {
        Reader { head, broken: None }
    }

    pub(crate) fn attach(mem: &impl RingMemory) -> Result<Reader, RingError> {
        Ok(Reader {
            head: attach(mem, Word::Head)?,
            broken: None,
        })
    }

    fn fail(&mut self, why: &'static str) -> RingError {
        self.broken = Some(why);
        RingError::Corrupt(why)
    }
}

/// How long the next sleep may be: a slice, or less if the deadline comes first.
fn next_sleep(deadline: Option<Deadline>) -> Result<Duration, RingError> {
    match deadline {
        None => Ok(SLICE),
        Some(d) => d
            .remaining()
            .map(|left| left.min(SLICE))
            .ok_or(RingError::TimedOut),
    }
}

/// What a sleeper does with a `HANGUP` it found on word `w` (holding `seen`): if the peer is
/// gone, says so; if not (another holder of that end lives on), clears the bit so it costs
/// nothing more. A close racing with the clear is still caught by the next slice.
fn check_hangup(mem: &impl RingMemory, w: Word, seen: u32) -> bool {
    if !mem.peer_alive() {
        return false;
    }
    let _ = mem.compare_exchange(w, seen, seen & !HANGUP, Relaxed, Relaxed);
    true
}

/// Sets `WAITING` on `w` (which held `seen`) and sleeps while it is unchanged. Returns
/// `Ok(true)` to re-check at once, `Ok(false)` if the peer turned out to be gone.
pub(crate) fn sleep_on(
    mem: &impl RingMemory,
    w: Word,
    seen: u32,
    deadline: Option<Deadline>,
) -> Result<bool, RingError> {
    let timeout = next_sleep(deadline)?;
    if seen & WAITING == 0
        && mem
            .compare_exchange(w, seen, seen | WAITING, Relaxed, Relaxed)
            .is_err()
    {
        return Ok(true);
    }
    if mem.wait(w, seen | WAITING, timeout) && !mem.peer_alive() {
        return Ok(false);
    }
    Ok(true)
}

/// Sends one frame: waits for room (up to `deadline`), copies, publishes.
pub(crate) fn send(
    mem: &impl RingMemory,
    w: &mut Writer,
    payload: &[u8],
    deadline: Option<Deadline>,
) -> Result<(), RingError> {
    if let Some(why) = w.broken {
        return Err(RingError::Corrupt(why));
    }
    let cap = mem.capacity();
    let max = max_payload(cap);
    let len = match u32::try_from(payload.len()) {
        Ok(len) if len <= max => len,
        _ => {
            return Err(RingError::TooLarge {
                len: payload.len(),
                max: max as usize,
            })
        }
    };
    let need = frame_bytes(len);
    loop {
        let (free, h) = room(mem, w)?;
        if h & HANGUP != 0 && !check_hangup(mem, Word::Head, h) {
            return Err(RingError::PeerGone);
        }
        if free >= need {
            return publish(mem, w, payload, len, need);
        }
        if !sleep_on(mem, Word::Head, h, deadline)? {
            // As the reader does: later calls find it at once.
            mem.fetch_or(Word::Head, HANGUP, Relaxed);
            return Err(RingError::PeerGone);
        }
    }
}

/// The writer's free bytes now, and the `Head` word as read (what to sleep on for more).
pub(crate) fn room(mem: &impl RingMemory, w: &mut Writer) -> Result<(u32, u32), RingError> {
    if let Some(why) = w.broken {
        return Err(RingError::Corrupt(why));
    }
    let cap = mem.capacity();
    // Acquire: the reader's copies out of the room it frees, before we write over them.
    let h = mem.load(Word::Head, Acquire);
    let used = w.tail.wrapping_sub(h) & POS_MASK;
    if used > cap || !(h & POS_MASK).is_multiple_of(ALIGN) {
        return Err(w.fail("the reader's position is out of range"));
    }
    Ok((cap - used, h))
}

/// Writes the frame at the writer's position (room checked: `need` = `frame_bytes(len)` bytes
/// free, `len` at most `max_payload`) and publishes it.
pub(crate) fn publish(
    mem: &impl RingMemory,
    w: &mut Writer,
    payload: &[u8],
    len: u32,
    need: u32,
) -> Result<(), RingError> {
    let cap = mem.capacity();
    let at = w.tail & (cap - 1);
    mem.write_u32(at, len);
    let body = at + LEN_BYTES;
    let first = (payload.len()).min((cap - body) as usize);
    if !mem.write(body, &payload[..first]) || !mem.write(0, &payload[first..]) {
        return Err(w.fail("frame outside the ring"));
    }
    let new_tail = w.tail.wrapping_add(need) & POS_MASK;
    let mut cur = mem.load(Word::Tail, Relaxed);
    loop {
        if cur & POS_MASK != w.tail {
            return Err(w.fail("the writer's position was changed by another process"));
        }
        // Release: the frame's bytes before the position that covers them. Keeps HANGUP,
        // clears WAITING.
        match mem.compare_exchange(Word::Tail, cur, (cur & HANGUP) | new_tail, Release, Relaxed) {
            Ok(_) => break,
            Err(now) => cur = now,
        }
    }
    w.tail = new_tail;
    if cur & WAITING != 0 {
        mem.wake_all(Word::Tail);
    }
    Ok(())
}

/// Waits until a frame is in the ring (returns the bytes in it), the writing end is gone
/// with the ring empty, or the deadline passes.
pub(crate) fn wait_readable(
    mem: &impl RingMemory,
    r: &mut Reader,
    deadline: Option<Deadline>,
) -> Result<u32, RingError> {
    if let Some(why) = r.broken {
        return Err(RingError::Corrupt(why));
    }
    let cap = mem.capacity();
    let mut gone = false;
    let mut yields = YIELDS;
    loop {
        // Acquire: the frame's bytes, written before the writer released this position.
        let t = mem.load(Word::Tail, Acquire);
        let used = (t & POS_MASK).wrapping_sub(r.head) & POS_MASK;
        if used > cap {
            return Err(r.fail("the writer's position is out of range"));
        }
        if used != 0 {
            return Ok(used);
        }
        // Gone, and the re-read after finding it gone still shows nothing: all delivered.
        // Leave HANGUP set, so that later calls find it at once, not after another slice.
        if gone {
            mem.fetch_or(Word::Tail, HANGUP, Relaxed);
            return Err(RingError::PeerGone);
        }
        if t & HANGUP != 0 && !check_hangup(mem, Word::Tail, t) {
            gone = true;
            continue;
        }
        if yields > 0 && deadline.is_none() {
            yields -= 1;
            crate::primitive::yield_now();
            continue;
        }
        if !sleep_on(mem, Word::Tail, t, deadline)? {
            gone = true;
        }
    }
}

/// Receives one frame: waits (up to `deadline`), validates, copies it out, frees its room.
/// The allocation is at most the bytes actually in the ring, never the length the peer
/// claims.
pub(crate) fn recv(
    mem: &impl RingMemory,
    r: &mut Reader,
    deadline: Option<Deadline>,
) -> Result<Vec<u8>, RingError> {
    let used = wait_readable(mem, r, deadline)?;
    take(mem, r, used)
}

/// Takes the frame at the reader's position, `used` bytes being in the ring.
pub(crate) fn take(mem: &impl RingMemory, r: &mut Reader, used: u32) -> Result<Vec<u8>, RingError> {
    let cap = mem.capacity();
    if used < ALIGN {
        return Err(r.fail("truncated frame"));
    }
    let at = r.head & (cap - 1);
    // Read once into a local: the peer cannot change it between the checks and the copy.
    let len = mem.read_u32(at);
    if len > max_payload(cap) {
        return Err(r.fail("frame length over the maximum"));
    }
    let need = frame_bytes(len);
    if need > used {
        return Err(r.fail("truncated frame"));
    }
    // `len < used <= cap`: bounded by what is in the ring.
    let mut payload = vec![0u8; len as usize];
    let body = at + LEN_BYTES;
    let first = payload.len().min((cap - body) as usize);
    let (a, b) = payload.split_at_mut(first);
    if !mem.read(body, a) || !mem.read(0, b) {
        return Err(r.fail("frame outside the ring"));
    }
    let new_head = r.head.wrapping_add(need) & POS_MASK;
    let mut cur = mem.load(Word::Head, Relaxed);
    loop {
        if cur & POS_MASK != r.head {
            return Err(r.fail("the reader's position was changed by another process"));
        }
        // Release: our reads of the frame before the writer may reuse its room.
        match mem.compare_exchange(Word::Head, cur, (cur & HANGUP) | new_head, Release, Relaxed) {
            Ok(_) => break,
            Err(now) => cur = now,
        }
    }
    r.head = new_head;
    if cur & WAITING != 0 {
        mem.wake_all(Word::Head);
    }
    Ok(payload)
}

/// The reader's position as published in the `Head` word.
pub(crate) fn published_head(mem: &impl RingMemory) -> u32 {
    mem.load(Word::Head, Acquire) & POS_MASK
}

/// Marks the end holding word `w`'s position as closed by one of its holders, and wakes the
/// other side if it sleeps there. (Call after the liveness token is released, so the woken
/// peer finds it gone.)
pub(crate) fn hang_up(mem: &impl RingMemory, w: Word) {
    // Release: everything this end published before its close.
    mem.fetch_or(w, HANGUP, Release);
    mem.wake_all(w);
}
