/// libFuzzer entry point for module Spec, compiled into the module by `scripts/fuzz.sh`.
///
/// Every input goes through `YAMLParser.parse(bytes:file:)`; whatever parses must survive an
/// emitter round trip with the same content. With `-D FUZZ_LOADER` (set by the script when
/// `ExperimentLoader` exists) the text also goes through the full loader. Any trap, sanitizer
/// report, or round-trip mismatch is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpecTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let node = try? YAMLParser.parse(bytes: bytes, file: "fuzz.yaml") {
        checkRoundTrip(node)
    }
    #if FUZZ_LOADER
    _ = try? ExperimentLoader.load(text: String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
    #endif
    return 0
}

/// Emits a parsed tree and parses the text again; aborts if the content changed.
private func checkRoundTrip(_ node: YAMLNode) {
    let text = YAMLEmitter.emit(node)
    // Aliases are expanded in the output, so it may be far larger than the input.
    let roomy = YAMLLimits(maxDepth: 64, maxAliasExpansion: 0, maxBytes: Int.max)
    do {
        guard let back = try YAMLParser.parse(text: text, file: "emitted.yaml", limits: roomy) else {
            fatalError("emitted text parsed as empty:\n\(text)")
        }
        if !back.sameContent(as: node) { fatalError("round trip changed content:\n\(text)") }
    } catch {
        fatalError("emitted text does not parse: \(error)\n\(text)")
    }
}
