//! Throughput of parse + check against the floor (parse + one bare pass),
//! on generated, real-shaped Python and TypeScript: services with imports,
//! classes, HTTP clients, try/except handlers, loops and callbacks.
//!
//! `cargo bench --bench throughput`. For real repositories, time the binary:
//! `prodlint check -j 2 --no-progress --format concise <repo>` against the
//! same command with the hidden `--parse-only` flag.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use prodlint::{Options, check};

fn main() {
    divan::main();
}

const FILES_PER_LANGUAGE: usize = 40;

fn python_module(i: usize) -> String {
    let mut s = String::from(
        "import logging\nimport requests\nfrom requests import Session\n\nlogger = logging.getLogger(__name__)\n\n",
    );
    for f in 0..25 {
        s.push_str(&format!(
            r#"
class Service{i}_{f}:
    def __init__(self, base_url):
        self.session = Session()
        self.base_url = base_url

    def fetch(self, ids):
        results = []
        for item_id in ids:
            try:
                resp = self.session.get(f"{{self.base_url}}/items/{{item_id}}", timeout=5)
                resp.raise_for_status()
                results.append(resp.json())
            except requests.HTTPError as exc:
                logger.warning("fetch failed for %s", item_id, exc_info=exc)
            except Exception:
                pass
        return [r for r in results if r.get("active")]

    def push(self, payload):
        try:
            return requests.post(self.base_url, json=payload)
        finally:
            logger.info("pushed")
"#
        ));
    }
    s
}

fn ts_module(i: usize) -> String {
    let mut s = String::from("import axios from \"axios\";\nimport { logger } from \"./logger\";\n\n");
    for f in 0..25 {
        s.push_str(&format!(
            r#"
export class Client{i}_{f} {{
  private http = axios.create({{ baseURL: "https://api.example.com", timeout: 5000 }});

  async load(ids: string[]): Promise<Item[]> {{
    const out: Item[] = [];
    for (const id of ids) {{
      try {{
        const res = await this.http.get<Item>(`/items/${{id}}`);
        out.push(res.data);
      }} catch (err) {{
        logger.warn({{ err, id }}, "load failed");
      }}
    }}
    return out.filter((x) => x.active);
  }}

  async ping(): Promise<boolean> {{
    return fetch("https://api.example.com/ping").then(() => true).catch(() => false);
  }}
}}
"#
        ));
    }
    s
}

/// Writes the generated corpus once per process.
fn corpus() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("prodlint-bench-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("py")).unwrap();
        std::fs::create_dir_all(dir.join("ts")).unwrap();
        for i in 0..FILES_PER_LANGUAGE {
            std::fs::write(dir.join("py").join(format!("m{i}.py")), python_module(i)).unwrap();
            std::fs::write(dir.join("ts").join(format!("m{i}.ts")), ts_module(i)).unwrap();
        }
        dir
    })
}

fn options(sub: &str, parse_only: bool) -> Options {
    let root = corpus();
    let mut o = Options::new(vec![root.join(sub)], root.to_path_buf());
    o.jobs = Some(1);
    o.parse_only = parse_only;
    o.selection.select = vec!["ALL".to_string()];
    o.selection.preview = true;
    o
}

#[divan::bench(args = ["py", "ts"])]
fn parse_only(bencher: divan::Bencher, lang: &str) {
    let o = options(lang, true);
    bencher.bench(|| check(&o).unwrap().files_checked);
}

#[divan::bench(args = ["py", "ts"])]
fn full_check(bencher: divan::Bencher, lang: &str) {
    let o = options(lang, false);
    bencher.bench(|| check(&o).unwrap().diagnostics.len());
}
