//! `Value<T>` and `Array<T>` of plain numbers shared by processes (CPython's
//! `multiprocessing.Value`/`Array` with `lock=True`): numbers in an arena, each element an
//! atomic word (so a read is never torn), and an [`RLock`] of their own.
//!
//! ```text
//! Value block: tag "Valu" | type code | lock offset (u64) | the number (u64 slot)
//! Array block: tag "Arry" | type code | lock offset (u64) | len (u64) | elements (4 or 8 bytes each)
//! ```
//!
//! As in CPython, [`Value::get`]/[`Value::set`] (Python's `.value`) each take the lock for
//! that one step, so `v.set(v.get()? + 1)` from two processes loses updates; an increment
//! holds [`get_lock`](Value::get_lock) around both steps and works on
//! [`get_obj`](Value::get_obj), the raw number, which takes no lock.
//!
//! The type code is CPython's (`'i'`, `'q'`, `'d'`, ...), stored in the block and checked when
//! another process opens it, so a `Value<f64>` cannot be opened as a `Value<i64>`.

use super::arena::{Arena, Block, SharedHandle, Tag};
use super::RLock;
use crate::primitive::Ordering::Relaxed;
use crate::Error;
use core::fmt;
use core::marker::PhantomData;

const LOCK_OFFSET: usize = 8;
const SLOT: usize = 16;
const VALUE_SIZE: usize = 24;
const LEN: usize = 16;
const DATA: usize = 24;
/// The largest array (elements); larger ones are [`Error::Overflow`].
const MAX_LEN: usize = 1 << 32;

mod sealed {
    pub trait Sealed {}
}

/// A plain number a [`Value`] or [`Array`] can hold: `i32`, `u32`, `i64`, `u64`, `f32`,
/// `f64` (CPython's type codes `'i'`, `'I'`, `'q'`, `'Q'`, `'f'`, `'d'`).
pub trait Plain: Copy + PartialEq + fmt::Debug + Send + Sync + sealed::Sealed + 'static {
    /// CPython's type code.
    const CODE: char;
    /// 8 bytes (else 4).
    #[doc(hidden)]
    const WIDE: bool;
    #[doc(hidden)]
    fn to_bits(self) -> u64;
    #[doc(hidden)]
    fn from_bits(bits: u64) -> Self;
}

macro_rules! plain {
    ($t:ty, $code:literal, $wide:literal, $to:expr, $from:expr) => {
        impl sealed::Sealed for $t {}
        impl Plain for $t {
            const CODE: char = $code;
            const WIDE: bool = $wide;
            fn to_bits(self) -> u64 {
                $to(self)
            }
            fn from_bits(bits: u64) -> Self {
                $from(bits)
            }
        }
    };
}

plain!(
    i32,
    'i',
    false,
    |v: i32| u64::from(v as u32),
    |b: u64| b as u32 as i32
);
plain!(u32, 'I', false, u64::from, |b: u64| b as u32);
plain!(i64, 'q', true, |v: i64| v as u64, |b: u64| b as i64);
plain!(u64, 'Q', true, |v: u64| v, |b: u64| b);
plain!(
    f32,
    'f',
    false,
    |v: f32| u64::from(v.to_bits()),
    |b: u64| f32::from_bits(b as u32)
);
plain!(f64, 'd', true, f64::to_bits, f64::from_bits);

fn size_of<T: Plain>() -> usize {
    if T::WIDE {
        8
    } else {
        4
    }
}

fn load<T: Plain>(block: &Block, at: usize) -> Result<T, Error> {
    Ok(T::from_bits(if T::WIDE {
        block.u64(at)?.load(Relaxed)
    } else {
        u64::from(block.u32(at)?.load(Relaxed))
    }))
}

fn store<T: Plain>(block: &Block, at: usize, v: T) -> Result<(), Error> {
    if T::WIDE {
        block.u64(at)?.store(v.to_bits(), Relaxed);
    } else {
        block.u32(at)?.store(v.to_bits() as u32, Relaxed);
    }
    Ok(())
}

/// Opens the lock a Value's or Array's block names, in `arena`.
fn lock_of(arena: &Arena, block: &Block) -> Result<RLock, Error> {
    let at = usize::try_from(block.u64(LOCK_OFFSET)?.load(Relaxed))
        .map_err(|_| Error::InvalidArgument("a shared value's lock offset is corrupt"))?;
    RLock::open(arena, at)
}

/// Runs `f` holding `lock`. If the lock had to be taken from a process that died holding it,
/// `f` still runs (the lock is held), the lock is released, and the result is
/// [`Error::OwnerDied`]: the number is whatever the dead process left.
fn locked<R>(lock: &RLock, f: impl FnOnce() -> Result<R, Error>) -> Result<R, Error> {
    let died = match lock.acquire(true, None) {
        Ok(_) => None,
        Err(e @ Error::OwnerDied { .. }) => Some(e),
        Err(e) => return Err(e),
    };
    let r = f();
    lock.release()?;
    match died {
        Some(e) => Err(e),
        None => r,
    }
}

/// One number shared by processes, with its lock (CPython's `multiprocessing.Value(code, v)`).
#[derive(Clone)]
pub struct Value<T: Plain> {
    block: Block,
    lock: RLock,
    _type: PhantomData<T>,
}

impl<T: Plain> Value<T> {
    /// A value holding `value`, with a new RLock, in an arena of its own.
    pub fn new(value: T) -> Result<Value<T>, Error> {
        Value::new_in(&Arena::create(4096)?, value)
    }

    /// A value holding `value`, with a new RLock, in `arena`.
    pub fn new_in(arena: &Arena, value: T) -> Result<Value<T>, Error> {
        let lock = RLock::new_in(arena)?;
        let block = arena.new_block(Tag::Value, T::CODE as u32, VALUE_SIZE, |b| {
            b.u64(LOCK_OFFSET)?
                .store(lock.handle().offset as u64, Relaxed);
            store(b, SLOT, value)
        })?;
        Ok(Value {
            block,
            lock,
            _type: PhantomData,
        })
    }

    /// The value at `offset` of `arena`, with its lock. [`Error::InvalidArgument`] if there is
    /// none, or it holds another type.
    pub fn open(arena: &Arena, offset: usize) -> Result<Value<T>, Error> {
        let block = arena.open_block(offset, Tag::Value, VALUE_SIZE)?;
        if block.aux()? != T::CODE as u32 {
            return Err(Error::InvalidArgument(
                "the shared Value holds another type",
            ));
        }
        let lock = lock_of(arena, &block)?;
        Ok(Value {
            block,
            lock,
            _type: PhantomData,
        })
    }

    /// What another process needs to open this value.
    pub fn handle(&self) -> SharedHandle {
        self.block.handle()
    }

    /// Python's `v.value`: reads the number holding the lock.
    pub fn get(&self) -> Result<T, Error> {
        locked(&self.lock, || load(&self.block, SLOT))
    }

    /// Python's `v.value = x`: writes the number holding the lock.
    pub fn set(&self, value: T) -> Result<(), Error> {
        locked(&self.lock, || store(&self.block, SLOT, value))
    }

    /// The lock (CPython's `get_lock()`): hold it around a read-modify-write.
    pub fn get_lock(&self) -> &RLock {
        &self.lock
    }

    /// The number itself, without the lock (CPython's `get_obj()`).
    pub fn get_obj(&self) -> RawValue<'_, T> {
        RawValue {
            block: &self.block,
            _type: PhantomData,
        }
    }
}

impl<T: Plain> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Synchronized wrapper for c_{}({:?})>",
            T::CODE,
            self.get_obj().get()
        )
    }
}

/// A [`Value`]'s number without its lock: each `get`/`set` is one atomic access (never torn),
/// but nothing orders them with other processes' steps.
#[derive(Clone, Copy)]
pub struct RawValue<'a, T: Plain> {
    block: &'a Block,
    _type: PhantomData<T>,
}

impl<T: Plain> RawValue<'_, T> {
    /// The number.
    pub fn get(&self) -> T {
        // The block's bounds were checked when it was made or opened.
        load(self.block, SLOT).unwrap_or_else(|_| T::from_bits(0))
    }

    /// Writes the number.
    pub fn set(&self, value: T) {
        let _ = store(self.block, SLOT, value);
    }
}

/// Numbers shared by processes, with their lock (CPython's
/// `multiprocessing.Array(code, values)`).
#[derive(Clone)]
pub struct Array<T: Plain> {
    block: Block,
    lock: RLock,
    len: usize,
    _type: PhantomData<T>,
}

fn array_size<T: Plain>(len: usize) -> Result<usize, Error> {
    if len > MAX_LEN {
        return Err(Error::Overflow("shared array too long"));
    }
    len.checked_mul(size_of::<T>())
        .and_then(|b| b.checked_add(DATA))
        .ok_or(Error::Overflow("shared array too long"))
}

impl<T: Plain> Array<T> {
    /// An array holding `values`, with a new RLock, in an arena of its own.
    pub fn new(values: &[T]) -> Result<Array<T>, Error> {
        let room = array_size::<T>(values.len())?
            .checked_add(1024)
            .ok_or(Error::Overflow("shared array too long"))?;
        Array::new_in(&Arena::create(room)?, values)
    }

    /// An array holding `values`, with a new RLock, in `arena`.
    pub fn new_in(arena: &Arena, values: &[T]) -> Result<Array<T>, Error> {
        let lock = RLock::new_in(arena)?;
        let block = arena.new_block(
            Tag::Array,
            T::CODE as u32,
            array_size::<T>(values.len())?,
            |b| {
                b.u64(LOCK_OFFSET)?
                    .store(lock.handle().offset as u64, Relaxed);
                b.u64(LEN)?.store(values.len() as u64, Relaxed);
                for (i, v) in values.iter().enumerate() {
                    store(b, DATA + i * size_of::<T>(), *v)?;
                }
                Ok(())
            },
        )?;
        Ok(Array {
            block,
            lock,
            len: values.len(),
            _type: PhantomData,
        })
    }

    /// `len` zeros (CPython's `Array(code, len)`), with a new RLock, in `arena`.
    pub fn zeroed_in(arena: &Arena, len: usize) -> Result<Array<T>, Error> {
        Array::new_in(arena, &vec![T::from_bits(0); len])
    }

    /// The array at `offset` of `arena`, with its lock. [`Error::InvalidArgument`] if there is
    /// none, or it holds another type.
    pub fn open(arena: &Arena, offset: usize) -> Result<Array<T>, Error> {
        let head = arena.open_block(offset, Tag::Array, DATA)?;
        if head.aux()? != T::CODE as u32 {
            return Err(Error::InvalidArgument(
                "the shared Array holds another type",
            ));
        }
        let len = usize::try_from(head.u64(LEN)?.load(Relaxed))
            .map_err(|_| Error::InvalidArgument("a shared Array's length is corrupt"))?;
        // Its full size must lie inside the arena too (open_block checks).
        let block = arena.open_block(offset, Tag::Array, array_size::<T>(len)?)?;
        let lock = lock_of(arena, &block)?;
        Ok(Array {
            block,
            lock,
            len,
            _type: PhantomData,
        })
    }

    /// What another process needs to open this array.
    pub fn handle(&self) -> SharedHandle {
        self.block.handle()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn at(&self, index: usize) -> Result<usize, Error> {
        if index >= self.len {
            return Err(Error::InvalidArgument("array index out of range"));
        }
        Ok(DATA + index * size_of::<T>())
    }

    /// Python's `a[index]`, holding the lock. Out of range: [`Error::InvalidArgument`].
    pub fn get(&self, index: usize) -> Result<T, Error> {
        let at = self.at(index)?;
        locked(&self.lock, || load(&self.block, at))
    }

    /// Python's `a[index] = value`, holding the lock.
    pub fn set(&self, index: usize, value: T) -> Result<(), Error> {
        let at = self.at(index)?;
        locked(&self.lock, || store(&self.block, at, value))
    }

    /// Python's `a[:]`: every element, read holding the lock once (a consistent snapshot).
    pub fn to_vec(&self) -> Result<Vec<T>, Error> {
        locked(&self.lock, || {
            (0..self.len)
                .map(|i| load(&self.block, DATA + i * size_of::<T>()))
                .collect()
        })
    }

    /// The lock (CPython's `get_lock()`).
    pub fn get_lock(&self) -> &RLock {
        &self.lock
    }

    /// The elements themselves, without the lock (CPython's `get_obj()`).
    pub fn get_obj(&self) -> RawArray<'_, T> {
        RawArray { array: self }
    }
}

impl<T: Plain> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = self.get_obj();
        let items: Vec<T> = (0..self.len).filter_map(|i| raw.get(i).ok()).collect();
        write!(f, "<SynchronizedArray wrapper for c_{}{items:?}>", T::CODE)
    }
}

/// An [`Array`]'s elements without its lock: each access is one atomic step.
#[derive(Clone, Copy)]
pub struct RawArray<'a, T: Plain> {
    array: &'a Array<T>,
}

impl<T: Plain> RawArray<'_, T> {
    /// Element `index`. Out of range: [`Error::InvalidArgument`].
    pub fn get(&self, index: usize) -> Result<T, Error> {
        load(&self.array.block, self.array.at(index)?)
    }

    /// Writes element `index`.
    pub fn set(&self, index: usize, value: T) -> Result<(), Error> {
        store(&self.array.block, self.array.at(index)?, value)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.array.len
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.array.len == 0
    }
}
