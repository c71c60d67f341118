import Foundation

/// Command-line inputs of the runner: experiment files (shell-style globs expanded here too, so
/// a pattern that matches nothing is an error) and `KEY=VALUE` overrides, told apart by the `=`.
public struct ExperimentArguments: Sendable {
    public var files: [String] = []
    public var overrides: [String] = []
    /// Missing files and globs matching nothing, as errors without a mark
    /// (`no such file: experiments/nope.yaml`); `load` reports them with the files' errors.
    public var problems: [SpecError] = []

    /// Splits and checks `arguments`.
    public init(_ arguments: [String]) {
        var log = ErrorLog()
        for argument in arguments {
            if argument.contains("=") {
                overrides.append(argument)
            } else if argument.contains(where: { "*?[".contains($0) }) {
                let matches = Self.glob(argument)
                if matches.isEmpty { log.add("no such file: \(argument)", at: nil) }
                files += matches
            } else if Self.isFile(argument) {
                files.append(argument)
            } else if Self.isDirectory(argument) {
                log.add("\(argument): is a directory, expected a YAML file", at: nil)
            } else {
                log.add("no such file: \(argument)", at: nil)
            }
        }
        if files.isEmpty && log.isEmpty { log.add("no experiment files given", at: nil) }
        problems = log.errors
    }

    /// Loads every file with the overrides; throws the argument problems and the errors of all
    /// files together.
    /// `maxTrials` bounds each file's expansion and all files' trials together.
    public func load(seeds: Int? = nil, maxTrials: Int = ExperimentLoader.defaultMaxTrials,
                     datasets: any DatasetDescribing) throws(SpecErrors) -> [Trial] {
        var trials: [Trial] = []
        var errors = problems
        for file in files {
            do {
                trials += try ExperimentLoader.load(file: file, overrides: overrides, seeds: seeds, maxTrials: maxTrials,
                                                    datasets: datasets)
            } catch {
                errors += error.errors.filter { !errors.contains($0) }
            }
            if trials.count > maxTrials {
                errors.append(SpecError("the files expand to more than \(maxTrials) trials (the limit) by \(file); "
                                        + "pass --max-trials to allow more"))
                break
            }
        }
        guard errors.isEmpty else { throw SpecErrors(errors) }
        return trials
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// Sorted paths matching a shell pattern (files only).
    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        let paths = (0..<Int(result.gl_pathc)).compactMap { i in result.gl_pathv[i].map { String(cString: $0) } }
        return paths.filter(isFile).sorted()
    }
}
