//! The Python classes of events and of the values nested in them, defined from the engine's catalog
//! (`for_each_model!`, `for_each_event!`) so that both sides list the same fields.

use std::sync::OnceLock;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use pyo3_bytes::PyBytes as SharedBytes;
use webcast_engine::events as engine;

use crate::bridge::Bridge;
use crate::dataclass::{self, dataclass_protocol, python_name, Kwargs};

macro_rules! define_py_models {
    ($( $(#[$doc:meta])* $name:ident { $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
            pub struct $name {
                $( $(#[$fdoc])* pub(crate) $field: <$ty as Bridge>::Py, )*
            }

            impl $name {
                const FIELDS: &'static [&'static str] = &[$( stringify!($field) ),*];

                #[allow(unused_variables)]
                #[allow(unused_variables)]
                fn from_engine(py: Python<'_>, value: engine::$name) -> PyResult<Self> {
                    Ok(Self { $( $field: Bridge::to_py(value.$field, py)?, )* })
                }
            }

            impl Bridge for engine::$name {
                type Py = Py<$name>;

                fn to_py(self, py: Python<'_>) -> PyResult<Py<$name>> {
                    Py::new(py, $name::from_engine(py, self)?)
                }

                #[allow(unused_variables)]
                #[allow(unused_variables)]
                fn from_py(value: &Py<$name>, py: Python<'_>) -> PyResult<Self> {
                    let value = value.get();
                    Ok(Self { $( $field: Bridge::from_py(&value.$field, py)?, )* })
                }

                fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
                    let value = object.cast::<$name>()?;
                    Self::from_py(&value.clone().unbind(), object.py())
                }
            }

            #[pymethods]
            impl $name {
                #[new]
                #[pyo3(signature = (**kwargs))]
                #[allow(unused_variables)]
                fn __new__(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                    let defaults = engine::$name::default();
                    let mut kwargs = Kwargs::new(stringify!($name), kwargs)?;
                    let value = engine::$name {
                        $( $field: dataclass::field(
                            &mut kwargs, stringify!($name), python_name(stringify!($field)), defaults.$field,
                        )?, )*
                    };
                    kwargs.finish()?;
                    Self::from_engine(py, value)
                }
            }

            dataclass_protocol!($name);
        )*

        fn register_models(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_class::<$name>()?; )*
            Ok(())
        }

        const MODEL_SCHEMA: &[(&str, &[(&str, &str)])] =
            &[$( (stringify!($name), &[$( (stringify!($field), stringify!($ty)) ),*]) ),*];
    };
}

macro_rules! define_py_events {
    ($( $(#[$doc:meta])* $name:ident = $method:literal $([$proto:ident])?
        { $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[pyclass(module = "tiktok_webcast._core", frozen)]
            pub struct $name {
                $( $(#[$fdoc])* #[pyo3(get)] pub(crate) $field: <$ty as Bridge>::Py, )*
                #[pyo3(get)]
                pub(crate) method: String,
                #[pyo3(get)]
                pub(crate) msg_id: i64,
                #[pyo3(get)]
                pub(crate) timestamp: i64,
                /// The payload: the one decoded from, or (for an event built here) its fields encoded on first read.
                raw: OnceLock<Bytes>,
            }

            impl $name {
                const FIELDS: &'static [&'static str] =
                    &[$( stringify!($field), )* "method", "msg_id", "timestamp"];

                #[allow(unused_variables)]
                fn from_engine(py: Python<'_>, value: engine::$name) -> PyResult<Self> {
                    Ok(Self {
                        $( $field: Bridge::to_py(value.$field, py)?, )*
                        method: value.method,
                        msg_id: value.msg_id,
                        timestamp: value.timestamp,
                        raw: value.raw.map(OnceLock::from).unwrap_or_default(),
                    })
                }

                fn payload(slf: &Bound<'_, Self>) -> PyResult<Bytes> {
                    if let Some(raw) = slf.get().raw.get() {
                        return Ok(raw.clone());
                    }
                    let event = engine::Event::from(<engine::$name as Bridge>::extract(slf.as_any())?);
                    Ok(slf.get().raw.get_or_init(|| Bytes::from(event.encode())).clone())
                }
            }

            #[pymethods]
            impl $name {
                /// The message payload this event came as, sharing the frame's bytes (no copy); for an event built in
                /// Python, its fields encoded.
                #[getter]
                fn raw(slf: &Bound<'_, Self>) -> PyResult<SharedBytes> {
                    Ok(SharedBytes::new(Self::payload(slf)?))
                }

                /// The whole message, every field the schema knows, read from `raw` as it is accessed.
                #[getter]
                fn proto(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
                    let layout = match stringify!($name) {
                        // Their message type follows a field (the user event's type, the room event's method).
                        "UserEvent" | "RoomEvent" => {
                            engine::Event::from(<engine::$name as Bridge>::extract(slf.as_any())?).layout()
                        }
                        _ => engine::$name::METHOD,
                    };
                    let payload = Self::payload(slf)?;
                    Ok(crate::views::view_of(slf.py(), layout, payload)?.unwrap_or_else(|| slf.py().None()))
                }
            }

            impl Bridge for engine::$name {
                type Py = Py<$name>;

                fn to_py(self, py: Python<'_>) -> PyResult<Py<$name>> {
                    Py::new(py, $name::from_engine(py, self)?)
                }

                #[allow(unused_variables)]
                fn from_py(value: &Py<$name>, py: Python<'_>) -> PyResult<Self> {
                    let value = value.get();
                    Ok(Self {
                        $( $field: Bridge::from_py(&value.$field, py)?, )*
                        method: value.method.clone(),
                        msg_id: value.msg_id,
                        timestamp: value.timestamp,
                        raw: value.raw.get().cloned(),
                    })
                }

                fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
                    let value = object.cast::<$name>()?;
                    Self::from_py(&value.clone().unbind(), object.py())
                }
            }

            #[pymethods]
            impl $name {
                #[new]
                #[pyo3(signature = (**kwargs))]
                #[allow(unused_variables)]
                fn __new__(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                    let defaults = engine::$name::default();
                    let mut kwargs = Kwargs::new(stringify!($name), kwargs)?;
                    let method: Option<String> = dataclass::field(&mut kwargs, stringify!($name), "method", None)?;
                    let mut value = engine::$name {
                        $( $field: dataclass::field(
                            &mut kwargs, stringify!($name), python_name(stringify!($field)), defaults.$field,
                        )?, )*
                        method: String::new(),
                        msg_id: dataclass::field(&mut kwargs, stringify!($name), "msg_id", 0)?,
                        timestamp: dataclass::field(&mut kwargs, stringify!($name), "timestamp", 0)?,
                        raw: None,
                    };
                    kwargs.finish()?;
                    value.method = match method {
                        Some(method) => method,
                        None => engine::Event::from(value.clone()).default_method().to_owned(),
                    };
                    Self::from_engine(py, value)
                }
            }

            dataclass_protocol!($name);
        )*

        /// An engine event as its Python object.
        pub(crate) fn event_to_py(py: Python<'_>, event: engine::Event) -> PyResult<Py<PyAny>> {
            Ok(match event {
                $( engine::Event::$name(event) => event.to_py(py)?.into_any(), )*
                engine::Event::Unknown(event) => Py::new(py, UnknownEvent::from_engine(py, event))?.into_any(),
            })
        }

        /// A Python event object as the engine's event, for encoding.
        pub(crate) fn event_from_py(object: &Bound<'_, PyAny>) -> PyResult<engine::Event> {
            $(
                if object.is_instance_of::<$name>() {
                    return <engine::$name as Bridge>::extract(object).map(engine::Event::from);
                }
            )*
            if let Ok(unknown) = object.cast::<UnknownEvent>() {
                return Ok(engine::Event::Unknown(unknown.get().to_engine(object.py())));
            }
            Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "expected a tiktok_webcast event, got {}",
                object.get_type().name()?
            )))
        }

        const EVENT_SCHEMA: &[(&str, &[(&str, &str)])] =
            &[$( (stringify!($name), &[$( (stringify!($field), stringify!($ty)) ),*]) ),*];

        /// Adds every model and event class to the module.
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            register_models(m)?;
            $( m.add_class::<$name>()?; )*
            m.add_class::<UnknownEvent>()?;
            m.add_class::<SharedBytes>()?;
            // Declared without a module by its crate: named after the one it is reached through, so it pickles.
            m.getattr("Bytes")?.setattr("__module__", "tiktok_webcast._core")?;
            m.add_class::<UserEventType>()?;
            m.add_function(wrap_pyfunction!(_schema, m)?)?;
            Ok(())
        }
    };
}

webcast_engine::for_each_model!(define_py_models);
webcast_engine::for_each_event!(define_py_events);

/// What a `UserEvent` reports.
#[pyclass(module = "tiktok_webcast._core", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserEventType {
    #[pyo3(name = "JOIN")]
    Join,
    #[pyo3(name = "SHARE")]
    Share,
    #[pyo3(name = "FOLLOW")]
    Follow,
}

impl Bridge for engine::UserEventType {
    type Py = UserEventType;

    fn to_py(self, _py: Python<'_>) -> PyResult<UserEventType> {
        Ok(match self {
            engine::UserEventType::Join => UserEventType::Join,
            engine::UserEventType::Share => UserEventType::Share,
            engine::UserEventType::Follow => UserEventType::Follow,
        })
    }

    fn from_py(value: &UserEventType, _py: Python<'_>) -> PyResult<Self> {
        Ok(match value {
            UserEventType::Join => engine::UserEventType::Join,
            UserEventType::Share => engine::UserEventType::Share,
            UserEventType::Follow => engine::UserEventType::Follow,
        })
    }

    fn extract(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value: UserEventType = *object.cast::<UserEventType>()?.get();
        Self::from_py(&value, object.py())
    }
}

/// A message whose method we do not map, or whose payload failed to decode (`error` says why). The payload is
/// kept, so nothing is lost.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct UnknownEvent {
    pub method: String,
    pub payload: Py<PyBytes>,
    pub error: Option<String>,
    pub msg_id: i64,
    pub timestamp: i64,
}

impl UnknownEvent {
    const FIELDS: &'static [&'static str] = &["method", "payload", "error", "msg_id", "timestamp"];

    fn from_engine(py: Python<'_>, event: engine::UnknownEvent) -> Self {
        Self {
            method: event.method,
            payload: PyBytes::new(py, &event.payload).unbind(),
            error: event.error,
            msg_id: event.msg_id,
            timestamp: event.timestamp,
        }
    }

    fn to_engine(&self, py: Python<'_>) -> engine::UnknownEvent {
        engine::UnknownEvent {
            method: self.method.clone(),
            payload: self.payload.as_bytes(py).to_vec(),
            error: self.error.clone(),
            msg_id: self.msg_id,
            timestamp: self.timestamp,
        }
    }
}

#[pymethods]
impl UnknownEvent {
    #[new]
    #[pyo3(signature = (method, payload, error = None, msg_id = 0, timestamp = 0))]
    fn __new__(
        py: Python<'_>,
        method: String,
        payload: Vec<u8>,
        error: Option<String>,
        msg_id: i64,
        timestamp: i64,
    ) -> Self {
        Self::from_engine(
            py,
            engine::UnknownEvent {
                method,
                payload,
                error,
                msg_id,
                timestamp,
            },
        )
    }
}

dataclass_protocol!(UnknownEvent);

/// The fields of every model and event class with their Rust types, for generating `_core.pyi`:
/// `(models, events)`, each a list of `(class, [(field, rust_type)])`.
#[pyfunction]
fn _schema() -> (ClassSchema, ClassSchema) {
    let list = |schema: &[(&'static str, &'static [(&'static str, &'static str)])]| {
        schema
            .iter()
            .map(|(name, fields)| (*name, fields.to_vec()))
            .collect()
    };
    (list(MODEL_SCHEMA), list(EVENT_SCHEMA))
}

type ClassSchema = Vec<(&'static str, Vec<(&'static str, &'static str)>)>;

/// The streak rule (webcast.md §9), computed by the engine from this event's fields.
#[pymethods]
impl GiftEvent {
    /// Gifts of type 1 arrive once per combo update while a streak runs.
    #[getter]
    fn streakable(&self) -> bool {
        engine::gift_streakable(self.r#type)
    }

    /// True on the message to count: a streak's final one, or any gift that does not streak.
    #[getter]
    fn streak_finished(&self) -> bool {
        engine::gift_streak_finished(self.r#type, self.repeat_end)
    }

    /// Diamonds this message stands for: `cost × repeat_count`.
    #[getter]
    fn diamonds(&self) -> i64 {
        engine::gift_diamonds(self.cost, self.repeat_count)
    }
}
