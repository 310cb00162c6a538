//! Settings from the command line and the environment. Secrets come only from the
//! environment (or a file named by it), never from arguments that `ps` would show.

use omni_api::Catalog;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// `--help` text: every option, its variable and its default.
pub const HELP: &str = "\
omni-bff: Omni Studio's backend-for-frontend

USAGE:
    omni-bff [OPTIONS]            serve the app and the API
    omni-bff simulate [OPTIONS]   run only the upstream simulator

OPTIONS:
    --listen ADDR         address to serve on [env OMNI_LISTEN, default 127.0.0.1:8080]
    --dist DIR            the built app to serve [env OMNI_DIST, default ./dist]
    --data-dir DIR        database and media [env OMNI_DATA_DIR, default ./data]
    --database-url URL    sqlite://PATH (default: DATA_DIR/omni.db) or
                          postgres://USER:PASSWORD@HOST:PORT/DB, which several
                          instances can share [env OMNI_DATABASE_URL]
    --public-url URL      where the upstream can reach this BFF, e.g.
                          https://studio.example.com: every create then carries a
                          callback URL with a per-task secret, and changes are pushed
                          [env OMNI_PUBLIC_URL; with the built-in simulator the
                          listen address is used]
    --media-dir DIR       copies of result images and videos, shared by all
                          instances [env OMNI_MEDIA_DIR, default DATA_DIR/media]
    --media-store URL     keep the copies in an S3-compatible bucket instead,
                          s3://BUCKET/PREFIX, with AWS_ACCESS_KEY_ID,
                          AWS_SECRET_ACCESS_KEY, AWS_REGION (and AWS_ENDPOINT,
                          AWS_ALLOW_HTTP=true for MinIO and the like)
                          [env OMNI_MEDIA_STORE]
    --media-retention D   remove copies older than D, e.g. 90d, 12h, 30m, 45s
                          [env OMNI_MEDIA_RETENTION, default: keep them]
    --access-tokens-file F  access tokens, one per line: browsers sign in with one
                          and get a session cookie, API clients send it as a bearer
                          token [env OMNI_ACCESS_TOKENS_FILE; or the tokens
                          themselves, comma-separated, in OMNI_ACCESS_TOKENS]
    --open-access         serve beyond loopback without tokens (a proxy in front
                          authenticates) [env OMNI_OPEN_ACCESS=true]; without tokens
                          or this, omni-bff listens only on loopback addresses
    --rate-limit N        requests per second per client (burst: 4 s worth), or
                          `off` [env OMNI_RATE_LIMIT, default 50]
    --frame-ancestors O   origins that may embed the studio in a frame,
                          comma-separated [env OMNI_FRAME_ANCESTORS, default: only
                          the studio's own]
    --allowed-origins O   other origins whose pages may send changes, e.g. a static
                          host of the app [env OMNI_ALLOWED_ORIGINS]
    --sse-heartbeat D     comment sent on idle event streams this often
                          [env OMNI_SSE_HEARTBEAT, default 15s]
    --upstream MODE       `simulate` (built-in simulator) or the upstream base URL,
                          e.g. https://api-singapore.klingai.com or a gateway's
                          https://host/kling [env OMNI_UPSTREAM, default simulate]
    --sim-listen ADDR     where the built-in simulator listens
                          [env OMNI_SIM_LISTEN, default 127.0.0.1:0 (any free port)]
    --sim-fail-rate P     simulator: fail this fraction (0..1) of tasks [default 0]
    --sim-speed X         simulator: task speed factor, 2 = twice as fast [default 1]
    --sim-faults P        simulator: fail this fraction (0..1) of API calls with a
                          5xx, 429/1303, no answer, malformed JSON or a dropped
                          connection (the last three after doing the work) [default 0]
    --catalog FILE        change the built-in model catalog (models, limits, prices)
                          with a TOML or JSON file; see docs/catalog.md
                          [env OMNI_CATALOG; the simulator reads it too]
    --unknown-fields P    fields a request carries that the catalog does not model:
                          `warn` forwards them and lists them under `warnings`,
                          `reject` refuses the request (400) naming each
                          [env OMNI_UNKNOWN_FIELDS, default warn]
    --upstream-timeout D  give up on one upstream call after D at most, e.g. 5s
                          [env OMNI_UPSTREAM_TIMEOUT, default: 120s for creates,
                          15s for reads, 60s for result files]
    -h, --help            print this help
    -V, --version         print the version

SECRETS (environment only):
    KLING_ACCESS_KEY, KLING_SECRET_KEY   official service: signs HS256 JWTs
    OMNI_UPSTREAM_API_KEY                gateway: sent as a bearer key
    OMNI_UPSTREAM_API_KEY_FILE           read the bearer key from this file

STANDALONE SIMULATOR (`omni-bff simulate`):
    OMNI_SIM_API_KEY                     demand this bearer key, like a gateway

SIMULATOR HINTS (put in a prompt, for tests and demos):
    [sim:fail]          the task fails (content moderation)
    [sim:failonce]      the first task with this prompt fails, a retry succeeds
    [sim:code=1303]     the create answers that upstream error code
    [sim:delay=3000]    the task takes this many extra milliseconds
    [sim:slow=2000]     every HTTP answer for this task waits this long
    [sim:drop]          the create drops the connection without answering
    [sim:readfail=2]    the first 2 reads of the task answer 503 (code 5001)
    [sim:filefail=2]    the first 2 downloads of its result files answer 503
    [sim:hostile]       result links point at the cloud metadata address, at a
                        redirect to another loopback address, and at localhost
    [sim:scriptlinks]   the first result links are javascript: and data: URLs
";

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

/// What to do with request fields the catalog does not model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: ([127, 0, 0, 1], 0).into(),
            fail_rate: 0.0,
            speed: 1.0,
            faults: 0.0,
            catalog: Arc::new(Catalog::builtin().clone()),
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
    /// Access tokens (empty: none).
    pub access_tokens: Vec<String>,
    pub open_access: bool,
    /// Requests per second per client; 0 is off.
    pub rate_limit: u32,
    pub frame_ancestors: Vec<String>,
    pub allowed_origins: Vec<String>,
    /// Caps every upstream call's time-out (`None`: each kind's own default).
    pub upstream_timeout_ms: Option<u64>,
    /// The model catalog in force (built-in, changed by `--catalog`).
    pub catalog: Arc<Catalog>,
    pub unknown_fields: UnknownFields,
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
    Serve(Config),
    Simulate(SimOptions),
    Help,
    Version,
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
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{what}: {s:?} must be a number and a unit, e.g. 90d, 12h, 30s"))?;
    let scale = match unit {
        "d" => 86_400_000,
        "h" => 3_600_000,
        "m" => 60_000,
        "s" => 1_000,
        "ms" => 1,
        _ => return Err(format!("{what}: {s:?} needs a unit: d, h, m, s or ms")),
    };
    if n <= 0 {
        return Err(format!("{what}: {s:?} must be more than zero"));
    }
    n.checked_mul(scale)
        .ok_or_else(|| format!("{what}: {s:?} is too long"))
}

/// Parses arguments (without the program name) over the environment `env`.
pub fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, String> {
    let mut args = args.iter().peekable();
    let simulate = args.peek().is_some_and(|a| *a == "simulate");
    if simulate {
        args.next();
    }
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut listen = get("OMNI_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
    let mut dist = get("OMNI_DIST").unwrap_or_else(|| "dist".into());
    let mut data_dir = get("OMNI_DATA_DIR").unwrap_or_else(|| "data".into());
    let mut database_url = get("OMNI_DATABASE_URL");
    let mut upstream = get("OMNI_UPSTREAM").unwrap_or_else(|| "simulate".into());
    let mut sim_listen = get("OMNI_SIM_LISTEN").unwrap_or_else(|| "127.0.0.1:0".into());
    let mut public_url = get("OMNI_PUBLIC_URL");
    let mut media_dir = get("OMNI_MEDIA_DIR");
    let mut media_store = get("OMNI_MEDIA_STORE");
    let mut retention = get("OMNI_MEDIA_RETENTION");
    let mut heartbeat = get("OMNI_SSE_HEARTBEAT").unwrap_or_else(|| "15s".into());
    let mut tokens_file = get("OMNI_ACCESS_TOKENS_FILE");
    let mut open_access = get("OMNI_OPEN_ACCESS").is_some_and(|v| v == "true" || v == "1");
    let mut rate_limit = get("OMNI_RATE_LIMIT").unwrap_or_else(|| "50".into());
    let mut frame_ancestors = get("OMNI_FRAME_ANCESTORS").unwrap_or_default();
    let mut allowed_origins = get("OMNI_ALLOWED_ORIGINS").unwrap_or_default();
    let mut fail_rate = "0".to_owned();
    let mut speed = "1".to_owned();
    let mut faults = "0".to_owned();
    let mut upstream_timeout = get("OMNI_UPSTREAM_TIMEOUT");
    let mut catalog_file = get("OMNI_CATALOG");
    let mut unknown_fields = get("OMNI_UNKNOWN_FIELDS").unwrap_or_else(|| "warn".into());
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => listen = value()?,
            "--dist" => dist = value()?,
            "--data-dir" => data_dir = value()?,
            "--database-url" => database_url = Some(value()?),
            "--upstream" => upstream = value()?,
            "--sim-listen" => sim_listen = value()?,
            "--public-url" => public_url = Some(value()?),
            "--media-dir" => media_dir = Some(value()?),
            "--media-store" => media_store = Some(value()?),
            "--media-retention" => retention = Some(value()?),
            "--sse-heartbeat" => heartbeat = value()?,
            "--access-tokens-file" => tokens_file = Some(value()?),
            "--open-access" => open_access = true,
            "--rate-limit" => rate_limit = value()?,
            "--frame-ancestors" => frame_ancestors = value()?,
            "--allowed-origins" => allowed_origins = value()?,
            "--sim-fail-rate" => fail_rate = value()?,
            "--sim-speed" => speed = value()?,
            "--sim-faults" => faults = value()?,
            "--upstream-timeout" => upstream_timeout = Some(value()?),
            "--catalog" => catalog_file = Some(value()?),
            "--unknown-fields" => unknown_fields = value()?,
            other => return Err(format!("unknown option {other:?}; see --help")),
        }
    }
    let addr = |what: &str, s: &str| {
        s.parse::<SocketAddr>()
            .map_err(|_| format!("{what}: {s:?} is not an address like 127.0.0.1:8080"))
    };
    let fraction = |what: &str, s: &str, lo: f64, hi: f64| {
        s.parse::<f64>()
            .ok()
            .filter(|x| (lo..=hi).contains(x))
            .ok_or(format!("{what}: {s:?} must be a number from {lo} to {hi}"))
    };
    let catalog = Arc::new(match catalog_file {
        Some(path) => crate::catalog_file::load(std::path::Path::new(&path))?,
        None => Catalog::builtin().clone(),
    });
    let unknown_fields = match unknown_fields.as_str() {
        "warn" => UnknownFields::Warn,
        "reject" => UnknownFields::Reject,
        other => {
            return Err(format!(
                "--unknown-fields: {other:?} must be `warn` or `reject`"
            ))
        }
    };
    let sim = SimOptions {
        listen: addr(
            if simulate { "--listen" } else { "--sim-listen" },
            if simulate { &listen } else { &sim_listen },
        )?,
        fail_rate: fraction("--sim-fail-rate", &fail_rate, 0.0, 1.0)?,
        speed: fraction("--sim-speed", &speed, 0.01, 1000.0)?,
        faults: fraction("--sim-faults", &faults, 0.0, 1.0)?,
        catalog: catalog.clone(),
    };
    if simulate {
        return Ok(Command::Simulate(sim));
    }
    let upstream = match upstream.as_str() {
        "simulate" => UpstreamMode::Simulate,
        url if url.starts_with("http://") || url.starts_with("https://") => {
            UpstreamMode::Url(url.trim_end_matches('/').to_owned())
        }
        other => {
            return Err(format!(
                "--upstream: {other:?} must be `simulate` or an http(s) URL"
            ))
        }
    };
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
    let public_url = match public_url {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            Some(u.trim_end_matches('/').to_owned())
        }
        Some(u) => return Err(format!("--public-url: {u:?} must be an http(s) URL")),
        None => None,
    };
    let media_retention_ms = retention
        .map(|r| duration_ms("--media-retention", &r))
        .transpose()?;
    let sse_heartbeat_ms = duration_ms("--sse-heartbeat", &heartbeat)? as u64;
    let upstream_timeout_ms = upstream_timeout
        .map(|d| duration_ms("--upstream-timeout", &d).map(|ms| ms as u64))
        .transpose()?;
    let mut access_tokens: Vec<String> = get("OMNI_ACCESS_TOKENS")
        .map(|t| t.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    if let Some(path) = tokens_file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("--access-tokens-file {path}: {e}"))?;
        access_tokens.extend(text.lines().map(|l| l.trim().to_owned()));
    }
    access_tokens.retain(|t| !t.is_empty() && !t.starts_with('#'));
    if let Some(short) = access_tokens.iter().find(|t| t.len() < 16) {
        return Err(format!(
            "access tokens must be at least 16 characters (one has {})",
            short.len()
        ));
    }
    let rate_limit = match rate_limit.as_str() {
        "off" | "0" => 0,
        n => n.parse::<u32>().map_err(|_| {
            format!("--rate-limit: {n:?} must be a number of requests per second, or off")
        })?,
    };
    let origins = |what: &str, list: &str| -> Result<Vec<String>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| {
                // An origin is a scheme and a host, nothing after.
                let ok = (o.starts_with("https://") || o.starts_with("http://"))
                    && o.matches('/').count() == 2;
                if ok {
                    Ok(o.to_owned())
                } else {
                    Err(format!(
                        "{what}: {o:?} must be an origin like https://ops.example.com"
                    ))
                }
            })
            .collect()
    };
    let frame_ancestors = origins("--frame-ancestors", &frame_ancestors)?;
    let allowed_origins = origins("--allowed-origins", &allowed_origins)?;
    Ok(Command::Serve(Config {
        listen: addr("--listen", &listen)?,
        dist: dist.into(),
        data_dir: data_dir.into(),
        database_url,
        upstream,
        credentials: Credentials {
            access_key: get("KLING_ACCESS_KEY"),
            secret_key: get("KLING_SECRET_KEY"),
            api_key,
        },
        sim,
        public_url,
        media_dir: media_dir.map(PathBuf::from),
        media_store,
        media_retention_ms,
        sse_heartbeat_ms,
        access_tokens,
        open_access,
        rate_limit,
        frame_ancestors,
        allowed_origins,
        upstream_timeout_ms,
        catalog,
        unknown_fields,
    }))
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
        })? {
            Command::Serve(c) => Ok(c),
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
            ],
            &[("OMNI_MEDIA_DIR", "/srv/media")],
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
    fn database_urls_other_than_sqlite_and_postgres_are_refused_by_the_store() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let e = rt
            .block_on(crate::store::Store::open("mysql://x@y/z"))
            .err()
            .unwrap();
        assert!(e.contains("sqlite://") && e.contains("postgres://"), "{e}");
    }
}
