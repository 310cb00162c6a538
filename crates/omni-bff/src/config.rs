//! Settings from the command line and the environment. Secrets come only from the
//! environment (or a file named by it), never from arguments that `ps` would show.

use crate::security::access::AccessToken;
use clap::builder::BoolishValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use omni_api::Catalog;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Shown after the options in `--help`: what only the environment sets, and the
/// simulator's prompt hints.
const AFTER_HELP: &str = "\
SECRETS (environment only, never arguments that `ps` would show):
    KLING_ACCESS_KEY, KLING_SECRET_KEY   official service: signs HS256 JWTs
    OMNI_UPSTREAM_API_KEY                gateway: sent as a bearer key
    OMNI_UPSTREAM_API_KEY_FILE           read the bearer key from this file
    OMNI_ACCESS_TOKENS                   access tokens, comma-separated
    OMNI_LOG                             log filter, e.g. info, debug, omni_bff=trace

STANDALONE SIMULATOR (`omni-bff simulate`):
    OMNI_SIM_API_KEY                     demand this bearer key, like a gateway

SIMULATOR HINTS (put in a prompt, for tests and demos):
    [sim:fail]          the task fails (content moderation)
    [sim:failonce]      the first task with this prompt fails, a retry succeeds
    [sim:code=1303]     the create answers that upstream error code
    [sim:delay=3000]    the task takes this many extra milliseconds
    [sim:slow=2000]     every HTTP answer for this task waits this long
    [sim:drop]          the create drops the connection without answering
    [sim:lose]          the create makes the task, then drops the connection
    [sim:readfail=2]    the first 2 reads of the task answer 503 (code 5001)
    [sim:filefail=2]    the first 2 downloads of its result files answer 503
    [sim:hostile]       result links point at the cloud metadata address, at a
                        redirect to another loopback address, and at localhost
    [sim:scriptlinks]   the first result links are javascript: and data: URLs
";

/// The command line, as clap reads it: every option once, with its variable and default.
#[derive(Debug, Parser)]
#[command(
    name = "omni-bff",
    version,
    about = "Omni Studio's backend-for-frontend: serves the app and the API",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    // A later `--dist` wins over an earlier one, as wrappers that add options expect.
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Run only the upstream simulator (a stand-in gateway).
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// Address to serve on.
    #[arg(
        long,
        env = "OMNI_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    listen: SocketAddr,
    #[command(flatten)]
    sim: SimFlags,
    /// Change the built-in model catalog with a TOML or JSON file (docs/catalog.md).
    #[arg(long, env = "OMNI_CATALOG", value_name = "FILE")]
    catalog: Option<PathBuf>,
}

/// The simulator's behaviour, for both `serve` (built-in) and `simulate`.
#[derive(Debug, Args)]
struct SimFlags {
    /// Simulator: fail this fraction (0..1) of tasks.
    #[arg(long, env = "OMNI_SIM_FAIL_RATE", default_value = "0", value_name = "P", value_parser = fraction)]
    sim_fail_rate: f64,
    /// Simulator: task speed factor, 2 = twice as fast (0.01..1000).
    #[arg(long, env = "OMNI_SIM_SPEED", default_value = "1", value_name = "X", value_parser = speed)]
    sim_speed: f64,
    /// Simulator: fail this fraction (0..1) of API calls with a 5xx, 429/1303, no answer,
    /// malformed JSON or a dropped connection (the last three after doing the work).
    #[arg(long, env = "OMNI_SIM_FAULTS", default_value = "0", value_name = "P", value_parser = fraction)]
    sim_faults: f64,
    /// Simulator: behave like the strictest real upstream: a repeated external_task_id
    /// is refused (400, code 1201) instead of answered with the first task.
    #[arg(long, env = "OMNI_SIM_STRICT_IDS", num_args = 0..=1, default_value = "false",
          default_missing_value = "true", value_name = "BOOL", value_parser = BoolishValueParser::new())]
    sim_strict_ids: bool,
    /// Simulator: run at most N slots of tasks at once per pool, like a resource pack's
    /// concurrency (an image task holds n slots, a video one), answering 1303 beyond.
    #[arg(long, env = "OMNI_SIM_MAX_IN_FLIGHT", value_name = "N")]
    sim_max_in_flight: Option<u32>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to serve on.
    #[arg(
        long,
        env = "OMNI_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    listen: SocketAddr,
    /// The built app to serve.
    #[arg(long, env = "OMNI_DIST", default_value = "dist", value_name = "DIR")]
    dist: PathBuf,
    /// Database and media.
    #[arg(
        long,
        env = "OMNI_DATA_DIR",
        default_value = "data",
        value_name = "DIR"
    )]
    data_dir: PathBuf,
    /// sqlite://PATH (default: DATA_DIR/omni.db) or postgres://USER:PASSWORD@HOST:PORT/DB,
    /// which several instances can share.
    #[arg(
        long,
        env = "OMNI_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Where the upstream can reach this BFF, e.g. https://studio.example.com: every
    /// create then carries a callback URL with a per-task secret, and changes are pushed
    /// (with the built-in simulator the listen address is used).
    #[arg(long, env = "OMNI_PUBLIC_URL", value_name = "URL", value_parser = http_url)]
    public_url: Option<String>,
    /// Copies of result images and videos, shared by all instances [default: DATA_DIR/media].
    #[arg(long, env = "OMNI_MEDIA_DIR", value_name = "DIR")]
    media_dir: Option<PathBuf>,
    /// Keep the copies in an S3-compatible bucket instead, s3://BUCKET/PREFIX, with
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (and AWS_ENDPOINT,
    /// AWS_ALLOW_HTTP=true for MinIO and the like).
    #[arg(long, env = "OMNI_MEDIA_STORE", value_name = "URL")]
    media_store: Option<String>,
    /// Remove copies older than D, e.g. 90d, 12h, 30m, 45s [default: keep them].
    #[arg(long, env = "OMNI_MEDIA_RETENTION", value_name = "D", value_parser = duration)]
    media_retention: Option<i64>,
    /// Access tokens, one per line, each `TOKEN` or `NAME: TOKEN` (tasks remember the
    /// name that made them, and spend is summed by it): browsers sign in with one and get
    /// a session cookie, API clients send it as a bearer token (or put the lines
    /// themselves, comma-separated, in OMNI_ACCESS_TOKENS).
    #[arg(long, env = "OMNI_ACCESS_TOKENS_FILE", value_name = "FILE")]
    access_tokens_file: Option<PathBuf>,
    /// Serve beyond loopback without tokens (a proxy in front authenticates); without
    /// tokens or this, omni-bff listens only on loopback addresses.
    #[arg(long, env = "OMNI_OPEN_ACCESS", num_args = 0..=1, default_value = "false",
          default_missing_value = "true", value_name = "BOOL", value_parser = BoolishValueParser::new())]
    open_access: bool,
    /// Without access tokens only requests whose Host is a loopback name (localhost,
    /// 127.0.0.1, [::1]) are served, so a web page cannot reach this BFF by pointing its
    /// own name at 127.0.0.1 (DNS rebinding). These names are served too, e.g. the name
    /// a proxy forwards (comma-separated; the --public-url host is always allowed).
    #[arg(long, env = "OMNI_ALLOWED_HOSTS", value_name = "NAMES", value_delimiter = ',', value_parser = host_name)]
    allowed_hosts: Vec<String>,
    /// Proxies whose X-Forwarded-For names the client for the rate limit, as addresses
    /// or CIDR ranges, comma-separated (e.g. 127.0.0.1,10.0.0.0/8).
    #[arg(
        long,
        env = "OMNI_TRUSTED_PROXIES",
        value_name = "RANGES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<crate::security::peer::Cidr>,
    /// Requests per second per client (burst: 4 s worth), or `off`.
    #[arg(long, env = "OMNI_RATE_LIMIT", default_value = "50", value_name = "N", value_parser = rate)]
    rate_limit: u32,
    /// Origins that may embed the studio in a frame, comma-separated [default: only the
    /// studio's own].
    #[arg(long, env = "OMNI_FRAME_ANCESTORS", value_name = "ORIGINS", value_delimiter = ',', value_parser = origin)]
    frame_ancestors: Vec<String>,
    /// Other origins whose pages may send changes, e.g. a static host of the app.
    #[arg(long, env = "OMNI_ALLOWED_ORIGINS", value_name = "ORIGINS", value_delimiter = ',', value_parser = origin)]
    allowed_origins: Vec<String>,
    /// Comment sent on idle event streams this often.
    #[arg(long, env = "OMNI_SSE_HEARTBEAT", default_value = "15s", value_name = "D", value_parser = duration)]
    sse_heartbeat: i64,
    /// `simulate` (built-in simulator) or the upstream base URL, e.g.
    /// https://api-singapore.klingai.com or a gateway's https://host/kling.
    #[arg(long, env = "OMNI_UPSTREAM", default_value = "simulate", value_name = "MODE", value_parser = upstream)]
    upstream: UpstreamMode,
    /// Where the built-in simulator listens [default: any free loopback port].
    #[arg(
        long,
        env = "OMNI_SIM_LISTEN",
        default_value = "127.0.0.1:0",
        value_name = "ADDR"
    )]
    sim_listen: SocketAddr,
    #[command(flatten)]
    sim: SimFlags,
    /// Change the built-in model catalog (models, limits, prices) with a TOML or JSON
    /// file; see docs/catalog.md (the simulator reads it too).
    #[arg(long, env = "OMNI_CATALOG", value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Fields a request carries that the catalog does not model: `warn` forwards them
    /// and lists them under `warnings`, `reject` refuses the request (400) naming each.
    #[arg(
        long,
        env = "OMNI_UNKNOWN_FIELDS",
        default_value = "warn",
        value_name = "POLICY"
    )]
    unknown_fields: UnknownFields,
    /// Also serve `/metrics` (Prometheus) here, without the access policy: bind it to
    /// an address only the monitoring can reach [default: only on the main listener,
    /// behind the access policy].
    #[arg(long, env = "OMNI_METRICS_LISTEN", value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    /// Log lines as `text` or `json` (one object per line, for log collectors); what is
    /// logged is set by OMNI_LOG.
    #[arg(
        long,
        env = "OMNI_LOG_FORMAT",
        default_value = "text",
        value_name = "FORMAT"
    )]
    log_format: LogFormat,
    /// Give up on one upstream call after D at most, e.g. 5s [default: 120s for
    /// creates, 15s for reads; result files stop after 60s without data].
    #[arg(long, env = "OMNI_UPSTREAM_TIMEOUT", value_name = "D", value_parser = duration)]
    upstream_timeout: Option<i64>,
    /// Send at most N slots' worth of tasks at once, `N` for both pools or e.g.
    /// `image=9,video=3` (an image task holds `n` slots, a video one); more creates wait
    /// in the queue [default: the catalog's `concurrency`, image 9, video 3].
    #[arg(long, env = "OMNI_MAX_IN_FLIGHT", value_name = "N", value_parser = max_in_flight, default_value = "")]
    max_in_flight: MaxInFlight,
}

/// `--max-in-flight`: per pool, a limit that replaces the catalog's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxInFlight {
    pub image: Option<u32>,
    pub video: Option<u32>,
}

impl MaxInFlight {
    /// The limits in force: these, else the catalog's.
    pub fn over(self, catalog: omni_api::queue::Concurrency) -> omni_api::queue::Concurrency {
        omni_api::queue::Concurrency {
            image: self.image.unwrap_or(catalog.image),
            video: self.video.unwrap_or(catalog.video),
        }
    }
}

fn max_in_flight(s: &str) -> Result<MaxInFlight, String> {
    let count = |v: &str| match v.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{v:?} must be a whole number of slots, at least 1")),
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(MaxInFlight::default());
    }
    if !s.contains('=') {
        let n = count(s)?;
        return Ok(MaxInFlight {
            image: Some(n),
            video: Some(n),
        });
    }
    let mut out = MaxInFlight::default();
    for part in s.split(',') {
        match part.split_once('=').map(|(k, v)| (k.trim(), v)) {
            Some(("image", v)) => out.image = Some(count(v)?),
            Some(("video", v)) => out.video = Some(count(v)?),
            _ => return Err(format!("{part:?}: use N, or image=N,video=N")),
        }
    }
    Ok(out)
}

/// Where tasks go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamMode {
    /// The built-in simulator, started in-process on its own loopback port.
    Simulate,
    /// A real base URL (official service or gateway).
    Url(String),
}

/// Credentials for the upstream; `Debug` never prints them.
#[derive(Clone, Default)]
pub struct Credentials {
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub api_key: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key.as_ref().map(|_| "<set>"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// A value `Debug` does not print (secrets inside a printable config).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redacted<T>(pub T);

impl<T> std::ops::Deref for Redacted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What to do with request fields the catalog does not model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnknownFields {
    /// Forward them, and say so in the answer's `warnings`.
    Warn,
    /// Refuse the request with 400, naming each.
    Reject,
}

/// Simulator behaviour set by flags.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    pub listen: SocketAddr,
    pub fail_rate: f64,
    pub speed: f64,
    /// Fraction of API calls answered with a protocol fault.
    pub faults: f64,
    /// The models it accepts: the same catalog as the BFF's.
    pub catalog: Arc<Catalog>,
    /// Refuse a repeated external_task_id, as a strict real upstream may.
    pub strict_ids: bool,
    /// Answer 1303 beyond this many slots of running tasks per pool.
    pub max_in_flight: Option<u32>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: ([127, 0, 0, 1], 0).into(),
            fail_rate: 0.0,
            speed: 1.0,
            faults: 0.0,
            catalog: Arc::new(Catalog::builtin().clone()),
            strict_ids: false,
            max_in_flight: None,
        }
    }
}

/// Everything the BFF needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub dist: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub upstream: UpstreamMode,
    pub credentials: Credentials,
    pub sim: SimOptions,
    pub public_url: Option<String>,
    pub media_dir: Option<PathBuf>,
    /// `s3://BUCKET/PREFIX`: the copies go there instead of the directory.
    pub media_store: Option<String>,
    /// Milliseconds; `None` keeps copies for good.
    pub media_retention_ms: Option<i64>,
    pub sse_heartbeat_ms: u64,
    /// Access tokens (empty: none); `Debug` shows how many, never which.
    pub access_tokens: Redacted<Vec<AccessToken>>,
    pub open_access: bool,
    /// Host names served without tokens besides loopback names (`--allowed-hosts`).
    pub allowed_hosts: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<crate::security::peer::Cidr>,
    /// Requests per second per client; 0 is off.
    pub rate_limit: u32,
    pub frame_ancestors: Vec<String>,
    pub allowed_origins: Vec<String>,
    /// Caps every upstream call's time-out (`None`: each kind's own default).
    pub upstream_timeout_ms: Option<u64>,
    /// The queue's limits, where they replace the catalog's.
    pub max_in_flight: MaxInFlight,
    /// The model catalog in force (built-in, changed by `--catalog`).
    pub catalog: Arc<Catalog>,
    pub unknown_fields: UnknownFields,
    /// A second listener for `/metrics` only.
    pub metrics_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
}

impl Config {
    /// Refuses a listen address beyond loopback without an access policy.
    pub fn check_access_policy(&self) -> Result<(), String> {
        if self.listen.ip().is_loopback() || !self.access_tokens.is_empty() || self.open_access {
            return Ok(());
        }
        Err(format!(
            "omni-bff would listen on {} (beyond this machine) without an access policy: \
             set OMNI_ACCESS_TOKENS or --access-tokens-file, or pass --open-access when a \
             proxy in front authenticates",
            self.listen
        ))
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Serve(Box<Config>),
    Simulate(SimOptions),
}

impl Config {
    /// The database URL in force: the given one, or SQLite in the data dir.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("omni.db").display()))
    }

    /// The media directory in force.
    pub fn media_dir(&self) -> PathBuf {
        self.media_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("media"))
    }
}

/// `90d`, `12h`, `30m`, `45s` or `500ms` in milliseconds.
pub fn duration_ms(what: &str, s: &str) -> Result<i64, String> {
    duration(s).map_err(|e| format!("{what}: {e}"))
}

fn duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{s:?} must be a number and a unit, e.g. 90d, 12h, 30s"))?;
    let scale = match unit {
        "d" => 86_400_000,
        "h" => 3_600_000,
        "m" => 60_000,
        "s" => 1_000,
        "ms" => 1,
        _ => return Err(format!("{s:?} needs a unit: d, h, m, s or ms")),
    };
    if n <= 0 {
        return Err(format!("{s:?} must be more than zero"));
    }
    n.checked_mul(scale)
        .ok_or_else(|| format!("{s:?} is too long"))
}

fn fraction(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|x| (0.0..=1.0).contains(x))
        .ok_or(format!("{s:?} must be a number from 0 to 1"))
}

fn speed(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|x| (0.01..=1000.0).contains(x))
        .ok_or(format!("{s:?} must be a number from 0.01 to 1000"))
}

fn rate(s: &str) -> Result<u32, String> {
    match s {
        "off" => Ok(0),
        n => n
            .parse::<u32>()
            .map_err(|_| format!("{n:?} must be a number of requests per second, or off")),
    }
}

fn http_url(s: &str) -> Result<String, String> {
    if s.starts_with("http://") || s.starts_with("https://") {
        Ok(s.trim_end_matches('/').to_owned())
    } else {
        Err(format!("{s:?} must be an http(s) URL"))
    }
}

fn upstream(s: &str) -> Result<UpstreamMode, String> {
    match s {
        "simulate" => Ok(UpstreamMode::Simulate),
        url => http_url(url)
            .map(UpstreamMode::Url)
            .map_err(|_| format!("{url:?} must be `simulate` or an http(s) URL")),
    }
}

/// An origin is a scheme and a host (and port), nothing after.
fn origin(s: &str) -> Result<String, String> {
    let o = s.trim();
    let ok = (o.starts_with("https://") || o.starts_with("http://"))
        && o.matches('/').count() == 2
        && o.len() > "https://".len();
    if ok {
        Ok(o.to_owned())
    } else {
        Err(format!(
            "{o:?} must be an origin like https://ops.example.com"
        ))
    }
}

/// A host name as it appears in `Host`, without a port, compared in lower case.
fn host_name(s: &str) -> Result<String, String> {
    let h = s.trim().to_ascii_lowercase();
    let ok = !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'[' | b']' | b':'));
    if ok && h != "*" {
        Ok(h)
    } else {
        Err(format!(
            "{s:?} must be a host name like studio.example.com (no scheme, port or wildcard)"
        ))
    }
}

/// Parses arguments (without the program name). Options come from clap (arguments over
/// their `OMNI_*` variables); secrets come from `env` only.
pub fn parse(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Command, clap::Error> {
    let cli =
        Cli::try_parse_from(std::iter::once("omni-bff".to_owned()).chain(args.iter().cloned()))?;
    let fail = |e: String| Cli::command().error(clap::error::ErrorKind::ValueValidation, e);
    let catalog = |file: &Option<PathBuf>| -> Result<Arc<Catalog>, clap::Error> {
        Ok(Arc::new(match file {
            Some(path) => crate::catalog_file::load(path).map_err(fail)?,
            None => Catalog::builtin().clone(),
        }))
    };
    let sim = |listen: SocketAddr, flags: &SimFlags, catalog: Arc<Catalog>| SimOptions {
        listen,
        fail_rate: flags.sim_fail_rate,
        speed: flags.sim_speed,
        faults: flags.sim_faults,
        catalog,
        strict_ids: flags.sim_strict_ids,
        max_in_flight: flags.sim_max_in_flight,
    };
    if let Some(Sub::Simulate(a)) = &cli.command {
        return Ok(Command::Simulate(sim(
            a.listen,
            &a.sim,
            catalog(&a.catalog)?,
        )));
    }
    let a = cli.serve;
    let catalog = catalog(&a.catalog)?;
    secrets_and_tokens(a, catalog, env, &sim).map_err(fail)
}

/// The half of the configuration clap cannot see: secrets and access tokens.
fn secrets_and_tokens(
    a: ServeArgs,
    catalog: Arc<Catalog>,
    env: &dyn Fn(&str) -> Option<String>,
    sim: &dyn Fn(SocketAddr, &SimFlags, Arc<Catalog>) -> SimOptions,
) -> Result<Command, String> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let api_key = match get("OMNI_UPSTREAM_API_KEY") {
        Some(k) => Some(k),
        None => match get("OMNI_UPSTREAM_API_KEY_FILE") {
            Some(path) => Some(
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("OMNI_UPSTREAM_API_KEY_FILE {path}: {e}"))?
                    .trim()
                    .to_owned(),
            ),
            None => None,
        },
    };
    let mut lines: Vec<String> = get("OMNI_ACCESS_TOKENS")
        .map(|t| t.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(path) = &a.access_tokens_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--access-tokens-file {}: {e}", path.display()))?;
        lines.extend(text.lines().map(str::to_owned));
    }
    let access_tokens = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(AccessToken::parse)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Command::Serve(Box::new(Config {
        listen: a.listen,
        dist: a.dist,
        data_dir: a.data_dir,
        database_url: a.database_url,
        upstream: a.upstream,
        credentials: Credentials {
            access_key: get("KLING_ACCESS_KEY"),
            secret_key: get("KLING_SECRET_KEY"),
            api_key,
        },
        sim: sim(a.sim_listen, &a.sim, catalog.clone()),
        public_url: a.public_url,
        media_dir: a.media_dir,
        media_store: a.media_store,
        media_retention_ms: a.media_retention,
        sse_heartbeat_ms: a.sse_heartbeat as u64,
        access_tokens: Redacted(access_tokens),
        open_access: a.open_access,
        allowed_hosts: a.allowed_hosts,
        trusted_proxies: a.trusted_proxies,
        rate_limit: a.rate_limit,
        frame_ancestors: a.frame_ancestors,
        allowed_origins: a.allowed_origins,
        upstream_timeout_ms: a.upstream_timeout.map(|ms| ms as u64),
        max_in_flight: a.max_in_flight,
        catalog,
        unknown_fields: a.unknown_fields,
        metrics_listen: a.metrics_listen,
        log_format: a.log_format,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match parse(&args, &|k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
        .map_err(|e| e.to_string())?
        {
            Command::Serve(c) => Ok(*c),
            other => panic!("not a serve command: {other:?}"),
        }
    }

    #[test]
    fn durations_have_a_unit_and_are_positive() {
        assert_eq!(duration_ms("x", "90d"), Ok(90 * 86_400_000));
        assert_eq!(duration_ms("x", "12h"), Ok(12 * 3_600_000));
        assert_eq!(duration_ms("x", "30m"), Ok(1_800_000));
        assert_eq!(duration_ms("x", "45s"), Ok(45_000));
        assert_eq!(duration_ms("x", "250ms"), Ok(250));
        for bad in [
            "",
            "10",
            "d",
            "0s",
            "-1s",
            "5w",
            "1.5h",
            "99999999999999999d",
        ] {
            let e = duration_ms("--media-retention", bad).unwrap_err();
            assert!(e.starts_with("--media-retention: "), "{bad}: {e}");
        }
    }

    #[test]
    fn push_and_media_options_with_their_defaults() {
        let c = serve(&[], &[]).unwrap();
        assert_eq!(c.public_url, None);
        assert_eq!(c.media_dir(), PathBuf::from("data/media"));
        assert_eq!(c.media_retention_ms, None);
        assert_eq!(c.sse_heartbeat_ms, 15_000);
        let c = serve(
            &[
                "--public-url",
                "https://studio.example.com/",
                "--media-retention",
                "30d",
                "--sse-heartbeat=2s",
                "--media-dir",
                "/srv/media",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://studio.example.com"));
        assert_eq!(c.media_dir(), PathBuf::from("/srv/media"));
        assert_eq!(c.media_retention_ms, Some(30 * 86_400_000));
        assert_eq!(c.sse_heartbeat_ms, 2_000);
        let e = serve(&["--public-url", "studio.example.com"], &[]).unwrap_err();
        assert!(e.contains("--public-url"), "{e}");
    }

    #[test]
    fn flag_values_are_checked_not_guessed() {
        // `--open-access=false` once turned open access on.
        assert!(!serve(&["--open-access=false"], &[]).unwrap().open_access);
        assert!(serve(&["--open-access"], &[]).unwrap().open_access);
        assert!(serve(&["--open-access=true"], &[]).unwrap().open_access);
        let e = serve(&["--open-access=maybe"], &[]).unwrap_err();
        assert!(e.contains("--open-access"), "{e}");
        let e = serve(&["--rate-limit", "fast"], &[]).unwrap_err();
        assert!(e.contains("--rate-limit") && e.contains("or off"), "{e}");
        assert_eq!(serve(&["--rate-limit", "off"], &[]).unwrap().rate_limit, 0);
        let e = serve(&["--unknown-fields", "drop"], &[]).unwrap_err();
        assert!(e.contains("warn") && e.contains("reject"), "{e}");
        let e = serve(&["--listen", "localhost"], &[]).unwrap_err();
        assert!(e.contains("--listen"), "{e}");
        let c = serve(
            &[
                "--allowed-hosts",
                "Studio.Example.com,ops.example.com",
                "--trusted-proxies",
                "127.0.0.1,10.0.0.0/8",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.allowed_hosts, ["studio.example.com", "ops.example.com"]);
        assert_eq!(c.trusted_proxies.len(), 2);
        for bad in ["*", "https://studio.example.com", "a b"] {
            assert!(serve(&["--allowed-hosts", bad], &[]).is_err(), "{bad}");
        }
        assert!(serve(&["--trusted-proxies", "10.0.0.0/33"], &[]).is_err());
        let e = serve(&["--bogus"], &[]).unwrap_err();
        assert!(e.contains("--bogus"), "{e}");
    }

    #[test]
    fn secrets_come_from_the_environment_only() {
        let c = serve(
            &[],
            &[
                ("OMNI_UPSTREAM_API_KEY", "gw-key"),
                (
                    "OMNI_ACCESS_TOKENS",
                    "a-token-of-16-chars, another-long-token",
                ),
            ],
        )
        .unwrap();
        assert_eq!(c.credentials.api_key.as_deref(), Some("gw-key"));
        assert_eq!(c.access_tokens.len(), 2);
        let e = serve(&[], &[("OMNI_ACCESS_TOKENS", "short")]).unwrap_err();
        assert!(e.contains("at least 16 characters"), "{e}");
        // Debug never shows them.
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("gw-key") && !shown.contains("a-token-of"),
            "{shown}"
        );
    }

    #[test]
    fn database_urls_other_than_sqlite_and_postgres_are_refused_by_the_store() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let e = rt
            .block_on(crate::store::Store::open("mysql://x@y/z"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("sqlite://") && e.contains("postgres://"), "{e}");
    }
}
