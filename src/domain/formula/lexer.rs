//! Formula text → tokens, each with the column (in characters, from 1) it starts at.

use super::FormulaError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Number(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
    Comma,
    Cmp(&'static str),
    End,
}

impl Tok {
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Number(v) => format!("the number {v}"),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Star => "'*'".into(),
            Tok::Slash => "'/'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Cmp(op) => format!("'{op}'"),
            Tok::End => "the end of the formula".into(),
        }
    }
}

/// A formula longer than this is a mistake (a pasted file, not a formula), and
/// refusing it bounds the parser's depth and time.
pub(super) const MAX_FORMULA_CHARS: usize = 1000;

pub(super) fn tokens(text: &str) -> Result<Vec<(usize, Tok)>, FormulaError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_FORMULA_CHARS {
        return Err(FormulaError::new(
            MAX_FORMULA_CHARS + 1,
            format!("a formula has at most {MAX_FORMULA_CHARS} characters"),
        ));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let single = match c {
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            '*' => Some(Tok::Star),
            '/' => Some(Tok::Slash),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(t) = single {
            out.push((column, t));
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if matches!(c, '=' | '!' | '<' | '>') {
            let two = chars.get(i + 1) == Some(&'=');
            let op = match (c, two) {
                ('=', _) => "=",
                ('!', true) => "!=",
                ('<', true) => "<=",
                ('<', false) => "<",
                ('>', true) => ">=",
                ('>', false) => ">",
                _ => return Err(FormulaError::new(column, "'!' must be followed by '='")),
            };
            // `==` reads as `=`: both spellings are common, neither is ambiguous.
            i += if two { 2 } else { 1 };
            out.push((column, Tok::Cmp(op)));
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => out.push((column, Tok::Number(v))),
                _ => {
                    return Err(FormulaError::new(
                        column,
                        format!("'{text}' is not a number"),
                    ))
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((column, Tok::Ident(chars[start..i].iter().collect())));
        } else {
            return Err(FormulaError::new(
                column,
                format!("unexpected character '{c}': a formula uses measure names, numbers, + - * / ( ) , and comparisons"),
            ));
        }
    }
    out.push((chars.len() + 1, Tok::End));
    Ok(out)
}
