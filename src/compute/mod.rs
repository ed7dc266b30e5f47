//! Compute: indicator values over periods, statuses against targets, points,
//! composite scores and rankings. Pure functions here, apart from the few
//! that read inputs or write results through `store`.

pub mod arrival;
pub mod evaluate;
pub mod figures;
mod freeze;
pub mod lagging;
pub mod lineage;
pub mod national;
pub mod outliers;
pub mod plan_progress;
pub mod portal;
pub mod publish;
pub mod ranking;
mod rows;
pub mod series;
pub mod service_history;
pub mod summary;
