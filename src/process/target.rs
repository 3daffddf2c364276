//! How a child finds the function it must run: as an offset from an anchor function in the
//! same executable.
//!
//! A target is a plain `fn(A) -> R`. Its address differs between parent and child (ASLR), but
//! its distance from any other function of the same loaded image does not. The parent sends
//! two distances from [`anchor`]: to the target, and to `run::<A, R>`, the monomorphised
//! wrapper that decodes `A`, calls the target and encodes `R`. The child adds them to its own
//! `anchor` and calls the wrapper through the one fixed signature [`Wrapper`].
//!
//! That is only sound if both ends run the same image, which is checked three ways (the
//! `procspawn` crate does the offset trick unchecked, and by default cannot tell a function in a
//! shared library from one in the executable):
//! * the child re-executes `/proc/self/exe`, the very inode its parent runs (even if the file
//!   on disk was replaced meanwhile), and compares the device and inode it runs with the pair
//!   the parent sent;
//! * the child compares the distance between two anchor functions with the parent's;
//! * the parent refuses ([`Error::TargetNotInExecutable`]) a target or wrapper that `dladdr`
//!   places in another loaded object than the main executable (a shared library loads at its
//!   own address, so an offset from the executable means nothing there).

use crate::error::Error;
use crate::thread::payload_text;
use serde::{de::DeserializeOwned, Serialize};

/// What a wrapper reports to the child's dispatcher. A panic is not here: it unwinds out of
/// the wrapper and the dispatcher catches it.
pub(crate) enum Outcome {
    /// The target returned; its result, encoded.
    Returned(Vec<u8>),
    /// The arguments did not decode as the target's `A` (a bug, or a corrupted bootstrap).
    BadArguments(String),
    /// The result did not encode (a `Serialize` impl failed).
    Unserializable(String),
}

/// The one signature every wrapper has: the target's address and the encoded arguments.
pub(crate) type Wrapper = fn(usize, &[u8]) -> Outcome;

/// The reference point for offsets. Never called through its offset; `inline(never)` and a
/// body of its own keep it a distinct function with a stable address.
#[inline(never)]
pub(crate) fn anchor() -> u32 {
    std::hint::black_box(0x5052_4f43)
}

/// A second distinct function, so the child can check the image's layout ([`layout_check`]).
#[inline(never)]
pub(crate) fn anchor_check() -> u32 {
    std::hint::black_box(0x4348_4b31)
}

fn addr_of_anchor() -> isize {
    anchor as fn() -> u32 as usize as isize
}

/// The distance of `addr` from the anchor.
pub(crate) fn offset_of(addr: usize) -> i64 {
    (addr as isize).wrapping_sub(addr_of_anchor()) as i64
}

/// The distance between the two anchors; equal in parent and child when they run one image.
pub(crate) fn layout_check() -> i64 {
    offset_of(anchor_check as fn() -> u32 as usize)
}

/// The address in this process of the function `offset` bytes from the anchor.
pub(crate) fn addr_at(offset: i64) -> usize {
    addr_of_anchor().wrapping_add(offset as isize) as usize
}

/// The wrapper for targets of type `fn(A) -> R`.
pub(crate) fn run<A, R>(target: usize, args: &[u8]) -> Outcome
where
    A: DeserializeOwned,
    R: Serialize,
{
    // The pipes and queues in the arguments claim their descriptors while they decode.
    let args: A = match crate::ipc::passing::decode_received(args) {
        Ok(a) => a,
        Err(why) => return Outcome::BadArguments(why),
    };
    // Why this is sound: `target` is the address of a `fn(A) -> R` of this image: the parent took it from
    // a value of exactly that type (`Builder::target`), checked it lies in the executable, and
    // sent its offset together with the offset of this very instantiation; the child checked
    // that it runs the same image (`child::verify`) before calling this wrapper.
    // SAFETY: `target` is a `fn(A) -> R` of this very image (proved just above).
    let f: fn(A) -> R = unsafe { std::mem::transmute::<usize, fn(A) -> R>(target) };
    let r = f(args);
    match postcard::to_allocvec(&r) {
        Ok(bytes) => Outcome::Returned(bytes),
        Err(e) => Outcome::Unserializable(e.to_string()),
    }
}

/// Runs a wrapper, turning a panic into its message.
pub(crate) fn call(wrapper: Wrapper, target: usize, args: &[u8]) -> Result<Outcome, String> {
    std::panic::catch_unwind(|| wrapper(target, args)).map_err(|p| payload_text(&*p))
}

/// The base address of the loaded object (executable or shared library) holding `addr`, or
/// `None` where `dladdr` cannot tell (a static executable: then everything is in it).
fn object_base(addr: usize) -> Option<usize> {
    // SAFETY: an all-zero Dl_info is a valid value of this plain C struct.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address's mapping and writes `info`.
    if unsafe { libc::dladdr(addr as *const libc::c_void, &mut info) } == 0 {
        return None;
    }
    Some(info.dli_fbase as usize)
}

/// The base address of the main executable: the object holding its program headers.
fn executable_base() -> Option<usize> {
    static BASE: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| {
        // SAFETY: getauxval only reads the auxiliary vector.
        let phdr = unsafe { libc::getauxval(libc::AT_PHDR) } as usize;
        if phdr == 0 {
            None
        } else {
            object_base(phdr)
        }
    })
}

/// Checks that every address lies in the main executable, the image a child re-executes.
pub(crate) fn check_in_executable(addrs: &[usize]) -> Result<(), Error> {
    let Some(exe) = executable_base() else {
        return Ok(());
    };
    for &a in addrs.iter().chain([anchor as fn() -> u32 as usize].iter()) {
        match object_base(a) {
            Some(base) if base != exe => return Err(Error::TargetNotInExecutable),
            _ => {}
        }
    }
    Ok(())
}
