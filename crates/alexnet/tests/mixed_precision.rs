//! A net computing in bf16 or f16: logits in f32 close to the f32 net's, gradients in f32 on
//! the f32 parameters, close to the f32 ones, nothing for frozen layers; the parameters untouched.

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::{loss::cross_entropy, VarBuilder, VarMap};
use convnet_alexnet::{init_varmap, AlexNet, AlexNetError, ArchSpec, Pass, LAYER_NAMES};

/// An f32 `alexnet-32` net with 10 outputs and its variables.
fn f32_net() -> Result<(AlexNet, VarMap)> {
    let spec = ArchSpec::alexnet32(10);
    let varmap = init_varmap(&spec, 3, &Device::Cpu).expect("an initialisation");
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    Ok((AlexNet::new(&spec, vb).expect("a net"), varmap))
}

/// A scalar tensor's value.
fn scalar(t: Tensor) -> Result<f32> {
    t.to_scalar::<f32>()
}

/// Cosine of the angle between two tensors' values.
fn cosine(a: &Tensor, b: &Tensor) -> Result<f32> {
    let norm = |t: &Tensor| Ok::<_, candle_core::Error>(scalar(t.sqr()?.sum_all()?)?.sqrt());
    Ok(scalar((a * b)?.sum_all()?)? / (norm(a)? * norm(b)?))
}

#[test]
fn half_precision_nets_follow_the_f32_net_with_f32_gradients() -> Result<()> {
    let (net, varmap) = f32_net()?;
    let x = Tensor::randn(0f32, 1.0, (6, 3, 32, 32), &Device::Cpu)?;
    let labels = Tensor::new(&[0u32, 1, 2, 3, 4, 5], &Device::Cpu)?;
    let vars = varmap.data().lock().expect("the variables").clone();
    let pass = Pass::Train {
        dropout_seed: 7,
        frozen: 2,
    };
    let run = |net: &AlexNet| -> Result<_> {
        let logits = net.forward(&x, &pass).expect("a forward pass");
        let grads = cross_entropy(&logits, &labels)?.backward()?;
        Ok((logits, grads))
    };
    let (logits, grads) = run(&net)?;
    for half in [DType::BF16, DType::F16] {
        let half_net = net
            .clone()
            .computing_in(half)
            .expect("a half-precision net");
        assert_eq!(half_net.compute_dtype(), half);
        let (half_logits, half_grads) = run(&half_net)?;
        assert_eq!(
            half_logits.dtype(),
            DType::F32,
            "{half:?}: logits for the loss"
        );
        let diff = scalar((&half_logits - &logits)?.abs()?.max_all()?)?;
        let scale = scalar(logits.abs()?.max_all()?)?;
        assert!(
            diff > 0.0 && diff < 0.05 * scale,
            "{half:?}: logits off by {diff} (largest {scale})"
        );
        for (k, name) in LAYER_NAMES.iter().enumerate() {
            for param in ["weight", "bias"] {
                let key = format!("{name}.{param}");
                let var = vars[&key].as_tensor();
                assert_eq!(var.dtype(), DType::F32, "{key} stays f32");
                let got = half_grads.get(var);
                if k < 2 {
                    assert!(got.is_none(), "{half:?}: frozen {key} has a gradient");
                    continue;
                }
                let got = got.unwrap_or_else(|| panic!("{half:?}: no gradient for {key}"));
                assert_eq!(got.dtype(), DType::F32, "{half:?}: {key}'s gradient");
                let c = cosine(got, grads.get(var).expect("an f32 gradient"))?;
                assert!(
                    c > 0.99,
                    "{half:?}: {key}'s gradient at cosine {c} to f32's"
                );
            }
        }
    }
    // The features of a prefix come out in the compute type.
    let bf16 = net.computing_in(DType::BF16).expect("a bf16 net");
    assert_eq!(bf16.features(&x, 5).expect("features").dtype(), DType::BF16);
    Ok(())
}

#[test]
fn only_float_compute_types_are_taken() -> Result<()> {
    let (net, _) = f32_net()?;
    let err = net.computing_in(DType::U8).unwrap_err();
    assert!(
        matches!(err, AlexNetError::ComputeType { dtype: DType::U8 }),
        "{err}"
    );
    assert!(err.to_string().contains("bf16"), "{err}");
    Ok(())
}
