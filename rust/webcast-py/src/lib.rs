//! `tiktok_webcast._core`: the thin PyO3 layer over `webcast-engine`. It converts types and errors; it decides
//! nothing. Everything that crosses the boundary is registered in `_core` below.

use pyo3::prelude::*;

mod bridge;
mod classes;
mod dataclass;
mod errors;
mod inbox;
mod protocol;
mod seen_ids;
mod views;
mod websocket;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    classes::register(m)?;
    protocol::register(m)?;
    websocket::register(m)?;
    views::register(m)?;
    seen_ids::register(m)?;
    inbox::register(m)?;
    Ok(())
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
