using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace Nn.Span.Benchmarks;

/// <summary>
/// Sigmoid, out of place, over 4,096 floats (16 KiB in and out: inside L1, the arithmetic is the limit) and over
/// 1,048,576 floats (4 MiB in and out: beyond L2, memory is). The copy row moves the same bytes with no arithmetic, the
/// floor under any out-of-place sigmoid on the machine of the run.
/// </summary>
[BenchmarkCategory("kernels")]
public class SigmoidBenchmarks
{
    private float[] _x = [];
    private float[] _destination = [];

    /// <summary>The number of floats.</summary>
    [Params(4096, 1 << 20)]
    public int Length { get; set; } = 1 << 20;

    [GlobalSetup]
    public void Setup()
    {
        _x = BenchmarkData.Uniform<float>(Length, 10.0, seed: 4);
        _destination = new float[Length];
    }

    [Benchmark(Baseline = true, Description = "TensorPrimitives")]
    public void TensorPrimitivesSigmoid() => TensorPrimitives.Sigmoid(_x, _destination);

    [Benchmark(Description = "scalar loop")]
    public void ScalarLoop()
    {
        float[] x = _x;
        float[] destination = _destination;
        for (int i = 0; i < x.Length; i++)
        {
            // s = 1 / (1 + e^-x)
            destination[i] = 1f / (1f + MathF.Exp(-x[i]));
        }
    }

    [Benchmark(Description = "copy (no arithmetic)")]
    public void Copy() => _x.AsSpan().CopyTo(_destination);

    [Benchmark(Description = "Nn.Span")]
    public void NnSpan() => Activations.Sigmoid<float>(_x, _destination);
}
