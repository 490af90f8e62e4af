//! Packed datasets: every image of a dataset decoded and resized to the stored size once
//! (`cargo xtask pack`), kept in one file that training reads by memory map, so that no image
//! is decoded while a net trains and the operating system's page cache shares the pixels
//! between processes.
//!
//! A pack file, all numbers little-endian:
//!
//! | bytes | what |
//! | --- | --- |
//! | 0..8 | the magic number `CNVTPACK` |
//! | 8..12 | the format version (`u32`, [`VERSION`]) |
//! | 12..16 | the stored size `s` (`u32`) |
//! | 16..24, 24..32 | training and validation images (`u64` each): `n` in all |
//! | 32..40, 40..48 | where the index starts (`u64`, `4096 + n * s * s * 3`) and its length |
//! | 48..56 | the index's checksum (64-bit FNV-1a, `u64`) |
//! | 56..4096 | zeros |
//! | 4096.. | the images, training then validation, each `s * s * 3` bytes of u8 HWC RGB, exactly what the dataset's own source loads |
//! | index | the packed dataset's kind, its catalog (dataset name; per class id, name and group) and per image its class (`u32`) and original file name; strings are a `u32` length and UTF-8 |
//!
//! The file ends with the index: a file of another length is refused as truncated (or not a
//! pack). A [`crate::DatasetKind::Packed`] dataset opens one as a [`crate::Source`]
//! (`crate::sources::packed`).

pub mod bytes;
pub mod file;
pub mod index;
pub mod layout;
pub mod write;

pub use file::PackFile;
pub use index::{PackIndex, PackedImage};
pub use layout::{Preamble, MAGIC, PIXELS_OFFSET, VERSION};
pub use write::{pack_path, write_pack, PackSummary};
