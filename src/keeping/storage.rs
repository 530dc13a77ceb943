//! The browser's storage: one IndexedDB database (through the `rexie` crate) that keeps
//! the session a reload restores and the saved models. Values are stored as the browser
//! stores them (strings, `Uint8Array`s, `File`s), so nothing is copied through JSON.

use rexie::{ObjectStore, Rexie, Store, Transaction, TransactionMode};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

const DATABASE: &str = "hearth";
const VERSION: u32 = 1;
/// Keys `state` (JSON), `model` ({name, bytes}) and `data` (the kept upload).
pub const SESSION: &str = "session";
/// One entry per saved model: {info (JSON), bytes}, keyed by the info's id.
pub const MODELS: &str = "models";

thread_local! {
    static OPEN: RefCell<Option<Rc<Rexie>>> = const { RefCell::new(None) };
}

async fn database() -> Result<Rc<Rexie>, String> {
    if let Some(database) = OPEN.with(|open| open.borrow().clone()) {
        return Ok(database);
    }
    let database = Rexie::builder(DATABASE)
        .version(VERSION)
        .add_object_store(ObjectStore::new(SESSION))
        .add_object_store(ObjectStore::new(MODELS))
        .build()
        .await
        .map_err(|error| describe(&error))?;
    let database = Rc::new(database);
    OPEN.with(|open| *open.borrow_mut() = Some(database.clone()));
    Ok(database)
}

/// The browser's own words for a storage error (e.g. "QuotaExceededError").
fn describe(error: &rexie::Error) -> String {
    match error {
        rexie::Error::IdbError(idb::Error::DomException(exception)) => {
            format!("{}: {}", exception.name(), exception.message())
        }
        other => {
            // The innermost cause is the browser's own words ("QuotaExceededError: ...").
            let mut deepest: &dyn std::error::Error = other;
            while let Some(source) = deepest.source() {
                deepest = source;
            }
            let text = deepest.to_string();
            text.rsplit_once("failed to update a value: ")
                .or_else(|| text.rsplit_once("failed to add a value: "))
                .map_or(text.clone(), |(_, browser)| browser.to_string())
        }
    }
}

/// A transaction on `store` in `mode`, and the store in it.
async fn open(store: &str, mode: TransactionMode) -> Result<(Transaction, Store), String> {
    let database = database().await?;
    let transaction = database
        .transaction(&[store], mode)
        .map_err(|error| describe(&error))?;
    let handle = transaction.store(store).map_err(|error| describe(&error))?;
    Ok((transaction, handle))
}

/// Stores `value` under `key`; the write is committed when this returns `Ok`.
pub async fn put(store: &str, key: &str, value: &JsValue) -> Result<(), String> {
    let (transaction, handle) = open(store, TransactionMode::ReadWrite).await?;
    handle
        .put(value, Some(&JsValue::from_str(key)))
        .await
        .map_err(|error| describe(&error))?;
    match transaction.done().await {
        Ok(rexie::TransactionResult::Committed) => Ok(()),
        Ok(_) => Err("the browser aborted the write".to_string()),
        Err(error) => Err(describe(&error)),
    }
}

/// The value under `key`, if any.
pub async fn get(store: &str, key: &str) -> Result<Option<JsValue>, String> {
    let (_transaction, handle) = open(store, TransactionMode::ReadOnly).await?;
    handle
        .get(JsValue::from_str(key))
        .await
        .map_err(|error| describe(&error))
        .map(|value| value.filter(|value| !value.is_undefined()))
}

/// Removes the value under `key`.
pub async fn delete(store: &str, key: &str) -> Result<(), String> {
    let (transaction, handle) = open(store, TransactionMode::ReadWrite).await?;
    handle
        .delete(JsValue::from_str(key))
        .await
        .map_err(|error| describe(&error))?;
    transaction
        .done()
        .await
        .map(|_| ())
        .map_err(|error| describe(&error))
}

/// Every value in `store`.
pub async fn all(store: &str) -> Result<Vec<JsValue>, String> {
    let (_transaction, handle) = open(store, TransactionMode::ReadOnly).await?;
    handle
        .get_all(None, None)
        .await
        .map_err(|error| describe(&error))
}

/// An object of `fields` (a stored record).
pub fn record(fields: &[(&str, &JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

/// A field of a stored record.
pub fn field(record: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(record, &JsValue::from_str(name))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

/// A `Uint8Array` field of a stored record.
pub fn bytes_field(record: &JsValue, name: &str) -> Option<js_sys::Uint8Array> {
    field(record, name)?.dyn_into().ok()
}

/// A `File` field of a stored record (a kept upload).
pub fn file_field(record: &JsValue, name: &str) -> Option<web_sys::File> {
    field(record, name)?.dyn_into().ok()
}

/// A field of stored record that holds an array of `File`s (kept images).
pub fn files_field(record: &JsValue, name: &str) -> Option<Vec<web_sys::File>> {
    let array: js_sys::Array = field(record, name)?.dyn_into().ok()?;
    Some(
        array
            .iter()
            .filter_map(|file| file.dyn_into().ok())
            .collect(),
    )
}

/// `files` as a value to store (an array of `File`s: the browser keeps the files).
pub fn files_value(files: &[web_sys::File]) -> JsValue {
    files.iter().collect::<js_sys::Array>().into()
}

/// How much this site stores and may store, in bytes (`navigator.storage.estimate()`).
pub async fn estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.estimate().ok()?;
    let estimate = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let number = |name: &str| field(&estimate, name).and_then(|value| value.as_f64());
    Some((number("usage")?, number("quota")?))
}
