//! What every frozen class here shares with a frozen dataclass: keyword construction, `__repr__`, `__eq__`,
//! `__hash__` and `__match_args__`, all driven by the class's list of field names.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// Field names as Python sees them (`r#type` is `type`).
pub(crate) fn python_name(rust_name: &'static str) -> &'static str {
    rust_name.strip_prefix("r#").unwrap_or(rust_name)
}

pub(crate) fn repr(
    object: &Bound<'_, PyAny>,
    class: &str,
    fields: &[&'static str],
) -> PyResult<String> {
    let mut text = format!("{class}(");
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        let name = python_name(field);
        text.push_str(name);
        text.push('=');
        text.push_str(&object.getattr(name)?.repr()?.to_cow()?);
    }
    text.push(')');
    Ok(text)
}

pub(crate) fn eq(
    left: &Bound<'_, PyAny>,
    right: &Bound<'_, PyAny>,
    fields: &[&'static str],
) -> PyResult<bool> {
    if !left.get_type().is(right.get_type()) {
        return Ok(false);
    }
    for field in fields {
        let name = python_name(field);
        if !left.getattr(name)?.eq(right.getattr(name)?)? {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(crate) fn hash(object: &Bound<'_, PyAny>, fields: &[&'static str]) -> PyResult<isize> {
    let values = fields
        .iter()
        .map(|field| object.getattr(python_name(field)))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(object.py(), values)?.hash()
}

pub(crate) fn match_args<'py>(
    py: Python<'py>,
    fields: &[&'static str],
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, fields.iter().map(|field| python_name(field)))
}

/// Keyword arguments of a constructor, taken one field at a time; unknown names are an error at the end.
pub(crate) struct Kwargs<'py> {
    class: &'static str,
    remaining: Option<Bound<'py, PyDict>>,
}

impl<'py> Kwargs<'py> {
    pub fn new(class: &'static str, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Self> {
        Ok(Self {
            class,
            remaining: kwargs.map(|kwargs| kwargs.copy()).transpose()?,
        })
    }

    pub fn take(&mut self, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(remaining) = &self.remaining else {
            return Ok(None);
        };
        let value = remaining.get_item(name)?;
        if value.is_some() {
            remaining.del_item(name)?;
        }
        Ok(value)
    }

    pub fn finish(self) -> PyResult<()> {
        match self.remaining {
            Some(remaining) if !remaining.is_empty() => {
                let names: Vec<String> =
                    remaining.keys().iter().map(|key| key.to_string()).collect();
                Err(PyTypeError::new_err(format!(
                    "{}() got unexpected keyword argument(s): {}",
                    self.class,
                    names.join(", ")
                )))
            }
            _ => Ok(()),
        }
    }
}

/// Reads one field of a constructor: the keyword if given, else `default`, with the field named in any error.
pub(crate) fn field<T: crate::bridge::Bridge>(
    kwargs: &mut Kwargs<'_>,
    class: &str,
    name: &'static str,
    default: T,
) -> PyResult<T> {
    match kwargs.take(name)? {
        Some(value) => T::extract(&value)
            .map_err(|error| PyTypeError::new_err(format!("{class}.{name}: {}", error))),
        None => Ok(default),
    }
}

/// The Python protocol of a frozen dataclass for classes with a `const FIELDS` list: `__repr__`, `__eq__`, `__hash__`
/// (a `TypeError` when a field is unhashable, as for a dataclass) and `__match_args__`.
macro_rules! dataclass_protocol {
    ($($name:ident),* $(,)?) => {
        $(
            #[pyo3::pymethods]
            impl $name {
                fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                    $crate::dataclass::repr(slf.as_any(), stringify!($name), Self::FIELDS)
                }

                fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
                    $crate::dataclass::eq(slf.as_any(), other, Self::FIELDS)
                }

                fn __hash__(slf: &Bound<'_, Self>) -> PyResult<isize> {
                    $crate::dataclass::hash(slf.as_any(), Self::FIELDS)
                }

                #[classattr]
                fn __match_args__(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyTuple>> {
                    $crate::dataclass::match_args(py, Self::FIELDS)
                }
            }
        )*
    };
}

pub(crate) use dataclass_protocol;
