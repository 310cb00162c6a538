//! A create as code to paste into a script: `curl`, JavaScript `fetch` and Python
//! `requests` against a BFF's `/kling` route for the task's kind.
//!
//! The body goes as JSON text, never as a language's object: element ids are 64-bit
//! and would lose digits as JavaScript numbers. Images given as base64 (megabytes each)
//! are elided, so the snippet stays readable; the note says where the bytes go.

use crate::media::{classify, ImageInput};
use crate::TaskKind;
use serde_json::Value;

/// The same request in each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippets {
    pub curl: String,
    pub javascript: String,
    pub python: String,
    /// How many base64 images were elided (a snippet with any cannot run as it is).
    pub elided: usize,
}

/// Base64 shorter than this stays (a tiny inline image runs as it is).
const ELIDE_FROM: usize = 512;

/// What an elided image is replaced with.
pub fn elided_marker(bytes: usize) -> String {
    format!(
        "<base64 image, {} KB, elided: put the image's base64 here>",
        bytes.div_ceil(1024)
    )
}

/// The snippets for creating a task of `kind` with `body` at `base` (the BFF's origin
/// and path prefix, ending in `/`); `token`: the BFF wants an access token, read from
/// the environment variable `OMNI_TOKEN`.
pub fn snippets(base: &str, kind: TaskKind, body: &Value, token: bool) -> Snippets {
    let mut body = body.clone();
    let elided = elide(&mut body);
    let json = serde_json::to_string_pretty(&body).unwrap_or_else(|_| "{}".into());
    let url = format!("{base}kling/v1/{}", kind.path());
    Snippets {
        curl: curl(&url, &json, token),
        javascript: javascript(&url, &json, token),
        python: python(&url, &json, token),
        elided,
    }
}

/// Replaces every base64 image in `v` with a marker; answers how many.
fn elide(v: &mut Value) -> usize {
    match v {
        Value::String(s) if s.len() >= ELIDE_FROM && is_base64_image(s) => {
            *s = elided_marker(s.len() / 4 * 3);
            1
        }
        Value::Array(items) => items.iter_mut().map(elide).sum(),
        Value::Object(fields) => fields.values_mut().map(elide).sum(),
        _ => 0,
    }
}

/// A data URL, or text of base64's alphabet only (a prompt has spaces).
fn is_base64_image(s: &str) -> bool {
    match classify(s) {
        ImageInput::Url(_) => false,
        ImageInput::Base64(b64) => {
            s.trim_start().starts_with("data:")
                || b64
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        }
    }
}

fn curl(url: &str, json: &str, token: bool) -> String {
    let auth = if token {
        "  -H \"Authorization: Bearer $OMNI_TOKEN\" \\\n"
    } else {
        ""
    };
    // A quoted heredoc passes the JSON through the shell untouched.
    format!(
        "curl -sS -X POST {} \\\n  -H 'Content-Type: application/json' \\\n{auth}  --data-binary @- <<'JSON'\n{json}\nJSON\n",
        shell_quote(url)
    )
}

fn javascript(url: &str, json: &str, token: bool) -> String {
    let auth = if token {
        "    Authorization: `Bearer ${process.env.OMNI_TOKEN}`,\n"
    } else {
        ""
    };
    let body = json
        .replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace("${", "\\${");
    format!(
        "// Node 18 or later (fetch is built in); the body is JSON text, so 64-bit ids stay exact.\n\
         const response = await fetch({url}, {{\n  method: \"POST\",\n  headers: {{\n    \"Content-Type\": \"application/json\",\n{auth}  }},\n  body: `{body}`,\n}});\n\
         const answer = await response.json();\n\
         if (answer.code !== 0) throw new Error(`${{answer.code}} ${{answer.message}}`);\n\
         console.log(answer.data.task_id);\n",
        url = js_string(url),
    )
}

fn python(url: &str, json: &str, token: bool) -> String {
    let auth = if token {
        ", \"Authorization\": \"Bearer \" + os.environ[\"OMNI_TOKEN\"]"
    } else {
        ""
    };
    let body = json.replace('\\', "\\\\").replace("\"\"\"", "\"\"\\\"");
    format!(
        "import os\nimport requests\n\n\
         # The body is sent as this JSON text, exactly (64-bit ids stay exact).\n\
         body = \"\"\"{body}\"\"\"\n\n\
         response = requests.post(\n    {url},\n    data=body.encode(\"utf-8\"),\n    headers={{\"Content-Type\": \"application/json\"{auth}}},\n    timeout=120,\n)\n\
         answer = response.json()\n\
         if answer[\"code\"] != 0:\n    raise SystemExit(f\"{{answer['code']}} {{answer['message']}}\")\n\
         print(answer[\"data\"][\"task_id\"])\n",
        url = js_string(url),
    )
}

/// `s` in single quotes for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `s` as a double-quoted string literal (valid in JavaScript and in Python).
fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_language_sends_the_json_text_to_the_kinds_route() {
        let body = json!({"prompt": "a `cat` ${x} \\ \"quoted\"", "element_list": [{"element_id": 9007199254740993u64}]});
        let s = snippets("http://127.0.0.1:8080/", TaskKind::OmniImage, &body, false);
        let json = serde_json::to_string_pretty(&body).unwrap();
        assert!(s
            .curl
            .starts_with("curl -sS -X POST 'http://127.0.0.1:8080/kling/v1/images/omni-image'"));
        assert!(s.curl.contains(&format!("<<'JSON'\n{json}\nJSON\n")));
        assert!(s
            .javascript
            .contains("fetch(\"http://127.0.0.1:8080/kling/v1/images/omni-image\""));
        // The template literal gives back the JSON text exactly.
        assert!(
            s.javascript
                .contains(r#""prompt": "a \`cat\` \${x} \\\\ \\"quoted\\"","#),
            "{}",
            s.javascript
        );
        assert!(s.javascript.contains("9007199254740993"));
        assert!(
            s.python
                .contains(r#""prompt": "a `cat` ${x} \\\\ \\"quoted\\"","#),
            "{}",
            s.python
        );
        for text in [&s.curl, &s.javascript, &s.python] {
            assert!(!text.contains("OMNI_TOKEN"), "no token asked for");
        }
        assert_eq!(s.elided, 0);
    }

    #[test]
    fn a_token_is_read_from_the_environment() {
        let s = snippets(
            "https://studio.example.com/bff/",
            TaskKind::OmniVideo,
            &json!({}),
            true,
        );
        assert!(s.curl.contains("Authorization: Bearer $OMNI_TOKEN"));
        assert!(s.javascript.contains("process.env.OMNI_TOKEN"));
        assert!(s.python.contains("os.environ[\"OMNI_TOKEN\"]"));
        assert!(s
            .python
            .contains("\"https://studio.example.com/bff/kling/v1/videos/omni-video\""));
    }

    #[test]
    fn base64_images_are_elided_and_urls_and_prompts_kept() {
        let b64 = "iVBORw0KGgo".repeat(100);
        let prompt = "word ".repeat(200);
        let body = json!({
            "prompt": prompt,
            "image_list": [{"image": b64}, {"image": format!("data:image/png;base64,{b64}")}, {"image": "https://x.example/a.png"}],
        });
        let s = snippets("/", TaskKind::OmniImage, &body, false);
        assert_eq!(s.elided, 2);
        assert!(!s.curl.contains("iVBORw0KGgo"));
        assert!(s.curl.contains("https://x.example/a.png") && s.curl.contains("word word"));
        assert!(s.curl.contains(&elided_marker(825)));
    }
}
