//! The Rust front end (syn, the comment lexer, the nesting guard) and every
//! Rust rule on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (_, notices) = pagerproof::check_text("src/handlers.rs", text).expect("a Rust path");
        for n in notices {
            assert!(n.kind != pagerproof::diagnostic::NoticeKind::InternalError, "{}", n.message);
        }
    }
});
