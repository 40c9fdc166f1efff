//! Training in the background, so that a notebook can stop it and keep what it learned.
//!
//! Under evcxr, the notebook's stop button ends the process that runs the cells: the model and
//! everything else is lost. [`Sequential::fit_in_background`] instead trains in a thread of its
//! own and hands back a [`Training`] at once. Later cells can look at it (a cell ending in the
//! handle shows the curves so far), wait for some more epochs, or [`stop`](Training::stop) it:
//! the epoch under way finishes, and the model comes back with the weights of the last finished
//! epoch, ready to evaluate, together with the data it was given.
//!
//! ```
//! use snackml::prelude::*;
//! let x = Tensor::from_elem(vec![8, 2, 2, 3], 0.5);
//! let y = ndarray::Array2::from_shape_fn((8, 2), |(i, j)| ((i + j) % 2) as f32);
//! let mut model = Sequential::with_seed(1);
//! model.add(Flatten::with_input_shape(&[2, 2, 3])).unwrap();
//! model.add(Dense::new(2).activation(Activation::Softmax)).unwrap();
//! model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy]).unwrap();
//! let data = ArrayData::new(x, Some(y), 4).unwrap();
//! let job = model.fit_in_background(data, None::<ArrayData>, 1_000_000).unwrap();
//! job.wait_for_epochs(2);
//! let mut done = job.stop().unwrap();
//! assert!(done.history.len() >= 2 && done.history.len() < 1_000_000);
//! assert!(done.model.evaluate(&mut done.train).unwrap().value("loss").unwrap().is_finite());
//! ```
//!
//! While it trains, the thread prints nothing (evcxr shows a cell's output only while a cell
//! runs); the handle's display reports the epochs so far instead.

use super::{FitOptions, Sequential};
use crate::callbacks::{Callback, History, Logs, Verbose};
use crate::data::Sequence;
use crate::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// What the training thread and the notebook share.
#[derive(Default)]
struct Progress {
    /// The epochs finished so far.
    history: History,
    /// The epochs asked for.
    epochs: usize,
    /// Set when the thread ends, however it ends.
    finished: bool,
}

type Shared = Arc<(Mutex<Progress>, Condvar)>;

/// A model training in a background thread (see the [module docs](self)).
pub struct Training<T, V> {
    shared: Shared,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Trained<T, V>>,
}

/// Where a background training stands ([`Training::status`]).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingStatus {
    /// The epochs finished so far.
    pub history: History,
    /// The epochs asked for.
    pub epochs: usize,
    /// True once the thread has ended (all epochs run, stopped, or failed).
    pub finished: bool,
}

/// What a background training gives back: the model, its history, and the data it trained on.
pub struct Trained<T, V> {
    /// The model, with the weights of the last finished epoch.
    pub model: Sequential,
    /// The epochs that finished.
    pub history: History,
    /// The training data, to use again.
    pub train: T,
    /// The validation data, if any.
    pub validation: Option<V>,
    /// How training ended: `Ok` when it ran its epochs or was stopped, else the error that
    /// stopped it (a NaN loss, a photo that could not be read...).
    pub outcome: Result<()>,
}

/// The callback that writes each finished epoch into the shared progress and stops on request.
struct Watch {
    shared: Shared,
    stop: Arc<AtomicBool>,
    epoch_start: Option<Instant>,
}

impl Callback for Watch {
    fn on_epoch_begin(&mut self, _epoch: usize, _model: &mut Sequential) -> Result<()> {
        self.epoch_start = Some(Instant::now());
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut Sequential) -> Result<()> {
        let (lock, wake) = &*self.shared;
        if let Ok(mut p) = lock.lock() {
            let seconds = self.epoch_start.map_or(0.0, |t| t.elapsed().as_secs_f64());
            p.history.record(epoch, logs, seconds);
        }
        wake.notify_all();
        if self.stop.load(Ordering::SeqCst) {
            model.set_stop_training(true);
        }
        Ok(())
    }
}

impl Sequential {
    /// Trains for up to `epochs` epochs in a background thread and returns at once (see the
    /// [module docs](crate::model::background)). The model and the data move into the thread and
    /// come back from [`Training::stop`] or [`Training::wait`]. Nothing is printed meanwhile.
    pub fn fit_in_background<T, V>(self, train: T, validation: Option<V>, epochs: usize) -> Result<Training<T, V>>
    where
        T: Sequence + Send + 'static,
        V: Sequence + Send + 'static,
    {
        if self.compiled.is_none() {
            return Err(Error::NotCompiled("fit_in_background"));
        }
        let shared: Shared = Arc::new((Mutex::new(Progress { epochs, ..Progress::default() }), Condvar::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut watch = Watch { shared: shared.clone(), stop: stop.clone(), epoch_start: None };
        let thread_shared = shared.clone();
        let (mut model, mut train, mut validation) = (self, train, validation);
        let thread = std::thread::Builder::new()
            .name("snackml-fit".into())
            .spawn(move || {
                let options = FitOptions::epochs(epochs).verbose(Verbose::Silent).callback(&mut watch);
                let result = model.fit_with(&mut train, validation.as_mut().map(|v| v as &mut dyn Sequence), options);
                let (history, outcome) = match result {
                    Ok(history) => (history, Ok(())),
                    Err(e) => (finished_history(&thread_shared), Err(e)),
                };
                let (lock, wake) = &*thread_shared;
                if let Ok(mut p) = lock.lock() {
                    p.finished = true;
                }
                wake.notify_all();
                Trained { model, history, train, validation, outcome }
            })
            .map_err(Error::Io)?;
        Ok(Training { shared, stop, thread })
    }
}

/// The epochs the watcher recorded (what a failed `fit` finished before its error).
fn finished_history(shared: &Shared) -> History {
    shared.0.lock().map(|p| p.history.clone()).unwrap_or_default()
}

impl<T, V> Training<T, V> {
    /// The epochs finished so far.
    pub fn history(&self) -> History {
        finished_history(&self.shared)
    }

    /// True once the thread has ended (all epochs run, stopped, or failed).
    pub fn is_finished(&self) -> bool {
        self.shared.0.lock().map(|p| p.finished).unwrap_or(true)
    }

    /// Blocks until `n` more epochs have finished, or training has ended.
    pub fn wait_for_epochs(&self, n: usize) {
        let (lock, wake) = &*self.shared;
        let Ok(mut p) = lock.lock() else { return };
        let target = p.history.len() + n;
        while !p.finished && p.history.len() < target {
            p = match wake.wait(p) {
                Ok(p) => p,
                Err(_) => return,
            };
        }
    }

    /// Asks training to stop after the epoch under way, waits for it, and gives the model back
    /// with the weights of the last finished epoch.
    pub fn stop(self) -> Result<Trained<T, V>> {
        self.stop.store(true, Ordering::SeqCst);
        self.wait()
    }

    /// Waits for training to end (all its epochs, or an earlier stop) and gives the model back.
    pub fn wait(self) -> Result<Trained<T, V>> {
        self.thread.join().map_err(|_| Error::InvalidArgument("the training thread panicked: the model is lost".into()))
    }

    /// Where training stands: the epochs finished, the epochs asked for, whether it has ended.
    /// Fails only when the training thread panicked. (A cell ending in the handle shows this
    /// with the curves: see `display`.)
    pub fn status(&self) -> Result<TrainingStatus> {
        let p = self.shared.0.lock().map_err(|_| Error::InvalidArgument("the training thread panicked".into()))?;
        Ok(TrainingStatus { history: p.history.clone(), epochs: p.epochs, finished: p.finished })
    }
}
