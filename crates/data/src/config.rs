//! What dataset to read and how to preprocess it: the `[data]` part of a run's config.

use std::path::PathBuf;

use convnet_splits::Grouping;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};

/// The kinds of dataset this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// The generated glyph dataset: no files, built from a seed.
    Embedded,
    /// ILSVRC-2012: `train/<wnid>/*.JPEG`, validation as class folders or a flat folder + list.
    #[serde(rename = "imagenet")]
    ImageNet,
    /// Tiny ImageNet in its own layout.
    #[serde(rename = "tiny-imagenet")]
    TinyImageNet,
    /// CIFAR-100, binary version (`train.bin`, `test.bin`).
    Cifar100,
    /// CIFAR-10, binary version (`data_batch_{1..5}.bin`, `test_batch.bin`).
    Cifar10,
    /// A generic tree: `train/<class>/*` and `val/<class>/*`, JPEG or PNG.
    Folder,
    /// A dataset of any other kind packed by `cargo xtask pack`: one file of its images
    /// already decoded and resized to the stored size, read by memory map (`crate::pack`).
    Packed,
}

impl DatasetKind {
    /// The name used in config files.
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Embedded => "embedded",
            DatasetKind::ImageNet => "imagenet",
            DatasetKind::TinyImageNet => "tiny-imagenet",
            DatasetKind::Cifar100 => "cifar100",
            DatasetKind::Cifar10 => "cifar10",
            DatasetKind::Folder => "folder",
            DatasetKind::Packed => "packed",
        }
    }

    /// The kind whose [`DatasetKind::name`] this is.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            DatasetKind::Embedded,
            DatasetKind::ImageNet,
            DatasetKind::TinyImageNet,
            DatasetKind::Cifar100,
            DatasetKind::Cifar10,
            DatasetKind::Folder,
            DatasetKind::Packed,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

/// Parameters of the generated glyph dataset (see `docs/embedded-dataset.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddedConfig {
    /// Number of classes; half are letters, half symbols (at most 120).
    pub classes: usize,
    /// Training images per class.
    pub train_per_class: usize,
    /// Validation images per class.
    pub val_per_class: usize,
    /// Side of the generated square images, in pixels.
    pub image_size: usize,
    /// Seed of the image generator: the same seed gives the same images (the run's `seed`
    /// leaves the images alone).
    pub image_seed: u64,
    /// Standard deviation of the pixel noise, as a fraction of the 0..255 range.
    pub noise: f32,
    /// Amount of background clutter: 0 none, 1 the default, larger more strokes and fragments.
    pub clutter: f32,
    /// Strength of the geometric deformation (rotation, shear, scale, warp): 0 none, 1 default.
    pub deformation: f32,
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        EmbeddedConfig {
            classes: 100,
            train_per_class: 500,
            val_per_class: 100,
            image_size: 32,
            image_seed: 0,
            noise: 0.06,
            clutter: 1.0,
            deformation: 1.0,
        }
    }
}

impl EmbeddedConfig {
    /// Checks every field; the error names the bad one.
    pub fn validate(&self) -> Result<()> {
        if self.classes < 2 {
            return Err(DataError::config(
                "embedded.classes",
                "need at least 2 classes",
            ));
        }
        if self.train_per_class == 0 {
            return Err(DataError::config(
                "embedded.train_per_class",
                "must be at least 1",
            ));
        }
        if self.val_per_class == 0 {
            return Err(DataError::config(
                "embedded.val_per_class",
                "must be at least 1",
            ));
        }
        if !(8..=512).contains(&self.image_size) {
            return Err(DataError::config(
                "embedded.image_size",
                format!("{} is outside 8..=512", self.image_size),
            ));
        }
        for (field, value) in [
            ("embedded.noise", self.noise),
            ("embedded.clutter", self.clutter),
            ("embedded.deformation", self.deformation),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(DataError::config(field, format!("{value} must be >= 0")));
            }
        }
        Ok(())
    }
}

/// Which dataset to read and how to preprocess its images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatasetConfig {
    /// The kind of dataset.
    pub kind: DatasetKind,
    /// Its root folder (every kind but `embedded`); for `packed`, the pack file.
    pub path: Option<PathBuf>,
    /// Images are resized to `stored_size` x `stored_size` (Caffe: 256); a pack holds its
    /// images at one stored size, which must be this one.
    pub stored_size: usize,
    /// Random crop for training, centre crop for validation (Caffe: 227).
    pub crop_size: usize,
    /// Multiplies `pixel - mean` (Caffe's `transform_param.scale`; 1.0 in the paper).
    pub scale: f32,
    /// Random horizontal mirror in training.
    pub mirror: bool,
    /// Skip and count corrupt image files instead of failing.
    pub skip_bad_images: bool,
    /// Natural / man-made assignment for ImageNet-derived catalogs (an experiment's
    /// configuration sets it under `[splits.dissimilar]`, where it says what the groups mean).
    #[serde(skip)]
    pub grouping: Grouping,
    /// ImageNet with a flat validation folder: the `<file> <wnid or index>` list.
    pub val_labels: Option<PathBuf>,
    /// Folder kind: an optional `class<TAB>group` file.
    pub group_file: Option<PathBuf>,
    /// Keep at most this many training images per class (the first in file order).
    pub max_train_per_class: Option<usize>,
    /// Keep at most this many validation images per class (the first in file order).
    pub max_val_per_class: Option<usize>,
    /// Parameters of the generated dataset (kind `embedded`).
    pub embedded: EmbeddedConfig,
}

impl Default for DatasetConfig {
    /// The embedded dataset at 32x32, cropped to 28x28, unscaled pixels.
    fn default() -> Self {
        DatasetConfig {
            kind: DatasetKind::Embedded,
            path: None,
            stored_size: 32,
            crop_size: 28,
            scale: 1.0,
            mirror: true,
            skip_bad_images: false,
            grouping: Grouping::Paper,
            val_labels: None,
            group_file: None,
            max_train_per_class: None,
            max_val_per_class: None,
            embedded: EmbeddedConfig::default(),
        }
    }
}

impl DatasetConfig {
    /// The paper's preprocessing (stored 256, crop 227, scale 1, mirror) for a dataset on disk.
    pub fn caffe(kind: DatasetKind, path: impl Into<PathBuf>) -> Self {
        DatasetConfig {
            kind,
            path: Some(path.into()),
            stored_size: 256,
            crop_size: 227,
            ..DatasetConfig::default()
        }
    }

    /// A dataset on disk with the given stored and crop sizes.
    pub fn on_disk(
        kind: DatasetKind,
        path: impl Into<PathBuf>,
        stored_size: usize,
        crop_size: usize,
    ) -> Self {
        DatasetConfig {
            kind,
            path: Some(path.into()),
            stored_size,
            crop_size,
            ..DatasetConfig::default()
        }
    }

    /// The embedded dataset with these generator parameters; stored at their image size,
    /// cropped to 7/8 of it.
    pub fn embedded(embedded: EmbeddedConfig) -> Self {
        DatasetConfig {
            stored_size: embedded.image_size,
            crop_size: embedded.image_size * 7 / 8,
            embedded,
            ..DatasetConfig::default()
        }
    }

    /// The root folder, or an error naming `path` when the kind needs one.
    pub fn root(&self) -> Result<&PathBuf> {
        self.path.as_ref().ok_or_else(|| {
            DataError::config(
                "path",
                format!("dataset kind `{}` needs a path", self.kind.name()),
            )
        })
    }

    /// Checks every field; the error names the bad one.
    pub fn validate(&self) -> Result<()> {
        if self.stored_size == 0 {
            return Err(DataError::config("stored_size", "must be at least 1"));
        }
        if self.crop_size == 0 || self.crop_size > self.stored_size {
            return Err(DataError::config(
                "crop_size",
                format!(
                    "{} must be in 1..={} (stored_size)",
                    self.crop_size, self.stored_size
                ),
            ));
        }
        if !self.scale.is_finite() || self.scale <= 0.0 {
            return Err(DataError::config(
                "scale",
                format!("{} must be finite and > 0", self.scale),
            ));
        }
        if self.max_train_per_class == Some(0) {
            return Err(DataError::config(
                "max_train_per_class",
                "must be at least 1",
            ));
        }
        if self.max_val_per_class == Some(0) {
            return Err(DataError::config("max_val_per_class", "must be at least 1"));
        }
        match self.kind {
            DatasetKind::Embedded => {
                if self.path.is_some() {
                    return Err(DataError::config(
                        "path",
                        "the embedded dataset has no files; remove `path`",
                    ));
                }
                self.embedded.validate()?;
            }
            _ => {
                self.root()?;
            }
        }
        if self.val_labels.is_some() && self.kind != DatasetKind::ImageNet {
            return Err(DataError::config(
                "val_labels",
                "only the imagenet kind reads a validation label list",
            ));
        }
        if self.group_file.is_some() && self.kind != DatasetKind::Folder {
            return Err(DataError::config(
                "group_file",
                "only the folder kind reads a group file",
            ));
        }
        Ok(())
    }
}
