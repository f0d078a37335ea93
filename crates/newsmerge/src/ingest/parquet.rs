//! Parquet files: one record per row.
//!
//! Each row group is a unit of work of its own (a [`super::Part`]), read
//! with the `parquet` crate's Arrow reader in batches, so a large file is
//! read in parallel and never held whole. A row becomes a JSON object
//! (strings, numbers, booleans, dates, lists and structs) and goes through
//! the same record reading as a JSON Lines line: the same field names,
//! the same checks, the same `meta`. Rows are numbered through the file,
//! so `corpus.parquet#7` is its seventh row whatever its row group.

use super::record::{bad_line, record};
use super::{Entry, Fields};
use arrow_array::cast::AsArray;
use arrow_array::types as t;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;
use serde_json::Value;
use std::fs::File;
use std::path::Path;

/// Rows decoded at a time.
const BATCH_ROWS: usize = 1024;

/// The rows of a Parquet file found by the walk, from its footer; `None`
/// when it has a problem, is not named as Parquet or cannot be opened as
/// Parquet.
pub fn rows_of(found: &super::Found) -> Option<usize> {
    if found.problem.is_some() || super::Format::of(&found.rel) != Some(super::Format::Parquet) {
        return None;
    }
    let file = File::open(&found.path).ok()?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).ok()?;
    let rows = builder.metadata().file_metadata().num_rows();
    usize::try_from(rows).ok()
}

/// The row groups of a Parquet file: for each, the rows before it. `None`
/// when the file cannot be opened as Parquet (it is then read whole, and
/// the reading reports why).
pub(super) fn row_groups(path: &Path) -> Option<Vec<usize>> {
    let file = File::open(path).ok()?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).ok()?;
    let mut before = 0;
    let groups = builder.metadata().row_groups().iter().map(|g| {
        let start = before;
        before += usize::try_from(g.num_rows()).unwrap_or(0);
        start
    });
    Some(groups.collect())
}

/// Reads the rows of one row group (`group`, with `rows_before` rows
/// before it), or of every row group when `group` is `None`.
pub(super) fn read_file(
    (rel, fallback): (&str, &str),
    path: &Path,
    group: Option<(usize, usize)>,
    fields: &Fields,
) -> Vec<Entry> {
    match File::open(path) {
        Ok(file) => read_rows((rel, fallback), file, group, fields),
        Err(e) => {
            let first = group.map_or(0, |(_, before)| before);
            vec![bad_line(
                rel,
                first + 1,
                fallback,
                format!("cannot read file: {e}"),
            )]
        }
    }
}

/// Reads the rows of Parquet data held by `file` (a file, or bytes).
pub(super) fn read_rows<R: ChunkReader + 'static>(
    (rel, fallback): (&str, &str),
    file: R,
    group: Option<(usize, usize)>,
    fields: &Fields,
) -> Vec<Entry> {
    let first = group.map_or(0, |(_, before)| before);
    let fail = |reason: String| vec![bad_line(rel, first + 1, fallback, reason)];
    let builder = match ParquetRecordBatchReaderBuilder::try_new(file) {
        Ok(b) => b.with_batch_size(BATCH_ROWS),
        Err(e) => return fail(format!("not a readable Parquet file: {e}")),
    };
    let builder = match group {
        Some((g, _)) => builder.with_row_groups(vec![g]),
        None => builder,
    };
    let reader = match builder.build() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot read the Parquet rows: {e}")),
    };
    let mut entries = Vec::new();
    for batch in reader {
        let n = first + entries.len();
        match batch {
            Ok(batch) => rows(&batch, (rel, fallback), n, fields, &mut entries),
            Err(e) => {
                entries.push(bad_line(
                    rel,
                    n + 1,
                    fallback,
                    format!("cannot decode Parquet rows from row {}: {e}", n + 1),
                ));
                break;
            }
        }
    }
    if entries.is_empty() && group.is_none() {
        return vec![super::problem_entry(
            rel.to_string(),
            fallback,
            super::Problem::Empty("Parquet file holds no rows".into()),
        )];
    }
    entries
}

fn rows(
    batch: &RecordBatch,
    (rel, fallback): (&str, &str),
    before: usize,
    fields: &Fields,
    entries: &mut Vec<Entry>,
) {
    for row in 0..batch.num_rows() {
        let n = before + row + 1;
        entries.push(record(rel, n, row_object(batch, row), fallback, fields));
    }
}

/// One row of a batch as a JSON object, its columns by name.
fn row_object(batch: &RecordBatch, row: usize) -> Value {
    let schema = batch.schema();
    let columns = schema.fields().iter().zip(batch.columns());
    let map = columns.map(|(field, column)| (field.name().clone(), value(column.as_ref(), row)));
    Value::Object(map.collect())
}

/// The entries of Parquet rows read by another program (a cluster's
/// Parquet reader) and handed over as Arrow IPC stream bytes, with each
/// row's file and row number (1-based) in it: what [`super::read`] reads
/// from those rows.
pub fn ipc_rows(
    ipc: &[u8],
    rows: &[(String, usize)],
    fields: &Fields,
) -> Result<Vec<Entry>, String> {
    let reader = arrow_ipc::reader::StreamReader::try_new(ipc, None)
        .map_err(|e| format!("not an Arrow IPC stream: {e}"))?;
    let mut entries = Vec::with_capacity(rows.len());
    for batch in reader {
        let batch = batch.map_err(|e| format!("cannot decode the Arrow rows: {e}"))?;
        for row in 0..batch.num_rows() {
            let Some((rel, n)) = rows.get(entries.len()) else {
                return Err(format!("more rows than the {} numbered", rows.len()));
            };
            let fallback = super::source_of_path(rel);
            entries.push(record(rel, *n, row_object(&batch, row), &fallback, fields));
        }
    }
    if entries.len() != rows.len() {
        return Err(format!(
            "{} rows for {} numbered",
            entries.len(),
            rows.len()
        ));
    }
    Ok(entries)
}

/// One value of an Arrow array as JSON. Types with no plain JSON form
/// (binary, decimals, intervals, maps, ...) are null.
pub(super) fn value(array: &dyn Array, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).into(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).into(),
        DataType::Utf8View => array.as_string_view().value(row).into(),
        DataType::Boolean => array.as_boolean().value(row).into(),
        DataType::Int8 => array.as_primitive::<t::Int8Type>().value(row).into(),
        DataType::Int16 => array.as_primitive::<t::Int16Type>().value(row).into(),
        DataType::Int32 => array.as_primitive::<t::Int32Type>().value(row).into(),
        DataType::Int64 => array.as_primitive::<t::Int64Type>().value(row).into(),
        DataType::UInt8 => array.as_primitive::<t::UInt8Type>().value(row).into(),
        DataType::UInt16 => array.as_primitive::<t::UInt16Type>().value(row).into(),
        DataType::UInt32 => array.as_primitive::<t::UInt32Type>().value(row).into(),
        DataType::UInt64 => array.as_primitive::<t::UInt64Type>().value(row).into(),
        DataType::Float32 => array.as_primitive::<t::Float32Type>().value(row).into(),
        DataType::Float64 => array.as_primitive::<t::Float64Type>().value(row).into(),
        DataType::Date32 => days(array.as_primitive::<t::Date32Type>().value(row)),
        DataType::Timestamp(unit, _) => timestamp(array, *unit, row),
        DataType::List(_) => list(array.as_list::<i32>().value(row).as_ref()),
        DataType::LargeList(_) => list(array.as_list::<i64>().value(row).as_ref()),
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let map = fields
                .iter()
                .zip(s.columns())
                .map(|(f, c)| (f.name().clone(), value(c.as_ref(), row)))
                .collect();
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

fn list(items: &dyn Array) -> Value {
    Value::Array((0..items.len()).map(|i| value(items, i)).collect())
}

fn days(d: i32) -> Value {
    arrow_array::temporal_conversions::date32_to_datetime(d)
        .map_or(Value::Null, |dt| dt.date().to_string().into())
}

fn timestamp(array: &dyn Array, unit: TimeUnit, row: usize) -> Value {
    use arrow_array::temporal_conversions as tc;
    let dt = match unit {
        TimeUnit::Second => {
            tc::timestamp_s_to_datetime(array.as_primitive::<t::TimestampSecondType>().value(row))
        }
        TimeUnit::Millisecond => tc::timestamp_ms_to_datetime(
            array
                .as_primitive::<t::TimestampMillisecondType>()
                .value(row),
        ),
        TimeUnit::Microsecond => tc::timestamp_us_to_datetime(
            array
                .as_primitive::<t::TimestampMicrosecondType>()
                .value(row),
        ),
        TimeUnit::Nanosecond => tc::timestamp_ns_to_datetime(
            array
                .as_primitive::<t::TimestampNanosecondType>()
                .value(row),
        ),
    };
    dt.map_or(Value::Null, |dt| {
        dt.format("%Y-%m-%dT%H:%M:%S").to_string().into()
    })
}
