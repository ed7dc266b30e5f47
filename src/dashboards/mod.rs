//! Declarative dashboards (`dashboards/*.toml`): each panel names its title,
//! its query over chiso's tables or views, and its chart kind. Adding a panel
//! is editing a file; the pages draw them and `grafana` exports them.

pub mod grafana;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{load_toml, ConfigError, Problem};

/// How a panel is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Columns x, y and optionally series.
    Line,
    Bar,
    /// Every column as it comes.
    Table,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    pub chart: ChartKind,
    /// SQL with placeholders `{from}`, `{to}`, `{unit}`, bound as values.
    pub query: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    /// The page's address: `/bang/{slug}`.
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "panel")]
    pub panels: Vec<Panel>,
}

/// The placeholders a query may use, in the names pages bind.
pub const PLACEHOLDERS: [&str; 3] = ["from", "to", "unit"];

/// Values for a panel's placeholders.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    pub from: String,
    pub to: String,
    pub unit: String,
}

impl Panel {
    /// The query with each placeholder turned into `?`, and the values to bind
    /// in order: data never becomes SQL text.
    pub fn bound(&self, b: &Bindings) -> (String, Vec<String>) {
        let mut sql = String::with_capacity(self.query.len());
        let mut values = Vec::new();
        let mut rest = self.query.as_str();
        while let Some(start) = rest.find('{') {
            sql.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            match after.find('}').map(|end| (&after[..end], end)) {
                Some((name, end)) if PLACEHOLDERS.contains(&name) => {
                    sql.push('?');
                    values.push(match name {
                        "from" => b.from.clone(),
                        "to" => b.to.clone(),
                        _ => b.unit.clone(),
                    });
                    rest = &after[end + 1..];
                }
                _ => {
                    sql.push('{');
                    rest = after;
                }
            }
        }
        sql.push_str(rest);
        (sql.trim().to_string(), values)
    }
}

/// A panel's result: column names, then rows of JSON values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    #[error("panel '{title}': {source}")]
    Store {
        title: String,
        source: crate::store::StoreError,
    },
    #[error("panel '{title}': unreadable result: {message}")]
    Shape { title: String, message: String },
}

#[derive(Deserialize)]
struct Compact {
    meta: Vec<CompactColumn>,
    data: Vec<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct CompactColumn {
    name: String,
}

impl Panel {
    /// Runs the panel's query with `bindings`, read-only.
    pub async fn run(
        &self,
        store: &crate::store::Store,
        bindings: &Bindings,
    ) -> Result<Table, PanelError> {
        let (sql, values) = self.bound(bindings);
        let bytes = store
            .panel_query(&sql, &values)
            .await
            .map_err(|source| PanelError::Store {
                title: self.title.clone(),
                source,
            })?;
        let compact: Compact = serde_json::from_slice(&bytes).map_err(|e| PanelError::Shape {
            title: self.title.clone(),
            message: e.to_string(),
        })?;
        Ok(Table {
            columns: compact.meta.into_iter().map(|c| c.name).collect(),
            rows: compact.data,
        })
    }
}

impl Table {
    /// The (x, y, series) points of a chart panel; rows without a numeric y
    /// are left out (never drawn as 0).
    pub fn points(&self) -> Vec<(String, f64, String)> {
        let at = |name: &str| self.columns.iter().position(|c| c == name);
        let (Some(x), Some(y)) = (at("x"), at("y")) else {
            return Vec::new();
        };
        let series = at("series");
        self.rows
            .iter()
            .filter_map(|r| {
                let label = text(r.get(x)?);
                let value = r.get(y)?.as_f64()?;
                let s = series.and_then(|i| r.get(i)).map(text).unwrap_or_default();
                Some((label, value, s))
            })
            .collect()
    }
}

/// A JSON cell as text: strings without quotes, null as a dash.
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// Every dashboard of `dir`, by file name; every problem reported at once.
pub fn load_dir(dir: &Path) -> Result<Vec<Dashboard>, ConfigError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| one(dir, "(folder)", format!("cannot read: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut dashboards = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        match load_toml::<Dashboard>(&f) {
            Ok(d) => {
                problems.extend(check(&f, &d, &dashboards));
                dashboards.push(d);
            }
            Err(e) => problems.extend(e.problems),
        }
    }
    if problems.is_empty() {
        Ok(dashboards)
    } else {
        Err(ConfigError { problems })
    }
}

fn one(file: &Path, key: &str, message: String) -> ConfigError {
    ConfigError {
        problems: vec![Problem {
            file: file.to_path_buf(),
            key: key.into(),
            message,
        }],
    }
}

fn check(file: &Path, d: &Dashboard, earlier: &[Dashboard]) -> Vec<Problem> {
    let mut found = Vec::new();
    let mut add = |key: String, message: String| {
        found.push(Problem {
            file: file.to_path_buf(),
            key,
            message,
        })
    };
    if d.slug.is_empty()
        || !d
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        add(
            "slug".into(),
            format!(
                "'{}' must be lower-case ASCII letters, digits and '-'",
                d.slug
            ),
        );
    }
    if earlier.iter().any(|e| e.slug == d.slug) {
        add(
            "slug".into(),
            format!("'{}' is used by another dashboard", d.slug),
        );
    }
    if d.panels.is_empty() {
        add(
            "panel".into(),
            "a dashboard needs at least one [[panel]]".into(),
        );
    }
    for (i, p) in d.panels.iter().enumerate() {
        let head = p.query.trim_start().to_ascii_uppercase();
        if !(head.starts_with("SELECT") || head.starts_with("WITH")) {
            add(format!("panel[{i}].query"), "must be a SELECT".into());
        }
        let mut rest = p.query.as_str();
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            if let Some(end) = after.find('}') {
                let name = &after[..end];
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !PLACEHOLDERS.contains(&name)
                {
                    add(
                        format!("panel[{i}].query"),
                        format!(
                            "unknown placeholder {{{name}}}; known: {{from}}, {{to}}, {{unit}}"
                        ),
                    );
                }
            }
            rest = after;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Vec<Dashboard> {
        load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards")).unwrap()
    }

    #[test]
    fn the_shipped_dashboards_load() {
        let d = shipped();
        assert!(d.len() >= 2);
        assert!(d.iter().all(|d| !d.panels.is_empty()));
    }

    #[test]
    fn placeholders_become_bound_values_in_order() {
        let p = Panel {
            title: "t".into(),
            chart: ChartKind::Table,
            query: "SELECT 1 WHERE a >= toDate({from}) AND b = {unit} AND c <= toDate({to}) AND d = '{x}'".into(),
        };
        let (sql, values) = p.bound(&Bindings {
            from: "2021-01-01".into(),
            to: "2021-06-01".into(),
            unit: "01'; DROP".into(),
        });
        assert_eq!(
            sql,
            "SELECT 1 WHERE a >= toDate(?) AND b = ? AND c <= toDate(?) AND d = '{x}'"
        );
        assert_eq!(values, ["2021-01-01", "01'; DROP", "2021-06-01"]);
    }

    #[test]
    fn a_bad_dashboard_names_the_file_and_the_panel() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("x.toml"),
            "slug = \"Bad Slug\"\ntitle = \"x\"\n[[panel]]\ntitle = \"p\"\nchart = \"line\"\nquery = \"DROP TABLE x {month}\"\n",
        )
        .unwrap();
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("x.toml: slug"), "{err}");
        assert!(err.contains("panel[0].query: must be a SELECT"), "{err}");
        assert!(err.contains("unknown placeholder {month}"), "{err}");
    }
}
