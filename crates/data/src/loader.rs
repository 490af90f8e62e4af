//! The batch loader: decodes and augments images in parallel (rayon) on a producer thread, a few
//! batches ahead of the trainer, through a bounded channel.
//!
//! Training order is a pure function of `(seed, epoch)` and each image's crop and mirror of
//! `(seed, epoch, position)`, so the batches do not depend on the number of threads, and a run
//! resumed at iteration `i` sees exactly the batches a straight run would have seen.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use candle_core::{Device, Tensor};
use convnet_splits::Half;
use crossbeam_channel::{bounded, Receiver, Sender};
use rand::seq::SliceRandom;
use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::preprocess::{Augment, Preprocess};
use crate::scan::Unreadable;
use crate::seeding::rng_for;
use crate::source::{half_samples, Source, Subset};

const ORDER_STREAM: u64 = 0x006f_7264_6572;
const AUGMENT_STREAM: u64 = 0x6175_676d;
const DEFAULT_PREFETCH: usize = 3;

/// One batch: images `[N, 3, crop, crop]` f32 and labels `[N]` u32 (labels inside the half).
#[derive(Debug, Clone)]
pub struct Batch {
    /// The preprocessed images, NCHW, RGB.
    pub images: Tensor,
    /// The label of each image inside the half.
    pub labels: Tensor,
}

impl Batch {
    /// Number of images in the batch.
    pub fn len(&self) -> usize {
        self.images.dims().first().copied().unwrap_or(0)
    }

    /// Whether the batch holds no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A batch as the producer builds it, before it becomes tensors on the device.
struct HostBatch {
    images: Vec<f32>,
    labels: Vec<u32>,
}

/// Everything the producer needs, shared with the loader.
struct Plan {
    source: Arc<dyn Source>,
    preprocess: Preprocess,
    subset: Subset,
    /// `(index into the subset's samples, label inside the half)`, in the source's order.
    items: Vec<(usize, u32)>,
    batch_size: usize,
    seed: u64,
    skip_bad_images: AtomicBool,
    bad: Mutex<HashSet<usize>>,
}

impl Plan {
    fn skips(&self) -> bool {
        self.skip_bad_images.load(Ordering::Relaxed)
    }
}

/// Training batches forever, or validation batches once, as an iterator of `Result<Batch>`.
pub struct Loader {
    plan: Arc<Plan>,
    /// One pass over the images in order (validation style), not endless training batches.
    single_pass: bool,
    start_iteration: u64,
    device: Device,
    threads: Option<usize>,
    prefetch: usize,
    receiver: Option<Receiver<Result<HostBatch>>>,
    producer: Option<JoinHandle<()>>,
    finished: bool,
}

impl Loader {
    /// Training batches of `half`, forever, from iteration `start_iteration` on. Epoch `e` visits
    /// the half's images in a permutation seeded by `(seed, e)`; the last partial batch of an
    /// epoch wraps into the next epoch. Crops and mirrors are seeded by `(seed, e, position)`.
    pub fn train(
        source: Arc<dyn Source>,
        half: &Half,
        preprocess: Preprocess,
        batch_size: usize,
        seed: u64,
        start_iteration: u64,
        device: &Device,
    ) -> Result<Self> {
        Loader::new(
            source,
            half,
            preprocess,
            Subset::Train,
            batch_size,
            seed,
            start_iteration,
            device,
        )
    }

    /// Validation batches: every image of `half` once, in the source's order, centre crop, no
    /// mirror; the last batch may be smaller.
    pub fn val(
        source: Arc<dyn Source>,
        half: &Half,
        preprocess: Preprocess,
        batch_size: usize,
        device: &Device,
    ) -> Result<Self> {
        Loader::once(source, half, preprocess, Subset::Val, batch_size, device)
    }

    /// Every image of `half` in `subset` once, in the source's order, centre crop, no mirror
    /// (validation batches, or one pass over the training images as a net sees them when
    /// training has no random crop and no mirror); the last batch may be smaller.
    pub fn once(
        source: Arc<dyn Source>,
        half: &Half,
        preprocess: Preprocess,
        subset: Subset,
        batch_size: usize,
        device: &Device,
    ) -> Result<Self> {
        let mut loader = Loader::new(source, half, preprocess, subset, batch_size, 0, 0, device)?;
        loader.single_pass = true;
        Ok(loader)
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        source: Arc<dyn Source>,
        half: &Half,
        preprocess: Preprocess,
        subset: Subset,
        batch_size: usize,
        seed: u64,
        start_iteration: u64,
        device: &Device,
    ) -> Result<Self> {
        if batch_size == 0 {
            return Err(DataError::config("batch_size", "must be at least 1"));
        }
        if preprocess.stored_size() != source.stored_size() {
            return Err(DataError::config(
                "stored_size",
                format!(
                    "the source stores {0}x{0} images, the preprocessing expects {1}x{1}",
                    source.stored_size(),
                    preprocess.stored_size()
                ),
            ));
        }
        let items = half_samples(source.as_ref(), half, subset);
        if items.is_empty() {
            return Err(DataError::EmptyHalf {
                subset: subset.name(),
                half: format!("{:?}", half.id()),
            });
        }
        Ok(Loader {
            single_pass: false,
            plan: Arc::new(Plan {
                source,
                preprocess,
                subset,
                items,
                batch_size,
                seed,
                skip_bad_images: AtomicBool::new(false),
                bad: Mutex::new(HashSet::new()),
            }),
            start_iteration,
            device: device.clone(),
            threads: None,
            prefetch: DEFAULT_PREFETCH,
            receiver: None,
            producer: None,
            finished: false,
        })
    }

    /// Skips unreadable images (counted in [`Loader::skipped`], logged once each) instead of
    /// failing. In training a skipped image is replaced by the next readable one of the epoch's
    /// order, so batches stay full; in validation it is left out.
    pub fn skip_bad_images(self, skip: bool) -> Self {
        self.plan.skip_bad_images.store(skip, Ordering::Relaxed);
        self
    }

    /// Leaves out the images at these indices of the subset's samples (the unreadable images a
    /// [`crate::scan_images`] pass found), so that no batch ever tries them: a training epoch
    /// visits the remaining images, a validation pass evaluates on them. Takes effect if set
    /// before the first batch is requested.
    pub fn without(mut self, unreadable: &[Unreadable]) -> Self {
        if let Some(plan) = Arc::get_mut(&mut self.plan) {
            let excluded: HashSet<usize> = unreadable
                .iter()
                .filter(|u| u.subset == plan.subset)
                .map(|u| u.index)
                .collect();
            plan.items.retain(|(index, _)| !excluded.contains(index));
        }
        self
    }

    /// Decodes on a dedicated pool of `threads` threads instead of rayon's global pool. The
    /// batches are the same for any number of threads. Takes effect if set before the first
    /// batch is requested (as does [`Loader::with_prefetch`]).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// How many batches the producer prepares ahead of the consumer (at least 1; default 3).
    pub fn with_prefetch(mut self, batches: usize) -> Self {
        self.prefetch = batches.max(1);
        self
    }

    /// Number of images of the half in this subset.
    pub fn len_images(&self) -> usize {
        self.plan.items.len()
    }

    /// The images of the half in this subset, as `(index into the subset's samples, label)`, in
    /// the source's order: the list [`TrainOrder`] positions refer to.
    pub fn items(&self) -> &[(usize, u32)] {
        &self.plan.items
    }

    /// Number of batches in one pass over the half (the last one partial or wrapped).
    pub fn batches_per_epoch(&self) -> usize {
        self.plan.items.len().div_ceil(self.plan.batch_size)
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.plan.batch_size
    }

    /// Distinct unreadable images skipped so far.
    pub fn skipped(&self) -> usize {
        self.plan.bad.lock().map(|set| set.len()).unwrap_or(0)
    }

    fn start(&mut self) -> Result<()> {
        if self.plan.items.is_empty() {
            return Err(DataError::EmptyHalf {
                subset: self.plan.subset.name(),
                half: "every image left out as unreadable".to_string(),
            });
        }
        let (sender, receiver) = bounded(self.prefetch);
        let plan = Arc::clone(&self.plan);
        let start_iteration = self.start_iteration;
        let single_pass = self.single_pass;
        let pool = match self.threads {
            Some(threads) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("convnet-data-{i}"))
                    .build()
                    .map_err(|e| DataError::LoaderStopped(format!("thread pool: {e}")))?,
            ),
            None => None,
        };
        let handle = std::thread::Builder::new()
            .name("convnet-data-producer".to_string())
            .spawn(move || match pool {
                Some(pool) => {
                    pool.install(|| produce(&plan, single_pass, start_iteration, &sender))
                }
                None => produce(&plan, single_pass, start_iteration, &sender),
            })
            .map_err(|e| DataError::LoaderStopped(format!("cannot start the producer: {e}")))?;
        self.receiver = Some(receiver);
        self.producer = Some(handle);
        Ok(())
    }

    fn to_batch(&self, host: HostBatch) -> Result<Batch> {
        let n = host.labels.len();
        let crop = self.plan.preprocess.crop_size();
        let candle_error = |source| DataError::Candle {
            context: "building a batch".to_string(),
            source: Box::new(source),
        };
        let images = Tensor::from_vec(host.images, (n, 3, crop, crop), &self.device)
            .map_err(candle_error)?;
        let labels = Tensor::from_vec(host.labels, n, &self.device).map_err(candle_error)?;
        Ok(Batch { images, labels })
    }
}

impl Iterator for Loader {
    type Item = Result<Batch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        if self.receiver.is_none() {
            if let Err(e) = self.start() {
                self.finished = true;
                return Some(Err(e));
            }
        }
        let received = self.receiver.as_ref().map(|r| r.recv());
        match received {
            Some(Ok(Ok(host))) => Some(self.to_batch(host)),
            Some(Ok(Err(e))) => {
                self.finished = true;
                Some(Err(e))
            }
            _ => {
                self.finished = true;
                let panicked = self
                    .producer
                    .take()
                    .map(|h| h.join().is_err())
                    .unwrap_or(false);
                if panicked {
                    Some(Err(DataError::LoaderStopped(
                        "the producer thread panicked".to_string(),
                    )))
                } else {
                    None
                }
            }
        }
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        // Closing the channel stops the producer after the batch it is building.
        self.receiver = None;
    }
}

/// The producer loop: builds batches and sends them until the consumer goes away, the
/// single pass ends, or an error is sent.
fn produce(
    plan: &Plan,
    single_pass: bool,
    start_iteration: u64,
    sender: &Sender<Result<HostBatch>>,
) {
    match single_pass {
        false => {
            let mut order = TrainOrder::new(plan.seed, plan.items.len(), plan.batch_size);
            for iteration in start_iteration.. {
                let batch = train_batch(plan, iteration, &mut order);
                let failed = batch.is_err();
                if sender.send(batch).is_err() || failed {
                    return;
                }
            }
        }
        true => {
            for chunk in 0..plan.items.len().div_ceil(plan.batch_size) {
                let batch = single_pass_batch(plan, chunk);
                let failed = batch.is_err();
                if matches!(&batch, Ok(b) if b.labels.is_empty()) {
                    continue;
                }
                if sender.send(batch).is_err() || failed {
                    return;
                }
            }
        }
    }
}

/// The order in which training visits a half's images: which image fills each slot of each
/// training batch. Epoch `e` is a permutation seeded by `(seed, e)`; a batch that runs past
/// the end of an epoch continues into the next.
pub struct TrainOrder {
    seed: u64,
    n: usize,
    batch_size: usize,
    /// The permutations of the epochs the current batch touches.
    cached: Vec<(u64, Arc<Vec<usize>>)>,
}

/// One slot of a training batch: its epoch, its position in that epoch, the epoch's order.
struct Slot {
    epoch: u64,
    within: usize,
    order: Arc<Vec<usize>>,
}

impl TrainOrder {
    /// The order of `n` images in batches of `batch_size`, seeded by `seed`.
    pub fn new(seed: u64, n: usize, batch_size: usize) -> Self {
        TrainOrder {
            seed,
            n,
            batch_size,
            cached: Vec::new(),
        }
    }

    fn epoch(&mut self, epoch: u64) -> Arc<Vec<usize>> {
        if let Some((_, order)) = self.cached.iter().find(|(e, _)| *e == epoch) {
            return Arc::clone(order);
        }
        let order = Arc::new(epoch_order(self.seed, epoch, self.n));
        self.cached.retain(|(e, _)| *e + 1 >= epoch);
        self.cached.push((epoch, Arc::clone(&order)));
        order
    }

    fn slots(&mut self, iteration: u64) -> Vec<Slot> {
        let (n, batch) = (self.n as u64, self.batch_size as u64);
        let first = iteration * batch;
        (first..first + batch)
            .map(|position| {
                let epoch = position / n;
                Slot {
                    epoch,
                    within: (position % n) as usize,
                    order: self.epoch(epoch),
                }
            })
            .collect()
    }

    /// The images (positions in the half's list of images) of training batch `iteration`, in
    /// the order the batch holds them: what [`Loader::train`] decodes for that iteration when
    /// no image is skipped.
    pub fn items(&mut self, iteration: u64) -> Vec<usize> {
        self.slots(iteration)
            .into_iter()
            .map(|slot| slot.order[slot.within])
            .collect()
    }
}

/// The order in which epoch `epoch` visits `n` images: a permutation seeded by `(seed, epoch)`.
pub fn epoch_order(seed: u64, epoch: u64, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng_for(&[seed, ORDER_STREAM, epoch]));
    order
}

fn train_batch(plan: &Plan, iteration: u64, order: &mut TrainOrder) -> Result<HostBatch> {
    let slots = order.slots(iteration);
    let image_len = plan.preprocess.image_len();
    let mut images = vec![0f32; slots.len() * image_len];
    let labels = images
        .par_chunks_mut(image_len)
        .zip(slots.par_iter())
        .map(|(out, slot)| {
            let mut rng = rng_for(&[plan.seed, AUGMENT_STREAM, slot.epoch, slot.within as u64]);
            let augment = plan.preprocess.random_augment(&mut rng);
            train_image(plan, &slot.order, slot.within, augment, out)
        })
        .collect::<Result<Vec<u32>>>()?;
    Ok(HostBatch { images, labels })
}

/// Loads the image at `within` in the epoch's order (or, when skipping, the next readable one)
/// into `out`; returns its label.
fn train_image(
    plan: &Plan,
    order: &[usize],
    within: usize,
    augment: Augment,
    out: &mut [f32],
) -> Result<u32> {
    let n = order.len();
    for step in 0..n {
        let item = order[(within + step) % n];
        match load_item(plan, item, augment, out) {
            Ok(label) => return Ok(label),
            Err(e) if plan.skips() && e.is_bad_image() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(DataError::EmptyHalf {
        subset: "train",
        half: "every image unreadable".to_string(),
    })
}

fn single_pass_batch(plan: &Plan, chunk: usize) -> Result<HostBatch> {
    let start = chunk * plan.batch_size;
    let end = (start + plan.batch_size).min(plan.items.len());
    let image_len = plan.preprocess.image_len();
    let mut images = vec![0f32; (end - start) * image_len];
    let centre = plan.preprocess.centre();
    let loaded = images
        .par_chunks_mut(image_len)
        .zip((start..end).into_par_iter())
        .map(|(out, item)| match load_item(plan, item, centre, out) {
            Ok(label) => Ok(Some(label)),
            Err(e) if plan.skips() && e.is_bad_image() => Ok(None),
            Err(e) => Err(e),
        })
        .collect::<Result<Vec<Option<u32>>>>()?;
    if loaded.iter().all(Option::is_some) {
        let labels = loaded.into_iter().flatten().collect();
        return Ok(HostBatch { images, labels });
    }
    let mut kept = Vec::with_capacity(images.len());
    let mut labels = Vec::with_capacity(loaded.len());
    for (label, values) in loaded.iter().zip(images.chunks_exact(image_len)) {
        if let Some(label) = label {
            kept.extend_from_slice(values);
            labels.push(*label);
        }
    }
    Ok(HostBatch {
        images: kept,
        labels,
    })
}

/// Loads and preprocesses item `item` of the plan into `out`. A bad image is recorded (and
/// logged the first time) when skipping is on.
fn load_item(plan: &Plan, item: usize, augment: Augment, out: &mut [f32]) -> Result<u32> {
    let (index, label) = plan.items[item];
    let sample = &plan.subset.samples(plan.source.as_ref())[index];
    let loaded = plan
        .source
        .load(sample)
        .and_then(|image| plan.preprocess.apply(&image, augment, out));
    match loaded {
        Ok(()) => Ok(label),
        Err(e) => {
            let e = match e {
                DataError::BadImage { reason, .. } => DataError::BadImage {
                    path: plan.source.describe(sample),
                    reason,
                },
                other => other,
            };
            if plan.skips() && e.is_bad_image() {
                let newly = plan
                    .bad
                    .lock()
                    .map(|mut set| set.insert(index))
                    .unwrap_or(false);
                if newly {
                    tracing::warn!("skipping unreadable image: {e}");
                }
            }
            Err(e)
        }
    }
}
