using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace Nn.Span.Benchmarks;

/// <summary>Sigmoid over 1,048,576 floats (4 MiB in, 4 MiB out: inside L2+L3, the exp dominates).</summary>
[BenchmarkCategory("kernels")]
public class SigmoidBenchmarks
{
    private const int Length = 1 << 20;
    private float[] _x = [];
    private float[] _destination = [];

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

    [Benchmark(Description = "Nn.Span")]
    public void NnSpan() => Activations.Sigmoid<float>(_x, _destination);
}
