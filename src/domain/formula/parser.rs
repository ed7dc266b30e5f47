//! Tokens → [`Expr`], by recursive descent. Depth is bounded so no formula can
//! exhaust the stack, and every error names the column it is at.

use super::ast::{CmpOp, Expr, Func, Operand, Pred, ServiceAggregate, ServiceField};
use super::lexer::{tokens, Tok};
use super::{FormulaError, MAX_WINDOW_MONTHS};
use crate::domain::ServiceLevel;

/// Nesting deeper than this is refused: no real formula comes close.
const MAX_DEPTH: usize = 32;

/// Parses a formula. Measure names are not checked here (the catalogue knows
/// them); everything else is.
pub fn parse(text: &str) -> Result<Expr, FormulaError> {
    let mut p = Parser {
        toks: tokens(text)?,
        at: 0,
        depth: 0,
    };
    if p.peek() == &Tok::End {
        return Err(FormulaError::new(1, "the formula is empty"));
    }
    let e = p.expr()?;
    p.expect_end()?;
    Ok(e)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at.min(self.toks.len() - 1)].1
    }

    fn column(&self) -> usize {
        self.toks[self.at.min(self.toks.len() - 1)].0
    }

    fn bump(&mut self) -> Tok {
        // Past the end, peek keeps answering End; `at` still moves so that a
        // caller can step back one token after an unexpected one.
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn unexpected(&self, wanted: &str) -> FormulaError {
        FormulaError::new(
            self.column(),
            format!("expected {wanted}, found {}", self.peek().describe()),
        )
    }

    fn expect(&mut self, tok: Tok, wanted: &str) -> Result<(), FormulaError> {
        if *self.peek() == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected(wanted))
        }
    }

    fn expect_end(&self) -> Result<(), FormulaError> {
        match self.peek() {
            Tok::End => Ok(()),
            Tok::Cmp(_) => Err(FormulaError::new(
                self.column(),
                "a comparison belongs inside count_services(…) or sum_services(…)",
            )),
            _ => Err(self.unexpected("an operator or the end of the formula")),
        }
    }

    fn enter(&mut self) -> Result<(), FormulaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FormulaError::new(
                self.column(),
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, FormulaError> {
        self.enter()?;
        let mut left = self.product()?;
        loop {
            let op = self.peek().clone();
            if !matches!(op, Tok::Plus | Tok::Minus) {
                break;
            }
            self.bump();
            let right = self.product()?;
            left = match op {
                Tok::Plus => Expr::Add(Box::new(left), Box::new(right)),
                _ => Expr::Sub(Box::new(left), Box::new(right)),
            };
        }
        self.depth -= 1;
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.unary()?;
        loop {
            let op = self.peek().clone();
            if !matches!(op, Tok::Star | Tok::Slash) {
                break;
            }
            self.bump();
            let right = self.unary()?;
            left = match op {
                Tok::Star => Expr::Mul(Box::new(left), Box::new(right)),
                _ => Expr::Div(Box::new(left), Box::new(right)),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FormulaError> {
        if *self.peek() == Tok::Minus {
            self.bump();
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, FormulaError> {
        let column = self.column();
        match self.bump() {
            Tok::Number(v) => Ok(Expr::Number(v)),
            Tok::LParen => {
                let e = self.expr()?;
                self.expect(Tok::RParen, "')'")?;
                Ok(e)
            }
            Tok::Ident(name) if *self.peek() == Tok::LParen => self.call(column, &name),
            Tok::Ident(name) if ServiceField::parse(&name).is_some() => Err(FormulaError::new(
                column,
                format!("'{name}' is a column of a service row: use it inside count_services(…)"),
            )),
            Tok::Ident(name) if is_keyword(&name) => Err(FormulaError::new(
                column,
                format!("'{name}' belongs inside count_services(…)"),
            )),
            Tok::Ident(name) => Ok(Expr::Measure(name)),
            _ => {
                self.at -= 1;
                Err(self.unexpected("a measure, a number or '('"))
            }
        }
    }

    fn call(&mut self, column: usize, name: &str) -> Result<Expr, FormulaError> {
        self.bump(); // '('
        match name {
            "min" | "max" => {
                let func = if name == "min" { Func::Min } else { Func::Max };
                let mut args = vec![self.expr()?];
                while *self.peek() == Tok::Comma {
                    self.bump();
                    args.push(self.expr()?);
                }
                self.expect(Tok::RParen, "',' or ')'")?;
                if args.len() < 2 {
                    return Err(FormulaError::new(
                        column,
                        format!("{name}(…) takes at least two arguments"),
                    ));
                }
                Ok(Expr::Call(func, args))
            }
            "count_services" => {
                let pred = self.pred()?;
                let months = if *self.peek() == Tok::Comma {
                    self.bump();
                    self.window()?
                } else {
                    1
                };
                self.expect(Tok::RParen, "')'")?;
                Ok(Expr::Services(ServiceAggregate {
                    sum: None,
                    pred,
                    months,
                }))
            }
            "sum_services" => {
                let field_column = self.column();
                let field = match self.bump() {
                    Tok::Ident(name) => ServiceField::parse(&name).filter(|f| !f.is_level()),
                    _ => None,
                };
                let Some(field) = field else {
                    return Err(FormulaError::new(
                        field_column,
                        "sum_services(…) first names a numeric column of a service row",
                    ));
                };
                self.expect(Tok::Comma, "','")?;
                let pred = self.pred()?;
                self.expect(Tok::RParen, "')'")?;
                Ok(Expr::Services(ServiceAggregate {
                    sum: Some(field),
                    pred,
                    months: 1,
                }))
            }
            other => Err(FormulaError::new(
                column,
                format!("unknown function '{other}': use min, max, count_services or sum_services"),
            )),
        }
    }

    /// `months = N`, the window of a service aggregate.
    fn window(&mut self) -> Result<u32, FormulaError> {
        if *self.peek() != Tok::Ident("months".into()) {
            return Err(self.unexpected("'months = N'"));
        }
        self.bump();
        self.expect(Tok::Cmp("="), "'='")?;
        let column = self.column();
        match self.bump() {
            Tok::Number(v) if v.fract() == 0.0 && (1.0..=MAX_WINDOW_MONTHS as f64).contains(&v) => {
                Ok(v as u32)
            }
            _ => Err(FormulaError::new(
                column,
                format!("months must be a whole number from 1 to {MAX_WINDOW_MONTHS}"),
            )),
        }
    }

    fn pred(&mut self) -> Result<Pred, FormulaError> {
        self.enter()?;
        let mut left = self.conj()?;
        while self.keyword("or") {
            let right = self.conj()?;
            left = Pred::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn conj(&mut self) -> Result<Pred, FormulaError> {
        let mut left = self.negation()?;
        while self.keyword("and") {
            let right = self.negation()?;
            left = Pred::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn negation(&mut self) -> Result<Pred, FormulaError> {
        if self.keyword("not") {
            self.enter()?;
            let inner = self.negation()?;
            self.depth -= 1;
            return Ok(Pred::Not(Box::new(inner)));
        }
        if *self.peek() == Tok::LParen {
            self.bump();
            let p = self.pred()?;
            self.expect(Tok::RParen, "')'")?;
            return Ok(p);
        }
        self.comparison()
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Tok::Ident(s) if s == word) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn comparison(&mut self) -> Result<Pred, FormulaError> {
        let column = self.column();
        let field = match self.bump() {
            Tok::Ident(name) => ServiceField::parse(&name).ok_or_else(|| {
                FormulaError::new(
                    column,
                    format!(
                        "'{name}' is not a column of a service row: use {}",
                        field_names()
                    ),
                )
            })?,
            _ => {
                self.at -= 1;
                return Err(self.unexpected("a column of a service row"));
            }
        };
        let op_column = self.column();
        let op = match self.bump() {
            Tok::Cmp(op) => cmp_op(op),
            _ => {
                self.at -= 1;
                return Err(self.unexpected("a comparison (=, !=, <, <=, >, >=)"));
            }
        };
        let rhs_column = self.column();
        let rhs = match self.bump() {
            Tok::Number(v) => Operand::Number(v),
            Tok::Ident(name) => match (name.parse::<ServiceLevel>(), ServiceField::parse(&name)) {
                (Ok(level), _) => Operand::Level(level),
                (_, Some(f)) => Operand::Field(f),
                _ => {
                    return Err(FormulaError::new(
                        rhs_column,
                        format!(
                            "'{name}' is neither a number, a level ({}) nor a column",
                            ServiceLevel::ACCEPTED
                        ),
                    ))
                }
            },
            _ => {
                self.at -= 1;
                return Err(self.unexpected("a number, a level or a column"));
            }
        };
        check_types(field, op, &rhs, op_column, rhs_column)?;
        Ok(Pred::Cmp(field, op, rhs))
    }
}

/// `level` against level names with = or != only; numbers against numbers.
fn check_types(
    field: ServiceField,
    op: CmpOp,
    rhs: &Operand,
    op_column: usize,
    rhs_column: usize,
) -> Result<(), FormulaError> {
    let rhs_is_level = match rhs {
        Operand::Level(_) => true,
        Operand::Field(f) => f.is_level(),
        Operand::Number(_) => false,
    };
    if field.is_level() != rhs_is_level {
        let message = if field.is_level() {
            format!(
                "level compares with a level name: {}",
                ServiceLevel::ACCEPTED
            )
        } else {
            format!(
                "{} compares with a number or a numeric column",
                field.as_str()
            )
        };
        return Err(FormulaError::new(rhs_column, message));
    }
    if field.is_level() && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
        return Err(FormulaError::new(
            op_column,
            "levels compare with = or != only",
        ));
    }
    Ok(())
}

fn cmp_op(op: &str) -> CmpOp {
    match op {
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => CmpOp::Eq,
    }
}

fn is_keyword(name: &str) -> bool {
    matches!(name, "and" | "or" | "not" | "months")
}

fn field_names() -> String {
    ServiceField::ALL.map(ServiceField::as_str).join(", ")
}
