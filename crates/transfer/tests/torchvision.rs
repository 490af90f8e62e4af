//! A PyTorch AlexNet state dict in torchvision's layout as a base net: it loads, its tensors map
//! to this net's layers and give PyTorch's logits; a wrong shape or a wrong key is named.
//! The fixtures are made by `tests/data/make_torchvision_fixture.py`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use convnet_alexnet::{AlexNet, ArchSpec, Pass};
use convnet_transfer::{initialise, Base, Cell, Layout, TransferError};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn torchvision(name: &str) -> Base {
    Base {
        path: fixture(name),
        layout: Layout::Torchvision,
    }
}

/// The fixture's net (`tests/data/torchvision-tiny-spec.toml`): torchvision's AlexNet layout
/// at widths 4-8-8-8-8 / 16-16, 5 classes, 63x63.
fn tiny_spec() -> ArchSpec {
    let text = std::fs::read_to_string(fixture("torchvision-tiny-spec.toml")).unwrap();
    let mut spec: ArchSpec = toml::from_str(&text).unwrap();
    spec.outputs = 5;
    spec.validate().unwrap();
    spec
}

/// The script's two images: pixel `(i, c, y, x)` is `sin(0.1 (x + 2 y + 3 c + 5 i))`.
fn images() -> Tensor {
    let mut values = Vec::with_capacity(2 * 3 * 63 * 63);
    for i in 0..2 {
        for c in 0..3 {
            for y in 0..63 {
                for x in 0..63 {
                    let t = 0.1 * (x + 2 * y + 3 * c + 5 * i) as f64;
                    values.push(t.sin() as f32);
                }
            }
        }
    }
    Tensor::from_vec(values, (2, 3, 63, 63), &Device::Cpu).unwrap()
}

#[test]
fn a_torchvision_state_dict_loads_maps_and_gives_pytorchs_logits() {
    let weights = torchvision("torchvision-tiny.pth")
        .load(&Device::Cpu)
        .unwrap();
    let spec = tiny_spec();
    weights.check(&spec, 7).unwrap();
    assert_eq!(weights.names["conv2.weight"], "features.3.weight");
    assert_eq!(weights.names["fc8.bias"], "classifier.6.bias");
    let tensors: HashMap<String, Tensor> = weights.tensors.clone();
    let net = AlexNet::new(
        &spec,
        VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
    )
    .unwrap();
    let logits = net.forward(&images(), &Pass::Eval).unwrap();
    let expected = candle_core::safetensors::load(
        fixture("torchvision-tiny-logits.safetensors"),
        &Device::Cpu,
    )
    .unwrap()["logits"]
        .clone();
    let ours: Vec<f32> = logits.flatten_all().unwrap().to_vec1().unwrap();
    let theirs: Vec<f32> = expected.flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(ours.len(), 10);
    let scale = theirs.iter().fold(0f32, |m, v| m.max(v.abs()));
    for (a, b) in ours.iter().zip(&theirs) {
        assert!(
            (a - b).abs() <= 1e-4 * scale,
            "{ours:?} vs PyTorch {theirs:?}"
        );
    }
}

#[test]
fn a_cell_copies_the_mapped_layers() {
    let spec = tiny_spec();
    let cell: Cell = "random0/A3B".parse().unwrap();
    let base = torchvision("torchvision-tiny.pth");
    let start = initialise(&cell, &spec, 7, Some(&base), &Device::Cpu).unwrap();
    let weights = base.load(&Device::Cpu).unwrap();
    let values = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(
        values(&start.params["conv3.weight"]),
        values(&weights.tensors["conv3.weight"])
    );
    assert_ne!(
        values(&start.params["conv4.weight"]),
        values(&weights.tensors["conv4.weight"])
    );
}

#[test]
fn a_layer_of_the_wrong_shape_is_named_with_both_shapes() {
    let weights = torchvision("torchvision-tiny-bad.pth")
        .load(&Device::Cpu)
        .unwrap();
    let error = weights.check(&tiny_spec(), 7).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, TransferError::ShapeMismatch { .. }),
        "{text}"
    );
    for part in ["conv2", "features.3.weight", "[7, 4, 5, 5]", "[8, 4, 5, 5]"] {
        assert!(text.contains(part), "{part}: {text}");
    }
    // Layer 1 alone fits: a cell that copies only conv1 may use it.
    weights.check(&tiny_spec(), 1).unwrap();
}

#[test]
fn missing_and_extra_tensors_are_named() {
    let weights = torchvision("torchvision-tiny.pth")
        .load(&Device::Cpu)
        .unwrap();
    let mut renamed: HashMap<String, Tensor> = HashMap::new();
    for (key, name) in &weights.names {
        let name = if name == "features.3.weight" {
            "features.2.weight".to_string()
        } else {
            name.clone()
        };
        renamed.insert(name, weights.tensors[key].clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("renamed.safetensors");
    candle_core::safetensors::save(&renamed, &path).unwrap();
    let error = Base {
        path: path.clone(),
        layout: Layout::Torchvision,
    }
    .load(&Device::Cpu)
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("features.3.weight (conv2.weight)") && error.contains("features.2.weight"),
        "{error}"
    );
    // The same tensors read as this project's layout name every tensor missing and extra.
    let error = Base::checkpoint(&path)
        .load(&Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("conv1.weight") && error.contains("features.0.weight"),
        "{error}"
    );
}
