/// The whole schema: every section, layer type and registry model with its options, types,
/// defaults and docs. Validation reads it, and `runner list` prints it.
public enum Catalog {
    public static let sections: [SectionInfo] = [
        SectionInfo(path: "", doc: "one experiment (a variant), trained once per seed", options: [
            OptionInfo("extends", .custom("a path or a list of paths"), .value(.null),
                       "base files (relative to this file) merged first, in order; mappings deep-merge, lists are replaced"),
            OptionInfo("name", .text, .required, "display name of the variant"),
            OptionInfo("baseline", .nullable(.text), .value(.null), "variant that statistics compare against"),
            OptionInfo("seeds", .custom("a list of distinct non-negative integers"), .derived("[train.seed]"),
                       "one trial per seed; replaces train.seed (runner --seeds N gives 0..<N)"),
            OptionInfo("data", .custom("a mapping"), .derived("{} (all defaults)"), "dataset and transforms"),
            OptionInfo("model", .custom("a mapping"), .required, "a registry model or an explicit layer graph"),
            OptionInfo("train", .custom("a mapping"), .derived("{} (all defaults)"), "training settings"),
            OptionInfo("sweep", .custom("a mapping of dotted keys to lists"), .value(.null),
                       "grid over dotted keys (cartesian product, keys in file order); one named trial per point"),
        ]),
        SectionInfo(path: "data", doc: "where the images come from and how they are transformed", options: [
            OptionInfo("format", .nullable(.choice(DataFormat.allCases.map(\.rawValue))), .value(.null),
                       "idx, image_folder or npz; null detects it from what data.path holds", elidedAtDefault: true),
            OptionInfo("dataset", .choice(DatasetName.allCases.map(\.rawValue)), .value(.text("fashion-mnist")),
                       "which IDX dataset (format idx: its files give the image size, split sizes; this gives the class names)"),
            OptionInfo("path", .text, .value(.text("/usr/share/datasets/fashion-mnist")),
                       "folder with the four IDX files (.gz or raw), an image folder (train/, test/, val/), an .npz file or a folder of .npy files"),
            OptionInfo("channels", .nullable(.integer(minimum: 1)), .value(.null),
                       "convert images to 1 (gray) or 3 (RGB) channels on load; null keeps the images' own", elidedAtDefault: true),
            OptionInfo("resize", .nullable(.integer(minimum: 1)), .value(.null), "bilinear resize to N×N; null keeps the dataset's size"),
            OptionInfo("pad", .integer(minimum: 0), .value(.int(0)), "zero padding per side, after resizing"),
            OptionInfo("normalize", .custom("a mapping"), .derived("{mean: 0.5, std: 0.5}"), "(x/255 - mean) / std"),
            OptionInfo("validation", .integer(minimum: 0), .value(.int(5000)),
                       "training images held out (seeded) for checkpoint selection; leave out when the dataset has its own validation split (val/, x_val)"),
            OptionInfo("train_limit", .nullable(.integer(minimum: 1)), .value(.null),
                       "use only the first N training images after the split (smoke runs)"),
            OptionInfo("test_limit", .nullable(.integer(minimum: 1)), .value(.null), "use only the first N test images"),
        ]),
        SectionInfo(path: "data.normalize", doc: "per-pixel normalization", options: [
            OptionInfo("mean", .numberOrList(.any), .value(.number(0.5)),
                       "subtracted after scaling to [0, 1]: one value for every channel, or a list with one per channel"),
            OptionInfo("std", .numberOrList(.positive), .value(.number(0.5)),
                       "divides after subtracting the mean: one value, or one per channel"),
        ]),
        SectionInfo(path: "model", doc: "exactly one of a registry model (lenet5) or layers", options: [
            OptionInfo("lenet5", .custom("a mapping"), .value(.null), "LeNet-5 with options (see models)"),
            OptionInfo("layers", .custom("a list of layer mappings"), .value(.null),
                       "explicit graph: {type, name, inputs, l2, <options>} per layer (see layers)"),
            OptionInfo("l2", .number(.nonNegative), .value(.number(0)),
                       "with layers: default l2 of every layer that has parameters"),
            OptionInfo("init", .choice(InitScheme.allCases.map(\.rawValue)), .value(.text("pytorch")),
                       "weight initialization"),
        ]),
        SectionInfo(path: "train", doc: "optimization", options: [
            OptionInfo("epochs", .integer(minimum: 1), .value(.int(50)), "passes over the training set"),
            OptionInfo("batch_size", .integer(minimum: 1), .value(.int(64)), "images per step"),
            OptionInfo("optimizer", .custom("a mapping"), .derived("{type: adam}"), "see train.optimizer"),
            OptionInfo("schedule", .custom("a mapping"), .derived("{type: constant}"), "see train.schedule"),
            OptionInfo("seed", .integer(minimum: 0), .value(.int(0)),
                       "initialization, dropout, shuffling and validation split (replaced by seeds)"),
            OptionInfo("select", .choice(SelectionMetric.allCases.map(\.rawValue)), .value(.text("val_acc")),
                       "which epoch's weights become the checkpoint"),
            OptionInfo("threads", .integer(minimum: 1), .value(.int(2)), "engine threads per trial (a sweep lends a trial cores other trials leave free); results do not depend on it"),
        ]),
        SectionInfo(path: "train.optimizer", doc: "PyTorch semantics", options: [
            OptionInfo("type", .choice(OptimizerKind.allCases.map(\.rawValue)), .value(.text("adam")), "algorithm"),
            OptionInfo("lr", .number(.positive), .value(.number(0.001)), "learning rate"),
            OptionInfo("momentum", .number(.unitInterval), .value(.number(0)), "heavy-ball momentum", appliesTo: ["sgd"]),
            OptionInfo("nesterov", .boolean, .value(.bool(false)), "Nesterov momentum", appliesTo: ["sgd"]),
            OptionInfo("betas", .numberPair(.unitInterval), .value(.numbers([0.9, 0.999])),
                       "moment decay rates", appliesTo: ["adam", "adamw"]),
            OptionInfo("eps", .number(.positive), .value(.number(1e-8)), "denominator term", appliesTo: ["adam", "adamw"]),
            OptionInfo("weight_decay", .number(.nonNegative), .value(.number(0)),
                       "L2 added to gradients (sgd, adam); decoupled for adamw"),
        ]),
        SectionInfo(path: "train.schedule", doc: "learning rate per epoch", options: [
            OptionInfo("type", .choice(["constant", "step", "cosine"]), .value(.text("constant")), "schedule"),
            OptionInfo("step_size", .integer(minimum: 1), .required, "epochs between decays", appliesTo: ["step"]),
            OptionInfo("gamma", .number(.positive), .value(.number(0.1)), "decay factor", appliesTo: ["step"]),
            OptionInfo("t_max", .integer(minimum: 1), .derived("train.epochs"), "half period in epochs", appliesTo: ["cosine"]),
            OptionInfo("eta_min", .number(.nonNegative), .value(.number(0)), "final learning rate", appliesTo: ["cosine"]),
        ]),
    ]

    /// The section at a dotted path (`train.optimizer`).
    public static func section(_ path: String) -> SectionInfo? { sections.first { $0.path == path } }

    public static let models: [ModelInfo] = [
        ModelInfo(name: "lenet5", doc: "LeNet-5 (for 32×32 inputs, any channel count): conv 6, pool, conv 16, pool, conv 120, fc 84, fc <classes>", options: [
            OptionInfo("dropout", .number(.unitInterval), .value(.number(0)), "dropout p before fc1; 0 = no dropout layer"),
            OptionInfo("batchnorm", .boolean, .value(.bool(false)), "BatchNorm2d after each convolution, before the activation"),
            OptionInfo("l2", .number(.nonNegative), .value(.number(0)), "L2 penalty on every parametrized layer"),
            OptionInfo("activation", .choice(Activation.allCases.map(\.rawValue)), .value(.text("relu")), "nonlinearity"),
            OptionInfo("pooling", .choice(Pooling.allCases.map(\.rawValue)), .value(.text("avg")), "2×2 pooling, stride 2"),
        ]),
    ]

    /// Keys every layer entry accepts besides its own options.
    public static let commonLayerKeys: [OptionInfo] = [
        OptionInfo("type", .custom("one of the layer types below"), .required, "layer type"),
        OptionInfo("name", .text, .derived("<type><k>"), "unique name (k counts layers of the type from 1)"),
        OptionInfo("inputs", .names, .derived("previous layer, or input"), "earlier layers (or input) feeding this one"),
        OptionInfo("l2", .number(.nonNegative), .derived("model.l2"), "L2 penalty on this layer's parameters (parametrized layers only)"),
    ]

    public static func layer(_ type: String) -> LayerInfo? { layers.first { $0.type == type } }
    public static func model(_ name: String) -> ModelInfo? { models.first { $0.name == name } }
}
