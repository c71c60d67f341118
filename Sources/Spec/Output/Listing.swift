/// `runner list`: the schema as text, generated from the `Catalog` so it cannot drift from validation.
extension Catalog {
    public static func listing() -> String {
        var out: [String] = []
        out.append("LAYERS  model.layers: [{type: <type>, name, inputs, l2, <options>}, ...]")
        out.append("  keys of every layer:")
        out += rows(commonLayerKeys)
        for layer in layers {
            let notes = (layer.hasParameters ? ["has parameters (takes l2)"] : [])
                + (layer.minimumInputs > 1 ? ["\(layer.minimumInputs)+ inputs"] : [])
            let suffix = notes.isEmpty ? "" : "  [" + notes.joined(separator: "; ") + "]"
            out.append("")
            out.append("  \(layer.type) — \(layer.doc)\(suffix)")
            out += layer.options.isEmpty ? ["    (no options)"] : rows(layer.options)
        }
        out.append("")
        out.append("MODELS  model: {<name>: {<options>}}")
        for model in models {
            out.append("")
            out.append("  \(model.name) — \(model.doc)")
            out += rows(model.options)
        }
        out.append("")
        out.append("SETTINGS  (dotted keys work in KEY=VALUE overrides and sweep:)")
        for section in sections {
            out.append("")
            out.append("  \(section.path.isEmpty ? "top level" : section.path) — \(section.doc)")
            out += rows(section.options)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// One aligned line per option: key, type, default, doc (and where it applies).
    private static func rows(_ options: [OptionInfo]) -> [String] {
        let keyWidth = options.map(\.key.count).max() ?? 0
        let typeWidth = options.map(\.type.phrase.count).max() ?? 0
        let defaultWidth = options.map(\.defaultValue.display.count).max() ?? 0
        return options.map { option in
            let applies = option.appliesTo.map { " (only \($0.joined(separator: ", ")))" } ?? ""
            return "    " + pad(option.key, keyWidth) + "  " + pad(option.type.phrase, typeWidth) + "  "
                + pad(option.defaultValue.display, defaultWidth) + "  " + option.doc + applies
        }
    }

    private static func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(width - s.count, 0)) }
}
