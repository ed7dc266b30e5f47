//! The language of a page: Vietnamese by default, English for partners and
//! donors. Every user-visible string of the pages lives in one Fluent
//! catalogue per language (`locales/*/chiso.ftl`, built into the binary);
//! `t!("key")` or `t!("key", name = value)` reads it in the language of the
//! request being answered (docs/languages.md). Outside a request (mails, the
//! CLI, the xlsx report) the language is Vietnamese.

use std::future::Future;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The BCP 47 code: `vi`, `en` (`<html lang>`, `?lang=`, the cookie).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == text.trim())
    }

    /// The language's own name, for the switch ("Tiếng Việt", "English").
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Vi => "Ti\u{1ebf}ng Vi\u{1ec7}t",
            Lang::En => "English",
        }
    }

    /// The language of the request being answered; Vietnamese outside one.
    pub fn current() -> Lang {
        CURRENT.try_with(|l| *l).unwrap_or_default()
    }

    /// Runs `work` with `self` as the current language.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }

    /// Runs `work` (synchronous) with `self` as the current language.
    pub fn sync_scope<R>(self, work: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self, work)
    }

    /// A number written the Vietnamese way (`1.234,5`, `domain::number`) as
    /// this language writes it (`1,234.5` in English).
    pub fn digits(self, vietnamese: &str) -> String {
        match self {
            Lang::Vi => vietnamese.to_string(),
            Lang::En => vietnamese
                .chars()
                .map(|c| match c {
                    '.' => ',',
                    ',' => '.',
                    c => c,
                })
                .collect(),
        }
    }
}

tokio::task_local! {
    static CURRENT: Lang;
}

/// One catalogue file per language, in the binary.
pub const FILES: [(Lang, &str, &str); 2] = [
    (
        Lang::Vi,
        "locales/vi/chiso.ftl",
        include_str!("../../../locales/vi/chiso.ftl"),
    ),
    (
        Lang::En,
        "locales/en/chiso.ftl",
        include_str!("../../../locales/en/chiso.ftl"),
    ),
];

/// A catalogue that does not load: the file and what is wrong, by line.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problems}")]
pub struct CatalogueError {
    pub file: &'static str,
    pub problems: String,
}

struct Catalogue {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

fn catalogue() -> &'static Result<Catalogue, CatalogueError> {
    static CATALOGUE: OnceLock<Result<Catalogue, CatalogueError>> = OnceLock::new();
    CATALOGUE.get_or_init(load)
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

fn load() -> Result<Catalogue, CatalogueError> {
    let mut bundles = Vec::new();
    for (lang, file, text) in FILES {
        let resource = FluentResource::try_new(text.to_string()).map_err(|(_, errors)| {
            let problems = errors
                .iter()
                .map(|e| format!("line {}: {}", line_of(text, e.pos.start), e.kind))
                .collect::<Vec<_>>()
                .join("; ");
            CatalogueError { file, problems }
        })?;
        let id = lang.code().parse().map_err(|e| CatalogueError {
            file,
            problems: format!("language '{}': {e}", lang.code()),
        })?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // No Unicode isolation marks around arguments: pages are left to right.
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .map_err(|errors| CatalogueError {
                file,
                problems: errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            })?;
        bundles.push((lang, bundle));
    }
    Ok(Catalogue { bundles })
}

/// Loads both catalogues: the server calls this at start, so a broken file
/// stops it there, naming file and line, never on a request.
pub fn check() -> Result<(), &'static CatalogueError> {
    catalogue().as_ref().map(|_| ())
}

/// The message ids of one catalogue file, in file order.
pub fn keys(text: &str) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    match fluent_syntax::parser::parse(text) {
        Ok(resource) | Err((resource, _)) => resource
            .body
            .iter()
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect(),
    }
}

/// The message `key` in the current language with `args`; the key itself
/// (and a log line) when the catalogue lacks it — a test keeps that from
/// happening.
pub fn message(key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    message_in(Lang::current(), key, args)
}

/// The message `key` in `lang`.
pub fn message_in(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let Ok(catalogue) = catalogue() else {
        return key.to_string();
    };
    let Some((_, bundle)) = catalogue.bundles.iter().find(|(l, _)| *l == lang) else {
        return key.to_string();
    };
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(
            key,
            lang = lang.code(),
            "message missing from the catalogue"
        );
        return key.to_string();
    };
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            key,
            lang = lang.code(),
            ?errors,
            "message formatted with errors"
        );
    }
    text.into_owned()
}

/// `t!("key")`, `t!("key", unit = name, count = 3)`: the message in the
/// current language. Keys are literals, so a test can find every one.
#[macro_export]
macro_rules! t {
    ($key:literal) => {
        $crate::domain::lang::message($key, &[])
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::domain::lang::message(
            $key,
            &[$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),+],
        )
    };
}

#[cfg(test)]
mod tests;
