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
            OptionInfo("augment", .custom("a list of {op: value}"), .value(.null),
                       "random transforms of the training images only (see data.augment)", elidedAtDefault: true),
        ]),
        SectionInfo(path: "data.augment", doc: "a list of random transforms of the training images, each {op: value}, applied in order to the 8-bit pixels (after resize and pad, before normalize), seeded by the trial seed, epoch and sample", options: [
            OptionInfo("random_crop", .custom("a mapping {padding: N} (size: the image's own)"), .value(.null),
                       "zero-pad by padding on each side, then crop the original size at a random offset (torchvision RandomCrop)"),
            OptionInfo("horizontal_flip", .number(.unitInterval), .value(.number(0.5)),
                       "mirror left-right with this probability (torchvision RandomHorizontalFlip)"),
            OptionInfo("random_translate", .integer(minimum: 1), .value(.int(2)),
                       "shift by a random whole number of pixels in [-N, N] along each axis, zero fill"),
        ]),
        SectionInfo(path: "data.augment.random_crop", doc: "torchvision RandomCrop with the image's own size", options: [
            OptionInfo("padding", .integer(minimum: 1), .required, "zeros added on each side before cropping"),
            OptionInfo("size", .nullable(.integer(minimum: 1)), .value(.null), "crop size; must be the image's own (after resize and pad)"),
        ]),
        SectionInfo(path: "data.normalize", doc: "per-pixel normalization", options: [
            OptionInfo("mean", .numberOrList(.any), .value(.number(0.5)),
                       "subtracted after scaling to [0, 1]: one value for every channel, or a list with one per channel"),
            OptionInfo("std", .numberOrList(.positive), .value(.number(0.5)),
                       "divides after subtracting the mean: one value, or one per channel"),
        ]),
        SectionInfo(path: "model", doc: "exactly one of a registry model (" + ModelRegistry.types.map { $0.schema.name }.joined(separator: ", ")
                    + ") or layers", options: ModelRegistry.types.map {
            OptionInfo($0.schema.name, .custom("a mapping"), .value(.null), "\($0.schema.name) with options (see models)")
        } + [
            OptionInfo("layers", .custom("a list of layer mappings"), .value(.null),
                       "explicit graph: {type, name, inputs, l2, <options>} per layer (see layers)"),
            OptionInfo("l2", .number(.nonNegative), .value(.number(0)),
                       "with layers: default l2 of every layer that has parameters"),
            OptionInfo("init", .choice(InitScheme.allCases.map(\.rawValue)), .value(.text("pytorch")),
                       "weight initialization"),
            OptionInfo("init_from", .custom("a mapping"), .value(.null),
                       "start from saved weights (see model.init_from)", elidedAtDefault: true),
        ]),
        SectionInfo(path: "model.init_from", doc: "warm start / fine-tuning: tensors copied by PyTorch name after initialization", options: [
            OptionInfo("weights", .text, .required, "a .safetensors file (ours or safetensors.torch.save_file(model.state_dict())) or a trial folder (its model.safetensors), relative to the working directory; its SHA-256 is part of the cache key"),
            OptionInfo("skip", .names, .value(.texts([])), "layers (names or dotted prefixes) that keep their fresh initialization, e.g. [fc2] for a new classifier"),
            OptionInfo("strict", .boolean, .value(.bool(true)), "every other tensor must be in the file with its shape and the file holds no others (false: copy what matches by name and shape)"),
        ]),
        SectionInfo(path: "train", doc: "optimization", options: [
            OptionInfo("epochs", .integer(minimum: 1), .value(.int(50)), "passes over the training set"),
            OptionInfo("batch_size", .integer(minimum: 1), .value(.int(64)), "images per step"),
            OptionInfo("optimizer", .custom("a mapping"), .derived("{type: adam}"), "see train.optimizer"),
            OptionInfo("schedule", .custom("a mapping"), .derived("{type: constant}"), "see train.schedule"),
            OptionInfo("loss", .custom("a mapping"), .derived("{type: cross_entropy}"),
                       "see train.loss (written to the resolved config only when it is not the default)"),
            OptionInfo("seed", .integer(minimum: 0), .value(.int(0)),
                       "initialization, dropout, shuffling and validation split (replaced by seeds)"),
            OptionInfo("select", .choice(SelectionMetric.allCases.map(\.rawValue)), .value(.text("val_acc")),
                       "which epoch's weights become the checkpoint"),
            OptionInfo("early_stopping", .custom("a mapping"), .value(.null),
                       "stop when the validation metric stops improving (see train.early_stopping)", elidedAtDefault: true),
            OptionInfo("freeze", .names, .value(.texts([])),
                       "layers (names or dotted prefixes) whose parameters are not trained (requires_grad = False)",
                       elidedAtDefault: true),
            OptionInfo("threads", .integer(minimum: 1), .value(.int(2)), "engine threads per trial (a sweep lends a trial cores other trials leave free); results do not depend on it"),
        ]),
        SectionInfo(path: "train.optimizer", doc: "PyTorch semantics", options: [
            OptionInfo("type", .choice(OptimizerKind.allCases.map(\.rawValue)), .value(.text("adam")), "algorithm"),
            OptionInfo("lr", .number(.positive), .value(.number(0.001)), "learning rate"),
            OptionInfo("momentum", .number(.unitInterval), .value(.number(0)), "heavy-ball momentum", appliesTo: ["sgd", "rmsprop"]),
            OptionInfo("dampening", .number(.unitInterval), .value(.number(0)),
                       "share of the gradient the momentum buffer leaves out: b ← μ·b + (1 − d)·g", appliesTo: ["sgd"],
                       elidedAtDefault: true),
            OptionInfo("nesterov", .boolean, .value(.bool(false)), "Nesterov momentum", appliesTo: ["sgd"]),
            OptionInfo("betas", .numberPair(.unitInterval), .value(.numbers([0.9, 0.999])),
                       "moment decay rates", appliesTo: ["adam", "adamw"]),
            OptionInfo("eps", .number(.positive), .value(.number(1e-8)), "denominator term", appliesTo: ["adam", "adamw", "rmsprop"]),
            OptionInfo("alpha", .number(.unitInterval), .value(.number(0.99)), "decay rate of the squared-gradient average",
                       appliesTo: ["rmsprop"]),
            OptionInfo("centered", .boolean, .value(.bool(false)), "normalize by the gradient's estimated variance",
                       appliesTo: ["rmsprop"]),
            OptionInfo("weight_decay", .number(.nonNegative), .value(.number(0)),
                       "L2 added to gradients (sgd, adam, rmsprop); decoupled for adamw"),
        ]),
        SectionInfo(path: "train.schedule", doc: "learning rate per epoch", options: [
            OptionInfo("type", .choice(["constant", "step", "cosine", "reduce_on_plateau"]), .value(.text("constant")), "schedule"),
            OptionInfo("step_size", .integer(minimum: 1), .required, "epochs between decays", appliesTo: ["step"]),
            OptionInfo("gamma", .number(.positive), .value(.number(0.1)), "decay factor", appliesTo: ["step"]),
            OptionInfo("t_max", .integer(minimum: 1), .derived("train.epochs − warmup_epochs"), "half period in epochs", appliesTo: ["cosine"]),
            OptionInfo("eta_min", .number(.nonNegative), .value(.number(0)), "final learning rate", appliesTo: ["cosine"]),
            OptionInfo("monitor", .choice(PlateauOptions.Monitor.allCases.map(\.rawValue)), .value(.text("val_loss")),
                       "validation metric watched (lower loss or higher accuracy is better)", appliesTo: ["reduce_on_plateau"]),
            OptionInfo("factor", .number(.unitInterval), .value(.number(0.1)), "multiplies the rate on a plateau",
                       appliesTo: ["reduce_on_plateau"]),
            OptionInfo("patience", .integer(minimum: 0), .value(.int(10)), "bad epochs tolerated before reducing",
                       appliesTo: ["reduce_on_plateau"]),
            OptionInfo("threshold", .number(.nonNegative), .value(.number(1e-4)), "relative improvement that counts",
                       appliesTo: ["reduce_on_plateau"]),
            OptionInfo("cooldown", .integer(minimum: 0), .value(.int(0)), "epochs after a reduction in which bad epochs are not counted",
                       appliesTo: ["reduce_on_plateau"]),
            OptionInfo("min_lr", .number(.nonNegative), .value(.number(0)), "the rate never goes below this",
                       appliesTo: ["reduce_on_plateau"]),
            OptionInfo("warmup_epochs", .integer(minimum: 0), .value(.int(0)),
                       "linear warmup epochs before the schedule (PyTorch LinearLR + SequentialLR)",
                       appliesTo: ["constant", "step", "cosine"], elidedAtDefault: true),
            OptionInfo("warmup_start_factor", .number(.positive), .value(.number(1.0 / 3.0)),
                       "rate at warmup epoch 0 as a fraction of lr (PyTorch's default 1/3)",
                       appliesTo: ["constant", "step", "cosine"], elidedAtDefault: true),
        ]),
        SectionInfo(path: "train.early_stopping", doc: "Keras EarlyStopping semantics; the checkpoint is still the best epoch by train.select", options: [
            OptionInfo("monitor", .choice(PlateauOptions.Monitor.allCases.map(\.rawValue)), .value(.text("val_acc")),
                       "validation metric watched (higher accuracy or lower loss is better)"),
            OptionInfo("patience", .integer(minimum: 1), .value(.int(5)), "epochs without improvement before stopping"),
            OptionInfo("min_delta", .number(.nonNegative), .value(.number(0)), "smallest change that counts as an improvement"),
        ]),
        SectionInfo(path: "train.loss", doc: "training objective (PyTorch nn.CrossEntropyLoss); validation and test losses are plain cross-entropy", options: [
            OptionInfo("type", .choice(["cross_entropy"]), .value(.text("cross_entropy")), "loss"),
            OptionInfo("label_smoothing", .number(.unitInterval), .value(.number(0)),
                       "targets (1 − ε)·onehot + ε/classes", appliesTo: ["cross_entropy"]),
        ]),
    ]

    /// The section at a dotted path (`train.optimizer`).
    public static func section(_ path: String) -> SectionInfo? { sections.first { $0.path == path } }

    /// The registry models (`Spec/Models/`), as the catalog lists them.
    public static let models: [ModelInfo] = ModelRegistry.types.map(ModelInfo.init)

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
