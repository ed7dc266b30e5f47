//! How `POST /api/v1/sql` writes an answer while it streams: JSON
//! (`{"columns": [{"name", "type"}], "rows": [[...]], "row_count": n}`) or
//! CSV (a header line of names, then rows; strings quoted, cells
//! neutralised by `csv_safe`).
//!
//! The status line goes out before the last row is known, so an error after
//! the first rows (a limit of the server, chiso's caps, the time limit)
//! cannot change it: the answer then ends with a line `ERROR: <message>`
//! instead of its normal end. A JSON answer cut that way never parses; a
//! CSV one is recognisable by that last line (no row starts with an
//! unquoted `E`: strings are quoted, numbers are digits). The body still
//! ends cleanly, so the line reaches the client (closing the connection
//! instead dropped the last buffered chunk, marker included).
//! Documented in docs/security.md (the analyst path).

use crate::store::Column;

use super::csv_safe;

/// The prefix of the line that ends an answer cut short by an error.
pub const ERROR_LINE: &str = "ERROR: ";

/// The output the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFormat {
    Json,
    Csv,
}

impl AnswerFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            AnswerFormat::Json => "application/json",
            AnswerFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    /// What comes before the first row.
    pub fn head(self, columns: &[Column], out: &mut String) {
        match self {
            AnswerFormat::Json => {
                let columns: Vec<serde_json::Value> = columns
                    .iter()
                    .map(|c| serde_json::json!({ "name": c.name, "type": c.column_type }))
                    .collect();
                out.push_str("{\"columns\":");
                out.push_str(&serde_json::Value::Array(columns).to_string());
                out.push_str(",\"rows\":[");
            }
            AnswerFormat::Csv => {
                let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
                out.push_str(&names.join(","));
                out.push('\n');
            }
        }
    }

    /// Row number `index` (from 0), a JSON array of values.
    pub fn row(self, index: u64, row: &serde_json::Value, out: &mut String) {
        match self {
            AnswerFormat::Json => {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&row.to_string());
            }
            AnswerFormat::Csv => {
                let cells: Vec<String> = match row {
                    serde_json::Value::Array(values) => values.iter().map(csv_cell).collect(),
                    other => vec![csv_cell(other)],
                };
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
    }

    /// The normal end, after `rows` rows.
    pub fn end(self, rows: u64, out: &mut String) {
        if self == AnswerFormat::Json {
            out.push_str(&format!("],\"row_count\":{rows}}}"));
        }
    }

    /// The end of an answer cut short by `message`.
    pub fn error(message: &str, out: &mut String) {
        out.push('\n');
        out.push_str(ERROR_LINE);
        out.push_str(&message.replace(['\n', '\r'], " "));
        out.push('\n');
    }
}

/// Numbers as the server wrote them; strings quoted and neutralised; NULL empty.
fn csv_cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::String(s) => quoted(s),
        nested => quoted(&nested.to_string()),
    }
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", csv_safe::cell(text).replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column {
                name: "s".into(),
                column_type: "String".into(),
            },
            Column {
                name: "n".into(),
                column_type: "Int32".into(),
            },
        ]
    }

    fn answer(format: AnswerFormat, rows: &[serde_json::Value]) -> String {
        let mut out = String::new();
        format.head(&columns(), &mut out);
        for (i, r) in rows.iter().enumerate() {
            format.row(i as u64, r, &mut out);
        }
        format.end(rows.len() as u64, &mut out);
        out
    }

    #[test]
    fn json_keeps_the_documented_shape() {
        let rows = [serde_json::json!(["a", 1]), serde_json::json!(["b", -5])];
        let text = answer(AnswerFormat::Json, &rows);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({
                "columns": [{"name": "s", "type": "String"}, {"name": "n", "type": "Int32"}],
                "rows": [["a", 1], ["b", -5]],
                "row_count": 2
            })
        );
    }

    #[test]
    fn csv_neutralises_formulas_in_strings_and_keeps_numbers() {
        let rows = [
            serde_json::json!(["=1+1", -5]),
            serde_json::json!(["say \"hi\"", null]),
        ];
        assert_eq!(
            answer(AnswerFormat::Csv, &rows),
            "\"s\",\"n\"\n\"'=1+1\",-5\n\"say \"\"hi\"\"\",\n"
        );
    }

    #[test]
    fn a_json_answer_cut_by_an_error_does_not_parse() {
        let mut text = String::new();
        AnswerFormat::Json.head(&columns(), &mut text);
        AnswerFormat::Json.row(0, &serde_json::json!(["a", 1]), &mut text);
        AnswerFormat::error("Limit for result exceeded\n(code 396)", &mut text);
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
        assert!(text.ends_with("\nERROR: Limit for result exceeded (code 396)\n"));
    }
}
