//! One Parquet file per SQLite table (`documents.parquet`, `tasks.parquet`, …), for DuckDB,
//! Spark and pyarrow.
//!
//! Like [`super::csv`], the files are dumped from the SQLite tables of [`super::sqlite`], so
//! the columns, keys and values are the same. Column types follow the SQLite declarations:
//! `INTEGER` is INT64, `REAL` is DOUBLE, `TEXT` is a UTF-8 string; a `NOT NULL` or key
//! column is REQUIRED, any other OPTIONAL (NULL). Dates stay ISO `YYYY-MM-DD` strings, as in
//! SQLite. Pages are snappy-compressed; each file is written atomically.

use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::sqlite::TABLES;
use super::{write_atomically, ArchiveError};

/// A row group is written once it holds this many bytes of values (documents carry their
/// whole text), so memory stays bounded on any archive.
const ROW_GROUP_BYTES: usize = 64 << 20;

/// The Parquet type of one SQLite column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Text,
}

struct Column {
    name: String,
    kind: Kind,
    required: bool,
}

/// Buffered values of one column for the current row group.
enum Values {
    Integer(Vec<i64>),
    Real(Vec<f64>),
    Text(Vec<ByteArray>),
}

struct Buffer {
    values: Values,
    /// Definition levels of an OPTIONAL column: 1 for a value, 0 for NULL.
    defined: Vec<i16>,
}

/// Writes every table of `conn` to `DIR/<table>.parquet`; returns rows per table.
pub fn export(conn: &Connection, dir: &Path) -> Result<Vec<(&'static str, usize)>, ArchiveError> {
    std::fs::create_dir_all(dir).map_err(|e| ArchiveError::io(dir, e))?;
    let mut counts = Vec::new();
    for table in TABLES {
        let path = dir.join(format!("{table}.parquet"));
        let mut n = 0;
        write_atomically(&path, |file| {
            n = write_table(conn, table, file)?;
            Ok(())
        })?;
        counts.push((table, n));
    }
    Ok(counts)
}

/// The columns of `table` as SQLite declares them.
fn columns(conn: &Connection, table: &str) -> Result<Vec<Column>, ArchiveError> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>("name")?,
            r.get::<_, String>("type")?,
            r.get::<_, bool>("notnull")?,
            r.get::<_, i64>("pk")? > 0,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, declared, not_null, key) = row?;
        let kind = match declared.to_ascii_uppercase().as_str() {
            "INTEGER" => Kind::Integer,
            "REAL" => Kind::Real,
            "TEXT" => Kind::Text,
            other => {
                return Err(ArchiveError::Invalid(format!(
                    "{table}.{name}: no Parquet type for SQLite type {other:?}"
                )))
            }
        };
        out.push(Column {
            name,
            kind,
            required: not_null || key,
        });
    }
    Ok(out)
}

fn schema(table: &str, columns: &[Column]) -> Result<Type, ArchiveError> {
    let mut fields = Vec::with_capacity(columns.len());
    for c in columns {
        let (physical, logical) = match c.kind {
            Kind::Integer => (Physical::INT64, None),
            Kind::Real => (Physical::DOUBLE, None),
            Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
        };
        let repetition = if c.required {
            Repetition::REQUIRED
        } else {
            Repetition::OPTIONAL
        };
        let field = Type::primitive_type_builder(&c.name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()?;
        fields.push(Arc::new(field));
    }
    Ok(Type::group_type_builder(table)
        .with_fields(fields)
        .build()?)
}

fn write_table(
    conn: &Connection,
    table: &str,
    file: &mut std::fs::File,
) -> Result<usize, ArchiveError> {
    let columns = columns(conn, table)?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("vanban {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = SerializedFileWriter::new(
        file,
        Arc::new(schema(table, &columns)?),
        Arc::new(properties),
    )?;
    let mut buffers: Vec<Buffer> = columns.iter().map(|c| Buffer::new(c.kind)).collect();
    let mut buffered_bytes = 0;
    let mut n = 0;
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        for (i, (column, buffer)) in columns.iter().zip(&mut buffers).enumerate() {
            buffered_bytes += buffer.push(row.get_ref(i)?, table, column)?;
        }
        n += 1;
        if buffered_bytes >= ROW_GROUP_BYTES {
            write_row_group(&mut writer, &columns, &mut buffers)?;
            buffered_bytes = 0;
        }
    }
    if buffered_bytes > 0 {
        write_row_group(&mut writer, &columns, &mut buffers)?;
    }
    writer.close()?;
    Ok(n)
}

impl Buffer {
    fn new(kind: Kind) -> Self {
        let values = match kind {
            Kind::Integer => Values::Integer(Vec::new()),
            Kind::Real => Values::Real(Vec::new()),
            Kind::Text => Values::Text(Vec::new()),
        };
        Self {
            values,
            defined: Vec::new(),
        }
    }

    fn clear(&mut self) {
        match &mut self.values {
            Values::Integer(v) => v.clear(),
            Values::Real(v) => v.clear(),
            Values::Text(v) => v.clear(),
        }
        self.defined.clear();
    }

    /// Adds one SQLite value; returns its size in bytes.
    fn push(
        &mut self,
        value: ValueRef<'_>,
        table: &str,
        column: &Column,
    ) -> Result<usize, ArchiveError> {
        let size = match (&mut self.values, value) {
            (_, ValueRef::Null) if column.required => {
                return Err(ArchiveError::Invalid(format!(
                    "{table}.{}: NULL in a NOT NULL column",
                    column.name
                )))
            }
            (_, ValueRef::Null) => {
                self.defined.push(0);
                return Ok(2);
            }
            (Values::Integer(v), ValueRef::Integer(x)) => {
                v.push(x);
                8
            }
            (Values::Real(v), ValueRef::Real(x)) => {
                v.push(x);
                8
            }
            // SQLite stores a whole-valued REAL as given; an INTEGER there is still a number.
            (Values::Real(v), ValueRef::Integer(x)) => {
                v.push(x as f64);
                8
            }
            (Values::Text(v), ValueRef::Text(t)) => {
                v.push(ByteArray::from(t.to_vec()));
                t.len()
            }
            (_, other) => {
                return Err(ArchiveError::Invalid(format!(
                    "{table}.{}: a {:?} value in a {:?} column",
                    column.name,
                    other.data_type(),
                    column.kind
                )))
            }
        };
        self.defined.push(1);
        Ok(size)
    }
}

/// Writes the buffered rows as one row group and empties the buffers.
fn write_row_group(
    writer: &mut SerializedFileWriter<&mut std::fs::File>,
    columns: &[Column],
    buffers: &mut [Buffer],
) -> Result<(), ArchiveError> {
    let mut group = writer.next_row_group()?;
    for (c, buffer) in columns.iter().zip(buffers.iter_mut()) {
        let Some(mut column) = group.next_column()? else {
            return Err(ArchiveError::Invalid(format!(
                "{}: not in the schema",
                c.name
            )));
        };
        let defined = (!c.required).then_some(buffer.defined.as_slice());
        match &buffer.values {
            Values::Integer(v) => column.typed::<Int64Type>().write_batch(v, defined, None)?,
            Values::Real(v) => column.typed::<DoubleType>().write_batch(v, defined, None)?,
            Values::Text(v) => column
                .typed::<ByteArrayType>()
                .write_batch(v, defined, None)?,
        };
        column.close()?;
        buffer.clear();
    }
    group.close()?;
    Ok(())
}
