//! Pointer and length checks, and the panic guard every exported function runs in. Nothing
//! else in `ffi/` dereferences a raw pointer except through the macros defined here, whose
//! `unsafe` blocks state the header's contract once.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::mlscore_status;

/// Result of an FFI body: the error is the status handed back to C.
pub(crate) type FfiResult<T> = Result<T, mlscore_status>;

/// What an exported function returns when its body fails before producing a value: the
/// status itself for status-returning functions, NULL for pointers, 0 for sizes.
pub(crate) trait Fallback {
    fn from_status(status: mlscore_status) -> Self;
}

impl Fallback for mlscore_status {
    fn from_status(status: mlscore_status) -> Self {
        status
    }
}

impl<T> Fallback for *const T {
    fn from_status(_: mlscore_status) -> Self {
        std::ptr::null()
    }
}

impl<T> Fallback for *mut T {
    fn from_status(_: mlscore_status) -> Self {
        std::ptr::null_mut()
    }
}

impl Fallback for usize {
    fn from_status(_: mlscore_status) -> Self {
        0
    }
}

/// Runs an exported body, catching any unwind. `AssertUnwindSafe` is sound here because no
/// state a panicking body touched is used afterwards: sessions are poisoned by
/// `super::session::with_session`, and every other object is immutable.
pub(crate) fn guard<R: Fallback>(body: impl FnOnce() -> FfiResult<R>) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(r)) => r,
        Ok(Err(status)) => R::from_status(status),
        Err(_) => R::from_status(mlscore_status::Panic),
    }
}

/// `guard` for status-returning bodies that end in a success status (OK or SKIPPED).
pub(crate) fn guard_status(body: impl FnOnce() -> FfiResult<mlscore_status>) -> mlscore_status {
    guard(body)
}

/// A shared reference from a pointer that may be NULL.
///
/// # Safety
/// `p` is NULL or points to a live, properly aligned `T` not mutated during `'a`.
pub(crate) unsafe fn as_ref<'a, T>(p: *const T) -> FfiResult<&'a T> {
    // SAFETY: forwarded from this function's contract.
    unsafe { p.as_ref() }.ok_or(mlscore_status::NullArgument)
}

/// An exclusive reference from a pointer that may be NULL.
///
/// # Safety
/// `p` is NULL or points to a live, properly aligned `T` that nothing else uses during `'a`.
pub(crate) unsafe fn as_mut<'a, T>(p: *mut T) -> FfiResult<&'a mut T> {
    // SAFETY: forwarded from this function's contract.
    unsafe { p.as_mut() }.ok_or(mlscore_status::NullArgument)
}

/// Checks what can be checked of a (pointer, length) pair: NULL with a non-zero length,
/// misalignment, and a byte size beyond `isize::MAX`. Returns false for an empty slice.
fn check_slice<T>(p: *const T, len: usize) -> FfiResult<bool> {
    if len == 0 {
        return Ok(false);
    }
    if p.is_null() {
        return Err(mlscore_status::NullArgument);
    }
    if !p.is_aligned() {
        return Err(mlscore_status::MisalignedPointer);
    }
    match len.checked_mul(size_of::<T>().max(1)) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(true),
        _ => Err(mlscore_status::BadLength),
    }
}

/// A slice from (pointer, length); NULL with length 0 is the empty slice.
///
/// # Safety
/// When `len > 0`, `p` points to `len` initialised `T`s not mutated during `'a`.
pub(crate) unsafe fn slice<'a, T>(p: *const T, len: usize) -> FfiResult<&'a [T]> {
    if !check_slice(p, len)? {
        return Ok(&[]);
    }
    // SAFETY: non-NULL, aligned, size fits isize (checked above); validity is the contract.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A mutable slice from (pointer, length); NULL with length 0 is the empty slice.
///
/// # Safety
/// When `len > 0`, `p` points to `len` writable `T`s that nothing else reads or writes
/// during `'a`.
pub(crate) unsafe fn slice_mut<'a, T>(p: *mut T, len: usize) -> FfiResult<&'a mut [T]> {
    if !check_slice(p.cast_const(), len)? {
        return Ok(&mut []);
    }
    // SAFETY: non-NULL, aligned, size fits isize (checked above); exclusivity is the contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// A `&str` from a NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string not mutated during `'a`.
pub(crate) unsafe fn c_str<'a>(p: *const c_char) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(mlscore_status::NullArgument);
    }
    // SAFETY: non-NULL, NUL-terminated by contract.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map_err(|_| mlscore_status::BadUtf8)
}

/// A `&str` from (pointer, byte length) holding UTF-8 (no NUL needed).
///
/// # Safety
/// As for `slice::<u8>`.
pub(crate) unsafe fn utf8<'a>(p: *const c_char, len: usize) -> FfiResult<&'a str> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { slice(p.cast::<u8>(), len) }?;
    // Category values are almost always ASCII; checking that is cheaper than full validation
    // and this runs once per string input per row.
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|_| mlscore_status::BadUtf8)
}

/// Writes one value through an out-pointer that may be NULL.
///
/// # Safety
/// `p` is NULL or valid for an aligned write of `T`.
pub(crate) unsafe fn write<T>(p: *mut T, value: T) -> FfiResult<()> {
    if p.is_null() {
        return Err(mlscore_status::NullArgument);
    }
    if !p.is_aligned() {
        return Err(mlscore_status::MisalignedPointer);
    }
    // SAFETY: non-NULL and aligned (checked); writable by contract. `T` here is always a
    // plain C type (number, pointer, handle) with no destructor to run on the old value.
    unsafe { p.write(value) };
    Ok(())
}

/// Checks an out-pointer before any work, so a NULL one fails without side effects.
pub(crate) fn require<T>(p: *mut T) -> FfiResult<()> {
    if p.is_null() {
        Err(mlscore_status::NullArgument)
    } else if !p.is_aligned() {
        Err(mlscore_status::MisalignedPointer)
    } else {
        Ok(())
    }
}

/// `&T` from a handle argument; NULL gives `NULL_ARGUMENT`.
macro_rules! try_ref {
    ($p:expr) => {
        // SAFETY: the header requires every handle argument to be NULL or a live handle of
        // that type from this library, not freed during the call.
        unsafe { $crate::ffi::ptr::as_ref($p) }?
    };
}

/// `&mut T` from a handle argument; NULL gives `NULL_ARGUMENT`.
macro_rules! try_mut {
    ($p:expr) => {
        // SAFETY: as for `try_ref!`; in addition the header forbids concurrent calls on one
        // mutable handle (a session, an options builder), so the reference is exclusive.
        unsafe { $crate::ffi::ptr::as_mut($p) }?
    };
}

/// `&[T]` from a (pointer, length) argument pair.
macro_rules! try_slice {
    ($p:expr, $len:expr) => {
        // SAFETY: the header requires each input buffer to hold at least its stated length
        // of initialised elements for the duration of the call.
        unsafe { $crate::ffi::ptr::slice($p, $len) }?
    };
}

/// `&mut [T]` from a (pointer, length) argument pair.
macro_rules! try_slice_mut {
    ($p:expr, $len:expr) => {
        // SAFETY: the header requires each output buffer to be writable for its stated
        // length and not to overlap any other argument during the call.
        unsafe { $crate::ffi::ptr::slice_mut($p, $len) }?
    };
}

/// `&str` from a NUL-terminated UTF-8 argument.
macro_rules! try_c_str {
    ($p:expr) => {
        // SAFETY: the header requires string arguments to be NUL-terminated.
        unsafe { $crate::ffi::ptr::c_str($p) }?
    };
}

/// `&str` from a (pointer, byte length) UTF-8 argument.
macro_rules! try_utf8 {
    ($p:expr, $len:expr) => {
        // SAFETY: the header requires `$p` to hold `$len` readable bytes.
        unsafe { $crate::ffi::ptr::utf8($p, $len) }?
    };
}

/// Writes a value through an out-pointer argument.
macro_rules! try_write {
    ($p:expr, $v:expr) => {
        // SAFETY: the header requires out-pointers to be NULL or writable for one value.
        unsafe { $crate::ffi::ptr::write($p, $v) }?
    };
}

pub(crate) use {try_c_str, try_mut, try_ref, try_slice, try_slice_mut, try_utf8, try_write};
