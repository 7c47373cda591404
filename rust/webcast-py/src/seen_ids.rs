//! `SeenIds`: the engine's duplicate filter over a frame's events. Reads each event's `msg_id`, and whether it is a
//! comment by its class (the class is the caller's choice); decides nothing.

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyType};
use webcast_engine::seen_ids::{self as engine, Limits};

/// Message ids already delivered, bounded in count and in age; the rules are the engine's (`webcast_engine::seen_ids`).
#[pyclass(module = "tiktok_webcast._core", name = "SeenIds")]
pub struct PySeenIds {
    inner: engine::SeenIds,
}

fn check_limits(limits: &Limits) -> PyResult<()> {
    let ages = [limits.max_age, limits.comment_max_age];
    if ages.iter().any(|age| !(age.is_finite() && *age > 0.0)) {
        return Err(PyValueError::new_err(
            "max_age and comment_max_age must be positive seconds",
        ));
    }
    Ok(())
}

#[pymethods]
impl PySeenIds {
    #[new]
    #[pyo3(signature = (capacity = None, max_age = None, comments = None, comment_max_age = None))]
    fn new(
        capacity: Option<usize>,
        max_age: Option<f64>,
        comments: Option<usize>,
        comment_max_age: Option<f64>,
    ) -> PyResult<Self> {
        let default = Limits::default();
        let limits = Limits {
            capacity: capacity.unwrap_or(default.capacity),
            max_age: max_age.unwrap_or(default.max_age),
            comments: comments.unwrap_or(default.comments),
            comment_max_age: comment_max_age.unwrap_or(default.comment_max_age),
        };
        check_limits(&limits)?;
        Ok(PySeenIds {
            inner: engine::SeenIds::new(limits),
        })
    }

    /// Forgets the ids older than their tier's age at `now` (monotonic seconds). Call once per frame.
    fn expire(&mut self, now: f64) {
        self.inner.expire(now);
    }

    /// True the first time `msg_id` is seen, then remembered (among comments too when `comment`). Id 0 is always
    /// new.
    #[pyo3(signature = (msg_id, now, comment = false))]
    fn first_time(&mut self, msg_id: i64, now: f64, comment: bool) -> bool {
        self.inner.first_time(msg_id, comment, now)
    }

    /// The events whose `msg_id` is seen for the first time, in order, all remembered now; events of class
    /// `comment` also in the comments' tier. `events` itself when none is dropped.
    #[pyo3(signature = (events, now, comment = None))]
    fn keep_new<'py>(
        &mut self,
        events: &Bound<'py, PyList>,
        now: f64,
        comment: Option<&Bound<'py, PyType>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = events.py();
        let name = intern!(py, "msg_id");
        let mut kept: Option<Vec<Bound<'py, PyAny>>> = None;
        for (position, event) in events.iter().enumerate() {
            let msg_id: i64 = event.getattr(name)?.extract()?;
            let is_comment = comment.is_some_and(|class| event.get_type().is(class));
            let new = self.inner.first_time(msg_id, is_comment, now);
            match (&mut kept, new) {
                (Some(kept), true) => kept.push(event),
                (None, false) => kept = Some(events.iter().take(position).collect()),
                _ => {}
            }
        }
        match kept {
            None => Ok(events.clone()),
            Some(kept) => PyList::new(py, kept),
        }
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Bytes the filter holds on the heap (from its structures' capacities).
    #[getter]
    fn heap_bytes(&self) -> usize {
        self.inner.heap_bytes()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySeenIds>()
}
