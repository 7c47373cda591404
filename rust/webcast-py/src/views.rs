//! Read-only views of every wire message type (`for_each_view!`): each field of the message is a property, nested
//! messages are views again. A view keeps its message's bytes (a slice of the frame, not a copy) and decodes one
//! level on first read; nested levels are decoded only when they are read. An absent nested message reads as
//! `None` (so does a present but empty one: the wire cannot tell them apart for the view).

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use pyo3::PyClass;
use webcast_engine::events::{decode_view, view};

use crate::errors::DecodeError;

/// A field value as Python sees it: numbers, flags and strings as themselves, `bytes` as bytes, repeated values
/// as tuples, maps as dicts.
trait ViewValue {
    fn view_value(&self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

macro_rules! view_value_as_itself {
    ($($ty:ty),*) => {
        $(
            impl ViewValue for $ty {
                fn view_value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                    Ok(self.into_pyobject(py)?.to_owned().into_any().unbind())
                }
            }
        )*
    };
}

view_value_as_itself!(i32, i64, u32, u64, bool, f32, f64, String);

impl ViewValue for Bytes {
    fn view_value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(PyBytes::new(py, self).into_any().unbind())
    }
}

impl<T: ViewValue> ViewValue for Vec<T> {
    fn view_value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let items = self
            .iter()
            .map(|item| item.view_value(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyTuple::new(py, items)?.into_any().unbind())
    }
}

impl<K: ViewValue, V: ViewValue> ViewValue for BTreeMap<K, V> {
    fn view_value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let dict = PyDict::new(py);
        for (key, value) in self {
            dict.set_item(key.view_value(py)?, value.view_value(py)?)?;
        }
        Ok(dict.into_any().unbind())
    }
}

/// A view class: built around the bytes of one message.
pub(crate) trait View: PyClass + Into<PyClassInitializer<Self>> {
    fn over(bytes: Bytes) -> Self;
}

fn message<V: View>(py: Python<'_>, bytes: &Bytes) -> PyResult<Py<PyAny>> {
    if bytes.is_empty() {
        return Ok(py.None());
    }
    Ok(Py::new(py, V::over(bytes.clone()))?.into_any())
}

fn messages<V: View>(py: Python<'_>, items: &[Bytes]) -> PyResult<Py<PyAny>> {
    let views = items
        .iter()
        .map(|bytes| Py::new(py, V::over(bytes.clone())))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyTuple::new(py, views)?.into_any().unbind())
}

fn message_map<K: ViewValue, V: View>(
    py: Python<'_>,
    map: &BTreeMap<K, Bytes>,
) -> PyResult<Py<PyAny>> {
    let dict = PyDict::new(py);
    for (key, bytes) in map {
        dict.set_item(key.view_value(py)?, Py::new(py, V::over(bytes.clone()))?)?;
    }
    Ok(dict.into_any().unbind())
}

macro_rules! view_field {
    ($py:ident, $value:expr, value) => {
        ViewValue::view_value($value, $py)
    };
    ($py:ident, $value:expr, message $class:ident) => {
        message::<$class>($py, $value)
    };
    ($py:ident, $value:expr, messages $class:ident) => {
        messages::<$class>($py, $value)
    };
    ($py:ident, $value:expr, message_map $class:ident) => {
        message_map::<_, $class>($py, $value)
    };
}

fn repr(object: &Bound<'_, PyAny>, class: &str, fields: &[&str]) -> PyResult<String> {
    let mut shown = Vec::new();
    for field in fields {
        let field = field.strip_prefix("r#").unwrap_or(field);
        let value = object.getattr(field)?;
        if value.is_truthy()? {
            shown.push(format!("{field}={}", value.repr()?.to_cow()?));
        }
    }
    Ok(format!("{class}({})", shown.join(", ")))
}

fn bytes_hash(bytes: &Bytes) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

macro_rules! define_views {
    ($( $name:ident = $py_name:literal { $( $field:ident : $kind:ident $($class:ident)? $py_type:literal ),* $(,)? } )*) => {
        $(
            #[doc = concat!("The `", $py_name, "` message as it came on the wire; every field is a property.")]
            #[pyclass(module = "tiktok_webcast._core", name = $py_name, frozen)]
            pub struct $name {
                bytes: Bytes,
                decoded: OnceLock<view::$name>,
            }

            impl View for $name {
                fn over(bytes: Bytes) -> Self {
                    Self { bytes, decoded: OnceLock::new() }
                }
            }

            impl $name {
                const FIELDS: &'static [&'static str] = &[$( stringify!($field) ),*];

                #[allow(dead_code)]
                fn decoded(&self) -> PyResult<&view::$name> {
                    if let Some(decoded) = self.decoded.get() {
                        return Ok(decoded);
                    }
                    let decoded = decode_view::<view::$name>(self.bytes.clone())
                        .map_err(|error| DecodeError::new_err(format!("{}: {error}", $py_name)))?;
                    Ok(self.decoded.get_or_init(|| decoded))
                }
            }

            // Getters take the message's field names, `from_user_id` and `is_*` included.
            #[allow(clippy::wrong_self_convention)]
            #[pymethods]
            impl $name {
                /// Reads `data` as this message; raises `DecodeError` when it is not one.
                #[new]
                fn __new__(data: Vec<u8>) -> PyResult<Self> {
                    let view = Self::over(Bytes::from(data));
                    view.decoded()?;
                    Ok(view)
                }

                $(
                    #[getter]
                    fn $field(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                        view_field!(py, &self.decoded()?.$field, $kind $($class)?)
                    }
                )*

                /// The message's bytes.
                fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
                    PyBytes::new(py, &self.bytes)
                }

                fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                    repr(slf.as_any(), $py_name, Self::FIELDS)
                }

                fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
                    other.cast::<Self>().is_ok_and(|other| other.get().bytes == self.bytes)
                }

                fn __hash__(&self) -> u64 {
                    bytes_hash(&self.bytes)
                }
            }
        )*

        /// The view of `bytes` as the message type named `message` (a `Webcast…` layout), if there is one.
        pub(crate) fn view_of(py: Python<'_>, message: &str, bytes: Bytes) -> PyResult<Option<Py<PyAny>>> {
            Ok(Some(match message {
                $( stringify!($name) => Py::new(py, $name::over(bytes))?.into_any(), )*
                _ => return Ok(None),
            }))
        }

        /// Every view class with its fields' Python types, for generating `_core.pyi`.
        #[pyfunction]
        fn _view_schema() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
            vec![$( ($py_name, vec![$( (crate::dataclass::python_name(stringify!($field)), $py_type) ),*]) ),*]
        }

        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_class::<$name>()?; )*
            m.add_function(wrap_pyfunction!(_view_schema, m)?)?;
            Ok(())
        }
    };
}

webcast_engine::for_each_view!(define_views);
