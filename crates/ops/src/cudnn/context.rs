//! What the cuDNN convolutions keep between calls, per device and thread: the handle (bound to
//! the device's stream), the workspace, and the algorithm chosen for each shape.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use candle_core::cuda_backend::cudarc::cudnn::{result, sys};
use candle_core::cuda_backend::cudarc::driver::{CudaSlice, CudaStream, DevicePtrMut, SyncOnDrop};
use candle_core::cuda_backend::{CudaDevice, DeviceId};
use candle_core::{DType, Result};

use super::descriptors::{cudnn_error, ConvDescriptors};
use crate::conv_geometry::ConvGeometry;

/// The three convolutions of a training step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Pass {
    /// `y = conv(x, w)`.
    Forward,
    /// The input gradient, from the output gradient and the weights.
    BackwardData,
    /// The weight gradient, from the input and the output gradient.
    BackwardFilter,
}

/// One pass's algorithm, as cuDNN numbers it in that pass's enumeration.
#[derive(Debug, Clone, Copy)]
pub(super) enum Algorithm {
    Forward(sys::cudnnConvolutionFwdAlgo_t),
    BackwardData(sys::cudnnConvolutionBwdDataAlgo_t),
    BackwardFilter(sys::cudnnConvolutionBwdFilterAlgo_t),
}

/// The algorithm chosen for one pass of one convolution, with the workspace it needs and the
/// math mode it was timed in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Choice {
    pub(super) algorithm: Algorithm,
    pub(super) workspace: usize,
    pub(super) math: sys::cudnnMathType_t,
}

/// What a choice depends on: the pass, every size of the convolution, the data type and the
/// math mode allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    pass: Pass,
    sizes: [usize; 9],
    dtype: DType,
    math: u32,
}

impl Key {
    fn new(pass: Pass, g: &ConvGeometry, dtype: DType, math: sys::cudnnMathType_t) -> Self {
        Self {
            pass,
            sizes: [g.n, g.c, g.h, g.w, g.o, g.k, g.stride, g.pad, g.groups],
            dtype,
            math: math as u32,
        }
    }
}

/// A cuDNN handle on one device's stream, its workspace and its algorithm choices.
pub(super) struct Context {
    pub(super) handle: sys::cudnnHandle_t,
    pub(super) stream: Arc<CudaStream>,
    workspace: Option<CudaSlice<u8>>,
    choices: HashMap<Key, Choice>,
}

thread_local! {
    /// cuDNN handles are neither `Send` nor `Sync`: one per device and thread.
    static CONTEXTS: RefCell<HashMap<DeviceId, Context>> = RefCell::new(HashMap::new());
}

/// Runs `f` with this thread's context of `device`, creating it on first use.
pub(super) fn with_context<R>(
    device: &CudaDevice,
    f: impl FnOnce(&mut Context) -> Result<R>,
) -> Result<R> {
    CONTEXTS.with(|contexts| {
        let mut contexts = contexts.borrow_mut();
        let context = match contexts.entry(device.id()) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(Context::new(device.cuda_stream())?)
            }
        };
        f(context)
    })
}

impl Context {
    fn new(stream: Arc<CudaStream>) -> Result<Self> {
        stream
            .context()
            .bind_to_thread()
            .map_err(|e| candle_core::Error::Msg(format!("cuDNN: binding the device: {e}")))?;
        let handle = result::create_handle().map_err(|e| {
            cudnn_error(
                "creating a handle (is libcudnn.so.9 on LD_LIBRARY_PATH? see docs/reproducing.md)",
                e,
            )
        })?;
        // SAFETY: the handle was just created; the stream outlives it (held in `self`).
        unsafe { result::set_stream(handle, stream.cu_stream() as *mut _) }
            .map_err(|e| cudnn_error("setting the stream", e))?;
        Ok(Self {
            handle,
            stream,
            workspace: None,
            choices: HashMap::new(),
        })
    }

    /// The algorithm of `pass` for the convolution `d` describes (geometry `g`, `dtype`,
    /// allowed `math`): timed once, then remembered.
    pub(super) fn choose(
        &mut self,
        pass: Pass,
        (g, dtype, math): (&ConvGeometry, DType, sys::cudnnMathType_t),
        d: &ConvDescriptors,
    ) -> Result<Choice> {
        let key = Key::new(pass, g, dtype, math);
        if let Some(choice) = self.choices.get(&key) {
            return Ok(*choice);
        }
        let choice = find(self.handle, pass, d)?;
        self.choices.insert(key, choice);
        Ok(choice)
    }

    /// The workspace, at least `bytes` long (grown, never shrunk), as a device pointer and its
    /// length; null and 0 when none is needed.
    pub(super) fn workspace(
        &mut self,
        bytes: usize,
    ) -> Result<(u64, usize, Option<SyncOnDrop<'_>>)> {
        if bytes == 0 {
            return Ok((0, 0, None));
        }
        if self.workspace.as_ref().is_none_or(|w| w.len() < bytes) {
            // Dropped before the new one is allocated, so the two never coexist.
            self.workspace = None;
            self.workspace = Some(self.stream.alloc_zeros::<u8>(bytes).map_err(|e| {
                candle_core::Error::Msg(format!("cuDNN workspace of {bytes} bytes: {e}"))
            })?);
        }
        let workspace = self.workspace.as_mut().expect("allocated above");
        let len = workspace.len();
        let (ptr, sync) = workspace.device_ptr_mut(&self.stream);
        Ok((ptr, len, Some(sync)))
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the handle was created by `new` and is destroyed once, here.
        let _ = unsafe { result::destroy_handle(self.handle) };
    }
}

/// What the three passes' timing results have in common.
trait Timed: Copy {
    fn succeeded(&self) -> bool;
    fn deterministic(&self) -> bool;
    fn choice(&self) -> Choice;
}

macro_rules! timed {
    ($perf:ty, $variant:ident) => {
        impl Timed for $perf {
            fn succeeded(&self) -> bool {
                self.status == sys::cudnnStatus_t::CUDNN_STATUS_SUCCESS
            }
            fn deterministic(&self) -> bool {
                self.determinism == sys::cudnnDeterminism_t::CUDNN_DETERMINISTIC
            }
            fn choice(&self) -> Choice {
                Choice {
                    algorithm: Algorithm::$variant(self.algo),
                    workspace: self.memory,
                    math: self.mathType,
                }
            }
        }
    };
}

timed!(sys::cudnnConvolutionFwdAlgoPerf_t, Forward);
timed!(sys::cudnnConvolutionBwdDataAlgoPerf_t, BackwardData);
timed!(sys::cudnnConvolutionBwdFilterAlgoPerf_t, BackwardFilter);

/// The fastest deterministic algorithm among `results` (cuDNN returns them fastest first), else
/// the fastest.
fn fastest<T: Timed>(results: &[T], pass: Pass) -> Result<Choice> {
    let working = || results.iter().filter(|r| r.succeeded());
    working()
        .find(|r| r.deterministic())
        .or_else(|| working().next())
        .map(Timed::choice)
        .ok_or_else(|| {
            candle_core::Error::Msg(format!(
                "cuDNN convolution: no algorithm runs the {pass:?} pass"
            ))
        })
}

/// Times every algorithm of `pass` on the convolution `d` describes and returns the fastest.
fn find(handle: sys::cudnnHandle_t, pass: Pass, d: &ConvDescriptors) -> Result<Choice> {
    // Larger than any of the three enumerations.
    const MAX: usize = 16;
    let mut count = 0;
    let e = |e| cudnn_error("timing the algorithms", e);
    // One `cudnnFind*Algorithm` call: its results type and its three operands' descriptors,
    // in the call's order.
    macro_rules! find_fastest {
        ($find:ident, $perf:ty, $first:ident, $second:ident, $output:ident) => {{
            let mut results = [std::mem::zeroed::<$perf>(); MAX];
            sys::$find(
                handle,
                d.$first.0,
                d.$second.0,
                d.conv.0,
                d.$output.0,
                MAX as i32,
                &mut count,
                results.as_mut_ptr(),
            )
            .result()
            .map_err(e)?;
            fastest(&results[..count as usize], pass)
        }};
    }
    // SAFETY: the handle and descriptors are alive; each results array has room for `MAX`
    // entries and cuDNN writes `count` of them. The `Find` calls allocate their own buffers.
    unsafe {
        match pass {
            Pass::Forward => find_fastest!(
                cudnnFindConvolutionForwardAlgorithm,
                sys::cudnnConvolutionFwdAlgoPerf_t,
                x,
                w,
                y
            ),
            Pass::BackwardData => find_fastest!(
                cudnnFindConvolutionBackwardDataAlgorithm,
                sys::cudnnConvolutionBwdDataAlgoPerf_t,
                w,
                y,
                x
            ),
            Pass::BackwardFilter => find_fastest!(
                cudnnFindConvolutionBackwardFilterAlgorithm,
                sys::cudnnConvolutionBwdFilterAlgoPerf_t,
                x,
                y,
                w
            ),
        }
    }
}
