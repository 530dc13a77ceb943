//! A model in someone's own web page: the snippet that Use & share shows, and the files of
//! "Download for a web page" besides the runtime and the model (an example page that works
//! as it is, and a README). The runtime itself is `crates/runtime`.

use super::summary::{InputKind, ModelInput, ModelSummary};
use crate::data::summary::Task;

/// The folder the bundle keeps the runtime and the model in.
pub const FOLDER: &str = "hearth";
/// The runtime's files, as `scripts/runtime.sh` puts them in the app's `runtime/` folder.
pub const RUNTIME_FILES: [&str; 3] = ["hearth.js", "hearth_runtime.js", "hearth_runtime_bg.wasm"];

/// `text` as a JavaScript string literal (safe inside an HTML `<script>` too).
fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '<' => out.push_str("\\u003c"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` for HTML text and attribute values.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number as people write it in a row: no trailing zeros, at most 4 decimals.
fn number(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A typical row: each column's typical value (the centre of the numbers, the first
/// category, the "yes" value), as a JavaScript object literal.
fn example_row(columns: &[super::summary::InputColumn]) -> String {
    let fields: Vec<String> = columns
        .iter()
        .map(|column| {
            let value = match &column.kind {
                InputKind::Number { typical } => number(*typical),
                InputKind::YesNo { true_value } => js_string(true_value),
                InputKind::Choice { levels } => {
                    js_string(levels.first().map_or("", String::as_str))
                }
            };
            format!("{}: {value}", js_string(&column.name))
        })
        .collect();
    if fields.len() <= 3 {
        format!("{{ {} }}", fields.join(", "))
    } else {
        format!("{{\n    {}\n  }}", fields.join(",\n    "))
    }
}

/// The few lines that use the model in a page, for the model file `file_name` kept in
/// [`FOLDER`] beside the page.
pub fn snippet(summary: &ModelSummary, file_name: &str) -> String {
    let load = format!(
        "  import {{ load }} from \"./{FOLDER}/hearth.js\";\n  const model = await load({});\n",
        js_string(&format!("./{FOLDER}/{file_name}"))
    );
    let show = if summary.task == Task::Regression {
        "  console.log(result.value);\n"
    } else {
        "  console.log(result.label, result.probabilities);\n"
    };
    match &summary.input {
        ModelInput::Table { columns, .. } => format!(
            "<script type=\"module\">\n{load}  const result = await model.predict({});\n{show}</script>\n",
            example_row(columns)
        ),
        ModelInput::Image { .. } => format!(
            "<img id=\"photo\" src=\"photo.png\" alt=\"\">\n<script type=\"module\">\n{load}  const result = await model.predict(document.getElementById(\"photo\"));\n{show}</script>\n"
        ),
    }
}

/// Why a model cannot go into a web page, or `None` when it can.
pub fn unsupported(summary: &ModelSummary) -> Option<&'static str> {
    match summary.input {
        ModelInput::Image { sound: Some(_), .. } => Some(
            "the web runtime reads table and image models, and this is a sound model: use it in Hearth, or download it as ONNX",
        ),
        _ => None,
    }
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}\
label{display:block;margin:.4rem 0}label span{display:inline-block;min-width:10rem}\
input,select,button{font:inherit}button{margin:.6rem .6rem 0 0}\
#result li{list-style:none;display:grid;grid-template-columns:10rem 1fr 5rem;gap:.5rem;align-items:center}\
#result meter{width:100%}.problem{color:#a00}canvas#pad{border:1px solid #888;touch-action:none;background:#fff;width:280px;max-width:100%}\
img#photo,video{max-width:16rem;display:block;margin:.5rem 0}canvas#pad{display:block;margin:.5rem 0}[hidden]{display:none!important}";

/// The example page of the bundle: a form of the columns, or an image to choose (and for
/// digit models a pad to draw on), and the prediction shown as the studio shows it.
pub fn example_page(summary: &ModelSummary, file_name: &str) -> String {
    let name = if summary.card.name.is_empty() {
        &summary.name
    } else {
        &summary.card.name
    };
    let description = if summary.card.description.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>\n", html(&summary.card.description))
    };
    let (controls, wiring) = match &summary.input {
        ModelInput::Table { columns, .. } => (table_form(columns), TABLE_SCRIPT),
        ModelInput::Image { digits, .. } => (image_controls(*digits), IMAGE_SCRIPT),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n{description}<p>This page uses a model trained in Hearth. It runs in your browser: nothing you enter leaves it.</p>\n{controls}<h2>Prediction</h2>\n<div id=\"result\" aria-live=\"polite\"><p>Loading the model…</p></div>\n<script type=\"module\">\nimport {{ load }} from \"./{FOLDER}/hearth.js\";\nconst result = document.getElementById(\"result\");\nfunction problem(error) {{\n  result.innerHTML = \"\";\n  const p = document.createElement(\"p\");\n  p.className = \"problem\";\n  p.textContent = error.message;\n  result.append(p);\n}}\nfunction show(prediction) {{\n  result.innerHTML = \"\";\n  if (\"value\" in prediction) {{\n    const p = document.createElement(\"p\");\n    p.id = \"value\";\n    p.dataset.value = prediction.value;\n    p.textContent = `Predicted value: ${{prediction.value.toPrecision(4)}}`;\n    result.append(p);\n    return;\n  }}\n  const list = document.createElement(\"ol\");\n  for (const [label, probability] of Object.entries(prediction.probabilities)) {{\n    const item = document.createElement(\"li\");\n    item.dataset.label = label;\n    item.dataset.probability = probability;\n    const name = document.createElement(\"span\");\n    name.textContent = label;\n    const meter = document.createElement(\"meter\");\n    meter.value = probability;\n    const percent = document.createElement(\"span\");\n    percent.textContent = `${{(100 * probability).toFixed(1)}}%`;\n    item.append(name, meter, percent);\n    list.append(item);\n  }}\n  const best = document.createElement(\"p\");\n  best.id = \"label\";\n  best.textContent = `Most likely: ${{prediction.label}}`;\n  result.append(best, list);\n}}\nlet model;\ntry {{\n  model = await load({model});\n  result.innerHTML = \"<p>Ready.</p>\";\n}} catch (error) {{\n  problem(error);\n}}\n{wiring}</script>\n</body>\n</html>\n",
        title = html(name),
        model = js_string(&format!("./{FOLDER}/{file_name}")),
    )
}

/// The form of a table model's columns, filled with typical values.
fn table_form(columns: &[super::summary::InputColumn]) -> String {
    let mut form = String::from("<form id=\"row\">\n");
    for column in columns {
        let name = html(&column.name);
        let field = match &column.kind {
            InputKind::Number { typical } => format!(
                "<input name=\"{name}\" inputmode=\"decimal\" value=\"{}\">",
                number(*typical)
            ),
            InputKind::YesNo { true_value } => format!(
                "<select name=\"{name}\"><option value=\"{yes}\">{yes}</option><option value=\"no\">not {yes}</option><option value=\"\">(missing)</option></select>",
                yes = html(true_value)
            ),
            InputKind::Choice { levels } => {
                let options: String = levels
                    .iter()
                    .map(|level| format!("<option>{}</option>", html(level)))
                    .collect();
                format!(
                    "<select name=\"{name}\">{options}<option value=\"\">(missing)</option></select>"
                )
            }
        };
        form.push_str(&format!("<label><span>{name}</span> {field}</label>\n"));
    }
    form.push_str("<button type=\"submit\">Predict</button>\n</form>\n");
    form
}

const TABLE_SCRIPT: &str = "const form = document.getElementById(\"row\");\nasync function predict() {\n  if (!model) return;\n  try {\n    show(await model.predict(Object.fromEntries(new FormData(form))));\n  } catch (error) {\n    problem(error);\n  }\n}\nform.addEventListener(\"submit\", (event) => {\n  event.preventDefault();\n  predict();\n});\nform.addEventListener(\"change\", predict);\npredict();\n";

/// An image to choose, the camera, and for digit models a pad to draw on.
fn image_controls(digits: bool) -> String {
    let pad = if digits {
        "<p>Draw a digit:</p>\n<canvas id=\"pad\" width=\"280\" height=\"280\" aria-label=\"Drawing pad\"></canvas>\n<button type=\"button\" id=\"clear\">Clear</button>\n"
    } else {
        ""
    };
    format!(
        "<label><span>Choose an image</span> <input type=\"file\" id=\"file\" accept=\"image/*\"></label>\n<img id=\"photo\" alt=\"The chosen image\" hidden>\n<button type=\"button\" id=\"camera\">Use the camera</button>\n<video id=\"video\" muted playsinline hidden></video>\n{pad}"
    )
}

const IMAGE_SCRIPT: &str = "const photo = document.getElementById(\"photo\");\ndocument.getElementById(\"file\").addEventListener(\"change\", async (event) => {\n  const [file] = event.target.files;\n  if (!file || !model) return;\n  photo.src = URL.createObjectURL(file);\n  photo.hidden = false;\n  try {\n    await photo.decode();\n    show(await model.predict(file));\n  } catch (error) {\n    problem(error);\n  }\n});\nconst video = document.getElementById(\"video\");\ndocument.getElementById(\"camera\").addEventListener(\"click\", async () => {\n  try {\n    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });\n    video.hidden = false;\n    await video.play();\n    const tick = async () => {\n      if (video.videoWidth) show(await model.predict(video));\n      setTimeout(tick, 300);\n    };\n    tick();\n  } catch (error) {\n    problem(error);\n  }\n});\nconst pad = document.getElementById(\"pad\");\nif (pad) {\n  const context = pad.getContext(\"2d\");\n  context.lineWidth = 18;\n  context.lineCap = context.lineJoin = \"round\";\n  context.strokeStyle = \"#111\";\n  let last = null;\n  const at = (event) => {\n    const box = pad.getBoundingClientRect();\n    return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];\n  };\n  const stroke = (from, to) => {\n    context.beginPath();\n    context.moveTo(...from);\n    context.lineTo(...to);\n    context.stroke();\n  };\n  pad.addEventListener(\"pointerdown\", (event) => {\n    last = at(event);\n    stroke(last, last);\n    pad.setPointerCapture(event.pointerId);\n  });\n  pad.addEventListener(\"pointermove\", (event) => {\n    if (!last) return;\n    const next = at(event);\n    stroke(last, next);\n    last = next;\n  });\n  pad.addEventListener(\"pointerup\", async () => {\n    last = null;\n    try {\n      show(await model.predictDrawing(pad));\n    } catch (error) {\n      problem(error);\n    }\n  });\n  document.getElementById(\"clear\").addEventListener(\"click\", () => context.clearRect(0, 0, pad.width, pad.height));\n}\n";

/// The README of the bundle.
pub fn readme(summary: &ModelSummary, file_name: &str) -> String {
    let name = if summary.card.name.is_empty() {
        &summary.name
    } else {
        &summary.card.name
    };
    format!(
        "{name}: a model trained in Hearth, ready for a web page\n\n\
         index.html      a page that uses the model (open it through a web server)\n\
         {FOLDER}/hearth.js               the runtime: import {{ load }} from it\n\
         {FOLDER}/hearth_runtime.js       its WebAssembly glue\n\
         {FOLDER}/hearth_runtime_bg.wasm  its WebAssembly\n\
         {FOLDER}/{file_name}  the model (open it in Hearth to retrain or inspect it)\n\n\
         Browsers do not run modules from files opened directly, so serve this folder, for\n\
         example with `python3 -m http.server` in it, then open http://localhost:8000/.\n\
         Any static host works; the page asks for nothing from other sites.\n\n\
         In your own page:\n\n{}\n\
         predict() takes a row object (the model's columns as fields; a field left out is a\n\
         missing value) or an <img>, <canvas>, <video>, ImageBitmap, ImageData or image file.\n\
         It resolves to {{ label, probability, probabilities }} for a classifier and to\n\
         {{ value }} for a regression model, and rejects with a message that says what did\n\
         not fit. model.classes, model.columns and model.image say what the model reads.\n",
        snippet(summary, file_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::summary::{InputColumn, ModelCard, ModelSource};
    use crate::model::{InputShape, ModelSpec};

    fn summary(input: ModelInput, task: Task) -> ModelSummary {
        ModelSummary {
            name: "Iris flowers".into(),
            source: ModelSource::Trained,
            task,
            labels: vec!["setosa".into(), "versicolor".into()],
            input,
            parameters: 10,
            test_score: None,
            test_rows: 0,
            spec: ModelSpec::cnn(InputShape::MNIST, Task::MultiClass, 10),
            config: None,
            history: Vec::new(),
            card: ModelCard {
                name: "Iris <flowers>".into(),
                ..ModelCard::default()
            },
        }
    }

    fn table() -> ModelInput {
        ModelInput::Table {
            columns: vec![
                InputColumn {
                    name: "petal length".into(),
                    kind: InputKind::Number { typical: 4.35 },
                },
                InputColumn {
                    name: "colour \"hue\"".into(),
                    kind: InputKind::Choice {
                        levels: vec!["blue".into(), "red".into()],
                    },
                },
                InputColumn {
                    name: "wild".into(),
                    kind: InputKind::YesNo {
                        true_value: "yes".into(),
                    },
                },
            ],
            target: "species".into(),
        }
    }

    #[test]
    fn the_snippet_loads_the_model_and_predicts_a_typical_row() {
        let text = snippet(&summary(table(), Task::MultiClass), "iris.safetensors");
        assert_eq!(
            text,
            "<script type=\"module\">\n  import { load } from \"./hearth/hearth.js\";\n  const model = await load(\"./hearth/iris.safetensors\");\n  const result = await model.predict({ \"petal length\": 4.35, \"colour \\\"hue\\\"\": \"blue\", \"wild\": \"yes\" });\n  console.log(result.label, result.probabilities);\n</script>\n"
        );
        let image = ModelInput::Image {
            width: 28,
            height: 28,
            channels: 1,
            digits: true,
            sound: None,
        };
        let text = snippet(&summary(image, Task::Regression), "digits.safetensors");
        assert!(text.starts_with("<img id=\"photo\""), "{text}");
        assert!(text.contains("model.predict(document.getElementById(\"photo\"))"));
        assert!(text.contains("console.log(result.value);"));
    }

    #[test]
    fn the_example_page_escapes_what_the_data_named() {
        let page = example_page(
            &summary(table(), Task::MultiClass),
            "a</script>.safetensors",
        );
        assert!(page.contains("<title>Iris &lt;flowers&gt;</title>"));
        assert!(page.contains("load(\"./hearth/a\\u003c/script>.safetensors\")"));
        assert!(page.contains("<span>colour &quot;hue&quot;</span> <select name=\"colour &quot;hue&quot;\"><option>blue</option>"));
        assert!(
            page.contains("<input name=\"petal length\" inputmode=\"decimal\" value=\"4.35\">")
        );
        assert_eq!(page.matches("</script>").count(), 1);
        let readme = readme(&summary(table(), Task::MultiClass), "iris.safetensors");
        assert!(readme.contains("hearth/iris.safetensors"));
        assert!(readme.contains("python3 -m http.server"));
    }

    #[test]
    fn numbers_are_written_as_people_write_them() {
        assert_eq!(number(4.0), "4");
        assert_eq!(number(-0.00001), "0");
        assert_eq!(number(1234.56789), "1234.5679");
        assert_eq!(js_string("a\u{2028}b\\"), "\"a\\u2028b\\\\\"");
    }
}
