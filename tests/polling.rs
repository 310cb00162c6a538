//! The polling hook: its schedule on a fake clock, and its pause while the tab is hidden.

use omni_api::TaskStatus;
use omni_studio::hooks::use_task::{Next, Outcome, Schedule, MAX_INTERVAL_MS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs a schedule over `outcomes` on a fake clock: the time of every read.
fn timeline(outcomes: &[Outcome]) -> (Vec<u32>, bool) {
    let mut s = Schedule::default();
    let (mut now, mut reads) = (0u32, Vec::new());
    for o in outcomes {
        reads.push(now);
        match s.next(*o) {
            Next::After(ms) => now += ms,
            Next::Stop => return (reads, true),
        }
    }
    (reads, false)
}

#[wasm_bindgen_test]
fn the_interval_grows_from_one_second_to_ten() {
    let running = vec![Outcome::Status(TaskStatus::Processing); 9];
    let (reads, stopped) = timeline(&running);
    assert!(!stopped);
    let gaps: Vec<u32> = reads.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, [1000, 1500, 2250, 3375, 5062, 7593, 10000, 10000]);
    assert!(gaps.iter().all(|g| *g <= MAX_INTERVAL_MS));
}

#[wasm_bindgen_test]
fn polling_stops_on_succeed_and_on_failed() {
    for end in [TaskStatus::Succeed, TaskStatus::Failed] {
        let (reads, stopped) = timeline(&[
            Outcome::Status(TaskStatus::Submitted),
            Outcome::Status(end),
            Outcome::Status(end),
        ]);
        assert!(stopped);
        assert_eq!(reads.len(), 2, "no read after {end:?}");
    }
}

#[wasm_bindgen_test]
fn network_errors_back_off_and_recover() {
    let mut s = Schedule::default();
    let waits: Vec<Next> = (0..4).map(|_| s.next(Outcome::Failed)).collect();
    assert_eq!(
        waits,
        [
            Next::After(1000),
            Next::After(2000),
            Next::After(4000),
            Next::After(8000)
        ]
    );
    assert!(s.reconnecting(), "shown as reconnecting, not given up");
    assert_eq!(
        s.next(Outcome::Status(TaskStatus::Processing)),
        Next::After(1000)
    );
    assert!(!s.reconnecting());
}

mod hidden_tab {
    use leptos::prelude::*;
    use omni_studio::hooks::use_task::{use_task, UseTaskReturn};
    use omni_studio::time::sleep;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::*;

    fn set_hidden(hidden: bool) {
        let doc = web_sys::window().unwrap().document().unwrap();
        let desc = js_sys::Object::new();
        js_sys::Reflect::set(&desc, &"value".into(), &JsValue::from_bool(hidden)).unwrap();
        js_sys::Reflect::set(&desc, &"configurable".into(), &JsValue::TRUE).unwrap();
        js_sys::Object::define_property(&doc, &"hidden".into(), &desc);
        doc.dispatch_event(&web_sys::Event::new("visibilitychange").unwrap())
            .unwrap();
    }

    #[wasm_bindgen_test]
    async fn reading_pauses_while_the_tab_is_hidden_and_resumes_when_it_returns() {
        // Mounted like any component, so the hook runs inside a real owner and executor.
        let handles = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = handles.clone();
        let container = web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .create_element("div")
            .unwrap();
        let mounted =
            leptos::mount::mount_to(wasm_bindgen::JsCast::unchecked_into(container), move || {
                // No BFF behind the test server: reads fail and the hook keeps retrying.
                let UseTaskReturn {
                    is_active,
                    reconnecting,
                    ..
                } = use_task(Signal::stored("t-1".to_owned()));
                *out.lock().unwrap() = Some((is_active, reconnecting));
            });
        let active: (Signal<bool>, Signal<bool>) = handles.lock().unwrap().take().unwrap();
        sleep(50).await;
        assert!(active.0.get_untracked(), "polling while visible");
        set_hidden(true);
        sleep(20).await;
        assert!(!active.0.get_untracked(), "paused while hidden");
        set_hidden(false);
        sleep(20).await;
        assert!(active.0.get_untracked(), "reading again once visible");
        sleep(400).await;
        assert!(
            active.1.get_untracked(),
            "failed reads show as reconnecting"
        );
        drop(mounted);
    }
}
