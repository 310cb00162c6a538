//! `use_generation_form`: the one engine behind every generation form. A page gives it
//! the request its inputs build (and the errors of inputs that are not even values); the
//! engine validates it with the catalog in force, keeps it across reloads, prices it from
//! the catalog, sends it, and tells the page what the chosen model dropped when the model
//! changes. A page is left with its fields.
//!
//! ```ignore
//! let start: OmniImageRequest = start_request();
//! let built = Memo::new(move |_| (request_from_inputs(), typed_errors));
//! let form = use_generation_form(built, extra_errors, !start.prompt.is_empty());
//! view! { <form on:submit=form.on_submit.clone()>..<EstimateLine estimate=form.estimate/></form> }
//! ```

use crate::api::{self, ApiError};
use crate::draft;
use crate::hooks::use_form::{use_form, UseFormReturn};
use crate::storage::{self, flush_saves, save_soon, Area};
use crate::studio_config::use_config;
use leptos::prelude::*;
use omni_api::all_in_one::AioRequest;
use omni_api::catalog::{Catalog, Estimate};
use omni_api::image_generation::ImageGenerationRequest;
use omni_api::omni_image::OmniImageRequest;
use omni_api::omni_video::OmniVideoRequest;
use omni_api::queue::{batch_prompts, Batch};
use omni_api::{FieldError, StudioTask, TaskKind, Violations};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;

/// What a generation form builds: how it is checked, priced, kept and sent.
pub trait FormRequest:
    Clone + PartialEq + Default + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The form that opens drafts of this request.
    const FORM: draft::Form;
    /// Where the form keeps its state across reloads.
    const SAVED: &'static str;
    fn validate(&self, catalog: &Catalog) -> Violations;
    fn estimate(&self, catalog: &Catalog) -> Option<Estimate>;
    /// The create it makes on the `/kling` routes: its kind and body (for "use from code").
    fn upstream(&self, catalog: &Catalog) -> (TaskKind, serde_json::Value);
    /// Sends it with the submission's Idempotency-Key; answers the new task.
    fn send(self, key: String) -> Pin<Box<dyn Future<Output = Result<StudioTask, ApiError>>>>;
    fn prompt(&self) -> &str;
    /// The same request with another prompt (one task of a batch).
    fn with_prompt(self, prompt: String) -> Self;
}

/// The requests a batch sends, in order, or why it cannot be made.
fn variants<R: FormRequest>(req: &R, batch: Batch) -> Result<Vec<R>, FieldError> {
    let prompts =
        batch_prompts(req.prompt(), batch).map_err(|(field, p)| FieldError::new(field, p))?;
    Ok(prompts
        .into_iter()
        .map(|p| req.clone().with_prompt(p))
        .collect())
}

fn send_kind<R: FormRequest>(
    kind: TaskKind,
    req: R,
    key: String,
) -> Pin<Box<dyn Future<Output = Result<StudioTask, ApiError>>>> {
    Box::pin(async move {
        let task = api::create(kind, &req, &key).await?;
        Ok(StudioTask::created(kind, task, req.prompt()))
    })
}

impl FormRequest for OmniImageRequest {
    const FORM: draft::Form = draft::Form::OmniImage;
    const SAVED: &'static str = "omni.form.omni-image";
    fn validate(&self, catalog: &Catalog) -> Violations {
        OmniImageRequest::validate(self, catalog)
    }
    fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        OmniImageRequest::estimate(self, catalog)
    }
    fn upstream(&self, _: &Catalog) -> (TaskKind, serde_json::Value) {
        (
            TaskKind::OmniImage,
            serde_json::to_value(self).unwrap_or_default(),
        )
    }
    fn send(self, key: String) -> Pin<Box<dyn Future<Output = Result<StudioTask, ApiError>>>> {
        send_kind(TaskKind::OmniImage, self, key)
    }
    fn prompt(&self) -> &str {
        &self.prompt
    }
    fn with_prompt(self, prompt: String) -> Self {
        Self { prompt, ..self }
    }
}

impl FormRequest for OmniVideoRequest {
    const FORM: draft::Form = draft::Form::OmniVideo;
    const SAVED: &'static str = "omni.form.omni-video";
    fn validate(&self, catalog: &Catalog) -> Violations {
        OmniVideoRequest::validate(self, catalog)
    }
    fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        OmniVideoRequest::estimate(self, catalog)
    }
    fn upstream(&self, _: &Catalog) -> (TaskKind, serde_json::Value) {
        (
            TaskKind::OmniVideo,
            serde_json::to_value(self).unwrap_or_default(),
        )
    }
    fn send(self, key: String) -> Pin<Box<dyn Future<Output = Result<StudioTask, ApiError>>>> {
        send_kind(TaskKind::OmniVideo, self, key)
    }
    fn prompt(&self) -> &str {
        &self.prompt
    }
    fn with_prompt(self, prompt: String) -> Self {
        Self { prompt, ..self }
    }
}

impl FormRequest for ImageGenerationRequest {
    const FORM: draft::Form = draft::Form::ImageGeneration;
    const SAVED: &'static str = "omni.form.image-generation";
    fn validate(&self, catalog: &Catalog) -> Violations {
        ImageGenerationRequest::validate(self, catalog)
    }
    fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        ImageGenerationRequest::estimate(self, catalog)
    }
    fn upstream(&self, _: &Catalog) -> (TaskKind, serde_json::Value) {
        (
            TaskKind::ImageGeneration,
            serde_json::to_value(self).unwrap_or_default(),
        )
    }
    fn send(self, key: String) -> Pin<Box<dyn Future<Output = Result<StudioTask, ApiError>>>> {
        send_kind(TaskKind::ImageGeneration, self, key)
    }
    fn prompt(&self) -> &str {
        &self.prompt
    }
    fn with_prompt(self, prompt: String) -> Self {
        Self { prompt, ..self }
    }
}

impl FormRequest for AioRequest {
    const FORM: draft::Form = draft::Form::AllInOne;
    const SAVED: &'static str = "omni.form.all-in-one";
    fn validate(&self, catalog: &Catalog) -> Violations {
        AioRequest::validate(self, catalog)
    }
    fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        self.to_upstream(catalog).estimate(catalog)
    }
    fn upstream(&self, catalog: &Catalog) -> (TaskKind, serde_json::Value) {
        let upstream = self.to_upstream(catalog);
        (upstream.kind(), upstream.to_json())
    }
    fn send(self, key: String) -> Pin<Box<dyn Future<Output = Result<StudioTask, ApiError>>>> {
        Box::pin(async move { api::create_aio(&self, &key).await })
    }
    fn prompt(&self) -> &str {
        &self.prompt
    }
    fn with_prompt(self, prompt: String) -> Self {
        Self { prompt, ..self }
    }
}

/// The request a form opens with: a draft left for it (edit and run again, a dashboard's
/// command), else what it held before the last reload, else the defaults.
pub fn start_request<R: FormRequest>() -> R {
    draft::take(R::FORM)
        .or_else(|| storage::load(Area::Local, R::SAVED))
        .unwrap_or_default()
}

/// How the form's next submit turns into tasks (context for the batch control, which
/// counts the tasks from the prompt and shows the errors of the copy count).
#[derive(Clone, Copy)]
pub struct BatchChoice {
    pub batch: RwSignal<Batch>,
    pub prompt: Signal<String>,
    pub copies_errors: Signal<Vec<FieldError>>,
}

/// What the engine gives a page.
pub struct GenerationForm<S> {
    pub ui: UseFormReturn,
    /// The price of the request as it stands.
    pub estimate: Signal<Option<Estimate>>,
    /// The create as it stands on the `/kling` routes (worked out only when read).
    pub upstream: Signal<Option<(TaskKind, serde_json::Value)>>,
    pub on_submit: S,
}

/// The engine for a form whose inputs build `built` (the request, and errors of inputs
/// that are not values: those win over the rules on the same field); `extra` adds what
/// only the browser can know (pixel sizes of URL images, a video's length).
pub fn use_generation_form<R: FormRequest>(
    built: Memo<(R, Vec<FieldError>)>,
    extra: Signal<Vec<FieldError>>,
    show_at_start: bool,
) -> GenerationForm<impl Fn(leptos::ev::SubmitEvent) + Clone + 'static> {
    let config = use_config();
    // The page's list of what a model change dropped, for its fields to add to.
    crate::components::field::Dropped::use_context();
    let batch = RwSignal::new(Batch::Single);
    let violations = Memo::new(move |_| {
        let (req, typed) = &*built.read();
        let mut all = typed.clone();
        let catalog = &config.read().catalog;
        all.extend(
            req.validate(catalog)
                .0
                .into_iter()
                .filter(|e| !typed.iter().any(|t| t.field == e.field)),
        );
        // Every task of a batch is checked (a prompt variant can drop a placeholder); a
        // single task is the request itself, not a copy (it can hold megabytes of images).
        match batch_prompts(req.prompt(), batch.get()) {
            Err((field, p)) => all.push(FieldError::new(field, p)),
            Ok(prompts) if prompts.len() > 1 => {
                for p in prompts {
                    for e in req.clone().with_prompt(p).validate(catalog).0 {
                        if !all.iter().any(|a| a.field == e.field && a.rule == e.rule) {
                            all.push(e);
                        }
                    }
                }
            }
            Ok(_) => {}
        }
        all.extend(extra.get());
        all
    });
    let navigate = leptos_router::hooks::use_navigate();
    // Beside a workspace column the task lands there and the form stays as it is, so a
    // variation is one edit away; elsewhere (embedded) the task page opens.
    let workspace = use_context::<crate::workspace::Workspace>();
    // A batch is sent one task after another, each landing in the column as it is
    // made; each has its own key (the submission's, numbered), so sending a half-sent
    // batch again makes only what is missing.
    let ui = use_form(
        violations,
        show_at_start,
        move |key: String| {
            let sends =
                variants(&built.get_untracked().0, batch.get_untracked()).unwrap_or_default();
            async move {
                let many = sends.len() > 1;
                let mut made = Vec::new();
                for (i, req) in sends.into_iter().enumerate() {
                    let key = if many {
                        format!("{key}-{}", i + 1)
                    } else {
                        key.clone()
                    };
                    let task = req.send(key).await?;
                    made.push(task.task.task_id.0.clone());
                    if let Some(w) = workspace {
                        w.add(task);
                    }
                }
                Ok(made)
            }
        },
        move |made: Vec<String>| {
            if workspace.is_none() {
                // Embedded: the task's page, or the history for a batch.
                match made.as_slice() {
                    [one] => navigate(&format!("/tasks/{one}"), Default::default()),
                    _ => navigate("/tasks", Default::default()),
                }
            }
        },
    );
    provide_context(BatchChoice {
        batch,
        prompt: Signal::derive(move || built.read().0.prompt().to_owned()),
        copies_errors: ui.errors_at("copies"),
    });
    // Keep the form across reloads; what is pending is written when the page goes.
    Effect::new(move |_| {
        built.track();
        save_soon(R::SAVED, move || built.try_get_untracked().map(|b| b.0));
    });
    on_cleanup(flush_saves);
    // A memo: the line reads it twice (words and data-amount) per change.
    let estimate = Memo::new(move |_| built.read().0.estimate(&config.read().catalog)).into();
    let upstream = Signal::derive(move || Some(built.read().0.upstream(&config.read().catalog)));
    let on_submit = ui.on_submit();
    GenerationForm {
        ui,
        estimate,
        upstream,
        on_submit,
    }
}
