//! `rules/catalog/migrations.toml`: what the unsafe-migration rules know
//! about PostgreSQL (volatile functions, type changes without a rewrite) and
//! what a team tunes (hot tables, whether the lock_timeout rule reports).

use serde::Deserialize;

/// Migration knowledge.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MigrationCatalog {
    /// Functions that make a column default volatile (a table rewrite).
    pub volatile_functions: Vec<String>,
    /// Column types that add a sequence default.
    pub serial_types: Vec<String>,
    /// `[from, to]` type changes without a rewrite (normalised type names).
    pub safe_type_changes: Vec<[String; 2]>,
    /// Tables whose findings are raised to errors.
    pub hot_tables: Vec<String>,
    /// Whether PP810 reports.
    pub lock_timeout_rule: bool,
    /// Column names too common to tell code use from the name alone.
    pub generic_column_names: Vec<String>,
}

impl Default for MigrationCatalog {
    fn default() -> Self {
        MigrationCatalog {
            volatile_functions: Vec::new(),
            serial_types: Vec::new(),
            safe_type_changes: Vec::new(),
            hot_tables: Vec::new(),
            lock_timeout_rule: true,
            generic_column_names: Vec::new(),
        }
    }
}

impl MigrationCatalog {
    /// The volatile function a default expression calls, if any.
    pub fn volatile_call(&self, expr: &str) -> Option<&str> {
        // Text inside quotes is data, not a call.
        let mut lower = String::with_capacity(expr.len());
        let mut quoted = false;
        for c in expr.chars() {
            if c == '\'' {
                quoted = !quoted;
            } else if !quoted {
                lower.push(c.to_ascii_lowercase());
            }
        }
        self.volatile_functions.iter().map(String::as_str).find(|f| {
            lower.match_indices(*f).any(|(at, _)| {
                let before_ok = at == 0 || !is_word(lower.as_bytes()[at - 1]);
                let rest = lower[at + f.len()..].trim_start();
                before_ok && rest.starts_with('(')
            })
        })
    }

    /// True when `table` is named hot.
    pub fn is_hot(&self, table: &str) -> bool {
        self.hot_tables.iter().any(|t| t.eq_ignore_ascii_case(table))
    }

    /// True when changing a column from `from` to `to` keeps the table as is.
    pub fn safe_type_change(&self, from: &str, to: &str) -> bool {
        let (fb, fa) = split_type(from);
        let (tb, ta) = split_type(to);
        if fb == tb {
            return match (fa.as_slice(), ta.as_slice()) {
                (_, []) if fb == "varchar" || fb == "numeric" || fb == "varbit" => true,
                ([n], [m]) if fb == "varchar" || fb == "varbit" => m >= n,
                ([p, s], [p2, s2]) if fb == "numeric" => s == s2 && p2 >= p,
                (a, b) => a == b,
            };
        }
        self.safe_type_changes.iter().any(|[f, t]| *f == fb && *t == tb && (ta.is_empty() || fb == "char"))
    }
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `character varying(20)` → (`varchar`, [20]).
pub fn split_type(t: &str) -> (String, Vec<u32>) {
    let t = t.trim().to_ascii_lowercase();
    let (base, args) = match t.find('(') {
        Some(i) => (t[..i].trim().to_string(), t[i + 1..].trim_end_matches(')').to_string()),
        None => (t.clone(), String::new()),
    };
    let base = match base.as_str() {
        "character varying" => "varchar".to_string(),
        "character" | "bpchar" => "char".to_string(),
        "decimal" => "numeric".to_string(),
        "bit varying" => "varbit".to_string(),
        "int" | "int4" => "integer".to_string(),
        "int8" => "bigint".to_string(),
        "int2" => "smallint".to_string(),
        "timestamp with time zone" => "timestamptz".to_string(),
        "timestamp without time zone" => "timestamp".to_string(),
        "bool" => "boolean".to_string(),
        _ => base,
    };
    let args = args.split(',').filter_map(|a| a.trim().parse().ok()).collect();
    (base, args)
}

#[cfg(test)]
mod tests {
    #[test]
    fn widenings_are_safe_and_narrowings_are_not() {
        let c = crate::catalog::Catalog::builtin();
        let m = &c.migrations;
        assert!(m.safe_type_change("varchar(10)", "varchar(20)"));
        assert!(m.safe_type_change("character varying(10)", "text"));
        assert!(m.safe_type_change("numeric(10,2)", "numeric(12,2)"));
        assert!(!m.safe_type_change("varchar(20)", "varchar(10)"));
        assert!(!m.safe_type_change("integer", "bigint"));
        assert!(!m.safe_type_change("text", "integer"));
        assert_eq!(m.volatile_call("gen_random_uuid()"), Some("gen_random_uuid"));
        assert_eq!(m.volatile_call("'random()'::text"), None);
        assert_eq!(m.volatile_call("now()"), None);
    }
}
