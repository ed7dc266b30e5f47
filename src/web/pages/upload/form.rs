//! Reading the upload form (multipart/form-data): the CSRF token and one
//! file, each bounded; anything past the bounds is refused, never buffered.

use actix_multipart::Multipart;
use futures::StreamExt;

/// A unit's monthly file is a few hundred kilobytes (2,000 services of 100
/// bytes); 4 MiB leaves room and bounds what one request can make us hold.
pub const MAX_UPLOAD_BYTES: usize = 4 << 20;

/// The longest file name kept.
const MAX_NAME_CHARS: usize = 200;

/// The form's other fields are short tokens.
const MAX_FIELD_BYTES: usize = 1_024;

#[derive(Debug, Default)]
pub struct Sent {
    pub csrf: Option<String>,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub has_file: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("the file is larger than {} MiB", MAX_UPLOAD_BYTES >> 20)]
    TooLarge,
    #[error("field '{0}' is longer than {MAX_FIELD_BYTES} bytes")]
    FieldTooLong(String),
    #[error("the form cannot be read: {0}")]
    Malformed(String),
}

/// Reads the form's fields `csrf` and `file`; other fields are skipped.
pub async fn read(mut payload: Multipart) -> Result<Sent, FormError> {
    let mut sent = Sent::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| FormError::Malformed(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_string();
        let limit = if name == "file" {
            let file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default();
            sent.file_name = file_name.chars().take(MAX_NAME_CHARS).collect();
            sent.has_file = true;
            MAX_UPLOAD_BYTES
        } else {
            MAX_FIELD_BYTES
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| FormError::Malformed(e.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                return Err(if name == "file" {
                    FormError::TooLarge
                } else {
                    FormError::FieldTooLong(name)
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => sent.bytes = bytes,
            "csrf" => sent.csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    Ok(sent)
}
