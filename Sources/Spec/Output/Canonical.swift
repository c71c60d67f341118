/// The canonical YAML of a resolved spec: keys in the schema's order (the `Catalog`'s), every
/// default explicit, the model as written (`lenet5: {...}` or `layers: [...]`), `train.seed` set,
/// and no `extends`, `sweep` or `seeds`. Loading it again gives the same spec and hash. Keys added
/// after results were first published are written only when they differ from their default
/// (`OptionInfo.elidedAtDefault`), so older configs keep their hashes.
public enum Canonical {
    public static func yaml(_ spec: ExperimentSpec) -> String { YAMLEmitter.emit(node(spec)) }

    /// Lowercase hex SHA-256 of `yaml(spec)`.
    public static func hash(_ spec: ExperimentSpec) -> String { SHA256.hex(yaml(spec)) }

    /// The canonical tree (what `yaml` emits and `SpecDiff` compares).
    public static func node(_ spec: ExperimentSpec) -> YAMLNode {
        map([
            ("name", text(spec.name)),
            ("baseline", spec.baseline.map(text) ?? plain("null")),
            ("data", data(spec.data)),
            ("model", model(spec.model, spec.initScheme, spec.warmStart)),
            ("train", train(spec.train)),
        ])
    }

    private static func data(_ d: DataSpec) -> YAMLNode {
        let format = d.format.map { OptionValue.text($0.rawValue) } ?? .null
        // One value for every channel is written as a scalar, as before per-channel lists existed.
        let perChannel = { (xs: [Double]) in xs.count == 1 ? value(.number(xs[0])) : value(.numbers(xs)) }
        return map(entry("data", "format", format, d.format.map { plain($0.rawValue) }) + [
            ("dataset", plain(d.dataset.rawValue)),
            ("path", text(d.path)),
        ] + entry("data", "label", .text(d.label), text(d.label)) + entry("data", "channels", d.channels.map(OptionValue.int) ?? .null) + [
            ("resize", value(d.resize.map(OptionValue.int) ?? .null)),
            ("pad", value(.int(d.pad))),
            ("normalize", d.autoNormalize ? plain("auto") : map([("mean", perChannel(d.mean)), ("std", perChannel(d.std))])),
            ("validation", value(.int(d.validation))),
            ("train_limit", value(d.trainLimit.map(OptionValue.int) ?? .null)),
            ("test_limit", value(d.testLimit.map(OptionValue.int) ?? .null)),
        ] + (d.augment.isEmpty ? [] : [("augment", YAMLNode(.sequence(d.augment.map(augment)), mark: mark))]))
    }

    /// `{random_crop: {padding: 4}}`, `{horizontal_flip: 0.5}`, `{random_translate: 2}`
    private static func augment(_ op: AugmentOp) -> YAMLNode {
        switch op {
        case let .randomCrop(padding): map([(op.name, map([("padding", value(.int(padding)))]))])
        case let .horizontalFlip(p): map([(op.name, value(.number(p)))])
        case let .randomTranslate(pixels): map([(op.name, value(.int(pixels)))])
        }
    }

    private static func model(_ model: ModelSpec, _ initScheme: InitScheme, _ warmStart: WarmStart?) -> YAMLNode {
        let body: (String, YAMLNode)
        switch model {
        case let .registry(model):
            body = (model.name, map(zip(model.schema.options, model.definition.optionValues).map { ($0.0.key, value($0.1, $0.0)) }))
        case let .layers(layers):
            body = ("layers", YAMLNode(.sequence(layers.map(layer)), mark: mark))
        }
        let warm = warmStart.map { w in
            [("init_from", map([("weights", text(w.weights)), ("skip", value(.texts(w.skip))), ("strict", value(.bool(w.strict)))]))]
        } ?? []
        return map([body, ("init", plain(initScheme.rawValue))] + warm)
    }

    /// `{type, name, inputs, [l2], <options in catalog order>}`
    private static func layer(_ layer: LayerSpec) -> YAMLNode {
        guard let info = Catalog.layer(layer.kind.typeName) else { return plain("null") }
        var pairs: [(String, YAMLNode)] = [
            ("type", plain(info.type)),
            ("name", text(layer.name)),
            ("inputs", YAMLNode(.sequence(layer.inputs.map(text)), mark: mark)),
        ]
        if info.hasParameters { pairs.append(("l2", value(.number(layer.l2)))) }
        pairs += zip(info.options, info.values(layer.kind)).filter { !$0.0.elides($0.1) }.map { ($0.0.key, value($0.1, $0.0)) }
        return map(pairs)
    }

    private static func train(_ t: TrainSpec) -> YAMLNode {
        let optimizer = variant("train.optimizer", type: t.optimizer.kind.rawValue, options: t.optimizer.options)
        let warmup = (t.warmup ?? WarmupSpec(epochs: 0)).options
        let schedule = variant("train.schedule", type: t.schedule.type, options: t.schedule.options.merging(warmup) { a, _ in a })
        return map([
            ("epochs", value(.int(t.epochs))),
            ("batch_size", value(.int(t.batchSize))),
            ("optimizer", optimizer),
            ("schedule", schedule),
        ] + (t.loss == LossSpec() ? [] : [("loss", variant("train.loss", type: t.loss.type, options: t.loss.options))]) + [
            ("seed", plain(String(t.seed))),
            ("select", plain(t.select.rawValue)),
        ] + (t.earlyStopping.map { [("early_stopping", variantFree("train.early_stopping", $0.options))] } ?? [])
          + entry("train", "freeze", .texts(t.freeze)) + [
            ("threads", value(.int(t.threads))),
        ])
    }

    /// A variant section (`train.optimizer`, `train.schedule`): `type`, then every catalog option
    /// that applies to `type`, in catalog order, with its value from `options`. A key the catalog
    /// lists but `options` lacks is written as null, which the tests reject (no option can be
    /// decoded and silently left out of the hash).
    static func variant(_ path: String, type: String, options: [String: OptionValue]) -> YAMLNode {
        let keys = Catalog.section(path)?.options.filter { $0.key != "type" && ($0.appliesTo?.contains(type) ?? true) } ?? []
        return map([("type", plain(type))] + keys.compactMap { option in
            let v = options[option.key] ?? .null
            return option.elides(v) ? nil : (option.key, value(v))
        })
    }

    /// A section without a `type`: every catalog option in order, with its value from `options`.
    static func variantFree(_ path: String, _ options: [String: OptionValue]) -> YAMLNode {
        let keys = Catalog.section(path)?.options ?? []
        return map(keys.map { ($0.key, value(options[$0.key] ?? .null, $0)) })
    }

    /// `(key, node)` for a key of the section at `path`, or nothing when the key was added later
    /// and `v` is its default (`OptionInfo.elidedAtDefault`).
    static func entry(_ path: String, _ key: String, _ v: OptionValue, _ node: YAMLNode? = nil) -> [(String, YAMLNode)] {
        if let option = Catalog.section(path)?.option(key), option.elides(v) { return [] }
        return [(key, node ?? value(v))]
    }

    // MARK: - Node helpers

    private static let mark = SourceMark.whole("<canonical>")
    private static func plain(_ s: String) -> YAMLNode { YAMLNode(.scalar(s, style: .plain), mark: mark) }
    private static func text(_ s: String) -> YAMLNode { YAMLNode(.scalar(s, style: .quoted), mark: mark) }
    private static func map(_ pairs: [(String, YAMLNode)]) -> YAMLNode {
        YAMLNode(.mapping(pairs.map { (plain($0.0), $0.1) }), mark: mark)
    }
    /// A schema option's value: choices plain (`relu`), other text quoted.
    private static func value(_ v: OptionValue, _ option: OptionInfo) -> YAMLNode {
        if option.type.isIdentifier, case let .text(s) = v { return plain(s) }
        return value(v)
    }
    private static func value(_ v: OptionValue) -> YAMLNode {
        switch v {
        case let .numbers(xs): YAMLNode(.sequence(xs.map { value(.number($0)) }), mark: mark)
        case let .ints(xs): YAMLNode(.sequence(xs.map { value(.int($0)) }), mark: mark)
        case let .texts(xs): YAMLNode(.sequence(xs.map(text)), mark: mark)
        case let .text(s): text(s)
        default: plain(v.yaml)
        }
    }

    /// Whether a string would not read back as the same string when written plain in flow context.
    private static func needsQuotes(_ s: String) -> Bool {
        guard case .string = YAMLScalar.resolve(s, plain: true), let first = s.first, let last = s.last else { return true }
        return first == " " || last == " " || "-?:!&*|>'\"%@`#".contains(first)
            || s.contains { ",[]{}#\n\t".contains($0) } || s.contains(": ") || s.contains(" #")
    }

    /// One-line flow rendering of a node: `0.5`, `"Dropout"`, `[0.9, 0.999]`, `{type: relu}`.
    public static func inline(_ node: YAMLNode) -> String {
        switch node.value {
        case let .scalar(s, style): style == .quoted && needsQuotes(s) ? "\"\(Printable.escape(s, limit: .max))\""
            : Printable.escape(s, limit: .max)
        case let .sequence(items): "[" + items.map(inline).joined(separator: ", ") + "]"
        case let .mapping(pairs): "{" + pairs.map { "\(inline($0.key)): \(inline($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
