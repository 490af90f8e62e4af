//! Every preset's shapes, parameter table and forward pass; the spec's serde form.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use convnet_alexnet::{init_varmap, AlexNet, AlexNetError, ArchSpec, Pass, PRESET_NAMES};

#[test]
fn caffenet_spatial_sizes_are_55_27_13_13_13_6() {
    let spec = ArchSpec::caffenet(1000);
    spec.validate().unwrap();
    assert_eq!(spec.conv_output_sizes(), vec![55, 27, 13, 13, 13]);
    assert_eq!(spec.spatial_sizes(), vec![27, 13, 13, 13, 6]);
    assert_eq!(spec.fc6_inputs(), 9216);
}

#[test]
fn caffenet_parameter_shapes_are_caffes() {
    let shapes = ArchSpec::caffenet(1000).param_shapes();
    let expected: Vec<(&str, Vec<usize>)> = vec![
        ("conv1.weight", vec![96, 3, 11, 11]),
        ("conv1.bias", vec![96]),
        ("conv2.weight", vec![256, 48, 5, 5]),
        ("conv2.bias", vec![256]),
        ("conv3.weight", vec![384, 256, 3, 3]),
        ("conv3.bias", vec![384]),
        ("conv4.weight", vec![384, 192, 3, 3]),
        ("conv4.bias", vec![384]),
        ("conv5.weight", vec![256, 192, 3, 3]),
        ("conv5.bias", vec![256]),
        ("fc6.weight", vec![4096, 9216]),
        ("fc6.bias", vec![4096]),
        ("fc7.weight", vec![4096, 4096]),
        ("fc7.bias", vec![4096]),
        ("fc8.weight", vec![1000, 4096]),
        ("fc8.bias", vec![1000]),
    ];
    let got: Vec<(&str, Vec<usize>)> = shapes
        .iter()
        .map(|(k, s)| (k.as_str(), s.clone()))
        .collect();
    assert_eq!(got, expected);
    // CaffeNet has about 61M parameters and about 724M multiply-adds per image.
    let params: usize = shapes
        .iter()
        .map(|(_, s)| s.iter().product::<usize>())
        .sum();
    assert_eq!(params, 60_965_224);
    let madds = ArchSpec::caffenet(1000).multiply_adds();
    assert!((700_000_000..750_000_000).contains(&madds), "{madds}");
}

#[test]
fn scaled_presets_have_the_same_8_layers_and_stay_small() {
    for (name, size, finals) in [("alexnet-32", 32, 2), ("alexnet-64", 64, 4)] {
        let spec = ArchSpec::preset(name, 100).unwrap();
        spec.validate().unwrap();
        assert_eq!(spec.input_size, size);
        assert_eq!(spec.conv.len(), 5);
        assert_eq!(spec.fc.len(), 2);
        let flags: Vec<(bool, bool, usize)> = spec
            .conv
            .iter()
            .map(|c| (c.pool, c.lrn, c.groups))
            .collect();
        assert_eq!(
            flags,
            vec![
                (true, true, 1),
                (true, true, 2),
                (false, false, 1),
                (false, false, 2),
                (true, false, 2)
            ]
        );
        assert_eq!(*spec.spatial_sizes().last().unwrap(), finals);
        assert_eq!(spec.param_shapes().len(), 16);
    }
    let madds32 = ArchSpec::alexnet32(100).multiply_adds();
    assert!(madds32 < 30_000_000, "alexnet-32: {madds32}");
    let madds64 = ArchSpec::alexnet64(200).multiply_adds();
    assert!(madds64 < 100_000_000, "alexnet-64: {madds64}");
}

#[test]
fn unknown_preset_lists_the_known_ones() {
    let err = ArchSpec::preset("vgg16", 10).unwrap_err();
    assert!(matches!(err, AlexNetError::UnknownPreset { .. }));
    let message = err.to_string();
    assert!(message.contains("vgg16"));
    for name in PRESET_NAMES {
        assert!(message.contains(name), "{message}");
    }
}

fn logits_shape(spec: &ArchSpec, batch: usize) -> Vec<usize> {
    let device = Device::Cpu;
    let varmap = init_varmap(spec, 1, &device).unwrap();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device);
    let net = AlexNet::new(spec, vb).unwrap();
    let s = spec.input_size;
    let x = Tensor::randn(0f32, 1.0, (batch, 3, s, s), &device).unwrap();
    let logits = net.forward(&x, &Pass::Eval).unwrap();
    // Every intermediate output has the size the spec announces.
    for (layer, size) in (1..=5).zip(spec.spatial_sizes()) {
        let out = net.forward_layers(&x, 1..=layer, &Pass::Eval).unwrap();
        let c = spec.conv[layer - 1].out_channels;
        assert_eq!(out.dims(), &[batch, c, size, size], "layer {layer}");
    }
    logits.dims().to_vec()
}

#[test]
fn scaled_presets_give_logits_of_the_right_shape() {
    assert_eq!(logits_shape(&ArchSpec::alexnet32(10), 3), vec![3, 10]);
    assert_eq!(logits_shape(&ArchSpec::alexnet64(200), 2), vec![2, 200]);
}

#[test]
fn caffenet_gives_1000_logits() {
    assert_eq!(logits_shape(&ArchSpec::caffenet(1000), 2), vec![2, 1000]);
}

#[test]
fn forward_rejects_a_batch_of_the_wrong_size() {
    let spec = ArchSpec::alexnet32(10);
    let device = Device::Cpu;
    let varmap = init_varmap(&spec, 1, &device).unwrap();
    let net = AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device)).unwrap();
    let x = Tensor::zeros((2, 3, 64, 64), DType::F32, &device).unwrap();
    let err = net.forward(&x, &Pass::Eval).unwrap_err();
    assert!(matches!(err, AlexNetError::InputShape { .. }), "{err}");
    let x = Tensor::zeros((2, 3, 32, 32), DType::F32, &device).unwrap();
    let err = net
        .forward(
            &x,
            &Pass::Train {
                dropout_seed: 0,
                frozen: 9,
            },
        )
        .unwrap_err();
    assert!(matches!(err, AlexNetError::FrozenOutOfRange { frozen: 9 }));
}

#[test]
fn a_spec_round_trips_through_json_and_rejects_unknown_fields() {
    let spec = ArchSpec::alexnet32(10);
    let json = serde_json::to_string(&spec).unwrap();
    let back: ArchSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["conv"][0]["padding"] = serde_json::json!(1);
    let err = serde_json::from_value::<ArchSpec>(value).unwrap_err();
    assert!(err.to_string().contains("padding"), "{err}");
}
