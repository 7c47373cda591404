//! How engine values cross into Python and back. Each engine type names the Rust type its Python class stores
//! (`Bridge::Py`): numbers, strings and flags as themselves, sequences as tuples (events are frozen), nested
//! values as their classes; badges and JSON documents as [`Lazy`] values, converted on first read.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;
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

impl<T: Bridge> Bridge for Option<T> {
    type Py = Option<T::Py>;

    fn to_py(self, py: Python<'_>) -> PyResult<Self::Py> {
        self.map(|value| value.to_py(py)).transpose()
    }

    fn from_py(value: &Self::Py, py: Python<'_>) -> PyResult<Self> {
        value
            .as_ref()
            .map(|value| T::from_py(value, py))
            .transpose()
    }

    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        if object.is_none() {
            Ok(None)
        } else {
            T::extract(object).map(Some)
        }
    }
}

impl<T: Bridge> Bridge for Vec<T>
where
    for<'py> T::Py: IntoPyObject<'py>,
{
    type Py = Py<PyTuple>;

    fn to_py(self, py: Python<'_>) -> PyResult<Self::Py> {
        let items = self
            .into_iter()
            .map(|value| value.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyTuple::new(py, items)?.unbind())
    }

    fn from_py(value: &Self::Py, py: Python<'_>) -> PyResult<Self> {
        value
            .bind(py)
            .iter()
            .map(|item| T::extract(&item))
            .collect()
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

/// A field handed to Python on its first read, then kept: decoding pays nothing for a field nobody reads.
pub(crate) struct Lazy<T> {
    value: T,
    python: PyOnceLock<Py<PyAny>>,
}

/// What a [`Lazy`] field becomes in Python.
pub(crate) trait ToPython {
    fn to_python(&self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

impl<T: Clone> Lazy<T> {
    fn new(value: T) -> Self {
        Self {
            value,
            python: PyOnceLock::new(),
        }
    }

    fn value(&self) -> T {
        self.value.clone()
    }
}

impl<'py, T: ToPython> IntoPyObject<'py> for &Lazy<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = self
            .python
            .get_or_try_init(py, || self.value.to_python(py))?;
        Ok(value.bind(py).clone())
    }
}

/// A user's badges: read into `Badge` objects (a tuple) when first asked for.
impl Bridge for engine::Badges {
    type Py = Lazy<Self>;

    fn to_py(self, _py: Python<'_>) -> PyResult<Lazy<Self>> {
        Ok(Lazy::new(self))
    }

    fn from_py(value: &Lazy<Self>, _py: Python<'_>) -> PyResult<Self> {
        Ok(value.value())
    }

    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        Vec::<engine::Badge>::extract(object).map(Self::from)
    }
}

impl ToPython for engine::Badges {
    fn to_python(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.read().to_py(py)?.into_any())
    }
}

/// A JSON document: parsed for Python when first read (`None` when the wire has none; the text itself when it is
/// not JSON), serialised compactly for the wire.
impl Bridge for engine::Json {
    type Py = Lazy<Self>;

    fn to_py(self, _py: Python<'_>) -> PyResult<Lazy<Self>> {
        Ok(Lazy::new(self))
    }

    fn from_py(value: &Lazy<Self>, _py: Python<'_>) -> PyResult<Self> {
        Ok(value.value())
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
    fn to_python(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
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
