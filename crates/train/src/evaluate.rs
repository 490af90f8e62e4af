//! Validation: top-1, top-5 and loss over a half's validation images.

use candle_core::{DType, Tensor, D};
use convnet_alexnet::{AlexNet, Pass};
use convnet_data::{Batch, DataError};
use convnet_results::Evaluation;

use crate::error::TrainError;

/// Counts of one batch: (top-1 hits, top-5 hits, summed loss).
fn score_batch(logits: &Tensor, labels: &Tensor) -> Result<(usize, usize, f64), TrainError> {
    let n = labels.dims1()?;
    let loss = candle_nn::loss::cross_entropy(logits, labels)?.to_scalar::<f32>()? as f64;
    let k = logits.dim(D::Minus1)?.min(5);
    let order = logits.arg_sort_last_dim(false)?.narrow(1, 0, k)?;
    let hits = order
        .broadcast_eq(&labels.unsqueeze(1)?)?
        .to_dtype(DType::U32)?;
    let top1 = hits.narrow(1, 0, 1)?.sum_all()?.to_scalar::<u32>()? as usize;
    let top5 = hits.sum_all()?.to_scalar::<u32>()? as usize;
    Ok((top1, top5, loss * n as f64))
}

/// Evaluates `net` (dropout off) on every batch of `batches`.
///
/// `train_loss` and `lr` are recorded as given; `iteration` stamps the result.
pub fn evaluate(
    net: &AlexNet,
    batches: impl Iterator<Item = Result<Batch, DataError>>,
    iteration: u64,
    train_loss: f64,
    lr: f64,
) -> Result<Evaluation, TrainError> {
    let scored = batches.map(|batch| {
        let batch = batch?;
        Ok((net.forward(&batch.images, &Pass::Eval)?, batch.labels))
    });
    tally(scored, iteration, train_loss, lr)
}

/// An [`Evaluation`] of batches of `(logits, labels)`.
pub(crate) fn tally(
    scored: impl Iterator<Item = Result<(Tensor, Tensor), TrainError>>,
    iteration: u64,
    train_loss: f64,
    lr: f64,
) -> Result<Evaluation, TrainError> {
    let (mut top1, mut top5, mut loss, mut images) = (0usize, 0usize, 0f64, 0usize);
    for batch in scored {
        let (logits, labels) = batch?;
        let (t1, t5, l) = score_batch(&logits, &labels)?;
        top1 += t1;
        top5 += t5;
        loss += l;
        images += labels.dims1()?;
    }
    let per = |x: f64| if images == 0 { 0.0 } else { x / images as f64 };
    Ok(Evaluation {
        iteration,
        top1: per(top1 as f64),
        top5: per(top5 as f64),
        loss: per(loss),
        train_loss,
        lr,
        images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn top_k_counts() -> Result<(), TrainError> {
        let dev = Device::Cpu;
        // 3 images, 6 classes.
        let logits = Tensor::new(
            &[
                [9f32, 1., 2., 3., 4., 5.], // label 0: top-1 hit
                [9f32, 8., 7., 6., 5., 0.], // label 4: in the top 5 only
                [0f32, 1., 2., 3., 4., 5.], // label 0: miss
            ],
            &dev,
        )?;
        let labels = Tensor::new(&[0u32, 4, 0], &dev)?;
        let (t1, t5, loss) = score_batch(&logits, &labels)?;
        assert_eq!((t1, t5), (1, 2));
        assert!(loss > 0.0);
        Ok(())
    }
}
