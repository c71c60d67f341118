/// Reads `model:` — a registry model with options, or an explicit `layers:` list.
enum ModelDecoder {
    static func decode(_ node: YAMLNode, log: inout ErrorLog) -> (ModelSpec, InitScheme) {
        let fallback = (ModelSpec.lenet5(), InitScheme.pytorch)
        guard let reader = SectionReader(node, path: "model", log: &log), let section = Catalog.section("model") else {
            return fallback
        }
        let values = reader.read(section.options, log: &log)
        let initScheme = values["init"]?.text.flatMap(InitScheme.init(rawValue:)) ?? .pytorch

        let alternatives = Catalog.models.map(\.name) + ["layers"]
        let chosen = alternatives.filter { reader.present($0) != nil }
        guard chosen.count == 1, let choice = chosen.first, let body = reader.present(choice) else {
            let message = chosen.isEmpty ? "expected one of " + alternatives.joined(separator: ", ")
                : "expected only one of " + chosen.joined(separator: ", ") + " (set the others to null)"
            log.add(message, at: node.mark, path: "model")
            return (fallback.0, initScheme)
        }
        if choice == "layers" {
            let l2 = values["l2"]?.number ?? 0
            return (.layers(LayerListDecoder.decode(body, modelL2: l2, log: &log)), initScheme)
        }
        guard let definition = ModelRegistry.type(named: choice) else { return (fallback.0, initScheme) }
        if let l2 = reader.entries.first(where: { $0.key == "l2" }) {
            let hint = definition.schema.options.contains { $0.key == "l2" } ? "use model.\(choice).l2" : "only with layers"
            log.add("not applicable to \(choice) (\(hint))", at: l2.keyNode.mark, path: "model.l2")
        }
        return (.registry(decode(definition, body, log: &log)), initScheme)
    }

    /// `model.<name>`: the registry model's options, checked against its schema.
    private static func decode(_ definition: any ModelDefinition.Type, _ node: YAMLNode, log: inout ErrorLog) -> RegistryModel {
        let path = "model." + definition.schema.name
        guard let reader = SectionReader(node, path: path, log: &log) else {
            return definition.model(options: definition.schema.options.defaults)
        }
        return definition.model(options: reader.read(definition.schema.options, log: &log))
    }
}

/// Reads `model.layers`: one mapping per layer with `type`, optional `name`, `inputs`, `l2`
/// and the type's options. Names and inputs are checked later by shape inference.
enum LayerListDecoder {
    static func decode(_ node: YAMLNode, modelL2: Double, log: inout ErrorLog) -> [LayerSpec] {
        guard case let .sequence(items) = node.value, !items.isEmpty else {
            log.add("expected a non-empty list of layers, found \(node.foundDescription)", at: node.mark, path: "model.layers")
            return []
        }
        var layers: [LayerSpec] = []
        var typeCounts: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let path = KeyPath.index("model.layers", i)
            guard let reader = SectionReader(item, path: path, log: &log) else { continue }
            guard let info = layerInfo(reader, path: path, log: &log) else { continue }
            typeCounts[info.type, default: 0] += 1
            let options = reader.read(info.options + Catalog.commonLayerKeys, log: &log)
            if !info.hasParameters, let l2 = reader.entries.first(where: { $0.key == "l2" }) {
                log.add("not applicable to \(info.type) (only layers with parameters take l2)",
                        at: l2.keyNode.mark, path: KeyPath.join(path, "l2"))
            }
            let name = options["name"]?.text ?? "\(info.type)\(typeCounts[info.type] ?? 1)"
            if name == "input" {
                log.add("\"input\" is reserved for the network input", at: reader.value("name")?.mark ?? item.mark,
                        path: KeyPath.join(path, "name"))
            } else if let problem = layerNameProblem(name) {
                log.add(problem, at: reader.value("name")?.mark ?? item.mark, path: KeyPath.join(path, "name"))
            }
            var inputs = layers.last.map { [$0.name] } ?? ["input"]
            if case let .texts(names)? = options["inputs"] { inputs = names }
            let l2 = info.hasParameters ? options["l2"]?.number ?? modelL2 : 0
            let requiredMissing = info.options.contains { $0.defaultValue == .required && options[$0.key] == nil }
            guard !requiredMissing else { continue }
            let kind = info.build(options)
            if let problem = kind.definition.optionProblem() {
                log.add(problem.message, at: reader.value(problem.key)?.mark ?? item.mark, path: KeyPath.join(path, problem.key))
                continue
            }
            layers.append(LayerSpec(name: name, kind: kind, inputs: inputs, l2: l2, mark: item.mark))
        }
        return layers
    }

    /// Why `name` cannot name a layer, or nil. Layer names become tensor names in checkpoints
    /// (`<name>.weight`) and labels in reports, so they are dot-separated identifiers of
    /// letters, digits and underscores (PyTorch style: `conv1`, `features.0`).
    static func layerNameProblem(_ name: String) -> String? {
        let quoted = quotedForMessage(name, limit: 40)
        if name.count > SafeText.maxLayerNameLength {
            return "expected a layer name of at most \(SafeText.maxLayerNameLength) characters, found \(name.count)"
        }
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = segments.allSatisfy { segment in
            !segment.isEmpty && segment.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        }
        guard valid else {
            return "expected a layer name of letters, digits and underscores, optionally dot-separated (conv1, features.0), found \(quoted)"
        }
        return nil
    }

    /// The catalog entry for the layer's `type`, reporting a missing or unknown type.
    private static func layerInfo(_ reader: SectionReader, path: String, log: inout ErrorLog) -> LayerInfo? {
        guard let typeNode = reader.value("type") else {
            log.add("missing, expected one of " + Catalog.layers.map(\.type).joined(separator: ", "),
                    at: reader.node.mark, path: KeyPath.join(path, "type"))
            return nil
        }
        guard case let .scalar(text, _) = typeNode.value, let info = Catalog.layer(text) else {
            let text: String
            if case let .scalar(raw, _) = typeNode.value { text = raw } else { text = "" }
            let types = Catalog.layers.map(\.type)
            let hint = Suggestion.closest(to: text, in: types).map { ", did you mean \"\($0)\"?" }
                ?? ", expected one of " + types.joined(separator: ", ")
            log.add("unknown layer type \(typeNode.foundDescription)\(hint)", at: typeNode.mark, path: KeyPath.join(path, "type"))
            return nil
        }
        return info
    }
}
