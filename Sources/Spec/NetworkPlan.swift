/// A network after shape inference: every layer with its inputs resolved to indices, its shapes,
/// parameter count and forward cost. Built from a `ModelSpec` before any training; the engine
/// builder instantiates layers from it.
public struct PlannedLayer: Hashable, Sendable {
    public var name: String
    public var kind: LayerKind
    /// Indices into `NetworkPlan.layers` of this layer's inputs; `-1` is the network input.
    public var inputs: [Int]
    /// Per-sample shapes (no batch axis): `[C, H, W]` for images, `[F]` for vectors.
    public var inputShapes: [[Int]]
    public var outputShape: [Int]
    /// Number of trainable scalars (weights and biases; not running statistics).
    public var parameterCount: Int
    /// Forward floating-point operations per sample (a multiply-add counts 2).
    public var flops: Int
    public var l2: Double
    public var mark: SourceMark?

    public init(name: String, kind: LayerKind, inputs: [Int], inputShapes: [[Int]], outputShape: [Int],
                parameterCount: Int, flops: Int, l2: Double, mark: SourceMark?) {
        self.name = name
        self.kind = kind
        self.inputs = inputs
        self.inputShapes = inputShapes
        self.outputShape = outputShape
        self.parameterCount = parameterCount
        self.flops = flops
        self.l2 = l2
        self.mark = mark
    }
}

public struct NetworkPlan: Hashable, Sendable {
    /// Per-sample input shape `[C, H, W]`.
    public var inputShape: [Int]
    /// In topological order; the last layer's output is the logits (`[classes]`).
    public var layers: [PlannedLayer]

    public init(inputShape: [Int], layers: [PlannedLayer]) {
        self.inputShape = inputShape
        self.layers = layers
    }

    public var parameterCount: Int { layers.reduce(0) { Saturating.sum($0, $1.parameterCount) } }
    public var flops: Int { layers.reduce(0) { Saturating.sum($0, $1.flops) } }
}
