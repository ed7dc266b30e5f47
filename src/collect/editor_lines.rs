//! Line numbers as a unit's editor shows them, for `chiso import` and the
//! upload page alike (LF and CRLF files name the same line).

use super::ProblemKind;

/// Line numbers as an editor shows them, whatever the line endings. In a CRLF
/// file (what Excel writes on Windows) the csv reader ends a record at `\r` and
/// starts the next at the `\n`, one line early; so the line is counted here
/// from the record's first byte that is not a line ending.
pub(crate) struct EditorLines<'a> {
    text: &'a [u8],
    /// Byte offset of every `\n`.
    newlines: Vec<usize>,
}

impl<'a> EditorLines<'a> {
    pub(crate) fn new(text: &'a [u8]) -> Self {
        let newlines = text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Self { text, newlines }
    }

    /// The 1-based line a record starts on (a quoted cell may run past it).
    pub(crate) fn of(&self, position: Option<&csv::Position>) -> u64 {
        let start = position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let rest = self.text.get(start..).unwrap_or_default();
        let endings = rest
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let first = start.saturating_add(endings);
        self.newlines.partition_point(|&n| n < first) as u64 + 1
    }

    /// A record the csv reader could not read: its editor line when known,
    /// and what is wrong with it.
    pub(crate) fn describe(&self, e: &csv::Error) -> (Option<u64>, ProblemKind) {
        match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos: Some(pos),
                expected_len,
                len,
            } => (
                Some(self.of(Some(pos))),
                ProblemKind::FieldCount {
                    found: *len,
                    expected: *expected_len,
                },
            ),
            csv::ErrorKind::Utf8 {
                pos: Some(pos),
                err,
            } => (
                Some(self.of(Some(pos))),
                ProblemKind::NotUtf8 {
                    field: u64::try_from(err.field() + 1).unwrap_or(u64::MAX),
                },
            ),
            _ => (None, ProblemKind::Other(e.to_string())),
        }
    }
}
