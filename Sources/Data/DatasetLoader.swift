import Spec

/// Finds, reads and validates the four IDX files of an MNIST-style dataset folder.
///
/// Each file is looked up as `<name>.gz` first, then as the raw `<name>`:
/// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`.
public enum DatasetLoader {
    static let fileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// Loads train and test sets from `folder`, preferring `.gz`, falling back to raw files.
    public static func load(folder: String, kind: DatasetKind) throws -> (train: ImageSet, test: ImageSet) {
        try checkFolder(folder, kind: kind)
        let train = try loadSet(folder: folder, split: "train", kind: kind)
        let test = try loadSet(folder: folder, split: "t10k", kind: kind)
        return (train, test)
    }

    /// Shape, classes and split sizes of the dataset in `folder`, from the four files' headers:
    /// the same checks as `load` (magic numbers, image size, label counts) except the label
    /// values, without decoding a pixel.
    public static func describe(folder: String, kind: DatasetKind) throws -> DatasetInfo {
        try checkFolder(folder, kind: kind)
        var counts: [Int] = []
        for split in ["train", "t10k"] {
            let imagesPath = try resolve(folder: folder, name: "\(split)-images-idx3-ubyte")
            let labelsPath = try resolve(folder: folder, name: "\(split)-labels-idx1-ubyte")
            let dims = try IDX.header(path: imagesPath, rank: 3)
            try checkImages(dims, path: imagesPath, kind: kind)
            let labelDims = try IDX.header(path: labelsPath, rank: 1)
            try checkLabelCount(labelDims[0], images: dims[0], labelsPath: labelsPath, imagesPath: imagesPath)
            counts.append(dims[0])
        }
        return DatasetInfo(sampleShape: [1, kind.imageSize, kind.imageSize], classes: kind.classNames,
                           trainCount: counts[0], testCount: counts[1])
    }

    /// A cheap content fingerprint of the four files for caching: the CRC-32 (zlib) of each file's
    /// bytes as read from disk, in the order above, as 32 lowercase hex digits.
    public static func fingerprint(folder: String, kind: DatasetKind = .fashionMNIST) throws -> String {
        try checkFolder(folder, kind: kind)
        return try fileNames.map { try FileBytes.crc32Hex(of: try resolve(folder: folder, name: $0)) }.joined()
    }

    static func checkFolder(_ folder: String, kind: DatasetKind) throws {
        guard FileBytes.kind(folder) == .directory else {
            throw DataError(keyPath: "data.path", path: folder, "dataset folder not found — \(kind.installHint)")
        }
    }

    /// `folder/name.gz` if it exists, else `folder/name` if it exists.
    static func resolve(folder: String, name: String) throws -> String {
        let base = folder.hasSuffix("/") ? folder + name : folder + "/" + name
        if FileBytes.kind(base + ".gz") != .missing { return base + ".gz" }
        if FileBytes.kind(base) != .missing { return base }
        throw DataError(path: base + ".gz", "file not found (expected in data.path)")
    }

    /// Reads and cross-checks `<split>-images-idx3-ubyte` and `<split>-labels-idx1-ubyte`.
    static func loadSet(folder: String, split: String, kind: DatasetKind) throws -> ImageSet {
        let imagesPath = try resolve(folder: folder, name: "\(split)-images-idx3-ubyte")
        let labelsPath = try resolve(folder: folder, name: "\(split)-labels-idx1-ubyte")
        let (dims, images) = try IDX.read(path: imagesPath, rank: 3)
        try checkImages(dims, path: imagesPath, kind: kind)
        let (count, rows, cols) = (dims[0], dims[1], dims[2])
        let (labelDims, labels) = try IDX.read(path: labelsPath, rank: 1)
        try checkLabelCount(labelDims[0], images: count, labelsPath: labelsPath, imagesPath: imagesPath)
        if let bad = labels.firstIndex(where: { Int($0) >= kind.classCount }) {
            throw DataError(path: labelsPath,
                            "label \(labels[bad]) at index \(bad) is out of range 0…\(kind.classCount - 1)")
        }
        return ImageSet(images: images, labels: labels, count: count, rows: rows, cols: cols)
    }

    private static func checkImages(_ dims: [Int], path: String, kind: DatasetKind) throws {
        let (count, rows, cols) = (dims[0], dims[1], dims[2])
        guard rows == kind.imageSize, cols == kind.imageSize else {
            throw DataError(path: path,
                            "images are \(rows)×\(cols), expected \(kind.imageSize)×\(kind.imageSize) for \(kind.displayName)")
        }
        guard count > 0 else { throw DataError(path: path, "contains no images") }
    }

    private static func checkLabelCount(_ labels: Int, images: Int, labelsPath: String, imagesPath: String) throws {
        guard labels == images else {
            let imagesName = imagesPath.split(separator: "/").last.map(String.init) ?? imagesPath
            throw DataError(path: labelsPath, "\(labels) labels but \(imagesName) has \(images) images")
        }
    }
}
