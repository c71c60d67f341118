/// The typed, validated and fully resolved form of one experiment trial.
///
/// Produced by the loader from YAML (after `extends`, command-line overrides, sweep and seed
/// expansion, and defaults); every field is explicit. `canonicalYAML` emits it back in a stable
/// key order, and `hash` is the SHA-256 of that text.

public enum DatasetName: String, CaseIterable, Hashable, Sendable, Codable {
    case fashionMNIST = "fashion-mnist"
    case mnist = "mnist"
}

/// How a dataset is stored on disk (`data.format`).
public enum DataFormat: String, CaseIterable, Hashable, Sendable {
    /// The four MNIST-style IDX files of `data.dataset`.
    case idx
    /// `train/<class>/*.png|jpg|jpeg`, `test/<class>/…` and optionally `val/<class>/…`.
    case imageFolder = "image_folder"
    /// `x_train, y_train, x_test, y_test` (optionally `x_val, y_val`) in an `.npz` file or as `.npy` files.
    case npz
    /// `train.csv`, `test.csv` (optionally `val.csv`): a header row, one column of labels
    /// (`data.label`), the rest numeric features — samples of shape `[F]`.
    case csv
}

/// `data:` — where the images come from and how they are transformed.
public struct DataSpec: Hashable, Sendable {
    /// The storage format; nil detects it from what `path` holds.
    public var format: DataFormat? = nil
    public var dataset: DatasetName = .fashionMNIST
    /// Folder holding the dataset (the four IDX files, `.gz` or raw; an image folder; `.npy` files),
    /// or an `.npz` file.
    public var path: String = "/usr/share/datasets/fashion-mnist"
    /// Channels the images are converted to on load (1 or 3); nil keeps the images' own.
    public var channels: Int? = nil
    /// Bilinear resize to `resize`×`resize` (torchvision `Resize` semantics); nil keeps the dataset's size.
    public var resize: Int? = nil
    /// Zero padding on each side, applied after resizing.
    public var pad: Int = 0
    /// Normalization `(x/255 - mean[c]) / std[c]` of channel `c`: one entry per channel, or a single
    /// entry for every channel (the loader stores a list of equal values as that single entry).
    public var mean: [Double] = [0.5]
    public var std: [Double] = [0.5]
    /// `normalize: auto`: `mean` and `std` are not used; each channel's (each feature's, for
    /// feature vectors) mean and population standard deviation are computed on the trial's
    /// training split (after the validation split and `train_limit`) and recorded in its results.
    public var autoNormalize = false
    /// The csv column holding each row's class (`data.label`).
    public var label = "label"
    /// Images held out of the training set (seeded permutation) for checkpoint selection.
    public var validation: Int = 5000
    /// Use only the first N training / test images (after the validation split); nil = all. For smoke runs.
    public var trainLimit: Int? = nil
    public var testLimit: Int? = nil

    /// Random transforms of the training images, in order (`data.augment`); none by default.
    public var augment: [AugmentOp] = []

    public init() {}
}

/// One step of `data.augment`: a random transform of a training image (never of validation or
/// test images), on its 8-bit pixels before normalization, drawn from a generator seeded by the
/// trial seed, the epoch and the sample's index in the dataset — reproducible, and independent of
/// batch size, shuffling and thread count.
public enum AugmentOp: Hashable, Sendable {
    /// torchvision `RandomCrop(size, padding)` with `size` the image's own: zero-pad by `padding`
    /// on each side, then cut a window of the original size at a uniform offset.
    case randomCrop(padding: Int)
    /// torchvision `RandomHorizontalFlip(p)`: mirror left–right with probability `p`.
    case horizontalFlip(p: Double)
    /// A shift by a uniform whole number of pixels in [−pixels, pixels] along each axis, zeros
    /// filling what moves in (torchvision `RandomAffine(translate=…)` on the integer grid).
    case randomTranslate(pixels: Int)

    /// The `data.augment` key.
    public var name: String {
        switch self {
        case .randomCrop: "random_crop"
        case .horizontalFlip: "horizontal_flip"
        case .randomTranslate: "random_translate"
        }
    }
}

/// Which epoch's weights become the trial's checkpoint.
public enum SelectionMetric: String, CaseIterable, Hashable, Sendable {
    /// Highest validation accuracy (ties: earliest epoch). The default.
    case valAcc = "val_acc"
    /// Lowest validation loss.
    case valLoss = "val_loss"
    /// Highest test accuracy. Only when a config asks for it; every output then says "selected on test".
    case testAcc = "test_acc"
    /// The last epoch.
    case last
}

public enum InitScheme: String, CaseIterable, Hashable, Sendable {
    /// PyTorch's defaults: kaiming-uniform(a=√5) weights, U(±1/√fan_in) biases, BN weight 1, bias 0.
    case pytorch
    case xavierUniform = "xavier_uniform"
    case kaimingNormal = "kaiming_normal"
}

/// `train:`
public struct TrainSpec: Hashable, Sendable {
    public var epochs: Int = 50
    public var batchSize: Int = 64
    public var optimizer = OptimizerSpec()
    public var schedule: ScheduleSpec = .constant
    /// A linear warmup before `schedule` (`train.schedule.warmup_epochs`); nil for none.
    public var warmup: WarmupSpec?
    /// The training loss; validation and test losses are always the plain cross-entropy, so they
    /// compare across variants with and without smoothing.
    public var loss = LossSpec()
    /// Layer names or dotted prefixes whose parameters are not updated (PyTorch
    /// `requires_grad = False`: no optimizer step and no L2 on them; batch-norm running statistics
    /// still update in training mode).
    public var freeze: [String] = []
    /// Stop when the validation metric stops improving; nil trains every epoch.
    public var earlyStopping: EarlyStopping?
    /// Seed of this trial: initialization, dropout masks, shuffling and the validation split.
    public var seed: UInt64 = 0
    public var select: SelectionMetric = .valAcc
    /// Engine threads per trial (at least; a sweep lends a trial the cores other trials leave free).
    /// Results are bit-identical for any thread count.
    public var threads: Int = 2
    /// Write a TensorBoard events file into each trial folder (`train.tensorboard`). An output
    /// switch like `runner run --tensorboard`: it changes no number, so it is left out of the
    /// canonical config and the trial hash (turning it on never retrains a cached trial).
    public var tensorboard = false

    public init() {}
}

/// `model.init_from: {weights, skip, strict}` — start from saved weights: every parameter and
/// buffer of the network is copied from the safetensors file by its PyTorch `state_dict` name,
/// except those of the layers `skip` names (they keep their fresh initialization, e.g. a new
/// classifier). Strict (PyTorch's `load_state_dict(strict=True)`): every other tensor of the
/// network must be in the file with its shape and dtype, and the file holds nothing else; not
/// strict: tensors whose name and shape match are copied, the rest keep their initialization.
public struct WarmStart: Hashable, Sendable {
    /// A `.safetensors` file, or a trial folder (its `model.safetensors`), relative to the
    /// working directory.
    public var weights: String
    /// Layer names or dotted prefixes (`fc`, `layer3`) whose tensors are not loaded.
    public var skip: [String]
    public var strict: Bool

    public init(weights: String, skip: [String] = [], strict: Bool = true) {
        self.weights = weights
        self.skip = skip
        self.strict = strict
    }
}

/// Whether a tensor or layer `name` belongs to the layer (or dotted prefix of layer names)
/// `pattern`: `fc` covers `fc.weight`, `layer1` covers `layer1.0.conv1.weight`, not `layer10`.
public func nameIsCovered(_ name: String, by pattern: String) -> Bool {
    name == pattern || name.hasPrefix(pattern + ".")
}

/// `model:` — a registry model with options (`Spec/Models/`), or an explicit layer graph.
public enum ModelSpec: Hashable, Sendable {
    case registry(RegistryModel)
    case layers([LayerSpec])
}

/// One entry of `model.layers`.
public struct LayerSpec: Hashable, Sendable {
    /// Unique within the model. Defaults to `<type><k>` (k counts layers of that type from 1).
    public var name: String
    public var kind: LayerKind
    /// Names of earlier layers (or `input`) feeding this one; defaults to the previous layer.
    public var inputs: [String]
    /// L2 penalty on this layer's parameters (0 for none).
    public var l2: Double
    /// Where the layer's entry starts in the YAML (nil for layers expanded from a registry model).
    public var mark: SourceMark?

    public init(name: String, kind: LayerKind, inputs: [String], l2: Double = 0, mark: SourceMark? = nil) {
        self.name = name
        self.kind = kind
        self.inputs = inputs
        self.l2 = l2
        self.mark = mark
    }
}

/// A fully resolved experiment: one trial of a sweep, for one seed.
public struct ExperimentSpec: Hashable, Sendable {
    /// The variant's display name (`name:` plus a sweep suffix such as ` [train.optimizer.weight_decay=0.0005]`).
    public var name: String
    /// Variant name of the baseline that statistics compare against (`baseline:`), if any.
    public var baseline: String?
    public var data = DataSpec()
    public var model: ModelSpec = .lenet5()
    public var initScheme: InitScheme = .pytorch
    /// `model.init_from`: weights loaded after initialization (fine-tuning, warm start).
    public var warmStart: WarmStart?
    public var train = TrainSpec()

    public init(name: String) { self.name = name }
}

/// One unit of work produced by loading a file: a resolved spec plus identity.
public struct Trial: Hashable, Sendable {
    public var spec: ExperimentSpec
    /// The YAML file the trial came from, as given on the command line.
    public var configFile: String
    /// Variant name without the seed (what aggregation groups by) — equals `spec.name`.
    public var variant: String { spec.name }
    /// Folder name under the results directory: slug of the variant plus `-seed<N>`, e.g. `dropout-seed0`.
    public var slug: String
    /// The resolved config in canonical YAML (stable key order, every default explicit).
    public var canonicalYAML: String
    /// Lowercase hex SHA-256 of `canonicalYAML`.
    public var hash: String
    /// The dataset `spec.data` points at, as its files describe it.
    public var dataset: DatasetInfo
    /// The search point this trial trains (`search:`), nil for other trials.
    public var search: SearchMembership?

    public init(spec: ExperimentSpec, configFile: String, slug: String, canonicalYAML: String, hash: String,
                dataset: DatasetInfo, search: SearchMembership? = nil) {
        self.dataset = dataset
        self.search = search
        self.spec = spec
        self.configFile = configFile
        self.slug = slug
        self.canonicalYAML = canonicalYAML
        self.hash = hash
    }
}
