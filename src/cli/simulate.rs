//! `chiso simulate`: the source API of every unit with simulated data, until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use chiso::app::App;
use chiso::simulate::{self, SimulatorConfig};

pub async fn run(app: App, port: u16) -> anyhow::Result<ExitCode> {
    let sim_config = SimulatorConfig::load(&app.settings.resolve(&app.settings.paths.simulator))?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let sim = simulate::serve(app.registry, sim_config, addr)
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!(
        "simulator of every unit at {}  (Ctrl-C stops)",
        sim.base_url()
    );
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(ExitCode::SUCCESS)
}
