use candle_core::{Device, Tensor, Var};
use convnet_alexnet::ops::conv2d_relu;
use std::time::Instant;
fn t<F: FnMut()>(mut f: F) -> f64 {
    for _ in 0..3 {
        f()
    }
    let n = 20;
    let s = Instant::now();
    for _ in 0..n {
        f()
    }
    s.elapsed().as_secs_f64() * 1e3 / n as f64
}
fn main() {
    let d = Device::Cpu;
    let layers = [
        (3usize, 32usize, 48usize, 5usize, 2usize, 2usize, 1usize),
        (48, 8, 128, 5, 1, 2, 2),
        (128, 4, 192, 3, 1, 1, 1),
        (192, 4, 192, 3, 1, 1, 2),
        (192, 4, 128, 3, 1, 1, 2),
    ];
    for (i, &(c, s, o, k, st, p, g)) in layers.iter().enumerate() {
        let x = Tensor::randn(0f32, 1.0, (128, c, s, s), &d).unwrap();
        let w = Tensor::randn(0f32, 0.1, (o, c / g, k, k), &d).unwrap();
        let b = Tensor::randn(0f32, 0.1, o, &d).unwrap();
        let xv = Var::from_tensor(&x).unwrap();
        let wv = Var::from_tensor(&w).unwrap();
        let f = t(|| {
            conv2d_relu(&x, &w, &b, st, p, g).unwrap();
        });
        let fx = t(|| {
            conv2d_relu(&xv, &w, &b, st, p, g)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
        });
        let fw = t(|| {
            conv2d_relu(&x, &wv, &b, st, p, g)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
        });
        let y = conv2d_relu(&x, &w, &b, st, p, g).unwrap();
        let sb = t(|| {
            let _ = y.sum_all().unwrap();
        });
        println!(
            "conv{}: fwd {f:.2}  +dx {:.2}  +dw {:.2}  (sum {sb:.2})",
            i + 1,
            fx - f,
            fw - f
        );
    }
}
