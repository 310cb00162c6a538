//! The upstream's error codes (upstream-facts.md): HTTP status and meaning, one table
//! for the simulator that answers with them and the app that explains them.

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
        code: 1000,
        http_status: 401,
        message: "authentication failed",
        advice: "The studio's upstream credentials are wrong; tell the operator.",
    },
    CodeInfo {
        code: 1001,
        http_status: 401,
        message: "authorization is empty",
        advice: "The studio has no upstream credentials; tell the operator.",
    },
    CodeInfo {
        code: 1002,
        http_status: 401,
        message: "authorization is invalid",
        advice: "The studio's upstream key is not accepted; tell the operator.",
    },
    CodeInfo {
        code: 1003,
        http_status: 401,
        message: "authorization is not yet valid",
        advice: "The server clock is ahead; tell the operator.",
    },
    CodeInfo {
        code: 1004,
        http_status: 401,
        message: "authorization has expired",
        advice: "Try again; the studio renews its token.",
    },
    CodeInfo {
        code: 1100,
        http_status: 429,
        message: "account exception",
        advice: "The upstream account has a problem; tell the operator.",
    },
    CodeInfo {
        code: 1101,
        http_status: 429,
        message: "account in arrears",
        advice: "The upstream account needs topping up (quota).",
    },
    CodeInfo {
        code: 1102,
        http_status: 429,
        message: "resource pack used up or expired",
        advice: "The quota is used up; more credits are needed.",
    },
    CodeInfo {
        code: 1103,
        http_status: 403,
        message: "no permission for this API or model",
        advice: "This account may not use this model; pick another.",
    },
    CodeInfo {
        code: 1200,
        http_status: 400,
        message: "invalid parameters",
        advice: "Check the fields marked in the form.",
    },
    CodeInfo {
        code: 1201,
        http_status: 400,
        message: "invalid parameters",
        advice: "Check the fields marked in the form.",
    },
    CodeInfo {
        code: 1202,
        http_status: 404,
        message: "invalid method",
        advice: "The studio called a route the wrong way; please report it.",
    },
    CodeInfo {
        code: 1203,
        http_status: 404,
        message: "resource not found",
        advice: "The task or model does not exist (any more).",
    },
    CodeInfo {
        code: 1300,
        http_status: 400,
        message: "platform policy triggered",
        advice: "The request breaks a platform policy; change the prompt or references.",
    },
    CodeInfo {
        code: 1301,
        http_status: 400,
        message: "content-safety policy triggered",
        advice: "Content safety refused it; change the prompt or references.",
    },
    CodeInfo {
        code: 1302,
        http_status: 429,
        message: "rate limit exceeded",
        advice: "Too many requests; wait a moment and try again.",
    },
    CodeInfo {
        code: 1303,
        http_status: 429,
        message: "concurrency over the resource pack's limit",
        advice: "Too many tasks are running at once (concurrency); try again when one ends.",
    },
    CodeInfo {
        code: 1304,
        http_status: 429,
        message: "IP not on the allow-list",
        advice: "The server's address is not allowed upstream; tell the operator.",
    },
    CodeInfo {
        code: 5000,
        http_status: 500,
        message: "internal error",
        advice: "The service had an internal error; try again.",
    },
    CodeInfo {
        code: 5001,
        http_status: 503,
        message: "service under maintenance",
        advice: "The service is under maintenance; try again later.",
    },
    CodeInfo {
        code: 5002,
        http_status: 504,
        message: "timeout or backlog",
        advice: "The service is busy or did not answer in time; try again.",
    },
];

/// The entry for `code`; unknown codes read as an internal error.
pub fn info(code: i64) -> CodeInfo {
    TABLE
        .iter()
        .copied()
        .find(|c| c.code == code)
        .unwrap_or(CodeInfo {
            code,
            ..TABLE[TABLE.len() - 3]
        })
}
