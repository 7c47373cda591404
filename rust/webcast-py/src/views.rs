//! `WireMessage`: a read-only view of any message of the schema (`event.proto`), over a slice of the frame's
//! buffer. The engine reads one level when an attribute is first asked for (`webcast_engine::view`); this file only
//! turns that level into Python values, nested messages into views again.

use std::sync::OnceLock;

use bytes::Bytes;
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use webcast_engine::view::{self, FieldDescriptor, FieldValue, Kind, MessageDescriptor, Scalar};

use crate::errors::{decode_error, DecodeError};

/// A protobuf message read as it is accessed: each field an attribute (absent scalars read as their default,
/// absent messages as `None`, lists as tuples, maps as dicts, enums as ints).
#[pyclass(module = "tiktok_webcast._core", frozen)]
pub struct WireMessage {
    message: MessageDescriptor,
    bytes: Bytes,
    depth: u32,
    /// The fields present on the wire, by name: read on first access.
    fields: OnceLock<Py<PyDict>>,
}

/// The view of `payload` as message type `name`, if the schema has that type.
pub(crate) fn view_of(py: Python<'_>, name: &str, payload: Bytes) -> PyResult<Option<Py<PyAny>>> {
    view::message_type(name)
        .map(|message| Ok(Py::new(py, WireMessage::new(message, payload, 0)?)?.into_any()))
        .transpose()
}

impl WireMessage {
    fn new(message: MessageDescriptor, bytes: Bytes, depth: u32) -> PyResult<Self> {
        if depth > view::MAX_DEPTH {
            return Err(DecodeError::new_err(format!(
                "{} nests deeper than {} messages",
                message.name(),
                view::MAX_DEPTH
            )));
        }
        Ok(Self {
            message,
            bytes,
            depth,
            fields: OnceLock::new(),
        })
    }

    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        if let Some(fields) = self.fields.get() {
            return Ok(fields.bind(py).clone());
        }
        let level = view::read_level(&self.message, &self.bytes).map_err(decode_error)?;
        let fields = PyDict::new(py);
        for (field, value) in level.into_values() {
            fields.set_item(field.name(), self.value_to_py(py, &field, value)?)?;
        }
        Ok(self.fields.get_or_init(|| fields.unbind()).bind(py).clone())
    }

    fn value_to_py(
        &self,
        py: Python<'_>,
        field: &FieldDescriptor,
        value: FieldValue,
    ) -> PyResult<Py<PyAny>> {
        Ok(match value {
            FieldValue::Single(value) => self.scalar_to_py(py, &field.kind(), value)?,
            FieldValue::List(values) => {
                let kind = field.kind();
                let items = values
                    .into_iter()
                    .map(|value| self.scalar_to_py(py, &kind, value))
                    .collect::<PyResult<Vec<_>>>()?;
                PyTuple::new(py, items)?.into_any().unbind()
            }
            FieldValue::Map(entries) => {
                let Kind::Message(entry) = field.kind() else {
                    return Err(DecodeError::new_err("a map without an entry type"));
                };
                let (key_kind, value_kind) = (
                    entry.map_entry_key_field().kind(),
                    entry.map_entry_value_field().kind(),
                );
                let map = PyDict::new(py);
                for (key, value) in entries {
                    map.set_item(
                        self.scalar_to_py(py, &key_kind, key)?,
                        self.scalar_to_py(py, &value_kind, value)?,
                    )?;
                }
                map.into_any().unbind()
            }
        })
    }

    fn scalar_to_py(&self, py: Python<'_>, kind: &Kind, value: Scalar) -> PyResult<Py<PyAny>> {
        Ok(match value {
            Scalar::Bool(value) => value.into_pyobject(py)?.to_owned().into_any().unbind(),
            Scalar::Int(value) => value.into_pyobject(py)?.into_any().unbind(),
            Scalar::UInt(value) => value.into_pyobject(py)?.into_any().unbind(),
            Scalar::Float(value) => value.into_pyobject(py)?.into_any().unbind(),
            Scalar::String(value) => value.into_pyobject(py)?.into_any().unbind(),
            Scalar::Bytes(value) => PyBytes::new(py, &value).into_any().unbind(),
            Scalar::Enum(value) => value.into_pyobject(py)?.into_any().unbind(),
            Scalar::Message(bytes) => {
                let Kind::Message(message) = kind else {
                    return Err(DecodeError::new_err("a message where the schema has none"));
                };
                Py::new(py, Self::new(message.clone(), bytes, self.depth + 1)?)?.into_any()
            }
        })
    }

    /// The field a Python attribute names (`from_` for a field named like a Python keyword).
    fn field_named(&self, name: &str) -> Option<FieldDescriptor> {
        self.message
            .get_field_by_name(name)
            .or_else(|| self.message.get_field_by_name(name.strip_suffix('_')?))
    }

    fn default_of(py: Python<'_>, field: &FieldDescriptor) -> PyResult<Py<PyAny>> {
        if field.is_map() {
            return Ok(PyDict::new(py).into_any().unbind());
        }
        if field.is_list() {
            return Ok(PyTuple::empty(py).into_any().unbind());
        }
        Ok(match view::default_scalar(&field.kind()) {
            None => py.None(),
            Some(Scalar::Bool(_)) => false.into_pyobject(py)?.to_owned().into_any().unbind(),
            Some(Scalar::Float(_)) => 0.0f64.into_pyobject(py)?.into_any().unbind(),
            Some(Scalar::String(_)) => "".into_pyobject(py)?.into_any().unbind(),
            Some(Scalar::Bytes(_)) => PyBytes::new(py, b"").into_any().unbind(),
            Some(_) => 0i64.into_pyobject(py)?.into_any().unbind(),
        })
    }
}

/// A view's value as plain Python data: views become dicts, tuples lists.
fn plain(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if let Ok(view) = value.cast::<WireMessage>() {
        return view.get().to_dict(py).map(|dict| dict.into_any().unbind());
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        let items = tuple
            .iter()
            .map(|item| plain(py, &item))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(PyList::new(py, items)?.into_any().unbind());
    }
    if let Ok(map) = value.cast::<PyDict>() {
        let out = PyDict::new(py);
        for (key, item) in map.iter() {
            out.set_item(key, plain(py, &item)?)?;
        }
        return Ok(out.into_any().unbind());
    }
    Ok(value.clone().unbind())
}

#[pymethods]
impl WireMessage {
    /// A view of `data` as the schema's message type `message_type` (`"WebcastChatMessage"`, `"User"`, ...).
    #[new]
    fn py_new(message_type: &str, data: &[u8]) -> PyResult<Self> {
        let message = view::message_type(message_type).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "no message type {message_type:?} in the schema"
            ))
        })?;
        Self::new(message, Bytes::copy_from_slice(data), 0)
    }

    /// The message's bytes, as they came.
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.bytes)
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        let Some(field) = self.field_named(name) else {
            return Err(PyAttributeError::new_err(format!(
                "'{}' has no field '{name}'",
                self.message.name()
            )));
        };
        match self.fields(py)?.get_item(field.name())? {
            // A map is handed out as a copy: the view stays read-only.
            Some(value) if field.is_map() => {
                Ok(value.cast::<PyDict>()?.copy()?.into_any().unbind())
            }
            Some(value) => Ok(value.unbind()),
            None => Self::default_of(py, &field),
        }
    }

    /// The message type's name in the schema (`WebcastChatMessage`, `User`, ...).
    #[getter]
    fn _type(&self) -> &str {
        self.message.name()
    }

    fn __dir__(&self) -> Vec<String> {
        let mut names: Vec<String> = self.message.fields().map(|f| f.name().to_owned()).collect();
        names.extend(["_type", "to_dict"].map(str::to_owned));
        names.sort();
        names
    }

    /// The fields present on the wire as plain data (nested messages as dicts, lists as lists).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (name, value) in self.fields(py)?.iter() {
            out.set_item(name, plain(py, &value)?)?;
        }
        Ok(out)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for (name, value) in self.fields(py)?.iter() {
            parts.push(format!("{name}={}", value.repr()?));
        }
        Ok(format!("{}({})", self.message.name(), parts.join(", ")))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(other) = other.cast::<WireMessage>() else {
            return Ok(py.NotImplemented());
        };
        let other = other.get();
        let equal = self.message.full_name() == other.message.full_name()
            && (self.bytes == other.bytes || self.fields(py)?.eq(other.fields(py)?)?);
        Ok(equal.into_pyobject(py)?.to_owned().into_any().unbind())
    }
}

/// Every message type of the schema with its fields' Python annotations (message types by name), for generating
/// `tiktok_webcast.wire`: `[(message, [(field, annotation)])]`.
#[pyfunction]
fn _view_schema() -> Vec<(String, Vec<(String, String)>)> {
    view::schema()
        .all_messages()
        .filter(|message| message.package_name() == "webcast" && !message.is_map_entry())
        .map(|message| {
            let fields = message
                .fields()
                .map(|field| (field.name().to_owned(), annotation(&field)))
                .collect();
            (message.name().to_owned(), fields)
        })
        .collect()
}

fn annotation(field: &FieldDescriptor) -> String {
    let kind = field.kind();
    if field.is_map() {
        if let Kind::Message(entry) = &kind {
            let key = kind_name(&entry.map_entry_key_field().kind());
            let value = kind_name(&entry.map_entry_value_field().kind());
            return format!("dict[{key}, {value}]");
        }
    }
    let single = kind_name(&kind);
    if field.is_list() {
        format!("tuple[{single}, ...]")
    } else if matches!(kind, Kind::Message(_)) {
        format!("{single} | None")
    } else {
        single
    }
}

fn kind_name(kind: &Kind) -> String {
    match kind {
        Kind::Bool => "bool".to_owned(),
        Kind::Float | Kind::Double => "float".to_owned(),
        Kind::String => "str".to_owned(),
        Kind::Bytes => "bytes".to_owned(),
        Kind::Message(message) => message.name().to_owned(),
        _ => "int".to_owned(),
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WireMessage>()?;
    m.add_function(wrap_pyfunction!(_view_schema, m)?)
}
