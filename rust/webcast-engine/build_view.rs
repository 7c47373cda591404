//! The decode-only "view" schema: `messages.proto` again, as package `webcast.view`, with every embedded message
//! declared `bytes`. Decoding a view message reads its scalars and keeps each nested message as a slice of the
//! input (zero-copy with `Bytes`), so a nested message costs nothing until it is read. Maps keep their shape; a
//! map's message values become bytes too. The wire format is the same, so both schemas read the same payloads.

use std::collections::HashSet;

use prost_types::field_descriptor_proto::Type;
use prost_types::{DescriptorProto, FileDescriptorSet};

const PACKAGE: &str = "webcast";
const VIEW_PACKAGE: &str = "webcast.view";

/// Appends the view copy of `source` (a file of `set`) to `set`.
pub fn add_view_package(set: &mut FileDescriptorSet, source: &str) -> Result<(), String> {
    let mut view = set
        .file
        .iter()
        .find(|file| file.name() == source)
        .cloned()
        .ok_or_else(|| format!("{source} is not in the descriptor set"))?;
    let mut map_entries = HashSet::new();
    for message in &view.message_type {
        collect_map_entries(message, &format!(".{PACKAGE}"), &mut map_entries);
    }
    view.name = Some(format!("view/{source}"));
    view.package = Some(VIEW_PACKAGE.to_owned());
    view.source_code_info = None;
    for message in &mut view.message_type {
        lazify(message, &map_entries);
    }
    set.file.push(view);
    Ok(())
}

fn collect_map_entries(message: &DescriptorProto, scope: &str, found: &mut HashSet<String>) {
    let name = format!("{scope}.{}", message.name());
    for nested in &message.nested_type {
        if nested.options.as_ref().is_some_and(|o| o.map_entry()) {
            found.insert(format!("{name}.{}", nested.name()));
        }
        collect_map_entries(nested, &name, found);
    }
}

fn lazify(message: &mut DescriptorProto, map_entries: &HashSet<String>) {
    for field in &mut message.field {
        if field.r#type() == Type::Message && !map_entries.contains(field.type_name()) {
            field.set_type(Type::Bytes);
            field.type_name = None;
        } else if let Some(name) = field.type_name.as_mut() {
            *name = name.replacen(&format!(".{PACKAGE}."), &format!(".{VIEW_PACKAGE}."), 1);
        }
    }
    for nested in &mut message.nested_type {
        lazify(nested, map_entries);
    }
}
