//! Compute: indicator values over periods, statuses against targets, points,
//! composite scores and rankings. Pure functions here; reading and writing
//! ClickHouse stays in `store`.

pub mod evaluate;
pub mod national;
pub mod ranking;
