//! Large requests in parts (migration 8): written a part at a time, so the database's
//! own copies of a value cost a few megabytes instead of several times the request.

use super::{Store, StoreError};
use sqlx::{Any, Row, Transaction};

/// Requests longer than this are stored in parts of at most this many bytes.
pub const PART_BYTES: usize = 4 * 1024 * 1024;

/// What the `request` column holds for a request stored in parts.
pub const IN_PARTS: &str = "";

/// `text` cut into pieces of at most `max` bytes, each ending on a character boundary.
pub fn split(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::with_capacity(text.len() / max + 1);
    let mut rest = text;
    while !rest.is_empty() {
        let mut at = max.min(rest.len());
        while !rest.is_char_boundary(at) {
            at -= 1;
        }
        if at == 0 {
            // A character longer than `max`: it goes whole.
            at = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (part, tail) = rest.split_at(at);
        parts.push(part);
        rest = tail;
    }
    parts
}

/// Writes `request`'s parts for `external` (any old ones replaced) in `tx`.
pub(super) async fn write(
    tx: &mut Transaction<'_, Any>,
    external: &str,
    request: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM request_parts WHERE external_task_id = $1")
        .bind(external)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from)?;
    for (seq, part) in split(request, PART_BYTES).into_iter().enumerate() {
        sqlx::query("INSERT INTO request_parts (external_task_id, seq, part) VALUES ($1, $2, $3)")
            .bind(external)
            .bind(seq as i64)
            .bind(part)
            .execute(&mut **tx)
            .await
            .map_err(StoreError::from)?;
    }
    Ok(())
}

impl Store {
    /// The request stored in parts for `external`, put together (`None`: no parts).
    pub(super) async fn joined_parts(&self, external: &str) -> Result<Option<String>, StoreError> {
        let rows =
            sqlx::query("SELECT part FROM request_parts WHERE external_task_id = $1 ORDER BY seq")
                .bind(external)
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::from)?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut out = String::new();
        for row in rows {
            let part: String = row.try_get("part").map_err(StoreError::from)?;
            out.push_str(&part);
        }
        Ok(Some(out))
    }

    pub(super) async fn delete_parts(&self, external: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM request_parts WHERE external_task_id = $1")
            .bind(external)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_end_on_character_boundaries_and_join_to_the_text() {
        let text = "猫a".repeat(1000);
        for max in [1, 2, 3, 4, 5, 7, 64, 4096] {
            let parts = split(&text, max);
            assert!(parts.iter().all(|p| p.len() <= max.max(3) && !p.is_empty()));
            assert_eq!(parts.concat(), text);
        }
        assert!(split("", 8).is_empty());
        assert_eq!(split("abcdef", 4), ["abcd", "ef"]);
    }

    #[test]
    fn a_large_attempt_is_stored_in_parts_and_read_back_whole() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = std::env::temp_dir().join(format!("omni-parts-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let store = Store::open(&format!("sqlite://{}/omni.db", dir.display()))
                .await
                .unwrap();
            let image = "猫QUJD".repeat(PART_BYTES / 3);
            let request = format!("{{\"prompt\":\"x\",\"image\":\"{image}\"}}");
            assert!(request.len() > 2 * PART_BYTES);
            let a = super::super::Attempt {
                external_task_id: "ext-big".into(),
                kind: omni_api::TaskKind::OmniImage,
                request_hash: "h".into(),
                callback_token: None,
                add_external: true,
                sent: false,
                created_at: 1,
                lease_until: 2,
                created_by: None,
                model: String::new(),
                queued: false,
                slots: 1,
                pool: omni_api::queue::Pool::Image,
                not_before: 0,
                busy_answers: 0,
            };
            assert!(store.begin_attempt(&a, &request, "x").await.unwrap());
            let count = |store: &Store| {
                let pool = store.pool.clone();
                async move {
                    sqlx::query("SELECT COUNT(*) AS n FROM request_parts")
                        .fetch_one(&pool)
                        .await
                        .unwrap()
                        .try_get::<i64, _>("n")
                        .unwrap()
                }
            };
            assert_eq!(count(&store).await, 3);
            let back = store.attempt_request("ext-big").await.unwrap().unwrap();
            assert!(back == request, "the parts join to the request");
            store.drop_attempt(&a).await.unwrap();
            assert_eq!(count(&store).await, 0);
            assert!(store.attempt_request("ext-big").await.unwrap().is_none());
            let _ = std::fs::remove_dir_all(&dir);
        });
    }
}
