//! `.doc` and `.rtf` through LibreOffice: `soffice --headless --convert-to docx` in a
//! private temporary directory (its own user profile, so conversions never share or wait
//! on one), killed at the parse time limit.

use std::process::{Command, Stdio};

use crate::ingest::pdf::run_with_timeout;
use crate::ingest::IngestError;
use crate::Limits;

/// How to install the converter, named in the error when it is missing.
pub const SOFFICE_HINT: &str = "apt-get install libreoffice-writer-nogui";

/// The format label of a converted extension.
pub fn label(ext: &str) -> &'static str {
    match ext {
        "rtf" => "rtf",
        _ => "doc",
    }
}

/// The `.docx` bytes LibreOffice makes of `bytes` (a `.doc` or `.rtf` file).
pub fn to_docx(bytes: &[u8], ext: &str, limits: &Limits) -> Result<Vec<u8>, IngestError> {
    let dir = tempfile::tempdir()
        .map_err(|e| IngestError::Office(format!("temporary directory: {e}")))?;
    let input = dir.path().join(format!("input.{}", label(ext)));
    std::fs::write(&input, bytes)
        .map_err(|e| IngestError::Office(format!("temporary file: {e}")))?;
    let out = dir.path().join("out");
    let profile = dir.path().join("profile");
    let mut command = Command::new("soffice");
    command
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
        ])
        .arg(&out)
        .arg(&input)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let done = match run_with_timeout(command, limits.parse_timeout) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(IngestError::MissingTool {
                tool: "soffice (LibreOffice)",
                hint: SOFFICE_HINT,
            })
        }
        Err(e) => return Err(IngestError::Office(format!("soffice: {e}"))),
        Ok(None) => return Err(IngestError::Office("soffice timed out".into())),
        Ok(Some(done)) => done,
    };
    let converted = out.join("input.docx");
    std::fs::read(&converted).map_err(|_| {
        IngestError::Office(format!(
            "soffice could not convert the file: {}",
            String::from_utf8_lossy(&done.stderr).trim()
        ))
    })
}
