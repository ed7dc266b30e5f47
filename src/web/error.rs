//! API errors as JSON: 400 names the bad parameter, 404 the unknown thing,
//! 500 says nothing of the cause to the caller and logs it (STYLE habit 6).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("parameter '{parameter}': {message}")]
    BadParameter { parameter: String, message: String },
    #[error("{0}")]
    NotFound(String),
    /// No account, or credentials that open none: 401.
    #[error("{0}")]
    Unauthorized(String),
    /// An account whose role does not allow this: 403.
    #[error("{0}")]
    Forbidden(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad(parameter: &str, message: impl Into<String>) -> Self {
        ApiError::BadParameter {
            parameter: parameter.to_string(),
            message: message.into(),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'a str>,
}

/// Every error answer of the API (the schema of `Body`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: `Body` is what is written
pub struct ErrorBody {
    /// What went wrong, in words; for a 500, only that it did (the cause is logged).
    error: String,
    /// The bad parameter, on a 400.
    parameter: Option<String>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let text = self.to_string();
        let body = match self {
            ApiError::BadParameter { parameter, .. } => Body {
                error: &text,
                parameter: Some(parameter),
            },
            ApiError::NotFound(_) | ApiError::Unauthorized(_) | ApiError::Forbidden(_) => Body {
                error: &text,
                parameter: None,
            },
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                Body {
                    error: "internal error; the server log has the details",
                    parameter: None,
                }
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::Unauthorized(_) = self {
            response.insert_header(("WWW-Authenticate", "Bearer realm=\"chiso\""));
        }
        response.json(body)
    }
}

/// A query string that does not parse (unknown field, wrong type) is a JSON 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        let message = err.to_string();
        let parameter = message.split('`').nth(1).unwrap_or("query").to_string();
        ApiError::BadParameter { parameter, message }.into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| ApiError::bad("path", err.to_string()).into())
}
