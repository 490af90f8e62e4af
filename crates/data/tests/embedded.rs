//! The embedded glyph dataset: determinism, class count, groups, sizes, variety.

mod common;

use common::*;
use convnet_data::embedded::{self, glyphs};
use convnet_data::{DatasetConfig, EmbeddedConfig};

#[test]
fn default_has_100_classes_in_two_groups_of_50() {
    let classes = glyphs::select(EmbeddedConfig::default().classes).unwrap();
    let catalog = embedded::catalog(&classes).unwrap();
    assert_eq!(catalog.len(), 100);
    assert_eq!(catalog.dataset(), "embedded");
    let mut groups = catalog.groups();
    groups.sort();
    assert_eq!(groups, vec!["letters".to_string(), "symbols".to_string()]);
    assert_eq!(catalog.group_len("letters"), 50);
    assert_eq!(catalog.group_len("symbols"), 50);
    assert!(glyphs::max_classes() >= 120);
    assert!(glyphs::select(glyphs::max_classes() + 1).is_err());
}

#[test]
fn every_glyph_is_drawn_by_some_face() {
    let classes = glyphs::select(glyphs::max_classes()).unwrap();
    let masks = embedded::fonts::GlyphMasks::render(&classes, 32).unwrap();
    assert_eq!(masks.len(), classes.len());
    for (index, class) in classes.iter().enumerate() {
        for mask in masks.of(index) {
            let ink: f32 = mask.coverage.iter().sum();
            assert!(ink > 10.0, "class {} has an empty glyph", class.ch);
        }
    }
}

#[test]
fn same_seed_same_images_other_seed_other_images() {
    let config = small_embedded(6, 4, 2);
    let a = open(&config);
    let b = open(&config);
    assert_eq!(a.train().len(), 24);
    assert_eq!(a.val().len(), 12);
    for (x, y) in a.train().iter().zip(b.train()) {
        assert_eq!(a.load(x).unwrap(), b.load(y).unwrap());
    }
    let mut other = config.clone();
    other.embedded.image_seed = 1;
    let c = open(&other);
    assert_ne!(
        a.load(&a.train()[0]).unwrap(),
        c.load(&c.train()[0]).unwrap()
    );
    // Images of one class differ from each other, and train differs from val.
    assert_ne!(
        a.load(&a.train()[0]).unwrap(),
        a.load(&a.train()[1]).unwrap()
    );
    assert_ne!(a.load(&a.train()[0]).unwrap(), a.load(&a.val()[0]).unwrap());
}

#[test]
fn generation_does_not_depend_on_thread_count() {
    let config = small_embedded(4, 3, 1).embedded;
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| embedded::generate(&config).unwrap());
    let b = three.install(|| embedded::generate(&config).unwrap());
    assert_eq!(a.train, b.train);
    assert_eq!(a.val, b.val);
}

#[test]
fn images_have_contrast_and_sizes_follow_the_config() {
    let mut config = DatasetConfig::embedded(EmbeddedConfig {
        classes: 2,
        train_per_class: 3,
        val_per_class: 1,
        image_size: 40,
        ..EmbeddedConfig::default()
    });
    config.max_train_per_class = Some(2);
    let source = open(&config);
    assert_eq!(source.train().len(), 4);
    assert_eq!(config.crop_size, 35);
    for sample in source.train() {
        let image = source.load(sample).unwrap();
        assert_eq!(image.dimensions(), (40, 40));
        let values: Vec<u8> = image.as_raw().clone();
        let (min, max) = (values.iter().min().unwrap(), values.iter().max().unwrap());
        assert!(max - min > 60, "image without contrast");
    }
}

#[test]
fn bad_parameters_name_the_field() {
    let mut config = small_embedded(4, 1, 1);
    config.embedded.classes = 1000;
    let error = convnet_data::open(&config).err().unwrap();
    assert!(error.to_string().contains("embedded.classes"), "{error}");
    config.embedded.classes = 4;
    config.embedded.noise = -1.0;
    let error = convnet_data::open(&config).err().unwrap();
    assert!(error.to_string().contains("embedded.noise"), "{error}");
}
