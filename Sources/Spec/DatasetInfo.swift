/// What a dataset is, as the spec layer needs to know it: learned from the data's own files (the
/// `Data` module's sources read their headers), never assumed. Validation checks split sizes
/// against it, shape inference takes the network's input shape and class count from it, and
/// registry models size their first and last layers by it.
public struct DatasetInfo: Hashable, Sendable {
    /// One sample's shape: `[C, H, W]` for images, `[F]` for feature vectors.
    public var sampleShape: [Int]
    /// Class names, in label order (label `i` is `classes[i]`).
    public var classes: [String]
    /// Samples in the training split (before the validation split is drawn from it).
    public var trainCount: Int
    /// Samples in the test split.
    public var testCount: Int
    /// Samples in a validation split of its own (an image folder's `val/`, an npz's `x_val`); nil
    /// when the validation split is drawn from the training split (`data.validation`).
    public var validationCount: Int?

    public init(sampleShape: [Int], classes: [String], trainCount: Int, testCount: Int, validationCount: Int? = nil) {
        self.sampleShape = sampleShape
        self.classes = classes
        self.trainCount = trainCount
        self.testCount = testCount
        self.validationCount = validationCount
    }

    /// Training samples left after the validation split of `data` (all of them with a split of its own).
    public func trainingCount(_ data: DataSpec) -> Int {
        validationCount == nil ? trainCount - data.validation : trainCount
    }

    /// The network's input shape for samples transformed by `data`: images resized to
    /// `resize`×`resize` (when set) and zero-padded by `pad` on each side.
    public func inputShape(_ data: DataSpec) -> [Int] {
        guard sampleShape.count == 3 else { return sampleShape }
        let (h, w) = data.resize.map { ($0, $0) } ?? (sampleShape[1], sampleShape[2])
        return [sampleShape[0], h + 2 * data.pad, w + 2 * data.pad]
    }
}

/// Why the dataset a `data:` section describes cannot be used: one line, and the key it is about.
public struct DatasetProblem: Error, Hashable, Sendable {
    /// The key the problem is reported at, e.g. `data.path`.
    public var keyPath: String
    /// What is wrong, naming the file (`/data/x/train-images-idx3-ubyte.gz: not a gzip file`).
    public var message: String

    public init(keyPath: String = "data.path", _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }
}

/// Tells the loader what the dataset of a `data:` section is (implemented by `Data`'s sources;
/// tests pass a fixed description). Called once per distinct `data:` section of a load.
public protocol DatasetDescribing: Sendable {
    func describe(_ data: DataSpec) -> Result<DatasetInfo, DatasetProblem>
}
