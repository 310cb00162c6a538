//! omni-bff: the studio's backend-for-frontend. It holds the upstream credentials,
//! validates every request with omni-api, forwards it, stores every task, and serves
//! the built app.

pub mod account;
pub mod answers;
pub mod catalog_file;
pub mod clock;
pub mod config;
pub mod creates;
pub mod error;
pub mod events;
pub mod lanes;
pub mod log_format;
pub mod log_writer;
pub mod media;
pub mod memory;
pub mod metrics;
pub mod queue;
pub mod quick;
pub mod refresher;
pub mod request_log;
pub mod routes;
pub mod security;
pub mod sender;
pub mod server;
pub mod simulator;
pub mod store;
pub mod tasks;
pub mod upstream;
pub mod zip;

use anyhow::Context;
use config::{Config, UpstreamMode};
use omni_api::config::UpstreamKind;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use upstream::{jwt::JwtSigner, Auth, Upstream};

/// What every handler shares.
pub struct AppState {
    pub store: store::Store,
    pub upstream: Upstream,
    pub upstream_kind: UpstreamKind,
    pub dist: PathBuf,
    /// Local event-stream listeners ("this task changed").
    pub hub: events::Hub,
    /// Finished tasks' answers, served without the database.
    pub answers: answers::Answers,
    /// The upstream account's remaining units, asked at most once a minute.
    pub account: account::AccountCache,
    /// Creates beyond the upstream's concurrency wait here (in the store) for slots.
    pub queue: queue::Queue,
    /// Where copies of result media go.
    pub media: media::MediaConfig,
    /// Wakes the media copier when a task succeeds.
    pub media_wake: tokio::sync::Notify,
    pub sse_heartbeat: std::time::Duration,
    pub security: security::Security,
    /// The model catalog the validators read (and `/api/v1/config` serves).
    pub catalog: Arc<omni_api::Catalog>,
    pub unknown_fields: config::UnknownFields,
    /// Turns true when the server starts shutting down: event streams end then, so
    /// graceful shutdown is not held open by browsers that would wait forever.
    pub closing: tokio::sync::watch::Sender<bool>,
    /// The base URL the upstream calls back; set at start-up (from the config, or from
    /// the bound address when the built-in simulator is the upstream).
    public_url: OnceLock<String>,
}

impl AppState {
    /// Where the upstream can reach us, if anywhere.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.get().map(String::as_str)
    }
}

/// The whole HTTP surface, for `serve` and for tests.
pub fn app(state: Arc<AppState>) -> routes::front::Studio {
    routes::front::Studio::new(state.clone(), routes::router(state))
}

/// Builds the state: store opened, simulator started when asked for, client ready.
pub async fn state(config: &Config) -> anyhow::Result<Arc<AppState>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
    let store = store::Store::open(&config.database_url()).await?;
    let (upstream, upstream_kind) = match &config.upstream {
        UpstreamMode::Simulate => {
            // The simulator checks JWTs like the official service, with a key made now.
            let secret = format!("{:016x}{:016x}", clock::jitter_u64(), clock::jitter_u64());
            let auth = simulator::SimAuth::Jwt {
                access_key: "simulator".into(),
                secret_key: secret.clone(),
            };
            let sim = simulator::start(config.sim.clone(), auth).await?;
            tracing::info!("simulator listening on {}", sim.base_url);
            let signer = JwtSigner::new("simulator".into(), secret);
            (
                Upstream::new(sim.base_url, Auth::Jwt(signer)),
                UpstreamKind::Simulate,
            )
        }
        UpstreamMode::Url(base) => {
            let c = &config.credentials;
            match (&c.access_key, &c.secret_key, &c.api_key) {
                (Some(ak), Some(sk), _) => (
                    Upstream::new(base.clone(), Auth::Jwt(JwtSigner::new(ak.clone(), sk.clone()))),
                    UpstreamKind::Official,
                ),
                (_, _, Some(key)) => (Upstream::new(base.clone(), Auth::Bearer(key.clone())), UpstreamKind::Gateway),
                _ => anyhow::bail!(
                    "an upstream URL needs credentials: KLING_ACCESS_KEY and KLING_SECRET_KEY, or OMNI_UPSTREAM_API_KEY"
                ),
            }
        }
    };
    let upstream = upstream.with_timeout_cap(config.upstream_timeout_ms.map(Duration::from_millis));
    let security = security::Security {
        access: security::access::Access::new(&config.access_tokens),
        rate: security::rate::RateLimit::new(config.rate_limit),
        allowed_origins: config.allowed_origins.clone(),
        csp: security::headers::Policy::new(
            &std::fs::read_to_string(config.dist.join("index.html")).unwrap_or_default(),
            config.frame_ancestors.clone(),
        ),
        trusted_proxies: config.trusted_proxies.clone(),
        hosts: security::host::Hosts::new(
            config.allowed_hosts.clone(),
            config.public_url.as_deref(),
        ),
    };
    let public_url = OnceLock::new();
    if let Some(url) = &config.public_url {
        let _ = public_url.set(url.clone());
    }
    Ok(Arc::new(AppState {
        store,
        upstream,
        upstream_kind,
        dist: config.dist.clone(),
        hub: events::Hub::default(),
        answers: answers::Answers::default(),
        account: account::AccountCache::default(),
        queue: queue::Queue::new(config.max_in_flight.over(config.catalog.concurrency)),
        media: media::MediaConfig {
            storage: match &config.media_store {
                Some(url) => media::Storage::s3(url).map_err(anyhow::Error::msg)?,
                None => media::Storage::dir(&config.media_dir()).map_err(anyhow::Error::msg)?,
            },
            retention_ms: config.media_retention_ms,
        },
        media_wake: tokio::sync::Notify::new(),
        sse_heartbeat: std::time::Duration::from_millis(config.sse_heartbeat_ms),
        security,
        catalog: config.catalog.clone(),
        unknown_fields: config.unknown_fields,
        closing: tokio::sync::watch::Sender::new(false),
        public_url,
    }))
}

/// The background work beside the routes: the refresher (unfinished tasks and
/// creates), the media copier, the store's change listener, the queue's sender, and the
/// metrics' upkeep.
pub fn start_workers(state: &Arc<AppState>) {
    tokio::spawn(refresher::refresher(state.clone()));
    tokio::spawn(media::copier(state.clone()));
    tokio::spawn(events::listen(state.clone()));
    tokio::spawn(sender::sender(state.clone()));
    tokio::spawn(metrics::upkeep());
}

/// Serves until Ctrl-C (or SIGTERM), then stops cleanly.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let ready = |addr: std::net::SocketAddr, _: &Arc<AppState>| {
        // Tests and xtask read this line to learn the port.
        println!("omni-bff listening on http://{addr}");
        println!("Omni Studio is ready: open http://{addr}/image (Ctrl-C stops it)");
    };
    serve_with(config, ready, true).await
}

/// [`serve`] with its edges chosen: `ready` hears the address (and gets the state) once
/// requests are taken; `signals` says whether SIGTERM and Ctrl-C stop it. A test that
/// runs the BFF inside its own process passes `false` and stops it by setting
/// `state.closing`.
pub async fn serve_with(
    config: Config,
    ready: impl FnOnce(std::net::SocketAddr, &Arc<AppState>),
    signals: bool,
) -> anyhow::Result<()> {
    config.check_access_policy().map_err(anyhow::Error::msg)?;
    let state = state(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    if !config.dist.join("index.html").exists() {
        tracing::warn!(
            "{} has no index.html: build the app with `cargo xtask run`",
            config.dist.display()
        );
    }
    if config.upstream == UpstreamMode::Simulate {
        // The simulator runs beside us, so it reaches us where we listen.
        let _ = state.public_url.set(format!("http://{addr}"));
    }
    creates::take_over_leases(&state)
        .await
        .context("cannot read the pending creates")?;
    metrics::install();
    if let Some(addr) = config.metrics_listen {
        let metrics_listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for metrics on {addr}"))?;
        println!(
            "omni-bff metrics on http://{}/metrics",
            metrics_listener.local_addr()?
        );
        let only_metrics = axum::Router::new()
            .route("/metrics", axum::routing::get(metrics::serve))
            .with_state(state.clone());
        tokio::spawn(server::run(
            metrics_listener,
            only_metrics,
            quick::NOTHING,
            state.closing.subscribe(),
            server::HEADER_READ_TIMEOUT,
            0,
        ));
    }
    start_workers(&state);
    ready(addr, &state);
    if signals {
        tokio::spawn(on_signals(state.clone()));
    }
    let studio = app(state.clone());
    let server = server::run(
        listener,
        studio.clone(),
        Some(Arc::new(studio)),
        state.closing.subscribe(),
        server::HEADER_READ_TIMEOUT,
        lanes::per_core(),
    );
    let mut closing = state.closing.subscribe();
    let grace = async move {
        let _ = closing.wait_for(|c| *c).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        () = server => Ok(()),
        _ = grace => {
            tracing::warn!(
                "requests still open {} s after the signal: stopping anyway",
                SHUTDOWN_GRACE.as_secs()
            );
            Ok(())
        }
    }
}

/// How long requests in flight may finish after a shutdown signal (a create cut off is
/// recovered from its recorded attempt on the next start).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// The first Ctrl-C or SIGTERM starts a graceful shutdown; a second one exits at once.
async fn on_signals(state: Arc<AppState>) {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    for n in 0.. {
        #[cfg(unix)]
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = terminated => {},
        }
        if n == 0 {
            tracing::info!("shutting down (a second signal stops at once)");
            state.closing.send_replace(true);
        } else {
            tracing::warn!("second signal: stopping now");
            std::process::exit(130);
        }
    }
}
