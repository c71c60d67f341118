/// Turns one composed YAML tree (extends, sweep point and overrides applied) into an
/// `ExperimentSpec`, reporting every problem. Sections that fail keep their defaults so that
/// later sections are still checked.
struct SpecDecoder {
    var log = ErrorLog()
    /// Describes the dataset of the decoded `data:` section.
    let datasets: any DatasetDescribing
    /// The dataset the spec points at; nil when `data:` is invalid or the dataset cannot be read.
    private(set) var dataset: DatasetInfo?
    /// Whether the model (and the input size it depends on) decoded cleanly, so that shape
    /// inference is meaningful.
    private(set) var modelIsValid = true
    /// Whether the file gave `data.normalize` as a mapping (else feature vectors default to no normalization).
    private(set) var explicitNormalize = false
    /// `data.augment[i].random_crop.size` values, checked against the image size once the dataset is known.
    private(set) var cropSizes: [(size: Int, mark: SourceMark, path: String)] = []

    /// The decoded spec; `seed` comes from `train.seed` (the caller applies `seeds`).
    mutating func decode(_ root: YAMLNode) -> ExperimentSpec {
        var spec = ExperimentSpec(name: "")
        guard let top = SectionReader(root, path: "", log: &log), let section = Catalog.section("") else {
            modelIsValid = false
            return spec
        }
        let values = top.read(section.options, log: &log)
        spec.name = values["name"]?.text ?? ""
        spec.baseline = values["baseline"]?.text
        for key in ["name", "baseline"] {
            if let text = values[key]?.text, let problem = Self.displayNameProblem(text) {
                log.add(problem, at: top.value(key)?.mark, path: key)
            }
        }
        if let extends = top.entries.first(where: { $0.key == "extends" }) {
            log.add("only files may extend others", at: extends.keyNode.mark, path: "extends")
        }
        let errorsBeforeData = log.count
        spec.data = decodeData(top.value("data"))
        if log.errors[errorsBeforeData...].contains(where: { $0.path.hasPrefix("data.resize") || $0.path.hasPrefix("data.pad") || $0.path == "data" }) {
            modelIsValid = false
        }
        let describedBy = ["data", "data.path", "data.dataset", "data.format", "data.channels", "data.label"]
        if !log.errors[errorsBeforeData...].contains(where: { describedBy.contains($0.path) }) {
            switch datasets.describe(spec.data) {
            case let .success(info): dataset = info
            case let .failure(problem):
                let key = problem.keyPath.split(separator: ".").last.map(String.init) ?? "path"
                log.add(problem.message, at: dataMark(top, key), path: problem.keyPath)
            }
        }
        if dataset == nil { modelIsValid = false }
        checkNormalization(&spec.data, top)
        spec.train = decodeTrain(top.value("train"))
        let errorsBeforeModel = log.count
        if let model = top.value("model") {
            (spec.model, spec.initScheme) = ModelDecoder.decode(model, log: &log)
            var scratch = ErrorLog()
            if let node = SectionReader(model, path: "model", log: &scratch)?.present("init_from") {
                let (_, w) = self.section("model.init_from", node)
                if let weights = w["weights"]?.text {
                    var skip: [String] = []
                    if case let .texts(names)? = w["skip"] { skip = names }
                    spec.warmStart = WarmStart(weights: weights, skip: skip, strict: w["strict"]?.bool ?? true)
                }
            }
        }
        if log.count > errorsBeforeModel || top.value("model") == nil { modelIsValid = false }
        checkConsistency(spec, top)
        return spec
    }

    private mutating func section(_ path: String, _ node: YAMLNode?, variant: String? = nil) -> (SectionReader?, [String: OptionValue]) {
        guard let info = Catalog.section(path) else { return (nil, [:]) }
        guard let node, let reader = SectionReader(node, path: path, log: &log) else { return (nil, info.options.defaults) }
        return (reader, reader.read(info.options, variant: variant, log: &log))
    }

    private mutating func decodeData(_ node: YAMLNode?) -> DataSpec {
        var data = DataSpec()
        let (reader, v) = section("data", node)
        data.format = v["format"]?.text.flatMap(DataFormat.init(rawValue:))
        data.dataset = v["dataset"]?.text.flatMap(DatasetName.init(rawValue:)) ?? data.dataset
        data.path = v["path"]?.text ?? data.path
        data.channels = v["channels"]?.int
        if let channels = data.channels, channels != 1 && channels != 3 {
            log.add("expected 1 or 3, found \(channels)", at: reader?.value("channels")?.mark, path: "data.channels")
            data.channels = nil
        }
        data.resize = v["resize"]?.int
        data.pad = v["pad"]?.int ?? data.pad
        data.validation = v["validation"]?.int ?? data.validation
        data.trainLimit = v["train_limit"]?.int
        data.testLimit = v["test_limit"]?.int
        data.label = v["label"]?.text ?? data.label
        if let list = reader?.present("augment") { data.augment = decodeAugment(list) }
        let normalize = reader?.value("normalize")
        if let normalize, case let .scalar(text, _) = normalize.value {
            if text == "auto" {
                data.autoNormalize = true
            } else {
                log.add("expected a mapping {mean, std} or auto, found \(normalize.foundDescription)"
                        + Suggestion.hint(for: text, in: ["auto"]), at: normalize.mark, path: "data.normalize")
            }
            return data
        }
        let (_, n) = section("data.normalize", normalize)
        data.mean = Self.perChannel(n["mean"]) ?? data.mean
        data.std = Self.perChannel(n["std"]) ?? data.std
        explicitNormalize = normalize != nil
        return data
    }

    /// `data.augment`: a list of one-key mappings `{op: value}`.
    private mutating func decodeAugment(_ node: YAMLNode) -> [AugmentOp] {
        guard case let .sequence(items) = node.value else {
            log.add("expected a list of {op: value} mappings, found \(node.foundDescription)", at: node.mark, path: "data.augment")
            return []
        }
        guard let ops = Catalog.section("data.augment")?.options else { return [] }
        var result: [AugmentOp] = []
        for (i, item) in items.enumerated() {
            let path = KeyPath.index("data.augment", i)
            guard case let .mapping(pairs) = item.value, pairs.count == 1, case let .scalar(key, _) = pairs[0].key.value else {
                log.add("expected one {op: value} mapping (" + ops.map(\.key).joined(separator: ", ") + "), found \(item.foundDescription)",
                        at: item.mark, path: path)
                continue
            }
            let value = pairs[0].value
            guard let op = ops.first(where: { $0.key == key }) else {
                log.add(SectionReader.unknownKey(key, ops.map(\.key)).replacingOccurrences(of: "unknown key", with: "unknown augmentation"),
                        at: pairs[0].key.mark, path: path)
                continue
            }
            let opPath = KeyPath.join(path, key)
            if key == "random_crop" {
                let (_, crop) = section("data.augment.random_crop", value)
                // `section` reports under data.augment.random_crop; the index is in `path`.
                if let size = crop["size"]?.int { cropSizes.append((size, value.mark, opPath)) }
                if let padding = crop["padding"]?.int { result.append(.randomCrop(padding: padding)) }
                continue
            }
            switch op.type.read(value) {
            case let .success(v):
                if key == "horizontal_flip", let p = v.number { result.append(.horizontalFlip(p: p)) }
                if key == "random_translate", let t = v.int { result.append(.randomTranslate(pixels: t)) }
            case let .failure(failure):
                log.add(failure.message, at: value.mark, path: opPath)
            }
        }
        return result
    }

    /// A `numberOrList` value as a list (a scalar is a list of one).
    private static func perChannel(_ value: OptionValue?) -> [Double]? {
        switch value {
        case let .numbers(xs)?: xs
        case let .number(x)?: [x]
        default: nil
        }
    }

    /// Checks `data.normalize` against the dataset's channel count, then stores a list of equal
    /// values as one value (the same normalization, so the same canonical text and hash).
    private mutating func checkNormalization(_ data: inout DataSpec, _ top: SectionReader) {
        if let dataset, dataset.sampleShape.count == 1, !explicitNormalize, !data.autoNormalize {
            // Feature vectors are not pixels: by default they enter the network as they are.
            (data.mean, data.std) = ([0], [1])
        }
        if let dataset, !data.autoNormalize {
            let channels = dataset.sampleShape[0]
            let unit = dataset.sampleShape.count == 3 ? "channel" : "feature"
            for (key, values) in [("mean", data.mean), ("std", data.std)] where values.count != 1 && values.count != channels {
                var scratch = ErrorLog()
                let normalize = top.value("data").flatMap { SectionReader($0, path: "data", log: &scratch)?.value("normalize") }
                let node = normalize.flatMap { SectionReader($0, path: "data.normalize", log: &scratch)?.value(key) }
                log.add("expected one value per \(unit) (\(channels)), found a list of \(values.count)",
                        at: node?.mark ?? dataMark(top, "normalize"), path: "data.normalize.\(key)")
            }
        }
        for keyPath in [\DataSpec.mean, \DataSpec.std] where data[keyPath: keyPath].count > 1 {
            if let first = data[keyPath: keyPath].first, data[keyPath: keyPath].allSatisfy({ $0 == first }) {
                data[keyPath: keyPath] = [first]
            }
        }
    }

    private mutating func decodeTrain(_ node: YAMLNode?) -> TrainSpec {
        var train = TrainSpec()
        let (reader, v) = section("train", node)
        train.epochs = v["epochs"]?.int ?? train.epochs
        train.batchSize = v["batch_size"]?.int ?? train.batchSize
        train.seed = UInt64(v["seed"]?.int ?? 0)
        train.select = v["select"]?.text.flatMap(SelectionMetric.init(rawValue:)) ?? train.select
        train.threads = v["threads"]?.int ?? train.threads
        train.tensorboard = v["tensorboard"]?.bool ?? train.tensorboard
        if case let .texts(names)? = v["freeze"] { train.freeze = names }

        let optimizerNode = reader?.value("optimizer")
        let kind = variant(of: "train.optimizer", optimizerNode) ?? "adam"
        let (optimizerReader, o) = section("train.optimizer", optimizerNode, variant: kind)
        train.optimizer = OptimizerSpec(kind: OptimizerKind(rawValue: kind) ?? .adam, values: o)
        if case let .sgd(sgd) = train.optimizer, sgd.nesterov && sgd.momentum == 0,
           let node = optimizerReader?.value("nesterov") {
            log.add("expected false without momentum, found true (nesterov needs momentum > 0)", at: node.mark,
                    path: "train.optimizer.nesterov")
        }
        if case let .sgd(sgd) = train.optimizer, sgd.nesterov && sgd.dampening != 0,
           let node = optimizerReader?.value("dampening") {
            log.add("expected 0 with nesterov, found \(OptionValue.format(sgd.dampening)) (PyTorch: nesterov needs zero dampening)",
                    at: node.mark, path: "train.optimizer.dampening")
        }

        let scheduleNode = reader?.value("schedule")
        let schedule = variant(of: "train.schedule", scheduleNode) ?? "constant"
        let (scheduleReader, s) = section("train.schedule", scheduleNode, variant: schedule)
        let warmupEpochs = s["warmup_epochs"]?.int ?? 0
        if warmupEpochs > 0 {
            train.warmup = WarmupSpec(epochs: warmupEpochs, startFactor: s["warmup_start_factor"]?.number ?? 1.0 / 3.0)
            if warmupEpochs > train.epochs, let node = scheduleReader?.value("warmup_epochs") {
                log.add("expected at most train.epochs (\(train.epochs)), found \(warmupEpochs)", at: node.mark,
                        path: "train.schedule.warmup_epochs")
            }
        } else if let node = scheduleReader?.value("warmup_start_factor") {
            log.add("not applicable without warmup_epochs", at: node.mark, path: "train.schedule.warmup_start_factor")
        }
        train.schedule = ScheduleSpec(type: schedule, values: s, epochs: max(1, train.epochs - warmupEpochs))

        if let node = reader?.present("early_stopping") {
            let (_, e) = section("train.early_stopping", node)
            train.earlyStopping = EarlyStopping(values: e)
        }

        let lossNode = reader?.value("loss")
        let loss = variant(of: "train.loss", lossNode) ?? "cross_entropy"
        let (_, l) = section("train.loss", lossNode, variant: loss)
        train.loss = LossSpec(type: loss, values: l)
        return train
    }

    /// The `type` of a variant section if it is valid; errors are reported by the section read.
    private func variant(of path: String, _ node: YAMLNode?) -> String? {
        var scratch = ErrorLog()
        guard let node, let reader = SectionReader(node, path: path, log: &scratch),
              let typeNode = reader.present("type"), let option = Catalog.section(path)?.option("type"),
              case let .success(value) = option.type.read(typeNode) else { return nil }
        return value.text
    }

    /// Where `data.<key>` is written, else the `data:` section, else the file.
    private func dataMark(_ top: SectionReader, _ key: String) -> SourceMark? {
        let dataNode = top.value("data")
        var scratch = ErrorLog()
        let reader = dataNode.flatMap { SectionReader($0, path: "data", log: &scratch) }
        return reader?.value(key)?.mark ?? dataNode?.mark ?? top.node.mark
    }

    /// Rules that involve several keys.
    private mutating func checkConsistency(_ spec: ExperimentSpec, _ top: SectionReader) {
        func mark(_ key: String) -> SourceMark? { dataMark(top, key) }
        let data = spec.data
        if let dataset, dataset.validationCount != nil {
            if let node = top.value("data").flatMap({ n -> YAMLNode? in
                var scratch = ErrorLog()
                return SectionReader(n, path: "data", log: &scratch)?.value("validation")
            }) {
                log.add("not used: the dataset has a validation split of its own (\(dataset.validationCount!) images); remove the key",
                        at: node.mark, path: "data.validation")
            }
            if let limit = data.trainLimit, limit > dataset.trainCount {
                log.add("expected at most \(dataset.trainCount) (the training images), found \(limit)",
                        at: mark("train_limit"), path: "data.train_limit")
            }
        } else if let dataset {
            if data.validation >= dataset.trainCount {
                log.add("expected fewer than \(dataset.trainCount) (the training images), found \(data.validation)",
                        at: mark("validation"), path: "data.validation")
            } else if let limit = data.trainLimit, limit > dataset.trainCount - data.validation {
                log.add("expected at most \(dataset.trainCount - data.validation) (training images left after "
                        + "\(data.validation) for validation), found \(limit)", at: mark("train_limit"), path: "data.train_limit")
            }
            if let limit = data.testLimit, limit > dataset.testCount {
                log.add("expected at most \(dataset.testCount) (the test images), found \(limit)",
                        at: mark("test_limit"), path: "data.test_limit")
            }
        }
        if let dataset, dataset.sampleShape.count == 1 {
            // Feature vectors have no pixels to convert, resize, pad or augment.
            let found: [(String, String?)] = [
                ("channels", data.channels.map { String($0) }), ("resize", data.resize.map { String($0) }),
                ("pad", data.pad == 0 ? nil : String(data.pad)), ("augment", data.augment.isEmpty ? nil : "a list of \(data.augment.count)"),
            ]
            for case let (key, value?) in found {
                log.add("expected no \(key) for feature vectors (\(dataset.sampleShape[0]) features per sample), found \(value)",
                        at: mark(key), path: "data.\(key)")
            }
        }
        if modelIsValid, let dataset { checkLayerReferences(spec, top, dataset) }
        if let dataset, dataset.sampleShape.count == 3 {
            let side = dataset.inputShape(data)
            for crop in cropSizes where crop.size != side[1] || crop.size != side[2] {
                log.add("expected the image's own size \(side[1]) (after resize and pad; test images are not cropped), found \(crop.size)",
                        at: crop.mark, path: crop.path + ".size")
            }
        }
        if data.validation == 0, dataset?.validationCount == nil, let stop = spec.train.earlyStopping {
            log.add("early_stopping watches \(stop.monitor.rawValue) and needs data.validation > 0", at: mark("validation"),
                    path: "train.early_stopping.monitor")
        }
        if data.validation == 0, dataset?.validationCount == nil, case let .reduceOnPlateau(o) = spec.train.schedule {
            log.add("reduce_on_plateau watches \(o.monitor.rawValue) and needs data.validation > 0", at: mark("validation"),
                    path: "train.schedule.monitor")
        }
        if data.validation == 0, dataset?.validationCount == nil, spec.train.select == .valAcc || spec.train.select == .valLoss {
            let trainNode = top.value("train")
            var scratch = ErrorLog()
            let selectMark = trainNode.flatMap { SectionReader($0, path: "train", log: &scratch)?.value("select")?.mark }
            log.add("\(spec.train.select.rawValue) needs data.validation > 0", at: selectMark ?? mark("validation"),
                    path: "train.select")
        }
    }

    /// `train.freeze` and `model.init_from.skip` entries each name a layer of the model (or a
    /// dotted prefix of layer names): a typo would otherwise freeze or load nothing, silently.
    private mutating func checkLayerReferences(_ spec: ExperimentSpec, _ top: SectionReader, _ dataset: DatasetInfo) {
        let names = ModelRegistry.layers(for: spec.model, input: dataset.inputShape(spec.data),
                                         classes: dataset.classes.count).map(\.name)
        var scratch = ErrorLog()
        /// The entries' nodes and whether they were written as a list (a single name is allowed).
        func items(_ section: String, _ key: String) -> (nodes: [YAMLNode], list: Bool) {
            var node: YAMLNode? = top.node
            for part in (section + "." + key).split(separator: ".") {
                node = node.flatMap { SectionReader($0, path: "", log: &scratch)?.value(String(part)) }
            }
            guard let node else { return ([], false) }
            if case let .sequence(entries) = node.value { return (entries, true) }
            return ([node], false)
        }
        for (section, key, patterns) in [("train", "freeze", spec.train.freeze),
                                         ("model.init_from", "skip", spec.warmStart?.skip ?? [])] {
            let (nodes, list) = items(section, key)
            for (i, pattern) in patterns.enumerated() where !names.contains(where: { nameIsCovered($0, by: pattern) }) {
                let path = list ? KeyPath.index("\(section).\(key)", i) : "\(section).\(key)"
                log.add("no layer \"\(Printable.escape(pattern))\" in the model" + Suggestion.hint(for: pattern, in: names),
                        at: i < nodes.count ? nodes[i].mark : top.node.mark, path: path)
            }
        }
    }

    /// Why `text` cannot be a display name (it ends up in folder names, CSV cells, Markdown tables,
    /// SVG text, JSON and terminal lines), or nil.
    static func displayNameProblem(_ text: String) -> String? {
        if text.allSatisfy(\.isWhitespace) { return "expected a non-empty display name, found only spaces" }
        if text.count > SafeText.maxNameLength {
            return "expected a display name of at most \(SafeText.maxNameLength) characters, found \(text.count)"
        }
        if let (scalar, position) = SafeText.firstUnsafe(text) {
            return "expected printable text, found \(SafeText.describe(scalar)) at character \(position)"
        }
        return nil
    }
}
