//! Session rows: which signed-in browsers are live, shared by every instance.

use super::Store;
use crate::error::ApiError;

impl Store {
    pub async fn insert_session(
        &self,
        hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), ApiError> {
        sqlx::query("INSERT INTO sessions (id_hash, created_at, expires_at) VALUES ($1, $2, $3)")
            .bind(hash.to_owned())
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(ApiError::internal)?;
        Ok(())
    }

    pub async fn session_live(&self, hash: &str, now: i64) -> Result<bool, ApiError> {
        let row =
            sqlx::query("SELECT id_hash FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                .bind(hash.to_owned())
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(ApiError::internal)?;
        Ok(row.is_some())
    }

    /// Ends a session, and clears out expired ones while at it.
    pub async fn delete_session(&self, hash: &str, now: i64) -> Result<(), ApiError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR expires_at <= $2")
            .bind(hash.to_owned())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(ApiError::internal)?;
        Ok(())
    }
}
