//! The CIFAR-100 and CIFAR-10 catalogs.

use crate::catalog::{Catalog, ClassInfo, MAN_MADE, NATURAL};

/// CIFAR-100's 20 superclasses ("coarse labels"), in their label order.
pub const CIFAR100_SUPERCLASSES: [&str; 20] = [
    "aquatic_mammals",
    "fish",
    "flowers",
    "food_containers",
    "fruit_and_vegetables",
    "household_electrical_devices",
    "household_furniture",
    "insects",
    "large_carnivores",
    "large_man-made_outdoor_things",
    "large_natural_outdoor_scenes",
    "large_omnivores_and_herbivores",
    "medium_mammals",
    "non-insect_invertebrates",
    "people",
    "reptiles",
    "small_mammals",
    "trees",
    "vehicles_1",
    "vehicles_2",
];

/// The superclasses whose classes are man-made: containers, devices, furniture, outdoor
/// structures and both vehicle groups.
const CIFAR100_MAN_MADE_SUPERCLASSES: [&str; 6] = [
    "food_containers",
    "household_electrical_devices",
    "household_furniture",
    "large_man-made_outdoor_things",
    "vehicles_1",
    "vehicles_2",
];

/// CIFAR-100's 100 classes ("fine labels") in label order, each with its superclass's index.
const CIFAR100_CLASSES: [(&str, usize); 100] = [
    ("apple", 4),
    ("aquarium_fish", 1),
    ("baby", 14),
    ("bear", 8),
    ("beaver", 0),
    ("bed", 6),
    ("bee", 7),
    ("beetle", 7),
    ("bicycle", 18),
    ("bottle", 3),
    ("bowl", 3),
    ("boy", 14),
    ("bridge", 9),
    ("bus", 18),
    ("butterfly", 7),
    ("camel", 11),
    ("can", 3),
    ("castle", 9),
    ("caterpillar", 7),
    ("cattle", 11),
    ("chair", 6),
    ("chimpanzee", 11),
    ("clock", 5),
    ("cloud", 10),
    ("cockroach", 7),
    ("couch", 6),
    ("crab", 13),
    ("crocodile", 15),
    ("cup", 3),
    ("dinosaur", 15),
    ("dolphin", 0),
    ("elephant", 11),
    ("flatfish", 1),
    ("forest", 10),
    ("fox", 12),
    ("girl", 14),
    ("hamster", 16),
    ("house", 9),
    ("kangaroo", 11),
    ("keyboard", 5),
    ("lamp", 5),
    ("lawn_mower", 19),
    ("leopard", 8),
    ("lion", 8),
    ("lizard", 15),
    ("lobster", 13),
    ("man", 14),
    ("maple_tree", 17),
    ("motorcycle", 18),
    ("mountain", 10),
    ("mouse", 16),
    ("mushroom", 4),
    ("oak_tree", 17),
    ("orange", 4),
    ("orchid", 2),
    ("otter", 0),
    ("palm_tree", 17),
    ("pear", 4),
    ("pickup_truck", 18),
    ("pine_tree", 17),
    ("plain", 10),
    ("plate", 3),
    ("poppy", 2),
    ("porcupine", 12),
    ("possum", 12),
    ("rabbit", 16),
    ("raccoon", 12),
    ("ray", 1),
    ("road", 9),
    ("rocket", 19),
    ("rose", 2),
    ("sea", 10),
    ("seal", 0),
    ("shark", 1),
    ("shrew", 16),
    ("skunk", 12),
    ("skyscraper", 9),
    ("snail", 13),
    ("snake", 15),
    ("spider", 13),
    ("squirrel", 16),
    ("streetcar", 19),
    ("sunflower", 2),
    ("sweet_pepper", 4),
    ("table", 6),
    ("tank", 19),
    ("telephone", 5),
    ("television", 5),
    ("tiger", 8),
    ("tractor", 19),
    ("train", 18),
    ("trout", 1),
    ("tulip", 2),
    ("turtle", 15),
    ("wardrobe", 6),
    ("whale", 0),
    ("willow_tree", 17),
    ("wolf", 8),
    ("woman", 14),
    ("worm", 13),
];

/// CIFAR-10's vehicle classes.
pub const CIFAR10_VEHICLES: [&str; 4] = ["airplane", "automobile", "ship", "truck"];
/// CIFAR-10's animal classes.
pub const CIFAR10_ANIMALS: [&str; 6] = ["bird", "cat", "deer", "dog", "frog", "horse"];

/// CIFAR-10's classes in label order.
const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// A class whose id and name are both its CIFAR name.
fn named_class(index: usize, name: &str, group: &str) -> ClassInfo {
    ClassInfo {
        index,
        id: name.to_string(),
        name: name.to_string(),
        group: Some(group.to_string()),
    }
}

impl Catalog {
    /// CIFAR-100's 100 classes in label order, grouped `natural` / `man-made` by superclass
    /// (containers, electrical devices, furniture, man-made outdoor things and vehicles are
    /// man-made: 30 classes; the other 70 are natural).
    pub fn cifar100() -> Self {
        let classes = CIFAR100_CLASSES
            .iter()
            .enumerate()
            .map(|(index, &(name, superclass))| {
                let man_made =
                    CIFAR100_MAN_MADE_SUPERCLASSES.contains(&CIFAR100_SUPERCLASSES[superclass]);
                named_class(index, name, if man_made { MAN_MADE } else { NATURAL })
            })
            .collect();
        Catalog::new("cifar100", classes).expect("CIFAR-100 class names are unique")
    }

    /// CIFAR-100's 100 classes grouped by their 20 superclasses ([`CIFAR100_SUPERCLASSES`]).
    pub fn cifar100_by_superclass() -> Self {
        let groups = CIFAR100_CLASSES
            .iter()
            .map(|&(name, superclass)| (name, CIFAR100_SUPERCLASSES[superclass]));
        Catalog::cifar100()
            .with_groups(groups)
            .expect("CIFAR-100 superclass table names CIFAR-100 classes")
    }

    /// The superclass of a CIFAR-100 class label. Panics when `index >= 100`.
    pub fn cifar100_superclass(index: usize) -> &'static str {
        CIFAR100_SUPERCLASSES[CIFAR100_CLASSES[index].1]
    }

    /// CIFAR-10's 10 classes in label order, grouped `vehicles` / `animals`.
    pub fn cifar10() -> Self {
        let classes = CIFAR10_CLASSES
            .iter()
            .enumerate()
            .map(|(index, &name)| {
                let group = if CIFAR10_VEHICLES.contains(&name) {
                    "vehicles"
                } else {
                    "animals"
                };
                named_class(index, name, group)
            })
            .collect();
        Catalog::new("cifar10", classes).expect("CIFAR-10 class names are unique")
    }
}
