//! Malformed PDFs: each gives an error or a partial result within the limits.
//! The cases live in tests/regressions/pdf/, one function per way a file can be broken.

#[path = "regressions/pdf/malformed.rs"]
mod malformed;
