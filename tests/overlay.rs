//! `Options::overlay` and `Options::report_only`: checking a few files (an
//! editor's buffers, `check -`, the pre-commit hook's staged files) with the
//! facts of the whole project.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pagerproof::{Options, Overlay};

const SETUP: &str = "import axios from 'axios';\naxios.defaults.timeout = 5000;\n";
const CLIENT: &str = "import axios from 'axios';\nexport const f = (u: string) => axios.get(u);\n";
const CLEAN_CLIENT: &str =
    "import axios from 'axios';\nexport const f = (u: string) => axios.get(u, { timeout: 1000 });\n";
const PY: &str = "import requests\n\ndef g(u):\n    return requests.get(u)\n";

fn project(with_setup: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    if with_setup {
        std::fs::write(dir.path().join("src/setup.ts"), SETUP).unwrap();
    }
    std::fs::write(dir.path().join("src/client.ts"), CLIENT).unwrap();
    std::fs::write(dir.path().join("src/other.py"), PY).unwrap();
    dir
}

fn codes_by_path(report: &pagerproof::Report) -> Vec<(String, &'static str)> {
    report.diagnostics.iter().map(|d| (d.path.clone(), d.rule.code)).collect()
}

/// `paths` are taken from the process's directory, as on the command line:
/// make them absolute.
fn options(dir: &Path, paths: Vec<PathBuf>) -> Options {
    let paths = paths.into_iter().map(|p| dir.join(p)).collect();
    let mut o = Options::new(paths, dir.to_path_buf());
    o.jobs = Some(1);
    // The TypeScript side of request-without-timeout is preview.
    o.selection.select = vec!["PP201".into()];
    o
}

#[test]
fn report_only_keeps_the_facts_of_every_file_and_the_findings_of_the_asked_ones() {
    let dir = project(true);
    // Alone, the client is a finding: nothing says axios has a default timeout.
    let alone = pagerproof::check(&options(dir.path(), vec!["src/client.ts".into()])).unwrap();
    assert_eq!(codes_by_path(&alone), vec![("src/client.ts".to_string(), "PP201")]);

    // With the project's facts (setup.ts sets the default) it is not, and the
    // Python file's finding is not reported because it was not asked about.
    let mut o = options(dir.path(), vec![".".into()]);
    o.report_only = Some(Arc::new(vec!["src/client.ts".into()]));
    let report = pagerproof::check(&o).unwrap();
    assert_eq!(codes_by_path(&report), Vec::<(String, &str)>::new());
    assert_eq!(report.files_checked, 1);

    o.report_only = Some(Arc::new(vec!["src/other.py".into()]));
    let report = pagerproof::check(&o).unwrap();
    assert_eq!(codes_by_path(&report), vec![("src/other.py".to_string(), "PP201")]);
}

#[test]
fn the_overlay_stands_in_for_the_file_on_disk() {
    let dir = project(false);
    std::fs::write(dir.path().join("src/client.ts"), CLEAN_CLIENT).unwrap();
    let on_disk = pagerproof::check(&options(dir.path(), vec!["src/client.ts".into()])).unwrap();
    assert!(on_disk.diagnostics.is_empty());

    // The unsaved buffer has the bug: it is what gets checked.
    let mut overlay = Overlay::default();
    overlay.insert(Path::new("src/client.ts"), dir.path(), CLIENT);
    let mut o = options(dir.path(), vec![".".into()]);
    o.overlay = Some(Arc::new(overlay));
    o.report_only = Some(Arc::new(vec!["src/client.ts".into()]));
    let report = pagerproof::check(&o).unwrap();
    assert_eq!(codes_by_path(&report), vec![("src/client.ts".to_string(), "PP201")]);
    assert_eq!(report.diagnostics[0].start.line, 2);
}

#[test]
fn an_overlay_file_that_does_not_exist_yet_is_checked_with_the_project_facts() {
    let dir = project(true);
    let mut overlay = Overlay::default();
    overlay.insert(Path::new("src/new.ts"), dir.path(), CLIENT);
    overlay.insert(Path::new("src/new.py"), dir.path(), PY);
    let mut o = options(dir.path(), vec![".".into(), "src/new.ts".into(), "src/new.py".into()]);
    o.overlay = Some(Arc::new(overlay));
    o.report_only = Some(Arc::new(vec!["src/new.ts".into(), "src/new.py".into()]));
    let report = pagerproof::check(&o).unwrap();
    // No "no such file" notice, the TS file has the project's default timeout,
    // the Python one has none.
    assert!(report.notices.is_empty(), "{:?}", report.notices);
    assert_eq!(codes_by_path(&report), vec![("src/new.py".to_string(), "PP201")]);
}

#[test]
fn the_facts_memo_keeps_facts_between_runs_and_follows_each_files_text() {
    let dir = project(true);
    let memo = Arc::new(pagerproof::FactsMemo::default());
    let run = |setup: Option<&str>| {
        let mut o = options(dir.path(), vec![".".into()]);
        o.report_only = Some(Arc::new(vec!["src/client.ts".into()]));
        o.facts_memo = Some(Arc::clone(&memo));
        if let Some(text) = setup {
            let mut overlay = Overlay::default();
            overlay.insert(Path::new("src/setup.ts"), dir.path(), text);
            o.overlay = Some(Arc::new(overlay));
        }
        codes_by_path(&pagerproof::check(&o).unwrap())
    };
    assert!(run(None).is_empty());
    assert_eq!(memo.len(), 3, "every file's facts are remembered");
    // The same run from memory: the same answer.
    assert!(run(None).is_empty());
    // setup.ts edited (unsaved) to drop the default: its new text's facts count.
    assert_eq!(run(Some("import axios from 'axios';\n")), vec![("src/client.ts".to_string(), "PP201")]);
    // And back.
    assert!(run(Some(SETUP)).is_empty());
}
