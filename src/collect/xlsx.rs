//! An `.xlsx` monthly file read as the CSV it stands for: the first sheet's
//! rows, same columns, each row on the line of its spreadsheet row, so every
//! problem names the row the unit sees in Excel. A workbook is a zip: its
//! declared sizes are checked before anything is unpacked.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

/// A unit's month is a few thousand rows: 64 MiB of sheet XML is far more,
/// and bounds what a small zip can make us unpack.
const MAX_UNPACKED_BYTES: u64 = 64 << 20;

/// An `.xlsx` workbook holds a few dozen parts.
const MAX_PARTS: usize = 1_000;

/// Rows of a month's file; more is not a unit's month.
const MAX_ROWS: usize = 100_000;

/// True when `bytes` are a zip archive, as every `.xlsx` is.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The first sheet as CSV text; an error says why it cannot be read.
pub fn xlsx_as_csv(bytes: &[u8]) -> Result<Vec<u8>, String> {
    check_sizes(bytes)?;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("not a readable .xlsx workbook: {e}"))?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => return Err(format!("the first sheet cannot be read: {e}")),
        None => return Err("the workbook has no sheet".into()),
    };
    if range.height() > MAX_ROWS {
        return Err(format!(
            "the first sheet has {} rows; a month's file has at most {MAX_ROWS}",
            range.height()
        ));
    }
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    // Rows above the used range are empty lines, so line N is row N.
    let first_row = range.start().map_or(0, |(row, _)| row);
    let mut text = vec![b'\n'; first_row as usize];
    for row in range.rows() {
        let cells: Vec<String> = row.iter().map(cell).collect();
        out.write_record(&cells)
            .map_err(|e| format!("cannot write row as CSV: {e}"))?;
    }
    text.extend(
        out.into_inner()
            .map_err(|e| format!("cannot write rows as CSV: {e}"))?,
    );
    Ok(text)
}

/// The parts' declared sizes, before calamine unpacks any of them.
fn check_sizes(bytes: &[u8]) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a readable .xlsx workbook: {e}"))?;
    if zip.len() > MAX_PARTS {
        return Err(format!(
            "the workbook has {} parts; at most {MAX_PARTS}",
            zip.len()
        ));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| format!("not a readable .xlsx workbook: {e}"))?;
        total = total.saturating_add(part.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "the workbook unpacks to {} MiB; at most {} MiB",
            total >> 20,
            MAX_UNPACKED_BYTES >> 20
        ));
    }
    Ok(())
}

/// A cell as the CSV layout writes it: whole numbers without decimals, a
/// date (Excel turns `2021-06` into one) as `YYYY-MM`, or the day if not the first.
fn cell(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => u8::from(*b).to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.format("%d").to_string() == "01" => t.format("%Y-%m").to_string(),
            Some(t) => t.format("%Y-%m-%d").to_string(),
            None => d.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    fn workbook(rows: &[&[&str]], date_row: Option<u32>) -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                // Codes such as "01" stay text, as a unit's template keeps them.
                match v.parse::<f64>() {
                    Ok(n) if !v.starts_with('0') => sheet.write_number(r, c, n).map(|_| ()),
                    _ => sheet.write_string(r, c, *v).map(|_| ()),
                }
                .unwrap();
            }
        }
        if let Some(r) = date_row {
            let date = ExcelDateTime::from_ymd(2021, 6, 1).unwrap();
            let format = Format::new().set_num_format("yyyy-mm");
            sheet
                .write_datetime_with_format(r, 1, &date, &format)
                .unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_reads_as_its_csv_row_for_line() {
        let bytes = workbook(
            &[
                &["unit_code", "month", "received"],
                &["01", "", "120"],
                &["Hà Nội", "2021-07", "7.5"],
            ],
            Some(1),
        );
        assert!(is_xlsx(&bytes));
        let csv = String::from_utf8(xlsx_as_csv(&bytes).unwrap()).unwrap();
        assert_eq!(
            csv,
            "unit_code,month,received\n01,2021-06,120\nHà Nội,2021-07,7.5\n"
        );
    }

    #[test]
    fn what_is_not_a_workbook_is_an_error_not_a_panic() {
        assert!(!is_xlsx(b"unit_code,month\n"));
        let err = xlsx_as_csv(b"PK\x03\x04 not really a zip").unwrap_err();
        assert!(err.contains("not a readable .xlsx"), "{err}");
    }

    #[test]
    fn a_workbook_that_unpacks_past_the_bound_is_refused_before_unpacking() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..65 {
            zip.write_all(&zeros).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
        let err = xlsx_as_csv(&bytes).unwrap_err();
        assert!(err.contains("unpacks to 65 MiB"), "{err}");
    }
}
