//! What a training cell reports as it goes: events for whoever shows them. The library never
//! prints; the command line draws bars or writes log lines from these.

use convnet_results::Evaluation;

/// One training step done.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Iterations done (1-based).
    pub iteration: u64,
    /// Iterations of the whole schedule.
    pub max_iter: u64,
    /// The step's training loss.
    pub loss: f32,
    /// The learning rate of the step.
    pub lr: f64,
    /// Training images per second so far.
    pub images_per_s: f64,
}

/// Receives a cell's progress; every method does nothing unless implemented. `()` reports to
/// nobody.
pub trait Progress {
    /// After each training step.
    fn step(&mut self, _step: &Step) {}
    /// After each evaluation.
    fn evaluated(&mut self, _evaluation: &Evaluation) {}
}

impl Progress for () {}

/// Progress that calls a function after each step (to stop a run at a given iteration, say).
pub struct OnStep<F>(pub F);

impl<F: FnMut(&Step)> Progress for OnStep<F> {
    fn step(&mut self, step: &Step) {
        (self.0)(step)
    }
}
