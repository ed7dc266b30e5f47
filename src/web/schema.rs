//! The schema analysts read: every table and view of chiso's database with its
//! columns in plain words. Descriptions live in `docs/schema.toml`; types and
//! order come from the server (`system.columns`). A test fails when a table or
//! column exists without a description, or a description names nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::{ColumnInfo, Store, StoreError};

const SHIPPED: &str = include_str!("../../docs/schema.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    tables: BTreeMap<String, TableDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDoc {
    about: String,
    #[serde(default)]
    private: bool,
    columns: BTreeMap<String, String>,
}

/// A table as served.
/// A table or view with what it holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Table {
    pub name: String,
    pub about: String,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: String,
    pub about: String,
}

fn doc() -> Result<Doc, String> {
    toml::from_str(SHIPPED).map_err(|e| format!("docs/schema.toml: {e}"))
}

/// Whether `table` holds accounts (never served, never readable by the SQL endpoint).
pub fn is_private(table: &str) -> bool {
    crate::store::sql_guard::PRIVATE_TABLES.contains(&table)
}

/// Tables and views analysts may read, with their columns described; an
/// undocumented column still appears, with an empty description.
pub async fn tables(store: &Store) -> Result<Vec<Table>, StoreError> {
    let columns = store.columns().await?;
    let doc = doc().unwrap_or(Doc {
        tables: BTreeMap::new(),
    });
    Ok(merge(&doc, columns))
}

fn merge(doc: &Doc, columns: Vec<ColumnInfo>) -> Vec<Table> {
    let mut out: Vec<Table> = Vec::new();
    for c in columns {
        if is_private(&c.table) || doc.tables.get(&c.table).is_some_and(|t| t.private) {
            continue;
        }
        let table_doc = doc.tables.get(&c.table);
        if out.last().is_none_or(|t| t.name != c.table) {
            out.push(Table {
                name: c.table.clone(),
                about: table_doc.map(|t| t.about.clone()).unwrap_or_default(),
                columns: Vec::new(),
            });
        }
        let about = table_doc
            .and_then(|t| t.columns.get(&c.name))
            .cloned()
            .unwrap_or_default();
        if let Some(t) = out.last_mut() {
            t.columns.push(Column {
                name: c.name,
                column_type: c.column_type,
                about,
            });
        }
    }
    out
}

/// Every mismatch between the server's columns and `docs/schema.toml`, as
/// `table.column: problem` lines; empty when they agree.
pub fn undocumented(columns: &[ColumnInfo]) -> Vec<String> {
    let doc = match doc() {
        Ok(d) => d,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for c in columns {
        match doc.tables.get(&c.table) {
            None => problems.push(format!("table '{}': not described", c.table)),
            Some(t) if t.about.trim().is_empty() => {
                problems.push(format!("table '{}': empty 'about'", c.table))
            }
            Some(t) => {
                if t.columns.get(&c.name).is_none_or(|d| d.trim().is_empty()) {
                    problems.push(format!("{}.{}: not described", c.table, c.name));
                }
            }
        }
    }
    for (table, t) in &doc.tables {
        for column in t.columns.keys() {
            if !columns
                .iter()
                .any(|c| &c.table == table && &c.name == column)
            {
                problems.push(format!(
                    "{table}.{column}: described but not in the database"
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_schema_document_parses() {
        let doc = super::doc().unwrap();
        assert!(doc.tables.contains_key("service_stats_current"));
        // Accounts live in `<database>_private` (docs/security.md), not here.
        assert!(!doc.tables.contains_key("users"));
    }
}
