//! The dataset readers: files on disk, records held in memory, packed datasets, and the
//! generated dataset.

pub mod cifar;
pub mod class_folders;
pub mod embedded;
pub mod file_source;
pub mod folder;
pub mod imagenet;
pub mod memory_source;
pub mod packed;
pub mod tiny_imagenet;
