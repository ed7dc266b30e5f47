//! Logs of every chiso binary (`chiso`, `chiso-demo`, `chiso-bench`): to
//! standard error, at the level `CHISO_LOG` names (`info`, `debug`, …), else `warn`.

pub fn init() {
    init_with_default("warn");
}

/// As `init`, with `default` when `CHISO_LOG` is not set (the demo quiets the
/// collector's warnings about reports not yet submitted, which its summary counts).
pub fn init_with_default(default: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHISO_LOG")
                .unwrap_or_else(|_| default.into()),
        )
        .with_writer(std::io::stderr)
        .init();
}
