//! `use_form`: what every form does around its own fields. Errors show once the user
//! has edited or tried to submit; the BFF's field errors join them until the next edit;
//! a submit is an `Action`, so "sending" and the last answer are the action's own state.
//!
//! ```ignore
//! let form = use_form(violations, false, move |key| api::create(kind, &request.get_untracked(), &key), on_created);
//! view! { <form on:submit=form.on_submit()>..<FieldErrors errors=form.errors_on("prompt")/></form> }
//! ```

use crate::api::ApiError;
use crate::components::field_errors::errors_under;
use leptos::prelude::*;
use omni_api::FieldError;
use std::future::Future;

/// The form's shared state, in the leptos-use shape.
#[derive(Clone, Copy)]
pub struct UseFormReturn {
    /// Errors are shown (after the first edit or submit).
    pub show_errors: RwSignal<bool>,
    /// The submit, with its key: pending while on its way, its value the last answer.
    pub submit: Action<String, Result<(), ApiError>>,
    /// The errors to show now: the rules broken, plus the BFF's until the next edit.
    pub visible: Memo<Vec<FieldError>>,
    /// Call on every edit.
    pub edited: Callback<()>,
    violations: Memo<Vec<FieldError>>,
    /// The BFF's field errors are for an older request once the user edits.
    answer_stale: RwSignal<bool>,
    /// The key of a submit whose outcome is unknown (no answer, or the server's own
    /// failure): sending the unchanged form again reuses it, so at most one task is made.
    pending_key: StoredValue<Option<String>>,
}

/// State for a form whose request currently breaks `violations`; a submit calls `send`
/// with the submission's Idempotency-Key and, when it succeeds, `on_done` with the answer.
pub fn use_form<T, F, Fut>(
    violations: Memo<Vec<FieldError>>,
    show_at_start: bool,
    send: F,
    on_done: impl Fn(T) + Clone + 'static,
) -> UseFormReturn
where
    T: 'static,
    F: Fn(String) -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let show_errors = RwSignal::new(show_at_start);
    let answer_stale = RwSignal::new(false);
    let pending_key = StoredValue::new(None::<String>);
    let submit = Action::new_local(move |key: &String| {
        let (sent, on_done) = (send(key.clone()), on_done.clone());
        async move {
            match sent.await {
                Ok(answer) => {
                    pending_key.try_set_value(None);
                    // Done: what the form holds next is a new request, not yet edited.
                    show_errors.try_set(show_at_start);
                    on_done(answer);
                    Ok(())
                }
                Err(e) => {
                    if !e.outcome_unknown() {
                        pending_key.try_set_value(None);
                    }
                    Err(e)
                }
            }
        }
    });
    let visible = Memo::new(move |_| {
        let mut all = if show_errors.get() {
            violations.get()
        } else {
            Vec::new()
        };
        if !answer_stale.get() {
            if let Some(Err(e)) = &*submit.value().read() {
                all.extend(e.field_errors());
            }
        }
        all
    });
    let edited = Callback::new(move |()| {
        show_errors.set(true);
        answer_stale.set(true);
        // Another request now: a new submission.
        pending_key.set_value(None);
    });
    UseFormReturn {
        show_errors,
        submit,
        visible,
        edited,
        violations,
        answer_stale,
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

    /// A submit is on its way.
    pub fn submitting(self) -> Signal<bool> {
        self.submit.pending().into()
    }

    /// The last submit's error, in words.
    pub fn submit_error(self) -> Signal<Option<String>> {
        let submit = self.submit;
        Signal::derive(move || match &*submit.value().read() {
            Some(Err(e)) => Some(e.message()),
            _ => None,
        })
    }

    /// The form's submit handler: shows the errors, and sends unless a rule is broken
    /// or a submit is already on its way.
    pub fn on_submit(self) -> impl Fn(leptos::ev::SubmitEvent) + Copy + 'static {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            self.show_errors.set(true);
            if !self.violations.read().is_empty() || self.submit.pending().get_untracked() {
                return;
            }
            let key = self
                .pending_key
                .get_value()
                .unwrap_or_else(crate::api::new_idempotency_key);
            self.pending_key.set_value(Some(key.clone()));
            self.answer_stale.set(false);
            self.submit.dispatch_local(key);
        }
    }
}
