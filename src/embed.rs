//! The studio inside another page, such as an operations dashboard: `?embed=1` (or
//! `"embed": true` in config.json) hides the studio's own navigation; every change of
//! the task on show is posted to the parent window, and the parent may open a form
//! filled in. Both ways only with the origins config.json lists in `embed_origins`.
//!
//! To the parent: `{type: "omni-studio:task", task_id, task_status, results: [url]}`.
//! From the parent: `{type: "omni-studio:open", form: "image" | "video" | "generate" |
//! "quick", prompt?, references?: [http(s) image URL]}`.

use crate::storage::{self, Area};
use crate::{api, deployment, draft};
use leptos::prelude::*;
use omni_api::{ResultSet, StudioTask, TaskStatus};
use serde::{Deserialize, Serialize};

const FLAG: &str = "omni.embed";

/// Whether the studio runs embedded. `?embed=1` is remembered for the tab, because the
/// studio's own links inside the frame do not carry it.
pub fn is_embedded() -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let asked = w
        .location()
        .search()
        .is_ok_and(|s| s.trim_start_matches('?').split('&').any(|p| p == "embed=1"));
    if asked {
        storage::set(Area::Session, FLAG, "1");
        return true;
    }
    deployment::get().embed || storage::get(Area::Session, FLAG).is_some()
}

/// What the parent window is told about a task.
#[derive(Debug, Serialize)]
struct TaskMessage<'a> {
    r#type: &'static str,
    task_id: &'a str,
    task_status: TaskStatus,
    /// Absolute addresses of the results (the BFF's copies), once it succeeded.
    results: Vec<String>,
}

/// Tells the parent window (when there is one) about `task`, for each allowed origin.
pub fn tell_parent(task: &StudioTask) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = w.parent() else {
        return;
    };
    if js_sys::Object::is(&parent, &w) || deployment::get().embed_origins.is_empty() {
        return;
    }
    let id = task.task.task_id.as_str();
    let r = &task.task.task_result;
    let mut results = Vec::new();
    for (set, n) in [
        (ResultSet::Images, r.images.len()),
        (ResultSet::SeriesImages, r.series_images.len()),
        (ResultSet::Videos, r.videos.len()),
    ] {
        results.extend((0..n).map(|i| deployment::absolute(&api::file_url(id, set, i, false))));
    }
    let message = TaskMessage {
        r#type: "omni-studio:task",
        task_id: id,
        task_status: task.task.task_status,
        results,
    };
    let Ok(json) = serde_json::to_string(&message) else {
        return;
    };
    let Ok(value) = js_sys::JSON::parse(&json) else {
        return;
    };
    for origin in &deployment::get().embed_origins {
        // Delivered only when the parent's origin is this one.
        let _ = parent.post_message(&value, origin);
    }
}

/// A command from the parent window.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Command {
    #[serde(rename = "omni-studio:open")]
    Open {
        form: FormName,
        #[serde(default)]
        prompt: String,
        #[serde(default)]
        references: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FormName {
    Image,
    Video,
    Generate,
    Quick,
}

/// Leaves the request a command asks for as the form's draft; answers the form.
fn prepare(command: Command) -> draft::Form {
    let Command::Open {
        form,
        prompt,
        references,
    } = command;
    // Only http(s) images: anything else never reaches a form.
    let refs: Vec<String> = references
        .iter()
        .filter_map(|u| omni_api::media::safe_link(u).filter(|u| !u.starts_with('/')))
        .map(str::to_owned)
        .collect();
    match form {
        FormName::Image => {
            let req = omni_api::omni_image::OmniImageRequest {
                prompt,
                image_list: refs
                    .into_iter()
                    .map(|image| omni_api::omni_image::ImageItem { image })
                    .collect(),
                ..Default::default()
            };
            draft::put(draft::Form::OmniImage, &req);
            draft::Form::OmniImage
        }
        FormName::Video => {
            let req = omni_api::omni_video::OmniVideoRequest {
                prompt,
                image_list: refs
                    .into_iter()
                    .map(|image_url| omni_api::omni_video::VideoImageItem {
                        image_url,
                        frame: None,
                    })
                    .collect(),
                ..Default::default()
            };
            draft::put(draft::Form::OmniVideo, &req);
            draft::Form::OmniVideo
        }
        FormName::Generate => {
            let req = omni_api::image_generation::ImageGenerationRequest {
                prompt,
                image: refs.into_iter().next(),
                ..Default::default()
            };
            draft::put(draft::Form::ImageGeneration, &req);
            draft::Form::ImageGeneration
        }
        FormName::Quick => {
            let req = omni_api::all_in_one::AioRequest {
                prompt,
                images: refs,
                ..Default::default()
            };
            draft::put(draft::Form::AllInOne, &req);
            draft::Form::AllInOne
        }
    }
}

/// Takes commands from allowed origins; `open(form)` shows the form (its draft waits).
pub fn listen(open: impl Fn(draft::Form) + 'static) {
    let open = std::rc::Rc::new(open);
    let handle = window_event_listener(leptos::ev::message, move |ev| {
        let allowed = &deployment::get().embed_origins;
        if !allowed.iter().any(|o| *o == ev.origin()) {
            return;
        }
        let Some(text) = js_sys::JSON::stringify(&ev.data())
            .ok()
            .and_then(|s| s.as_string())
        else {
            return;
        };
        let open = open.clone();
        leptos::task::spawn_local(async move {
            match read_command(text).await {
                Ok(Some(form)) => open(form),
                Ok(None) => {}
                Err(e) => web_sys::console::warn_1(&format!("embed: {e}").into()),
            }
        });
    });
    on_cleanup(move || handle.remove());
}

crate::deferred::deferred! {
    /// A dashboard's command read and its draft left for the form, in a module of its
    /// own in the release build: only an embedded studio with allowed origins runs it.
    fn read_command(text: String) -> Option<draft::Form> {
        match serde_json::from_str::<Command>(&text) {
            Ok(command) => Some(prepare(command)),
            Err(e) => {
                web_sys::console::warn_1(&format!("embed: ignored a message: {e}").into());
                None
            }
        }
    }
}
