//! Frozen prefixes detach; a few SGD steps lower the loss.

use candle_core::{DType, Device, Tensor};
use candle_nn::{loss::cross_entropy, Optimizer, VarBuilder, SGD};
use convnet_alexnet::{init_varmap, AlexNet, ArchSpec, Pass, LAYER_NAMES};

fn batch(spec: &ArchSpec, n: usize) -> (Tensor, Tensor) {
    let device = Device::Cpu;
    let s = spec.input_size;
    let x = Tensor::randn(0f32, 1.0, (n, 3, s, s), &device).unwrap();
    let labels: Vec<u32> = (0..n as u32).map(|i| i % spec.outputs as u32).collect();
    (x, Tensor::new(labels, &device).unwrap())
}

#[test]
fn frozen_layers_get_no_gradient_and_the_others_do() {
    let spec = ArchSpec::alexnet32(10);
    let device = Device::Cpu;
    let varmap = init_varmap(&spec, 1, &device).unwrap();
    let net = AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device)).unwrap();
    let (x, y) = batch(&spec, 4);
    let vars = varmap.data().lock().unwrap().clone();
    for frozen in [0, 3, 7] {
        let pass = Pass::Train {
            dropout_seed: 1,
            frozen,
        };
        let loss = cross_entropy(&net.forward(&x, &pass).unwrap(), &y).unwrap();
        let grads = loss.backward().unwrap();
        for (k, name) in LAYER_NAMES.iter().enumerate() {
            for param in ["weight", "bias"] {
                let var = &vars[&format!("{name}.{param}")];
                let has = grads.get(var.as_tensor()).is_some();
                assert_eq!(has, k + 1 > frozen, "frozen {frozen}: {name}.{param}");
            }
        }
    }
}

#[test]
fn a_few_sgd_steps_lower_the_loss_on_a_fixed_batch() {
    let spec = ArchSpec::alexnet32(10);
    let device = Device::Cpu;
    let varmap = init_varmap(&spec, 2, &device).unwrap();
    let net = AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device)).unwrap();
    let (x, y) = batch(&spec, 32);
    let eval_loss = || {
        cross_entropy(&net.forward(&x, &Pass::Eval).unwrap(), &y)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    };
    let before = eval_loss();
    let mut sgd = SGD::new(varmap.all_vars(), 0.01).unwrap();
    for step in 0..15 {
        let pass = Pass::Train {
            dropout_seed: step,
            frozen: 0,
        };
        let loss = cross_entropy(&net.forward(&x, &pass).unwrap(), &y).unwrap();
        sgd.backward_step(&loss).unwrap();
    }
    let after = eval_loss();
    assert!(before.is_finite() && after.is_finite());
    assert!(after < 0.8 * before, "loss {before} -> {after}");
}
