namespace Nn.Span.Benchmarks;

/// <summary>A benchmark parameter that knows how many floating-point operations one call makes.</summary>
public interface IHasFlops
{
    /// <summary>Floating-point operations per call (an FMA counts as two).</summary>
    double Flops { get; }
}
