//! The upstream's error codes (upstream-facts.md): HTTP status and meaning, one table
//! for the simulator that answers with them and the app that explains them.

// The codes by name: the BFF, the upstream client and the simulator use these, never
// the bare numbers.
pub const AUTH_FAILED: i64 = 1000;
pub const AUTH_EMPTY: i64 = 1001;
pub const AUTH_INVALID: i64 = 1002;
pub const AUTH_NOT_YET_VALID: i64 = 1003;
pub const AUTH_EXPIRED: i64 = 1004;
pub const ACCOUNT_EXCEPTION: i64 = 1100;
pub const ACCOUNT_ARREARS: i64 = 1101;
pub const RESOURCE_PACK_EXHAUSTED: i64 = 1102;
pub const NO_PERMISSION: i64 = 1103;
pub const BAD_REQUEST: i64 = 1200;
pub const INVALID_PARAMS: i64 = 1201;
pub const INVALID_METHOD: i64 = 1202;
pub const NOT_FOUND: i64 = 1203;
pub const POLICY: i64 = 1300;
pub const CONTENT_SAFETY: i64 = 1301;
pub const RATE_LIMIT: i64 = 1302;
pub const CONCURRENCY: i64 = 1303;
pub const IP_NOT_ALLOWED: i64 = 1304;
pub const INTERNAL: i64 = 5000;
pub const MAINTENANCE: i64 = 5001;
pub const TIMEOUT: i64 = 5002;

/// Whether a request that got `code` may succeed when sent again unchanged: the
/// concurrency limit, or the service's own trouble (nothing about the request).
pub fn is_transient(code: i64) -> bool {
    matches!(code, CONCURRENCY | INTERNAL | MAINTENANCE | TIMEOUT)
}

/// What an upstream error code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: i64,
    pub http_status: u16,
    /// Short words, as the upstream would say them.
    pub message: &'static str,
    /// What a user can do about it.
    pub advice: &'static str,
}

const TABLE: &[CodeInfo] = &[
    CodeInfo {
        code: AUTH_FAILED,
        http_status: 401,
        message: "authentication failed",
        advice: "The studio's upstream credentials are wrong; tell the operator.",
    },
    CodeInfo {
        code: AUTH_EMPTY,
        http_status: 401,
        message: "authorization is empty",
        advice: "The studio has no upstream credentials; tell the operator.",
    },
    CodeInfo {
        code: AUTH_INVALID,
        http_status: 401,
        message: "authorization is invalid",
        advice: "The studio's upstream key is not accepted; tell the operator.",
    },
    CodeInfo {
        code: AUTH_NOT_YET_VALID,
        http_status: 401,
        message: "authorization is not yet valid",
        advice: "The server clock is ahead; tell the operator.",
    },
    CodeInfo {
        code: AUTH_EXPIRED,
        http_status: 401,
        message: "authorization has expired",
        advice: "Try again; the studio renews its token.",
    },
    CodeInfo {
        code: ACCOUNT_EXCEPTION,
        http_status: 429,
        message: "account exception",
        advice: "The upstream account has a problem; tell the operator.",
    },
    CodeInfo {
        code: ACCOUNT_ARREARS,
        http_status: 429,
        message: "account in arrears",
        advice: "The upstream account needs topping up (quota).",
    },
    CodeInfo {
        code: RESOURCE_PACK_EXHAUSTED,
        http_status: 429,
        message: "resource pack used up or expired",
        advice: "The quota is used up; more credits are needed.",
    },
    CodeInfo {
        code: NO_PERMISSION,
        http_status: 403,
        message: "no permission for this API or model",
        advice: "This account may not use this model; pick another.",
    },
    CodeInfo {
        code: BAD_REQUEST,
        http_status: 400,
        message: "invalid parameters",
        advice: "Check the fields marked in the form.",
    },
    CodeInfo {
        code: INVALID_PARAMS,
        http_status: 400,
        message: "invalid parameters",
        advice: "Check the fields marked in the form.",
    },
    CodeInfo {
        code: INVALID_METHOD,
        http_status: 404,
        message: "invalid method",
        advice: "The studio called a route the wrong way; please report it.",
    },
    CodeInfo {
        code: NOT_FOUND,
        http_status: 404,
        message: "resource not found",
        advice: "The task or model does not exist (any more).",
    },
    CodeInfo {
        code: POLICY,
        http_status: 400,
        message: "platform policy triggered",
        advice: "The request breaks a platform policy; change the prompt or references.",
    },
    CodeInfo {
        code: CONTENT_SAFETY,
        http_status: 400,
        message: "content-safety policy triggered",
        advice: "Content safety refused it; change the prompt or references.",
    },
    CodeInfo {
        code: RATE_LIMIT,
        http_status: 429,
        message: "rate limit exceeded",
        advice: "Too many requests; wait a moment and try again.",
    },
    CodeInfo {
        code: CONCURRENCY,
        http_status: 429,
        message: "concurrency over the resource pack's limit",
        advice: "Too many tasks are running at once (concurrency); try again when one ends.",
    },
    CodeInfo {
        code: IP_NOT_ALLOWED,
        http_status: 429,
        message: "IP not on the allow-list",
        advice: "The server's address is not allowed upstream; tell the operator.",
    },
    CodeInfo {
        code: INTERNAL,
        http_status: 500,
        message: "internal error",
        advice: "The service had an internal error; try again.",
    },
    CodeInfo {
        code: MAINTENANCE,
        http_status: 503,
        message: "service under maintenance",
        advice: "The service is under maintenance; try again later.",
    },
    CodeInfo {
        code: TIMEOUT,
        http_status: 504,
        message: "timeout or backlog",
        advice: "The service is busy or did not answer in time; try again.",
    },
];

/// The entry for `code`; unknown codes read as an internal error.
pub fn info(code: i64) -> CodeInfo {
    let find = |code| TABLE.iter().copied().find(|c| c.code == code);
    find(code).unwrap_or_else(|| CodeInfo {
        code,
        ..find(INTERNAL).expect("the table has the internal error")
    })
}
