/// Fused softmax + cross-entropy. logits: [n, classes]; labels: [n] in 0..<classes;
/// dlogits (optional): [n, classes] = (softmax − onehot) · scale.
/// Returns Σ_i −log softmax(logits_i)[label_i] (computed as logsumexp − logit, shifted by the
/// row max) and the count of rows whose first maximal logit is the label.
func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch n: Int,
                         classes: Int, dlogits: UnsafeMutablePointer<Float>?, scale: Float) -> (Double, Int) {
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
        total += Double(maxLogit) + log(sum) - Double(row[label])
        if let dlogits {
            let g = dlogits + i * classes
            let inverse = 1 / sum
            for c in 0..<classes { g[c] = Float(Double(expf(row[c] - maxLogit)) * inverse) * scale }
            g[label] -= scale
        }
    }
    return (total, correct)
}

#if canImport(Glibc)
import Glibc
#endif
