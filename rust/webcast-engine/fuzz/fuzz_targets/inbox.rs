#![no_main]

#[path = "../inbox_check.rs"]
mod inbox_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| inbox_check::inbox(data));
