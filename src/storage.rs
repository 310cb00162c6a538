//! Browser storage, in one place: what the studio keeps in local storage (forms'
//! requests, templates, the language, the theme) and in session storage (drafts handed
//! between pages, the embed flag). Storage that is full, off or missing is skipped
//! quietly: nothing here may stop the studio from working.

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Which storage: kept across visits, or for this tab only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Local,
    Session,
}

fn storage(area: Area) -> Option<web_sys::Storage> {
    let w = web_sys::window()?;
    match area {
        Area::Local => w.local_storage().ok()?,
        Area::Session => w.session_storage().ok()?,
    }
}

/// The text stored under `key`.
pub fn get(area: Area, key: &str) -> Option<String> {
    storage(area)?.get_item(key).ok()?
}

/// Stores `value` under `key`.
pub fn set(area: Area, key: &str, value: &str) {
    if let Some(s) = storage(area) {
        let _ = s.set_item(key, value);
    }
}

/// The text under `key`, removed.
pub fn take(area: Area, key: &str) -> Option<String> {
    let s = storage(area)?;
    let value = s.get_item(key).ok()??;
    let _ = s.remove_item(key);
    Some(value)
}

/// The JSON value stored under `key`.
pub fn load<T: DeserializeOwned>(area: Area, key: &str) -> Option<T> {
    serde_json::from_str(&get(area, key)?).ok()
}

/// Stores `value` as JSON under `key`.
pub fn save<T: Serialize>(area: Area, key: &str, value: &T) {
    if let Ok(json) = serde_json::to_string(value) {
        set(area, key, &json);
    }
}

/// How long typing may pause before the draft is written: a request with ten base64
/// images is megabytes of JSON, too much to write on every keystroke.
const SAVE_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

type PendingSave = (leptos::prelude::TimeoutHandle, Box<dyn Fn()>);

thread_local! {
    static PENDING: std::cell::RefCell<std::collections::HashMap<&'static str, PendingSave>> =
        Default::default();
    static FLUSH_ON_HIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Saves `read()` under `key` once changes pause; a page that is left or reloaded
/// first writes what is pending, so nothing typed is lost. `read` answers `None` once
/// the form is gone (its signals disposed): then there is nothing to write.
pub fn save_soon<T: serde::Serialize + 'static>(
    key: &'static str,
    read: impl Fn() -> Option<T> + 'static,
) {
    let write: Box<dyn Fn()> = Box::new(move || {
        if let Some(value) = read() {
            save(Area::Local, key, &value)
        }
    });
    let Ok(handle) = set_timeout_with_handle(
        move || {
            if let Some((_, write)) = PENDING.with_borrow_mut(|p| p.remove(key)) {
                write();
            }
        },
        SAVE_AFTER,
    ) else {
        return write();
    };
    if let Some((old, _)) = PENDING.with_borrow_mut(|p| p.insert(key, (handle, write))) {
        old.clear();
    }
    if !FLUSH_ON_HIDE.replace(true) {
        window_event_listener(leptos::ev::pagehide, |_| flush_saves());
    }
}

/// Writes every pending draft now.
pub fn flush_saves() {
    let pending: Vec<PendingSave> =
        PENDING.with_borrow_mut(|p| p.drain().map(|(_, v)| v).collect());
    for (handle, write) in pending {
        handle.clear();
        write();
    }
}
