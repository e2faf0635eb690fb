//! Uploaded evidence: photos (JPEG, PNG) and PDF. The type comes from the content, never
//! from the name or the declared type, and photos keep only what the picture needs before
//! they are stored: a JPEG up to its end-of-image marker, without EXIF, XMP, comments or
//! other application segments (its orientation is rewritten as the only EXIF field, so
//! phone photos still stand upright); a PNG's critical chunks and a small allow-list of
//! colour chunks, up to IEND. Whatever follows the image (a phone's motion-photo video, a
//! second JPEG with GPS, an HTML trailer) is dropped.
//!
//! Cleaning streams from a reader to a writer with small buffers, so a 10 MB photo never
//! sits in memory whole.

use std::io::{self, BufRead, Read, Write};

/// Each file at most this large.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// A case holds at most this many files.
pub const MAX_FILES: usize = 5;
/// Stored names are cut to this many characters.
const NAME_CHARS: usize = 80;
/// A PNG may declare at most this many pixels (decoding more would take gigabytes).
pub const MAX_PIXELS: u64 = 100_000_000;
/// The segments of a JPEG before its image data, kept in memory to place the orientation.
const MAX_JPEG_HEADER: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Pdf,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Pdf => "pdf",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Kind> {
        [Kind::Jpeg, Kind::Png, Kind::Pdf]
            .into_iter()
            .find(|k| k.mime() == mime)
    }

    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than allowed")]
    TooLarge,
    #[error("the content is not a JPEG, PNG or PDF")]
    Unsupported,
    #[error("the file is damaged")]
    Damaged,
    #[error("the file is empty")]
    Empty,
    #[error("the image has more pixels than allowed")]
    TooManyPixels,
    #[error("the file name holds invisible characters that can disguise it")]
    DisguisedName,
    /// All the files together pass what one case may take.
    #[error("the upload is larger than allowed")]
    TooMuchAtOnce,
    /// More parts, or a longer text field, than an upload form has.
    #[error("the upload has more parts than a form sends")]
    TooManyParts,
}

impl UploadError {
    /// The message key.
    pub fn key(self) -> &'static str {
        match self {
            UploadError::TooLarge => "err.file_too_large",
            UploadError::Unsupported => "err.file_type",
            UploadError::Damaged => "err.file_damaged",
            UploadError::Empty => "err.file_empty",
            UploadError::TooManyPixels => "err.file_pixels",
            UploadError::DisguisedName => "err.file_name",
            UploadError::TooMuchAtOnce => "err.upload_too_large",
            UploadError::TooManyParts => "err.upload_parts",
        }
    }
}

/// What the content is, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// Why cleaning stopped: the file is refused, or reading or writing failed.
#[derive(Debug, thiserror::Error)]
pub enum CleanError {
    #[error(transparent)]
    Refused(#[from] UploadError),
    #[error("i/o: {0}")]
    Io(io::Error),
}

impl From<io::Error> for CleanError {
    fn from(e: io::Error) -> Self {
        // A file that ends too soon is a damaged file, not a broken disk.
        if e.kind() == io::ErrorKind::UnexpectedEof {
            CleanError::Refused(UploadError::Damaged)
        } else {
            CleanError::Io(e)
        }
    }
}

/// Checks an upload as it streams from `input` and writes what to store to `output`.
pub fn clean_into(input: impl Read, output: &mut impl Write) -> Result<Kind, CleanError> {
    let mut input = io::BufReader::with_capacity(64 * 1024, input);
    let head = input.fill_buf()?;
    if head.is_empty() {
        return Err(UploadError::Empty.into());
    }
    let mut sniffed = [0u8; 8];
    let available = head.len().min(8);
    sniffed[..available].copy_from_slice(&head[..available]);
    // A very short first read cannot be judged; take the bytes one by one then.
    let mut filled = available;
    let mut prefix = Vec::new();
    if filled < 8 {
        prefix.extend_from_slice(&sniffed[..filled]);
        input.consume(filled);
        while filled < 8 {
            let mut byte = [0u8; 1];
            if input.read(&mut byte)? == 0 {
                break;
            }
            sniffed[filled] = byte[0];
            prefix.push(byte[0]);
            filled += 1;
        }
    }
    let kind = sniff(&sniffed[..filled]).ok_or(UploadError::Unsupported)?;
    let mut input = io::BufReader::new(io::Cursor::new(prefix).chain(input));
    match kind {
        Kind::Jpeg => strip_jpeg(&mut input, output)?,
        Kind::Png => strip_png(&mut input, output)?,
        Kind::Pdf => {
            io::copy(&mut input, output)?;
        }
    }
    Ok(kind)
}

/// Checks an upload held in memory and returns what to store (tests, small files).
pub fn clean(bytes: &[u8]) -> Result<(Kind, Vec<u8>), UploadError> {
    if bytes.len() > MAX_BYTES {
        return Err(UploadError::TooLarge);
    }
    let mut out = Vec::with_capacity(bytes.len());
    match clean_into(bytes, &mut out) {
        Ok(kind) => Ok((kind, out)),
        Err(CleanError::Refused(e)) => Err(e),
        Err(CleanError::Io(_)) => Err(UploadError::Damaged),
    }
}

/// Whether a file name holds characters that can make it read as something else
/// (`photo\u{202E}gpj.exe` shows as `photoexe.jpg`) or break it across lines: such a
/// name is refused rather than silently changed.
pub fn disguised_name(raw: &str) -> bool {
    raw.chars()
        .any(|c| super::text::is_invisible_control(c) || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// The name to show: the base name without control characters or path parts, cut short,
/// with the extension of what the content really is.
pub fn display_name(raw: &str, kind: Kind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control() && !super::text::is_invisible_control(*c))
        .filter(|c| {
            !matches!(
                c,
                '"' | '<' | '>' | ':' | '|' | '?' | '*' | '\u{2028}' | '\u{2029}'
            )
        })
        .take(NAME_CHARS)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "file" } else { stem };
    format!("{stem}.{}", kind.extension())
}

/// Reads a big-endian u16.
fn read_u16(input: &mut impl Read) -> io::Result<u16> {
    let mut b = [0u8; 2];
    input.read_exact(&mut b)?;
    Ok(u16::from_be_bytes(b))
}

fn read_byte(input: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8; 1];
    input.read_exact(&mut b)?;
    Ok(b[0])
}

/// Skips `n` bytes.
fn skip(input: &mut impl Read, n: u64) -> io::Result<()> {
    let skipped = io::copy(&mut input.take(n), &mut io::sink())?;
    if skipped < n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Copies `n` bytes.
fn copy_exact(input: &mut impl Read, output: &mut impl Write, n: u64) -> Result<(), CleanError> {
    let copied = io::copy(&mut input.take(n), output)?;
    if copied < n {
        return Err(UploadError::Damaged.into());
    }
    Ok(())
}

/// Whether a JPEG segment is kept: the JFIF header (APP0), the colour profile (APP2),
/// Adobe's colour transform (APP14) and everything that is not an application segment or
/// a comment. EXIF and XMP (APP1), IPTC (APP13), the rest and comments go.
fn keep_jpeg_segment(marker: u8) -> bool {
    !matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE)
}

/// Rewrites a JPEG: segments filtered, the orientation kept, the image data copied up to
/// the end-of-image marker and nothing after it.
fn strip_jpeg(input: &mut impl BufRead, output: &mut impl Write) -> Result<(), CleanError> {
    if read_u16(input)? != 0xFFD8 {
        return Err(UploadError::Damaged.into());
    }
    // Everything before the first scan, so the orientation can go after the JFIF header.
    let mut header = vec![0xFF, 0xD8];
    let mut orientation = None;
    let mut insert_at = 2;
    let mut in_header = true;
    // The marker that ended a scan, already read.
    let mut pending = None;
    loop {
        let marker = match pending.take() {
            Some(code) => code,
            None => {
                // A marker: 0xFF, any fill bytes, then its code.
                if read_byte(input)? != 0xFF {
                    return Err(UploadError::Damaged.into());
                }
                let mut code = read_byte(input)?;
                while code == 0xFF {
                    code = read_byte(input)?;
                }
                code
            }
        };
        match marker {
            0xD9 => {
                let out: &mut dyn Write = if in_header { &mut header } else { output };
                out.write_all(&[0xFF, 0xD9])?;
                if in_header {
                    finish_header(&mut header, orientation, insert_at);
                    output.write_all(&header)?;
                }
                return Ok(());
            }
            0x01 | 0xD0..=0xD7 => {
                let out: &mut dyn Write = if in_header { &mut header } else { output };
                out.write_all(&[0xFF, marker])?;
            }
            _ => {
                let length = read_u16(input)?;
                if length < 2 {
                    return Err(UploadError::Damaged.into());
                }
                let mut segment = vec![0xFF, marker];
                segment.extend_from_slice(&length.to_be_bytes());
                let start = segment.len();
                segment.resize(start + usize::from(length) - 2, 0);
                input.read_exact(&mut segment[start..])?;
                if marker == 0xE1 {
                    orientation = orientation.or_else(|| exif_orientation(&segment[4..]));
                } else if keep_jpeg_segment(marker) {
                    if in_header {
                        header.extend_from_slice(&segment);
                        if marker == 0xE0 && insert_at == 2 {
                            insert_at = header.len();
                        }
                        if header.len() > MAX_JPEG_HEADER {
                            return Err(UploadError::Damaged.into());
                        }
                    } else {
                        output.write_all(&segment)?;
                    }
                }
                if marker == 0xDA {
                    if in_header {
                        finish_header(&mut header, orientation, insert_at);
                        output.write_all(&header)?;
                        in_header = false;
                    }
                    pending = Some(copy_scan(input, output)?);
                }
            }
        }
    }
}

fn finish_header(header: &mut Vec<u8>, orientation: Option<u16>, insert_at: usize) {
    if let Some(o) = orientation {
        header.splice(insert_at..insert_at, orientation_segment(o));
    }
}

/// Copies entropy-coded data up to the next marker that is not a restart marker or a
/// stuffed byte; returns that marker's code (its 0xFF and the code are consumed).
fn copy_scan(input: &mut impl BufRead, output: &mut impl Write) -> Result<u8, CleanError> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Err(UploadError::Damaged.into());
        }
        let Some(ff) = buf.iter().position(|b| *b == 0xFF) else {
            let n = buf.len();
            output.write_all(buf)?;
            input.consume(n);
            continue;
        };
        output.write_all(&buf[..ff])?;
        input.consume(ff + 1);
        let mut code = read_byte(input)?;
        if code == 0x00 || (0xD0..=0xD7).contains(&code) {
            output.write_all(&[0xFF, code])?;
            continue;
        }
        while code == 0xFF {
            code = read_byte(input)?;
        }
        return Ok(code);
    }
}

/// The Orientation field (1–8) of an EXIF APP1 payload, if it has one other than 1.
fn exif_orientation(payload: &[u8]) -> Option<u16> {
    let tiff = payload.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..4)? {
        b"MM\0*" => true,
        b"II*\0" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = [*tiff.get(at)?, *tiff.get(at + 1)?];
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = [
            *tiff.get(at)?,
            *tiff.get(at + 1)?,
            *tiff.get(at + 2)?,
            *tiff.get(at + 3)?,
        ];
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    (0..count.min(512)).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3)
            .then(|| u16_at(entry + 8))
            .flatten()
            .filter(|o| (2..=8).contains(o))
    })
}

/// An APP1 segment whose EXIF holds the orientation and nothing else.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let mut payload = Vec::with_capacity(32);
    payload.extend_from_slice(b"Exif\0\0MM\0*\0\0\0\x08");
    payload.extend_from_slice(&1u16.to_be_bytes());
    payload.extend_from_slice(&0x0112u16.to_be_bytes());
    payload.extend_from_slice(&3u16.to_be_bytes());
    payload.extend_from_slice(&1u32.to_be_bytes());
    payload.extend_from_slice(&orientation.to_be_bytes());
    payload.extend_from_slice(&[0, 0]);
    payload.extend_from_slice(&0u32.to_be_bytes());
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&payload);
    segment
}

/// PNG chunks kept besides the critical ones: transparency and colour, nothing that can
/// hold text, time or place.
const PNG_KEPT: [&[u8; 4]; 8] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD",
];

/// Rewrites a PNG: its header checked (at most [`MAX_PIXELS`]), the critical chunks and
/// [`PNG_KEPT`] copied up to IEND, everything else (text, EXIF, time, unknown chunks, a
/// trailer) dropped.
fn strip_png(input: &mut impl BufRead, output: &mut impl Write) -> Result<(), CleanError> {
    let mut signature = [0u8; 8];
    input.read_exact(&mut signature)?;
    output.write_all(&signature)?;
    let mut first = true;
    loop {
        let mut head = [0u8; 8];
        input.read_exact(&mut head)?;
        let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        if length > 0x7FFF_FFFF {
            return Err(UploadError::Damaged.into());
        }
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        if first {
            if &kind != b"IHDR" || length != 13 {
                return Err(UploadError::Damaged.into());
            }
            let mut ihdr = [0u8; 17];
            input.read_exact(&mut ihdr)?;
            let width = u64::from(u32::from_be_bytes([ihdr[0], ihdr[1], ihdr[2], ihdr[3]]));
            let height = u64::from(u32::from_be_bytes([ihdr[4], ihdr[5], ihdr[6], ihdr[7]]));
            if width == 0 || height == 0 {
                return Err(UploadError::Damaged.into());
            }
            if width * height > MAX_PIXELS {
                return Err(UploadError::TooManyPixels.into());
            }
            output.write_all(&head)?;
            output.write_all(&ihdr)?;
            first = false;
            continue;
        }
        let data_and_crc = u64::from(length) + 4;
        if matches!(&kind, b"PLTE" | b"IDAT" | b"IEND") || PNG_KEPT.contains(&&kind) {
            output.write_all(&head)?;
            copy_exact(input, output, data_and_crc)?;
        } else {
            skip(input, data_and_crc)?;
        }
        if &kind == b"IEND" {
            return Ok(());
        }
    }
}

#[doc(hidden)]
pub mod fixtures {
    //! Small real-format files, for the tests here and in `tests/`.

    /// An APP1 EXIF segment with Orientation 6 (little-endian) and a GPS pointer.
    pub fn exif_segment() -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&0x0112u16.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&6u16.to_le_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&0x8825u16.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&38u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(b"GPS 30.5N 114.3E");
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(&tiff);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        segment.extend_from_slice(&payload);
        segment
    }

    /// A JPEG-shaped file: SOI, JFIF, EXIF (with location), a comment, a frame header,
    /// scan data, EOI.
    pub fn jpeg_with_location() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        out.extend_from_slice(&exif_segment());
        out.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x0B]);
        out.extend_from_slice(b"Shot here");
        out.extend_from_slice(&[
            0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
        ]);
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        out.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56]);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    /// What phones append after a photo: a motion photo's video (an MP4 with a location
    /// atom), a second JPEG with GPS EXIF, or an HTML trailer.
    pub fn jpeg_with_trailers() -> Vec<u8> {
        let mut out = jpeg_with_location();
        out.extend_from_slice(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x14\xa9xyz+30.5+114.3/");
        out.extend_from_slice(&jpeg_with_location());
        out.extend_from_slice(b"<html><script>alert(1)</script></html>");
        out
    }

    /// A progressive-style JPEG: two scans with a table between them, restart markers and
    /// stuffed bytes in the data.
    pub fn jpeg_with_two_scans() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        out.extend_from_slice(&[
            0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
        ]);
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        out.extend_from_slice(&[0x01, 0xFF, 0x00, 0x02, 0xFF, 0xD0, 0x03]);
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x05, 0x10, 0x00, 0x00]);
        out.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x06, b'h', b'i', b'd', b'e']);
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        out.extend_from_slice(&[0x04, 0x05, 0xFF, 0x00]);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    /// A PNG with chunks no viewer needs (a private text chunk, an unknown one) and a trailer.
    pub fn png_with_private_chunks() -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(chunk(b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]));
        out.extend(chunk(b"sRGB", &[0]));
        out.extend(chunk(b"prVt", b"GPS 30.5N 114.3E"));
        out.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00]));
        out.extend(chunk(b"zzZz", b"owner: Zhang San"));
        out.extend(chunk(b"IEND", &[]));
        out.extend_from_slice(b"PK\x03\x04 a zip with more photos");
        out
    }

    /// A PNG whose header declares `width` x `height` pixels.
    pub fn png_of_size(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(chunk(b"IHDR", &ihdr));
        out.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00]));
        out.extend(chunk(b"IEND", &[]));
        out
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out
    }

    /// A PNG-shaped file with a text chunk and an eXIf chunk.
    pub fn png_with_text() -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        out.extend(chunk(b"tEXt", b"Location\0Taoxi village"));
        out.extend(chunk(b"eXIf", b"MM\0*GPS"));
        out.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00]));
        out.extend(chunk(b"IEND", &[]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(sniff(&jpeg_with_location()), Some(Kind::Jpeg));
        assert_eq!(sniff(&png_with_text()), Some(Kind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(Kind::Pdf));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0 renamed to photo.jpg"), None);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), None);
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(clean(b"MZ\x90\0").unwrap_err(), UploadError::Unsupported);
        assert_eq!(clean(b"").unwrap_err(), UploadError::Empty);
    }

    #[test]
    fn a_jpeg_loses_its_exif_and_comment_but_keeps_its_orientation_and_image() {
        let original = jpeg_with_location();
        assert!(contains(&original, b"GPS 30.5N"));
        let (kind, cleaned) = clean(&original).unwrap();
        assert_eq!(kind, Kind::Jpeg);
        assert!(!contains(&cleaned, b"GPS"), "location gone");
        assert!(!contains(&cleaned, b"Shot here"), "comment gone");
        assert!(contains(&cleaned, b"JFIF"), "JFIF kept");
        let exif = cleaned
            .windows(6)
            .position(|w| w == b"Exif\0\0")
            .expect("orientation kept");
        assert_eq!(exif_orientation(&cleaned[exif..]), Some(6));
        let jfif = cleaned.windows(4).position(|w| w == b"JFIF").unwrap();
        assert!(jfif < exif, "after the JFIF header");
        assert!(
            cleaned.ends_with(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]),
            "scan data intact"
        );
        // The result is clean already: cleaning again changes nothing.
        assert_eq!(clean(&cleaned).unwrap().1, cleaned);
    }

    #[test]
    fn a_png_loses_text_and_exif_chunks() {
        let (kind, cleaned) = clean(&png_with_text()).unwrap();
        assert_eq!(kind, Kind::Png);
        assert!(!contains(&cleaned, b"Taoxi") && !contains(&cleaned, b"eXIf"));
        assert!(contains(&cleaned, b"IHDR") && contains(&cleaned, b"IDAT") && contains(&cleaned, b"IEND"));
    }

    /// Hands out one byte per read, so every marker straddles a buffer edge.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn clean_trickled(bytes: &[u8]) -> (Kind, Vec<u8>) {
        let mut out = Vec::new();
        let kind = clean_into(Trickle(bytes), &mut out).unwrap();
        (kind, out)
    }

    #[test]
    fn whatever_follows_a_jpeg_is_dropped() {
        let (kind, cleaned) = clean(&jpeg_with_trailers()).unwrap();
        assert_eq!(kind, Kind::Jpeg);
        assert!(cleaned.ends_with(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]));
        for trailer in [&b"ftyp"[..], b"xyz", b"GPS", b"<html", b"Shot here"] {
            assert!(
                !contains(&cleaned, trailer),
                "{:?} kept",
                String::from_utf8_lossy(trailer)
            );
        }
        assert_eq!(
            clean(&jpeg_with_location()).unwrap().1,
            cleaned,
            "as if it were not there"
        );
    }

    #[test]
    fn every_scan_of_a_progressive_jpeg_is_kept_and_comments_between_them_go() {
        let original = jpeg_with_two_scans();
        let (_, cleaned) = clean(&original).unwrap();
        let comment = [0xFF, 0xFE, 0x00, 0x06, b'h', b'i', b'd', b'e'];
        let mut expected = original.clone();
        let at = expected
            .windows(comment.len())
            .position(|w| w == comment)
            .unwrap();
        expected.drain(at..at + comment.len());
        assert_eq!(cleaned, expected);
    }

    #[test]
    fn cleaning_does_not_depend_on_how_the_bytes_arrive() {
        for file in [
            jpeg_with_location(),
            jpeg_with_trailers(),
            jpeg_with_two_scans(),
            png_with_private_chunks(),
        ] {
            assert_eq!(clean_trickled(&file).1, clean(&file).unwrap().1);
        }
    }

    #[test]
    fn a_png_keeps_its_image_chunks_only_and_nothing_after_iend() {
        let (_, cleaned) = clean(&png_with_private_chunks()).unwrap();
        for gone in [&b"prVt"[..], b"GPS", b"zzZz", b"Zhang", b"PK\x03\x04"] {
            assert!(
                !contains(&cleaned, gone),
                "{:?} kept",
                String::from_utf8_lossy(gone)
            );
        }
        for kept in [&b"IHDR"[..], b"sRGB", b"IDAT"] {
            assert!(contains(&cleaned, kept));
        }
        assert!(cleaned.ends_with(b"IEND\0\0\0\0"));
    }

    #[test]
    fn a_png_declaring_more_than_a_hundred_megapixels_is_refused() {
        assert_eq!(
            clean(&png_of_size(10_001, 10_000)).unwrap_err(),
            UploadError::TooManyPixels
        );
        assert_eq!(
            clean(&png_of_size(u32::MAX, u32::MAX)).unwrap_err(),
            UploadError::TooManyPixels
        );
        assert!(clean(&png_of_size(10_000, 10_000)).is_ok());
        assert_eq!(clean(&png_of_size(0, 10)).unwrap_err(), UploadError::Damaged);
    }

    #[test]
    fn names_that_disguise_themselves_are_told_apart() {
        assert!(disguised_name("photo\u{202E}gpj.exe"));
        assert!(disguised_name("a\u{2066}b.jpg"));
        assert!(disguised_name("两行\u{2028}名字.png"));
        assert!(!disguised_name("现场照片 (1).jpg"));
    }

    #[test]
    fn truncated_images_are_refused() {
        let jpeg = jpeg_with_location();
        assert_eq!(clean(&jpeg[..30]).unwrap_err(), UploadError::Damaged);
        let png = png_with_text();
        assert_eq!(clean(&png[..40]).unwrap_err(), UploadError::Damaged);
    }

    #[test]
    fn too_large_is_refused_before_anything_else() {
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert_eq!(clean(&big).unwrap_err(), UploadError::TooLarge);
    }

    #[test]
    fn names_are_cleaned_and_get_the_real_extension() {
        assert_eq!(
            display_name("C:\\Users\\张三\\现场照片.JPG", Kind::Jpeg),
            "现场照片.jpg"
        );
        assert_eq!(display_name("../../etc/passwd", Kind::Pdf), "passwd.pdf");
        assert_eq!(display_name("virus.exe", Kind::Png), "virus.png");
        assert_eq!(display_name("", Kind::Pdf), "file.pdf");
        assert_eq!(display_name("a\u{0}b<c>.png", Kind::Png), "abc.png");
        let long = "照".repeat(200);
        assert_eq!(display_name(&long, Kind::Jpeg).chars().count(), 84);
    }
}
