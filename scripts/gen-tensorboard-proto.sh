#!/usr/bin/env bash
# Regenerates Sources/Export/Generated/tensorboard/*.pb.swift: the Event and Summary messages of
# TensorBoard's event files and the hparams plugin's messages. The `tensorboard` pip package
# (2.21.0 here) ships them compiled (tensorboard/compat/proto/*_pb2.py, plugins/hparams/*_pb2.py),
# not as .proto text: each _pb2 module carries its file's FileDescriptorProto, so this script
# collects those (with their imports) into a FileDescriptorSet and lets protoc generate the Swift
# code from it (`--descriptor_set_in`). Run by hand; the build and CI use the committed files.
#
# Needs protoc, python3 with tensorboard, and protoc-gen-swift 1.39.0 (see gen-onnx-proto.sh):
#   PROTOC_GEN_SWIFT=/tmp/swiftpb/.build/release/protoc-gen-swift scripts/gen-tensorboard-proto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
[ -x "$plugin" ] || { echo "gen-tensorboard-proto: set PROTOC_GEN_SWIFT to a built protoc-gen-swift" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/set.pb" <<'PY'
import sys
from google.protobuf import descriptor_pb2
from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.hparams import plugin_data_pb2
files, seen = descriptor_pb2.FileDescriptorSet(), set()
def add(fd):
    if fd.name in seen:
        return
    seen.add(fd.name)
    for dep in fd.dependencies:
        add(dep)
    proto = descriptor_pb2.FileDescriptorProto()
    fd.CopyToProto(proto)
    files.file.append(proto)
add(event_pb2.DESCRIPTOR)
add(plugin_data_pb2.DESCRIPTOR)
open(sys.argv[1], "wb").write(files.SerializeToString())
print("\n".join(f.name for f in files.file))
PY
out=Sources/Export/Generated
mkdir -p "$out"
# google/protobuf/struct.proto comes with the SwiftProtobuf runtime (Google_Protobuf_Struct).
protos=(tensorboard/compat/proto/event.proto tensorboard/compat/proto/summary.proto
        tensorboard/compat/proto/histogram.proto tensorboard/compat/proto/tensor.proto
        tensorboard/compat/proto/tensor_shape.proto tensorboard/compat/proto/types.proto
        tensorboard/compat/proto/resource_handle.proto
        tensorboard/plugins/hparams/api.proto tensorboard/plugins/hparams/plugin_data.proto)
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
    --swift_out="$out" --descriptor_set_in="$work/set.pb" "${protos[@]}"
echo "gen-tensorboard-proto: wrote $(ls "$out" | grep -c '^tensorboard_') files to $out (tensorboard $(python3 -c 'import tensorboard; print(tensorboard.__version__)'))"
