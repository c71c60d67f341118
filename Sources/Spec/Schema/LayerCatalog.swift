/// The layer types of `model.layers`, as the catalog lists them: one entry per registered
/// definition (`Spec/Layers/`), so validation, `runner list`, the canonical YAML, shape inference
/// and the engine all read the same definition.
extension Catalog {
    public static let layers: [LayerInfo] = LayerRegistry.types.map(LayerInfo.init)
}
