//! The upstream account's remaining units (`GET /account/costs`), asked at most once a
//! minute however many browsers show them: the upstream allows one query a second, and
//! the figure moves only as tasks finish.

use crate::clock;
use crate::upstream::{Upstream, UpstreamError};
use omni_api::spend::AccountUnits;

/// How long one answer is shown before the upstream is asked again.
pub const KEEP_MS: i64 = 60_000;
/// The window of packs asked about: those in force over the last year.
const WINDOW_MS: i64 = 365 * 86_400_000;

/// The last answer; the async lock makes concurrent askers wait for one upstream call.
#[derive(Default)]
pub struct AccountCache {
    kept: tokio::sync::Mutex<Option<AccountUnits>>,
}

impl AccountCache {
    pub async fn get(&self, upstream: &Upstream) -> Result<AccountUnits, UpstreamError> {
        let mut kept = self.kept.lock().await;
        let now = clock::now_ms();
        if let Some(units) = kept.as_ref().filter(|u| now - u.read_at < KEEP_MS) {
            return Ok(units.clone());
        }
        let packs = upstream.account_costs(now - WINDOW_MS, now).await?;
        let units = AccountUnits::from_packs(packs, now);
        *kept = Some(units.clone());
        Ok(units)
    }
}
