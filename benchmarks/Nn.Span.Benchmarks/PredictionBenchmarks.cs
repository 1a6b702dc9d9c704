using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance;

namespace Nn.Span.Benchmarks;

/// <summary>Forward only (class probabilities and the predicted class per row), float.</summary>
[BenchmarkCategory("forward")]
public class PredictionBenchmarks
{
    private float[] _data = [];
    private float[,] _dataRectangular = new float[0, 0];
    private float[] _parameters = [];
    private float[] _probabilities = [];
    private int[] _predicted = [];
    private TwoLayerNetwork<float> _network = null!;
    private Workspace<float> _workspace = null!;
    private ScalarSeedNetwork<float> _scalar = null!;

    /// <summary>The prediction workloads: one example, and a digits mini-batch.</summary>
    public static IEnumerable<Workload> Workloads => [Workload.Online, Workload.Digits];

    /// <summary>The workload under test.</summary>
    [ParamsSource(nameof(Workloads))]
    public Workload Workload { get; set; } = Workload.Online;

    [GlobalSetup]
    public void Setup()
    {
        Workload w = Workload;
        _network = new TwoLayerNetwork<float>(w.Dimensions);
        _workspace = _network.CreateWorkspace(w.BatchSize);
        _scalar = new ScalarSeedNetwork<float>(w.Dimensions);
        _data = BenchmarkData.Uniform<float>(w.BatchSize * w.Inputs, 1.0, seed: 1);
        _dataRectangular = BenchmarkData.ToRectangular(_data, w.BatchSize, w.Inputs);
        _parameters = BenchmarkData.Uniform<float>(_network.ParameterCount, 0.1, seed: 3);
        _probabilities = new float[w.BatchSize * w.Outputs];
        _predicted = new int[w.BatchSize];

        // Both compute the same probabilities.
        float[] expected = Agreement.Flatten(ScalarPort());
        NnSpan();
        Agreement.Check<float>(expected, _probabilities, 1e-4, $"{w} probabilities");
    }

    [Benchmark(Baseline = true, Description = "scalar port")]
    public float[,] ScalarPort() => _scalar.Forward(_dataRectangular, _parameters);

    [Benchmark(Description = "Nn.Span")]
    public int NnSpan()
    {
        Workload w = Workload;
        _network.Forward(
            new ReadOnlySpan2D<float>(_data, w.BatchSize, w.Inputs),
            _parameters,
            new Span2D<float>(_probabilities, w.BatchSize, w.Outputs),
            _predicted,
            _workspace);
        return _predicted[0];
    }
}
