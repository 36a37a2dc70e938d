//! Page images (`.png`, `.jpg`, `.tiff` with one page per frame) through the scanned-PDF
//! path: each page is decoded to grey, wrapped as one image per page of a PDF sized so
//! that `pdftoppm` at [`ocr::DPI`] renders the image's own pixels, and that PDF is read
//! as any scan (OCR, ruled tables, layout, repair). One path, so an image reads as the
//! same page scanned into a PDF does.

use std::io::{Cursor, Write};

use flate2::write::ZlibEncoder;
use flate2::Compression;
use lopdf::{dictionary, Document, Object, Stream};

use super::pdf;
use super::pdf::ocr::{self, seal_dropout};
use super::{IngestError, Ingested};
use crate::model::Format;
use crate::Limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Tiff,
}

impl ImageFormat {
    pub fn from_extension(ext: &str) -> Option<ImageFormat> {
        match ext {
            "png" => Some(ImageFormat::Png),
            "jpg" | "jpeg" => Some(ImageFormat::Jpeg),
            "tif" | "tiff" => Some(ImageFormat::Tiff),
            _ => None,
        }
    }

    /// The format of an image from its magic number.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Some(ImageFormat::Tiff)
        } else {
            None
        }
    }

    pub fn format(self) -> Format {
        match self {
            ImageFormat::Png => Format::Png,
            ImageFormat::Jpeg => Format::Jpeg,
            ImageFormat::Tiff => Format::Tiff,
        }
    }
}

/// A decoded page: 8-bit grey, row by row.
struct Gray {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

pub fn ingest_image(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
) -> Result<Ingested, IngestError> {
    let pages = match format {
        ImageFormat::Tiff => tiff_pages(bytes, limits)?,
        ImageFormat::Png | ImageFormat::Jpeg => {
            let kind = if format == ImageFormat::Png {
                image::ImageFormat::Png
            } else {
                image::ImageFormat::Jpeg
            };
            let mut reader = image::ImageReader::with_format(Cursor::new(bytes), kind);
            let mut image_limits = image::Limits::default();
            image_limits.max_alloc = Some(limits.max_decompressed_bytes);
            reader.limits(image_limits);
            let img = reader
                .decode()
                .map_err(|e| IngestError::Image(e.to_string()))?;
            let (width, height) = (img.width(), img.height());
            let pixels = if img.color().has_color() {
                img.into_rgb8().chunks_exact(3).map(seal_dropout).collect()
            } else {
                img.into_luma8().into_raw()
            };
            vec![Gray {
                width,
                height,
                pixels,
            }]
        }
    };
    if pages.is_empty() {
        return Err(IngestError::Image("no pages".into()));
    }
    if pages.len() as u64 > u64::from(limits.max_pages) {
        return Err(IngestError::Image(format!(
            "{} pages, over the {}-page limit",
            pages.len(),
            limits.max_pages
        )));
    }
    let wrapped = wrap_pdf(&pages)?;
    let mut read = pdf::ingest_pdf(&wrapped, limits)?;
    read.format = format.format();
    Ok(read)
}

/// Every frame of a TIFF, in order.
fn tiff_pages(bytes: &[u8], limits: &Limits) -> Result<Vec<Gray>, IngestError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::ColorType;
    let err = |e: tiff::TiffError| IngestError::Image(format!("TIFF: {e}"));
    let mut tiff_limits = tiff::decoder::Limits::default();
    tiff_limits.decoding_buffer_size = limits.max_decompressed_bytes as usize;
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(err)?
        .with_limits(tiff_limits);
    let mut pages = Vec::new();
    loop {
        let (width, height) = decoder.dimensions().map_err(err)?;
        let color = decoder.colortype().map_err(err)?;
        // 0: white is zero (bilevel scans often say so).
        let white_is_zero = decoder
            .get_tag_u32(tiff::tags::Tag::PhotometricInterpretation)
            .is_ok_and(|p| p == 0);
        let data = decoder.read_image().map_err(err)?;
        let samples: Vec<u8> = match data {
            DecodingResult::U8(v) => v,
            DecodingResult::U16(v) => v.into_iter().map(|s| (s >> 8) as u8).collect(),
            _ => return Err(IngestError::Image("TIFF: unsupported sample type".into())),
        };
        let pixels: Vec<u8> = match color {
            ColorType::Gray(8) | ColorType::Gray(16) => samples,
            ColorType::GrayA(8) | ColorType::GrayA(16) => samples.into_iter().step_by(2).collect(),
            ColorType::RGB(8) | ColorType::RGB(16) => {
                samples.chunks_exact(3).map(seal_dropout).collect()
            }
            ColorType::RGBA(8) | ColorType::RGBA(16) => {
                samples.chunks_exact(4).map(seal_dropout).collect()
            }
            ColorType::Gray(1) => unpack_bits(&samples, width, height),
            other => {
                return Err(IngestError::Image(format!(
                    "TIFF: unsupported colour type {other:?}"
                )))
            }
        };
        let pixels = if white_is_zero {
            pixels.into_iter().map(|p| 255 - p).collect()
        } else {
            pixels
        };
        if pixels.len() != (width as usize) * (height as usize) {
            return Err(IngestError::Image("TIFF: truncated page".into()));
        }
        pages.push(Gray {
            width,
            height,
            pixels,
        });
        if !decoder.more_images() {
            return Ok(pages);
        }
        decoder.next_image().map_err(err)?;
    }
}

/// One bit a pixel, rows padded to whole bytes, 1 = white: to 0/255 grey.
fn unpack_bits(packed: &[u8], width: u32, height: u32) -> Vec<u8> {
    let stride = (width as usize).div_ceil(8);
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for row in packed.chunks(stride).take(height as usize) {
        for x in 0..width as usize {
            let bit = row.get(x / 8).is_some_and(|b| b & (0x80 >> (x % 8)) != 0);
            out.push(if bit { 255 } else { 0 });
        }
    }
    out
}

/// An image-only PDF, one page per image, each page the image's size at [`ocr::DPI`].
fn wrap_pdf(pages: &[Gray]) -> Result<Vec<u8>, IngestError> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    let points = |px: u32| f64::from(px) * 72.0 / f64::from(ocr::DPI);
    for page in pages {
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::fast());
        zlib.write_all(&page.pixels)
            .map_err(|e| IngestError::Image(e.to_string()))?;
        let data = zlib
            .finish()
            .map_err(|e| IngestError::Image(e.to_string()))?;
        let image = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => page.width,
                "Height" => page.height,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => 8,
                "Filter" => "FlateDecode",
            },
            data,
        );
        let image_id = doc.add_object(image);
        let (w, h) = (points(page.width), points(page.height));
        let content = format!("q {w:.4} 0 0 {h:.4} 0 0 cm /Im0 Do Q");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(w as f32), Object::Real(h as f32)],
            "Contents" => content_id,
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| IngestError::Image(format!("wrapping as PDF: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_numbers() {
        assert_eq!(
            ImageFormat::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(ImageFormat::Png)
        );
        assert_eq!(ImageFormat::sniff(b"II*\0...."), Some(ImageFormat::Tiff));
        assert_eq!(ImageFormat::sniff(b"%PDF-1.4"), None);
    }

    #[test]
    fn bilevel_rows_are_padded() {
        assert_eq!(
            unpack_bits(&[0b1010_0000, 0b0100_0000], 3, 2),
            [255, 0, 255, 0, 255, 0]
        );
    }
}
