using System.Diagnostics;
using CommunityToolkit.HighPerformance;

namespace Nn.Span.Demo;

/// <summary>
/// Trains a <see cref="TwoLayerNetwork{T}"/> on the digits with mini-batch SGD and evaluates it. Every buffer is
/// allocated in the constructor: the training loop itself allocates nothing.
/// </summary>
/// <remarks>
/// The run is deterministic: the stratified split, the initial parameters and the order of the examples in each
/// epoch come from <see cref="DeterministicRandom"/> streams of the seed, and every computation runs on the calling
/// thread, so the same options give the same numbers bit for bit.
/// </remarks>
internal sealed class DigitsTrainer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows per forward pass when measuring accuracy.</summary>
    private const int EvaluationBatch = 256;

    private const int Features = DigitsDataSet.Features;

    private readonly TrainingOptions _options;
    private readonly T[] _trainInputs;
    private readonly int[] _trainLabels;
    private readonly T[] _testInputs;
    private readonly int[] _testLabels;
    private readonly T[] _gradient;
    private readonly T[] _velocity;
    private readonly T[] _batchInputs;
    private readonly int[] _batchLabels;
    private readonly int[] _order;
    private readonly int[] _predicted;
    private readonly Workspace<T> _workspace;
    private readonly DeterministicRandom _orderRandom;

    /// <summary>Splits the data, initialises the parameters and allocates every buffer of the run.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    public DigitsTrainer(DigitsDataSet data, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;

        (int[] train, int[] test) = data.StratifiedSplit(options.TestFraction, DeterministicRandom.ForStream(options.Seed, 1));
        (_trainInputs, _trainLabels) = data.Select<T>(train);
        (_testInputs, _testLabels) = data.Select<T>(test);

        Network = new TwoLayerNetwork<T>(Features, options.Hidden, DigitsDataSet.Classes);
        Parameters = InitialParameters(Network.Dimensions, DeterministicRandom.ForStream(options.Seed, 2));
        _gradient = new T[Network.ParameterCount];
        _velocity = new T[Network.ParameterCount];
        _batchInputs = new T[options.BatchSize * Features];
        _batchLabels = new int[options.BatchSize];
        _order = Enumerable.Range(0, TrainCount).ToArray();
        _predicted = new int[EvaluationBatch];
        _workspace = Network.CreateWorkspace(Math.Max(options.BatchSize, EvaluationBatch));
        _orderRandom = DeterministicRandom.ForStream(options.Seed, 3);
    }

    /// <summary>The network being trained: (64, H, 10).</summary>
    public TwoLayerNetwork<T> Network { get; }

    /// <summary>The flat parameters, updated in place by <see cref="Train"/>.</summary>
    public T[] Parameters { get; }

    /// <summary>The number of training examples.</summary>
    public int TrainCount => _trainLabels.Length;

    /// <summary>The number of test examples.</summary>
    public int TestCount => _testLabels.Length;

    /// <summary>Runs every epoch: shuffle, mini-batch steps, then accuracy on both sets and a call to <paramref name="onEpoch"/>.</summary>
    /// <param name="onEpoch">Called after each epoch with its summary; it should allocate nothing either, since its
    /// allocations are counted in <see cref="TrainingOutcome.AllocatedBytes"/>.</param>
    public TrainingOutcome Train(Action<EpochSummary>? onEpoch = null)
    {
        var epochs = new EpochSummary[_options.Epochs];
        WarmUp();

        long stepTicks = 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 0; epoch < epochs.Length; epoch++)
        {
            double learningRate = _options.LearningRateAt(epoch);
            _orderRandom.Shuffle<int>(_order);

            long start = Stopwatch.GetTimestamp();
            double lossSum = RunEpochSteps(Parameters, _velocity, TrainCount, T.CreateChecked(learningRate), T.CreateChecked(_options.Momentum));
            stepTicks += Stopwatch.GetTimestamp() - start;

            epochs[epoch] = new EpochSummary(
                epoch + 1,
                epochs.Length,
                learningRate,
                lossSum / TrainCount,
                Accuracy(_trainInputs, _trainLabels),
                Accuracy(_testInputs, _testLabels));
            onEpoch?.Invoke(epochs[epoch]);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new TrainingOutcome(epochs, (double)stepTicks / Stopwatch.Frequency, (long)epochs.Length * TrainCount, allocated);
    }

    /// <summary>The share of test examples the network classifies correctly.</summary>
    public double TestAccuracy() => Accuracy(_testInputs, _testLabels);

    /// <summary>The confusion matrix of the test set.</summary>
    public ConfusionMatrix TestConfusion()
    {
        var matrix = new ConfusionMatrix(DigitsDataSet.Classes);
        for (int first = 0; first < TestCount; first += EvaluationBatch)
        {
            int rows = Math.Min(EvaluationBatch, TestCount - first);
            Span<int> predicted = Predict(_testInputs, first, rows);
            for (int row = 0; row < rows; row++)
            {
                matrix.Add(_testLabels[first + row], predicted[row]);
            }
        }

        return matrix;
    }

    /// <summary>The median time of one <see cref="TwoLayerNetwork{T}.ForwardBackward(ReadOnlySpan2D{T}, ReadOnlySpan{int}, ReadOnlySpan{T}, Span{T}, Workspace{T})"/>
    /// call on a full mini-batch, in microseconds, over <paramref name="calls"/> calls after as many warm-up calls.
    /// The parameters are not changed.</summary>
    public double MedianForwardBackwardMicroseconds(int calls)
    {
        int rows = Math.Min(_options.BatchSize, TrainCount);
        Gather(_order.AsSpan(0, rows));
        return MedianMicroseconds(calls, () => Network.ForwardBackward(
            new ReadOnlySpan2D<T>(_batchInputs, 0, rows, Features, 0), _batchLabels.AsSpan(0, rows), Parameters, _gradient, _workspace));
    }

    /// <summary>The median time of one single-example <see cref="TwoLayerNetwork{T}.Predict(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, WorkspacePool{T})"/>
    /// call (workspace rented from a pool), in microseconds, cycling through the test set.</summary>
    public double MedianPredictMicroseconds(int calls)
    {
        WorkspacePool<T> pool = Network.CreateWorkspacePool(maxBatchSize: 1);
        T[] probabilities = new T[DigitsDataSet.Classes];
        int example = 0;
        return MedianMicroseconds(calls, () =>
        {
            Network.Predict(_testInputs.AsSpan(example * Features, Features), Parameters, probabilities, pool);
            example = (example + 1) % TestCount;
        });
    }

    /// <summary>Glorot-uniform weights, W ~ U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); zero biases.</summary>
    private static T[] InitialParameters(NetworkDimensions dimensions, DeterministicRandom random)
    {
        T[] parameters = new T[dimensions.ParameterCount];
        double hiddenLimit = Math.Sqrt(6.0 / (dimensions.Inputs + dimensions.Hidden));
        for (int i = NetworkDimensions.HiddenWeightsOffset; i < dimensions.HiddenBiasOffset; i++)
        {
            parameters[i] = T.CreateChecked(random.NextDouble(-hiddenLimit, hiddenLimit));
        }

        double outputLimit = Math.Sqrt(6.0 / (dimensions.Hidden + dimensions.Outputs));
        for (int i = dimensions.OutputWeightsOffset; i < dimensions.OutputBiasOffset; i++)
        {
            parameters[i] = T.CreateChecked(random.NextDouble(-outputLimit, outputLimit));
        }

        return parameters;
    }

    private static void Validate(TrainingOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options.Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Hidden, 1, nameof(options.Hidden));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        if (!(options.LearningRate >= 0) || !double.IsFinite(options.LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LearningRate, "The learning rate must be finite and not negative.");
        }

        if (!T.IsFinite(T.CreateSaturating(options.LearningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LearningRate, $"The learning rate is too large for {(typeof(T) == typeof(float) ? "float" : "double")}.");
        }

        if (!(options.Decay >= 0) || !double.IsFinite(options.Decay))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Decay, "The decay must be finite and not negative.");
        }

        if (!(options.Momentum >= 0 && options.Momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Momentum, "The momentum must lie in [0, 1).");
        }
    }

    /// <summary>Mini-batch steps over the first <paramref name="examples"/> entries of the shuffled order, updating
    /// <paramref name="parameters"/> and <paramref name="velocity"/>; returns the sum of batch cost x batch size.</summary>
    private double RunEpochSteps(T[] parameters, T[] velocity, int examples, T learningRate, T momentum)
    {
        double lossSum = 0;
        for (int first = 0; first < examples; first += _options.BatchSize)
        {
            int rows = Math.Min(_options.BatchSize, examples - first);
            Gather(_order.AsSpan(first, rows));

            // J = -(1/N) sum_n log yhat[n, label_n], gradient = dJ/dparameters
            T cost = Network.ForwardBackward(
                new ReadOnlySpan2D<T>(_batchInputs, 0, rows, Features, 0), _batchLabels.AsSpan(0, rows), parameters, _gradient, _workspace);

            // v = mu v - lr gradient; parameters += v   (plain: parameters -= lr gradient)
            if (momentum == T.Zero)
            {
                Sgd.Step<T>(parameters, _gradient, learningRate);
            }
            else
            {
                Sgd.Step<T>(parameters, _gradient, velocity, learningRate, momentum);
            }

            lossSum += double.CreateChecked(cost) * rows;
        }

        return lossSum;
    }

    /// <summary>Copies the training examples at <paramref name="rows"/> (indices into the training set) into the batch buffers.</summary>
    private void Gather(ReadOnlySpan<int> rows)
    {
        for (int row = 0; row < rows.Length; row++)
        {
            int source = rows[row];
            _trainInputs.AsSpan(source * Features, Features).CopyTo(_batchInputs.AsSpan(row * Features, Features));
            _batchLabels[row] = _trainLabels[source];
        }
    }

    private double Accuracy(T[] inputs, int[] labels)
    {
        int correct = 0;
        for (int first = 0; first < labels.Length; first += EvaluationBatch)
        {
            int rows = Math.Min(EvaluationBatch, labels.Length - first);
            Span<int> predicted = Predict(inputs, first, rows);
            for (int row = 0; row < rows; row++)
            {
                correct += predicted[row] == labels[first + row] ? 1 : 0;
            }
        }

        return (double)correct / labels.Length;
    }

    /// <summary>The predicted classes of <paramref name="rows"/> examples starting at row <paramref name="first"/>.</summary>
    private Span<int> Predict(T[] inputs, int first, int rows)
    {
        Span<int> predicted = _predicted.AsSpan(0, rows);
        Network.Forward(new ReadOnlySpan2D<T>(inputs, first * Features, rows, Features, 0), Parameters, Span2D<T>.Empty, predicted, _workspace);
        return predicted;
    }

    /// <summary>Before measuring, the loop's own step method on scratch copies of the parameters, over one full batch and
    /// the shorter batch an epoch ends with (if any), then one evaluation of both sets (every evaluation batch size), so
    /// that the training loop runs no code for the first time.</summary>
    /// <remarks>A method's first call compiles it on the calling thread. The step method, compiled fully optimised
    /// because it loops, inlines the update and with it TensorPrimitives' generic operators, whose type constraints the
    /// runtime checks while compiling; now and then that grows the runtime's type-check cache, a 12 KB array charged to
    /// the compiling thread, which would otherwise be counted as an allocation of the loop.</remarks>
    private void WarmUp()
    {
        T[] scratchParameters = (T[])Parameters.Clone();
        T[] scratchVelocity = new T[_velocity.Length];
        int fullRows = Math.Min(_options.BatchSize, TrainCount);
        int lastRows = TrainCount % fullRows;
        _ = RunEpochSteps(
            scratchParameters, scratchVelocity, fullRows + lastRows, T.CreateChecked(_options.LearningRateAt(0)), T.CreateChecked(_options.Momentum));

        _ = Accuracy(_trainInputs, _trainLabels);
        _ = Accuracy(_testInputs, _testLabels);
        _orderRandom.Shuffle<int>(Span<int>.Empty);
    }

    /// <summary>Runs <paramref name="call"/> as many times unmeasured, then <paramref name="calls"/> times measured; the median in microseconds.</summary>
    private static double MedianMicroseconds(int calls, Action call)
    {
        long[] ticks = new long[calls];
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        Array.Sort(ticks);
        double median = calls % 2 == 1 ? ticks[calls / 2] : (ticks[(calls / 2) - 1] + ticks[calls / 2]) / 2.0;
        return median * 1e6 / Stopwatch.Frequency;
    }
}
