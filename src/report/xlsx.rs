//! The report's tables as an Excel workbook (rust_xlsxwriter): one sheet for
//! the month's facts, one for the national figures, one per ranking group,
//! one each for lagging units, units not reporting and data quality. Values
//! are numbers with a number format, so the reader's Excel shows them in its
//! own (Vietnamese) separators; a missing value is the text "—", never 0.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::model::{MonthlyReport, Standing};
use super::{hanoi, month_label};
use crate::config::ValueUnit;
use crate::domain::number::MISSING;
use crate::domain::RankingGroup;

/// The sheet of a ranking group; Excel allows 31 characters.
pub fn sheet_name(group: RankingGroup) -> &'static str {
    match group {
        RankingGroup::Province => "Tỉnh, thành phố",
        RankingGroup::MinistryServices => "Bộ, ngành có DVC",
        RankingGroup::MinistryNoServices => "Bộ, ngành không có DVC",
    }
}

/// Writes rows one after another on a sheet.
struct Rows<'a> {
    sheet: &'a mut Worksheet,
    row: u32,
    bold: Format,
}

impl<'a> Rows<'a> {
    fn new(sheet: &'a mut Worksheet, name: &str) -> Result<Self, XlsxError> {
        sheet.set_name(name)?;
        Ok(Self {
            sheet,
            row: 0,
            bold: Format::new().set_bold(),
        })
    }

    fn header(&mut self, names: &[&str]) -> Result<(), XlsxError> {
        for (col, name) in (0u16..).zip(names) {
            self.sheet
                .write_string_with_format(self.row, col, *name, &self.bold)?;
            let width = (name.chars().count() as f64 + 2.0).clamp(8.0, 40.0);
            self.sheet.set_column_width(col, width)?;
        }
        self.sheet.set_freeze_panes(self.row + 1, 0)?;
        self.row += 1;
        Ok(())
    }

    fn text(&mut self, col: u16, text: &str) -> Result<(), XlsxError> {
        self.sheet.write_string(self.row, col, text)?;
        Ok(())
    }

    /// A whole number (a rank, a count of units).
    fn whole(&mut self, col: u16, v: Option<f64>) -> Result<(), XlsxError> {
        self.value(col, v, ValueUnit::Count)
    }

    /// A value in its unit, or "—".
    fn value(&mut self, col: u16, v: Option<f64>, unit: ValueUnit) -> Result<(), XlsxError> {
        match v.filter(|v| v.is_finite()) {
            Some(v) => {
                let format = Format::new().set_num_format(match unit {
                    ValueUnit::Percent => "0.0\"%\"",
                    ValueUnit::Score => "0.0",
                    ValueUnit::Count => "#,##0",
                });
                self.sheet
                    .write_number_with_format(self.row, col, v, &format)?;
            }
            None => {
                self.sheet.write_string(self.row, col, MISSING)?;
            }
        }
        Ok(())
    }

    fn next(&mut self) {
        self.row += 1;
    }
}

/// The workbook as bytes.
pub fn render(report: &MonthlyReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    facts(&mut Rows::new(book.add_worksheet(), "Thông tin")?, report)?;
    national(&mut Rows::new(book.add_worksheet(), "Toàn quốc")?, report)?;
    for (group, columns) in &report.groups {
        let mut rows = Rows::new(book.add_worksheet(), sheet_name(group.group))?;
        let mut names = vec!["Hạng", "Thay đổi", "Mã", "Đơn vị", "Điểm tổng hợp"];
        names.extend(columns.iter().map(|c| c.name.as_str()));
        rows.header(&names)?;
        for u in &group.units {
            rows.whole(0, u.rank.map(f64::from))?;
            match u.rank_change {
                Some(c) => rows.whole(1, Some(c as f64))?,
                None => rows.text(1, "")?,
            }
            rows.text(2, &u.code)?;
            rows.text(3, &u.name)?;
            rows.value(4, u.composite.score, ValueUnit::Score)?;
            for (col, c) in (5u16..).zip(columns) {
                let e = u.evaluations.iter().find(|e| e.indicator == c.code);
                rows.value(col, e.and_then(|e| e.value), c.unit)?;
            }
            rows.next();
        }
    }
    units(
        &mut Rows::new(book.add_worksheet(), "Chưa đạt chỉ tiêu")?,
        report,
        true,
    )?;
    units(
        &mut Rows::new(book.add_worksheet(), "Chưa báo cáo")?,
        report,
        false,
    )?;
    quality(
        &mut Rows::new(book.add_worksheet(), "Chất lượng dữ liệu")?,
        report,
    )?;
    book.save_to_buffer()
}

fn facts(rows: &mut Rows<'_>, report: &MonthlyReport) -> Result<(), XlsxError> {
    let standing = match report.standing {
        Standing::Published { .. } => "Đã công bố (chốt số liệu)",
        Standing::Provisional { .. } => "Tạm tính, chưa chốt",
    };
    let lines = [
        ("Báo cáo tháng", month_label(report.month)),
        ("Tình trạng số liệu", standing.to_string()),
        ("Số liệu tính đến", hanoi(report.standing.as_of())),
        ("Lập lúc", hanoi(report.generated_at)),
    ];
    rows.header(&["Mục", "Nội dung"])?;
    for (label, text) in lines {
        rows.text(0, label)?;
        rows.text(1, &text)?;
        rows.next();
    }
    rows.sheet.set_column_width(1, 40)?;
    Ok(())
}

fn national(rows: &mut Rows<'_>, report: &MonthlyReport) -> Result<(), XlsxError> {
    rows.header(&[
        "Chỉ số",
        "Nhóm",
        "Tỷ lệ chung",
        "Trung bình đơn vị",
        "Chỉ tiêu",
        "Đánh giá",
        "Đơn vị đạt chỉ tiêu",
        "Đơn vị có số liệu",
        "Đơn vị phải báo cáo",
    ])?;
    for line in &report.national {
        let f = &line.figure;
        let unit = line.column.unit;
        rows.text(0, &line.column.name)?;
        rows.text(1, f.group.map_or("Toàn quốc (các nhóm)", |g| g.name_vi()))?;
        rows.value(2, f.pooled, unit)?;
        rows.value(3, f.mean_of_units, unit)?;
        rows.value(4, line.target, unit)?;
        rows.text(
            5,
            match line.meets_target {
                Some(true) => "Đạt",
                Some(false) => "Chưa đạt",
                None => MISSING,
            },
        )?;
        rows.whole(6, Some(line.units_achieved as f64))?;
        rows.whole(7, Some(f.units_with_data as f64))?;
        rows.whole(8, Some(f.units_expected as f64))?;
        rows.next();
    }
    Ok(())
}

fn units(rows: &mut Rows<'_>, report: &MonthlyReport, lagging: bool) -> Result<(), XlsxError> {
    let list = if lagging {
        &report.lagging
    } else {
        &report.not_reported
    };
    rows.header(&[
        "Nhóm",
        "Mã",
        "Đơn vị",
        "Hạng",
        "Chỉ số chưa đạt",
        "Cảnh báo chậm tiến độ",
    ])?;
    for u in list {
        rows.text(0, u.group.name_vi())?;
        rows.text(1, &u.code)?;
        rows.text(2, &u.name)?;
        rows.whole(3, u.rank.map(f64::from))?;
        rows.text(4, &u.behind.join("; "))?;
        rows.text(5, &u.alerted.join("; "))?;
        rows.next();
    }
    Ok(())
}

fn quality(rows: &mut Rows<'_>, report: &MonthlyReport) -> Result<(), XlsxError> {
    let q = &report.quality;
    rows.header(&["Mục", "Giá trị", "Ghi chú"])?;
    let counts = [
        ("Đơn vị phải báo cáo", q.units_due),
        ("Đơn vị đã báo cáo", q.reported),
        ("Báo cáo đúng hạn", q.on_time),
        ("Báo cáo không rõ thời điểm nhận", q.arrival_unknown),
        ("Đơn vị có dữ liệu bị từ chối", q.rejections.len()),
        ("Biến động bất thường cần rà soát", q.outliers.len()),
    ];
    for (label, n) in counts {
        rows.text(0, label)?;
        rows.whole(1, Some(n as f64))?;
        rows.next();
    }
    for (name, r) in &q.rejections {
        rows.text(0, &format!("Từ chối: {name}"))?;
        rows.whole(1, Some(r.payloads as f64))?;
        rows.text(2, &format!("trường '{}': {}", r.last_field, r.last_reason))?;
        rows.next();
    }
    for o in &q.outliers {
        rows.text(0, &format!("Rà soát: {}", o.unit_name))?;
        rows.value(1, Some(o.change()), ValueUnit::Score)?;
        let name = report.indicator_name(&o.indicator);
        rows.text(2, &format!("{name}: thay đổi so với tháng trước"))?;
        rows.next();
    }
    Ok(())
}
