/// How weights of convolution and linear layers are drawn (biases follow the scheme too).
public enum WeightInit: String, CaseIterable, Hashable, Sendable {
    /// PyTorch's default: kaiming_uniform(a = √5) weights, i.e. U(±gain·√(3/fan_in)) with
    /// gain = √(2/(1+5)), which is U(±1/√fan_in); biases U(±1/√fan_in).
    case pytorch
    /// Glorot: U(±√(6/(fan_in + fan_out))); biases zero.
    case xavierUniform
    /// He (fan_in, ReLU gain): N(0, 2/fan_in); biases zero.
    case kaimingNormal

    /// torch's kaiming_uniform_(a=√5) bound, computed in the same order as torch (in Double):
    /// gain = √(2/(1+a²)), std = gain/√fan_in, bound = √3·std.
    public static func pytorchWeightBound(fanIn: Int) -> Double {
        let gain = (2.0 / (1.0 + 5.0)).squareRoot()
        return 3.0.squareRoot() * (gain / Double(fanIn).squareRoot())
    }

    /// Fills `weight` (fan_in = in·k·k, fan_out = out·k·k) then `bias`, in that order, from `random`.
    func fill(weight: Tensor, bias: Tensor?, fanIn: Int, fanOut: Int, random: inout Random) {
        let w = weight.data
        switch self {
        case .pytorch:
            let bound = Float(Self.pytorchWeightBound(fanIn: fanIn))
            for i in 0..<weight.count { w[i] = random.uniform(-bound, bound) }
        case .xavierUniform:
            let bound = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
            for i in 0..<weight.count { w[i] = random.uniform(-bound, bound) }
        case .kaimingNormal:
            let std = Float((2.0 / Double(fanIn)).squareRoot())
            for i in 0..<weight.count { w[i] = std * random.normal() }
        }
        guard let bias else { return }
        switch self {
        case .pytorch:
            let bound = Float(1.0 / Double(fanIn).squareRoot())
            for i in 0..<bias.count { bias.data[i] = random.uniform(-bound, bound) }
        case .xavierUniform, .kaimingNormal:
            bias.zero()
        }
    }
}
