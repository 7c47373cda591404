//! `Inbox`: the engine's inbox of a tracked room (`webcast_engine::inbox`), which holds messages undecoded and
//! decodes each as it is taken. The caller passes the time and its bound on what waits; the rules are the engine's.

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use webcast_engine::inbox::{self as engine, Options};
use webcast_engine::seen_ids::Limits;

use crate::classes::event_to_py;
use crate::errors::decode_error;

/// Messages of a tracked room, held undecoded until taken; duplicates and (unless asked for) replayed history and
/// unknown methods are dropped on arrival.
#[pyclass(module = "tiktok_webcast._core", name = "Inbox")]
pub struct PyInbox {
    inner: engine::Inbox,
}

/// What one call took in (`Inbox.push_frames`, `Inbox.push_fetch`).
#[pyclass(module = "tiktok_webcast._core", name = "Intake", frozen, get_all)]
pub struct PyIntake {
    /// Push frames taken in.
    frames: usize,
    /// The acks to send, in order.
    acks: Py<PyList>,
    /// Fetch results among what was taken in.
    results: usize,
    /// Whether the first fetch result carried replayed history (None: there was none).
    first_has_history: Option<bool>,
    /// `(cursor, internal_ext)` of the last fetch result.
    resume: Option<(String, String)>,
    /// A control message ended the stream.
    ended: bool,
    /// Why frames were dropped as undecodable.
    errors: Vec<String>,
}

impl PyIntake {
    fn from_engine(py: Python<'_>, intake: engine::Intake) -> PyResult<Self> {
        let acks = PyList::new(py, intake.acks.iter().map(|ack| PyBytes::new(py, ack)))?;
        Ok(PyIntake {
            frames: intake.frames,
            acks: acks.unbind(),
            results: intake.results,
            first_has_history: intake.first_has_history,
            resume: intake.resume,
            ended: intake.ended,
            errors: intake.errors.iter().map(ToString::to_string).collect(),
        })
    }
}

/// Running totals of an `Inbox`.
#[pyclass(module = "tiktok_webcast._core", name = "InboxCounts", frozen, get_all)]
pub struct PyCounts {
    frames: u64,
    acks: u64,
    events: u64,
    duplicates: u64,
    history: u64,
    decode_errors: u64,
    unknown: u64,
}

#[pymethods]
impl PyInbox {
    #[new]
    #[pyo3(signature = (*, include_history = false, keep_unknown = false))]
    fn new(include_history: bool, keep_unknown: bool) -> Self {
        PyInbox {
            inner: engine::Inbox::new(Options {
                include_history,
                keep_unknown,
                seen: Limits::default(),
            }),
        }
    }

    /// Takes in the push frames of `frames` from index `start` on, received at `now` (monotonic seconds), until
    /// a control message ends the stream or at least `limit` messages are held; always at least one frame.
    fn push_frames(
        &mut self,
        py: Python<'_>,
        frames: &Bound<'_, PyList>,
        start: usize,
        now: f64,
        limit: usize,
    ) -> PyResult<PyIntake> {
        let mut intake = engine::Intake::default();
        for frame in frames.iter().skip(start) {
            let data = frame.cast::<PyBytes>()?;
            self.inner.push_frame(data.as_bytes(), now, &mut intake);
            if intake.ended || self.inner.len() >= limit {
                break;
            }
        }
        PyIntake::from_engine(py, intake)
    }

    /// Takes in a fetch result's body received at `now`; `DecodeError` or `CapacityError` when it does not decode
    /// (nothing is taken in then).
    fn push_fetch(&mut self, py: Python<'_>, body: &[u8], now: f64) -> PyResult<PyIntake> {
        let intake = self
            .inner
            .push_fetch(Bytes::copy_from_slice(body), now)
            .map_err(decode_error)?;
        PyIntake::from_engine(py, intake)
    }

    /// Up to `count` held messages as their typed events, the first one last (for `list.pop()`).
    fn take_many<'py>(&mut self, py: Python<'py>, count: usize) -> PyResult<Bound<'py, PyList>> {
        let mut events = Vec::with_capacity(count.min(self.inner.len()));
        while events.len() < count {
            let Some(event) = self.inner.take() else {
                break;
            };
            events.push(event_to_py(py, event)?);
        }
        events.reverse();
        PyList::new(py, events)
    }

    /// Drops what is held.
    fn clear(&mut self) {
        self.inner.clear();
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The running totals.
    fn counts(&self) -> PyCounts {
        let counts = self.inner.counts();
        PyCounts {
            frames: counts.frames,
            acks: counts.acks,
            events: counts.events,
            duplicates: counts.duplicates,
            history: counts.history,
            decode_errors: counts.decode_errors,
            unknown: counts.unknown,
        }
    }

    /// The methods of the unknown events counted since the last call, in order.
    fn take_unknown_methods(&mut self) -> Vec<String> {
        self.inner.take_unknown_methods()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyInbox>()?;
    m.add_class::<PyIntake>()?;
    m.add_class::<PyCounts>()
}
