//! The `pagerproof: ignore[...]` comment parser: arbitrary directive text in
//! Python and TypeScript comments, above and beside a real finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(directive) = std::str::from_utf8(data) else { return };
    let directive = directive.replace(['\n', '\r'], " ");
    let py = format!(
        "# pagerproof: {directive}\ndef f(job):\n    try:\n        job()\n    finally:\n        return 1  # pagerproof: {directive}\n"
    );
    let ts = format!(
        "// pagerproof: {directive}\nfunction f() {{ try {{ g(); }} finally {{ return 1; /* pagerproof: {directive} */ }} }}\n"
    );
    for (path, text) in [("app/jobs.py", py), ("src/jobs.ts", ts)] {
        let (_, notices) = pagerproof::check_text(path, &text).expect("a known path");
        for n in notices {
            assert!(n.kind != pagerproof::diagnostic::NoticeKind::InternalError, "{}", n.message);
        }
    }
});
