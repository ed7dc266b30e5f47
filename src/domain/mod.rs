//! Plain types shared by every stage of the pipeline: months, units, the source payload.

mod clock;
pub mod formula;
mod indicator;
pub mod kept;
pub mod lang;
mod month;
pub mod number;
pub mod payload;
mod period;
mod service;
mod text;
mod unit;

pub use clock::Clock;
pub use indicator::{
    CompositeMethod, Direction, Indicator, Points, ValueUnit, YearTarget, ZeroDenominator,
};
pub use month::{Month, MonthError};
pub use period::{Period, PeriodError, QuarterCalendar};
pub use service::ServiceLevel;
pub use text::{expand_place_prefix, fold_vietnamese, place_sort_key, vietnamese_sort_key};
pub use unit::{RankingGroup, UnitCode, UnitKind};
