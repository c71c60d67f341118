import CZlib
import Engine
import Foundation

/// Writes a small, learnable Fashion-MNIST-shaped dataset (the four gzip IDX files) into a
/// folder, so end-to-end tests train on real files without the real data.
///
/// Class k is a bright horizontal bar at row 2 + 2k plus a vertical bar at column 4 + 2k, over
/// seeded noise: a tiny network separates the classes within an epoch or two.
public enum TinyDataset {
    public static func write(to folder: String, train: Int = 600, test: Int = 200, seed: UInt64 = 7) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (prefix, split) in zip(["train", "t10k"], samples(train: train, test: test, seed: seed)) {
            try writeGzip(idx(magic: 0x0000_0803, dims: [split.labels.count, 28, 28], payload: split.images),
                          to: "\(folder)/\(prefix)-images-idx3-ubyte.gz")
            try writeGzip(idx(magic: 0x0000_0801, dims: [split.labels.count], payload: split.labels),
                          to: "\(folder)/\(prefix)-labels-idx1-ubyte.gz")
        }
    }

    /// The train and test splits `write` stores: [count, 28, 28] images and their labels.
    public static func samples(train: Int = 600, test: Int = 200, seed: UInt64 = 7) -> [(images: [UInt8], labels: [UInt8])] {
        var rng = Random(seed: seed)
        return [train, test].map { count in
            var images = [UInt8](repeating: 0, count: count * 28 * 28)
            var labels = [UInt8](repeating: 0, count: count)
            for i in 0..<count {
                let k = i % 10
                labels[i] = UInt8(k)
                for p in 0..<(28 * 28) { images[i * 784 + p] = UInt8(rng.below(60)) }
                for x in 0..<28 { images[i * 784 + (2 + 2 * k) * 28 + x] = 200 + UInt8(rng.below(55)) }
                for y in 0..<28 { images[i * 784 + y * 28 + 4 + 2 * k] = 200 + UInt8(rng.below(55)) }
            }
            return (images, labels)
        }
    }

    /// An IDX file: big-endian magic, big-endian dimensions, then the payload.
    public static func idx(magic: UInt32, dims: [Int], payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        func be(_ v: UInt32) { out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        be(magic)
        for d in dims { be(UInt32(d)) }
        return out + payload
    }

    public static func writeGzip(_ bytes: [UInt8], to path: String) throws {
        guard let f = gzopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
        let written = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
        gzclose(f)
        guard written == Int32(bytes.count) else { throw CocoaError(.fileWriteUnknown) }
    }
}
