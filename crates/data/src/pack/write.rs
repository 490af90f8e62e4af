//! Writing a pack: every training and validation image of a dataset decoded and resized once,
//! by the dataset's own source (so exactly as the loader would load it), stored in order.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use image::RgbImage;
use rayon::prelude::*;

use crate::config::{DatasetConfig, DatasetKind};
use crate::error::{DataError, Result};
use crate::pack::bytes::checksum;
use crate::pack::index::{PackIndex, PackedImage};
use crate::pack::layout::{Preamble, PIXELS_OFFSET};
use crate::scan::{unreadable_error, Unreadable};
use crate::source::{Sample, Source, Subset};

/// Images decoded in parallel at a time, then written in order while the next ones decode.
const CHUNK: usize = 256;

/// What [`write_pack`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct PackSummary {
    /// The pack file.
    pub path: PathBuf,
    /// Training images packed.
    pub train: usize,
    /// Validation images packed.
    pub val: usize,
    /// Images left out because they cannot be decoded (only with `skip_bad_images`).
    pub skipped: Vec<Unreadable>,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// The file [`write_pack`] writes for `out`: `out` itself, or, when `out` is a folder,
/// `<the dataset folder's name>-<stored size>.pack` in it (`embedded-32.pack` for the embedded
/// dataset).
pub fn pack_path(config: &DatasetConfig, out: &Path) -> PathBuf {
    if !out.is_dir() {
        return out.to_path_buf();
    }
    let stem = config
        .path
        .as_deref()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| config.kind.name().to_string());
    out.join(format!("{stem}-{}.pack", config.stored_size))
}

/// Packs the dataset `config` describes into [`pack_path`]`(config, out)`: every training and
/// validation image (as many per class as the config keeps) decoded and resized to its
/// `stored_size` once, with the dataset's catalog and each image's class and file name.
/// Unreadable images are an error listing them, or, with `skip_bad_images`, left out and
/// listed in the summary. The file is written whole or not at all. `progress` is told the
/// images done and the images in all as the work goes on.
pub fn write_pack(
    config: &DatasetConfig,
    out: &Path,
    mut progress: impl FnMut(usize, usize),
) -> Result<PackSummary> {
    if config.kind == DatasetKind::Packed {
        return Err(DataError::config(
            "kind",
            "the dataset is packed already: pack the dataset it was made from",
        ));
    }
    let source = crate::source::open(config)?;
    let path = pack_path(config, out);
    let write_error = |source| DataError::Write {
        path: path.clone(),
        source,
    };
    let total = source.train().len() + source.val().len();
    let mut done = 0;
    let mut written = None;
    convnet_files::write_through_temporary(&path, |temporary| {
        let file = File::create(temporary).map_err(write_error)?;
        let mut packer = Packer {
            out: BufWriter::with_capacity(1 << 22, file),
            path: &path,
            source: source.as_ref(),
            root: config.path.as_deref(),
            images: [Vec::new(), Vec::new()],
            unreadable: Vec::new(),
        };
        packer.write(&[0; PIXELS_OFFSET as usize])?;
        for subset in [Subset::Train, Subset::Val] {
            packer.subset(subset, &mut |images| {
                done += images;
                progress(done, total);
            })?;
        }
        written = Some(packer.finish(config, total)?);
        Ok(())
    })
    .map_err(write_error)??;
    let (preamble, skipped) = written.expect("the pack is written when its writer succeeds");
    Ok(PackSummary {
        path,
        train: preamble.train,
        val: preamble.val,
        skipped,
        bytes: preamble.file_len().expect("a written pack fits in a u64"),
    })
}

/// The pack as it is being written.
struct Packer<'a> {
    out: BufWriter<File>,
    /// The pack's final path, for errors.
    path: &'a Path,
    source: &'a dyn Source,
    /// The dataset's root folder: image names are stored relative to it.
    root: Option<&'a Path>,
    /// The training and the validation images written so far.
    images: [Vec<PackedImage>; 2],
    unreadable: Vec<Unreadable>,
}

/// Where a subset's images go in [`Packer::images`].
fn position(subset: Subset) -> usize {
    match subset {
        Subset::Train => 0,
        Subset::Val => 1,
    }
}

/// A chunk of a subset's samples and what loading each gave.
type Decoded = (Range<usize>, Vec<Result<RgbImage>>);

impl Packer<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|source| DataError::Write {
                path: self.path.to_path_buf(),
                source,
            })
    }

    /// Decodes the subset's images chunk by chunk in parallel, writing each chunk while the
    /// next one decodes; `stored` is told how many images each written chunk held.
    fn subset(&mut self, subset: Subset, stored: &mut dyn FnMut(usize)) -> Result<()> {
        let source = self.source;
        let samples = subset.samples(source);
        let chunks = (0..samples.len())
            .step_by(CHUNK)
            .map(|start| start..(start + CHUNK).min(samples.len()));
        let mut pending: Option<Decoded> = None;
        for next in chunks.map(Some).chain([None]) {
            let (written, decoded) = rayon::join(
                || match pending.take() {
                    Some((range, images)) => self.store(subset, range, images).map(Some),
                    None => Ok(None),
                },
                || {
                    next.map(|range| {
                        let images = samples[range.clone()]
                            .par_iter()
                            .map(|sample| source.load(sample))
                            .collect();
                        (range, images)
                    })
                },
            );
            if let Some(count) = written? {
                stored(count);
            }
            pending = decoded;
        }
        Ok(())
    }

    /// Writes the pixels of a decoded chunk and records its images (or the unreadable ones);
    /// returns the chunk's length.
    fn store(
        &mut self,
        subset: Subset,
        range: Range<usize>,
        images: Vec<Result<RgbImage>>,
    ) -> Result<usize> {
        let count = range.len();
        let samples = subset.samples(self.source);
        for (index, image) in range.zip(images) {
            let sample = &samples[index];
            match image {
                Ok(image) => {
                    self.write(image.as_raw())?;
                    let name = self.name(sample);
                    self.images[position(subset)].push(PackedImage {
                        class: sample.class,
                        name,
                    });
                }
                Err(e) if e.is_bad_image() => {
                    let name = self.source.describe(sample);
                    self.unreadable
                        .push(Unreadable::new(subset, index, name, e));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(count)
    }

    /// The sample's file relative to the dataset's root (as the source names it otherwise).
    fn name(&self, sample: &Sample) -> String {
        let described = self.source.describe(sample);
        self.root
            .and_then(|root| Path::new(&described).strip_prefix(root).ok())
            .map(|relative| relative.display().to_string())
            .unwrap_or(described)
    }

    /// Refuses unreadable images unless they may be skipped, then writes the index and, at the
    /// start of the file, the preamble; syncs the file.
    fn finish(
        mut self,
        config: &DatasetConfig,
        checked: usize,
    ) -> Result<(Preamble, Vec<Unreadable>)> {
        if !self.unreadable.is_empty() && !config.skip_bad_images {
            return Err(unreadable_error(&self.unreadable, checked));
        }
        let [train, val] = std::mem::take(&mut self.images);
        let index = PackIndex {
            kind: config.kind,
            catalog: self.source.catalog().clone(),
            train,
            val,
        };
        let bytes = index.encode();
        let preamble = Preamble {
            stored_size: self.source.stored_size(),
            train: index.train.len(),
            val: index.val.len(),
            index_len: bytes.len() as u64,
            index_checksum: checksum(&bytes),
        };
        self.write(&bytes)?;
        let path = self.path;
        let write_error = |source| DataError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| write_error(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(write_error)?;
        file.write_all(&preamble.encode()).map_err(write_error)?;
        file.sync_all().map_err(write_error)?;
        Ok((preamble, self.unreadable))
    }
}
