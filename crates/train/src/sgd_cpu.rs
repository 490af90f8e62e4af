//! The momentum-SGD update on the CPU, in place: one pass over a variable's velocity and one
//! over the variable, where the same update in tensor ops makes six passes and five new
//! tensors per variable (a twelfth of a small net's training step on two cores).

use candle_core::{bail, CpuStorage, InplaceOp2, InplaceOp3, Layout, Result, Tensor, WithDType};

/// The scalars of one variable's update.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rates {
    /// Momentum.
    pub(crate) momentum: f64,
    /// Learning rate, times the variable's multiplier.
    pub(crate) lr: f64,
    /// Weight decay, times the variable's multiplier.
    pub(crate) decay: f64,
}

/// `v <- momentum v + lr (g + decay w)` and `w <- w - v`, in place in the storages of the
/// velocity `v` and the variable `w` (all three on the CPU, of one float type and shape).
/// Each element is computed in the order of the tensor-op update, so that both round alike.
pub(crate) fn update_in_place(w: &Tensor, v: &Tensor, g: &Tensor, rates: Rates) -> Result<()> {
    v.inplace_op3(&g.contiguous()?, w, &Velocity(rates))?;
    w.inplace_op2(v, &Descent)
}

/// `v <- momentum v + lr (g + decay w)`, in place in `v`; the sources are `g` and `w`.
struct Velocity(Rates);

/// `w <- w - v`, in place in `w`; the source is `v`.
struct Descent;

/// The elements a contiguous layout covers.
fn elements<'a, T>(data: &'a [T], layout: &Layout, op: &str) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => bail!("{op}: needs contiguous tensors"),
    }
}

/// [`elements`], mutable.
fn elements_mut<'a, T>(data: &'a mut [T], layout: &Layout, op: &str) -> Result<&'a mut [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&mut data[start..end]),
        None => bail!("{op}: needs contiguous tensors"),
    }
}

impl Velocity {
    fn apply<T: WithDType>(&self, v: &mut [T], g: &[T], w: &[T]) -> Result<()> {
        if g.len() != v.len() || w.len() != v.len() {
            bail!(
                "sgd-velocity: velocity of {} elements, gradient of {}, variable of {}",
                v.len(),
                g.len(),
                w.len()
            )
        }
        let Rates {
            momentum,
            lr,
            decay,
        } = self.0;
        let (momentum, lr, decay) = (T::from_f64(momentum), T::from_f64(lr), T::from_f64(decay));
        if decay == T::zero() {
            for (v, g) in v.iter_mut().zip(g) {
                *v = *v * momentum + *g * lr;
            }
        } else {
            for ((v, g), w) in v.iter_mut().zip(g).zip(w) {
                *v = *v * momentum + (*g + *w * decay) * lr;
            }
        }
        Ok(())
    }
}

impl InplaceOp3 for Velocity {
    fn name(&self) -> &'static str {
        "sgd-velocity"
    }

    fn cpu_fwd(
        &self,
        v: &mut CpuStorage,
        vl: &Layout,
        g: &CpuStorage,
        gl: &Layout,
        w: &CpuStorage,
        wl: &Layout,
    ) -> Result<()> {
        let op = self.name();
        match (v, g, w) {
            (CpuStorage::F32(v), CpuStorage::F32(g), CpuStorage::F32(w)) => self.apply(
                elements_mut(v, vl, op)?,
                elements(g, gl, op)?,
                elements(w, wl, op)?,
            ),
            (CpuStorage::F64(v), CpuStorage::F64(g), CpuStorage::F64(w)) => self.apply(
                elements_mut(v, vl, op)?,
                elements(g, gl, op)?,
                elements(w, wl, op)?,
            ),
            _ => bail!("{op}: velocity, gradient and variable must be all f32 or all f64"),
        }
    }
}

/// `w <- w - v` over two slices of one length.
fn descend<T: WithDType>(w: &mut [T], v: &[T]) -> Result<()> {
    if w.len() != v.len() {
        bail!(
            "sgd-descent: variable of {} elements, velocity of {}",
            w.len(),
            v.len()
        )
    }
    for (w, v) in w.iter_mut().zip(v) {
        *w -= *v;
    }
    Ok(())
}

impl InplaceOp2 for Descent {
    fn name(&self) -> &'static str {
        "sgd-descent"
    }

    fn cpu_fwd(&self, w: &mut CpuStorage, wl: &Layout, v: &CpuStorage, vl: &Layout) -> Result<()> {
        let op = self.name();
        match (w, v) {
            (CpuStorage::F32(w), CpuStorage::F32(v)) => {
                descend(elements_mut(w, wl, op)?, elements(v, vl, op)?)
            }
            (CpuStorage::F64(w), CpuStorage::F64(v)) => {
                descend(elements_mut(w, wl, op)?, elements(v, vl, op)?)
            }
            _ => bail!("{op}: variable and velocity must be both f32 or both f64"),
        }
    }
}
