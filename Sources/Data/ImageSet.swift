import Spec

/// A labelled set of single-channel 8-bit images.
public struct ImageSet: Sendable {
    /// Pixels, row-major [count, rows, cols].
    public let images: [UInt8]
    /// One class label per image, in 0..<10 for the IDX datasets.
    public let labels: [UInt8]
    public let count, rows, cols: Int

    public init(images: [UInt8], labels: [UInt8], count: Int, rows: Int, cols: Int) {
        precondition(images.count == count * rows * cols && labels.count == count, "ImageSet sizes disagree")
        (self.images, self.labels, self.count, self.rows, self.cols) = (images, labels, count, rows, cols)
    }

    /// How many images carry each label, indexed by label.
    public func labelCounts(classes: Int = 10) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels where Int(l) < classes { counts[Int(l)] += 1 }
        return counts
    }
}

/// The IDX datasets the loader knows (`data.dataset`); both use the classic MNIST file names and
/// 28×28 images of 10 classes.
public typealias DatasetKind = DatasetName

extension DatasetName {
    /// Name used in messages.
    public var displayName: String { self == .fashionMNIST ? "Fashion-MNIST" : "MNIST" }
    public var imageSize: Int { 28 }
    /// Class names in label order.
    public var classNames: [String] {
        switch self {
        case .fashionMNIST:
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        case .mnist:
            (0...9).map(String.init)
        }
    }
    public var classCount: Int { classNames.count }

    /// How to get the files, for the "folder not found" message.
    var installHint: String {
        switch self {
        case .fashionMNIST: return "run scripts/setup.sh (installs dataset-fashion-mnist) or set data.path"
        case .mnist: return "set data.path to a folder holding the MNIST IDX files"
        }
    }
}
