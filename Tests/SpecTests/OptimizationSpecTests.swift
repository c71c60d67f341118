import XCTest
import TestSupport
@testable import Spec

/// The optimizer and schedule variants are typed, and their canonical YAML — so the config hash —
/// is exhaustive over every option the catalog documents for each variant.
final class OptimizationSpecTests: XCTestCase {
    /// A valid value other than the default for every variant option the catalog lists. A new
    /// option without an entry here fails `testEveryOptionOfEveryVariantChangesTheHash`.
    private let changed: [String: String] = [
        "lr": "0.05", "momentum": "0.5", "nesterov": "true", "betas": "[0.8, 0.99]", "eps": "1e-6",
        "weight_decay": "0.01", "step_size": "4", "gamma": "0.5", "t_max": "9", "eta_min": "1e-5",
        "dampening": "0.1", "alpha": "0.9", "centered": "true", "monitor": "val_acc", "factor": "0.5", "patience": "3",
        "threshold": "0.01", "cooldown": "2", "min_lr": "1e-5", "warmup_epochs": "0", "warmup_start_factor": "0.5",
        "pct_start": "0.4", "anneal_strategy": "linear", "div_factor": "10", "final_div_factor": "100", "three_phase": "true",
        "cycle_momentum": "false", "base_momentum": "0.8", "max_momentum": "0.9",
    ]
    /// Options the reference config of a variant sets: `step_size` is required, `nesterov`
    /// needs momentum, and `warmup_start_factor` needs warmup epochs.
    private let reference: [String: String] = ["step_size": "2", "momentum": "0.9", "warmup_epochs": "1"]
    private let paths = ["train.optimizer", "train.schedule"]

    private func config(_ path: String, _ section: String) -> String {
        let key = path.split(separator: ".").last!
        return validText + "\n  \(key): \(section)\n"
    }

    private func types(_ path: String) throws -> [String] {
        let info = try XCTUnwrap(Catalog.section(path)?.option("type"))
        guard case let .choice(names) = info.type else { XCTFail("\(path).type is not a choice"); return [] }
        return names
    }

    private func keys(_ path: String, type: String) throws -> [String] {
        try XCTUnwrap(Catalog.section(path)).options
            .filter { $0.key != "type" && ($0.appliesTo?.contains(type) ?? true) }.map(\.key)
    }

    /// `{type: t, <reference options>, extra}` for variant `t` of `path`.
    private func section(_ path: String, type: String, extra: [String: String] = [:]) throws -> String {
        var entries = ["type: \(type)"]
        for key in try keys(path, type: type) {
            if let value = extra[key] ?? reference[key] { entries.append("\(key): \(value)") }
        }
        return "{" + entries.joined(separator: ", ") + "}"
    }

    func testEveryOptionOfEveryVariantIsInTheCanonicalYAML() throws {
        for path in paths {
            for type in try types(path) {
                let trial = try XCTUnwrap(loadTrials(config(path, try section(path, type: type))).first)
                let key = String(path.split(separator: ".").last!)
                let node = try XCTUnwrap(try YAMLParser.parse(text: trial.canonicalYAML, file: "c")?
                    .child("train")?.child(key), "\(path) \(type)")
                guard case let .mapping(pairs) = node.value else { return XCTFail("\(path) is not a mapping") }
                let written = pairs.compactMap { pair -> String? in if case let .scalar(k, _) = pair.key.value { k } else { nil } }
                // Keys added later are left out at their default (every key the reference leaves unset).
                let section = try XCTUnwrap(Catalog.section(path))
                let expected = try keys(path, type: type).filter { key in
                    !(section.option(key)?.elidedAtDefault ?? false) || reference[key] != nil
                }
                XCTAssertEqual(written, ["type"] + expected, "\(path) type \(type)")
                for pair in pairs { XCTAssertFalse(pair.value.isNull, "\(path) type \(type): a null in the canonical YAML") }
            }
        }
    }

    func testEveryOptionOfEveryVariantChangesTheHash() throws {
        for path in paths {
            for type in try types(path) {
                let reference = try XCTUnwrap(loadTrials(config(path, try section(path, type: type))).first)
                for key in try keys(path, type: type) {
                    let value = try XCTUnwrap(changed[key], "no changed value for \(path).\(key): add one to this test")
                    let other = try XCTUnwrap(loadTrials(config(path, try section(path, type: type, extra: [key: value]))).first)
                    XCTAssertNotEqual(other.hash, reference.hash, "\(path).\(key) (type \(type)) does not reach the hash")
                    XCTAssertNotEqual(other.spec.train, reference.spec.train, "\(path).\(key) (type \(type)) is not decoded")
                    // The changed config reads back from its canonical YAML as itself.
                    let again = try XCTUnwrap(loadTrials(other.canonicalYAML).first)
                    XCTAssertEqual(again.spec.train, other.spec.train, "\(path).\(key)")
                    XCTAssertEqual(again.hash, other.hash, "\(path).\(key)")
                }
            }
        }
    }

    func testTheTypedDefaultsAreTheCatalogsDefaults() throws {
        XCTAssertEqual(try XCTUnwrap(loadTrials(validText).first).spec.train.optimizer, OptimizerSpec())
        XCTAssertEqual(try XCTUnwrap(loadTrials(config("train.optimizer", "{type: sgd}")).first).spec.train.optimizer,
                       .sgd(SGDOptions()))
        XCTAssertEqual(try XCTUnwrap(loadTrials(config("train.optimizer", "{type: adamw}")).first).spec.train.optimizer,
                       .adamw(AdamOptions()))
        let info = try XCTUnwrap(Catalog.section("train.optimizer"))
        for (kind, options) in [("sgd", OptimizerSpec.sgd(SGDOptions()).options), ("adam", OptimizerSpec().options)] {
            for option in info.options where option.key != "type" && (option.appliesTo?.contains(kind) ?? true) {
                XCTAssertEqual(option.defaultValue, .value(try XCTUnwrap(options[option.key])), "\(kind).\(option.key)")
            }
        }
    }
}
