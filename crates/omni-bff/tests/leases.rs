//! Media copy leases on the real databases: a lease runs from its claim by the
//! database's clock, and a copier that lost its lease can neither renew it nor record
//! an outcome, so a late copier never turns another's finished copy back into pending
//! or failed. SQLite always; PostgreSQL when OMNI_TEST_POSTGRES_URL is set.

use omni_bff::store::{MediaState, Store};
use std::time::Duration;

async fn lost_leases_record_nothing(store: Store) {
    let now = omni_bff::clock::now_ms();
    let files = [(
        "videos-0".to_owned(),
        "https://cdn.example/v.mp4".to_owned(),
    )];
    store
        .enqueue_media("task-1", &files, now - 1000)
        .await
        .unwrap();
    let due = |store: &Store| {
        let store = store.clone();
        async move { store.media_due(i64::MAX, 10).await.unwrap().remove(0) }
    };
    // Copier A claims it for 300 ms.
    let seen_by_a = due(&store).await;
    let a = store
        .claim_media(&seen_by_a, 300)
        .await
        .unwrap()
        .expect("A claims it");
    assert!(
        (a - omni_bff::clock::now_ms()).abs() < 5_000,
        "the lease runs from now"
    );
    // B cannot take it while A's lease runs.
    let seen_by_b = due(&store).await;
    assert_eq!(store.claim_media(&seen_by_b, 60_000).await.unwrap(), None);
    // A renews once, then stalls past its lease; B takes the row over.
    let a = store
        .renew_media(&seen_by_a, a, 300)
        .await
        .unwrap()
        .expect("A renews");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let seen_by_b = due(&store).await;
    let b = store
        .claim_media(&seen_by_b, 60_000)
        .await
        .unwrap()
        .expect("B takes over");
    // A's lease is lost: no renewal, no outcome.
    assert_eq!(store.renew_media(&seen_by_a, a, 300).await.unwrap(), None);
    assert!(!store
        .media_retry(&seen_by_a, a, MediaState::Failed, 0, "late")
        .await
        .unwrap());
    assert!(!store
        .media_done(&seen_by_a, a, "videos-0.mp4", "video/mp4", 1, now)
        .await
        .unwrap());
    // B finishes; a late retry from anyone after that changes nothing.
    assert!(store
        .media_done(&seen_by_b, b, "videos-0.mp4", "video/mp4", 42, now)
        .await
        .unwrap());
    assert!(!store
        .media_retry(&seen_by_b, b, MediaState::Pending, 0, "late")
        .await
        .unwrap());
    let rows = store.media_of("task-1").await.unwrap();
    assert_eq!(rows[0].state, MediaState::Done);
    assert_eq!(rows[0].size, Some(42));
}

#[tokio::test]
async fn sqlite_leases() {
    let dir = std::env::temp_dir().join(format!("omni-leases-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.join("omni.db").display()))
        .await
        .unwrap();
    lost_leases_record_nothing(store).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_leases() {
    let Ok(url) = std::env::var("OMNI_TEST_POSTGRES_URL") else {
        eprintln!("OMNI_TEST_POSTGRES_URL is not set: skipped (cargo xtask test sets it)");
        return;
    };
    // A database of its own, so other tests' rows do not matter.
    let name = format!("omni_leases_{}", std::process::id());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("the test PostgreSQL answers");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql).execute(&mut conn).await.unwrap();
    }
    let db_url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    lost_leases_record_nothing(Store::open(&db_url).await.unwrap()).await;
}
