import ArgumentParser
import Foundation
import Engine
import Reports
import Spec
import Training

/// `runner bench CONFIG`: epoch time, throughput, GFLOP/s, peak memory and a per-layer profile.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training speed of a config: seconds per epoch (train + evaluation), images/s, GFLOP/s, peak memory, per-layer times.",
        discussion: "Build with -c release. Timings are of full epochs on the config's data (use data.train_limit=N for a subset).")

    @Argument(help: "Experiment YAML file and key.path=value overrides.")
    var inputs: [String] = []

    @Option(help: "Epochs to time (the first is reported separately as warm-up when N > 1).")
    var epochs = 3

    @Option(help: "Engine threads (overrides train.threads).")
    var threads: Int?

    @Option(help: "Batches to profile per layer after the timed epochs.")
    var profileBatches = 200

    @Flag(help: "Per-layer times in process CPU seconds instead of wall seconds (steadier while other jobs share the cores; with --threads 1 each layer's own CPU time).")
    var cpuTime = false

    @Flag(help: "Print one JSON object with the headline figures instead of text.")
    var json = false

    func run() throws {
        let trial = try loadTrials(inputs + (threads.map { ["train.threads=\($0)"] } ?? []))[0]
        let plan = try planTrials([trial])[0]
        let say: (String) -> Void = { [json] line in if !json { print(line) } }
        let runner: TrialRunner
        do {
            let data = try PreparedData.load(trial.spec.data)
            runner = try TrialRunner(trial: trial, plan: plan, data: data, folder: NSTemporaryDirectory())
        } catch {
            report(error)
            throw ExitCode(2)
        }
        let spec = trial.spec
        say("bench: \(spec.name), batch \(spec.train.batchSize), \(spec.train.threads) threads, \(runner.model.kernels.rawValue) kernels, \(spec.train.optimizer.kind.rawValue), \(plan.parameterCount) parameters, \(String(format: "%.3f", Double(plan.flops) / 1e6)) MFLOP forward per image")
        var rows: [(train: Double, eval: Double, trainImages: Int, evalImages: Int)] = []
        for e in 0..<max(epochs, 1) {
            let r = runner.timedEpoch(e)
            rows.append((r.train, r.eval, r.trainImages, r.evalImages))
            say(String(format: "  epoch %d: %.3f s (train %.3f s for %d images + eval %.3f s for %d images), loss %.4f",
                         e + 1, r.train + r.eval, r.train, r.trainImages, r.eval, r.evalImages, r.loss))
        }
        let timed = rows.count > 1 ? Array(rows.dropFirst()) : rows
        let train = timed.map(\.train).reduce(0, +) / Double(timed.count)
        let eval = timed.map(\.eval).reduce(0, +) / Double(timed.count)
        let trainImages = Double(timed[0].trainImages), evalImages = Double(timed[0].evalImages)
        let flops = Double(plan.flops) * (3 * trainImages + evalImages)
        say(String(format: "epoch: %.3f s (train %.3f s + eval %.3f s)%@", train + eval, train, eval,
                     rows.count > 1 ? ", mean of epochs 2–\(rows.count)" : ""))
        say(String(format: "throughput: %.0f train images/s, %.0f eval images/s, %.1f GFLOP/s (≈3× forward FLOPs per training image)",
                     trainImages / train, evalImages / eval, flops / (train + eval) / 1e9))
        say("peak resident memory: \(peakResidentMB()) MB")
        if json {
            let fields: [(String, String)] = [
                ("variant", JSONText.quoted(spec.name)), ("threads", "\(spec.train.threads)"),
                ("kernels", JSONText.quoted(runner.model.kernels.rawValue)),
                ("batch_size", "\(spec.train.batchSize)"), ("train_images", "\(Int(trainImages))"),
                ("eval_images", "\(Int(evalImages))"), ("epochs", "\(rows.count)"),
                ("epoch_s", "\(train + eval)"), ("train_s", "\(train)"), ("eval_s", "\(eval)"),
                ("img_per_s", "\(trainImages / train)"), ("gflop_per_s", "\(flops / (train + eval) / 1e9)"),
                ("peak_rss_mb", "\(peakResidentMB())"),
            ]
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
            return
        }
        let profile = runner.profile(batches: profileBatches, cpuTime: cpuTime)
        say("\nper-layer \(cpuTime ? "CPU" : "wall") time per batch of \(spec.train.batchSize) (forward | backward, ms), \(profileBatches) profiled training batches:")
        let total = profile.reduce(0) { $0 + $1.forward + $1.backward }
        say("  layer            type          forward   backward   share")
        let fused = Set(runner.fusedNodes)
        for p in profile {
            let share = total > 0 ? 100 * (p.forward + p.backward) / total : 0
            let times = fused.contains(p.name)
                ? "   (fused: runs inside the layer that produces its input)"
                : String(format: " %8.3f   %8.3f   %5.1f %%", 1000 * p.forward, 1000 * p.backward, share)
            say("  " + p.name.padding(toLength: 16, withPad: " ", startingAt: 0) + " "
                  + p.type.padding(toLength: 12, withPad: " ", startingAt: 0) + times)
        }
    }

    private func peakResidentMB() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) / 1024
    }
}
