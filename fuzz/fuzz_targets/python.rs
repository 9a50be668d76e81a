//! Python front end and every Python rule on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check("app/views.py", text);
    }
});

fn check(path: &str, text: &str) {
    let (_, notices) = pagerproof::check_text(path, text).expect("a Python path");
    for n in notices {
        assert!(n.kind != pagerproof::diagnostic::NoticeKind::InternalError, "{}", n.message);
    }
}
