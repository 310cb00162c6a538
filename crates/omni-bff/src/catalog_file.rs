//! `--catalog FILE`: an operator's changes to the built-in model catalog, in TOML or JSON
//! (by the file's extension), refused at start-up with the line and the reason.

use omni_api::catalog::{Catalog, CatalogError};
use std::path::Path;

/// The built-in catalog changed by the file at `path`.
pub fn load(path: &Path) -> Result<Catalog, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--catalog {shown}: {e}"))?;
    let value = parse(path, &text).map_err(|e| format!("--catalog {shown}: {e}"))?;
    Catalog::builtin()
        .apply(&value)
        .map_err(|e| format!("--catalog {shown}{}: {e}", line_of(&text, &e)))
}

fn parse(path: &Path, text: &str) -> Result<serde_json::Value, String> {
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json {
        // serde_json's message already says "at line L column C".
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        toml::from_str::<serde_json::Value>(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            let reason = e.message().trim().to_owned();
            match line {
                Some(l) => format!("line {l}: {reason}"),
                None => reason,
            }
        })
    }
}

/// ` line N` where the mistake's model (or else its kind) is first named in the file.
fn line_of(text: &str, e: &CatalogError) -> String {
    let needle = match &e.model {
        Some(m) => format!("\"{m}\""),
        None => e.place.rsplit('.').next().unwrap_or_default().to_owned(),
    };
    if needle.is_empty() {
        return String::new();
    }
    text.lines()
        .position(|l| l.contains(&needle))
        .map(|i| format!(" line {}", i + 1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("omni-catalog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_toml_file_removes_adds_and_changes_models() {
        let path = write(
            "ok.toml",
            r#"
[omni_video]
remove = ["kling-video-o1"]
default_model = "kling-v3-omni"
upstream_default = "kling-v3-omni"

[[omni_video.models]]
name = "kling-v3-omni"
duration = { max = 12 }

[[omni_video.models]]
name = "kling-v3-omni-quiet"
like = "kling-v3-omni"
sound = false
"#,
        );
        let c = load(&path).unwrap();
        assert_eq!(
            c.omni_video.names(),
            ["kling-v3-omni", "kling-v3-omni-quiet"]
        );
        assert_eq!(c.omni_video.models[0].duration.as_ref().unwrap().max, 12);
        assert_eq!(c.omni_video.models[0].duration.as_ref().unwrap().min, 3);
        assert!(!c.omni_video.models[1].sound);
        assert!(c.omni_video.models[1].multi_shot.is_some());
        assert_eq!(c.omni_image, Catalog::builtin().omni_image);
    }

    #[test]
    fn mistakes_name_the_line_and_the_reason() {
        let cases = [
            ("syntax.toml", "[omni_video\nremove = 1\n", "line 1"),
            (
                "field.toml",
                "[omni_video]\n\n[[omni_video.models]]\nname = \"kling-v3-omni\"\nsond = true\n",
                "line 4: omni_video: model \"kling-v3-omni\" unknown field `sond`",
            ),
            (
                "like.toml",
                "[omni_image]\n[[omni_image.models]]\nname = \"x\"\nlike = \"kling-nope\"\n",
                "line 3: omni_image: model \"x\" is like \"kling-nope\"",
            ),
            (
                "new.toml",
                "[omni_image]\n[[omni_image.models]]\nname = \"x\"\n",
                "say which model it is like",
            ),
            (
                "kind.toml",
                "[omni_audio]\nremove = []\n",
                "line 1: omni_audio: unknown kind",
            ),
            (
                "default.toml",
                "[omni_video]\nremove = [\"kling-video-o1\"]\n",
                "default_model names no model",
            ),
            (
                "range.json",
                "{\"omni_video\": {\"models\": [\n{\"name\": \"kling-v3-omni\", \"duration\": {\"min\": 9, \"max\": 4}}]}}",
                "line 2: omni_video: model \"kling-v3-omni\" duration",
            ),
            ("bad.json", "{\"omni_video\": ", "line 1 column"),
        ];
        for (name, text, want) in cases {
            let err = load(&write(name, text)).unwrap_err();
            assert!(err.contains(want), "{name}: {err}");
        }
    }
}
