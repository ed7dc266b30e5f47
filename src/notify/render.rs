//! The mails' words: templates under `templates/mail/` (minijinja, loaded at
//! runtime so the ministry edits them without rebuilding), filled from a
//! context built here, and assembled as MIME: a plain-text alternative and an
//! HTML part with the chart inline (`cid:`), UTF-8 throughout.

use std::path::{Path, PathBuf};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use minijinja::Environment;
use serde::Serialize;

use crate::compute::evaluate::{Evaluation, Status};
use crate::compute::national::UnitStanding;
use crate::config::{IndicatorCatalogue, ValueUnit};
use crate::store::RuleKind;

/// The Content-ID of the inline chart, as the HTML templates cite it (`cid:chart`).
pub const CHART_CID: &str = "chart";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("mail template {}: {message}", .path.display())]
    Template { path: PathBuf, message: String },
    #[error("mail {key}: {message}")]
    Build { key: String, message: String },
}

/// The three templates of every rule, read once per run.
pub struct Templates {
    env: Environment<'static>,
    dir: PathBuf,
}

/// A mail's words and chart, the same for each of its recipients.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub chart_png: Option<Vec<u8>>,
}

impl Templates {
    /// Reads `{rule}.subject`, `{rule}.txt`, `{rule}.html` of every rule from
    /// `dir`; a missing or broken file is named.
    pub fn load(dir: &Path) -> Result<Self, RenderError> {
        let mut env = Environment::new();
        env.set_keep_trailing_newline(true);
        for rule in RuleKind::ALL {
            for ext in ["subject", "txt", "html"] {
                let name = format!("{}.{ext}", rule.as_str());
                let path = dir.join(&name);
                let text = std::fs::read_to_string(&path).map_err(|e| RenderError::Template {
                    path: path.clone(),
                    message: format!("cannot read: {e}"),
                })?;
                env.add_template_owned(name, text)
                    .map_err(|e| RenderError::Template {
                        path,
                        message: e.to_string(),
                    })?;
            }
        }
        Ok(Self {
            env,
            dir: dir.to_path_buf(),
        })
    }

    pub fn render<C: Serialize>(
        &self,
        rule: RuleKind,
        context: &C,
        chart_png: Option<Vec<u8>>,
    ) -> Result<Content, RenderError> {
        let one = |ext: &str| -> Result<String, RenderError> {
            let name = format!("{}.{ext}", rule.as_str());
            let tmpl = self.env.get_template(&name).and_then(|t| t.render(context));
            tmpl.map_err(|e| RenderError::Template {
                path: self.dir.join(&name),
                message: e.to_string(),
            })
        };
        Ok(Content {
            // A subject is one line, whatever the template's whitespace.
            subject: one("subject")?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            text: one("txt")?,
            html: one("html")?,
            chart_png,
        })
    }
}

/// The MIME message of one key: alternative(text, related(html, chart)),
/// to `to` with `cc` copied (the envelope is both).
pub fn message(
    key: &str,
    from: &Mailbox,
    (to, cc): (&[String], &[String]),
    message_id: &str,
    content: &Content,
) -> Result<Message, RenderError> {
    let err = |message: String| RenderError::Build {
        key: key.to_string(),
        message,
    };
    let mailbox = |a: &String| -> Result<Mailbox, RenderError> {
        a.parse().map_err(|e| err(format!("recipient '{a}': {e}")))
    };
    let mut builder = Message::builder().from(from.clone());
    for a in to {
        builder = builder.to(mailbox(a)?);
    }
    for a in cc {
        builder = builder.cc(mailbox(a)?);
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(content.text.clone());
    let html = SinglePart::builder()
        .header(ContentType::TEXT_HTML)
        .body(content.html.clone());
    let html_part = match &content.chart_png {
        Some(png) => {
            let png_type = ContentType::parse("image/png").map_err(|e| err(e.to_string()))?;
            MultiPart::related().singlepart(html).singlepart(
                Attachment::new_inline(CHART_CID.to_string()).body(png.clone(), png_type),
            )
        }
        None => MultiPart::related().singlepart(html),
    };
    builder
        .message_id(Some(message_id.to_string()))
        .subject(content.subject.clone())
        .multipart(
            MultiPart::alternative()
                .singlepart(text)
                .multipart(html_part),
        )
        .map_err(|e| err(e.to_string()))
}

/// One indicator line of a unit's mail.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorLine {
    pub name: String,
    pub value: String,
    pub target: String,
    pub gap: String,
    pub status: String,
    pub lagging: bool,
}

/// What a unit's templates see as `unit`.
#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    pub code: String,
    pub name: String,
    pub group: String,
    pub indicators: Vec<IndicatorLine>,
    /// `3/63`, or empty when unranked.
    pub rank: String,
    /// `tăng 2 bậc`, `giảm 1 bậc`, `không đổi`, or empty.
    pub rank_change: String,
    /// What is missing: the month's report, indicators without data.
    pub missing: Vec<String>,
    /// Reported, and no indicator with a target misses both it and the
    /// unit's trajectory (the result mail's subject).
    pub on_track: bool,
    /// Why the unit gets the lagging alert; empty when it does not.
    pub alert_reasons: Vec<String>,
    pub in_bottom: bool,
    pub dashboard_url: String,
}

/// Everything a template sees.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// `06/2021`.
    pub month: String,
    pub period: String,
    /// `05/07/2021`: the last day a report of the month is on time.
    pub deadline: String,
    /// The reminder's round: 0 the first, 1 the first repeat…
    pub round: u32,
    pub unit: Option<UnitView>,
    pub digest: Option<DigestView>,
    /// `cid:chart` when the chart is attached, else empty.
    pub chart_src: String,
    pub chart_width: u32,
    pub chart_height: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankLine {
    pub group: String,
    pub rank: String,
    pub name: String,
    pub score: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedLine {
    pub name: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestView {
    pub top: Vec<RankLine>,
    pub bottom: Vec<RankLine>,
    /// Units that got the lagging alert, with why.
    pub alerted: Vec<NamedLine>,
    pub not_reported: Vec<NamedLine>,
    pub rejected: Vec<NamedLine>,
    /// Units with services declared fully online and unused, with them.
    pub unused: Vec<NamedLine>,
    pub unused_window: u32,
    pub dashboard_url: String,
}

/// `45,3%`, `1.234` for counts (`domain::number`, as on the pages).
pub fn number(v: f64, unit: ValueUnit) -> String {
    crate::domain::number::value(v, unit)
}

/// The gap to target: `−4,5 điểm %` for rates.
pub fn gap(v: f64, unit: ValueUnit) -> String {
    let sign = if v < 0.0 { "−" } else { "+" };
    let body = match unit {
        ValueUnit::Percent => format!("{} điểm %", crate::domain::number::decimal(v.abs(), 1)),
        _ => number(v.abs(), unit),
    };
    format!("{sign}{body}")
}

pub fn indicator_lines(
    indicators: &IndicatorCatalogue,
    evaluations: &[Evaluation],
) -> Vec<IndicatorLine> {
    evaluations
        .iter()
        .map(|e| {
            let (name, unit) = indicators
                .get(&e.indicator)
                .map(|i| (i.name.clone(), i.unit))
                .unwrap_or((e.indicator.clone(), ValueUnit::Percent));
            let dash = || "—".to_string();
            IndicatorLine {
                name,
                value: e.value.map(|v| number(v, unit)).unwrap_or_else(dash),
                target: e.target.map(|v| number(v, unit)).unwrap_or_else(dash),
                gap: e.gap.map(|v| gap(v, unit)).unwrap_or_else(dash),
                status: e.status.name_vi().to_string(),
                lagging: e.status == Status::Lagging,
            }
        })
        .collect()
}

pub fn rank_change(change: Option<i64>) -> String {
    match change {
        Some(0) => "không đổi".into(),
        Some(c) if c > 0 => format!("tăng {c} bậc"),
        Some(c) => format!("giảm {} bậc", c.unsigned_abs()),
        None => String::new(),
    }
}

pub fn rank(standing: &UnitStanding, ranked: usize) -> String {
    standing
        .rank
        .map(|r| format!("{r}/{ranked}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_the_vietnamese_decimal_comma_and_points_for_gaps() {
        assert_eq!(number(45.26, ValueUnit::Percent), "45,3%");
        assert_eq!(gap(-4.5, ValueUnit::Percent), "−4,5 điểm %");
        assert_eq!(gap(2.0, ValueUnit::Percent), "+2,0 điểm %");
        assert_eq!(number(754_917.0, ValueUnit::Count), "754.917");
        assert_eq!(gap(-10_821.0, ValueUnit::Count), "−10.821");
        assert_eq!(rank_change(Some(-2)), "giảm 2 bậc");
        assert_eq!(rank_change(Some(3)), "tăng 3 bậc");
    }

    #[test]
    fn the_shipped_templates_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/mail");
        Templates::load(&dir).unwrap();
    }
}
