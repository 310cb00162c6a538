//! Spend: charged units summed by day, person and model, in the database (one indexed
//! range scan and a GROUP BY; no task JSON is read).

use super::{Store, StoreError};
use omni_api::spend::{Day, SpendRow, Units, DAY_MS};
use sqlx::Row;

/// What a spend report covers.
#[derive(Debug, Clone)]
pub struct SpendQuery {
    pub from: Day,
    /// The last day included.
    pub to: Day,
    /// Minutes east of UTC the days are counted in.
    pub offset_minutes: i32,
    /// Only this person's tasks.
    pub created_by: Option<String>,
}

impl Store {
    pub async fn spend(&self, q: &SpendQuery) -> Result<Vec<SpendRow>, StoreError> {
        let offset_ms = i64::from(q.offset_minutes) * 60_000;
        let person = if q.created_by.is_some() {
            " AND created_by = $5"
        } else {
            ""
        };
        // Integer division of BIGINTs on both databases; created_at is never negative.
        let sql = format!(
            "SELECT (created_at + $1) / $2 AS day, created_by, model, COUNT(*) AS tasks,
                    CAST(COALESCE(SUM(units), 0) AS BIGINT) AS units
             FROM tasks WHERE created_at >= $3 AND created_at < $4{person}
             GROUP BY 1, 2, 3
             ORDER BY day, created_by, model"
        );
        let mut query = sqlx::query(&sql)
            .bind(offset_ms)
            .bind(DAY_MS)
            .bind(q.from.start_ms(q.offset_minutes))
            .bind(q.to.next().start_ms(q.offset_minutes));
        if let Some(name) = &q.created_by {
            query = query.bind(name.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(SpendRow {
                    day: Day(r.try_get("day")?),
                    person: r.try_get("created_by")?,
                    model: r.try_get("model")?,
                    tasks: r.try_get("tasks")?,
                    units: Units(r.try_get("units")?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
