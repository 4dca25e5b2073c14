//! Writing .xlsx workbooks for exports: a header row in bold, frozen, with filters,
//! column widths that fit Chinese text.

use crate::{AppError, AppResult};
use rust_xlsxwriter::{Format, Workbook};

/// One sheet: `headers` then `rows`, all as text (IDs and codes must not turn into
/// numbers in Excel).
pub fn workbook(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    workbook_sheets(&[(sheet, headers, rows)])
}

/// A sheet to write: name, header row, data rows.
pub type Sheet<'a> = (&'a str, &'a [&'a str], &'a [Vec<String>]);

/// Several sheets, each `(name, headers, rows)`.
pub fn workbook_sheets(sheets: &[Sheet<'_>]) -> AppResult<Vec<u8>> {
    let fail = |_| AppError::Refused("export_failed");
    let mut book = Workbook::new();
    // Text cells, so codes keep their leading zeros and 18 digits.
    let text = Format::new().set_num_format("@");
    for (sheet, headers, rows) in sheets {
        add_sheet(&mut book, sheet, headers, rows, &text)?;
    }
    book.save_to_buffer().map_err(fail)
}

fn add_sheet(
    book: &mut Workbook,
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    text: &Format,
) -> AppResult<()> {
    let fail = |_| AppError::Refused("export_failed");
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).map_err(fail)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(display_width(v)).min(60);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64) + 2.0)
            .map_err(fail)?;
        ws.set_column_format(c as u16, text).map_err(fail)?;
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    if !headers.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, headers.len() as u16 - 1)
            .map_err(fail)?;
    }
    Ok(())
}

/// CJK characters take two columns.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) > 0x2E80 { 2 } else { 1 })
        .sum()
}

/// An import's rejected rows as a workbook: row number, the original cells under the
/// file's `headers`, and a column of reasons in the reader's words.
pub fn rejected_rows(
    headers: &[&str],
    report: &crate::enterprises::ImportReport,
    t: &dyn Fn(&str) -> String,
) -> AppResult<Vec<u8>> {
    let mut all: Vec<&str> = vec!["行号"];
    all.extend(headers);
    all.push("错误原因");
    let rows: Vec<Vec<String>> = report
        .rejected_rows
        .iter()
        .map(|(row, cells)| {
            let reasons: Vec<String> = report
                .rejected
                .iter()
                .filter(|p| p.row == *row)
                .map(|p| format!("{}：{}", p.column, t(p.code)))
                .collect();
            let mut out = vec![row.to_string()];
            out.extend(cells.iter().cloned());
            out.resize(headers.len() + 1, String::new());
            out.push(reasons.join("；"));
            out
        })
        .collect();
    workbook("未导入的行", &all, &rows)
}

/// A spreadsheet column: field name, Chinese header, required, maximum length.
pub type Column = (&'static str, &'static str, bool, usize);

/// An import template: the header row (required columns marked `*`), one sample row,
/// and a notes sheet saying for each column whether it is required, its maximum
/// length and how to fill it (`notes` by field name).
pub fn template(
    sheet: &str,
    columns: &[Column],
    sample: Vec<String>,
    notes: &[(&str, &str)],
) -> AppResult<Vec<u8>> {
    let headers: Vec<String> = columns
        .iter()
        .map(|(_, h, req, _)| {
            if *req {
                format!("{h}*")
            } else {
                (*h).to_owned()
            }
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let notes: Vec<Vec<String>> = columns
        .iter()
        .map(|(field, header, req, max)| {
            let note = notes
                .iter()
                .find(|(f, _)| f == field)
                .map_or("", |(_, n)| *n);
            vec![
                (*header).to_owned(),
                if *req { "必填" } else { "选填" }.to_owned(),
                max.to_string(),
                note.to_owned(),
            ]
        })
        .collect();
    workbook_sheets(&[
        (sheet, &headers, &[sample]),
        (
            "填写说明",
            &["列名", "是否必填", "最大长度", "说明"],
            &notes,
        ),
    ])
}
