import Foundation

/// The built-in demonstration: writes the synthetic case (`DemoCase`) and runs the main job on it.
public enum Demo {
    public struct Result: Sendable {
        public var folder: String
        public var report: String
        public var summary: String
    }

    public static func run(into folder: String, seed: UInt64, size: Int, progress: TaskProgress = .silent,
                           log: @escaping (String) -> Void = { _ in }) throws -> Result {
        let project = try DemoCase.write(into: folder, seed: seed, size: size)
        let config = try ProjectConfig.load(project)
        let run = try ProjectRun(config, progress: progress, log: log)
        try run.runAll()
        let report = run.path(Outputs.report)
        let summary = """
        Demo basin (seed \(seed)) written to \(folder)/: inputs/, project.toml and output/.
        Steps: \(run.steps.map { "\($0.name) \($0.ran ? "ran" : "up to date")" }.joined(separator: ", ")).
        Report: \(report)
        """
        return Result(folder: folder, report: report, summary: summary)
    }
}
