//! The first of the analyst SQL endpoint's two locks: a small lexer that lets
//! through one read-only statement over chiso's own database and names what it
//! refuses. The second lock is ClickHouse itself (`Store::analyst_query` sends
//! `readonly=1` with the limits), so a statement this check misreads still
//! cannot write, change settings or run long.
//!
//! The lexer knows ClickHouse's string literals (`'…'` with `\` escapes and
//! doubled quotes), quoted identifiers (`"…"`, `` `…` ``) and comments (`--`,
//! `/* */`); anything it does not know (`#`, `$`, `\`, non-ASCII outside
//! literals) is refused rather than guessed at.

/// Why a query was refused, in words for the analyst.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// Tables of chiso's database the endpoint never reads: accounts and token hashes.
pub const PRIVATE_TABLES: &[&str] = &["users", "api_tokens"];

/// Functions that read outside the database (table functions, dictionaries).
const OUTSIDE_FUNCTIONS: &[&str] = &[
    "url",
    "file",
    "remote",
    "remotesecure",
    "cluster",
    "clusterallreplicas",
    "mysql",
    "postgresql",
    "jdbc",
    "odbc",
    "hdfs",
    "s3",
    "s3cluster",
    "gcs",
    "azureblobstorage",
    "input",
    "merge",
    "executable",
    "sqlite",
    "mongodb",
    "redis",
    "dictionary",
    "view",
    "generaterandom",
    "joinget",
];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A bare word: keyword, identifier or function name.
    Word(String),
    /// `"x"` or `` `x` ``: always an identifier.
    Quoted(String),
    Literal,
    Punct(char),
}

impl Token {
    fn is_word(&self, keyword: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn name(&self) -> Option<&str> {
        match self {
            Token::Word(w) | Token::Quoted(w) => Some(w),
            _ => None,
        }
    }
}

/// A statement that passed: the text to send, its trailing `;` removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub sql: String,
}

/// Checks `sql` for the endpoint. `database` is chiso's; `others` the other
/// databases of the server (any `other.table` anywhere is refused).
pub fn check(sql: &str, database: &str, others: &[String]) -> Result<Checked, Refusal> {
    let tokens = lex(sql)?;
    let mut statements = tokens.split(|t| *t == Token::Punct(';'));
    let first = statements.next().unwrap_or_default();
    if statements.any(|s| !s.is_empty()) {
        return Err(Refusal(
            "statement 2: only one statement may be sent; remove everything after the first ';'"
                .into(),
        ));
    }
    if first.is_empty() {
        return Err(Refusal("the query is empty".into()));
    }
    check_kind(first)?;
    check_words(first)?;
    check_tables(first, database)?;
    check_qualified(first, database, others)?;
    // Send the text before the first ';' (what follows is only comments).
    let text = match first_semicolon(sql)? {
        Some(at) => &sql[..at],
        None => sql,
    }
    .trim();
    Ok(Checked {
        sql: text.to_string(),
    })
}

/// The byte offset of the first `;` outside literals and comments.
fn first_semicolon(sql: &str) -> Result<Option<usize>, Refusal> {
    let mut offsets = Vec::new();
    lex_with(sql, &mut offsets)?;
    Ok(offsets.first().copied())
}

fn lex(sql: &str) -> Result<Vec<Token>, Refusal> {
    lex_with(sql, &mut Vec::new())
}

/// Tokens of `sql`; `semicolons` receives the byte offset of each `;`.
/// One pass: every branch moves `i` forward past what it read.
fn lex_with(sql: &str, semicolons: &mut Vec<usize>) -> Result<Vec<Token>, Refusal> {
    let indexed: Vec<(usize, char)> = sql.char_indices().collect();
    let chars: Vec<char> = indexed.iter().map(|&(_, c)| c).collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let close = (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                .ok_or_else(|| Refusal("a '/*' comment is never closed".into()))?;
            i = close + 2;
        } else if matches!(c, '\'' | '"' | '`') {
            let (text, end) = quoted(&chars, i)?;
            tokens.push(if c == '\'' {
                Token::Literal
            } else {
                Token::Quoted(text)
            });
            i = end;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < chars.len() {
                let d = chars[i];
                let exponent_sign = matches!(d, '+' | '-') && matches!(chars[i - 1], 'e' | 'E');
                if !(d.is_ascii_alphanumeric() || d == '.' || d == '_' || exponent_sign) {
                    break;
                }
                i += 1;
            }
            tokens.push(Token::Literal);
        } else if "()[]{},;.+-*/%=<>!:?|&^~".contains(c) {
            if c == ';' {
                semicolons.push(indexed[i].0);
            }
            tokens.push(Token::Punct(c));
            i += 1;
        } else {
            return Err(Refusal(format!(
                "character '{c}' at offset {i} is not understood here; write it inside a string literal"
            )));
        }
    }
    Ok(tokens)
}

/// The text of the literal or quoted identifier opening at `start`, escapes
/// decoded as ClickHouse decodes them (so `"\x75sers"` is `users`), and the
/// index after it.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), Refusal> {
    let quote = chars[start];
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let (decoded, used) = escape(&chars[i + 1..]);
                text.extend(decoded);
                i += 1 + used;
            }
            c if c == quote && chars.get(i + 1) == Some(&quote) => {
                text.push(quote);
                i += 2;
            }
            c if c == quote => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(Refusal(format!(
        "a {quote} quote opened at offset {start} is never closed"
    )))
}

/// The character an escape after `\` stands for, and how many characters it used.
fn escape(after: &[char]) -> (Option<char>, usize) {
    let Some(&c) = after.first() else {
        return (None, 0);
    };
    let simple = match c {
        'b' => '\u{8}',
        'f' => '\u{c}',
        'r' => '\r',
        'n' => '\n',
        't' => '\t',
        '0' => '\0',
        'a' => '\u{7}',
        'v' => '\u{b}',
        'x' | 'X' => {
            let hex: String = after.iter().skip(1).take(2).collect();
            let byte = (hex.len() == 2 && hex.chars().all(|h| h.is_ascii_hexdigit()))
                .then(|| u8::from_str_radix(&hex, 16).ok())
                .flatten();
            return match byte {
                Some(byte) => (Some(char::from(byte)), 3),
                None => (Some(c), 1),
            };
        }
        other => other,
    };
    (Some(simple), 1)
}

/// Only reading statements.
fn check_kind(tokens: &[Token]) -> Result<(), Refusal> {
    let first = match &tokens[0] {
        Token::Punct('(') => return Ok(()),
        Token::Word(w) => w.to_ascii_uppercase(),
        _ => String::new(),
    };
    match first.as_str() {
        "SELECT" | "WITH" | "DESCRIBE" | "DESC" | "EXISTS" => Ok(()),
        "SHOW" if tokens.len() >= 2 && tokens[1].is_word("TABLES") => {
            if tokens[2..]
                .iter()
                .any(|t| t.is_word("FROM") || t.is_word("IN"))
            {
                Err(Refusal(
                    "SHOW TABLES lists chiso's database only; remove the FROM/IN clause".into(),
                ))
            } else {
                Ok(())
            }
        }
        "" => Err(Refusal(
            "a query must start with SELECT, WITH, DESCRIBE, EXISTS or SHOW TABLES".into(),
        )),
        other => Err(Refusal(format!(
            "{other} is refused: this endpoint is read-only; only SELECT, WITH … SELECT, \
             DESCRIBE, EXISTS and SHOW TABLES are allowed"
        ))),
    }
}

/// Clauses that would change how the query runs or where its result goes.
fn check_words(tokens: &[Token]) -> Result<(), Refusal> {
    for (i, t) in tokens.iter().enumerate() {
        let called = tokens.get(i + 1) == Some(&Token::Punct('('));
        if let (Some(w), true) = (t.name(), called) {
            let lower = w.to_ascii_lowercase();
            if OUTSIDE_FUNCTIONS.contains(&lower.as_str()) || lower.starts_with("dictget") {
                return Err(Refusal(format!(
                    "function '{w}' is refused: it reads outside database tables"
                )));
            }
        }
        let Token::Word(w) = t else { continue };
        let upper = w.to_ascii_uppercase();
        let refusal = match upper.as_str() {
            "SETTINGS" => Some(
                "a SETTINGS clause is refused: read-only mode and limits are set by chiso"
                    .to_string(),
            ),
            "FORMAT" => Some(
                "a FORMAT clause is refused: ask for ?format=csv or ?format=json instead"
                    .to_string(),
            ),
            "INTO" => Some(
                "INTO is refused: the endpoint writes nowhere (no INSERT INTO, no INTO OUTFILE)"
                    .to_string(),
            ),
            _ => None,
        };
        if let Some(r) = refusal {
            return Err(Refusal(r));
        }
    }
    Ok(())
}

/// Every table named after FROM, JOIN, IN, DESCRIBE or EXISTS must be one of
/// chiso's, not a table function and not a private table.
fn check_tables(tokens: &[Token], database: &str) -> Result<(), Refusal> {
    // For each open parenthesis: true when it is a function call's (where FROM
    // is part of the call, as in `extract(YEAR FROM month)`).
    let mut calls: Vec<bool> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::Punct('(') => {
                let after_word = i > 0 && matches!(tokens[i - 1], Token::Word(_));
                let subquery = tokens
                    .get(i + 1)
                    .is_some_and(|n| n.is_word("SELECT") || n.is_word("WITH"));
                let keyword_before = i > 0
                    && ["IN", "FROM", "JOIN", "EXISTS"]
                        .iter()
                        .any(|k| tokens[i - 1].is_word(k));
                calls.push(after_word && !subquery && !keyword_before);
            }
            Token::Punct(')') => {
                calls.pop();
            }
            Token::Word(_) => {
                let inside_call = calls.last().copied().unwrap_or(false);
                let array_join = t.is_word("JOIN") && i > 0 && tokens[i - 1].is_word("ARRAY");
                let table_position = (t.is_word("FROM") && !inside_call)
                    || (t.is_word("JOIN") && !array_join)
                    || t.is_word("IN")
                    || (i == 0 && ["DESCRIBE", "DESC", "EXISTS"].iter().any(|k| t.is_word(k)));
                if table_position {
                    table_list(tokens, i + 1, database)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Words after which a table name comes.
const TABLE_KEYWORDS: &[&str] = &["FROM", "JOIN", "IN", "DESCRIBE", "DESC", "EXISTS"];

/// Checks the table (or comma-separated tables) starting at `i`.
fn table_list(tokens: &[Token], mut i: usize, database: &str) -> Result<(), Refusal> {
    loop {
        if tokens.get(i).is_some_and(|t| t.is_word("TABLE")) {
            i += 1;
        }
        let Some(first) = tokens.get(i).and_then(Token::name) else {
            return Ok(()); // a subquery, a tuple or a literal: checked as the walk goes on
        };
        // A keyword that opens a table position starts its own walk: stopping
        // here keeps every walk to its own stretch (`IN a, IN a, …` was quadratic).
        if TABLE_KEYWORDS.iter().any(|k| tokens[i].is_word(k)) {
            return Ok(());
        }
        let qualified = tokens.get(i + 1) == Some(&Token::Punct('.'));
        let (db, table, end) = match tokens.get(i + 2).and_then(Token::name) {
            Some(second) if qualified => (Some(first), second, i + 3),
            _ => (None, first, i + 1),
        };
        let full = db.map_or(table.to_string(), |d| format!("{d}.{table}"));
        if tokens.get(end) == Some(&Token::Punct('(')) {
            return Err(Refusal(format!(
                "table function '{full}' is refused: read chiso's tables by name"
            )));
        }
        if let Some(d) = db.filter(|d| *d != database) {
            return Err(Refusal(format!(
                "table '{full}' is outside database '{database}' (database '{d}')"
            )));
        }
        if PRIVATE_TABLES.contains(&table) {
            return Err(Refusal(format!(
                "table '{full}' holds accounts and is not readable here"
            )));
        }
        // Skip FINAL, an alias, and go on after a comma (`FROM a AS x, b`).
        let mut j = end;
        for keyword in ["FINAL", "AS"] {
            if tokens.get(j).is_some_and(|t| t.is_word(keyword)) {
                j += 1;
            }
        }
        if tokens.get(j).and_then(Token::name).is_some()
            && tokens.get(j + 1) == Some(&Token::Punct(','))
        {
            j += 1;
        }
        if tokens.get(j) != Some(&Token::Punct(',')) {
            return Ok(());
        }
        i = j + 1;
    }
}

/// Anywhere in the query, `db.x` with `db` another database of the server, and
/// the private tables by name, are refused (a table list the positional check
/// does not follow, e.g. after a subquery, is still covered).
fn check_qualified(tokens: &[Token], database: &str, others: &[String]) -> Result<(), Refusal> {
    for (i, t) in tokens.iter().enumerate() {
        let Some(name) = t.name() else { continue };
        let after_dot = i > 0 && tokens[i - 1] == Token::Punct('.');
        let qualified = tokens.get(i + 1) == Some(&Token::Punct('.'));
        if !after_dot && qualified && name != database && others.iter().any(|o| o == name) {
            let table = tokens.get(i + 2).and_then(Token::name).unwrap_or("");
            return Err(Refusal(format!(
                "table '{name}.{table}' is outside database '{database}' (database '{name}')"
            )));
        }
        let own = after_dot && i >= 2 && tokens[i - 2].name() == Some(database);
        if (!after_dot || own) && !qualified && PRIVATE_TABLES.contains(&name) {
            return Err(Refusal(format!(
                "'{name}' names the accounts table, which is not readable here; \
                 use another alias if it is one"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn others() -> Vec<String> {
        vec!["system".into(), "default".into()]
    }

    fn ok(sql: &str) -> String {
        match check(sql, "chiso", &others()) {
            Ok(c) => c.sql,
            Err(e) => panic!("{sql}: refused: {e}"),
        }
    }

    fn refused(sql: &str) -> String {
        match check(sql, "chiso", &others()) {
            Ok(_) => panic!("{sql}: accepted"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn plain_selects_pass_with_a_trailing_semicolon_removed() {
        assert_eq!(ok("SELECT 1;"), "SELECT 1");
        ok("select unit_code, sum(received) from service_stats_current final where month = '2021-06-01' group by unit_code");
        ok("WITH 2 AS k SELECT k * received FROM chiso.service_stats AS s");
        ok("SELECT s.unit_code, r.rank FROM unit_results AS r ANY LEFT JOIN service_stats AS s USING unit_code");
        ok("SELECT toYear(month) AS y, extract(YEAR FROM s.month) FROM service_stats s");
        ok("SELECT x FROM (SELECT 1 AS x) WHERE x IN (SELECT 1)");
        ok("DESCRIBE TABLE service_stats");
        ok("SHOW TABLES");
        ok("SELECT 'DROP TABLE x; SETTINGS readonly=0 FROM system.users' AS s -- ; DROP\n");
        ok("SELECT \"unit_code\", `month` FROM `service_stats` /* ; INSERT */");
    }

    #[test]
    fn writes_ddl_system_and_set_are_refused_by_name() {
        assert!(refused("INSERT INTO service_stats VALUES (1)").starts_with("INSERT is refused"));
        assert!(refused("drop table service_stats").starts_with("DROP is refused"));
        assert!(refused("ALTER TABLE service_stats DELETE WHERE 1").starts_with("ALTER is refused"));
        assert!(refused("SYSTEM SHUTDOWN").starts_with("SYSTEM is refused"));
        assert!(refused("SET readonly = 0").starts_with("SET is refused"));
        assert!(refused("OPTIMIZE TABLE service_stats").starts_with("OPTIMIZE is refused"));
        assert!(refused("SHOW DATABASES").starts_with("SHOW is refused"));
    }

    #[test]
    fn settings_format_and_outfile_clauses_are_refused() {
        assert!(refused("SELECT 1 SETTINGS readonly = 0").contains("SETTINGS clause"));
        assert!(refused("SELECT 1 FORMAT TabSeparated").contains("FORMAT clause"));
        assert!(refused("SELECT 1 INTO OUTFILE '/tmp/x'").contains("INTO is refused"));
    }

    #[test]
    fn a_second_statement_is_refused_even_behind_comments() {
        assert_eq!(
            refused("SELECT 1; DROP TABLE service_stats"),
            "statement 2: only one statement may be sent; remove everything after the first ';'"
        );
        assert!(refused("SELECT 1; /* x */ ; -- y\n SELECT 2").starts_with("statement 2"));
        assert!(refused("SELECT ';' ; SELECT 2").starts_with("statement 2"));
        assert_eq!(ok("SELECT 1; -- done; really"), "SELECT 1");
    }

    #[test]
    fn other_databases_and_table_functions_are_refused() {
        assert_eq!(
            refused("SELECT name FROM system.users"),
            "table 'system.users' is outside database 'chiso' (database 'system')"
        );
        assert!(refused("SELECT * FROM `system`.\"tables\"").contains("'system.tables' is outside"));
        assert!(
            refused("SELECT * FROM service_stats JOIN other_db.t USING unit_code")
                .contains("'other_db.t' is outside")
        );
        assert!(refused("SELECT * FROM (SELECT 1) AS a, system.users").contains("outside"));
        assert!(refused("SELECT 1 WHERE 'x' IN system.users").contains("outside"));
        assert!(refused("SELECT * FROM url('http://x', CSV, 'a String')").contains("'url'"));
        assert!(refused("SELECT * FROM numbers(10)").contains("table function 'numbers'"));
        assert!(refused("SELECT * FROM remote('h', default.t)").contains("'remote'"));
        assert!(refused("SELECT dictGetString('d', 'a', toUInt64(1))").contains("dictGetString"));
        assert!(refused("DESCRIBE TABLE system.users").contains("outside"));
        assert!(refused("SHOW TABLES FROM system").contains("SHOW TABLES"));
    }

    #[test]
    fn the_accounts_tables_are_refused_even_in_chisos_database() {
        assert!(refused("SELECT * FROM users").contains("accounts"));
        assert!(refused("SELECT * FROM chiso.api_tokens").contains("accounts"));
        assert!(refused("SELECT * FROM (SELECT 1) a, users").contains("accounts"));
    }

    #[test]
    fn what_the_lexer_does_not_know_is_refused() {
        assert!(refused("SELECT 1 # comment").contains("'#'"));
        assert!(refused("SELECT $$x$$").contains("'$'"));
        assert!(refused("SELECT 'open").contains("never closed"));
        assert!(refused("SELECT 1 /* open").contains("never closed"));
        assert_eq!(refused("  -- nothing\n"), "the query is empty");
    }

    #[test]
    fn escapes_quoted_function_names_and_nested_names_are_read_as_the_server_reads_them() {
        assert!(refused(r#"SELECT * FROM "u\x73ers""#).contains("accounts"));
        assert!(refused(r#"SELECT * FROM `api\_tokens`"#).contains("accounts"));
        assert!(refused(r#"SELECT * FROM "sy\x73tem".numbers"#).contains("outside"));
        assert!(refused(r#"SELECT * FROM "url"('http://x', CSV, 'a String')"#).contains("'url'"));
        assert!(
            refused(r#"SELECT `dictGetString`('d', 'a', toUInt64(1))"#).contains("dictGetString")
        );
        assert!(
            refused("WITH (SELECT any(password_hash) FROM users) AS h SELECT h")
                .contains("accounts")
        );
        assert!(
            refused("SELECT * FROM (SELECT * FROM (SELECT * FROM \"us\\x65rs\"))")
                .contains("accounts")
        );
        assert!(refused("SELECT toString((SELECT 1 FROM system.one))").contains("outside"));
        assert!(refused("SELECT 1 /* */ SETTINGS readonly = 0").contains("SETTINGS"));
        assert_eq!(
            ok(r#"SELECT "unit\x5fcode" FROM service_stats"#),
            r#"SELECT "unit\x5fcode" FROM service_stats"#
        );
    }

    /// Fragments that reach every branch of the lexer and the checks.
    const FRAGMENTS: &[&str] = &[
        "SELECT", " ", "FROM", "users", ";", "'a'", "'", "\"b\"", "`c`", "(", ")", "/* c */", "/*",
        "*/", "-- d\n", "\\x75", "\\", ",", "IN", "JOIN", "ARRAY", "system", ".", "1e+5", "ừ",
        "WITH", "AS", "FINAL", "chiso", "url", "\n", "''", "#", "SETTINGS",
    ];

    #[test]
    fn random_input_up_to_256_kib_never_panics() {
        let mut rng = fastrand::Rng::with_seed(0x5eed);
        for round in 0..40 {
            let target = if round % 10 == 0 {
                256 * 1024
            } else {
                rng.usize(0..32 * 1024)
            };
            let mut text = String::new();
            while text.len() < target {
                if rng.u8(..) < 16 {
                    text.push(rng.char(..));
                } else {
                    text.push_str(FRAGMENTS[rng.usize(..FRAGMENTS.len())]);
                }
            }
            let _ = check(&text, "chiso", &others());
        }
    }

    /// A complexity check with a generous bound, not a speed target: 8 times
    /// the input may take at most 30 times as long (quadratic would be 64).
    #[test]
    fn the_check_grows_linearly_with_the_worst_inputs() {
        // The best of seven, small and large taken in turn: a busy machine
        // (other builds, the test's neighbours) slows single runs, not the best.
        let times = |small: &str, large: &str| {
            let once = |text: &str| {
                let start = std::time::Instant::now();
                let _ = check(text, "chiso", &others());
                start.elapsed()
            };
            let (mut s, mut l) = (std::time::Duration::MAX, std::time::Duration::MAX);
            for _ in 0..7 {
                s = s.min(once(small));
                l = l.min(once(large));
            }
            (s, l)
        };
        for unit in [
            ";",
            "(",
            ")",
            "''",
            "/**/",
            "-- \n",
            "a,",
            "FROM ",
            "IN a,",
            "x.",
            "\"\\x75\"",
        ] {
            let small = format!("SELECT 1 FROM t {}", unit.repeat(32 * 1024 / unit.len()));
            let large = format!("SELECT 1 FROM t {}", unit.repeat(256 * 1024 / unit.len()));
            let (s, l) = times(&small, &large);
            let ratio = l.as_secs_f64() / s.as_secs_f64().max(1e-6);
            assert!(
                ratio < 30.0,
                "{unit:?}: 32 KiB {s:?}, 256 KiB {l:?} ({ratio:.1}×)"
            );
        }
    }
}
