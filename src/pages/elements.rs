//! `/elements`: the element library. The account's own elements and the official presets
//! with picture, name, description and tags; search and a tag filter; a create form that
//! checks files and URLs before upload, as the generation forms do; delete with a
//! confirmation step.

use crate::api;
use crate::components::field_errors::FieldErrors;
use crate::components::form_bits::SubmitBar;
use crate::components::load_error::load_error;
use crate::components::reference_manager::{ImageRef, ReferenceManager};
use crate::hooks::use_form::use_form;
use crate::i18n::{choice_label, t};
use leptos::prelude::*;
use omni_api::elements::{CreateElementRequest, Element, ElementTag, ReferImage, TagItem};
use omni_api::media::safe_link;
use omni_api::{Choice, FieldError};

/// Whether `e` matches the search text and the tag filter.
fn matches(e: &Element, search: &str, tag: Option<ElementTag>) -> bool {
    let text = search.trim().to_lowercase();
    let found = text.is_empty()
        || e.element_name.to_lowercase().contains(&text)
        || e.element_description.to_lowercase().contains(&text)
        || e.element_id.to_string() == text;
    found && tag.is_none_or(|t| e.tag_list.iter().any(|x| x.tag_id == t))
}

/// The element library page.
#[component]
pub fn ElementsPage() -> impl IntoView {
    // Two reads in parallel; a create or delete reads the account's list again.
    let own = LocalResource::new(|| api::list_elements(false));
    let presets = LocalResource::new(|| api::list_elements(true));
    let search = RwSignal::new(String::new());
    let tag = RwSignal::new(None::<ElementTag>);
    let shown = move |list: LocalResource<Result<Vec<Element>, api::ApiError>>| {
        let (s, t) = (search.get(), tag.get());
        list.get().map(|r| {
            r.map(|l| {
                l.into_iter()
                    .filter(|e| matches(e, &s, t))
                    .collect::<Vec<_>>()
            })
        })
    };
    let changed = Callback::new(move |()| own.refetch());

    view! {
        <section class="card">
            <h1>{t("Elements")}</h1>
            <p class="muted">{t("Reusable subjects — a character, a product, a prop — for <<<element_N>>> in Omni Image and Omni Video.")}</p>
            <div class="filters" role="search">
                <label>{t("Search")}" " <input type="search" data-testid="element-search" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/></label>
                <label>{t("Tag")}" "
                    <select data-testid="element-tag-filter" on:change=move |ev| tag.set(ElementTag::parse(&event_target_value(&ev)))>
                        <option value="">{t("Any tag")}</option>
                        {ElementTag::ALL.iter().map(|t| view! { <option value=t.as_str()>{choice_label(t.label())}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <h2>{t("Your elements")}</h2>
            <Transition fallback=|| view! { <p class="muted">{t("Loading…")}</p> }>
                <ErrorBoundary fallback=load_error>
                    {move || shown(own).map(|list| list.map(|list| view! {
                        {list.is_empty().then(|| view! { <p class="muted" data-testid="no-own-elements">{t("None here yet: create one below.")}</p> })}
                        <ul class="element-grid" data-testid="own-elements">
                            {list.into_iter().map(|e| view! { <ElementCard element=e on_deleted=Some(changed)/> }).collect_view()}
                        </ul>
                    }))}
                </ErrorBoundary>
            </Transition>
            <h2>{t("Presets")}</h2>
            <Transition fallback=|| view! { <p class="muted">{t("Loading…")}</p> }>
                <ErrorBoundary fallback=load_error>
                    {move || shown(presets).map(|list| list.map(|list| view! {
                        <ul class="element-grid" data-testid="preset-elements">
                            {list.into_iter().map(|e| view! { <ElementCard element=e on_deleted=None/> }).collect_view()}
                        </ul>
                    }))}
                </ErrorBoundary>
            </Transition>
        </section>
        <CreateElement on_created=changed/>
    }
}

/// One element: picture, name, description, tags, id; own ones can be deleted.
#[component]
fn ElementCard(
    /// The element shown.
    element: Element,
    /// Set for the account's own elements: called after a delete.
    on_deleted: Option<Callback<()>>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let id = element.element_id;
    let delete = Action::new_local(move |_: &()| async move {
        let done = api::delete_element(id).await;
        if let (Ok(_), Some(cb)) = (&done, on_deleted) {
            cb.run(());
        }
        done
    });
    let error = move || match delete.value().get() {
        Some(Err(e)) => Some(e.message()),
        _ => None,
    };
    let tags = element
        .tag_list
        .iter()
        .map(|tag| choice_label(tag.tag_id.label()))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <li class="element-card" data-testid="element-card">
            {safe_link(&element.element_frontal_image).map(|src| view! { <img class="element-thumb" src=src.to_owned() alt=""/> })}
            <strong translate="no">{element.element_name.clone()}</strong>
            <span class="muted" translate="no">{element.element_description.clone()}</span>
            <span class="muted">{tags}</span>
            <code class="element-id" data-testid="element-card-id">{id.to_string()}</code>
            {on_deleted.map(|_| view! {
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" class="link" data-testid="delete-element" on:click=move |_| confirming.set(true)>{t("Delete")}</button>
                }>
                    <span role="group" aria-label=t("Confirm delete")>
                        {t("Delete for good?")}" "
                        <button type="button" class="link" data-testid="confirm-delete" disabled=move || delete.pending().get() on:click=move |_| { delete.dispatch_local(()); }>{t("Yes, delete")}</button>
                        " · "
                        <button type="button" class="link" on:click=move |_| confirming.set(false)>{t("Keep it")}</button>
                    </span>
                </Show>
            })}
            <Show when=move || error().is_some()>
                <p class="submit-error" role="alert">{error}</p>
            </Show>
        </li>
    }
}

/// The create form, with the same reference checks as the generation forms.
#[component]
fn CreateElement(
    /// Called with the element the upstream created.
    on_created: Callback<()>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let frontal = RwSignal::new(Vec::<ImageRef>::new());
    let refers = RwSignal::new(Vec::<ImageRef>::new());
    let tags = RwSignal::new(Vec::<ElementTag>::new());
    // The reference manager renumbers a prompt; elements have none.
    let no_prompt = RwSignal::new(String::new());
    let request = Memo::new(move |_| CreateElementRequest {
        element_name: name.get(),
        element_description: description.get(),
        element_frontal_image: frontal
            .get()
            .first()
            .map(|r| r.value.clone())
            .unwrap_or_default(),
        element_refer_list: refers
            .get()
            .into_iter()
            .map(|r| ReferImage { image_url: r.value })
            .collect(),
        tag_list: tags
            .get()
            .into_iter()
            .map(|tag_id| TagItem { tag_id })
            .collect(),
    });
    let violations = Memo::new(move |_| request.read().validate().0);
    let ui = use_form(
        violations,
        false,
        move |_key| {
            let req = request.get_untracked();
            async move { api::create_element(&req).await }
        },
        move |_: Element| {
            on_created.run(());
            name.set(String::new());
            description.set(String::new());
            frontal.set(Vec::new());
            refers.set(Vec::new());
            tags.set(Vec::new());
        },
    );
    let errors: Signal<Vec<FieldError>> = ui.visible.into();
    view! {
        <section class="card">
            <h2>{t("Create an element")}</h2>
            <form class="form" on:submit=ui.on_submit() novalidate>
                <div class="field">
                    <label for="element_name">{t("Name (up to 20 characters)")}</label>
                    <input id="element_name" data-testid="element_name" prop:value=move || name.get() on:input=move |ev| { name.set(event_target_value(&ev)); ui.edited.run(()); }/>
                    <FieldErrors id="element-name-errors" errors=ui.errors_on("element_name")/>
                </div>
                <div class="field">
                    <label for="element_description">{t("Description (up to 100 characters)")}</label>
                    <textarea id="element_description" data-testid="element_description" rows="2" prop:value=move || description.get() on:input=move |ev| { description.set(event_target_value(&ev)); ui.edited.run(()); }></textarea>
                    <FieldErrors id="element-description-errors" errors=ui.errors_on("element_description")/>
                </div>
                <ReferenceManager prompt=no_prompt images=frontal max_images=1 errors=errors single_field="element_frontal_image" legend=t("Frontal image") id="frontal"/>
                <FieldErrors id="frontal-errors" errors=ui.errors_on("element_frontal_image")/>
                <div data-testid="refer-images">
                    <ReferenceManager prompt=no_prompt images=refers max_images=3 errors=errors list_field="element_refer_list" item_key=Some("image_url") legend=t("Further reference images (1–3)") id="refer"/>
                </div>
                <FieldErrors id="refer-errors" errors=ui.errors_at("element_refer_list")/>
                <fieldset class="field">
                    <legend>{t("Tags")}</legend>
                    <div class="row">
                        {ElementTag::ALL.iter().map(|t| {
                            let t = *t;
                            view! {
                                <label><input type="checkbox" data-testid=format!("tag-{}", t.label())
                                    prop:checked=move || tags.read().contains(&t)
                                    on:change=move |ev| tags.update(|l| if event_target_checked(&ev) { l.push(t) } else { l.retain(|x| *x != t) })/>
                                " " {choice_label(t.label())}</label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <SubmitBar violations=ui.violations() show=ui.show_errors submitting=ui.submitting() error=ui.submit_error() label=t("Create element")/>
            </form>
        </section>
    }
}
