//! How engine values cross into Python and back. Each engine type names the Rust type its Python class stores
//! (`Bridge::Py`): numbers, strings and flags as themselves; nested values (as their classes), sequences (as tuples:
//! events are frozen), badges and JSON documents as [`Lazy`] values, converted on first read, so that an event
//! costs the objects its reader asks for.

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::OnceLockExt;
use pyo3::types::PyTuple;
use pyo3::BoundObject;
use webcast_engine::events as engine;

pub(crate) trait Bridge: Sized {
    /// What a Python class stores for a field of this type.
    type Py;
    fn to_py(self, py: Python<'_>) -> PyResult<Self::Py>;
    fn from_py(value: &Self::Py, py: Python<'_>) -> PyResult<Self>;
    /// Reads a value given by Python code (a constructor argument).
    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self>;
}

macro_rules! bridge_as_itself {
    ($($ty:ty),*) => {
        $(
            impl Bridge for $ty {
                type Py = $ty;
                fn to_py(self, _py: Python<'_>) -> PyResult<$ty> {
                    Ok(self)
                }
                fn from_py(value: &$ty, _py: Python<'_>) -> PyResult<Self> {
                    Ok(value.clone())
                }
                fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
                    object.extract()
                }
            }
        )*
    };
}

bridge_as_itself!(i32, i64, bool, String);

/// An optional nested value (a user, an image, a display text, ...): built as a Python object on first read.
impl<T> Bridge for Option<T>
where
    T: Bridge + Clone + Send,
    for<'py> T::Py: IntoPyObject<'py>,
{
    type Py = Lazy<Self>;

    fn to_py(self, _py: Python<'_>) -> PyResult<Self::Py> {
        Ok(Lazy::new(self))
    }

    fn from_py(value: &Self::Py, py: Python<'_>) -> PyResult<Self> {
        value.value(py)
    }

    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        if object.is_none() {
            Ok(None)
        } else {
            T::extract(object).map(Some)
        }
    }
}

impl<T> ToPython for Option<T>
where
    T: Bridge + Clone + Send,
    for<'py> T::Py: IntoPyObject<'py>,
{
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            None => Ok(py.None()),
            Some(value) => into_object(py, value.to_py(py)?),
        }
    }

    fn from_python(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::extract(object)
    }
}

/// A sequence: a tuple (events are frozen), built on first read.
impl<T> Bridge for Vec<T>
where
    T: Bridge + Clone + Send,
    for<'py> T::Py: IntoPyObject<'py>,
{
    type Py = Lazy<Self>;

    fn to_py(self, _py: Python<'_>) -> PyResult<Self::Py> {
        Ok(Lazy::new(self))
    }

    fn from_py(value: &Self::Py, py: Python<'_>) -> PyResult<Self> {
        value.value(py)
    }

    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        if object.is_instance_of::<pyo3::types::PyString>() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "expected a sequence, not a str",
            ));
        }
        object.try_iter()?.map(|item| T::extract(&item?)).collect()
    }
}

impl<T> ToPython for Vec<T>
where
    T: Bridge + Clone + Send,
    for<'py> T::Py: IntoPyObject<'py>,
{
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let items = self
            .into_iter()
            .map(|value| value.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyTuple::new(py, items)?.into_any().unbind())
    }

    fn from_python(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::extract(object)
    }
}

fn into_object<'py, V: IntoPyObject<'py>>(py: Python<'py>, value: V) -> PyResult<Py<PyAny>> {
    Ok(value
        .into_pyobject(py)
        .map_err(Into::into)?
        .into_any()
        .unbind())
}

/// A field handed to Python on its first read, then kept: decoding pays nothing for a field nobody reads. The Rust
/// value moves into the Python object then (no copy); reading it back as Rust afterwards goes through that object.
pub(crate) struct Lazy<T> {
    rust: Mutex<Option<T>>,
    python: OnceLock<PyResult<Py<PyAny>>>,
}

/// What a [`Lazy`] field becomes in Python, and back.
pub(crate) trait ToPython: Sized {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>>;
    fn from_python(object: &Bound<'_, PyAny>) -> PyResult<Self>;
}

impl<T: ToPython + Clone> Lazy<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            rust: Mutex::new(Some(value)),
            python: OnceLock::new(),
        }
    }

    /// The Python object, made on the first call. The conversion runs once (another thread asking meanwhile waits,
    /// detached from the interpreter).
    pub(crate) fn python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let object = self.python.get_or_init_py_attached(py, || {
            match self.rust().take() {
                Some(value) => value.to_python(py),
                // Only after a conversion that panicked.
                None => Err(PyRuntimeError::new_err("this field could not be read")),
            }
        });
        match object {
            Ok(object) => Ok(object.bind(py).clone()),
            Err(error) => Err(error.clone_ref(py)),
        }
    }

    /// The Rust value: a copy while Python has not read it, else read back from its Python object.
    pub(crate) fn value(&self, py: Python<'_>) -> PyResult<T> {
        if let Some(value) = self.rust().as_ref() {
            return Ok(value.clone());
        }
        T::from_python(&self.python(py)?)
    }

    fn rust(&self) -> MutexGuard<'_, Option<T>> {
        // Held only to move or copy the value, never across Python code, so it cannot deadlock with the interpreter.
        self.rust.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<'py, T: ToPython + Clone> IntoPyObject<'py> for &Lazy<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.python(py)
    }
}

/// A payload: `bytes` on first read, without a copy until then.
impl ToPython for bytes::Bytes {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(pyo3::types::PyBytes::new(py, &self).into_any().unbind())
    }

    fn from_python(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        object.extract::<Vec<u8>>().map(Self::from)
    }
}

/// A user's badges: read into `Badge` objects (a tuple) when first asked for.
impl Bridge for engine::Badges {
    type Py = Lazy<Self>;

    fn to_py(self, _py: Python<'_>) -> PyResult<Lazy<Self>> {
        Ok(Lazy::new(self))
    }

    fn from_py(value: &Lazy<Self>, py: Python<'_>) -> PyResult<Self> {
        value.value(py)
    }

    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        Vec::<engine::Badge>::extract(object).map(Self::from)
    }
}

impl ToPython for engine::Badges {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.read().to_python(py)
    }

    fn from_python(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::extract(object)
    }
}

/// A JSON document: parsed for Python when first read (`None` when the wire has none; the text itself when it is
/// not JSON), serialised compactly for the wire.
impl Bridge for engine::Json {
    type Py = Lazy<Self>;

    fn to_py(self, _py: Python<'_>) -> PyResult<Lazy<Self>> {
        Ok(Lazy::new(self))
    }

    fn from_py(value: &Lazy<Self>, py: Python<'_>) -> PyResult<Self> {
        value.value(py)
    }

    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        if object.is_none() {
            return Ok(Self(String::new()));
        }
        let py = object.py();
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("separators", (",", ":"))?;
        kwargs.set_item("ensure_ascii", false)?;
        let text = py
            .import("json")?
            .call_method("dumps", (object,), Some(&kwargs))?;
        Ok(Self(text.extract()?))
    }
}

impl ToPython for engine::Json {
    fn from_python(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::extract(object)
    }

    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if self.0.is_empty() {
            return Ok(py.None());
        }
        let json = py.import("json")?;
        Ok(match json.call_method1("loads", (&self.0,)) {
            Ok(value) => value.unbind(),
            Err(_) => pyo3::types::PyString::new(py, &self.0).into_any().unbind(),
        })
    }
}
