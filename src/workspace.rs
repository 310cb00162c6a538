//! The workspace column's state, as context: the tasks sent from the form on this page,
//! newest first. The form engine and the column's rows add to it; the column shows it.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Workspace {
    pub submitted: RwSignal<Vec<String>>,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            submitted: RwSignal::new(Vec::new()),
        }
    }
}

impl Workspace {
    /// A task just created from this page.
    pub fn add(&self, task_id: String) {
        self.submitted.update(|ids| {
            ids.retain(|id| *id != task_id);
            ids.insert(0, task_id);
        });
    }
}
