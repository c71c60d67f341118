// swift-tools-version:6.0
import PackageDescription

/// Hot loops run over unsafe buffers; in release builds they are compiled without
/// exclusivity checks and for AVX2/FMA (every x86-64 server of the last decade).
let fast: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked", "-target-cpu", "haswell"],
                 .when(configuration: .release)),
]

/// The AVX-512 twins of the hottest kernels: built for skylake-avx512 (AVX-512F/CD/BW/DQ/VL, also on
/// AMD Zen 4), called only after a CPUID check, bit-identical to the AVX2 kernels.
let avx512: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked", "-target-cpu", "skylake-avx512"],
                 .when(configuration: .release)),
]

/// Our C loops: vectorized only without errno and with no contraction the Swift code would not do.
let cKernels: [CSetting] = [
    .unsafeFlags(["-fno-math-errno", "-ffp-contract=off"]),
    .unsafeFlags(["-O3", "-mavx2", "-mfma"], .when(configuration: .release)),
]

let package = Package(
    name: "declarative-dl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "runner", targets: ["runner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The runtime only (no build plugin): the message code is generated once and committed
        // (scripts/gen-onnx-proto.sh).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // SHA-256 of resolved configs (the cache key) and of weights files.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CCSV", providers: [.apt(["libcsv-dev"])]),

        // YAML text → typed, validated, resolved experiment specs and network plans.
        .target(name: "Spec", dependencies: ["CYAML", .product(name: "Crypto", package: "swift-crypto")]),
        // Tensors, kernels, layers, graph executor.
        .target(name: "Engine", dependencies: ["Spec", "CBLAS", "EngineAVX512", "SIMDMemory"], swiftSettings: fast),
        .target(name: "EngineAVX512", dependencies: ["SIMDMemory"], swiftSettings: avx512),
        // What both kernel families inline, compiled with each one's flags: SIMD load/store/splat
        // helpers and the GEMM's scalar edge (the two families must compute it identically).
        .target(name: "SIMDMemory"),
        // Loops Swift cannot vectorize (a square root without errno): Adam's update.
        .target(name: "CKernels", cSettings: cKernels),
        // PNG and JPEG through libpng and libjpeg-turbo: their setjmp/longjmp error handling stays in C.
        .target(name: "CImageCodec", dependencies: ["CPNG", "CJPEG"],
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        // Network plan → engine network: each registered layer definition → its engine class.
        .target(name: "Builder", dependencies: ["Spec", "Engine"]),
        // Dataset sources (IDX, image folders, npz, csv), transforms, batching.
        .target(name: "Data", dependencies: ["CZlib", "CImageCodec", "CCSV", "Engine", "Spec"],
                swiftSettings: fast),
        // Optimizers, schedules, trainer, checkpoints.
        .target(name: "Training", dependencies: ["Spec", "Engine", "Builder", "Data", "Reports", "CKernels"],
                swiftSettings: fast),
        // CSV, SVG, Markdown, statistics, safetensors, atomic files.
        .target(name: "Reports", dependencies: ["Spec"]),
        // ONNX export and TensorBoard event files: protobuf messages (generated, committed) and their writers.
        .target(name: "Export", dependencies: ["Spec", "Reports", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(
            name: "runner",
            dependencies: [
                "Spec", "Engine", "Builder", "Data", "Training", "Reports", "Export",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .target(name: "TestSupport", dependencies: ["Engine", "Spec", "CZlib", "CImageCodec"],
                path: "Tests/TestSupport"),
        .testTarget(name: "SpecTests", dependencies: ["Spec", "Engine", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Spec", "TestSupport"]),
        .testTarget(name: "BuilderTests", dependencies: ["Builder", "Spec", "Engine", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "Spec", "Engine", "CZlib", "CImageCodec", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Builder", "Spec", "Engine", "Data", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "TestSupport"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Training", "Builder", "Data", "Spec", "Engine", "Reports", "TestSupport",
                                                       .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "RunnerTests", dependencies: ["runner", "Reports", "TestSupport"]),
    ]
)
