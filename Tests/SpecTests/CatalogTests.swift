import XCTest
@testable import Spec

/// The catalog drives validation and `runner list`; these tests keep it consistent with the spec types.
final class CatalogTests: XCTestCase {
    func testListingDocumentsEveryLayerModelAndSetting() {
        let listing = Catalog.listing()
        XCTAssertEqual(Catalog.layers.map(\.type), LayerRegistry.types.map { $0.schema.type })
        for type in LayerRegistry.types {
            XCTAssertTrue(listing.contains("\n  \(type.schema.type) — \(type.schema.doc)"), type.schema.type)
        }
        for type in ModelRegistry.types {
            XCTAssertTrue(listing.contains("\n  \(type.schema.name) — \(type.schema.doc)"), type.schema.name)
        }
        for section in Catalog.sections {
            for option in section.options {
                XCTAssertTrue(listing.contains("    \(option.key) "), "\(section.path).\(option.key)")
            }
        }
        XCTAssertTrue(listing.contains("    out      a positive integer              required  output channels\n"))
        XCTAssertTrue(listing.contains("    momentum  a number in [0, 1)  0.1    running-statistics update rate\n"))
        XCTAssertTrue(listing.contains("    momentum      a number in [0, 1)"))
    }

    /// A spec with every key omitted gets exactly the defaults of the spec types.
    func testCatalogDefaultsAgreeWithTheSpecTypes() throws {
        let trial = try XCTUnwrap(loadTrials("name: D\nmodel: {lenet5: {}, init: pytorch}\ndata: {resize: 32}\n").first)
        var expected = ExperimentSpec(name: "D")
        expected.data.resize = 32
        XCTAssertEqual(trial.spec, expected)
        let layers = try XCTUnwrap(loadTrials("""
        name: L
        data: {resize: 32}
        model:
          layers: [{type: conv2d, out: 2, kernel: 1}, {type: batchnorm2d}, {type: maxpool2d, kernel: 32},
                   {type: flatten}, {type: dropout}, {type: linear, out: 10}]
        """).first?.spec.model)
        guard case let .layers(list) = layers else { return XCTFail("expected layers") }
        XCTAssertEqual(list.map(\.kind), [.conv2d(outChannels: 2, kernel: 1, stride: 1, padding: 0, bias: true),
                                          .batchnorm2d(momentum: 0.1, eps: 1e-5), .maxpool2d(kernel: 32, stride: 32),
                                          .flatten, .dropout(p: 0.5), .linear(outFeatures: 10, bias: true)])
    }

    func testSuggestions() {
        XCTAssertEqual(Suggestion.closest(to: "epoch", in: ["epochs", "seed"]), "epochs")
        XCTAssertEqual(Suggestion.closest(to: "wd", in: ["lr", "weight_decay"]), "weight_decay")
        XCTAssertEqual(Suggestion.closest(to: "conv", in: ["conv2d", "linear"]), "conv2d")
        XCTAssertNil(Suggestion.closest(to: "banana", in: ["conv2d", "linear"]))
        XCTAssertEqual(Suggestion.editDistance("kitten", "sitting"), 3)
    }
}
