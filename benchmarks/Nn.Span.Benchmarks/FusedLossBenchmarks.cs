using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Nn.Span.Benchmarks;

/// <summary>
/// Softmax, mean cross-entropy and its gradient (softmax(z) - y) / N from logits with integer labels.
/// Baseline: the same three steps composed from TensorPrimitives.
/// </summary>
[BenchmarkCategory("kernels")]
public class FusedLossBenchmarks
{
    private float[] _logits = [];
    private float[] _gradient = [];
    private int[] _labels = [];

    /// <summary>A short-row (Dy = 10) and a wide-row (Dy = 1000) batch.</summary>
    public static IEnumerable<RowsShape> Shapes => [new(256, 10), new(1024, 1000)];

    /// <summary>The shape under test.</summary>
    [ParamsSource(nameof(Shapes))]
    public RowsShape Shape { get; set; } = new(256, 10);

    [GlobalSetup]
    public void Setup()
    {
        _logits = BenchmarkData.Uniform<float>(Shape.Length, 5.0, seed: 6);
        _gradient = new float[Shape.Length];
        _labels = BenchmarkData.Labels(Shape.Rows, Shape.Columns, seed: 7);

        // Both compute the same loss and gradient.
        float loss = Composed();
        float[] expected = [.. _gradient];
        Agreement.Check<float>([loss], [NnSpan()], 1e-5, $"{Shape} loss");
        Agreement.Check<float>(expected, _gradient, 1e-5, $"{Shape} gradient");
    }

    [Benchmark(Baseline = true, Description = "TensorPrimitives composed")]
    public float Composed()
    {
        int width = Shape.Columns;
        float inverseBatch = 1f / Shape.Rows;
        float loss = 0;
        for (int row = 0; row < Shape.Rows; row++)
        {
            ReadOnlySpan<float> logits = _logits.AsSpan(row * width, width);
            Span<float> gradient = _gradient.AsSpan(row * width, width);

            // yhat = softmax(z); J += -log yhat[label]; dz = (yhat - y) / N
            TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), gradient);
            TensorPrimitives.Exp(gradient, gradient);
            TensorPrimitives.Multiply(gradient, inverseBatch / TensorPrimitives.Sum<float>(gradient), gradient);
            loss -= MathF.Log(gradient[_labels[row]] * Shape.Rows);
            gradient[_labels[row]] -= inverseBatch;
        }

        return loss * inverseBatch;
    }

    [Benchmark(Description = "Nn.Span")]
    public float NnSpan() =>
        CrossEntropy.FromLogits(
            new ReadOnlySpan2D<float>(_logits, Shape.Rows, Shape.Columns),
            _labels,
            new Span2D<float>(_gradient, Shape.Rows, Shape.Columns));
}
