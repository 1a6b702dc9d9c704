using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace Nn.Span.Benchmarks;

/// <summary>
/// The single-core float FMA peak, measured: 12 independent FMA chains (more than the FMA latency times the number of
/// FMA ports), so that the loop runs at the FMA throughput limit. The vectors are those of the library's kernels:
/// Vector512 with AVX-512, Vector256 otherwise (a Vector512 loop on a processor without AVX-512 runs in software, far
/// below the peak). The GEMM rows are read against this figure.
/// </summary>
[BenchmarkCategory("gemm")]
public class FmaPeakBenchmarks
{
    private Vector512<float> _multiplier = Vector512.Create(0.999999f);
    private Vector512<float> _addend = Vector512.Create(1e-7f);

    /// <summary>Lanes of the vectors the loop runs: 16 with AVX-512, else 8.</summary>
    public static int Lanes => Avx512F.IsSupported ? Vector512<float>.Count : Vector256<float>.Count;

    /// <summary>The loop's size (one value; it carries the flop count for the GFLOP/s column).</summary>
    public static IEnumerable<FmaLoop> Loops => [new FmaLoop(100_000)];

    /// <summary>The loop under test.</summary>
    [ParamsSource(nameof(Loops))]
    public FmaLoop Loop { get; set; } = new(100_000);

    [Benchmark(Description = "FMA peak")]
    public float FmaPeak() => Avx512F.IsSupported ? Peak512().ToScalar() : Peak256().ToScalar();

    private Vector512<float> Peak512()
    {
        Vector512<float> x = _multiplier, y = _addend;
        Vector512<float> a0 = y, a1 = y, a2 = y, a3 = y, a4 = y, a5 = y;
        Vector512<float> a6 = y, a7 = y, a8 = y, a9 = y, a10 = y, a11 = y;
        for (int i = 0; i < Loop.Iterations; i++)
        {
            // a = a * x + y, twelve independent chains of 16 lanes
            a0 = Vector512.FusedMultiplyAdd(a0, x, y);
            a1 = Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = Vector512.FusedMultiplyAdd(a2, x, y);
            a3 = Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = Vector512.FusedMultiplyAdd(a4, x, y);
            a5 = Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = Vector512.FusedMultiplyAdd(a6, x, y);
            a7 = Vector512.FusedMultiplyAdd(a7, x, y);
            a8 = Vector512.FusedMultiplyAdd(a8, x, y);
            a9 = Vector512.FusedMultiplyAdd(a9, x, y);
            a10 = Vector512.FusedMultiplyAdd(a10, x, y);
            a11 = Vector512.FusedMultiplyAdd(a11, x, y);
        }

        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }

    private Vector256<float> Peak256()
    {
        Vector256<float> x = _multiplier.GetLower(), y = _addend.GetLower();
        Vector256<float> a0 = y, a1 = y, a2 = y, a3 = y, a4 = y, a5 = y;
        Vector256<float> a6 = y, a7 = y, a8 = y, a9 = y, a10 = y, a11 = y;
        for (int i = 0; i < Loop.Iterations; i++)
        {
            // a = a * x + y, twelve independent chains of 8 lanes
            a0 = Vector256.FusedMultiplyAdd(a0, x, y);
            a1 = Vector256.FusedMultiplyAdd(a1, x, y);
            a2 = Vector256.FusedMultiplyAdd(a2, x, y);
            a3 = Vector256.FusedMultiplyAdd(a3, x, y);
            a4 = Vector256.FusedMultiplyAdd(a4, x, y);
            a5 = Vector256.FusedMultiplyAdd(a5, x, y);
            a6 = Vector256.FusedMultiplyAdd(a6, x, y);
            a7 = Vector256.FusedMultiplyAdd(a7, x, y);
            a8 = Vector256.FusedMultiplyAdd(a8, x, y);
            a9 = Vector256.FusedMultiplyAdd(a9, x, y);
            a10 = Vector256.FusedMultiplyAdd(a10, x, y);
            a11 = Vector256.FusedMultiplyAdd(a11, x, y);
        }

        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }
}

/// <summary>A fixed number of iterations of the FMA loop: 12 chains x 16 (or 8) lanes x 2 flops each.</summary>
public sealed record FmaLoop(int Iterations) : IHasFlops
{
    /// <inheritdoc />
    public double Flops => Iterations * 12.0 * FmaPeakBenchmarks.Lanes * 2;

    /// <inheritdoc />
    public override string ToString() => $"{Iterations} x 12 FMA";
}
