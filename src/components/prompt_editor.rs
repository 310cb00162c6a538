//! The prompt editor every form uses: a live character counter, a chip per reference
//! that inserts its placeholder at the caret, suggestions after `<<<`, a preview with
//! each placeholder shown as the reference it points at (or marked with why it points
//! at nothing), and the references the prompt does not use.

use crate::components::field_errors::FieldErrors;
use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::prompt::{
    self, byte_offset, char_count, parse, utf16_offset, Malformed, Placeholder, RefKind, Segment,
    MAX_PROMPT_CHARS,
};
use omni_api::{Choice, FieldError};
use wasm_bindgen::JsCast;

/// One reference a placeholder can point at.
#[derive(Debug, Clone, PartialEq)]
pub struct RefChip {
    pub placeholder: Placeholder,
    /// What to show on the chip besides `image_1`: a file name, an element id.
    pub caption: String,
    /// A thumbnail, for images.
    pub thumb: Option<String>,
}

/// Inserts `token` into `text` at the UTF-16 selection `start..end`; returns the new text
/// and the UTF-16 caret position after the token.
pub fn insert_at(text: &str, start: u32, end: u32, token: &str) -> (String, u32) {
    let (a, b) = (
        byte_offset(text, start as usize),
        byte_offset(text, end as usize),
    );
    let (a, b) = (a.min(b), a.max(b));
    let new = format!("{}{token}{}", &text[..a], &text[b..]);
    let caret = utf16_offset(&new, a + token.len()) as u32;
    (new, caret)
}

/// The unfinished `<<<...` just before the caret (byte range and what was typed), if any.
pub fn pending_token(text: &str, caret_utf16: u32) -> Option<(usize, String)> {
    let caret = byte_offset(text, caret_utf16 as usize);
    let before = &text[..caret];
    let start = before.rfind("<<<")?;
    let typed = &before[start + 3..];
    let open = typed.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && typed.len() <= 12;
    open.then(|| (start, typed.to_owned()))
}

/// Why a segment is marked, for the preview.
fn reason(seg: &Segment, allowed: &[RefKind], refs: &[RefChip]) -> Option<String> {
    match seg {
        Segment::Malformed(_, Malformed::Unclosed) => Some(t("not closed with >>>").into()),
        Segment::Malformed(_, Malformed::UnknownKind(k)) => {
            Some(tf("unknown kind {}", &[&format!("{k:?}")]))
        }
        Segment::Malformed(_, Malformed::BadIndex(_)) => Some(t("numbering starts at 1").into()),
        Segment::Placeholder(_, p) if !allowed.contains(&p.kind) => Some(tf(
            "this form takes no {} placeholders",
            &[&p.kind.as_str()],
        )),
        Segment::Placeholder(_, p) if !refs.iter().any(|r| r.placeholder == *p) => {
            Some(tf("there is no {}", &[&p.label()]))
        }
        _ => None,
    }
}

/// One piece of the prompt preview: where it is, its text and how it looks.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Piece {
    at: usize,
    text: String,
    look: Look,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Look {
    Plain,
    Chip {
        label: String,
        thumb: Option<String>,
    },
    /// A placeholder that cannot be sent, and why.
    Bad(String),
}

impl Piece {
    fn view(self) -> AnyView {
        match self.look {
            Look::Bad(why) => view! { <mark class="bad-token" title=why.clone() data-testid="bad-placeholder">{self.text}<span class="sr-only">{format!(" ({why})")}</span></mark> }.into_any(),
            Look::Chip { label, thumb } => view! {
                <span class="chip">
                    {thumb.map(|t| view! { <img class="chip-thumb" src=t alt=""/> })}
                    {label}
                </span>
            }
            .into_any(),
            Look::Plain => view! { <span>{self.text}</span> }.into_any(),
        }
    }
}

/// The editor.
#[component]
pub fn PromptEditor(
    /// The prompt text.
    prompt: RwSignal<String>,
    /// The references that exist, in list order.
    #[prop(into)]
    refs: Signal<Vec<RefChip>>,
    /// Placeholder kinds this endpoint takes.
    allowed: &'static [RefKind],
    /// Errors for the prompt (shared validation plus the BFF's).
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
    /// Called after every edit (the form clears stale server errors).
    #[prop(optional)]
    on_edit: Option<Callback<()>>,
    /// The label above the text box.
    #[prop(default = t("Prompt"))]
    label: &'static str,
    /// The text box's id (several editors on one page, as in a storyboard).
    #[prop(into, default = "prompt".to_owned())]
    id: String,
    /// Its test id.
    #[prop(default = "prompt")]
    testid: &'static str,
    /// Its length limit.
    #[prop(into, default = Signal::stored(MAX_PROMPT_CHARS))]
    max_chars: Signal<usize>,
) -> impl IntoView {
    let count_id = format!("{id}-count");
    let errors_id = format!("{id}-errors");
    let list_id = format!("{id}-suggestions");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-suggestion-{i}")
    };
    let option_id = StoredValue::new(option_id);
    let area = NodeRef::<leptos::html::Textarea>::new();
    let caret = RwSignal::new(0u32);
    let chars = Memo::new(move |_| char_count(&prompt.read()));
    let over = move || chars.get() > max_chars.get();
    let suggestions = Memo::new(move |_| {
        let (_, typed) = pending_token(&prompt.read(), caret.get())?;
        let list: Vec<RefChip> = refs
            .get()
            .into_iter()
            .filter(|r| r.placeholder.label().starts_with(&typed))
            .collect();
        (!list.is_empty()).then_some(list)
    });
    let active = RwSignal::new(0usize);
    let edited = move || {
        if let Some(cb) = on_edit {
            cb.run(());
        }
    };
    let sync_caret = move || {
        if let Some(el) = area.get_untracked() {
            caret.set(el.selection_start().ok().flatten().unwrap_or(0));
        }
    };
    // Puts `token` where the caret is (or in place of a half-typed `<<<...`) and keeps typing there.
    let insert = move |token: String| {
        let Some(el) = area.get_untracked() else {
            return;
        };
        let text = prompt.get_untracked();
        let (mut start, end) = (
            el.selection_start().ok().flatten().unwrap_or(0),
            el.selection_end().ok().flatten().unwrap_or(0),
        );
        if let Some((at, _)) = pending_token(&text, start) {
            start = utf16_offset(&text, at) as u32;
        }
        let (new, pos) = insert_at(&text, start, end, &token);
        prompt.set(new.clone());
        el.set_value(&new);
        let _ = el.focus();
        let _ = el.set_selection_range(pos, pos);
        caret.set(pos);
        active.set(0);
        edited();
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(list) = suggestions.get_untracked() else {
            return;
        };
        match ev.key().as_str() {
            "ArrowDown" => active.update(|a| *a = (*a + 1) % list.len()),
            "ArrowUp" => active.update(|a| *a = (*a + list.len() - 1) % list.len()),
            "Enter" | "Tab" => insert(
                list[active.get_untracked().min(list.len() - 1)]
                    .placeholder
                    .token(),
            ),
            "Escape" => caret.set(0),
            _ => return,
        }
        ev.prevent_default();
    };
    // The preview as keyed pieces: a keystroke changes one piece, so one node is made
    // again, not the whole preview with its thumbnails.
    let pieces = Memo::new(move |_| {
        let text = prompt.read();
        let chips = refs.read();
        parse(&text)
            .into_iter()
            .enumerate()
            .map(|(at, seg)| {
                let text = text[seg.range()].to_owned();
                let look = match (reason(&seg, allowed, &chips), &seg) {
                    (Some(why), _) => Look::Bad(why),
                    (None, Segment::Placeholder(_, p)) => Look::Chip {
                        label: p.label(),
                        thumb: chips
                            .iter()
                            .find(|r| r.placeholder == *p)
                            .and_then(|c| c.thumb.clone()),
                    },
                    _ => Look::Plain,
                };
                Piece { at, text, look }
            })
            .collect::<Vec<_>>()
    });
    let preview = move || {
        view! {
            <For each=move || pieces.get() key=|piece| piece.clone() let:piece>
                {piece.view()}
            </For>
        }
    };
    let unused = move || {
        let used: Vec<Placeholder> = prompt::placeholders(&prompt.read())
            .map(|(_, p)| p)
            .collect();
        refs.get()
            .into_iter()
            .filter(|r| !used.contains(&r.placeholder))
            .map(|r| r.placeholder.label())
            .collect::<Vec<_>>()
    };

    view! {
        <div class="field prompt-editor">
            <label for=id.clone()>{label}</label>
            <div class="chips" role="group" aria-label=t("Insert a reference into the prompt")>
                <For each=move || refs.get() key=|r| (r.placeholder, r.caption.clone()) let:chip>
                    {
                        let token = chip.placeholder.token();
                        view! {
                            <button type="button" class="chip" data-testid=format!("chip-{}", chip.placeholder.label())
                                title=tf("Insert {} at the cursor", &[&token])
                                on:mousedown=|ev| ev.prevent_default()
                                on:click=move |_| insert(token.clone())
                            >
                                {chip.thumb.clone().map(|t| view! { <img class="chip-thumb" src=t alt=""/> })}
                                <span translate="no">{chip.placeholder.label()}</span>
                                <span class="muted" translate="no">{chip.caption.clone()}</span>
                            </button>
                        }
                    }
                </For>
            </div>
            <textarea
                id=id.clone()
                data-testid=testid
                rows="5"
                node_ref=area
                aria-describedby=format!("{count_id} {errors_id}")
                aria-invalid=move || (!errors.read().is_empty()).to_string()
                aria-autocomplete="list"
                // Only while the list is there: an id that points at nothing is an error.
                aria-controls={let list_id = list_id.clone(); move || suggestions.read().is_some().then(|| list_id.clone())}
                aria-activedescendant=move || suggestions.read().is_some().then(|| option_id.with_value(|f| f(active.get())))
                placeholder=t("<<<image_1>>> in the style of <<<image_2>>>")
                prop:value=move || prompt.get()
                on:input=move |ev| {
                    prompt.set(event_target_value(&ev));
                    sync_caret();
                    edited();
                }
                on:keyup=move |ev: leptos::ev::KeyboardEvent| {
                    if !matches!(ev.key().as_str(), "ArrowDown" | "ArrowUp" | "Enter" | "Tab" | "Escape") {
                        sync_caret();
                    }
                }
                on:click=move |_| sync_caret()
                on:keydown=on_key
            ></textarea>
            <Show when=move || suggestions.read().is_some()>
                <ul class="suggestions" id=list_id.clone() role="listbox" aria-label=t("References") data-testid="suggestions">
                    {move || suggestions.get().unwrap_or_default().into_iter().enumerate().map(|(i, r)| {
                        let token = r.placeholder.token();
                        view! {
                            <li role="option" id=option_id.with_value(|f| f(i)) aria-selected=move || (active.get() == i).to_string()
                                on:mousedown=move |ev| { ev.prevent_default(); insert(token.clone()); }
                            translate="no">{r.placeholder.label()} " " <span class="muted">{r.caption.clone()}</span></li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <p id=count_id.clone() class="counter" class:over=over>{move || format!("{} / {}", chars.get(), max_chars.get())}</p>
            <FieldErrors id=errors_id.clone() errors=errors/>
            <Show when=move || prompt::placeholders(&prompt.read()).next().is_some() || parse(&prompt.read()).iter().any(|s| matches!(s, Segment::Malformed(..)))>
                <div class="prompt-preview" data-testid="prompt-preview" role="group" aria-label=t("Prompt preview") translate="no">{preview}</div>
            </Show>
            <Show when=move || !unused().is_empty()>
                <p class="muted" data-testid="unused-refs">{t("Not used in the prompt:")}" " <span translate="no">{move || unused().join(", ")}</span></p>
            </Show>
        </div>
    }
}

/// The textarea element, for tests and forms that need the raw node.
pub fn textarea_of(root: &web_sys::Element) -> Option<web_sys::HtmlTextAreaElement> {
    root.query_selector("#prompt").ok()??.dyn_into().ok()
}
