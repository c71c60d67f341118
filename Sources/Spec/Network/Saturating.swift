/// Integer arithmetic on sizes a config can ask for: a hostile `out: 9223372036854775807` must
/// give a size the limits reject, not an overflow trap. Results clamp to `Int.max` (sizes here
/// are never negative).
enum Saturating {
    static func product(_ factors: Int...) -> Int { product(factors) }

    static func product(_ factors: [Int]) -> Int {
        var result = 1
        for f in factors {
            let (value, overflow) = result.multipliedReportingOverflow(by: f)
            if overflow { return Int.max }
            result = value
        }
        return result
    }

    static func sum(_ terms: Int...) -> Int {
        var result = 0
        for t in terms {
            let (value, overflow) = result.addingReportingOverflow(t)
            if overflow { return Int.max }
            result = value
        }
        return result
    }
}
