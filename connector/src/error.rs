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
    /// This Odoo cannot do what was asked: its series or its database lack
    /// it (e.g. webhook actions before Odoo 17, a module not installed).
    /// The message says what, and what to do.
    #[error("{0}")]
    Unsupported(String),
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

/// What an Odoo fault means. Odoo's XML-RPC fault codes are coarse: code 2
/// covers every `UserError` (validation errors, missing records, unknown
/// models) and carries only the message, translated into the user's
/// language. So code 2 is refined from the message's *structure*, never its
/// words: what Odoo puts in it untranslated (a recordset, a model's name).
/// Over JSON-2 the exception's class name says it exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// Code 1: an application error (an exception in Odoo, e.g. an unknown
    /// field in a domain).
    Application,
    /// Code 2: a user or validation error (`UserError`, `ValidationError`).
    Validation,
    /// Code 2: a record that does not exist or was deleted (`MissingError`).
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
    /// Classifies a fault that Odoo's XML-RPC layer returned to `call`
    /// (`model.method`), in whatever language the user has:
    ///
    /// - a `MissingError` names the records: `res.partner(999999,)` (every
    ///   series), or on 16 a write's `(Document type: sale.order, Operation:
    ///   write, Records: [999999], User: 2)`, its labels translated;
    /// - an unknown model is named in a one-line message ("Object
    ///   no.such.model doesn't exist", "L'objet no.such.model n'existe pas");
    /// - any other code 2 is a validation or user error.
    pub fn of(call: &str, fault: &Fault) -> FaultKind {
        match fault.code {
            1 => FaultKind::Application,
            2 => {
                let model = call.rsplit_once('.').map_or(call, |(model, _)| model);
                let text = fault.string.as_str();
                if names_records(text) {
                    FaultKind::MissingRecord
                } else if !text.trim().contains('\n') && names_model(text, model) {
                    FaultKind::UnknownModel
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
            Error::Config(_) | Error::Unsupported(_) => ErrorKind::Config,
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
        let call = call.into();
        Error::Fault {
            kind: FaultKind::of(&call, &fault),
            call,
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

/// Python exceptions that say "the same call may succeed later": a
/// transaction that lost a race with another (PostgreSQL's serialization
/// failures, deadlocks, locks not available, Odoo's concurrency error) or a
/// database connection lost; matched on the exception's class name.
const TEMPORARY_EXCEPTIONS: &[&str] = &[
    "SerializationFailure",
    "TransactionRollbackError",
    "DeadlockDetected",
    "LockNotAvailable",
    "ConcurrencyError",
    "OperationalError",
    "InterfaceError",
];

impl Error {
    /// The Python exception Odoo named for a fault, e.g.
    /// `psycopg2.errors.SerializationFailure`: the last line of a code 1
    /// fault's traceback, or JSON-2's `name`. `None` for other errors and
    /// for the faults that carry only a message (codes 2 to 4: their code
    /// says what they are).
    pub fn exception(&self) -> Option<&str> {
        let Error::Fault { fault, .. } = self else {
            return None;
        };
        let text = fault.string.trim();
        let traceback = text.starts_with("Traceback (most recent call last)");
        // A traceback ends with the exception; JSON-2's `name: message`
        // starts with it (its message may run over several lines).
        let line = if traceback {
            text.lines().rev().map(str::trim).find(|l| !l.is_empty())?
        } else {
            text.lines().next()?.trim()
        };
        let (name, _) = line.split_once(':').unwrap_or((line, ""));
        let identifier = !name.is_empty()
            && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        // A message of a code 2 to 4 fault may look like `Word: text`;
        // JSON-2's names are qualified (`odoo.exceptions.UserError`).
        (identifier && (traceback || name.contains('.'))).then_some(name)
    }

    /// Whether sending the same call again later may succeed: Odoo was not
    /// reached, did not answer in time or answered a gateway error, refused
    /// the technical user's credentials (fixed by the operator), or raised
    /// an exception of a transaction conflict or a lost database
    /// connection. Not a refusal (validation, missing record, access
    /// rights) nor any other exception (a bug or bad data, which a retry
    /// repeats): those are final. Decided by the fault's code and the
    /// exception's name, never by its message, which Odoo translates.
    pub fn is_temporary(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::Xml { .. } | Error::Decode { .. } => {
                true
            }
            Error::Fault { kind, .. } => match kind {
                FaultKind::AccessDenied => true,
                FaultKind::Application => self.exception().is_some_and(|name| {
                    let class = name.rsplit('.').next().unwrap_or(name);
                    TEMPORARY_EXCEPTIONS.contains(&class)
                }),
                _ => false,
            },
            Error::MissingField { .. } | Error::Config(_) | Error::Unsupported(_) => false,
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

/// Whether `text` names records the way a `MissingError` does: a recordset's
/// repr, `model.name(1,)` or `model.name(1, 2)`, or 16's list of ids
/// `[1, 2]` after a model's name.
fn names_records(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        let (open, close) = match b {
            b'(' => (i, b')'),
            b'[' => (i, b']'),
            _ => return false,
        };
        let Some(len) = text[open + 1..].find(close as char) else {
            return false;
        };
        let inside = &text[open + 1..open + 1 + len];
        let ids: Vec<&str> = inside.split(',').map(str::trim).collect();
        let ids_only = !ids.is_empty()
            && ids.iter().enumerate().all(|(n, id)| {
                (!id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()))
                    // `(1,)`: a one-tuple's trailing comma.
                    || (id.is_empty() && n == ids.len() - 1 && n > 0)
            });
        if !ids_only {
            return false;
        }
        // A recordset: a model's name right before the parenthesis. A list
        // of ids: a model's name earlier in the same text.
        let before = &text[..open];
        let word = before
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .next()
            .unwrap_or_default();
        if close == b')' {
            is_model_name(word)
        } else {
            before
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .any(is_model_name)
        }
    })
}

/// `sale.order`, `res.partner`: lower-case words joined by dots.
fn is_model_name(word: &str) -> bool {
    word.contains('.')
        && !word.starts_with('.')
        && !word.ends_with('.')
        && !word.contains("..")
        && word
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'_')
}

/// Whether `text` names `model` as a word of its own.
fn names_model(text: &str, model: &str) -> bool {
    !model.is_empty()
        && text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .any(|word| word.trim_end_matches('.') == model)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fault(code: i32, string: &str) -> Error {
        Error::from_fault(
            "sale.order.create",
            Fault {
                code,
                string: string.to_owned(),
            },
        )
    }

    const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"/opt/odoo/odoo/service/model.py\", line 133, in retrying\n    result = func()\n";

    #[test]
    fn a_fault_is_temporary_by_its_code_and_exception_never_its_words() {
        // Transaction conflicts and a lost database: later may work.
        for exception in [
            "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update",
            "psycopg2.extensions.TransactionRollbackError: deadlock detected",
            "psycopg2.errors.LockNotAvailable: could not obtain lock on row in relation \"sale_order\"",
            "psycopg2.OperationalError: server closed the connection unexpectedly",
            "odoo.exceptions.ConcurrencyError: la transaction a échoué",
        ] {
            let error = fault(1, &format!("{TRACEBACK}{exception}\n"));
            assert!(error.is_temporary(), "{exception}");
            assert_eq!(error.exception(), exception.split(':').next());
        }
        // A bug or bad data: the same call fails the same way.
        for exception in [
            "ValueError: Invalid field 'x' on model 'sale.order'",
            "TypeError: create() takes 2 positional arguments but 3 were given",
            "KeyError: 'OperationalError'",
        ] {
            let error = fault(1, &format!("{TRACEBACK}{exception}\n"));
            assert!(!error.is_temporary(), "{exception}");
        }
        // Refusals are final, in any language; wrong credentials wait for
        // the operator.
        assert!(!fault(2, "L'enregistrement n'existe pas ou a été supprimé.").is_temporary());
        assert!(!fault(2, "Record does not exist or has been deleted.").is_temporary());
        assert!(!fault(4, "Vous n'êtes pas autorisé à modifier des Commandes.").is_temporary());
        assert!(fault(3, "Access Denied").is_temporary());
        // Codes 2 to 4 carry a message, not an exception's name.
        assert_eq!(fault(2, "Something: wrong").exception(), None);
        assert_eq!(fault(2, "Saisissez une quantité.").exception(), None);
        // Not reached, or no answer in time: try again.
        let timeout = Error::Timeout {
            call: "sale.order.create".into(),
            after: std::time::Duration::from_secs(30),
        };
        assert!(timeout.is_temporary());
        assert!(!Error::Config("bad".into()).is_temporary());
    }

    fn kind_of(call: &str, string: &str) -> FaultKind {
        FaultKind::of(
            call,
            &Fault {
                code: 2,
                string: string.to_owned(),
            },
        )
    }

    #[test]
    fn a_refusal_is_classified_by_its_shape_in_any_language() {
        let missing = [
            // Every series, reading a field of a missing record.
            "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)",
            "L'enregistrement n'existe pas ou a été supprimé.\n(Enregistrement : res.partner(999999,), Utilisateur : 2)",
            "Der Datensatz existiert nicht oder wurde gelöscht.\n(Datensatz: sale.order(7, 8), Benutzer: 2)",
            // 16, writing missing records.
            "One of the documents you are trying to access has been deleted, please try again after refreshing.\n\n(Document type: sale.order, Operation: write, Records: [999999], User: 2)",
            "Un des documents auquel vous tentez d'accéder a été supprimé, veuillez réessayer après avoir rafraîchi la page.\n\n(Type de document : sale.order, Opération : write, Enregistrements : [999999, 12], Utilisateur : 2)",
        ];
        for text in missing {
            assert_eq!(
                kind_of("sale.order.write", text),
                FaultKind::MissingRecord,
                "{text}"
            );
        }
        for text in [
            "Object no.such.model doesn't exist",
            "L'objet no.such.model n'existe pas",
        ] {
            assert_eq!(
                kind_of("no.such.model.search_read", text),
                FaultKind::UnknownModel,
                "{text}"
            );
        }
        for text in [
            "You cannot create recursive Partner hierarchies.",
            "Vous ne pouvez pas créer de hiérarchies de partenaires récursives.",
            "The operation cannot be completed: missing pickup (2 left) [urgent]",
            "Saisissez une quantité (1,5 kg).",
            // A model named, but not the one called, and no records.
            "Object sale.order.line doesn't exist",
            // The model called, named in a validation error's details.
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n\nModel: Sales Order (sale.order)\nField: Customer (partner_id)",
        ] {
            assert_eq!(kind_of("sale.order.create", text), FaultKind::Validation, "{text}");
        }
    }
}
