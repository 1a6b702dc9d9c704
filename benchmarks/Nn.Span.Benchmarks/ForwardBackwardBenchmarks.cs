using System.Numerics;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Nn.Span.Benchmarks;

/// <summary>
/// One training call, cost and full parameter gradient, for each workload of the design, against the
/// scalar port of the seed. Both get one-hot labels, as the seed does.
/// </summary>
public abstract class ForwardBackwardBenchmarksBase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _data = [];
    private T[,] _dataRectangular = new T[0, 0];
    private T[] _oneHot = [];
    private T[,] _oneHotRectangular = new T[0, 0];
    private T[] _parameters = [];
    private T[] _gradient = [];
    private TwoLayerNetwork<T> _network = null!;
    private Workspace<T> _workspace = null!;
    private ScalarSeedNetwork<T> _scalar = null!;

    /// <summary>The workload under test.</summary>
    public abstract Workload Workload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Workload w = Workload;
        _network = new TwoLayerNetwork<T>(w.Dimensions);
        _workspace = _network.CreateWorkspace(w.BatchSize);
        _scalar = new ScalarSeedNetwork<T>(w.Dimensions);
        _data = BenchmarkData.Uniform<T>(w.BatchSize * w.Inputs, 1.0, seed: 1);
        _dataRectangular = BenchmarkData.ToRectangular(_data, w.BatchSize, w.Inputs);
        _oneHot = BenchmarkData.OneHot<T>(BenchmarkData.Labels(w.BatchSize, w.Outputs, seed: 2), w.Outputs);
        _oneHotRectangular = BenchmarkData.ToRectangular(_oneHot, w.BatchSize, w.Outputs);
        _parameters = BenchmarkData.Uniform<T>(_network.ParameterCount, 0.1, seed: 3);
        _gradient = new T[_network.ParameterCount];

        // Both compute the same cost and gradient.
        (T cost, T[] gradient) = _scalar.ForwardBackward(_dataRectangular, _oneHotRectangular, _parameters);
        T ours = NnSpan();
        Agreement.Check<T>([cost], [ours], 1e-4, $"{w} cost");
        Agreement.Check<T>(gradient, _gradient, 1e-4, $"{w} gradient");
    }

    [Benchmark(Baseline = true, Description = "scalar port")]
    public T ScalarPort() => _scalar.ForwardBackward(_dataRectangular, _oneHotRectangular, _parameters).Cost;

    [Benchmark(Description = "Nn.Span")]
    public T NnSpan()
    {
        Workload w = Workload;
        return _network.ForwardBackward(
            new ReadOnlySpan2D<T>(_data, w.BatchSize, w.Inputs),
            new ReadOnlySpan2D<T>(_oneHot, w.BatchSize, w.Outputs),
            _parameters,
            _gradient,
            _workspace);
    }
}

/// <summary>Forward+backward in float for the five workloads.</summary>
[BenchmarkCategory("forward-backward")]
public class ForwardBackwardBenchmarks : ForwardBackwardBenchmarksBase<float>
{
    /// <summary>The workloads of the design, smallest first.</summary>
    public static IEnumerable<Workload> Workloads => Workload.All;

    /// <inheritdoc />
    [ParamsSource(nameof(Workloads))]
    public override Workload Workload { get; set; } = Workload.Seed;
}

/// <summary>Forward+backward in double for the seed workload.</summary>
[BenchmarkCategory("forward-backward")]
public class ForwardBackwardDoubleBenchmarks : ForwardBackwardBenchmarksBase<double>
{
    /// <summary>The seed workload only.</summary>
    public static IEnumerable<Workload> Workloads => [Workload.Seed];

    /// <inheritdoc />
    [ParamsSource(nameof(Workloads))]
    public override Workload Workload { get; set; } = Workload.Seed;
}
