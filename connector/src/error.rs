//! Errors of the conversation with Odoo, typed by kind.

use std::fmt;
use std::time::Duration;

use crate::xmlrpc::{DecodeError, Fault};

/// What went wrong talking to Odoo.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Odoo answered with a fault.
    #[error("Odoo refused {call}: {kind}: {message}")]
    Fault {
        /// What the fault code (and, for code 2, the message) means.
        kind: FaultKind,
        /// The call that failed, e.g. `sale.order.create`.
        call: String,
        /// Odoo's message: the last line of a traceback, else the whole text.
        message: String,
        /// The fault as received (a Python traceback for code 1).
        fault: Fault,
    },
    /// The connection failed, or the server answered with an HTTP error.
    #[error("cannot reach Odoo for {call}: {message}")]
    Transport {
        /// The call that failed.
        call: String,
        /// What failed.
        message: String,
        /// The HTTP status, when the server answered with one.
        status: Option<u16>,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Odoo did not answer in time.
    #[error("Odoo did not answer {call} within {after:?}")]
    Timeout {
        /// The call that timed out.
        call: String,
        /// The configured limit.
        after: Duration,
    },
    /// The body was not valid XML-RPC.
    #[error("Odoo's answer to {call} is not valid XML-RPC: {source}")]
    Xml {
        /// The call whose answer was unreadable.
        call: String,
        /// The decoding error.
        #[source]
        source: DecodeError,
    },
    /// The answer was valid XML-RPC but not of the expected shape.
    #[error("unexpected answer to {call}: field `{field}`: {message}")]
    Decode {
        /// The call whose answer did not fit.
        call: String,
        /// The path of the field that failed, e.g. `[3].list_price`.
        field: String,
        /// What was wrong with it.
        message: String,
    },
    /// A model lacks a field the connector needs, under every name it has
    /// had across Odoo series.
    #[error("Odoo's model {model} has no field {field} (is a module missing?)")]
    MissingField {
        /// The model.
        model: String,
        /// The names tried.
        field: String,
    },
    /// The client was configured wrongly.
    #[error("invalid Odoo client configuration: {0}")]
    Config(String),
}

/// The kind of an [`Error`], for callers that branch on it and for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A fault of this kind.
    Fault(FaultKind),
    /// Connection failure or HTTP error.
    Transport,
    /// No answer in time.
    Timeout,
    /// An unreadable or unexpected answer.
    Decode,
    /// Wrong configuration.
    Config,
}

impl ErrorKind {
    /// A short stable label, e.g. for a metrics label.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Fault(k) => k.label(),
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::Config => "config",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What an Odoo fault means. Odoo's fault codes are coarse (code 2 covers
/// validation errors, missing records and unknown models alike), so code 2
/// is refined from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// Code 1: an application error (an exception in Odoo, e.g. an unknown
    /// field in a domain).
    Application,
    /// Code 2: a user or validation error (`UserError`, `ValidationError`).
    Validation,
    /// Code 2: a record that does not exist or was deleted.
    MissingRecord,
    /// Code 2: a model that does not exist (a module is not installed).
    UnknownModel,
    /// Code 3: bad credentials.
    AccessDenied,
    /// Code 4: the user lacks the rights (access rights or record rules).
    AccessError,
    /// Any other code.
    Other(i32),
}

impl FaultKind {
    /// Classifies a fault as Odoo's XML-RPC layer produces it.
    pub fn of(fault: &Fault) -> FaultKind {
        match fault.code {
            1 => FaultKind::Application,
            2 => {
                let s = &fault.string;
                if s.starts_with("Object ") && s.contains(" doesn't exist") {
                    FaultKind::UnknownModel
                } else if s.contains("Record does not exist or has been deleted") {
                    FaultKind::MissingRecord
                } else {
                    FaultKind::Validation
                }
            }
            3 => FaultKind::AccessDenied,
            4 => FaultKind::AccessError,
            other => FaultKind::Other(other),
        }
    }

    /// A short stable label.
    pub fn label(self) -> &'static str {
        match self {
            FaultKind::Application => "application_error",
            FaultKind::Validation => "validation_error",
            FaultKind::MissingRecord => "missing_record",
            FaultKind::UnknownModel => "unknown_model",
            FaultKind::AccessDenied => "access_denied",
            FaultKind::AccessError => "access_error",
            FaultKind::Other(_) => "fault",
        }
    }

    /// The XML-RPC fault code Odoo uses for this kind.
    pub fn code(self) -> i32 {
        match self {
            FaultKind::Application => 1,
            FaultKind::Validation | FaultKind::MissingRecord | FaultKind::UnknownModel => 2,
            FaultKind::AccessDenied => 3,
            FaultKind::AccessError => 4,
            FaultKind::Other(code) => code,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::Application => f.write_str("application error"),
            FaultKind::Validation => f.write_str("validation error"),
            FaultKind::MissingRecord => f.write_str("missing record"),
            FaultKind::UnknownModel => f.write_str("unknown model"),
            FaultKind::AccessDenied => f.write_str("access denied"),
            FaultKind::AccessError => f.write_str("access error"),
            FaultKind::Other(code) => write!(f, "fault {code}"),
        }
    }
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Fault { kind, .. } => ErrorKind::Fault(*kind),
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Xml { .. } | Error::Decode { .. } | Error::MissingField { .. } => ErrorKind::Decode,
            Error::Config(_) => ErrorKind::Config,
        }
    }

    /// The fault kind, if Odoo answered with a fault.
    pub fn fault_kind(&self) -> Option<FaultKind> {
        match self {
            Error::Fault { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Builds the error for a fault Odoo returned to `call`.
    pub fn from_fault(call: impl Into<String>, fault: Fault) -> Error {
        Error::Fault {
            kind: FaultKind::of(&fault),
            call: call.into(),
            message: fault_message(&fault),
            fault,
        }
    }

    /// Whether retrying the same read could succeed (the server was not
    /// reached, timed out, or answered with a gateway or availability error).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { status: None, .. } | Error::Timeout { .. } => true,
            Error::Transport { status: Some(s), .. } => matches!(s, 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// The human part of a fault string: the last line of a Python traceback
/// (`ValueError: Invalid field ...`), else the whole trimmed text.
pub fn fault_message(fault: &Fault) -> String {
    let text = fault.string.trim();
    if text.starts_with("Traceback (most recent call last)") {
        text.lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or(text)
            .to_owned()
    } else {
        text.to_owned()
    }
}
