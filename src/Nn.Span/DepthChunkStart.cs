namespace Nn.Span;

/// <summary>
/// How the first chunk of depths of a dot-product kernel (<see cref="DeepNarrowGemm"/>, <see cref="DeepNarrowGemm256"/>)
/// treats C; every later chunk adds to it.
/// </summary>
internal enum DepthChunkStart
{
    /// <summary>C = the chunk's sums (beta = 0, no bias): C is not read.</summary>
    Overwrite,

    /// <summary>C = beta C + the chunk's sums.</summary>
    ScaleC,

    /// <summary>C = bias + the chunk's sums (beta = 0): C is not read.</summary>
    Bias,

    /// <summary>C += the chunk's sums: every chunk after the first.</summary>
    AddToC,
}
