using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Nn.Span.Benchmarks;

/// <summary>
/// C = op(A) op(B) in float for the design's shapes: Nn.Span's Gemm against OpenBLAS cblas_sgemm
/// (single thread) and the row-by-row TensorPrimitives product.
/// </summary>
[BenchmarkCategory("gemm")]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];
    private GemmWorkspace<float> _workspace = null!;

    /// <summary>The shapes under test.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    /// <summary>The shape under test.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.All[0];

    [GlobalSetup]
    public void Setup()
    {
        _a = BenchmarkData.Uniform<float>(Shape.M * Shape.K, 1.0, seed: 8);
        _b = BenchmarkData.Uniform<float>(Shape.K * Shape.N, 1.0, seed: 9);
        _c = new float[Shape.M * Shape.N];
        _workspace = new GemmWorkspace<float>();

        // All compute the same product (float sums of K terms of size up to 1: a few K ulp apart).
        RowByRow();
        float[] expected = [.. _c];
        NnSpan();
        Agreement.Check<float>(expected, _c, 1e-5, $"{Shape} product");
        if (OpenBlas.IsAvailable)
        {
            OpenBlasSgemm();
            Agreement.Check<float>(expected, _c, 1e-5, $"{Shape} OpenBLAS product");
        }
    }

    [Benchmark(Baseline = true, Description = "TensorPrimitives rows")]
    public void RowByRow() => NaiveGemm.Multiply(Shape, _a, _b, _c);

    [Benchmark(Description = "OpenBLAS")]
    public void OpenBlasSgemm() => OpenBlas.Multiply(Shape, _a, _b, _c, 0f);

    [Benchmark(Description = "Nn.Span")]
    public void NnSpan() =>
        Gemm.Multiply(
            new ReadOnlySpan2D<float>(_a, Shape.AHeight, Shape.AWidth),
            Shape.TransposeA,
            new ReadOnlySpan2D<float>(_b, Shape.BHeight, Shape.BWidth),
            Shape.TransposeB,
            new Span2D<float>(_c, Shape.M, Shape.N),
            0f,
            _workspace);
}
