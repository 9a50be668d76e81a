//! The config loader on arbitrary `pagerproof.toml` and `pyproject.toml` text:
//! errors must be rendered, never panic.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for (name, pyproject) in [("pagerproof.toml", false), ("pyproject.toml", true)] {
        if let Err(e) = pagerproof::config::parse(Path::new(name), text, pyproject, PathBuf::from("/repo")) {
            let _ = e.render();
        }
    }
});
