import ArgumentParser
import Builder
import Export
import Foundation
import Reports
import Spec
import Training

/// `runner export CONFIG --weights FILE --onnx OUT` or `runner export RESULTS_DIR/TRIAL --onnx OUT`.
struct ExportModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a trained network as an ONNX model (evaluation mode, input `input` [batch, C, H, W], output `logits`).",
        discussion: """
            Give a trial folder (its config.yaml and model.safetensors are used) or a config and --weights.
            The preprocessing the input needs (resize, pad, normalize) is in the model's metadata_props.
            Exit status: 0 written, 2 bad input or a layer ONNX cannot express (nothing written).
            """)

    @Argument(help: "A trial folder (results/NAME-seedN), or an experiment YAML file and key.path=value overrides.")
    var inputs: [String] = []

    @Option(help: "safetensors checkpoint (default: model.safetensors in the trial folder).")
    var weights: String?

    @Option(help: "ONNX file to write.")
    var onnx: String

    @Option(help: "ONNX opset (\(OnnxExporter.opsets.lowerBound)–\(OnnxExporter.opsets.upperBound); Gelu is decomposed below 20, layernorm needs 17).")
    var opset: Int = Int(OnnxExporter.defaultOpset)

    @Option(help: "Which seed's trial to use when the config expands to several (default: the first).")
    var seed: UInt64?

    func run() throws {
        let (arguments, weightsPath) = trialFolderArguments(inputs, weights: weights)
        guard let weightsPath else {
            report(SpecError("expected --weights FILE (or a trial folder holding model.safetensors)", path: "--weights"))
            throw ExitCode(2)
        }
        let trials = try loadTrials(arguments)
        let trial = try chooseTrial(trials, seed: seed, source: inputs.joined(separator: " "))
        let plan = try planTrials([trial])[0]
        do {
            let data = try normalizedData(trial, weights: weightsPath, command: "export")
            let file = try Safetensors.read(path: weightsPath)
            let network = NetworkBuilder.build(plan, initScheme: trial.spec.initScheme, seed: trial.spec.train.seed,
                                               maxBatch: 1, threads: 1)
            if let mismatch = Safetensors.firstMismatch(file, expected: ModelWeights.expected(for: network)) {
                throw ReportError(mismatch)
            }
            let model = try OnnxExporter.model(plan: plan, weights: file, metadata: Self.metadata(trial, data: data, plan: plan, weights: file),
                                               opset: Int64(opset), graphName: trial.slug)
            try AtomicFile.write(try model.serializedData(), to: onnx)
            print("runner: wrote \(onnx) (\(trial.spec.name), seed \(trial.spec.train.seed); opset \(opset), \(model.graph.node.count) nodes, \(plan.parameterCount) parameters)")
        } catch {
            report(error)
            throw ExitCode(2)
        }
    }

    /// What a user of the file needs besides the graph: preprocessing, class names, provenance.
    static func metadata(_ trial: Trial, data: DataSpec, plan: NetworkPlan, weights: SafetensorsFile) -> [(String, String)] {
        let classes = "[" + trial.dataset.classes.map(JSONText.quoted).joined(separator: ", ") + "]"
        var entries = OnnxExporter.preprocessingMetadata(data, inputShape: plan.inputShape)
        entries.append(("classes", classes))
        entries.append(("dataset_path", trial.spec.data.path))
        entries.append(("trial", "\(trial.spec.name) (seed \(trial.spec.train.seed))"))
        if let hash = weights.metadata["config_hash"] { entries.append(("config_hash", hash)) }
        if let epoch = weights.metadata["selected_epoch"] { entries.append(("selected_epoch", epoch)) }
        return entries
    }
}
