//! Decoding image files and resizing them to the stored size.

use std::cell::RefCell;
use std::path::Path;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use crate::error::{DataError, Result};

thread_local! {
    static RESIZER: RefCell<Resizer> = RefCell::new(Resizer::new());
}

/// Reads and decodes an image file (JPEG or PNG, detected from its bytes) as RGB.
pub fn decode_file(path: &Path) -> Result<RgbImage> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    decode_bytes(&bytes, &path.display().to_string())
}

/// Decodes an encoded image held in memory as RGB; `name` is used in the error.
///
/// A JPEG is decoded strictly: a file whose compressed data stops early (a truncated
/// download or copy) or holds a marker where none belongs is an error, not the partial
/// picture a lenient decoder would fill in with grey. A PNG's decoder is strict already.
pub fn decode_bytes(bytes: &[u8], name: &str) -> Result<RgbImage> {
    let bad = |reason: String| DataError::BadImage {
        path: name.to_string(),
        reason,
    };
    if bytes.starts_with(&JPEG_MAGIC) {
        return decode_jpeg(bytes).map_err(bad);
    }
    let image = image::load_from_memory(bytes).map_err(|e| bad(e.to_string()))?;
    Ok(image.into_rgb8())
}

/// The start-of-image marker every JPEG begins with.
const JPEG_MAGIC: [u8; 2] = [0xFF, 0xD8];

/// Decodes a JPEG to RGB with zune-jpeg in strict mode (the decoder the `image` crate uses,
/// which runs it leniently); grey and CMYK pictures are converted to RGB.
fn decode_jpeg(bytes: &[u8]) -> std::result::Result<RgbImage, String> {
    use zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let pixels = decoder.decode().map_err(|e| match e {
        zune_jpeg::errors::DecodeErrors::ExhaustedData => {
            "truncated JPEG: its image data ends before the picture is complete".to_string()
        }
        other => format!("corrupt JPEG: {other}"),
    })?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| "JPEG without dimensions".to_string())?;
    RgbImage::from_raw(width as u32, height as u32, pixels)
        .ok_or_else(|| "JPEG decoded to the wrong number of pixels".to_string())
}

/// Resizes to `size` x `size` (aspect ratio not kept, as Caffe's `convert_imageset`), with a
/// bilinear convolution filter; returns the image itself when it already has that size.
pub fn resize_square(image: RgbImage, size: usize) -> Result<RgbImage> {
    let (width, height) = image.dimensions();
    if width as usize == size && height as usize == size {
        return Ok(image);
    }
    let bad = |reason: String| DataError::BadImage {
        path: format!("{width}x{height} image"),
        reason,
    };
    let source = Image::from_vec_u8(width, height, image.into_raw(), PixelType::U8x3)
        .map_err(|e| bad(e.to_string()))?;
    let mut target = Image::new(size as u32, size as u32, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    RESIZER
        .with(|resizer| resizer.borrow_mut().resize(&source, &mut target, &options))
        .map_err(|e| bad(e.to_string()))?;
    RgbImage::from_raw(size as u32, size as u32, target.into_vec())
        .ok_or_else(|| bad("resized buffer has the wrong length".to_string()))
}

/// Decodes a file and resizes it to the stored size; errors name the file.
pub fn load_file(path: &Path, size: usize) -> Result<RgbImage> {
    let image = decode_file(path)?;
    resize_square(image, size).map_err(|e| match e {
        DataError::BadImage { reason, .. } => DataError::BadImage {
            path: path.display().to_string(),
            reason,
        },
        other => other,
    })
}

/// Whether a file name has an image extension this crate reads (jpg, jpeg, png; any case).
pub fn is_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
        .unwrap_or(false)
}

/// The image files directly inside `dir`, sorted by name.
pub fn list_images(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        let path = entry.path();
        if is_image_name(&path) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
