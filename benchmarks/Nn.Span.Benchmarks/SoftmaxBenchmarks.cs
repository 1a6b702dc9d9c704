using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Nn.Span.Benchmarks;

/// <summary>
/// Softmax of every row. Baselines: the max-shifted softmax composed from TensorPrimitives (max,
/// subtract, exp, sum, divide: what a careful user writes today), and TensorPrimitives.SoftMax per row,
/// which is not max-shifted (NaN above ~88 in float; the logits here stay in [-5, 5] so it runs).
/// </summary>
[BenchmarkCategory("kernels")]
public class SoftmaxBenchmarks
{
    private float[] _logits = [];
    private float[] _destination = [];

    /// <summary>The softmax shapes of the design.</summary>
    public static IEnumerable<RowsShape> Shapes => [new(256, 10), new(1024, 1000), new(32, 32768)];

    /// <summary>The shape under test.</summary>
    [ParamsSource(nameof(Shapes))]
    public RowsShape Shape { get; set; } = new(256, 10);

    [GlobalSetup]
    public void Setup()
    {
        _logits = BenchmarkData.Uniform<float>(Shape.Length, 5.0, seed: 5);
        _destination = new float[Shape.Length];

        // All three compute the same probabilities on these logits.
        Composed();
        float[] expected = [.. _destination];
        UnshiftedSoftMax();
        Agreement.Check<float>(expected, _destination, 1e-5, $"{Shape} TensorPrimitives.SoftMax");
        NnSpan();
        Agreement.Check<float>(expected, _destination, 1e-5, $"{Shape} softmax");
    }

    [Benchmark(Baseline = true, Description = "TensorPrimitives composed")]
    public void Composed()
    {
        int width = Shape.Columns;
        for (int row = 0; row < Shape.Rows; row++)
        {
            ReadOnlySpan<float> logits = _logits.AsSpan(row * width, width);
            Span<float> destination = _destination.AsSpan(row * width, width);

            // y = e^(z - max z) / sum e^(z - max z)
            TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), destination);
            TensorPrimitives.Exp(destination, destination);
            TensorPrimitives.Divide(destination, TensorPrimitives.Sum<float>(destination), destination);
        }
    }

    [Benchmark(Description = "TensorPrimitives.SoftMax")]
    public void UnshiftedSoftMax()
    {
        int width = Shape.Columns;
        for (int row = 0; row < Shape.Rows; row++)
        {
            TensorPrimitives.SoftMax(_logits.AsSpan(row * width, width), _destination.AsSpan(row * width, width));
        }
    }

    [Benchmark(Description = "Nn.Span")]
    public void NnSpan() =>
        Softmax.Rows(
            new ReadOnlySpan2D<float>(_logits, Shape.Rows, Shape.Columns),
            new Span2D<float>(_destination, Shape.Rows, Shape.Columns));
}
