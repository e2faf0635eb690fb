//! Uploaded evidence: photos (JPEG, PNG) and PDF. The type comes from the content, never
//! from the name or the declared type, and photos lose the metadata that can say where
//! and when they were taken (EXIF, XMP, text chunks) before they are stored. A JPEG keeps
//! its orientation, rewritten as the only EXIF field, so phone photos still stand upright.

/// Each file at most this large.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// A case holds at most this many files.
pub const MAX_FILES: usize = 5;
/// Stored names are cut to this many characters.
const NAME_CHARS: usize = 80;

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
}

impl UploadError {
    /// The message key.
    pub fn key(self) -> &'static str {
        match self {
            UploadError::TooLarge => "err.file_too_large",
            UploadError::Unsupported => "err.file_type",
            UploadError::Damaged => "err.file_damaged",
            UploadError::Empty => "err.file_empty",
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

/// Checks an upload and returns what to store: photos without their metadata.
pub fn clean(bytes: &[u8]) -> Result<(Kind, Vec<u8>), UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(UploadError::TooLarge);
    }
    let kind = sniff(bytes).ok_or(UploadError::Unsupported)?;
    let cleaned = match kind {
        Kind::Jpeg => strip_jpeg(bytes)?,
        Kind::Png => strip_png(bytes)?,
        Kind::Pdf => bytes.to_vec(),
    };
    Ok((kind, cleaned))
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
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(NAME_CHARS)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "file" } else { stem };
    format!("{stem}.{}", kind.extension())
}

fn be16(bytes: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]) as usize)
}

/// Rewrites a JPEG without APPn segments (EXIF, XMP, IPTC …) and comments, keeping the
/// JFIF header, the colour profile (APP2) and Adobe's colour transform (APP14).
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, UploadError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut orientation = None;
    // Where the orientation goes: after the JFIF header if there is one, else after SOI.
    let mut insert_at = 2;
    let mut at = 2;
    loop {
        if *bytes.get(at).ok_or(UploadError::Damaged)? != 0xFF {
            return Err(UploadError::Damaged);
        }
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1).ok_or(UploadError::Damaged)?;
        match marker {
            // End of image, or the start of the image data: the rest is copied as is.
            0xD9 | 0xDA => {
                out.extend_from_slice(&bytes[at..]);
                if let Some(o) = orientation {
                    out.splice(insert_at..insert_at, orientation_segment(o));
                }
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&bytes[at..at + 2]);
                at += 2;
            }
            _ => {
                let length = be16(bytes, at + 2).ok_or(UploadError::Damaged)?;
                let end = at + 2 + length;
                if length < 2 || end > bytes.len() {
                    return Err(UploadError::Damaged);
                }
                let segment = &bytes[at..end];
                match marker {
                    0xE1 => orientation = orientation.or_else(|| exif_orientation(&segment[4..])),
                    0xE3..=0xED | 0xEF | 0xFE => {}
                    _ => {
                        out.extend_from_slice(segment);
                        if marker == 0xE0 && insert_at == 2 {
                            insert_at = out.len();
                        }
                    }
                }
                at = end;
            }
        }
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

/// Rewrites a PNG without its EXIF, text and time chunks.
fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, UploadError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    let mut at = 8;
    while at < bytes.len() {
        let length = bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or(UploadError::Damaged)?;
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(length))
            .filter(|end| *end <= bytes.len())
            .ok_or(UploadError::Damaged)?;
        let kind = &bytes[at + 4..at + 8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
    Err(UploadError::Damaged)
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
