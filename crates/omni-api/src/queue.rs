//! The upstream's concurrency, as the BFF's queue counts it, and batches, as a form
//! makes them. Per account the upstream runs a limited number of tasks at once in each
//! resource-pack pool (images, videos); an image task holds `n` slots, a video one, from
//! `submitted` until it ends. Creates beyond the limit wait in the BFF's queue.

use crate::choice::choice;
use crate::{Problem, TaskKind};
use serde::{Deserialize, Serialize};

choice!(
    /// A resource-pack pool: tasks in one share its concurrency.
    Pool {
        Image = "image",
        Video = "video",
    }
);

impl TaskKind {
    /// The pool this kind's tasks take slots in.
    pub fn pool(self) -> Pool {
        match self {
            TaskKind::OmniVideo => Pool::Video,
            TaskKind::OmniImage | TaskKind::ImageGeneration | TaskKind::MultiShot => Pool::Image,
        }
    }
}

/// Slots a create of `kind` holds while it runs: images, as many as it makes (`n`, or a
/// series' `series_amount`); anything else, one.
pub fn slots(kind: TaskKind, body: &serde_json::Value) -> u32 {
    if kind.pool() == Pool::Video {
        return 1;
    }
    let number = |key: &str| {
        body.get(key).and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    };
    let series = body.get("result_type").and_then(|v| v.as_str()) == Some("series");
    let count = if series {
        number("series_amount")
    } else {
        number("n")
    };
    count.map_or(1, |n| n.clamp(1, 64) as u32)
}

/// The upstream's concurrency per pool (the resource pack's), the queue's default limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Concurrency {
    pub image: u32,
    pub video: u32,
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency { image: 9, video: 3 }
    }
}

impl Concurrency {
    pub fn of(&self, pool: Pool) -> u32 {
        match pool {
            Pool::Image => self.image,
            Pool::Video => self.video,
        }
    }
}

/// Where a create that the upstream does not have yet stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueState {
    /// 1 for the next to be sent in its pool; absent while it is being sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<u32>,
    /// Not sent before this instant (ms since the epoch): the upstream said it was busy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
}

/// Most tasks one batch makes.
pub const MAX_BATCH: usize = 20;

/// How a form turns one prompt into a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// One task.
    Single,
    /// A task for every non-blank line.
    Lines,
    /// A task for every combination of `{a|b|c}` choices.
    Alternatives,
    /// The same request this many times.
    Copies(u32),
}

/// The prompts of a batch, in order, or why it cannot be made (`field` is `prompt`,
/// or `copies` for the count).
pub fn batch_prompts(prompt: &str, batch: Batch) -> Result<Vec<String>, (&'static str, Problem)> {
    let prompts = match batch {
        Batch::Single => vec![prompt.to_owned()],
        Batch::Lines => prompt
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        Batch::Alternatives => alternatives(prompt)?,
        Batch::Copies(k) => {
            if k == 0 || k as usize > MAX_BATCH {
                return Err((
                    "copies",
                    Problem::Range {
                        min: 1.0,
                        max: MAX_BATCH as f64,
                        got: f64::from(k),
                    },
                ));
            }
            vec![prompt.to_owned(); k as usize]
        }
    };
    if prompts.len() > MAX_BATCH {
        return Err((
            "prompt",
            Problem::BatchTooLarge {
                max: MAX_BATCH,
                got: prompts.len(),
            },
        ));
    }
    Ok(prompts)
}

/// Every combination of the `{a|b|c}` groups of `prompt` (a brace without `|` is text).
fn alternatives(prompt: &str) -> Result<Vec<String>, (&'static str, Problem)> {
    let mut out = vec![String::new()];
    let mut rest = prompt;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let inner = &rest[open + 1..close];
        let (before, after) = (&rest[..open], &rest[close + 1..]);
        for p in &mut out {
            p.push_str(before);
        }
        if inner.contains('|') && !inner.contains('{') {
            let choices: Vec<&str> = inner.split('|').collect();
            let total = out.len() * choices.len();
            if total > MAX_BATCH {
                return Err((
                    "prompt",
                    Problem::BatchTooLarge {
                        max: MAX_BATCH,
                        got: total,
                    },
                ));
            }
            out = out
                .iter()
                .flat_map(|p| choices.iter().map(move |c| format!("{p}{c}")))
                .collect();
        } else {
            for p in &mut out {
                p.push('{');
                p.push_str(inner);
                p.push('}');
            }
        }
        rest = after;
    }
    for p in &mut out {
        p.push_str(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_hold_a_slot_for_each_image() {
        assert_eq!(slots(TaskKind::OmniImage, &json!({"n": 4})), 4);
        assert_eq!(
            slots(
                TaskKind::OmniImage,
                &json!({"n": 4, "result_type": "series", "series_amount": 6})
            ),
            6
        );
        assert_eq!(slots(TaskKind::ImageGeneration, &json!({"n": "3"})), 3);
        assert_eq!(slots(TaskKind::OmniImage, &json!({})), 1);
        assert_eq!(slots(TaskKind::OmniVideo, &json!({"n": 4})), 1);
        assert_eq!(TaskKind::MultiShot.pool(), Pool::Image);
    }

    #[test]
    fn batches_expand_lines_alternatives_and_copies() {
        let lines = batch_prompts("a cat\n\n  a dog \nan owl", Batch::Lines).unwrap();
        assert_eq!(lines, ["a cat", "a dog", "an owl"]);
        let alts = batch_prompts(
            "a {red|blue} kite {at dawn|at dusk} {x}",
            Batch::Alternatives,
        )
        .unwrap();
        assert_eq!(
            alts,
            [
                "a red kite at dawn {x}",
                "a red kite at dusk {x}",
                "a blue kite at dawn {x}",
                "a blue kite at dusk {x}"
            ]
        );
        assert_eq!(
            batch_prompts("<<<image_1>>> {a|b", Batch::Alternatives).unwrap(),
            ["<<<image_1>>> {a|b"]
        );
        assert_eq!(batch_prompts("p", Batch::Copies(3)).unwrap().len(), 3);
        assert_eq!(
            batch_prompts("p", Batch::Copies(0)).unwrap_err().0,
            "copies"
        );
        let (field, problem) =
            batch_prompts("{a|b|c|d|e} {a|b|c|d|e}", Batch::Alternatives).unwrap_err();
        assert_eq!(field, "prompt");
        assert_eq!(problem, Problem::BatchTooLarge { max: 20, got: 25 });
    }
}
