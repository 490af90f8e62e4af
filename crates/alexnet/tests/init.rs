//! Initialisation statistics and determinism; dropout determinism.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use convnet_alexnet::{
    dropout, init_layer, init_params, init_varmap, AlexNet, AlexNetError, ArchSpec, Pass,
    LAYER_NAMES,
};

fn mean_and_std(t: &Tensor) -> (f64, f64) {
    let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

fn bias_values(t: &Tensor) -> Vec<f32> {
    t.to_vec1::<f32>().unwrap()
}

#[test]
fn caffenet_init_has_caffes_std_and_bias_constants() {
    let spec = ArchSpec::caffenet(1000);
    let params = init_params(&spec, 7, &Device::Cpu).unwrap();
    assert_eq!(params.len(), 16);
    let expected = [
        (0.01, 0.0),
        (0.01, 1.0),
        (0.01, 0.0),
        (0.01, 1.0),
        (0.01, 1.0),
        (0.005, 1.0),
        (0.005, 1.0),
        (0.01, 0.0),
    ];
    for (name, (std, bias)) in LAYER_NAMES.iter().zip(expected) {
        let (mean, got_std) = mean_and_std(&params[&format!("{name}.weight")]);
        // conv1 is the smallest draw (34848 values): its sample std is within ~1%.
        assert!((got_std - std).abs() < 0.03 * std, "{name}: std {got_std}");
        assert!(mean.abs() < 0.03 * std, "{name}: mean {mean}");
        let biases = bias_values(&params[&format!("{name}.bias")]);
        assert!(biases.iter().all(|&b| b == bias as f32), "{name} bias");
    }
}

#[test]
fn scaled_presets_use_fan_in_scaled_init() {
    let spec = ArchSpec::alexnet32(10);
    // conv3: fan-in 128 * 3 * 3; He gain sqrt(2).
    let (w, b) = init_layer(&spec, 3, 1, &Device::Cpu).unwrap();
    let (_, std) = mean_and_std(&w);
    let target = (2.0f64 / (128.0 * 9.0)).sqrt();
    assert!((std - target).abs() < 0.03 * target, "{std} vs {target}");
    assert!(bias_values(&b).iter().all(|&x| x == 0.0));
    // fc8: gain 1 over fc7's 512 outputs.
    let (w, _) = init_layer(&spec, 8, 1, &Device::Cpu).unwrap();
    assert_eq!(w.dims(), &[10, 512]);
    let (_, std) = mean_and_std(&w);
    let target = (1.0f64 / 512.0).sqrt();
    assert!((std - target).abs() < 0.1 * target, "{std} vs {target}");
}

#[test]
fn init_layer_is_deterministic_and_independent_of_other_layers() {
    let spec = ArchSpec::alexnet32(10);
    let device = Device::Cpu;
    let same = |a: &Tensor, b: &Tensor| {
        a.flatten_all().unwrap().to_vec1::<f32>().unwrap()
            == b.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    };
    let (w1, _) = init_layer(&spec, 4, 42, &device).unwrap();
    let (w2, _) = init_layer(&spec, 4, 42, &device).unwrap();
    assert!(same(&w1, &w2));
    // The same layer from init_params, which draws every layer.
    let all = init_params(&spec, 42, &device).unwrap();
    assert!(same(&w1, &all["conv4.weight"]));
    // Another seed draws other weights.
    let (w3, _) = init_layer(&spec, 4, 43, &device).unwrap();
    assert!(!same(&w1, &w3));
    // Changing an earlier layer's shape does not change a later layer's draw (same shape).
    let mut wider = spec.clone();
    wider.conv[0].out_channels = 64;
    let (w4, _) = init_layer(&wider, 4, 42, &device).unwrap();
    assert!(same(&w1, &w4));
}

#[test]
fn init_layer_rejects_layer_indices_outside_1_to_8() {
    let spec = ArchSpec::alexnet32(10);
    for layer in [0, 9] {
        let err = init_layer(&spec, layer, 0, &Device::Cpu).unwrap_err();
        assert!(matches!(err, AlexNetError::LayerOutOfRange { .. }));
    }
}

#[test]
fn dropout_masks_depend_only_on_the_seed() {
    let x = Tensor::ones((64, 512), DType::F32, &Device::Cpu).unwrap();
    let a = dropout(&x, 0.5, 11, 6)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let b = dropout(&x, 0.5, 11, 6)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let c = dropout(&x, 0.5, 12, 6)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let d = dropout(&x, 0.5, 11, 7)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
    assert!(a.iter().all(|&v| v == 0.0 || v == 2.0));
    let dropped = a.iter().filter(|&&v| v == 0.0).count() as f64 / a.len() as f64;
    assert!((dropped - 0.5).abs() < 0.02, "dropped {dropped}");
}

#[test]
fn training_passes_are_deterministic_for_a_dropout_seed() {
    let spec = ArchSpec::alexnet32(10);
    let device = Device::Cpu;
    let varmap = init_varmap(&spec, 3, &device).unwrap();
    let net = AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device)).unwrap();
    let x = Tensor::randn(0f32, 1.0, (4, 3, 32, 32), &device).unwrap();
    let run = |pass: Pass| {
        net.forward(&x, &pass)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    };
    let train = |seed| Pass::Train {
        dropout_seed: seed,
        frozen: 0,
    };
    assert_eq!(run(train(5)), run(train(5)));
    assert_ne!(run(train(5)), run(train(6)));
    assert_ne!(run(train(5)), run(Pass::Eval));
    assert_eq!(run(Pass::Eval), run(Pass::Eval));
}
