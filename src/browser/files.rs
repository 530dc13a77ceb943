//! Files the user chose or dropped: a file input's files, a drop's loose files, and a
//! dropped folder's whole tree.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
/// A file the user chose or dropped (a handle: its bytes stay with the browser).
pub use web_sys::File;

/// A file with its path: `webkitRelativePath` for a chosen folder ("pets/cats/a.png"),
/// else its name.
pub type NamedFile = (String, File);

/// The files of a file input or a drop, with their paths: `webkitRelativePath` for a
/// chosen folder ("pets/cats/a.png"), else the file name.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<NamedFile> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &JsValue::from_str("webkitRelativePath"))
                .ok()
                .and_then(|path| path.as_string())
                .filter(|path| !path.is_empty());
            (relative.unwrap_or_else(|| file.name()), file)
        })
        .collect()
}

/// The files chosen in the `<input type=file>` that fired `event`; the input is then
/// cleared so that choosing the same file again fires again.
pub fn input_files(event: &web_sys::Event) -> Vec<NamedFile> {
    let Some(input) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = files_of(input.files());
    input.set_value("");
    files
}

/// The files dropped by a drag-and-drop `event` (loose files only).
pub fn dropped_files(event: &web_sys::DragEvent) -> Vec<NamedFile> {
    event.prevent_default();
    files_of(event.data_transfer().and_then(|transfer| transfer.files()))
}

/// The files dropped by `event`, folders included: a dropped folder gives every file
/// beneath it with its path ("pets/cats/a.png"). The entries are taken during the event
/// (the browser empties the drop afterwards) and read afterwards.
pub fn dropped_tree(
    event: &web_sys::DragEvent,
) -> impl std::future::Future<Output = Vec<NamedFile>> + 'static {
    event.prevent_default();
    let transfer = event.data_transfer();
    let entries: Vec<web_sys::FileSystemEntry> = transfer
        .as_ref()
        .map(|transfer| {
            let items = transfer.items();
            (0..items.length())
                .filter_map(|index| items.get(index))
                .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
                .collect()
        })
        .unwrap_or_default();
    let loose = if entries.is_empty() {
        files_of(transfer.and_then(|transfer| transfer.files()))
    } else {
        Vec::new()
    };
    async move {
        if entries.is_empty() {
            return loose;
        }
        read_tree(entries).await
    }
}

async fn read_tree(entries: Vec<web_sys::FileSystemEntry>) -> Vec<NamedFile> {
    let mut files = Vec::new();
    let mut pending: Vec<web_sys::FileSystemEntry> = entries;
    while let Some(entry) = pending.pop() {
        let path = entry.full_path().trim_start_matches('/').to_string();
        if entry.is_directory() {
            let directory: web_sys::FileSystemDirectoryEntry = entry.unchecked_into();
            let reader = directory.create_reader();
            // readEntries returns the entries in batches until it returns none.
            loop {
                let batch = read_entries(&reader).await;
                if batch.is_empty() {
                    break;
                }
                pending.extend(batch);
            }
        } else if let Some(file) = entry_file(entry.unchecked_ref()).await {
            files.push((path, file));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

async fn read_entries(
    reader: &web_sys::FileSystemDirectoryReader,
) -> Vec<web_sys::FileSystemEntry> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |entries: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &entries);
        });
        let failed = Closure::once_into_js(move |error: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        let _ = reader
            .read_entries_with_callback_and_callback(done.unchecked_ref(), failed.unchecked_ref());
    });
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(entries) => js_sys::Array::from(&entries)
            .iter()
            .map(|entry| entry.unchecked_into())
            .collect(),
        Err(_) => Vec::new(),
    }
}

async fn entry_file(entry: &web_sys::FileSystemFileEntry) -> Option<web_sys::File> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |file: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &file);
        });
        let failed = Closure::once_into_js(move |error: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        entry.file_with_callback_and_callback(done.unchecked_ref(), failed.unchecked_ref());
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|file| file.dyn_into().ok())
}

/// A file's name and size in bytes.
pub fn name_and_size(file: &web_sys::File) -> (String, f64) {
    (file.name(), file.size())
}
