//! Reading the protobuf wire format field by field, without decoding (prost has no public API for it): for the
//! decode budget's walk and for splitting a fetch result into its messages.
//!
//! The reader accepts everything prost accepts (it is looser: it does not check that a group ends with its own
//! number, nor overflow in a tenth varint byte), so where it fails, prost fails too.

/// Group nesting deeper than prost's recursion limit (100) fails in prost before anything is allocated.
pub(crate) const MAX_DEPTH: u32 = 101;

/// The bytes are not protobuf from here on.
#[derive(Debug)]
pub(crate) struct Malformed;

/// The value of one field.
pub(crate) enum Value<'a> {
    Varint,
    Fixed64,
    Fixed32,
    Delimited(&'a [u8]),
    /// A group, skipped (no schema here has groups; prost skips them too).
    Group,
}

/// One field: its number, value, and all of its bytes (key included).
pub(crate) struct Field<'a> {
    pub number: u32,
    pub value: Value<'a>,
    pub raw: &'a [u8],
}

/// Reads the field at the start of `data` and advances past it; `depth` is the nesting depth of the message.
// The budget walk reads every field of every payload through this; left to the compiler it was a call per field
// (decoding real traffic: 3-4 % faster inlined).
#[inline(always)]
pub(crate) fn next_field<'a>(data: &mut &'a [u8], depth: u32) -> Result<Field<'a>, Malformed> {
    let start = *data;
    let key = varint(data)?;
    let number = u32::try_from(key >> 3).map_err(|_| Malformed)?;
    if number == 0 {
        return Err(Malformed);
    }
    let value = match key & 7 {
        3 => {
            skip_group(data, depth)?;
            Value::Group
        }
        wire_type => value(data, wire_type)?,
    };
    let raw = &start[..start.len() - data.len()];
    Ok(Field { number, value, raw })
}

#[inline]
fn value<'a>(data: &mut &'a [u8], wire_type: u64) -> Result<Value<'a>, Malformed> {
    Ok(match wire_type {
        0 => {
            varint(data)?;
            Value::Varint
        }
        1 => {
            take(data, 8)?;
            Value::Fixed64
        }
        5 => {
            take(data, 4)?;
            Value::Fixed32
        }
        2 => {
            let len = usize::try_from(varint(data)?).map_err(|_| Malformed)?;
            Value::Delimited(take(data, len)?)
        }
        _ => return Err(Malformed),
    })
}

#[inline]
pub(crate) fn varint(data: &mut &[u8]) -> Result<u64, Malformed> {
    if let Some((&byte, rest)) = data.split_first() {
        if byte < 0x80 {
            *data = rest;
            return Ok(u64::from(byte));
        }
    }
    let mut value = 0u64;
    for (index, byte) in data.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if *byte < 0x80 {
            *data = &data[index + 1..];
            return Ok(value);
        }
    }
    Err(Malformed)
}

fn take<'a>(data: &mut &'a [u8], len: usize) -> Result<&'a [u8], Malformed> {
    if len > data.len() {
        return Err(Malformed);
    }
    let (head, tail) = data.split_at(len);
    *data = tail;
    Ok(head)
}

/// Skips to the end of a group whose start was just read, without recursion.
fn skip_group(data: &mut &[u8], depth: u32) -> Result<(), Malformed> {
    let mut open = 1u32;
    while open > 0 {
        if depth + open > MAX_DEPTH {
            return Err(Malformed);
        }
        let key = varint(data)?;
        match key & 7 {
            3 => open += 1,
            4 => open -= 1,
            wire_type => {
                value(data, wire_type)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(mut data: &[u8]) -> Result<Vec<(u32, Vec<u8>)>, Malformed> {
        let mut out = Vec::new();
        while !data.is_empty() {
            let field = next_field(&mut data, 0)?;
            out.push((field.number, field.raw.to_vec()));
        }
        Ok(out)
    }

    #[test]
    fn reads_every_wire_type() {
        let data = [
            &[0x08, 0x96, 0x01][..],         // 1: varint 150
            &[0x11, 1, 2, 3, 4, 5, 6, 7, 8], // 2: fixed64
            &[0x1a, 0x02, b'h', b'i'],       // 3: bytes
            &[0x23, 0x08, 0x01, 0x24],       // 4: a group holding a varint
            &[0x2d, 1, 2, 3, 4],             // 5: fixed32
        ]
        .concat();
        let numbers: Vec<u32> = fields(&data).unwrap().iter().map(|f| f.0).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn rejects_what_prost_rejects() {
        for bad in [
            &[0x00, 0x00][..],   // field number 0
            &[0x0f],             // wire type 7
            &[0x0c],             // an end of group with none open
            &[0x0a, 0x05, b'a'], // a length beyond the data
            &[0x08],             // a varint with no bytes
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ], // 11 varint bytes
        ] {
            assert!(fields(bad).is_err(), "{bad:?}");
        }
        let deep = [vec![0x0b; 200], vec![0x0c; 200]].concat();
        assert!(fields(&deep).is_err());
    }
}
