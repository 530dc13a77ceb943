#!/usr/bin/env bash
# Writes the committed seed corpora: real files and broken ones, for each fuzz target.
# The model files are trained by the project's own command line on built-in data; the
# broken ones are made from them by the Python below, one fault each.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$HEARTH_ROOT"
cargo build --quiet -p hearth-cli
hearth="$CARGO_TARGET_DIR/debug/hearth"
csv=fuzz/corpus/csv
models=fuzz/corpus/model_file
# Inputs the fuzzer found (found-*) stay: they are the regression seeds.
mkdir -p "$csv" "$models"
find "$csv" "$models" -type f ! -name 'found-*' -delete

# CSV: the first byte of each seed is the fuzz target's "skip ragged rows" switch.
seed() { printf '%b' "$2" >"$csv/$1"; }
{ printf '\x00'; cat crates/core/assets/iris.csv; } >"$csv/iris.csv"
seed people.csv '\x00age,colour,member,sex,spend\n20,red,yes,f,10\n30,blue,no,m,20\nNA,red,yes,f,30\n50,green,?,m,40\n60,,no,f,50\n40,blue,yes,m,NA\n'
seed semicolons-bom-crlf.csv '\x00\xef\xbb\xbfa;b;label\r\n1,5;2;x\r\n3,25;4;y\r\n5;6;x\r\n'
seed quoted.csv '\x00name,note,score\n"Smith, J","said ""hi""\nthen left",3\n"Ng", "a, b",4\n'
seed tabs-no-header.csv '\x001\t2\t0\n3\t4\t1\n5\t6\t0\n7\t8\t1\n'
seed ragged.csv '\x00a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n'
seed ragged-skipped.csv '\x01a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n13,14,15\n16,17,18\n'
seed unterminated-quote.csv '\x00a,b\n1,"two\n3,4\n'
seed header-only.csv '\x00a,b,c\n'
seed empty.csv '\x00'
seed blank-lines.csv '\x00\n\n  \n'
seed utf16.csv '\x00\xff\xfea\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00'
seed latin1.csv '\x00name,city\nJos\xe9,M\xe1laga\n'
seed binary.csv '\x00\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01'
seed regression.csv '\x00x1,x2,price\n1.5,a,100.25\n2.5,b,-3e2\n,c,1e-3\n4,a,NaN\n5,b,7\n6,c,8\n'
seed many-classes.csv "\\x00x,y\\n$(for i in $(seq 1 150); do printf '%d,c%d\\n' "$i" "$i"; done)"
seed duplicate-headers.csv '\x00x,x,,y\n1,2,3,a\n4,5,6,b\n7,8,9,a\n10,11,12,b\n'
seed one-class.csv '\x00x,y\n1,a\n2,a\n3,a\n4,a\n'

# Model files: small real ones (a table model with its preprocessing, a tiny CNN), then
# each broken in one way.
"$hearth" train builtin:loans --preset mlp --epochs 1 --out "$models/loans-mlp.safetensors" >/dev/null
"$hearth" train builtin:iris --preset logistic --epochs 1 --out "$models/iris-logistic.safetensors" >/dev/null
cat >"$CARGO_TARGET_DIR/tiny-cnn.json" <<'JSON'
{"version":1,"input":{"kind":"image","height":28,"width":28,"channels":1},
 "layers":[{"type":"conv2d","filters":2,"kernel":3},{"type":"max_pool2d","size":4},
           {"type":"batch_norm"},{"type":"flatten"},{"type":"dropout","rate":0.1}],
 "task":"multi_class","outputs":10}
JSON
"$hearth" train builtin:mnist --spec "$CARGO_TARGET_DIR/tiny-cnn.json" --epochs 1 \
  --out "$models/digits-tiny-cnn.safetensors" >/dev/null
python3 - "$models" <<'PY'
import json, struct, sys, pathlib
out = pathlib.Path(sys.argv[1])
good = (out / "iris-logistic.safetensors").read_bytes()
n = struct.unpack("<Q", good[:8])[0]
header = json.loads(good[8:8 + n])
weights = good[8 + n:]

def write(name, header, weights=weights):
    text = json.dumps(header, separators=(",", ":")).encode()
    (out / name).write_bytes(struct.pack("<Q", len(text)) + text + weights)

def with_document(change):
    h = json.loads(json.dumps(header))
    doc = json.loads(h["__metadata__"]["hearth"])
    change(doc)
    h["__metadata__"]["hearth"] = json.dumps(doc)
    return h

(out / "truncated.safetensors").write_bytes(good[: len(good) // 2])
(out / "header-claims-gigabytes.safetensors").write_bytes(struct.pack("<Q", 2**40) + good[8:])
(out / "header-longer-than-file.safetensors").write_bytes(struct.pack("<Q", len(good)) + good[8:])
(out / "not-a-model.txt").write_bytes(b"hello, this is not a model")
write("foreign.safetensors", {k: v for k, v in header.items() if k != "__metadata__"})
write("description-not-json.safetensors", {**header, "__metadata__": {"hearth": "{not json"}})
write("newer-version.safetensors", with_document(lambda d: d.update(format_version=99)))
write("spec-claims-huge-layer.safetensors", with_document(
    lambda d: d["spec"]["layers"].append({"type": "dense", "units": 4000000})))
write("spec-overflows.safetensors", with_document(
    lambda d: d["spec"].update(input={"kind": "image", "height": 2**62, "width": 8, "channels": 2**40})))
write("spec-wrong-shapes.safetensors", with_document(
    lambda d: d["spec"]["layers"].append({"type": "conv2d", "filters": 4, "kernel": 3})))
swapped = json.loads(json.dumps(header))
for name, info in swapped.items():
    if name != "__metadata__":
        info["shape"] = list(reversed(info["shape"])) + [1]
write("weights-wrong-shape.safetensors", swapped)
halved = json.loads(json.dumps(header))
for name, info in halved.items():
    if name != "__metadata__":
        info["dtype"] = "F16"
write("weights-f16.safetensors", halved)
PY
ls -la "$csv" "$models" | awk '{print $5, $9}'
