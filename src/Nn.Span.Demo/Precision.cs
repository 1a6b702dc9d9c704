namespace Nn.Span.Demo;

/// <summary>The element type the network is trained in.</summary>
internal enum Precision
{
    /// <summary>32-bit <see cref="float"/>: the fast path.</summary>
    Float,

    /// <summary>64-bit <see cref="double"/>.</summary>
    Double,
}
