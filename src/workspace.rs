//! The workspace column's state, as context: the tasks sent from the form on this page,
//! newest first, each as its create answered (so its row shows the prompt at once). The
//! form engine and the column's rows add to it; the column shows it.

use leptos::prelude::*;
use omni_api::StudioTask;

#[derive(Clone, Copy)]
pub struct Workspace {
    pub submitted: RwSignal<Vec<StudioTask>>,
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
    pub fn add(&self, task: StudioTask) {
        self.submitted.update(|tasks| {
            tasks.retain(|t| t.task.task_id != task.task.task_id);
            tasks.insert(0, task);
        });
    }
}
