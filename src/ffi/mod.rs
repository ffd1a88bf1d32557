//! The C ABI, declared in `include/mlscore.h` (generated from this module by `build.rs` with
//! cbindgen). The only home of `extern "C"`, raw pointers and `unsafe` in the crate.
//!
//! Every exported body runs inside one panic guard, which turns an unwinding panic into
//! `MLSCORE_STATUS_PANIC` (NULL, 0): `ptr::guard` for most, and for calls on a session
//! `session::session_call!`, which also poisons the session. Pointers are read only through the macros of `ptr.rs`, whose
//! `unsafe` blocks state the header's contract: handles are NULL or live handles of their
//! type, buffers hold at least their stated length, and out-pointers are writable.
//!
//! Safety of each exported function is documented in the header (pointer validity, lengths,
//! threads), not in Rust `# Safety` sections, since C programmers read the header.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]
#![allow(clippy::missing_safety_doc)]
#![allow(non_camel_case_types)]

use std::ffi::c_char;

// cbindgen writes the header in the order modules are declared: keep the reading order
// (blank lines stop rustfmt from sorting them).
pub(crate) mod ptr;

pub mod types;

pub mod error;

pub mod options;

pub mod model;

pub mod session;

pub mod output;

pub mod flat;

pub mod json;

pub use error::*;
pub use flat::*;
pub use json::*;
pub use model::*;
pub use options::*;
pub use output::*;
pub use session::*;
pub use types::*;

/// Version of the C ABI this header describes. It changes whenever a signature, a struct or
/// the meaning of a status code changes; compare it with mlscore_abi_version() at start-up.
pub const MLSCORE_ABI_VERSION: u32 = 1;

/// The ABI version of the library actually loaded (MLSCORE_ABI_VERSION when it was built).
/// Bindings compare it with the MLSCORE_ABI_VERSION they were written for and refuse a mismatch.
#[unsafe(no_mangle)]
pub extern "C" fn mlscore_abi_version() -> u32 {
    MLSCORE_ABI_VERSION
}

/// The version of the library actually loaded, "MAJOR.MINOR.PATCH" (static, never freed).
#[unsafe(no_mangle)]
pub extern "C" fn mlscore_version() -> *const c_char {
    VERSION.as_ptr()
}

const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
) {
    Ok(v) => v,
    Err(_) => c"unknown",
};

#[cfg(test)]
pub(crate) mod testutil {
    //! A metadata-only model (a bare VectorAssembler needs no Parquet) for the FFI unit tests.

    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static NEXT: AtomicUsize = AtomicUsize::new(0);

    /// Writes `VectorAssembler(inputCols=[a, b], outputCol=features, handleInvalid)` and
    /// returns its directory as a C string.
    pub fn assembler(handle_invalid: &str) -> std::ffi::CString {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir: PathBuf =
            std::env::temp_dir().join(format!("mlscore-ffi-{}-{n}", std::process::id()));
        std::fs::create_dir_all(dir.join("metadata")).unwrap();
        let meta = format!(
            r#"{{"class":"org.apache.spark.ml.feature.VectorAssembler","timestamp":1,"sparkVersion":"3.5.0","uid":"VectorAssembler_test","paramMap":{{"inputCols":["a","b"],"outputCol":"features","handleInvalid":"{handle_invalid}"}},"defaultParamMap":{{}}}}"#
        );
        std::fs::write(dir.join("metadata/part-00000"), meta).unwrap();
        std::ffi::CString::new(dir.to_str().unwrap()).unwrap()
    }
}
