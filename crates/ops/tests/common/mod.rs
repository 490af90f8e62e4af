//! Helpers shared by the tests: seeded random tensors and a finite-difference gradient check.
#![allow(dead_code)]

use candle_core::{DType, Device, Result, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A tensor of uniform values in [-1, 1) from a seeded RNG.
pub fn uniform(shape: &[usize], seed: u64, dtype: DType) -> Tensor {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n: usize = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
    Tensor::from_vec(values, shape, &Device::Cpu)
        .and_then(|t| t.to_dtype(dtype))
        .expect("building a random tensor")
}

/// Compares the gradient of `sum(f(inputs) * r)` (r random) with respect to each input against
/// central finite differences, in f64, on up to `samples` elements of each input.
pub fn check_gradients<F>(inputs: &[Tensor], f: F, samples: usize)
where
    F: Fn(&[Tensor]) -> Result<Tensor>,
{
    let inputs: Vec<Tensor> = inputs
        .iter()
        .map(|t| t.to_dtype(DType::F64).unwrap())
        .collect();
    let vars: Vec<Var> = inputs
        .iter()
        .map(|t| Var::from_tensor(t).unwrap())
        .collect();
    let var_tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let out = f(&var_tensors).unwrap();
    let weights = uniform(out.dims(), 999, DType::F64);
    let loss = |xs: &[Tensor]| -> f64 {
        f(xs)
            .unwrap()
            .mul(&weights)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    let grads = out
        .mul(&weights)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let eps = 1e-6;
    for (which, var) in vars.iter().enumerate() {
        let analytic = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("input {which} has no gradient"))
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let base = inputs[which]
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let step = (base.len() / samples).max(1);
        for i in (0..base.len()).step_by(step) {
            let mut numeric = 0.0;
            for (sign, scale) in [(1.0, 0.5 / eps), (-1.0, -0.5 / eps)] {
                let mut values = base.clone();
                values[i] += sign * eps;
                let perturbed =
                    Tensor::from_vec(values, inputs[which].dims(), &Device::Cpu).unwrap();
                let mut xs = inputs.clone();
                xs[which] = perturbed;
                numeric += scale * loss(&xs);
            }
            let tolerance = 1e-6 + 1e-5 * numeric.abs();
            assert!(
                (analytic[i] - numeric).abs() <= tolerance,
                "input {which}, element {i}: analytic {} vs numeric {numeric}",
                analytic[i]
            );
        }
    }
}
