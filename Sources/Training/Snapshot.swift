import Engine

/// A preallocated copy of a network's parameters and buffers (the selected checkpoint kept in
/// memory while training continues). Capturing and restoring copy memory; nothing is allocated.
public final class Snapshot: @unchecked Sendable {
    private let sources: [Tensor]
    private let copies: [Tensor]

    public init(of network: Network) {
        sources = network.parameters.map(\.value) + network.stateBuffers.map(\.value)
        copies = sources.map { Tensor(shape: $0.shape) }
    }

    /// Copies the network's current state into the snapshot.
    public func capture() {
        for (s, c) in zip(sources, copies) { c.copy(from: s) }
    }

    /// Copies the snapshot back into the network.
    public func restore() {
        for (s, c) in zip(sources, copies) { s.copy(from: c) }
    }

    /// Exchanges the snapshot's contents with the network's state.
    public func swap() {
        for (s, c) in zip(sources, copies) {
            for i in 0..<s.count { let t = s.data[i]; s.data[i] = c.data[i]; c.data[i] = t }
        }
    }
}
