//! The register sent while it is read: a blocking thread reads it a page at a time and
//! formats each page, and a bounded channel carries the bytes to the response, so a
//! download holds a few pages in memory however many cases it lists.

use std::io::Write;

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::{self, Bytes};
use chrono::NaiveDate;
use chrono_tz::Tz;
use futures_util::Stream;
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::domain::catalog::Catalog;
use crate::export::{RegisterWorkbook, csv_head, csv_lines};
use crate::service::auth::StaffUser;
use crate::service::register::{self, RegisterRow, RegisterSink};
use crate::web::App;

type Chunk = Result<Bytes, std::io::Error>;

/// Chunks in flight between the reading thread and the response.
const IN_FLIGHT: usize = 4;
/// What [`ChannelWriter`] gathers before sending.
const CHUNK_BYTES: usize = 64 * 1024;

fn channel() -> (mpsc::Sender<Chunk>, impl Stream<Item = Chunk> + 'static) {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    (tx, body)
}

/// A writer whose bytes go to the response in chunks (use on a blocking thread).
struct ChannelWriter {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the reader went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

struct CsvSink {
    tx: mpsc::Sender<Chunk>,
    tz: Tz,
}

impl RegisterSink for CsvSink {
    fn page(&mut self, catalog: &Catalog, rows: Vec<RegisterRow>) -> bool {
        let lines = csv_lines(catalog, &rows, self.tz);
        self.tx.blocking_send(Ok(Bytes::from(lines))).is_ok()
    }
}

struct XlsxSink {
    workbook: RegisterWorkbook,
    tz: Tz,
    failed: Option<rust_xlsxwriter::XlsxError>,
}

impl RegisterSink for XlsxSink {
    fn page(&mut self, catalog: &Catalog, rows: Vec<RegisterRow>) -> bool {
        match self.workbook.push(catalog, &rows, self.tz) {
            Ok(()) => true,
            Err(e) => {
                self.failed = Some(e);
                false
            }
        }
    }
}

/// The register from `from` to `to` as a streamed `xlsx` or `csv` download. Who may read
/// it is asked first, so that a refusal is an error page and not a broken file; a failure
/// once it has started ends the download short (the browser says it failed).
pub fn response(
    app: web::Data<App>,
    user: StaffUser,
    format: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HttpResponse, crate::service::ServiceError> {
    register::may_read(&user)?;
    let tz = app.tz;
    let (tx, body) = channel();
    let span = tracing::info_span!("register_download", %from, %to, format);
    let content_type = if format == "xlsx" {
        let workbook =
            RegisterWorkbook::new().map_err(|e| crate::service::ServiceError::Internal(e.to_string()))?;
        let sink = XlsxSink {
            workbook,
            tz,
            failed: None,
        };
        actix_web::rt::spawn(
            async move {
                let outcome = match register::stream(&app, &user, from, to, sink).await {
                    Ok((_, XlsxSink { failed: Some(e), .. })) => Err(e.to_string()),
                    Ok((_, sink)) => {
                        let writer = ChannelWriter {
                            tx: tx.clone(),
                            buf: Vec::with_capacity(CHUNK_BYTES),
                        };
                        web::block(move || finish(sink.workbook, writer))
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|r| r)
                    }
                    Err(e) => Err(e.to_string()),
                };
                if let Err(e) = outcome {
                    tracing::error!(error = %e, "the register download failed");
                    let _ = tx.send(Err(std::io::Error::other(e))).await;
                }
            }
            .instrument(span),
        );
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        let head = Bytes::from(csv_head());
        actix_web::rt::spawn(
            async move {
                let _ = tx.send(Ok(head)).await;
                let sink = CsvSink { tx: tx.clone(), tz };
                if let Err(e) = register::stream(&app, &user, from, to, sink).await {
                    tracing::error!(error = %e, "the register download failed");
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                }
            }
            .instrument(span),
        );
        "text/csv; charset=utf-8"
    };
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!(
            "huiying-register-{from}-{to}.{format}"
        ))],
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((CONTENT_DISPOSITION, disposition))
        .streaming(body))
}

fn finish(workbook: RegisterWorkbook, mut writer: ChannelWriter) -> Result<(), String> {
    workbook.finish(&mut writer).map_err(|e| e.to_string())?;
    writer.flush().map_err(|e| e.to_string())
}
