//! TypeScript, TSX and JavaScript front ends and every JS-family rule on
//! arbitrary text; the first byte picks the grammar.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let path = ["src/api.ts", "src/page.tsx", "src/server.js", "src/legacy.cjs"][usize::from(pick % 4)];
    if let Ok(text) = std::str::from_utf8(rest) {
        let (_, notices) = pagerproof::check_text(path, text).expect("a JS-family path");
        for n in notices {
            assert!(n.kind != pagerproof::diagnostic::NoticeKind::InternalError, "{}", n.message);
        }
    }
});
