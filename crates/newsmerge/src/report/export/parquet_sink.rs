//! The cleaned corpus as Parquet: the export record's fields as columns,
//! written a row group of [`ROWS`] records at a time.

use super::ExportRecord;
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::sync::Arc;

/// Records held before they are written as one batch.
const ROWS: usize = 4096;

/// The string columns, in order; then the list columns.
const STRINGS: [(&str, bool); 6] = [
    ("id", false),
    ("text", true),
    ("title", true),
    ("url", true),
    ("date", true),
    ("representative", false),
];
const LISTS: [&str; 4] = [
    "members",
    "sources",
    "truncated_members",
    "paywalled_members",
];

pub(super) struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    held: Vec<ExportRecord>,
}

fn io(e: parquet::errors::ParquetError) -> std::io::Error {
    std::io::Error::other(e)
}

fn schema() -> SchemaRef {
    let item = Field::new("item", DataType::Utf8, true);
    let mut fields: Vec<Field> = STRINGS
        .iter()
        .map(|(name, nullable)| Field::new(*name, DataType::Utf8, *nullable))
        .collect();
    fields.extend(
        LISTS
            .iter()
            .map(|name| Field::new(*name, DataType::List(Arc::new(item.clone())), false)),
    );
    Arc::new(Schema::new(fields))
}

impl<W: Write + Send> ParquetSink<W> {
    pub(super) fn new(w: W) -> std::io::Result<ParquetSink<W>> {
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(4 * ROWS))
            .build();
        let schema = schema();
        let writer = ArrowWriter::try_new(w, schema.clone(), Some(props)).map_err(io)?;
        Ok(ParquetSink {
            writer,
            schema,
            held: Vec::with_capacity(ROWS),
        })
    }

    pub(super) fn push(&mut self, record: ExportRecord) -> std::io::Result<()> {
        self.held.push(record);
        if self.held.len() == ROWS {
            self.write_held()?;
        }
        Ok(())
    }

    fn write_held(&mut self) -> std::io::Result<()> {
        let held = std::mem::take(&mut self.held);
        let strings: [fn(&ExportRecord) -> Option<&str>; 6] = [
            |r| Some(&r.id),
            |r| r.text.as_deref(),
            |r| r.title.as_deref(),
            |r| r.url.as_deref(),
            |r| r.date.as_deref(),
            |r| Some(&r.representative),
        ];
        let lists: [fn(&ExportRecord) -> &Vec<String>; 4] = [
            |r| &r.members,
            |r| &r.sources,
            |r| &r.truncated_members,
            |r| &r.paywalled_members,
        ];
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(STRINGS.len() + LISTS.len());
        for get in strings {
            let mut b = StringBuilder::new();
            held.iter().for_each(|r| b.append_option(get(r)));
            columns.push(Arc::new(b.finish()));
        }
        for get in lists {
            let mut b = ListBuilder::new(StringBuilder::new());
            for r in &held {
                b.values().extend(get(r).iter().map(Some));
                b.append(true);
            }
            columns.push(Arc::new(b.finish()));
        }
        let batch =
            RecordBatch::try_new(self.schema.clone(), columns).map_err(std::io::Error::other)?;
        self.writer.write(&batch).map_err(io)
    }

    pub(super) fn finish(mut self) -> std::io::Result<()> {
        if !self.held.is_empty() {
            self.write_held()?;
        }
        let mut w = self.writer.into_inner().map_err(io)?;
        w.flush()
    }
}
