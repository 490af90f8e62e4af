//! Prints the sizes of the paper's splits of ILSVRC-2012 (four random splits, the
//! natural/man-made split under both groupings, and "all") and of the same partitions of
//! CIFAR-100.
//!
//! `cargo run -p convnet-splits --example paper_splits`

use convnet_splits::{Catalog, Grouping, HalfId, PartitionSpec, Split, SplitError};

fn print_split(catalog: &Catalog, name: &str, spec: &PartitionSpec) -> Result<(), SplitError> {
    let split = Split::new(catalog, &name.parse()?, spec)?;
    let sizes: Vec<String> = split
        .halves()
        .iter()
        .map(|half| format!("{} {:>4}", half.id(), half.len()))
        .collect();
    let first_of_a = match split.half(HalfId::A) {
        Ok(a) => {
            let first: Vec<String> = a.classes().iter().take(6).map(usize::to_string).collect();
            format!("A begins {} ...", first.join(" "))
        }
        Err(_) => String::new(),
    };
    println!(
        "{:<14} {:<8} {:<20} {first_of_a}",
        catalog.dataset(),
        name,
        sizes.join("  "),
    );
    Ok(())
}

fn main() -> Result<(), SplitError> {
    let paper = Catalog::ilsvrc2012(Grouping::Paper);
    let wordnet = Catalog::ilsvrc2012(Grouping::WordNetArtifact);
    let cifar100 = Catalog::cifar100();
    for catalog in [&paper, &cifar100] {
        for seed in 0..4 {
            print_split(
                catalog,
                &format!("random{seed}"),
                &PartitionSpec::Random { seed },
            )?;
        }
        print_split(catalog, "natman", &PartitionSpec::natural_man_made())?;
        print_split(catalog, "all", &PartitionSpec::All)?;
    }
    print_split(
        &wordnet.renamed("ilsvrc2012-wn"),
        "natman",
        &PartitionSpec::natural_man_made(),
    )?;
    Ok(())
}
