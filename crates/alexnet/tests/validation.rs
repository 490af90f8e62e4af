//! Spec validation: every error names the layer and the field.

use convnet_alexnet::{AlexNetError, ArchSpec, WeightInit};

fn invalid(spec: &ArchSpec) -> (String, &'static str, String) {
    match spec.validate().unwrap_err() {
        AlexNetError::InvalidSpec {
            layer,
            field,
            reason,
        } => (layer, field, reason),
        other => panic!("expected InvalidSpec, got {other}"),
    }
}

#[test]
fn presets_are_valid() {
    for spec in [
        ArchSpec::caffenet(1000),
        ArchSpec::alexnet32(10),
        ArchSpec::alexnet64(200),
    ] {
        spec.validate().unwrap();
    }
}

#[test]
fn wrong_layer_counts_are_rejected() {
    let mut spec = ArchSpec::caffenet(10);
    spec.conv.pop();
    let err = spec.validate().unwrap_err();
    assert!(matches!(
        err,
        AlexNetError::LayerCount {
            field: "conv",
            expected: 5,
            found: 4
        }
    ));
    let mut spec = ArchSpec::caffenet(10);
    spec.fc.push(spec.fc[0].clone());
    let err = spec.validate().unwrap_err();
    assert!(err.to_string().contains("`fc`"), "{err}");
}

#[test]
fn channels_not_divisible_by_groups_name_the_layer() {
    let mut spec = ArchSpec::caffenet(10);
    spec.conv[3].groups = 5; // conv4: 384 inputs
    let (layer, field, reason) = invalid(&spec);
    assert_eq!((layer.as_str(), field), ("conv4", "groups"));
    assert!(reason.contains("384"), "{reason}");

    let mut spec = ArchSpec::alexnet32(10);
    spec.conv[1].out_channels = 127; // conv2, groups 2
    let (layer, field, _) = invalid(&spec);
    assert_eq!((layer.as_str(), field), ("conv2", "groups"));
}

#[test]
fn a_feature_map_that_vanishes_names_the_layer() {
    let mut spec = ArchSpec::alexnet32(10);
    spec.input_size = 8; // conv1 -> 4, pool -> 2, conv2 -> 2, and its pool does not fit
    let (layer, field, _) = invalid(&spec);
    assert_eq!((layer.as_str(), field), ("conv2", "pool"));

    let mut spec = ArchSpec::caffenet(10);
    spec.input_size = 5; // smaller than conv1's 11x11 kernel
    let (layer, field, _) = invalid(&spec);
    assert_eq!((layer.as_str(), field), ("conv1", "kernel"));
}

#[test]
fn zero_sizes_and_bad_settings_are_rejected() {
    let mut spec = ArchSpec::alexnet32(10);
    spec.conv[2].stride = 0;
    assert_eq!(invalid(&spec).0, "conv3");
    assert_eq!(invalid(&spec).1, "stride");

    let mut spec = ArchSpec::alexnet32(10);
    spec.fc[1].out_features = 0;
    assert_eq!(invalid(&spec).0, "fc7");

    let mut spec = ArchSpec::alexnet32(0);
    assert_eq!(invalid(&spec).0, "fc8");
    spec.outputs = 10;
    spec.dropout = 1.0;
    assert_eq!(invalid(&spec).1, "dropout");

    let mut spec = ArchSpec::alexnet32(10);
    spec.lrn.size = 4;
    assert_eq!(
        (invalid(&spec).0.as_str(), invalid(&spec).1),
        ("lrn", "size")
    );

    let mut spec = ArchSpec::alexnet32(10);
    spec.fc[0].init.weight = WeightInit::Gaussian { std: -1.0 };
    assert_eq!(
        (invalid(&spec).0.as_str(), invalid(&spec).1),
        ("fc6", "init")
    );
}
