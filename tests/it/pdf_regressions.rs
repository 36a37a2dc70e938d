//! Malformed PDFs: each gives an error or a partial result within the limits.
//! The cases live in tests/regressions/pdf/, one function per way a file can be broken;
//! the hostile files of issue 18 in tests/regressions/pdf/hostile/.

#[path = "../regressions/pdf/malformed.rs"]
mod malformed;

#[path = "../regressions/pdf/hostile.rs"]
mod hostile;
