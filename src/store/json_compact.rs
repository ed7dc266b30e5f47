//! Reads ClickHouse's `JSONCompact` answer line by line as it streams in, so
//! the analyst endpoint can relay rows without holding the whole result.
//!
//! The server writes one row per line between `"data": [` and `]`. When a
//! limit is hit after the first bytes went out (status 200 already sent), it
//! appends its exception text (`Code: 396, … DB::Exception: …`) to the body,
//! on 18.16 right after the last row, and stops; any line that is not the
//! layout below is therefore read as the server's error, never as data.

use serde::Deserialize;

/// A column of the answer, as the server names and types it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: String,
}

/// What one line meant.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The header is complete: the columns, before any row.
    Columns(Vec<Column>),
    /// One row, a JSON array with a value per column.
    Row(serde_json::Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Head,
    DataOpening,
    Data,
    Tail,
}

/// The state of one answer being read.
#[derive(Debug)]
pub struct Reader {
    part: Part,
    head: String,
}

/// The header (names and types) never nears this; more means a broken answer.
const MAX_HEAD_BYTES: usize = 4 << 20;

#[derive(Deserialize)]
struct Head {
    meta: Vec<Column>,
}

impl Default for Reader {
    fn default() -> Self {
        Self {
            part: Part::Head,
            head: String::new(),
        }
    }
}

impl Reader {
    /// Reads one line (without its `\n`). `Err` carries the server's message.
    pub fn line(&mut self, line: &str) -> Result<Option<Event>, String> {
        let trimmed = line.trim();
        if let Some(error) = server_error(line) {
            return Err(error);
        }
        match self.part {
            Part::Head if trimmed == "\"data\":" => {
                let text = format!("{}}}", self.head.trim().trim_end_matches(','));
                let head: Head = serde_json::from_str(&text)
                    .map_err(|e| format!("the server's answer has no readable header: {e}"))?;
                self.part = Part::DataOpening;
                Ok(Some(Event::Columns(head.meta)))
            }
            Part::Head => {
                if self.head.len() + line.len() > MAX_HEAD_BYTES {
                    return Err("the server's answer has no readable header".into());
                }
                self.head.push_str(line);
                self.head.push('\n');
                Ok(None)
            }
            Part::DataOpening if trimmed == "[" => {
                self.part = Part::Data;
                Ok(None)
            }
            Part::DataOpening => Err(format!(
                "unexpected line in the server's answer: {trimmed:.80}"
            )),
            Part::Data if trimmed.is_empty() => Ok(None),
            Part::Data if trimmed == "]" || trimmed == "]," => {
                self.part = Part::Tail;
                Ok(None)
            }
            Part::Data => {
                let row = trimmed.strip_suffix(',').unwrap_or(trimmed);
                match serde_json::from_str::<serde_json::Value>(row) {
                    Ok(value @ serde_json::Value::Array(_)) => Ok(Some(Event::Row(value))),
                    _ => Err(format!("unreadable row in the server's answer: {row:.80}")),
                }
            }
            Part::Tail => Ok(None),
        }
    }

    /// The body ended: complete only if every row was followed by the closing `]`.
    pub fn finish(&self) -> Result<(), String> {
        if self.part == Part::Tail {
            Ok(())
        } else {
            Err("the server's answer ended before its last row".into())
        }
    }
}

/// The server's exception text when `line` carries one (after data, or alone).
fn server_error(line: &str) -> Option<String> {
    let at = line.find("Code: ")?;
    let rest = &line[at..];
    rest.contains("DB::Exception")
        .then(|| clean_server_message(rest))
}

/// `Code: 164, e.displayText() = DB::Exception: Cannot … , e.what() = …` → `Cannot … (code 164)`.
pub fn clean_server_message(message: &str) -> String {
    let text = message.trim();
    let code: String = text
        .strip_prefix("Code: ")
        .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    let body = text
        .split("DB::Exception: ")
        .nth(1)
        .map(|r| r.split(", e.what()").next().unwrap_or(r))
        .map(|r| r.split(" (version").next().unwrap_or(r))
        .unwrap_or(text)
        .trim();
    if code.is_empty() {
        body.to_string()
    } else {
        format!("{body} (code {code})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Event>, Result<(), String>) {
        let mut reader = Reader::default();
        let mut events = Vec::new();
        for line in text.lines() {
            match reader.line(line) {
                Ok(Some(e)) => events.push(e),
                Ok(None) => {}
                Err(e) => return (events, Err(e)),
            }
        }
        let end = reader.finish();
        (events, end)
    }

    const HEAD: &str = "{\n\t\"meta\":\n\t[\n\t\t{\n\t\t\t\"name\": \"s\",\n\t\t\t\"type\": \"String\"\n\t\t}\n\t],\n\n\t\"data\":\n\t[\n";

    #[test]
    fn rows_arrive_one_per_line_after_the_columns() {
        let text = format!("{HEAD}\t\t[\"=1+1\"],\n\t\t[\"x\\ny\"]\n\t],\n\n\t\"rows\": 2\n}}\n");
        let (events, end) = read(&text);
        assert_eq!(end, Ok(()));
        assert_eq!(
            events,
            vec![
                Event::Columns(vec![Column {
                    name: "s".into(),
                    column_type: "String".into()
                }]),
                Event::Row(serde_json::json!(["=1+1"])),
                Event::Row(serde_json::json!(["x\ny"])),
            ]
        );
    }

    #[test]
    fn an_exception_after_the_last_row_is_an_error_not_a_shorter_answer() {
        let text = format!("{HEAD}\t\t[\"a\"],\n\t\t[\"b\"]Code: 396, e.displayText() = DB::Exception: Limit for result exceeded, max rows: 100.00 thousand, e.what() = DB::Exception\n");
        let (events, end) = read(&text);
        assert_eq!(events.len(), 2, "the columns and row a");
        assert_eq!(
            end,
            Err("Limit for result exceeded, max rows: 100.00 thousand (code 396)".into())
        );
    }

    #[test]
    fn a_body_cut_short_is_an_error() {
        let (_, end) = read(&format!("{HEAD}\t\t[\"a\"],\n"));
        assert!(end.unwrap_err().contains("ended before"));
        let (_, end) = read("{\n\t\"meta\":\n");
        assert!(end.is_err());
    }

    #[test]
    fn server_messages_keep_the_reason_and_code() {
        assert_eq!(
            clean_server_message(
                "Code: 164, e.displayText() = DB::Exception: Cannot insert into table in readonly mode, e.what() = DB::Exception\n"
            ),
            "Cannot insert into table in readonly mode (code 164)"
        );
        assert_eq!(
            clean_server_message(
                "Code: 164. DB::Exception: Cannot execute query in readonly mode. (READONLY) (version 24.8.1)"
            ),
            "Cannot execute query in readonly mode. (READONLY) (code 164)"
        );
    }
}
