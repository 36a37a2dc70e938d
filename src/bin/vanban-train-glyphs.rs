//! Builds the glyph reference table (`corpus/models/glyph-refs.bin`) that PDF ingest reads
//! glyphs of fonts with broken ToUnicode maps against (`docs/pdf.md`, "Broken font maps").
//!
//! ```text
//! vanban-train-glyphs [--out corpus/models/glyph-refs.bin] [FACE...]
//! ```
//! Renders every character of the alphabet in each face (system fonts from
//! `fonts-dejavu`, `fonts-noto-core`, `fonts-freefont-ttf`, `fonts-texgyre`,
//! `fonts-liberation2` by default). Liberation Serif is left out on purpose: it is the
//! held-out face of `tools/brokenfonts/`.

use std::path::PathBuf;

use clap::Parser;
use vanban::ingest::pdf::glyphs::{render, Refs, ALPHABET};

const FACES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Italic.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Italic.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSerifItalic.ttf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-regular.otf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-bold.otf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-italic.otf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyreheros-regular.otf",
    "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyreheros-bold.otf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf",
];

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "corpus/models/glyph-refs.bin")]
    out: PathBuf,
    /// Font files (default: the faces listed in the source).
    faces: Vec<PathBuf>,
}

fn main() {
    let a = Args::parse();
    let faces: Vec<PathBuf> = if a.faces.is_empty() {
        FACES.iter().map(PathBuf::from).collect()
    } else {
        a.faces
    };
    let mut entries = Vec::new();
    for path in &faces {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let face = ttf_parser::Face::parse(&data, 0).expect("a font");
        let mut n = 0;
        for c in ALPHABET.chars() {
            if let Some(shape) = face.glyph_index(c).and_then(|g| render(&face, g.0)) {
                entries.push((c, shape));
                n += 1;
            }
        }
        eprintln!(
            "{}: {n} of {} characters",
            path.display(),
            ALPHABET.chars().count()
        );
    }
    let mut out = Vec::new();
    Refs::write(&entries, &mut out).expect("deflate");
    vanban::output::write_atomic(&a.out, &out).expect("write");
    eprintln!(
        "{} shapes, {} bytes → {}",
        entries.len(),
        out.len(),
        a.out.display()
    );
}
