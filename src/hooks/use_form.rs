//! `use_form`: what every generation form does around its own fields. Errors show once
//! the user has edited or tried to submit; the BFF's field errors join them until the
//! next edit; a submit goes to the task page or keeps everything and says why.
//!
//! ```ignore
//! let form = use_form(violations, false);
//! let on_submit = form.on_submit(move |key| api::create(kind, &request.get(), &key));
//! view! { <form on:submit=on_submit>..<FieldErrors errors=form.errors_on("prompt")/></form> }
//! ```

use crate::api::ApiError;
use crate::components::field_errors::errors_under;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use omni_api::FieldError;
use std::future::Future;

/// The form's shared state, in the leptos-use shape.
#[derive(Clone, Copy)]
pub struct UseFormReturn {
    /// Errors are shown (after the first edit or submit).
    pub show_errors: RwSignal<bool>,
    /// A submit is on its way.
    pub submitting: RwSignal<bool>,
    /// The last submit's error, in words.
    pub submit_error: RwSignal<Option<String>>,
    /// The errors to show now: the rules broken, plus the BFF's until the next edit.
    pub visible: Memo<Vec<FieldError>>,
    /// Call on every edit.
    pub edited: Callback<()>,
    violations: Memo<Vec<FieldError>>,
    server_errors: RwSignal<Vec<FieldError>>,
    /// The key of a submit whose outcome is unknown (no answer, or the server's own
    /// failure): sending the unchanged form again reuses it, so at most one task is made.
    pending_key: StoredValue<Option<String>>,
}

/// State for a form whose request currently breaks `violations`.
pub fn use_form(violations: Memo<Vec<FieldError>>, show_at_start: bool) -> UseFormReturn {
    let show_errors = RwSignal::new(show_at_start);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let visible = Memo::new(move |_| {
        let mut all = if show_errors.get() {
            violations.get()
        } else {
            Vec::new()
        };
        all.extend(server_errors.get());
        all
    });
    let pending_key = StoredValue::new(None::<String>);
    let edited = Callback::new(move |()| {
        show_errors.set(true);
        server_errors.set(Vec::new());
        // Another request now: a new submission.
        pending_key.set_value(None);
    });
    UseFormReturn {
        show_errors,
        submitting: RwSignal::new(false),
        submit_error: RwSignal::new(None),
        visible,
        edited,
        violations,
        server_errors,
        pending_key,
    }
}

impl UseFormReturn {
    /// The errors to show under `field` (and anything inside it).
    pub fn errors_on(self, field: &'static str) -> Signal<Vec<FieldError>> {
        Signal::derive(move || errors_under(&self.visible.read(), field))
    }

    /// The errors on exactly `field`.
    pub fn errors_at(self, field: &'static str) -> Signal<Vec<FieldError>> {
        Signal::derive(move || {
            self.visible
                .read()
                .iter()
                .filter(|e| e.field == field)
                .cloned()
                .collect()
        })
    }

    /// Every violation, for the submit bar.
    pub fn violations(self) -> Signal<Vec<FieldError>> {
        self.violations.into()
    }

    /// A submit handler: checks, sends with `send` (given the submission's
    /// Idempotency-Key, answering the new task's id), then opens the task page, or keeps
    /// the form and shows why it failed.
    pub fn on_submit<F, Fut>(self, send: F) -> impl Fn(leptos::ev::SubmitEvent) + Clone + 'static
    where
        F: Fn(String) -> Fut + Clone + 'static,
        Fut: Future<Output = Result<String, ApiError>> + 'static,
    {
        let navigate = use_navigate();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            self.show_errors.set(true);
            if !self.violations.read().is_empty() || self.submitting.get() {
                return;
            }
            let key = self
                .pending_key
                .get_value()
                .unwrap_or_else(crate::api::new_idempotency_key);
            self.pending_key.set_value(Some(key.clone()));
            let (sent, navigate) = (send(key), navigate.clone());
            self.submitting.set(true);
            self.submit_error.set(None);
            spawn_local(async move {
                match sent.await {
                    Ok(task_id) => {
                        self.pending_key.try_set_value(None);
                        navigate(&format!("/tasks/{task_id}"), Default::default())
                    }
                    Err(e) => {
                        if !e.outcome_unknown() {
                            self.pending_key.try_set_value(None);
                        }
                        self.server_errors.set(e.field_errors());
                        self.submit_error.set(Some(e.message()));
                    }
                }
                self.submitting.try_set(false);
            });
        }
    }
}
