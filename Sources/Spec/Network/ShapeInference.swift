/// Checks a model's graph and computes every layer's shapes, parameters and cost.
public enum ShapeInference {
    /// The plan of a trial's model for its dataset.
    public static func plan(_ trial: Trial) throws(SpecErrors) -> NetworkPlan {
        try plan(trial.spec, dataset: trial.dataset)
    }

    /// The plan of `spec.model` for `dataset`'s samples as `spec.data` transforms them (e.g.
    /// `[1, 32, 32]`). Throws every problem: duplicate names, unknown or later inputs, wrong input
    /// counts, shapes that do not fit, and a final output that is not `[dataset.classes.count]`.
    /// Errors carry the offending layer's mark (nil for registry models) and path
    /// `model.layers[i]` (or `model.<registry name>`).
    public static func plan(_ spec: ExperimentSpec, dataset: DatasetInfo) throws(SpecErrors) -> NetworkPlan {
        let classes = dataset.classes.count
        let inputShape = dataset.inputShape(spec.data)
        let layers = ModelRegistry.layers(for: spec.model, input: inputShape, classes: classes)
        var log = ErrorLog()
        var planned: [PlannedLayer] = []
        /// Index in `planned` by name; nil entries mark layers whose shapes are unknown.
        var index: [String: Int?] = ["input": -1]
        let allNames = layers.map(\.name)

        for (i, layer) in layers.enumerated() {
            let path = path(spec.model, i)
            let label = "\(layer.kind.typeName) \"\(Printable.escape(layer.name))\""
            var sources: [Int] = []
            var usable = true
            for (j, input) in layer.inputs.enumerated() {
                if let known = index[input] {
                    if let known { sources.append(known) } else { usable = false }
                    continue
                }
                usable = false
                let inputPath = KeyPath.index(path + ".inputs", j)
                if input == layer.name {
                    log.add("layer \"\(Printable.escape(input))\" cannot take its own output", at: layer.mark, path: inputPath)
                } else if allNames[(i + 1)...].contains(input) {
                    log.add("layer \"\(Printable.escape(input))\" comes later; inputs must name earlier layers",
                            at: layer.mark, path: inputPath)
                } else {
                    let earlier = ["input"] + allNames[..<i]
                    log.add("unknown layer \"\(Printable.escape(input))\"" + Suggestion.hint(for: input, in: Array(earlier)),
                            at: layer.mark, path: inputPath)
                }
            }
            if index[layer.name] != nil {
                let first = allNames.firstIndex(of: layer.name).map { " (also \(self.path(spec.model, $0)))" } ?? ""
                log.add("duplicate layer name \"\(Printable.escape(layer.name))\"\(first)", at: layer.mark, path: path)
            }
            let minimum = Catalog.layer(layer.kind.typeName)?.minimumInputs ?? 1
            if minimum > 1 && layer.inputs.count < minimum {
                log.add("\(label) needs at least \(minimum) inputs, found \(layer.inputs.count)", at: layer.mark, path: path)
                usable = false
            } else if minimum == 1 && layer.inputs.count != 1 {
                log.add("\(label) takes one input, found \(layer.inputs.count)", at: layer.mark, path: path)
                usable = false
            }
            if index[layer.name] == nil { index[layer.name] = .some(nil) }
            guard usable else { continue }

            let shapes = sources.map { $0 < 0 ? inputShape : planned[$0].outputShape }
            let from = { (k: Int) in k < 0 ? "input" : planned[k].name }
            switch layer.kind.outputShape(shapes) {
            case let .success(output):
                if case .some(.none) = index[layer.name] { index[layer.name] = planned.count }
                planned.append(PlannedLayer(
                    name: layer.name, kind: layer.kind, inputs: sources, inputShapes: shapes, outputShape: output,
                    parameterCount: layer.kind.parameterCount(input: shapes.first ?? []),
                    flops: layer.kind.flops(inputs: shapes, output: output), l2: layer.l2, mark: layer.mark))
            case let .failure(problem):
                let found = zip(shapes, sources).map { "\(format($0)) from \"\(Printable.escape(from($1)))\"" }
                let message = switch problem {
                case let .expects(what, hint): "\(label) expects \(what), found \(found[0])\(hint)"
                case let .tooSmall(window, padding):
                    "\(label) needs an input of at least \(window - 2 * padding)×\(window - 2 * padding), found \(found[0])"
                case let .mismatch(what): "\(label) expects \(what), found " + found.joined(separator: " and ")
                }
                log.add(message, at: layer.mark, path: path)
            }
        }
        if log.isEmpty, let last = planned.last, last.outputShape != [classes] {
            log.add("the network must end in \(classes) class scores, found \(format(last.outputShape)) from \"\(last.name)\"",
                    at: last.mark, path: path(spec.model, layers.count - 1))
        }
        guard log.isEmpty else { throw SpecErrors(log.errors) }
        return NetworkPlan(inputShape: inputShape, layers: planned)
    }

    /// `model.layers[i]` for explicit graphs, `model.<name>` for registry models.
    private static func path(_ model: ModelSpec, _ i: Int) -> String {
        switch model {
        case .layers: KeyPath.index("model.layers", i)
        case let .registry(model): "model." + model.name
        }
    }

    /// `[16, 5, 5]`
    static func format(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
