//! Reading records from files: format detection and streaming.
//!
//! Formats are detected from the bytes, never from flags: a zip archive (`PK`), gzip (`1f 8b`,
//! then detection again on what it holds), a JSON array of records, a single record, an API
//! page (`{"studies": [...]}`), or JSON Lines. Within JSON, each record is an API v2 study
//! (it has `protocolSection`) or a benchmark trial_info record (it has `nctid`, or `nct_id` in
//! the normalized trial file's variant of the layout).
//!
//! Everything streams: JSON Lines and arrays are cut into chunks of [`CHUNK`] records, each
//! chunk parsed in parallel, so a 10 GB file needs memory for a few chunks, not the file.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ctgov::Record;
use rayon::prelude::*;
use serde::Serialize;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;

use crate::IngestError;

/// How many records are parsed together (in parallel) and written in one transaction.
pub const CHUNK: usize = 500;

/// Where in an input a record sat, so a person can find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// 1-based line of a JSON Lines file.
    Line(u64),
    /// 1-based position in a JSON array or an API page's `studies`.
    Element(u64),
    /// A file inside a zip archive.
    Entry(String),
    /// The whole file is one record.
    Whole,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Element(n) => write!(f, "record {n}"),
            Place::Entry(name) => write!(f, "entry {name}"),
            Place::Whole => f.write_str("the file"),
        }
    }
}

/// A record that was not accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub file: String,
    pub place: Place,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}: {}", self.file, self.place, self.reason)
    }
}

/// One parsed chunk: accepted records and rejections, in input order.
pub type Chunk = Vec<Result<Record, Rejection>>;

/// Counts the bytes read from the underlying file, for progress reporting.
#[derive(Clone, Default)]
pub struct BytesRead(Arc<AtomicU64>);

impl BytesRead {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct CountingReader<R> {
    inner: R,
    count: BytesRead,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for CountingReader<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Reads every record of `path`, calling `emit` once per chunk. Returns an error only when the
/// file as a whole cannot be read (missing, not JSON at all, a broken archive); a bad record
/// is a [`Rejection`] inside a chunk, and reading goes on.
pub fn read_path(
    path: &Path,
    bytes_read: &BytesRead,
    emit: &mut dyn FnMut(Chunk) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let name = path.display().to_string();
    let io_err = |source: io::Error| IngestError::Io {
        path: name.clone(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut counted = CountingReader {
        inner: file,
        count: bytes_read.clone(),
    };
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut counted, &mut magic).map_err(io_err)?;
    counted.seek(io::SeekFrom::Start(0)).map_err(io_err)?;
    match &magic[..n] {
        [b'P', b'K', 3, 4] => read_zip(&name, counted, emit),
        [0x1f, 0x8b, ..] => {
            let decoder = flate2::read::MultiGzDecoder::new(counted);
            read_json_stream(&name, BufReader::with_capacity(1 << 20, decoder), emit)
        }
        _ => read_json_stream(&name, BufReader::with_capacity(1 << 20, counted), emit),
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn read_zip<R: Read + Seek>(
    name: &str,
    reader: R,
    emit: &mut dyn FnMut(Chunk) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| IngestError::Format {
        path: name.to_string(),
        reason: format!("broken zip archive: {e}"),
    })?;
    let mut pending: Vec<(Place, String)> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| IngestError::Format {
            path: name.to_string(),
            reason: format!("zip entry {i} unreadable: {e}"),
        })?;
        let entry_name = entry.name().to_string();
        if entry.is_dir() || !entry_name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        let mut text = String::new();
        let place = Place::Entry(entry_name);
        if let Err(e) = entry.read_to_string(&mut text) {
            emit(vec![Err(Rejection {
                file: name.to_string(),
                place,
                reason: format!("unreadable: {e}"),
            })])?;
            continue;
        }
        pending.push((place, text));
        if pending.len() == CHUNK {
            emit(parse_documents(name, std::mem::take(&mut pending)))?;
        }
    }
    if !pending.is_empty() {
        emit(parse_documents(name, pending))?;
    }
    Ok(())
}

/// Each zip entry is a whole JSON document: usually one study, possibly an array or a page.
fn parse_documents(name: &str, docs: Vec<(Place, String)>) -> Chunk {
    docs.into_par_iter()
        .flat_map_iter(|(place, text)| match serde_json::from_str::<Value>(&text) {
            Ok(value) => document_records(name, &place, value),
            Err(e) => vec![Err(reject(name, place, format!("not valid JSON: {e}")))],
        })
        .collect()
}

fn document_records(name: &str, place: &Place, value: Value) -> Chunk {
    match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| to_record(name, Place::Element(i as u64 + 1), v))
            .collect(),
        Value::Object(mut map) if map.get("studies").is_some_and(Value::is_array) => {
            let Some(Value::Array(items)) = map.remove("studies") else {
                unreachable!()
            };
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| to_record(name, Place::Element(i as u64 + 1), v))
                .collect()
        }
        other => vec![to_record(name, place.clone(), other)],
    }
}

fn reject(file: &str, place: Place, reason: String) -> Rejection {
    Rejection {
        file: file.to_string(),
        place,
        reason,
    }
}

/// Turns one JSON value into a record of whichever layout it is in.
fn to_record(file: &str, place: Place, value: Value) -> Result<Record, Rejection> {
    let id_hint = |v: &Value| -> Option<String> {
        v.pointer("/protocolSection/identificationModule/nctId")
            .or_else(|| v.get("nctid"))
            .or_else(|| v.get("nct_id"))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    let hint = id_hint(&value);
    let result = if value.get("protocolSection").is_some() {
        Record::from_api_value(value)
    } else if value.get("nctid").is_some() || value.get("nct_id").is_some() {
        Record::from_trial_info_value(value)
    } else if value.is_object() {
        return Err(reject(
            file,
            place,
            "neither an API v2 study (no protocolSection) nor a trial_info record (no nctid or nct_id)".into(),
        ));
    } else {
        return Err(reject(file, place, "expected a JSON object".into()));
    };
    result.map_err(|e| {
        let reason = match hint {
            Some(id) => format!("{id}: {e}"),
            None => e.to_string(),
        };
        reject(file, place, reason)
    })
}

fn read_json_stream<R: BufRead>(
    name: &str,
    mut reader: R,
    emit: &mut dyn FnMut(Chunk) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let io_err = |source: io::Error| IngestError::Io {
        path: name.to_string(),
        source,
    };
    // Skip leading white space (and a UTF-8 byte order mark) to see the first character.
    let first = loop {
        let buf = reader.fill_buf().map_err(io_err)?;
        if buf.is_empty() {
            return Err(IngestError::Format {
                path: name.to_string(),
                reason: "the file is empty".into(),
            });
        }
        let skip = buf
            .iter()
            .position(|b| !(b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF)))
            .unwrap_or(buf.len());
        if skip < buf.len() {
            let first = buf[skip];
            reader.consume(skip);
            break first;
        }
        let len = buf.len();
        reader.consume(len);
    };
    match first {
        b'[' => read_array(name, reader, emit),
        b'{' => read_objects(name, reader, emit),
        other => Err(IngestError::Format {
            path: name.to_string(),
            reason: format!(
                "not JSON, JSON Lines, gzip or zip (it starts with {:?})",
                char::from(other)
            ),
        }),
    }
}

/// `{`-files are JSON Lines when their first line is a complete object; otherwise one
/// document (a study, or an API page).
fn read_objects<R: BufRead>(
    name: &str,
    mut reader: R,
    emit: &mut dyn FnMut(Chunk) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let io_err = |source: io::Error| IngestError::Io {
        path: name.to_string(),
        source,
    };
    let mut first_line = String::new();
    reader.read_line(&mut first_line).map_err(io_err)?;
    if serde_json::from_str::<serde::de::IgnoredAny>(first_line.trim()).is_ok() {
        return read_lines(name, first_line, reader, emit);
    }
    // One document: a single study or an API page. Pages are bounded (≤ 1000 studies).
    let mut text = first_line;
    reader.read_to_string(&mut text).map_err(io_err)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| IngestError::Format {
        path: name.to_string(),
        reason: format!("not valid JSON: {e}"),
    })?;
    let records = document_records(name, &Place::Whole, value);
    for chunk in records.chunks(CHUNK) {
        emit(chunk.to_vec())?;
    }
    Ok(())
}

fn read_lines<R: BufRead>(
    name: &str,
    first_line: String,
    mut reader: R,
    emit: &mut dyn FnMut(Chunk) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let io_err = |source: io::Error| IngestError::Io {
        path: name.to_string(),
        source,
    };
    let mut pending: Vec<(u64, String)> = vec![(1, first_line)];
    let mut line_no = 1u64;
    loop {
        let mut line = String::new();
        let n = match reader.read_line(&mut line) {
            Ok(n) => n,
            // A line that is not UTF-8 is one bad record, not a bad file.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                line_no += 1;
                let mut skipped = Vec::new();
                reader.read_until(b'\n', &mut skipped).map_err(io_err)?;
                emit(vec![Err(reject(
                    name,
                    Place::Line(line_no),
                    "not UTF-8 text".into(),
                ))])?;
                continue;
            }
            Err(e) => return Err(io_err(e)),
        };
        if n == 0 {
            break;
        }
        line_no += 1;
        pending.push((line_no, line));
        if pending.len() == CHUNK {
            emit(parse_lines(name, std::mem::take(&mut pending)))?;
        }
    }
    if !pending.is_empty() {
        emit(parse_lines(name, pending))?;
    }
    Ok(())
}

fn parse_lines(name: &str, lines: Vec<(u64, String)>) -> Chunk {
    lines
        .into_par_iter()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| match serde_json::from_str::<Value>(&line) {
            Ok(value) => to_record(name, Place::Line(n), value),
            Err(e) => Err(reject(name, Place::Line(n), format!("not valid JSON: {e}"))),
        })
        .collect()
}

/// Streams the elements of a top-level JSON array without holding the array in memory.
fn read_array<R: BufRead>(
    name: &str,
    reader: R,
    emit: &mut dyn FnMut(Chunk) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut emit_err = None;
    let sink = ArraySink {
        name,
        emit,
        pending: Vec::new(),
        count: 0,
        emit_err: &mut emit_err,
    };
    let result = serde::Deserializer::deserialize_seq(&mut de, sink);
    if let Some(e) = emit_err {
        return Err(e);
    }
    result.map_err(|e| IngestError::Format {
        path: name.to_string(),
        reason: format!("the JSON array breaks off: {e} (records before that point were read)"),
    })
}

struct ArraySink<'a> {
    name: &'a str,
    emit: &'a mut dyn FnMut(Chunk) -> Result<(), IngestError>,
    pending: Vec<(Place, Value)>,
    count: u64,
    emit_err: &'a mut Option<IngestError>,
}

impl ArraySink<'_> {
    fn flush(&mut self) -> bool {
        let name = self.name;
        let chunk: Chunk = std::mem::take(&mut self.pending)
            .into_par_iter()
            .map(|(place, value)| to_record(name, place, value))
            .collect();
        match (self.emit)(chunk) {
            Ok(()) => true,
            Err(e) => {
                *self.emit_err = Some(e);
                false
            }
        }
    }
}

impl<'de> Visitor<'de> for ArraySink<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of study records")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element_seed(ValueSeed)? {
            self.count += 1;
            self.pending.push((Place::Element(self.count), value));
            if self.pending.len() == CHUNK && !self.flush() {
                return Err(serde::de::Error::custom(
                    "stopped: the store refused a batch",
                ));
            }
        }
        if !self.pending.is_empty() && !self.flush() {
            return Err(serde::de::Error::custom(
                "stopped: the store refused a batch",
            ));
        }
        Ok(())
    }
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }
}
