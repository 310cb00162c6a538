//! `GET /api/openapi.json`: an OpenAPI 3.1 description of every route, made from the
//! handlers' own annotations and omni-api's types as the router is built (a route is
//! registered and described in one step, `utoipa_axum::routes!`, so none goes
//! undescribed). Model names come from the catalog in force.

use omni_api::{Catalog, ErrorBody};
use utoipa::openapi::{OpenApi, RefOr, Schema};

/// The error answers every API route can give, in the upstream's envelope.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its description is used
pub enum Errors {
    /// A rule broken (`errors` names each field and rule) or a body that is not JSON.
    #[response(status = 400)]
    Invalid(ErrorBody),
    /// Not signed in, or a wrong token (when access tokens are configured).
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// A cross-site change, or a callback for another task.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such task, element, file or route.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Without access tokens only loopback host names are served.
    #[response(status = 421)]
    Misdirected(ErrorBody),
    /// Over this client's rate limit (see Retry-After).
    #[response(status = 429)]
    TooMany(ErrorBody),
    /// The upstream failed, or could not be reached.
    #[response(status = 502)]
    Upstream(ErrorBody),
    /// A create whose outcome is not known yet: it is recorded and will be finished.
    #[response(status = 503)]
    Pending(ErrorBody),
}

/// A create's body at `/kling/v1/{group}/{name}`: the request of that kind.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its description is used
pub enum KindRequest {
    OmniImage(omni_api::omni_image::OmniImageRequest),
    OmniVideo(omni_api::omni_video::OmniVideoRequest),
    ImageGeneration(omni_api::image_generation::ImageGenerationRequest),
    MultiShot(omni_api::multi_shot::MultiShotRequest),
}

/// The document's frame: title, version, tags.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Omni Studio BFF",
        description = "The studio's backend-for-frontend: the upstream's /kling routes, validated and stored, and the studio's own /api routes. Answers are in the upstream's envelope {code, message, request_id, data}.",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "kling", description = "The upstream's API, validated, forwarded and remembered"),
        (name = "studio", description = "The studio's own routes"),
        (name = "operations", description = "Health, readiness, metrics")
    )
)]
pub struct Frame;

/// Finishes the document: model names become an enumeration of the catalog's models.
pub fn finish(mut doc: OpenApi, catalog: &Catalog) -> OpenApi {
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    let mut models: Vec<String> = [
        &catalog.omni_image,
        &catalog.omni_video,
        &catalog.image_generation,
        &catalog.all_in_one,
    ]
    .iter()
    .flat_map(|k| k.names())
    .collect();
    models.sort();
    models.dedup();
    if let Some(components) = doc.components.as_mut() {
        let schema: RefOr<Schema> = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A model of the catalog in force (`GET /api/v1/config`)",
            ))
            .enum_values(Some(models))
            .into();
        components.schemas.insert("ModelName".into(), schema);
    }
    doc
}
