//! Session rows: which signed-in browsers are live, shared by every instance.

use super::Store;
use super::StoreError;
use sqlx::Row;

impl Store {
    /// A new session, remembering (the digest of) the token it was made with.
    pub async fn insert_session(
        &self,
        hash: &str,
        token_digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (id_hash, created_at, expires_at, token_digest) VALUES ($1, $2, $3, $4)")
            .bind(hash.to_owned())
            .bind(now)
            .bind(expires_at)
            .bind(token_digest.to_owned())
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// The token digest of a live session (`None`: no such session, or expired;
    /// `Some(None)`: made before sessions remembered their token).
    pub async fn session_token(&self, hash: &str, now: i64) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT token_digest FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                .bind(hash.to_owned())
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::from)?;
        row.map(|r| r.try_get::<Option<String>, _>("token_digest"))
            .transpose()
            .map(Option::flatten)
            .map_err(StoreError::from)
    }

    /// Ends a session, and clears out expired ones while at it.
    pub async fn delete_session(&self, hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR expires_at <= $2")
            .bind(hash.to_owned())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}
