//! Image sources, Caffe preprocessing and a parallel batch loader for the convnet-transfer grid.
//!
//! A [`Source`] ([`open`]) lists a dataset's training and validation samples and loads one as a
//! stored-size RGB image: ImageNet, Tiny ImageNet, CIFAR-100, CIFAR-10, a class-per-folder tree,
//! the generated glyph dataset ([`embedded`]), or any of them packed ([`pack`]: decoded and
//! resized once, read by memory map). [`MeanImage`] is the per-pixel mean of a half's
//! training images; [`scan_images`] decodes every image once before training, listing the
//! unreadable ones and summing every half's mean on the way; [`Preprocess`] is Caffe's transform (mean, crop, mirror, scale); a
//! [`Loader`] turns a half into batches of tensors, decoding in parallel ahead of the trainer.
#![warn(missing_docs)]

pub mod config;
pub mod embedded;
pub mod error;
pub mod imaging;
pub mod loader;
pub mod mean;
pub mod pack;
pub mod preprocess;
pub mod scan;
pub mod seeding;
pub mod source;
pub mod sources;

pub use config::{DatasetConfig, DatasetKind, EmbeddedConfig};
pub use error::DataError;
pub use loader::{Batch, Loader, TrainOrder};
pub use mean::MeanImage;
pub use pack::{write_pack, PackSummary};
pub use preprocess::{Augment, Preprocess};
pub use scan::{scan_images, unreadable_error, ImageScan, Unreadable};
pub use source::{half_samples, open, Location, Sample, Source, Subset};
