//! A pack file opened for reading: its preamble and index checked, its pixels memory-mapped.

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::error::{DataError, Result};
use crate::pack::bytes::checksum;
use crate::pack::index::PackIndex;
use crate::pack::layout::{Preamble, PIXELS_OFFSET};

/// An open pack: the file mapped into memory, its preamble and its index.
pub struct PackFile {
    path: PathBuf,
    map: Mmap,
    preamble: Preamble,
    index: PackIndex,
}

impl PackFile {
    /// Opens and maps the pack at `path`, checking its magic number, version, length (a
    /// truncated file is refused), index checksum and index; the error names the file and
    /// what is wrong with it.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| DataError::io(path, e))?;
        let len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
        // SAFETY: the map is read-only and a pack is never changed in place: it is written
        // whole to a temporary file and renamed, so a new pack replaces the file's name, not
        // the bytes mapped here. A file truncated by someone else while mapped would fault.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| DataError::io(path, e))?;
        let bad = |reason: String| DataError::BadPack {
            path: path.to_path_buf(),
            reason,
        };
        let preamble = Preamble::decode(&map, len).map_err(bad)?;
        let start = preamble.index_offset().expect("checked by decode") as usize;
        let bytes = &map[start..start + preamble.index_len as usize];
        if checksum(bytes) != preamble.index_checksum {
            return Err(bad(format!(
                "its index (bytes {start} to {}) does not match its checksum: the file is damaged",
                start + bytes.len()
            )));
        }
        let index =
            PackIndex::decode(bytes).map_err(|e| bad(format!("its index is malformed: {e}")))?;
        if (index.train.len(), index.val.len()) != (preamble.train, preamble.val) {
            return Err(bad(format!(
                "its header counts {} training and {} validation images, its index {} and {}",
                preamble.train,
                preamble.val,
                index.train.len(),
                index.val.len()
            )));
        }
        Ok(PackFile {
            path: path.to_path_buf(),
            map,
            preamble,
            index,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The side of the images, in pixels.
    pub fn stored_size(&self) -> usize {
        self.preamble.stored_size
    }

    /// The index: dataset kind, catalog, each image's class and name.
    pub fn index(&self) -> &PackIndex {
        &self.index
    }

    /// The pixels of image `i` (training images first, then validation), u8 HWC RGB.
    pub fn pixels(&self, i: usize) -> Option<&[u8]> {
        let len = self.preamble.image_len() as usize;
        let start = PIXELS_OFFSET as usize + i.checked_mul(len)?;
        (i < self.preamble.train + self.preamble.val).then(|| &self.map[start..start + len])
    }
}
