/// Fused softmax + cross-entropy. logits: [n, classes]; labels: [n] in 0..<classes;
/// dlogits (optional): [n, classes] = (softmax − target) · scale.
/// The target is the one-hot label, or with `smoothing` ε > 0 (PyTorch `label_smoothing`)
/// (1 − ε)·onehot + ε/classes. Returns Σ_i −Σ_c target_c · log softmax(logits_i)_c (computed as
/// logsumexp − target·logits, shifted by the row max) and the count of rows whose first maximal
/// logit is the label. ε = 0 takes exactly the plain cross-entropy's operations.
func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch n: Int,
                         classes: Int, dlogits: UnsafeMutablePointer<Float>?, scale: Float,
                         smoothing: Float = 0) -> (Double, Int) {
    var total = 0.0
    var correct = 0
    for i in 0..<n {
        let row = logits + i * classes
        let label = Int(labels[i])
        precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
        var best = 0
        for c in 1..<classes where row[c] > row[best] { best = c }
        if best == label { correct += 1 }
        let maxLogit = row[best]
        var sum = 0.0
        for c in 0..<classes { sum += Double(expf(row[c] - maxLogit)) }
        if smoothing == 0 {
            total += Double(maxLogit) + log(sum) - Double(row[label])
        } else {
            var logits = 0.0
            for c in 0..<classes { logits += Double(row[c]) }
            let eps = Double(smoothing)
            total += Double(maxLogit) + log(sum) - (1 - eps) * Double(row[label]) - eps / Double(classes) * logits
        }
        if let dlogits {
            let g = dlogits + i * classes
            let inverse = 1 / sum
            for c in 0..<classes { g[c] = Float(Double(expf(row[c] - maxLogit)) * inverse) * scale }
            if smoothing == 0 {
                g[label] -= scale
            } else {
                let spread = smoothing / Float(classes) * scale
                for c in 0..<classes { g[c] -= spread }
                g[label] -= (1 - smoothing) * scale
            }
        }
    }
    return (total, correct)
}

#if canImport(Glibc)
import Glibc
#endif
