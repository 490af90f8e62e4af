//! One pass over a dataset's images before anything trains: every image is decoded once, the
//! unreadable ones are listed, and the mean image of each half's training images is summed on
//! the way (Caffe's `compute_image_mean`, for every half at once).

use std::collections::BTreeSet;

use convnet_splits::Half;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::mean::MeanImage;
use crate::source::{Source, Subset};

/// An image that cannot be decoded (corrupt, truncated, or not an image).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    /// Training or validation image.
    pub subset: Subset,
    /// Its index among the subset's samples ([`Source::train`] or [`Source::val`]).
    pub index: usize,
    /// Its file (or record), as [`Source::describe`] gives it.
    pub name: String,
    /// What the decoder said.
    pub reason: String,
}

impl Unreadable {
    /// The image at `index` of `subset`, named `name`, that failed to decode with `error`.
    pub fn new(subset: Subset, index: usize, name: String, error: DataError) -> Self {
        let reason = match error {
            DataError::BadImage { reason, .. } => reason,
            other => other.to_string(),
        };
        Unreadable {
            subset,
            index,
            name,
            reason,
        }
    }
}

/// What [`scan_images`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageScan {
    /// The mean of the readable training images of each half, in the order the halves were
    /// given; `None` for a half none of whose training images could be read.
    pub means: Vec<Option<MeanImage>>,
    /// Every unreadable image, training images first, each in the source's order.
    pub unreadable: Vec<Unreadable>,
    /// Images decoded (readable or not).
    pub checked: usize,
}

/// Per-pixel sums of the readable training images of each half (integers, so that the result
/// does not depend on how the images were shared among threads).
struct Sums {
    per_half: Vec<Vec<u64>>,
    counts: Vec<usize>,
    unreadable: Vec<Unreadable>,
}

impl Sums {
    fn new(halves: usize, len: usize) -> Self {
        Sums {
            per_half: vec![vec![0; len]; halves],
            counts: vec![0; halves],
            unreadable: Vec::new(),
        }
    }

    fn merge(mut self, other: Sums) -> Sums {
        for (mine, theirs) in self.per_half.iter_mut().zip(other.per_half) {
            for (total, value) in mine.iter_mut().zip(theirs) {
                *total += value;
            }
        }
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.unreadable.extend(other.unreadable);
        self
    }
}

/// Decodes every image of `subsets` whose class belongs to one of `halves`, once, in parallel;
/// sums each half's training images into its mean image on the way. An image that cannot be
/// decoded is listed, not an error; any other failure (a file that cannot be read at all) is.
pub fn scan_images(source: &dyn Source, halves: &[Half], subsets: &[Subset]) -> Result<ImageScan> {
    let size = source.stored_size();
    let (plane, len) = (size * size, 3 * size * size);
    // For each class of the catalog, the halves it belongs to.
    let classes = source.catalog().len();
    let halves_of: Vec<Vec<usize>> = (0..classes)
        .map(|class| {
            (0..halves.len())
                .filter(|&h| halves[h].contains(class))
                .collect()
        })
        .collect();
    let mut unreadable = Vec::new();
    let mut means = vec![None; halves.len()];
    let mut checked = 0;
    for &subset in subsets {
        let samples = subset.samples(source);
        let wanted: Vec<usize> = (0..samples.len())
            .filter(|&i| !halves_of[samples[i].class].is_empty())
            .collect();
        checked += wanted.len();
        let sum_train = subset == Subset::Train;
        let sums = wanted
            .par_iter()
            .try_fold(
                || Sums::new(if sum_train { halves.len() } else { 0 }, len),
                |mut sums, &index| {
                    let sample = &samples[index];
                    match source.load(sample) {
                        Ok(image) if sum_train => {
                            for &h in &halves_of[sample.class] {
                                let total = &mut sums.per_half[h];
                                for (i, px) in image.as_raw().chunks_exact(3).enumerate() {
                                    total[i] += u64::from(px[0]);
                                    total[plane + i] += u64::from(px[1]);
                                    total[2 * plane + i] += u64::from(px[2]);
                                }
                                sums.counts[h] += 1;
                            }
                        }
                        Ok(_) => {}
                        Err(e) if e.is_bad_image() => sums.unreadable.push(Unreadable::new(
                            subset,
                            index,
                            source.describe(sample),
                            e,
                        )),
                        Err(e) => return Err(e),
                    }
                    Ok(sums)
                },
            )
            .try_reduce(
                || Sums::new(if sum_train { halves.len() } else { 0 }, len),
                |a, b| Ok(a.merge(b)),
            )?;
        let mut found = sums.unreadable;
        found.sort_by_key(|u| u.index);
        unreadable.extend(found);
        if sum_train {
            for (h, (total, count)) in sums.per_half.into_iter().zip(sums.counts).enumerate() {
                if count > 0 {
                    let data = total
                        .into_iter()
                        .map(|s| (s as f64 / count as f64) as f32)
                        .collect();
                    means[h] = Some(MeanImage::from_chw(size, data)?);
                }
            }
        }
    }
    Ok(ImageScan {
        means,
        unreadable,
        checked,
    })
}

/// The error for unreadable images found by a scan when they may not be skipped: how many, the
/// first few by name and reason, and how to skip them.
pub fn unreadable_error(unreadable: &[Unreadable], checked: usize) -> DataError {
    const LISTED: usize = 10;
    let mut listed: Vec<String> = unreadable
        .iter()
        .take(LISTED)
        .map(|u| format!("{}: {}", u.name, u.reason))
        .collect();
    if unreadable.len() > LISTED {
        listed.push(format!("... and {} more", unreadable.len() - LISTED));
    }
    let subsets: BTreeSet<&str> = unreadable.iter().map(|u| u.subset.name()).collect();
    DataError::UnreadableImages {
        count: unreadable.len(),
        checked,
        subsets: subsets.into_iter().collect::<Vec<_>>().join(" and "),
        list: listed.join("\n  "),
    }
}
