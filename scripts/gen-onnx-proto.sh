#!/usr/bin/env bash
# Regenerates Sources/Export/Generated/onnx.pb.swift from the onnx.proto that `pip install onnx`
# ships (onnx/onnx.proto, proto2 syntax). Run by hand when ONNX's schema should be updated; the
# build and CI never run it (they compile the committed file against the SwiftProtobuf runtime).
#
# Needs: protoc (Debian protobuf-compiler; this file was made with libprotoc 3.21.12), python3 with
# the onnx package (1.23.2), and protoc-gen-swift built from the swift-protobuf package this project
# depends on (1.39.0), outside the repository:
#   git clone /opt/swift-packages/apple/swift-protobuf.git /tmp/swiftpb   # or the GitHub URL
#   git -C /tmp/swiftpb checkout 1.39.0
#   swift build -c release --package-path /tmp/swiftpb --product protoc-gen-swift
#   PROTOC_GEN_SWIFT=/tmp/swiftpb/.build/release/protoc-gen-swift scripts/gen-onnx-proto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
[ -x "$plugin" ] || { echo "gen-onnx-proto: set PROTOC_GEN_SWIFT to a built protoc-gen-swift" >&2; exit 1; }
onnx_dir=$(python3 -c "import onnx, os; print(os.path.realpath(os.path.dirname(onnx.__file__)))")
out=Sources/Export/Generated
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public --swift_out="$out" \
    --proto_path="$(dirname "$onnx_dir")" onnx/onnx.proto
mv "$out/onnx/onnx.pb.swift" "$out/onnx.pb.swift"
rmdir "$out/onnx"
echo "gen-onnx-proto: wrote $out/onnx.pb.swift from $onnx_dir/onnx.proto (onnx $(python3 -c 'import onnx; print(onnx.__version__)'))"
