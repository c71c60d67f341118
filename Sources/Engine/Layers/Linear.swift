import Spec
/// Fully connected layer, PyTorch `nn.Linear` semantics and layout: weight `[out, in]`, bias `[out]`.
public final class Linear: Layer, ReLUFusing {
    public let outFeatures: Int, hasBias: Bool
    public var weightInit: WeightInit
    public var definition: any LayerDefinition { LinearLayer(outFeatures: outFeatures, bias: hasBias) }

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter?
    private var inFeatures = 0
    private var dense: DenseOperator!
    var fusesReLU = false

    public init(outFeatures: Int, bias: Bool = true, weightInit: WeightInit = .pytorch) {
        precondition(outFeatures > 0)
        self.outFeatures = outFeatures; self.hasBias = bias; self.weightInit = weightInit
    }

    public func bind(_ b: LayerBinding) {
        inFeatures = b.inputShapes[0][0]
        weight = Parameter(name: "\(b.name).weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? Parameter(name: "\(b.name).bias", shape: [outFeatures]) : nil
        dense = DenseOperator(inFeatures: inFeatures, weight: weight, bias: bias, fusesReLU: fusesReLU, binding: b)
    }

    func canFuseReLU(inputShapes: [[Int]]) -> Bool { true }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func initialize(random: inout Random) {
        weightInit.fill(weight: weight.value, bias: bias?.value, fanIn: inFeatures, fanOut: outFeatures,
                        random: &random)
    }

    public func prepare(_ pass: Pass) { dense.prepare(pass) }
    public func forward(_ pass: Pass) { dense.forward(pass) }
    public func backward(_ pass: Pass) { dense.backward(pass) }
}

extension LinearLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer {
        Linear(outFeatures: outFeatures, bias: bias, weightInit: weightInit)
    }
}
