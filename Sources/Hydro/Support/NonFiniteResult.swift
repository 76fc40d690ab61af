/// A result that holds an infinite or not-a-number figure where a number was expected. Thrown by
/// the writers; a project step turns it into an error naming the step and its inputs.
public struct NonFiniteResult: Error, CustomStringConvertible, Sendable {
    /// The output file the figure was to be written to.
    public var file: String
    /// Where in it: a JSON path, a CSV row and column, or a raster cell.
    public var location: String
    public var value: Double

    public init(file: String, location: String, value: Double) {
        self.file = file
        self.location = location
        self.value = value
    }

    public var description: String {
        "\(file.split(separator: "/").last.map(String.init) ?? file): \(location) is \(value.isNaN ? "not a number (NaN)" : value > 0 ? "+infinity" : "-infinity")"
    }
}
