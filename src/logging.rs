//! Logs of every chiso binary (`chiso`, `chiso-demo`, `chiso-bench`): to
//! standard error, at the level `CHISO_LOG` names (`info`, `debug`, …), else `warn`.

pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHISO_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
}
