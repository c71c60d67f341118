/// Shape, parameter and cost rules per layer kind. Shapes are per sample: `[C, H, W]` for
/// images, `[F]` for vectors.
///
/// FLOPs count a multiply-add as 2: convolution and linear layers count their multiply-adds
/// (plus one add per output for the bias); pooling counts one op per window element read;
/// activations and dropout one op per element; batch norm 2 per element (one multiply-add
/// once the statistics are folded into a scale and shift); `add` one op per element per extra
/// input; `flatten` and `concat` are free.
extension LayerKind {
    /// Why an input does not fit the layer.
    enum ShapeProblem: Error {
        /// Input 0 has the wrong rank; the text says what is expected (`a vector input`).
        case expects(String, hint: String)
        /// Input 0 is spatially smaller than the window.
        case tooSmall(window: Int, padding: Int)
        /// Inputs disagree; the text says how they should agree.
        case mismatch(String)
    }

    /// The output shape for `inputs` (already counted by the caller: one input, or two or more).
    func outputShape(_ inputs: [[Int]]) -> Result<[Int], ShapeProblem> {
        let x = inputs.first ?? []
        switch self {
        case let .conv2d(out, kernel, stride, padding, _):
            guard x.count == 3 else { return .failure(.expects("an image input [C, H, W]", hint: "")) }
            let padded = (Saturating.sum(x[1], Saturating.product(2, padding)), Saturating.sum(x[2], Saturating.product(2, padding)))
            guard padded.0 >= kernel, padded.1 >= kernel else {
                return .failure(.tooSmall(window: kernel, padding: padding))
            }
            return .success([out, (padded.0 - kernel) / stride + 1, (padded.1 - kernel) / stride + 1])
        case let .maxpool2d(kernel, stride), let .avgpool2d(kernel, stride):
            guard x.count == 3 else { return .failure(.expects("an image input [C, H, W]", hint: "")) }
            guard x[1] >= kernel, x[2] >= kernel else { return .failure(.tooSmall(window: kernel, padding: 0)) }
            return .success([x[0], (x[1] - kernel) / stride + 1, (x[2] - kernel) / stride + 1])
        case let .linear(out, _):
            guard x.count == 1 else { return .failure(.expects("a vector input", hint: " (add a flatten layer)")) }
            return .success([out])
        case .batchnorm1d:
            guard x.count == 1 else { return .failure(.expects("a vector input", hint: " (use batchnorm2d for images)")) }
            return .success(x)
        case .batchnorm2d:
            guard x.count == 3 else { return .failure(.expects("an image input [C, H, W]", hint: " (use batchnorm1d for vectors)")) }
            return .success(x)
        case .relu, .tanh, .sigmoid, .dropout:
            return .success(x)
        case .flatten:
            return .success([Saturating.product(x)])
        case .add:
            guard inputs.allSatisfy({ $0 == x }) else { return .failure(.mismatch("inputs of equal shape")) }
            return .success(x)
        case .concat:
            let rest = { (s: [Int]) in Array(s.dropFirst()) }
            guard inputs.allSatisfy({ $0.count == x.count && rest($0) == rest(x) }) else {
                return .failure(.mismatch(x.count == 3 ? "inputs of equal spatial size" : "inputs of equal rank"))
            }
            return .success([inputs.reduce(0) { Saturating.sum($0, $1.first ?? 0) }] + rest(x))
        }
    }

    /// Trainable scalars for an input of shape `x` (the first input).
    func parameterCount(input x: [Int]) -> Int {
        let channels = x.first ?? 0
        switch self {
        case let .conv2d(out, kernel, _, _, bias): return Saturating.sum(Saturating.product(out, channels, kernel, kernel), bias ? out : 0)
        case let .linear(out, bias): return Saturating.sum(Saturating.product(out, channels), bias ? out : 0)
        case .batchnorm1d, .batchnorm2d: return 2 * channels
        default: return 0
        }
    }

    /// Forward FLOPs per sample (see the type's notes for the counting rules).
    func flops(inputs: [[Int]], output: [Int]) -> Int {
        let elements = Saturating.product(output)
        let channels = inputs.first?.first ?? 0
        switch self {
        case let .conv2d(_, kernel, _, _, bias):
            return Saturating.product(elements, Saturating.sum(Saturating.product(2, channels, kernel, kernel), bias ? 1 : 0))
        case let .linear(_, bias): return Saturating.product(elements, Saturating.sum(Saturating.product(2, channels), bias ? 1 : 0))
        case let .maxpool2d(kernel, _), let .avgpool2d(kernel, _): return Saturating.product(elements, kernel, kernel)
        case .relu, .tanh, .sigmoid, .dropout: return elements
        case .batchnorm1d, .batchnorm2d: return Saturating.product(2, elements)
        case .add: return Saturating.product(elements, max(inputs.count - 1, 0))
        case .flatten, .concat: return 0
        }
    }
}
