import Spec

/// A dataset description that does not read any file: what `Data` reports for the Fashion-MNIST
/// IDX files, for tests of the spec layer (which must not depend on the data being installed).
public struct FixedDataset: DatasetDescribing {
    public var info: DatasetInfo
    /// Every `data.path` listed here is reported missing, as `Data` would.
    public var missing: Set<String> = []

    public init(_ info: DatasetInfo = FixedDataset.fashionMNIST, missing: Set<String> = []) {
        self.info = info
        self.missing = missing
    }

    public func describe(_ data: DataSpec) -> Result<DatasetInfo, DatasetProblem> {
        if missing.contains(data.path) { return .failure(DatasetProblem("\(data.path): dataset folder not found")) }
        return .success(info)
    }

    /// 60,000 training and 10,000 test images of 1×28×28, ten classes.
    public static let fashionMNIST = DatasetInfo(
        sampleShape: [1, 28, 28],
        classes: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        trainCount: 60_000, testCount: 10_000)
}
