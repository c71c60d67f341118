import ArgumentParser
import Builder
import Data
import Engine
import Foundation
import Reports
import Spec
import Training

/// `runner predict CONFIG|TRIAL [KEY=VALUE...] [--weights FILE] INPUTS...`: class probabilities
/// for image files or NumPy arrays.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify PNG/JPEG images or the images of an .npy/.npz with a trained network: class names and probabilities.",
        discussion: """
            The first argument is a trial folder (its config.yaml and model.safetensors) or an experiment file; \
            arguments with '=' are key.path=value overrides of it, the others are inputs (or give them with --input). \
            Each input is brought to the network's input the way the training images were: converted to the \
            dataset's channels, resized Pillow-exactly to data.resize when the experiment resizes (else it must have \
            the dataset's size), padded by data.pad, normalized with data.normalize (for normalize: auto, the values \
            the trial computed, from the metrics.json beside the weights). An .npz's images are its array x, else \
            x_test, else its only array (or --array NAME); an array is (N, H, W), (N, H, W, C) or (N, C, H, W), \
            uint8 or float32, or one image (H, W) or (H, W, C).
            Exit status: 0 printed, 2 bad input (one line, nothing printed on standard output).
            """)

    @Argument(help: "A trial folder or experiment YAML file, key.path=value overrides, then the input files.")
    var arguments: [String] = []

    @Option(name: .customLong("input"), help: "An input file (repeatable; also for a path containing '=').")
    var extraInputs: [String] = []

    @Option(help: "safetensors checkpoint (default: model.safetensors in the trial folder, or the config's model.init_from weights).")
    var weights: String?

    @Option(help: "Which seed's trial to use when the config expands to several (default: the first).")
    var seed: UInt64?

    @Option(help: "The array of an .npz holding the images (default: x, else x_test, else its only array).")
    var array: String?

    @Option(help: "Classes shown per input in the text answer, most probable first.")
    var top = 3

    @Flag(help: "Print one JSON object (every input's class and all class probabilities) instead of text.")
    var json = false

    func run() throws {
        guard let config = arguments.first else {
            report(SpecError("expected a trial folder or an experiment file, then the inputs", path: "arguments"))
            throw ExitCode(2)
        }
        let rest = arguments.dropFirst()
        let overrides = rest.filter { $0.contains("=") }
        let inputs = rest.filter { !$0.contains("=") } + extraInputs
        guard !inputs.isEmpty else {
            report(SpecError("expected at least one input file (PNG, JPEG, .npy or .npz)", path: "inputs"))
            throw ExitCode(2)
        }
        guard top >= 1 else {
            report(SpecError("expected a positive number of classes, found \(top)", path: "--top"))
            throw ExitCode(2)
        }
        let (configArguments, folderWeights) = trialFolderArguments([config] + overrides, weights: weights)
        let trials = try loadTrials(configArguments)
        let trial = try chooseTrial(trials, seed: seed, source: config)
        guard let weightsPath = folderWeights ?? trial.spec.warmStart?.weights else {
            report(SpecError("expected --weights FILE, a trial folder holding model.safetensors, or a config with model.init_from",
                             path: "--weights"))
            throw ExitCode(2)
        }
        let plan = try planTrials([trial])[0]
        do {
            let answer = try predict(trial: trial, plan: plan, weights: weightsPath, inputs: inputs)
            if json {
                print(String(decoding: try ReportJSON.encode(answer), as: UTF8.self))
            } else {
                printText(answer)
            }
        } catch {
            report(error)
            throw ExitCode(2)
        }
    }

    struct Prediction: Encodable {
        var input: String
        var label: Int
        var `class`: String
        var probability: Double
        /// One per class, in label order.
        var probabilities: [Double]
    }

    struct Answer: Encodable {
        var name: String
        var seed: UInt64
        var weights: String
        var classes: [String]
        var predictions: [Prediction]
    }

    private func predict(trial: Trial, plan: NetworkPlan, weights: String, inputs: [String]) throws -> Answer {
        let shape = trial.dataset.sampleShape
        guard shape.count == 3 else {
            throw ReportError("\(trial.configFile): runner predict classifies images; this experiment's samples are feature vectors (\(shape[0]) features)")
        }
        let data = try normalizedData(trial, weights: weights, command: "predict")
        let geometry = PredictionInputs.Geometry(channels: shape[0], height: shape[1], width: shape[2], resize: data.resize, pad: data.pad)
        let loaded = try PredictionInputs.load(inputs, geometry: geometry, array: array)
        let file = try Safetensors.read(path: weights)
        let batch = min(64, max(loaded.images.count, 1))
        let network = NetworkBuilder.build(plan, initScheme: trial.spec.initScheme, seed: trial.spec.train.seed,
                                           maxBatch: batch, threads: 1)
        try ModelWeights.load(file, into: network)

        let table = ImageTransform.lookupTable(mean: data.mean.map(Float.init), std: data.std.map(Float.init), channels: shape[0])
        let sample = loaded.images.channels * loaded.images.rows * loaded.images.cols
        let plane = loaded.images.rows * loaded.images.cols
        let classes = network.classes
        let input = Tensor(shape: [batch] + geometry.inputShape)
        var predictions: [Prediction] = []
        predictions.reserveCapacity(loaded.images.count)
        var start = 0
        while start < loaded.images.count {
            let n = min(batch, loaded.images.count - start)
            loaded.images.images.withUnsafeBufferPointer { bytes in
                for i in 0..<(n * sample) {
                    let channel = (i % sample) / plane
                    input.data[i] = table[channel * 256 + Int(bytes[start * sample + i])]
                }
            }
            let logits = network.forward(input.data, batch: n, training: false)
            for i in 0..<n {
                let row = (0..<classes).map { Double(logits[i * classes + $0]) }
                let high = row.max() ?? 0
                let exps = row.map { Foundation.exp($0 - high) }
                let total = exps.reduce(0, +)
                let probabilities = exps.map { $0 / total }
                var best = 0
                for k in 1..<max(classes, 1) where row[k] > row[best] { best = k }
                let name = best < trial.dataset.classes.count ? trial.dataset.classes[best] : String(best)
                predictions.append(Prediction(input: loaded.names[start + i], label: best, class: name,
                                              probability: probabilities[best], probabilities: probabilities))
            }
            start += n
        }
        return Answer(name: trial.spec.name, seed: trial.spec.train.seed, weights: weights, classes: trial.dataset.classes,
                      predictions: predictions)
    }

    /// `shirt.png  Shirt 91.20 %  ·  T-shirt/top 6.03 %  ·  Pullover 1.10 %`
    private func printText(_ answer: Answer) {
        print("\(answer.name) (seed \(answer.seed)) with \(answer.weights)")
        let width = min(answer.predictions.map { SafeText.printable($0.input).count }.max() ?? 0, 60)
        for p in answer.predictions {
            let ranked = p.probabilities.indices.sorted { (p.probabilities[$0], $1) > (p.probabilities[$1], $0) }.prefix(top)
            let shown = ranked.map { k in
                let name = k < answer.classes.count ? answer.classes[k] : String(k)
                return "\(SafeText.printable(name)) \(String(format: "%.2f", 100 * p.probabilities[k])) %"
            }
            let name = SafeText.printable(p.input)
            print("  " + name + String(repeating: " ", count: max(0, width - name.count)) + "  " + shown.joined(separator: "  ·  "))
        }
    }
}
