//! A pack's index, stored after its images: the kind and catalog of the dataset that was
//! packed, and each image's class and original file name.

use convnet_splits::{Catalog, ClassInfo};

use crate::config::DatasetKind;
use crate::pack::bytes::{ByteReader, ByteWriter};

/// One packed image: its class and the file (or record) it was decoded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedImage {
    /// The original class index (position in the catalog).
    pub class: usize,
    /// The file it was decoded from, relative to the dataset's root where it lay under it
    /// (or the record, for datasets held in memory), for error messages.
    pub name: String,
}

/// What a pack holds besides pixels: which dataset, which classes, which images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackIndex {
    /// The kind of the dataset that was packed (never [`DatasetKind::Packed`]).
    pub kind: DatasetKind,
    /// Its catalog as it was packed: dataset name, classes in catalog order with their ids,
    /// names and groups.
    pub catalog: Catalog,
    /// The training images, in the order of their pixels.
    pub train: Vec<PackedImage>,
    /// The validation images, in the order of their pixels, after the training images.
    pub val: Vec<PackedImage>,
}

impl PackIndex {
    /// The index's bytes, little-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = ByteWriter::default();
        out.str(self.kind.name());
        out.str(self.catalog.dataset());
        out.u32(self.catalog.len() as u32);
        for class in self.catalog.classes() {
            out.str(&class.id);
            out.str(&class.name);
            out.optional_str(class.group.as_deref());
        }
        for images in [&self.train, &self.val] {
            out.u64(images.len() as u64);
            for image in images {
                out.u32(image.class as u32);
                out.str(&image.name);
            }
        }
        out.into_bytes()
    }

    /// Reads an index written by [`PackIndex::encode`]; the error says what is malformed.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut input = ByteReader::new(bytes);
        let kind = input.str("the dataset kind")?;
        let kind = DatasetKind::from_name(&kind)
            .filter(|&k| k != DatasetKind::Packed)
            .ok_or_else(|| format!("unknown dataset kind `{kind}`"))?;
        let dataset = input.str("the dataset name")?;
        let count = input.u32("the class count")? as usize;
        let classes = (0..count)
            .map(|index| {
                Ok(ClassInfo {
                    index,
                    id: input.str("a class id")?,
                    name: input.str("a class name")?,
                    group: input.optional_str("a class group")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let catalog = Catalog::new(dataset, classes).map_err(|e| e.to_string())?;
        let mut images = |subset: &str| -> Result<Vec<PackedImage>, String> {
            let count = input.u64(&format!("the {subset} image count"))?;
            (0..count)
                .map(|i| {
                    let class = input.u32("an image's class")? as usize;
                    if class >= catalog.len() {
                        return Err(format!(
                            "{subset} image {i} has class {class}, not below {}",
                            catalog.len()
                        ));
                    }
                    let name = input.str("an image's name")?;
                    Ok(PackedImage { class, name })
                })
                .collect()
        };
        let train = images("training")?;
        let val = images("validation")?;
        if input.remaining() != 0 {
            return Err(format!("{} bytes after its end", input.remaining()));
        }
        Ok(PackIndex {
            kind,
            catalog,
            train,
            val,
        })
    }
}
