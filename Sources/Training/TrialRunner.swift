import Data
import Engine
import Foundation
import Builder
import Reports
import Spec

/// Version of the numerics: part of every trial's cache key. Bump it whenever a change to the
/// engine, data pipeline or trainer can change results, so cached trials are rerun.
public let engineVersion = "2"

/// How a trial ended.
public enum TrialStatus: Equatable, Sendable, CustomStringConvertible {
    case completed
    case diverged(epoch: Int)
    case interrupted(epoch: Int)
    /// Stopped at a successive-halving rung's epochs; `note` says which (`rung 1 of 3`).
    case paused(epoch: Int, note: String)

    public var description: String {
        switch self {
        case .completed: "completed"
        case let .diverged(e): "diverged at epoch \(e)"
        case let .interrupted(e): "interrupted at epoch \(e)"
        case let .paused(e, note): "paused at epoch \(e) (\(note))"
        }
    }
}

/// Trains one trial: builds the network, runs the epochs, evaluates, selects the checkpoint,
/// saves a resumable state after every epoch, and writes the trial folder.
public final class TrialRunner {
    public let trial: Trial
    public let plan: NetworkPlan
    public let data: PreparedData
    public let folder: String
    /// Cache key: resolved config + dataset checksum + engine version.
    public let trialHash: String
    public var progress: ProgressReporter?
    /// Polled after every batch; when it returns true the trial stops after that batch.
    public var shouldStop: () -> Bool = { Interrupt.requested }
    /// Polled before every batch and evaluation: the engine threads the trial may use now (clamped to
    /// 1...the `maxThreads` it was built for). A sweep widens its last trials onto freed cores; the
    /// results do not depend on it (see `Network`).
    public var threadAllowance: (() -> Int)?
    /// Train only up to this many epochs (a successive-halving rung), then write the records with
    /// status `paused at epoch E (note)` and keep the checkpoint, so a later run continues from it.
    /// The trial's config, schedule and numerics are those of the full `train.epochs`.
    public var pause: (epochs: Int, note: String)?

    private let spec: ExperimentSpec
    private let network: Network
    private let optimizer: any Optimizer
    /// The parameters the optimizer and the L2 penalty see (all but `train.freeze`'s).
    private let trainable: [Parameter]
    private let schedule: LRSchedule
    private let best: Snapshot
    private let splits: TrialSplits
    private let trainLoader: BatchLoader
    private let valLoader: BatchLoader
    private let testLoader: BatchLoader
    private let trainBuffers: BatchBuffers
    private let evalBuffers: BatchBuffers
    private var shuffleRandom: Random

    public static let evalBatchSize = MemoryEstimate.evaluationBatch

    /// `maxThreads`: the most engine threads `threadAllowance` may grant (at least `train.threads`,
    /// which the trial starts with).
    public init(trial: Trial, plan: NetworkPlan, data: PreparedData, folder: String, maxThreads: Int = 1) throws {
        self.trial = trial
        self.plan = plan
        self.data = data
        self.folder = folder
        spec = trial.spec
        trialHash = try TrialRunner.hash(trial: trial, fingerprint: data.fingerprint)
        let t = spec.train
        splits = try TrialSplits(spec: spec, data: data)
        // A batch larger than the training split is the whole split: allocate for what it will see.
        let trainBatch = max(1, min(t.batchSize, splits.train.count))
        network = NetworkBuilder.build(plan, initScheme: spec.initScheme, seed: t.seed,
                                       maxBatch: max(trainBatch, Self.evalBatchSize), threads: max(t.threads, maxThreads),
                                       gradientBatch: trainBatch)
        network.activeThreads = t.threads
        if let warmStart = spec.warmStart { try WarmStartWeights.load(warmStart, into: network) }
        trainable = WarmStartWeights.trainable(network.parameters, freeze: t.freeze)
        var cycles = false
        if case let .oneCycle(o) = t.schedule { cycles = o.cycleMomentum }
        optimizer = makeOptimizer(t.optimizer, parameters: trainable, cyclesMomentum: cycles)
        let batches = (splits.train.count + trainBatch - 1) / trainBatch
        schedule = LRSchedule(spec: t.schedule, baseLR: t.optimizer.lr, epochs: t.epochs, warmup: t.warmup, stepsPerEpoch: batches)
        best = Snapshot(of: network)
        normalization = spec.data.autoNormalize ? data.statistics(of: splits.train) : (spec.data.mean, spec.data.std)
        let mean = normalization.mean.map(Float.init), std = normalization.std.map(Float.init)
        trainLoader = data.loader(data.train, indices: splits.train, batchSize: trainBatch, mean: mean, std: std,
                                  augmentation: Augmentation(ops: spec.data.augment, seed: t.seed))
        valLoader = data.loader(data.validation ?? data.train, indices: splits.validation, batchSize: Self.evalBatchSize, mean: mean, std: std)
        testLoader = data.loader(data.test, indices: splits.test, batchSize: Self.evalBatchSize, mean: mean, std: std)
        trainBuffers = BatchBuffers(batchSize: trainBatch, sampleShape: data.sampleShape)
        evalBuffers = BatchBuffers(batchSize: Self.evalBatchSize, sampleShape: data.sampleShape)
        shuffleRandom = Random(seed: t.seed, stream: "shuffle")
    }

    /// The `(x/255 − mean) / std` (feature vectors: `(x − mean) / std`) every loader of the trial
    /// applies, per channel or feature: `data.normalize`'s values, or for `normalize: auto` the
    /// training split's own statistics.
    public let normalization: (mean: [Double], std: [Double])

    /// The cache key of a trial on a dataset: its canonical YAML, the data's fingerprint, the
    /// engine version and, for a warm start, the weights file's SHA-256.
    public static func hash(trial: Trial, fingerprint: String) throws -> String {
        let weights = try trial.spec.warmStart.map { "# init_from: \(try WarmStartWeights.fingerprint($0))\n" } ?? ""
        return SHA256.hex(trial.canonicalYAML + "\n# data: \(fingerprint)\n# engine: \(engineVersion)\n" + weights)
    }

    /// The validation metric a `reduce_on_plateau` schedule watches, per finished epoch.
    private var monitoredMetrics: [Double] {
        guard case let .reduceOnPlateau(o) = spec.train.schedule else { return [] }
        return monitored(o.monitor)
    }

    /// A validation metric per finished epoch (what plateau schedules and early stopping watch).
    private func monitored(_ monitor: PlateauOptions.Monitor) -> [Double] {
        history.map { monitor == .valLoss ? $0.valLoss : $0.valAcc }
    }

    // MARK: - Training state that a checkpoint restores

    private var history: [EpochRecord] = []
    private var bestEpoch: Int?
    private var bestScore = -Double.infinity
    /// Seconds spent on this trial by earlier runs that were interrupted (from the checkpoint).
    private var elapsedBefore = 0.0
    /// Set when `train.early_stopping` ended the loop before `train.epochs`.
    private var stoppedEarly: String?

    /// Runs the remaining epochs (resuming from `checkpoint.safetensors` when it matches) and
    /// writes every output of the trial folder. Returns the trial's record.
    public func run() throws -> TrialRecord {
        let started = Date()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Until the new manifest lands, this folder holds no finished result.
        try TrialFolder.unmark(folder: folder)
        var resumed = 0
        switch try TrainingCheckpoint.restore(from: checkpointPath, trialHash: trialHash, into: self) {
        case .fresh: break
        case let .resumed(epochs, seconds):
            resumed = epochs
            elapsedBefore = seconds
        case let .unusable(reason):
            progress?.trialNotice(label, message: "\(reason); training from epoch 1")
        }
        let epochs = spec.train.epochs
        progress?.trialStarted(label, epochs: epochs, completedEpochs: resumed, folder: folder, pause: pause)

        var status = TrialStatus.completed
        var epoch = history.count
        while epoch < epochs {
            if let rule = spec.train.earlyStopping,
               let stop = rule.stop(after: monitored(rule.monitor)) {
                stoppedEarly = "stopped after epoch \(stop.epoch): \(stop.reason)"
                progress?.trialNotice(label, message: stoppedEarly!)
                break
            }
            if let pause, epoch >= pause.epochs {
                status = .paused(epoch: epoch, note: pause.note)
                break
            }
            let lr = schedule.lr(epoch: epoch, metrics: monitoredMetrics)
            optimizer.lr = lr
            let epochStart = Date()
            guard let train = trainEpoch(epoch: epoch) else {
                status = .interrupted(epoch: epoch + 1)
                break
            }
            guard train.loss.isFinite else {
                status = .diverged(epoch: epoch + 1)
                progress?.trialDiverged(label, epoch: epoch + 1, loss: train.loss)
                break
            }
            adjustThreads()
            let val = Evaluator.evaluate(network, valLoader, evalBuffers)
            let test = Evaluator.evaluate(network, testLoader, evalBuffers)
            if Cancellation.isRequested {
                // Evaluation was cut short: the epoch is not recorded and reruns on resume.
                status = .interrupted(epoch: epoch + 1)
                break
            }
            let seconds = Date().timeIntervalSince(epochStart)
            let record = EpochRecord(epoch: epoch + 1, trainLoss: train.loss, trainAcc: train.accuracy,
                                     valLoss: val.loss, valAcc: val.accuracy, testLoss: test.loss,
                                     testAcc: test.accuracy, lr: lr, seconds: seconds)
            history.append(record)
            select(record)
            epoch += 1
            progress?.epochEnded(EpochProgress(record, epochs: epochs), of: label)
            try TrainingCheckpoint.save(self, to: checkpointPath, seconds: elapsedBefore + Date().timeIntervalSince(started))
        }
        let record = try finish(status: status, seconds: elapsedBefore + Date().timeIntervalSince(started))
        if record.isCompleted {
            progress?.trialEnded(label, seconds: record.seconds, selectedEpoch: record.selectedEpoch ?? 0, testAcc: record.testAcc)
        }
        return record
    }

    private var label: TrialLabel { TrialLabel(trial) }

    /// One pass over the training split. Returns nil when a stop was requested, and a non-finite
    /// loss as soon as a batch's loss stops being finite.
    private func trainEpoch(epoch: Int) -> EvalResult? {
        trainLoader.shuffle(&shuffleRandom)
        trainLoader.epoch = epoch
        let params = trainable
        var lossSum = 0.0
        var correct = 0
        var seen = 0
        let batches = trainLoader.batchCount
        for b in 0..<batches {
            adjustThreads()
            let n = trainLoader.fill(batch: b, images: trainBuffers.images.data, labels: trainBuffers.labels)
            _ = network.forward(trainBuffers.images.data, batch: n, training: true)
            let r = network.loss(labels: trainBuffers.labels, batch: n, gradient: true,
                                 labelSmoothing: Float(spec.train.loss.labelSmoothing))
            network.backward(batch: n)
            // An interrupt inside the passes left them unfinished: never step on their gradients.
            if Cancellation.isRequested { return nil }
            let penalty = L2Penalty.apply(params)
            if let cycle = schedule.perStep(epoch * batches + b) {
                optimizer.lr = cycle.lr
                if let momentum = cycle.momentum { optimizer.momentum = momentum }
            }
            optimizer.step()
            let batchLoss = r.lossSum + penalty * Double(n)
            if !batchLoss.isFinite { return EvalResult(loss: batchLoss, accuracy: .nan, count: seen + n) }
            lossSum += batchLoss
            correct += r.correct
            seen += n
            progress?.batchProgress(done: b + 1, of: batches, epoch: epoch + 1, epochs: spec.train.epochs)
            if shouldStop() { return nil }
        }
        return EvalResult(loss: lossSum / Double(max(seen, 1)), accuracy: Double(correct) / Double(max(seen, 1)), count: seen)
    }

    /// Follows `threadAllowance` (between passes, where the engine allows a change).
    @inline(__always)
    private func adjustThreads() {
        guard let threadAllowance else { return }
        let threads = min(max(threadAllowance(), 1), network.threads)
        if threads != network.activeThreads { network.activeThreads = threads }
    }

    /// Keeps the epoch's weights when they are the best so far by the configured metric.
    private func select(_ r: EpochRecord) {
        let score: Double
        switch spec.train.select {
        case .valAcc: score = r.valAcc
        case .valLoss: score = -r.valLoss
        case .testAcc: score = r.testAcc
        case .last: score = Double(r.epoch)
        }
        if bestEpoch == nil || score > bestScore {
            bestScore = score
            bestEpoch = r.epoch
            best.capture()
        }
    }

    /// Writes the selected checkpoint and the trial's reports; removes the resume state when complete.
    private func finish(status: TrialStatus, seconds: Double) throws -> TrialRecord {
        var record = TrialRecord(
            name: "\(spec.name) (seed \(spec.train.seed))", variant: spec.name, slug: trial.slug,
            configFile: trial.configFile, configHash: trial.hash, seed: spec.train.seed,
            epochs: spec.train.epochs, completedEpochs: history.count, selectedEpoch: bestEpoch,
            selectedOn: spec.train.select.rawValue, trainAcc: nil, valAcc: nil, testAcc: nil,
            finalTrainAcc: history.last?.trainAcc, finalTestAcc: history.last?.testAcc,
            parameters: plan.parameterCount, seconds: seconds,
            imagesPerSecond: Double(history.count * splits.train.count) / max(history.reduce(0) { $0 + $1.seconds }, 1e-9),
            status: status.description, baseline: spec.baseline, validationImages: splits.validation.count)
        if status == .completed { record.stoppedEarly = stoppedEarly }
        if spec.data.autoNormalize { record.normalization = NormalizationRecord(mean: normalization.mean, std: normalization.std) }
        if status == .completed, bestEpoch != nil {
            best.restore()
            let selected = evaluateAll()
            if Cancellation.isRequested {
                // Interrupted in the final evaluation: nothing is final; the resume redoes it.
                return try finish(status: .interrupted(epoch: history.count), seconds: seconds)
            }
            record.trainAcc = selected.train.accuracy
            record.valAcc = selected.validation.accuracy
            record.testAcc = selected.test.accuracy
            let confusion = testConfusion()
            if Cancellation.isRequested {
                return try finish(status: .interrupted(epoch: history.count), seconds: seconds)
            }
            record.testConfusion = confusion
            record.testPerClass = ClassResult.from(confusion: confusion, classes: trial.dataset.classes)
            let weights = Safetensors.write(tensors: ModelWeights.tensors(of: network), metadata: [
                "trial": record.name, "config_hash": trial.hash, "selected_epoch": String(bestEpoch!),
                "selected_on": spec.train.select.rawValue, "engine_version": engineVersion,
            ])
            try AtomicFile.write(weights, to: path("model.safetensors"))
        }
        try AtomicFile.write(trial.canonicalYAML, to: path("config.yaml"))
        try ReportBuilder.writeTrial(record: record, history: history, dir: folder)
        // Last: the hash, then the manifest that makes the folder a finished (cached) result.
        try AtomicFile.write(trialHash + "\n", to: path(TrialFolder.hashName))
        if status != .completed {
            // No selected model: weights left by an earlier run of another config must not stay.
            try AtomicFile.remove(path(TrialFolder.weightsName))
        }
        switch status {
        case .interrupted: break
        case .paused:
            // Verified like a finished folder, resumable like an interrupted one.
            try TrialFolder.writeManifest(folder: folder, trialHash: trialHash, completed: false)
        case .completed, .diverged:
            try TrialFolder.writeManifest(folder: folder, trialHash: trialHash, completed: status == .completed)
            try AtomicFile.remove(checkpointPath)
        }
        return record
    }

    /// One training epoch and the validation and test passes, timed separately (for `runner bench`).
    public func timedEpoch(_ epoch: Int) -> (train: Double, eval: Double, trainImages: Int, evalImages: Int, loss: Double) {
        optimizer.lr = schedule.lr(epoch: epoch, metrics: monitoredMetrics)
        let t0 = Date()
        let train = trainEpoch(epoch: epoch)
        let t1 = Date()
        let val = Evaluator.evaluate(network, valLoader, evalBuffers)
        let test = Evaluator.evaluate(network, testLoader, evalBuffers)
        let t2 = Date()
        return (t1.timeIntervalSince(t0), t2.timeIntervalSince(t1), train?.count ?? 0, val.count + test.count, train?.loss ?? .nan)
    }

    /// Estimated seconds of one epoch — the training pass and the validation and test passes —
    /// from `batches` timed training steps (forward, loss, backward, optimizer step) and `batches`
    /// evaluation batches, each after one untimed warm-up batch, scaled to the splits' batch counts
    /// (`runner plan`). The steps change this runner's weights: use a throwaway runner.
    /// `budget`: seconds after which each of the two timings stops early (after at least one timed
    /// batch); a requested interruption stops them too.
    public func calibrateEpochSeconds(batches: Int, budget: Double = .infinity) -> (seconds: Double, trainImages: Int, evalImages: Int) {
        /// Seconds per batch of `step` over batches 1...count of `total`, after batch 0 as warm-up.
        func perBatch(total: Int, _ step: (Int) -> Void) -> Double {
            let count = min(batches, total - 1)
            guard count > 0, !Cancellation.isRequested else { return 0 }
            step(0)
            let t0 = Date()
            var timed = 0
            for b in 1...count {
                step(b)
                timed += 1
                if Cancellation.isRequested || Date().timeIntervalSince(t0) > budget { break }
            }
            return Date().timeIntervalSince(t0) / Double(timed)
        }
        let train = perBatch(total: trainLoader.batchCount) { b in
            let n = trainLoader.fill(batch: b, images: trainBuffers.images.data, labels: trainBuffers.labels)
            _ = network.forward(trainBuffers.images.data, batch: n, training: true)
            _ = network.loss(labels: trainBuffers.labels, batch: n, gradient: true,
                             labelSmoothing: Float(spec.train.loss.labelSmoothing))
            network.backward(batch: n)
            _ = L2Penalty.apply(trainable)
            optimizer.step()
        }
        let loader = testLoader.batchCount > 0 ? testLoader : valLoader
        let eval = perBatch(total: loader.batchCount) { b in
            let n = loader.fill(batch: b, images: evalBuffers.images.data, labels: evalBuffers.labels)
            _ = network.forward(evalBuffers.images.data, batch: n, training: false)
            _ = network.loss(labels: evalBuffers.labels, batch: n, gradient: false)
        }
        return (train * Double(trainLoader.batchCount) + eval * Double(valLoader.batchCount + testLoader.batchCount),
                splits.train.count, splits.validation.count + splits.test.count)
    }

    /// Per-layer forward and backward seconds per batch over `batches` training batches.
    /// Nodes that run inside the layer before them (a fused ReLU or pooling): they have no times.
    public var fusedNodes: [String] { network.fusedNodes }

    /// `cpuTime`: in process CPU seconds (`Network.profileCPUTime`).
    public func profile(batches: Int, cpuTime: Bool = false) -> [(name: String, type: String, forward: Double, backward: Double)] {
        network.resetProfile()
        network.profiling = true
        network.profileCPUTime = cpuTime
        defer { network.profiling = false; network.profileCPUTime = false }
        let n = min(batches, trainLoader.batchCount)
        for b in 0..<n {
            let size = trainLoader.fill(batch: b, images: trainBuffers.images.data, labels: trainBuffers.labels)
            _ = network.forward(trainBuffers.images.data, batch: size, training: true)
            _ = network.loss(labels: trainBuffers.labels, batch: size, gradient: true,
                             labelSmoothing: Float(spec.train.loss.labelSmoothing))
            network.backward(batch: size)
        }
        return network.profile.map { ($0.name, $0.type, $0.forward / Double(max(n, 1)), $0.backward / Double(max(n, 1))) }
    }

    /// Evaluation-mode loss and accuracy of the network's current weights on the three splits.
    public func evaluateAll() -> (train: EvalResult, validation: EvalResult, test: EvalResult) {
        let trainEval = data.loader(data.train, indices: splits.train, batchSize: Self.evalBatchSize,
                                    mean: normalization.mean.map(Float.init), std: normalization.std.map(Float.init))
        return (Evaluator.evaluate(network, trainEval, evalBuffers),
                Evaluator.evaluate(network, valLoader, evalBuffers),
                Evaluator.evaluate(network, testLoader, evalBuffers))
    }

    /// The test split's confusion matrix with the network's current weights (`[true][predicted]`).
    public func testConfusion() -> [[Int]] { Evaluator.confusion(network, testLoader, evalBuffers) }

    /// The network being trained (for `runner eval`, which loads weights into it).
    public var model: Network { network }

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
    var checkpointPath: String { path("checkpoint.safetensors") }

    // MARK: - State for TrainingCheckpoint

    struct State {
        var history: [EpochRecord]
        var bestEpoch: Int?
        var bestScore: Double
        var shuffle: [UInt64]
        var dropout: [UInt64]
    }

    var state: State {
        get { State(history: history, bestEpoch: bestEpoch, bestScore: bestScore,
                    shuffle: shuffleRandom.stateWords, dropout: network.dropoutRandom.stateWords) }
        set {
            history = newValue.history
            bestEpoch = newValue.bestEpoch
            bestScore = newValue.bestScore
            shuffleRandom = Random(state: newValue.shuffle)
            network.dropoutRandom = Random(state: newValue.dropout)
        }
    }
    var networkForCheckpoint: Network { network }
    var optimizerForCheckpoint: any Optimizer { optimizer }
    var bestSnapshot: Snapshot { best }
}
