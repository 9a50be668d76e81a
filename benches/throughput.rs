//! Throughput of parse + check against the floor (parse + one bare pass),
//! per language, on generated, real-shaped code:
//!
//! - `py`, `ts`: services with imports, classes, HTTP clients, try/except
//!   handlers, loops and callbacks;
//! - `rs`: axum-style Rust services: structs, impl blocks with async fns,
//!   reqwest calls with and without `.timeout(..)`, `match` on results,
//!   `tokio::spawn`, bounded and unbounded channels, sqlx queries in loops,
//!   `tracing` events with fields;
//! - `sql`: PostgreSQL migration histories (Flyway `V{n}__name.sql` and
//!   diesel `<version>_name/up.sql` folders) that create, alter, index and
//!   constrain tables, safely and not;
//! - `djmig`: Django apps' `migrations/` folders (`CreateModel`, `AddField`,
//!   `AddIndex`, `AddConstraint`, `AlterField`, `RunSQL`).
//!
//! Each language gets `FILES_PER_LANGUAGE` files, some 20,000 to 25,000
//! lines in all, so the languages' figures compare.
//!
//! The floor parses SQL only in files detected as migrations, as a full check
//! does. `full_check` first asserts, outside the timed loop, that each corpus
//! yields the findings it is built to yield, so a bench cannot silently time
//! a check that found nothing (a corpus no longer detected, a front end that
//! stopped resolving).
//!
//! `cargo bench --bench throughput`. For real repositories, time the binary:
//! `pagerproof check -j 2 --no-progress --format concise <repo>` against the
//! same command with the hidden `--parse-only` flag.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pagerproof::{Options, check};

fn main() {
    divan::main();
    if let Some(dir) = CORPUS.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
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

/// Even modules set timeouts (on the client and per request); odd ones do
/// not, as services in one repository often differ.
fn rust_module(i: usize) -> String {
    let (client, per_request) = if i.is_multiple_of(2) {
        ("Client::builder().timeout(Duration::from_secs(5)).build()?", ".timeout(Duration::from_secs(2))")
    } else {
        ("Client::builder().connect_timeout(Duration::from_secs(3)).build()?", "")
    };
    let mut s = String::from(
        "use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use reqwest::Client;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::sync::mpsc;
",
    );
    for f in 0..7 {
        s.push_str(&format!(
            r#"
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item{i}_{f} {{
    pub id: i64,
    pub name: String,
    pub active: bool,
}}

pub struct Service{i}_{f} {{
    http: Client,
    pool: PgPool,
    base_url: String,
}}

impl Service{i}_{f} {{
    pub fn new(pool: PgPool, base_url: String) -> reqwest::Result<Self> {{
        let http = {client};
        Ok(Self {{ http, pool, base_url }})
    }}

    pub async fn fetch(&self, ids: &[i64]) -> Vec<Item{i}_{f}> {{
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {{
            let url = format!("{{}}/items/{{id}}", self.base_url);
            match self.http.get(&url){per_request}.send().await {{
                Ok(resp) => match resp.json::<Item{i}_{f}>().await {{
                    Ok(item) => out.push(item),
                    Err(err) => tracing::warn!(error = %err, id, "decode failed"),
                }},
                Err(err) => tracing::warn!(error = %err, id, "fetch failed"),
            }}
        }}
        out.into_iter().filter(|item| item.active).collect()
    }}

    pub async fn store(&self, items: &[Item{i}_{f}]) -> sqlx::Result<()> {{
        for item in items {{
            sqlx::query("UPDATE items SET name = $1, active = $2 WHERE id = $3")
                .bind(&item.name)
                .bind(item.active)
                .bind(item.id)
                .execute(&self.pool)
                .await?;
        }}
        tracing::info!(count = items.len(), service = "items", "stored items");
        Ok(())
    }}

    pub async fn notify(&self, url: &str) -> reqwest::Result<String> {{
        reqwest::get(url).await?.text().await
    }}

    pub fn start(self: Arc<Self>) -> mpsc::UnboundedSender<i64> {{
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {{
            while let Some(id) = rx.recv().await {{
                let items = self.fetch(&[id]).await;
                if let Err(err) = self.store(&items).await {{
                    tracing::error!(error = %err, id, "store failed");
                }}
            }}
        }});
        tx
    }}

    pub fn batches(self: Arc<Self>) -> mpsc::Sender<Vec<i64>> {{
        let (tx, mut rx) = mpsc::channel::<Vec<i64>>(64);
        tokio::spawn(async move {{
            while let Some(ids) = rx.recv().await {{
                let items = self.fetch(&ids).await;
                tracing::debug!(fetched = items.len(), "batch done");
            }}
        }});
        tx
    }}
}}

pub async fn get_item{i}_{f}(
    State(svc): State<Arc<Service{i}_{f}>>,
    Path(id): Path<i64>,
) -> Result<Json<Item{i}_{f}>, StatusCode> {{
    match svc.fetch(&[id]).await.pop() {{
        Some(item) => Ok(Json(item)),
        None => Err(StatusCode::NOT_FOUND),
    }}
}}
"#
        ));
    }
    s
}

/// Migrations per history (one service's `migrations/` folder or one Django app).
const MIGRATIONS_PER_HISTORY: usize = 10;

/// The `n`th (1-based) SQL migration of a history: each creates a table per
/// unit and changes the one the migration before created.
fn sql_migration(n: usize) -> String {
    let mut s = format!("-- Migration {n} of the order service.\n");
    if n.is_multiple_of(2) {
        s.push_str("SET lock_timeout = '5s';\n");
    }
    for f in 0..20 {
        if n == 1 {
            s.push_str(&format!(
                "
CREATE TABLE customers_{f} (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
"
            ));
        }
        s.push_str(&format!(
            "
CREATE TABLE IF NOT EXISTS orders_{n}_{f} (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers_{f} (id),
    amount numeric(12, 2) NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'pending',
    note varchar(200),
    legacy_code text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_{n}_{f}_customer_idx ON orders_{n}_{f} (customer_id);
"
        ));
        if n == 1 {
            continue;
        }
        let p = n - 1;
        let t = format!("orders_{p}_{f}");
        s.push_str(&format!(
            "
ALTER TABLE {t} ADD COLUMN region text NOT NULL DEFAULT 'eu';
ALTER TABLE {t} ADD COLUMN shipped_at timestamptz;
ALTER TABLE {t} ADD COLUMN priority integer NOT NULL;
ALTER TABLE {t} ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
CREATE INDEX CONCURRENTLY IF NOT EXISTS {t}_status_idx ON {t} (status) WHERE status <> 'done';
CREATE INDEX {t}_created_idx ON {t} USING btree (created_at DESC);
ALTER TABLE {t} ADD CONSTRAINT {t}_amount_check CHECK (amount >= 0) NOT VALID;
ALTER TABLE {t} VALIDATE CONSTRAINT {t}_amount_check;
ALTER TABLE {t} ADD CONSTRAINT {t}_customer_fk FOREIGN KEY (customer_id) REFERENCES customers_{f} (id);
ALTER TABLE {t} ALTER COLUMN note SET NOT NULL;
ALTER TABLE {t} ALTER COLUMN amount TYPE numeric(14, 2);
ALTER TABLE {t} ADD CONSTRAINT {t}_token_key UNIQUE (token);
UPDATE {t} SET region = 'us' WHERE customer_id < 1000;
ALTER TABLE {t} DROP COLUMN legacy_code;
"
        ));
    }
    s
}

/// The `n`th (1-based) migration of Django app `app`: 0001 creates the
/// models, each later one adds fields, indexes and constraints to them.
fn django_migration(app: usize, n: usize) -> String {
    let mut s = String::from("import django.db.models.deletion\nfrom django.db import migrations, models\n\n\n");
    s.push_str("class Migration(migrations.Migration):\n");
    if n == 1 {
        s.push_str("    initial = True\n\n    dependencies = []\n");
    } else {
        s.push_str(&format!("\n    dependencies = [(\"app{app}\", \"{}\")]\n", django_name(n - 1)));
    }
    s.push_str("\n    operations = [\n");
    for f in 0..16 {
        if n == 1 {
            s.push_str(&format!(
                r#"        migrations.CreateModel(
            name="Customer{f}",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254, unique=True)),
            ],
        ),
        migrations.CreateModel(
            name="Order{f}",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("amount", models.DecimalField(max_digits=12, decimal_places=2, default=0)),
                ("status", models.CharField(max_length=20, default="pending")),
                ("note", models.CharField(max_length=200, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
"#
            ));
            continue;
        }
        s.push_str(&format!(
            r#"        migrations.AddField(
            model_name="order{f}",
            name="region_{n}",
            field=models.CharField(max_length=20, default="eu"),
        ),
        migrations.AddField(
            model_name="order{f}",
            name="shipped_{n}",
            field=models.DateTimeField(null=True, blank=True),
        ),
        migrations.AddField(
            model_name="order{f}",
            name="customer_{n}",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="app{app}.customer{f}",
            ),
        ),
        migrations.AddIndex(
            model_name="order{f}",
            index=models.Index(fields=["status"], name="order{f}_status_{n}_idx"),
        ),
        migrations.AddConstraint(
            model_name="order{f}",
            constraint=models.CheckConstraint(check=models.Q(amount__gte=0), name="order{f}_amount_{n}_check"),
        ),
        migrations.AlterField(
            model_name="order{f}",
            name="note",
            field=models.TextField(null=True),
        ),
        migrations.RunSQL(
            "UPDATE app{app}_order{f} SET region_{n} = 'us' WHERE amount > 100",
            reverse_sql=migrations.RunSQL.noop,
        ),
"#
        ));
    }
    s.push_str("    ]\n");
    s
}

fn django_name(n: usize) -> String {
    if n == 1 { "0001_initial".to_string() } else { format!("{n:04}_orders_step_{n}") }
}

/// The generated corpus, removed when the benches end.
static CORPUS: OnceLock<PathBuf> = OnceLock::new();

/// Writes the generated corpus once per process: `FILES_PER_LANGUAGE` files
/// in each language's folder.
fn corpus() -> &'static Path {
    CORPUS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pagerproof-bench-{}", std::process::id()));
        let write = |path: PathBuf, text: String| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        for i in 0..FILES_PER_LANGUAGE {
            write(dir.join("py").join(format!("m{i}.py")), python_module(i));
            write(dir.join("ts").join(format!("m{i}.ts")), ts_module(i));
            write(dir.join("rs").join(format!("m{i}.rs")), rust_module(i));
            let (history, n) = (i / MIGRATIONS_PER_HISTORY, i % MIGRATIONS_PER_HISTORY + 1);
            // Flyway files in one folder, or one diesel folder per migration.
            let migrations = dir.join("sql").join(format!("svc{history}")).join("migrations");
            let sql = match history % 2 {
                0 => migrations.join(format!("V{n}__orders_step_{n}.sql")),
                _ => migrations.join(format!("2024-01-{n:02}-000000_orders_step_{n}")).join("up.sql"),
            };
            write(sql, sql_migration(n));
            let app = dir.join("djmig").join(format!("app{history}")).join("migrations");
            write(app.join(format!("{}.py", django_name(n))), django_migration(history, n));
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
    // Report every migration of the generated histories, as before the
    // migration scope, so the figures stay comparable between rounds.
    o.migration_scope.mode = pagerproof::analysis::migration_scope::Mode::All;
    o
}

/// Rule codes each corpus must raise: it was built to, and a check that
/// raises none of them is timing nothing.
fn expected_codes(lang: &str) -> &'static [&'static str] {
    match lang {
        "py" => &["PP101", "PP201"],
        "ts" => &["PP201"],
        "rs" => &["PP201", "PP501", "PP601"],
        "sql" => &["PP801", "PP802", "PP803", "PP806", "PP807", "PP808"],
        "djmig" => &["PP801", "PP803", "PP806"],
        _ => &[],
    }
}

const LANGUAGES: &[&str] = &["py", "ts", "rs", "sql", "djmig"];

#[divan::bench(args = LANGUAGES)]
fn parse_only(bencher: divan::Bencher, lang: &str) {
    let o = options(lang, true);
    bencher.bench(|| check(&o).unwrap().files_checked);
}

#[divan::bench(args = LANGUAGES)]
fn full_check(bencher: divan::Bencher, lang: &str) {
    let o = options(lang, false);
    let report = check(&o).unwrap();
    assert_eq!(report.files_checked, FILES_PER_LANGUAGE, "{lang}: files checked");
    let codes: std::collections::BTreeSet<&str> = report.diagnostics.iter().map(|d| d.rule.code).collect();
    for code in expected_codes(lang) {
        assert!(codes.contains(code), "{lang}: the corpus raised no {code} (raised: {codes:?})");
    }
    bencher.bench(|| check(&o).unwrap().diagnostics.len());
}
