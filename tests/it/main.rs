//! The integration tests, one binary with a module per area (one link, one run).

mod common;

#[cfg(feature = "archive")]
mod archive;
#[cfg(all(feature = "archive", feature = "cli"))]
mod archive_cli;
#[cfg(all(feature = "archive", feature = "cli"))]
mod archive_external;
mod batch;
mod brokenfonts;
mod cases;
mod cli;
mod formats;
mod legacy;
mod pdf;
mod pdf_accuracy;
mod pdf_regressions;
mod properties;
mod repair;
mod robustness;
mod seeds;
#[cfg(all(feature = "archive", feature = "cli"))]
mod serve;
