import ArgumentParser
import Spec

/// `runner list`: every layer type, registry model and setting with its type, default and doc,
/// generated from the same catalog that validation uses.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every layer, model and setting with its options, types and defaults.")

    func run() throws {
        print(Catalog.listing(), terminator: "")
    }
}
