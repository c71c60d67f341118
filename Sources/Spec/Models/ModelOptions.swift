/// Options several registry models share, declared once so they read and validate alike.
enum ModelOptions {
    static func activation(_ doc: String = "nonlinearity after each hidden layer") -> OptionInfo {
        OptionInfo("activation", .choice(LayerRegistry.activations), .value(.text("relu")), doc)
    }
    static func batchnorm(_ doc: String) -> OptionInfo { OptionInfo("batchnorm", .boolean, .value(.bool(true)), doc) }
    static func dropout(_ doc: String) -> OptionInfo {
        OptionInfo("dropout", .number(.unitInterval), .value(.number(0)), doc)
    }
    static let l2 = OptionInfo("l2", .number(.nonNegative), .value(.number(0)), "L2 penalty on every parametrized layer")
}
