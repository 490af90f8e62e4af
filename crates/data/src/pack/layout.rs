//! The fixed start of a pack file (its preamble): magic number, format version, stored size,
//! image counts, and where the index lies and its checksum.

use crate::pack::bytes::{ByteReader, ByteWriter};

/// The first eight bytes of every pack file.
pub const MAGIC: [u8; 8] = *b"CNVTPACK";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Length of the preamble in bytes.
pub const PREAMBLE_LEN: usize = 64;
/// Where the first image's pixels start: the preamble padded to a 4 KiB page, so that the
/// pixels start on a page of their own.
pub const PIXELS_OFFSET: u64 = 4096;

/// What the preamble says: the stored size, the image counts and the index's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preamble {
    /// The side of every image, in pixels.
    pub stored_size: usize,
    /// Training images, stored first.
    pub train: usize,
    /// Validation images, stored after the training images.
    pub val: usize,
    /// Length of the index in bytes; it follows the last image.
    pub index_len: u64,
    /// [`crate::pack::bytes::checksum`] of the index.
    pub index_checksum: u64,
}

impl Preamble {
    /// Bytes of one image: `stored_size² x 3`, u8 HWC RGB.
    pub fn image_len(&self) -> u64 {
        (self.stored_size as u64).pow(2) * 3
    }

    /// Where the index starts: after every image (`None` when that overflows a `u64`).
    pub fn index_offset(&self) -> Option<u64> {
        (self.train as u64)
            .checked_add(self.val as u64)?
            .checked_mul(self.image_len())?
            .checked_add(PIXELS_OFFSET)
    }

    /// The length of the whole file.
    pub fn file_len(&self) -> Option<u64> {
        self.index_offset()?.checked_add(self.index_len)
    }

    /// The preamble's bytes, little-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = ByteWriter::default();
        out.u64(u64::from_le_bytes(MAGIC));
        out.u32(VERSION);
        out.u32(self.stored_size as u32);
        out.u64(self.train as u64);
        out.u64(self.val as u64);
        out.u64(self.index_offset().expect("a written pack fits in a u64"));
        out.u64(self.index_len);
        out.u64(self.index_checksum);
        out.u64(0);
        let bytes = out.into_bytes();
        debug_assert_eq!(bytes.len(), PREAMBLE_LEN);
        bytes
    }

    /// Reads a preamble and checks it against the length of its file; the error says what is
    /// wrong (another format, another version, a truncated file, an inconsistent header).
    pub fn decode(bytes: &[u8], file_len: u64) -> Result<Self, String> {
        if bytes.len() < PREAMBLE_LEN {
            return Err(format!(
                "is {file_len} bytes, shorter than the {PREAMBLE_LEN}-byte header of a pack: \
                 truncated, or not a packed dataset"
            ));
        }
        let mut input = ByteReader::new(&bytes[..PREAMBLE_LEN]);
        let magic = input.u64("the magic number")?.to_le_bytes();
        if magic != MAGIC {
            return Err(format!(
                "does not start with `{}` but with {magic:02x?}: not a packed dataset (made by \
                 `cargo xtask pack`)",
                String::from_utf8_lossy(&MAGIC)
            ));
        }
        let version = input.u32("the version")?;
        if version != VERSION {
            return Err(format!(
                "is format version {version}, this build reads version {VERSION}: pack the \
                 dataset again with this build"
            ));
        }
        let stored_size = input.u32("the stored size")? as usize;
        let train = input.u64("the training image count")?;
        let val = input.u64("the validation image count")?;
        let index_offset = input.u64("the index offset")?;
        let preamble = Preamble {
            stored_size,
            train: usize::try_from(train).map_err(|_| format!("{train} training images"))?,
            val: usize::try_from(val).map_err(|_| format!("{val} validation images"))?,
            index_len: input.u64("the index length")?,
            index_checksum: input.u64("the index checksum")?,
        };
        if stored_size == 0 || preamble.index_offset() != Some(index_offset) {
            return Err(format!(
                "has an inconsistent header: {train} + {val} images of {stored_size}x{stored_size} \
                 do not end at byte {index_offset}, where it says its index starts"
            ));
        }
        let expected = preamble
            .file_len()
            .ok_or_else(|| "has an index that ends past 2^64 bytes".to_string())?;
        if file_len < expected {
            return Err(format!(
                "is truncated: {file_len} bytes, its header says {expected} ({train} training \
                 and {val} validation images of {stored_size}x{stored_size}, then the index)"
            ));
        }
        if file_len > expected {
            return Err(format!(
                "is {file_len} bytes, {} more than its header says: not a pack as written",
                file_len - expected
            ));
        }
        Ok(preamble)
    }
}
