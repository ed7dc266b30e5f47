//! Cluster mode's schema statements: the one set of `sql/` files, rewritten
//! when `[clickhouse] cluster` is set, so the text applied on one server (and
//! its checksum in `schema_migrations`) stays exactly what it was.
//!
//! Each statement but ALTER gets `ON CLUSTER`, its tables the database name (the DDL
//! queue runs them on every host without the caller's database), and each
//! `*MergeTree` engine its `Replicated` form with a ZooKeeper path of shard,
//! database and table, so that test databases never share a path. A statement
//! of a kind not known here is refused rather than run on one host only.

/// The cluster `ON CLUSTER` names, from `[clickhouse] cluster`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
}

impl Cluster {
    /// `stmt` (comments removed) as run on the cluster, its names in `database`.
    pub fn rewrite(&self, database: &str, stmt: &str) -> Result<String, String> {
        let on = format!(" ON CLUSTER {}", self.name);
        let (first, rest) = word(stmt);
        let (second, rest) = word(rest);
        match (upper(first).as_str(), upper(second).as_str()) {
            ("CREATE", "TABLE") => {
                let (exists, name, rest) = name_after(rest, &["IF", "NOT", "EXISTS"])?;
                let rest = replicated_engine(rest, database, name)?;
                Ok(format!("CREATE TABLE {exists}{database}.{name}{on}{rest}"))
            }
            ("CREATE", "VIEW") => {
                let (exists, name, rest) = name_after(rest, &["IF", "NOT", "EXISTS"])?;
                let rest = qualify_sources(rest, database);
                Ok(format!("CREATE VIEW {exists}{database}.{name}{on}{rest}"))
            }
            ("DROP", "TABLE") => {
                let (exists, name, rest) = name_after(rest, &["IF", "EXISTS"])?;
                Ok(format!("DROP TABLE {exists}{database}.{name}{on}{rest}"))
            }
            // Every table here is Replicated, and a replicated table's ALTER
            // reaches the other replicas through ZooKeeper, so it runs on one
            // server without ON CLUSTER. ON CLUSTER had both replicas race for
            // the shard's `executed` node, and on 18.16 the loser's DDL worker
            // stops for good ("Node exists ... Terminating"), leaving every
            // later ON CLUSTER statement waiting on it (`make bench`, session 8).
            ("ALTER", "TABLE") => {
                let (_, name, rest) = name_after(rest, &[])?;
                Ok(format!("ALTER TABLE {database}.{name}{rest}"))
            }
            ("RENAME", "TABLE") => {
                let pairs = rest
                    .split(',')
                    .map(|pair| qualify_rename(pair, database))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(format!("RENAME TABLE {}{on}", pairs.join(", ")))
            }
            // Rows go to one replica and replicate from there.
            ("INSERT", _) => Ok(stmt.to_string()),
            _ => Err(format!(
                "'{first} {second}' has no cluster form (known: CREATE TABLE, CREATE VIEW, \
                 DROP TABLE, ALTER TABLE, RENAME TABLE, INSERT)"
            )),
        }
    }
}

/// The ZooKeeper path of a replicated table: one per shard, database and table.
pub fn zookeeper_path(database: &str, table: &str) -> String {
    format!("/clickhouse/tables/{{shard}}/{database}/{table}")
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first word of `s` (letters, digits, _) and what follows it.
fn word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let end = s.find(|c| !is_name_char(c)).unwrap_or(s.len());
    s.split_at(end)
}

fn upper(s: &str) -> String {
    s.to_ascii_uppercase()
}

/// `[IF [NOT] EXISTS] name rest`: the clause as written (with its space), the name, the rest.
fn name_after<'a>(s: &'a str, clause: &[&str]) -> Result<(String, &'a str, &'a str), String> {
    let mut rest = s;
    let mut taken = String::new();
    for expected in clause {
        let (w, after) = word(rest);
        if upper(w) != *expected {
            break;
        }
        taken.push_str(w);
        taken.push(' ');
        rest = after;
    }
    if !taken.is_empty() && taken.split(' ').filter(|w| !w.is_empty()).count() != clause.len() {
        return Err(format!("an incomplete '{}' clause", clause.join(" ")));
    }
    let (name, rest) = word(rest);
    if name.is_empty() || rest.starts_with('.') {
        return Err(format!(
            "expected a table name without database at '{}'",
            rest.trim()
        ));
    }
    Ok((taken, name, rest))
}

/// `ENGINE = XMergeTree[(args)]` → `ENGINE = ReplicatedXMergeTree('path', '{replica}'[, args])`.
fn replicated_engine(rest: &str, database: &str, table: &str) -> Result<String, String> {
    let at = find_word(rest, "ENGINE").ok_or("a table without ENGINE")?;
    let after = rest[at + "ENGINE".len()..].trim_start();
    let after = after
        .strip_prefix('=')
        .ok_or("ENGINE without '='")?
        .trim_start();
    let (engine, tail) = word(after);
    if !engine.ends_with("MergeTree") || engine.starts_with("Replicated") {
        return Err(format!("engine {engine} has no replicated form here"));
    }
    let (args, tail) = match tail.strip_prefix('(') {
        Some(inside) => {
            let close = inside.find(')').ok_or("ENGINE arguments without ')'")?;
            let args = inside[..close].trim();
            let args = if args.is_empty() {
                String::new()
            } else {
                format!(", {args}")
            };
            (args, &inside[close + 1..])
        }
        None => (String::new(), tail),
    };
    let path = zookeeper_path(database, table);
    Ok(format!(
        "{}ENGINE = Replicated{engine}('{path}', '{{replica}}'{args}){tail}",
        &rest[..at]
    ))
}

/// Every `FROM name` and `JOIN name` of a view's query with the database:
/// on 18.16 the DDL queue resolves them in `default` otherwise. Subqueries
/// (`FROM (`), qualified names and table functions (`name(`) stay as written.
fn qualify_sources(query: &str, database: &str) -> String {
    let mut out = String::with_capacity(query.len() + 64);
    let mut rest = query;
    while let Some(at) = ["FROM", "JOIN"]
        .iter()
        .filter_map(|k| find_word(rest, k))
        .min()
    {
        let keyword_end = at + 4;
        out.push_str(&rest[..keyword_end]);
        rest = &rest[keyword_end..];
        let spaces = rest.len() - rest.trim_start().len();
        let (name, after) = word(rest);
        let is_table = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && !after.starts_with(['.', '(']);
        out.push_str(&rest[..spaces]);
        if is_table {
            out.push_str(database);
            out.push('.');
        }
        out.push_str(name);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `a TO b` → `db.a TO db.b`.
fn qualify_rename(pair: &str, database: &str) -> Result<String, String> {
    let (from, rest) = word(pair);
    let (to_kw, rest) = word(rest);
    let (to, rest) = word(rest);
    if from.is_empty() || upper(to_kw) != "TO" || to.is_empty() || !rest.trim().is_empty() {
        return Err(format!("expected 'a TO b' in RENAME at '{}'", pair.trim()));
    }
    Ok(format!("{database}.{from} TO {database}.{to}"))
}

/// Byte offset of `keyword` as a whole word, any case.
fn find_word(s: &str, keyword: &str) -> Option<usize> {
    let upper = s.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find(keyword) {
        let at = from + i;
        let before = upper[..at].chars().next_back();
        let after = upper[at + keyword.len()..].chars().next();
        if !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char) {
            return Some(at);
        }
        from = at + keyword.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MIGRATIONS, PRIVATE_MIGRATIONS};

    fn chiso() -> Cluster {
        Cluster {
            name: "chiso".into(),
        }
    }

    #[test]
    fn a_table_is_created_on_the_cluster_with_its_replicated_engine() {
        let sql = "CREATE TABLE IF NOT EXISTS batches (\n  unit_code String,\n  version UInt64\n) \
                   ENGINE = ReplacingMergeTree(version)\nORDER BY (unit_code, month)";
        assert_eq!(
            chiso().rewrite("db", sql).unwrap(),
            "CREATE TABLE IF NOT EXISTS db.batches ON CLUSTER chiso (\n  unit_code String,\n  \
             version UInt64\n) ENGINE = ReplicatedReplacingMergeTree(\
             '/clickhouse/tables/{shard}/db/batches', '{replica}', version)\nORDER BY (unit_code, month)"
        );
    }

    #[test]
    fn an_engine_without_arguments_gets_path_and_replica() {
        let sql = "CREATE TABLE x (a UInt8) ENGINE = MergeTree ORDER BY a";
        assert_eq!(
            chiso().rewrite("db", sql).unwrap(),
            "CREATE TABLE db.x ON CLUSTER chiso (a UInt8) ENGINE = ReplicatedMergeTree(\
             '/clickhouse/tables/{shard}/db/x', '{replica}') ORDER BY a"
        );
    }

    #[test]
    fn a_view_reads_its_tables_in_the_database() {
        let sql = "CREATE VIEW IF NOT EXISTS v AS\nSELECT * FROM t FINAL WHERE (a, b) IN \
                   (SELECT a, max(b) FROM\n (SELECT a, b FROM u UNION ALL SELECT a, b FROM system.one) \
                   GROUP BY a)";
        assert_eq!(
            chiso().rewrite("db", sql).unwrap(),
            "CREATE VIEW IF NOT EXISTS db.v ON CLUSTER chiso AS\nSELECT * FROM db.t FINAL WHERE \
             (a, b) IN (SELECT a, max(b) FROM\n (SELECT a, b FROM db.u UNION ALL SELECT a, b FROM \
             system.one) GROUP BY a)"
        );
    }

    #[test]
    fn drops_and_renames_run_on_the_cluster_and_alters_replicate() {
        let c = chiso();
        assert_eq!(
            c.rewrite("db", "DROP TABLE IF EXISTS users").unwrap(),
            "DROP TABLE IF EXISTS db.users ON CLUSTER chiso"
        );
        assert_eq!(
            c.rewrite("db", "ALTER TABLE job_runs MODIFY COLUMN x UInt8")
                .unwrap(),
            "ALTER TABLE db.job_runs MODIFY COLUMN x UInt8"
        );
        assert_eq!(
            c.rewrite("db", "RENAME TABLE a TO b, c TO a").unwrap(),
            "RENAME TABLE db.a TO db.b, db.c TO db.a ON CLUSTER chiso"
        );
    }

    #[test]
    fn what_has_no_cluster_form_is_refused() {
        let c = chiso();
        assert!(c
            .rewrite("db", "CREATE TABLE x (a UInt8) ENGINE = Log")
            .unwrap_err()
            .contains("engine Log"));
        assert!(c.rewrite("db", "OPTIMIZE TABLE x").is_err());
        assert!(c.rewrite("db", "DROP TABLE other.x").is_err());
    }

    #[test]
    fn every_migration_has_a_cluster_form() {
        for m in MIGRATIONS.iter().chain(PRIVATE_MIGRATIONS) {
            for stmt in m.statements() {
                let out = chiso().rewrite("db", &stmt);
                let out = out.unwrap_or_else(|e| panic!("{}: {e}", m.name));
                // Rows (a backfill) and ALTERs go to one replica and replicate from there.
                let replicated = ["INSERT", "ALTER"].contains(&upper(word(&stmt).0).as_str());
                assert!(
                    replicated || out.contains(" ON CLUSTER chiso"),
                    "{}: {out}",
                    m.name
                );
                assert!(!out.contains("ENGINE = MergeTree"), "{}: {out}", m.name);
                assert!(
                    !out.contains("ENGINE = ReplacingMergeTree"),
                    "{}: {out}",
                    m.name
                );
            }
        }
    }
}
