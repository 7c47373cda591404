//! Message views: any message of the schema read one level at a time, from its bytes and its descriptor.
//!
//! The typed decoder (`proto`, `events`) keeps the fields of untabled types as bytes; a view reads every field the
//! schema knows, including those, by walking the whole schema (`build.rs` embeds it as an encoded descriptor set).
//! [`read_level`] decodes the fields of one message and leaves each nested message as a [`Bytes`] slice of its
//! parent (no copy), to be read only when someone asks. A level yields at most one value per byte of its input, so
//! its decoded size is bounded by its length (the decode budget's idea, `budget.rs`), and nesting is bounded by
//! [`MAX_DEPTH`] like the typed decoder's.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bytes::Bytes;
pub use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor};

use crate::protobuf::{self, Value as Wire};
use crate::DecodeError;

/// How deep views nest, as deep as prost decodes (a deeper message is a [`DecodeError`]).
pub const MAX_DEPTH: u32 = 100;

static DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/webcast_descriptors.bin"));

/// The whole schema: `transport.proto`, `messages.proto` and `untabled.proto`, untabled fields typed.
pub fn schema() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        // build.rs encodes this set from a pool protox just built, so it always decodes.
        DescriptorPool::decode(DESCRIPTORS).expect("build.rs embeds a valid descriptor set")
    })
}

/// The message type `name` of package `webcast` (`WebcastChatMessage`, `User`, ...).
#[must_use]
pub fn message_type(name: &str) -> Option<MessageDescriptor> {
    schema().get_message_by_name(&format!("webcast.{name}"))
}

/// One decoded value. Nested messages stay bytes: a slice of the parent's buffer.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    String(String),
    Bytes(Bytes),
    /// An enum's number (values outside the schema's list are kept as they came).
    Enum(i32),
    Message(Bytes),
}

/// A field's value in one message: a single value (the last on the wire wins), a list, or a map's entries in wire
/// order (a later key replaces an earlier one when the caller builds the map).
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Single(Scalar),
    List(Vec<Scalar>),
    Map(Vec<(Scalar, Scalar)>),
}

/// The fields present in `bytes` read as a `message`, by field number. Fields the schema does not know are skipped.
pub fn read_level(
    message: &MessageDescriptor,
    bytes: &Bytes,
) -> Result<BTreeMap<u32, (FieldDescriptor, FieldValue)>, DecodeError> {
    let malformed = |reason: &str| DecodeError::View {
        message: message.name().to_owned(),
        reason: reason.to_owned(),
    };
    let mut fields: BTreeMap<u32, (FieldDescriptor, FieldValue)> = BTreeMap::new();
    let mut rest: &[u8] = bytes;
    while !rest.is_empty() {
        let wire = protobuf::next_field(&mut rest, 0).map_err(|_| malformed("not protobuf"))?;
        let Some(field) = message.get_field(wire.number) else {
            continue;
        };
        let values = values_of(&field, &wire, bytes).map_err(|reason| {
            malformed(&format!(
                "field {} ({}): {reason}",
                field.name(),
                wire.number
            ))
        })?;
        let entry = fields
            .entry(wire.number)
            .or_insert_with(|| (field.clone(), empty(&field)));
        match &mut entry.1 {
            FieldValue::List(list) => list.extend(values),
            FieldValue::Map(entries) => {
                for value in values {
                    let Scalar::Message(entry_bytes) = value else {
                        continue;
                    };
                    entries.push(
                        map_entry(&field, &entry_bytes).map_err(|reason| {
                            malformed(&format!("map {}: {reason}", field.name()))
                        })?,
                    );
                }
            }
            single => {
                if let Some(last) = values.into_iter().last() {
                    *single = FieldValue::Single(last);
                }
            }
        }
    }
    Ok(fields)
}

fn empty(field: &FieldDescriptor) -> FieldValue {
    if field.is_map() {
        FieldValue::Map(Vec::new())
    } else if field.is_list() {
        FieldValue::List(Vec::new())
    } else {
        FieldValue::Single(Scalar::Bool(false))
    }
}

/// A map entry's key and value (each the default of its type when absent).
fn map_entry(field: &FieldDescriptor, bytes: &Bytes) -> Result<(Scalar, Scalar), String> {
    let Kind::Message(entry) = field.kind() else {
        return Err("not a message".to_owned());
    };
    let mut read = read_level(&entry, bytes).map_err(|error| error.to_string())?;
    // An absent key or value is its type's default (an empty message for a message value).
    let mut take = |field: FieldDescriptor| match read.remove(&field.number()) {
        Some((_, FieldValue::Single(value))) => Ok(value),
        Some(_) => Err("a repeated key or value".to_owned()),
        None => Ok(default_scalar(&field.kind()).unwrap_or(Scalar::Message(Bytes::new()))),
    };
    Ok((
        take(entry.map_entry_key_field())?,
        take(entry.map_entry_value_field())?,
    ))
}

/// The proto3 default of a scalar kind; `None` for a message (absent, not empty).
#[must_use]
pub fn default_scalar(kind: &Kind) -> Option<Scalar> {
    Some(match kind {
        Kind::Bool => Scalar::Bool(false),
        Kind::Int32
        | Kind::Int64
        | Kind::Sint32
        | Kind::Sint64
        | Kind::Sfixed32
        | Kind::Sfixed64 => Scalar::Int(0),
        Kind::Uint32 | Kind::Uint64 | Kind::Fixed32 | Kind::Fixed64 => Scalar::UInt(0),
        Kind::Float | Kind::Double => Scalar::Float(0.0),
        Kind::String => Scalar::String(String::new()),
        Kind::Bytes => Scalar::Bytes(Bytes::new()),
        Kind::Enum(_) => Scalar::Enum(0),
        Kind::Message(_) => return None,
    })
}

/// The values one wire field holds for `field`: one, or several for a packed list.
fn values_of(
    field: &FieldDescriptor,
    wire: &protobuf::Field<'_>,
    whole: &Bytes,
) -> Result<Vec<Scalar>, &'static str> {
    let kind = field.kind();
    match (&wire.value, &kind) {
        (Wire::Delimited(data), Kind::String) => std::str::from_utf8(data)
            .map(|text| vec![Scalar::String(text.to_owned())])
            .map_err(|_| "a string that is not UTF-8"),
        (Wire::Delimited(data), Kind::Bytes) => Ok(vec![Scalar::Bytes(whole.slice_ref(data))]),
        (Wire::Delimited(data), Kind::Message(_)) => {
            Ok(vec![Scalar::Message(whole.slice_ref(data))])
        }
        (Wire::Delimited(data), _) if field.is_list() => packed(&kind, data),
        (Wire::Group, Kind::Message(_)) => Ok(Vec::new()),
        (Wire::Varint | Wire::Fixed32 | Wire::Fixed64, _) => {
            let mut value = value_bytes(wire.raw);
            scalar(&kind, &wire.value, &mut value).map(|value| vec![value])
        }
        _ => Err("a wire type its type does not allow"),
    }
}

/// The bytes after a field's key.
fn value_bytes(raw: &[u8]) -> &[u8] {
    let mut rest = raw;
    // The key was read once already, so it reads again.
    let _ = protobuf::varint(&mut rest);
    rest
}

fn packed(kind: &Kind, mut data: &[u8]) -> Result<Vec<Scalar>, &'static str> {
    let wire = match kind {
        Kind::Fixed32 | Kind::Sfixed32 | Kind::Float => Wire::Fixed32,
        Kind::Fixed64 | Kind::Sfixed64 | Kind::Double => Wire::Fixed64,
        Kind::String | Kind::Bytes | Kind::Message(_) => {
            return Err("a packed list of a non-scalar")
        }
        _ => Wire::Varint,
    };
    let mut values = Vec::new();
    while !data.is_empty() {
        values.push(scalar(kind, &wire, &mut data)?);
    }
    Ok(values)
}

/// Reads one scalar of `kind` sent as `wire` from the start of `data`, advancing past it.
fn scalar(kind: &Kind, wire: &Wire<'_>, data: &mut &[u8]) -> Result<Scalar, &'static str> {
    const TRUNCATED: &str = "a value cut short";
    match wire {
        Wire::Varint => {
            let value = protobuf::varint(data).map_err(|_| TRUNCATED)?;
            // Narrowing keeps the low bits, as protobuf's decoders do for 32-bit fields.
            #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
            Ok(match kind {
                Kind::Bool => Scalar::Bool(value != 0),
                Kind::Int32 => Scalar::Int(i64::from(value as i32)),
                Kind::Int64 => Scalar::Int(value as i64),
                Kind::Uint32 => Scalar::UInt(u64::from(value as u32)),
                Kind::Uint64 => Scalar::UInt(value),
                Kind::Sint32 => Scalar::Int(i64::from(zigzag(value) as i32)),
                Kind::Sint64 => Scalar::Int(zigzag(value)),
                Kind::Enum(_) => Scalar::Enum(value as i32),
                _ => return Err("a varint its type does not allow"),
            })
        }
        Wire::Fixed32 => {
            let bytes: [u8; 4] = take(data, 4)?.try_into().map_err(|_| TRUNCATED)?;
            Ok(match kind {
                Kind::Fixed32 => Scalar::UInt(u64::from(u32::from_le_bytes(bytes))),
                Kind::Sfixed32 => Scalar::Int(i64::from(i32::from_le_bytes(bytes))),
                Kind::Float => Scalar::Float(f64::from(f32::from_le_bytes(bytes))),
                _ => return Err("a fixed32 its type does not allow"),
            })
        }
        Wire::Fixed64 => {
            let bytes: [u8; 8] = take(data, 8)?.try_into().map_err(|_| TRUNCATED)?;
            Ok(match kind {
                Kind::Fixed64 => Scalar::UInt(u64::from_le_bytes(bytes)),
                Kind::Sfixed64 => Scalar::Int(i64::from_le_bytes(bytes)),
                Kind::Double => Scalar::Float(f64::from_le_bytes(bytes)),
                _ => return Err("a fixed64 its type does not allow"),
            })
        }
        _ => Err("a wire type its type does not allow"),
    }
}

fn take<'a>(data: &mut &'a [u8], len: usize) -> Result<&'a [u8], &'static str> {
    if data.len() < len {
        return Err("a value cut short");
    }
    let (head, tail) = data.split_at(len);
    *data = tail;
    Ok(head)
}

#[allow(clippy::cast_possible_wrap)]
fn zigzag(value: u64) -> i64 {
    (value >> 1) as i64 ^ -((value & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(name: &str, bytes: &[u8]) -> Result<BTreeMap<u32, FieldValue>, DecodeError> {
        let message = message_type(name).unwrap();
        Ok(read_level(&message, &Bytes::copy_from_slice(bytes))?
            .into_iter()
            .map(|(number, (_, value))| (number, value))
            .collect())
    }

    #[test]
    fn reads_one_level_and_leaves_nested_messages_as_slices() {
        // WebcastChatMessage: user (2) a message, content (3) a string.
        let read = level("WebcastChatMessage", b"\x12\x02\x08\x07\x1a\x02hi").unwrap();
        assert_eq!(read[&3], FieldValue::Single(Scalar::String("hi".into())));
        assert_eq!(
            read[&2],
            FieldValue::Single(Scalar::Message(Bytes::from_static(b"\x08\x07")))
        );
    }

    #[test]
    fn untabled_fields_are_messages_in_views() {
        // BadgeStruct.combine (23) is `bytes` to the typed decoder and a CombineBadgeStruct here.
        let badge = message_type("BadgeStruct").unwrap();
        let combine = badge.get_field(23).unwrap();
        assert!(matches!(combine.kind(), Kind::Message(m) if m.name() == "CombineBadgeStruct"));
        assert_eq!(
            crate::proto::BadgeStruct::default().combine,
            Bytes::new(),
            "the typed decoder keeps it as bytes"
        );
    }

    #[test]
    fn reads_packed_and_unpacked_lists() {
        // Any repeated int64 of the schema, sent packed and then unpacked: both kinds add up.
        let message = schema()
            .all_messages()
            .find(|m| {
                m.fields()
                    .any(|f| f.is_list() && matches!(f.kind(), Kind::Int64))
            })
            .unwrap();
        let field = message
            .fields()
            .find(|f| f.is_list() && matches!(f.kind(), Kind::Int64))
            .unwrap();
        let key = |wire_type: u32| {
            let mut out = Vec::new();
            let mut key = u64::from(field.number() << 3 | wire_type);
            while key >= 0x80 {
                out.push((key as u8) | 0x80);
                key >>= 7;
            }
            out.push(key as u8);
            out
        };
        let bytes = [key(2), vec![3, 1, 2, 3], key(0), vec![4]].concat();
        let read = read_level(&message, &Bytes::from(bytes)).unwrap();
        let values = [1, 2, 3, 4].map(Scalar::Int).to_vec();
        assert_eq!(read[&field.number()].1, FieldValue::List(values));
    }

    #[test]
    fn malformed_levels_are_typed_errors() {
        for bad in [
            &b"\x1a\x05hi"[..],
            b"\x1a\x02\xff\xfe",
            b"\x18\x01",
            b"\x0f",
        ] {
            let error = level("WebcastChatMessage", bad).unwrap_err();
            assert!(
                matches!(error, DecodeError::View { .. }),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn unknown_fields_are_skipped() {
        let read = level("WebcastChatMessage", b"\xf8\xff\x03\x01\x1a\x01a").unwrap();
        assert_eq!(read.len(), 1);
    }
}
