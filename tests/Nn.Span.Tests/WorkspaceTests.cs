using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using static Nn.Span.Tests.NetworkData;

namespace Nn.Span.Tests;

/// <summary>
/// Workspace: sized once for (dimensions, maximum batch), aligned buffers, rejected with both sizes in the message
/// when it does not fit the call. WorkspacePool: hands out and takes back workspaces of its shape only, and serves
/// many threads at once with results bitwise equal to a single thread's.
/// </summary>
public sealed unsafe class WorkspaceTests
{
    public static TheoryData<int, int, int, int> Shapes() => new()
    {
        { 1, 1, 1, 1 }, { 20, 10, 5, 10 }, { 1, 64, 32, 10 }, { 64, 64, 128, 10 }, { 67, 97, 65, 13 },
    };

    private static (long Start, long End) Range<T>(ref T first, long length) =>
        ((long)Unsafe.AsPointer(ref first), (long)Unsafe.AsPointer(ref first) + (length * Unsafe.SizeOf<T>()));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Workspace_is_sized_for_the_dimensions_and_the_maximum_batch_with_aligned_disjoint_buffers(int maxBatch, int inputs, int hidden, int outputs)
    {
        Check<float>();
        Check<double>();

        void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var dimensions = new NetworkDimensions(inputs, hidden, outputs);
            var workspace = new Workspace<T>(dimensions, maxBatch);
            Assert.Equal(dimensions, workspace.Dimensions);
            Assert.Equal(maxBatch, workspace.MaxBatchSize);

            // h and dH (N x H), logits (N x Dy), decoded labels (N ints), the packing panels: each on a 64-byte
            // boundary (the block is pinned, so addresses are stable), none overlapping another.
            (long Start, long End)[] buffers =
            [
                Range(ref workspace.Hidden(maxBatch).DangerousGetReference(), (long)maxBatch * hidden),
                Range(ref workspace.HiddenDelta(maxBatch).DangerousGetReference(), (long)maxBatch * hidden),
                Range(ref workspace.Logits(maxBatch).DangerousGetReference(), (long)maxBatch * outputs),
                Range(ref workspace.Labels(maxBatch)[0], maxBatch),
                Range(ref workspace.Packing[0], workspace.Packing.Length),
            ];
            Assert.Equal(MatrixProduct.PackingLengthForNetwork<T>(dimensions, maxBatch), workspace.Packing.Length);
            long required = 0;
            for (int i = 0; i < buffers.Length; i++)
            {
                Assert.True(buffers[i].Start % 64 == 0, $"{typeof(T).Name} buffer {i} starts at {buffers[i].Start % 64} bytes past a 64-byte boundary");
                required += buffers[i].End - buffers[i].Start;
                for (int j = 0; j < i; j++)
                {
                    Assert.True(buffers[i].End <= buffers[j].Start || buffers[j].End <= buffers[i].Start, $"{typeof(T).Name} buffers {j} and {i} overlap");
                }
            }

            // One allocation: the buffers, each rounded up to a cache line, and one line of slack for the alignment.
            Assert.InRange(workspace.SizeInBytes, required, required + ((buffers.Length + 1) * 64));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_maximum_batch_below_one_is_rejected(int maxBatch)
    {
        var network = new TwoLayerNetwork<float>(10, 5, 10);
        Assert.Equal("maxBatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => network.CreateWorkspace(maxBatch)).ParamName);
        Assert.Equal("maxBatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => network.CreateWorkspacePool(maxBatch)).ParamName);
    }

    [Fact]
    public void A_batch_of_the_maximum_size_runs_and_one_row_more_throws_saying_both_sizes()
    {
        var problem = NetworkProblem.Random(1, 21, 10, 5, 10);
        TwoLayerNetwork<double> network = problem.Network<double>();
        Workspace<double> workspace = network.CreateWorkspace(20);
        double[] data = problem.Data;
        double[] y = problem.OneHot<double>();
        int[] labels = problem.Labels;
        double[] parameters = problem.Parameters;
        double[] gradient = new double[network.ParameterCount];
        double[] probabilities = new double[21 * 10];

        Assert.True(double.IsFinite(network.ForwardBackward(new ReadOnlySpan2D<double>(data, 20, 10), labels.AsSpan(0, 20), parameters, gradient, workspace)));

        Action[] tooLarge =
        [
            () => network.ForwardBackward(new ReadOnlySpan2D<double>(data, 21, 10), labels, parameters, gradient, workspace),
            () => network.ForwardBackward(new ReadOnlySpan2D<double>(data, 21, 10), new ReadOnlySpan2D<double>(y, 21, 10), parameters, gradient, workspace),
            () => network.Forward(new ReadOnlySpan2D<double>(data, 21, 10), parameters, new Span2D<double>(probabilities, 21, 10), workspace),
        ];
        foreach (Action call in tooLarge)
        {
            var exception = Assert.Throws<ArgumentException>(call);
            Assert.Equal("workspace", exception.ParamName);
            Assert.Contains("21 rows", exception.Message, StringComparison.Ordinal);
            Assert.Contains("at most 20", exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Another_networks_workspace_throws_saying_both_dimensions()
    {
        var network = new TwoLayerNetwork<double>(10, 5, 10);
        Workspace<double> other = new TwoLayerNetwork<double>(10, 6, 10).CreateWorkspace(20);
        double[] data = new double[20 * 10];
        double[] parameters = new double[network.ParameterCount];
        double[] gradient = new double[network.ParameterCount];
        double[] probabilities = new double[10];
        int[] labels = new int[20];

        Action[] calls =
        [
            () => network.ForwardBackward(new ReadOnlySpan2D<double>(data, 20, 10), labels, parameters, gradient, other),
            () => network.Predict(data.AsSpan(0, 10), parameters, probabilities, other),
        ];
        foreach (Action call in calls)
        {
            var exception = Assert.Throws<ArgumentException>(call);
            Assert.Equal("workspace", exception.ParamName);
            Assert.Contains("(10, 6, 10)", exception.Message, StringComparison.Ordinal);
            Assert.Contains("(10, 5, 10)", exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_workspace_serves_every_network_of_its_dimensions()
    {
        // A workspace belongs to dimensions, not to one network object.
        var problem = NetworkProblem.Random(2, 20, 10, 5, 10);
        Workspace<float> shared = new TwoLayerNetwork<float>(10, 5, 10).CreateWorkspace(20);
        float[] data = As<float>(problem.Data);
        float[] parameters = As<float>(problem.Parameters);
        float[] first = new float[problem.Dimensions.ParameterCount];
        float[] second = new float[problem.Dimensions.ParameterCount];
        var x = new ReadOnlySpan2D<float>(data, 20, 10);

        float costFirst = problem.Network<float>().ForwardBackward(x, problem.Labels, parameters, first, shared);
        float costSecond = problem.Network<float>().ForwardBackward(x, problem.Labels, parameters, second, shared);

        Assert.Equal(costFirst, costSecond);
        Assert.Equal(first, second);
    }

    // ---- the pool ----

    [Fact]
    public void The_pool_rents_workspaces_of_its_shape_and_reuses_returned_ones()
    {
        var network = new TwoLayerNetwork<float>(10, 5, 10);
        WorkspacePool<float> pool = network.CreateWorkspacePool(20);
        Assert.Equal(network.Dimensions, pool.Dimensions);
        Assert.Equal(20, pool.MaxBatchSize);

        Workspace<float> a = pool.Rent();
        Workspace<float> b = pool.Rent();
        Assert.NotSame(a, b);
        Assert.Equal(network.Dimensions, a.Dimensions);
        Assert.Equal(20, a.MaxBatchSize);

        pool.Return(a);
        Assert.Same(a, pool.Rent());
        pool.Return(b);
        Assert.Same(b, pool.Rent());
    }

    [Fact]
    public void The_pool_grows_past_its_initial_capacity_and_hands_back_every_workspace()
    {
        WorkspacePool<double> pool = new TwoLayerNetwork<double>(4, 3, 2).CreateWorkspacePool(5);
        int count = (3 * Environment.ProcessorCount) + 9;
        Workspace<double>[] rented = Enumerable.Range(0, count).Select(_ => pool.Rent()).ToArray();
        foreach (Workspace<double> workspace in rented)
        {
            pool.Return(workspace);
        }

        Workspace<double>[] again = Enumerable.Range(0, count).Select(_ => pool.Rent()).ToArray();
        Assert.Equal(count, again.Distinct().Count());
        Assert.True(again.All(w => rented.Contains(w)), "the pool created a workspace although returned ones were available");
    }

    [Fact]
    public void The_pool_rejects_a_workspace_of_other_dimensions_or_batch_size_saying_both()
    {
        WorkspacePool<float> pool = new TwoLayerNetwork<float>(10, 5, 10).CreateWorkspacePool(20);
        var otherDimensions = new Workspace<float>(new NetworkDimensions(10, 5, 11), 20);
        var otherBatch = new Workspace<float>(new NetworkDimensions(10, 5, 10), 21);

        var exception = Assert.Throws<ArgumentException>(() => pool.Return(otherDimensions));
        Assert.Equal("workspace", exception.ParamName);
        Assert.Contains("(10, 5, 11)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("(10, 5, 10)", exception.Message, StringComparison.Ordinal);

        exception = Assert.Throws<ArgumentException>(() => pool.Return(otherBatch));
        Assert.Equal("workspace", exception.ParamName);
        Assert.Contains("batch 21", exception.Message, StringComparison.Ordinal);
        Assert.Contains("batch 20", exception.Message, StringComparison.Ordinal);

        Assert.Equal("workspace", Assert.Throws<ArgumentNullException>(() => pool.Return(null!)).ParamName);

        // Nothing rejected entered the pool: the next rent is a new workspace of the pool's shape.
        Workspace<float> rented = pool.Rent();
        Assert.NotSame(otherDimensions, rented);
        Assert.NotSame(otherBatch, rented);
        Assert.Equal(20, rented.MaxBatchSize);
    }

    [Fact]
    public void The_pool_accepts_a_workspace_of_its_shape_made_elsewhere()
    {
        // Documented behaviour: a workspace is interchangeable with any other of the same dimensions and batch size.
        WorkspacePool<float> pool = new TwoLayerNetwork<float>(10, 5, 10).CreateWorkspacePool(20);
        var made = new Workspace<float>(new NetworkDimensions(10, 5, 10), 20);
        pool.Return(made);
        Assert.Same(made, pool.Rent());
    }

    // ---- many threads ----

    private sealed record Expected<T>(T Cost, T[] Gradient, T[] InputGradient, T[] Probabilities, int Class)
        where T : unmanaged, IFloatingPointIeee754<T>;

    [Fact]
    public void Eight_threads_renting_from_one_pool_give_bitwise_the_single_threaded_results()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int Threads = 8, Rounds = 12, MaxBatch = 32;
            int[] batches = [1, 7, 32];
            NetworkProblem[] problems = batches.Select(b => NetworkProblem.Random(b, b, 40, 24, 10)).ToArray();
            TwoLayerNetwork<T> network = problems[0].Network<T>();
            Workspace<T> single = network.CreateWorkspace(MaxBatch);
            Expected<T>[] expected = problems.Select(p => Compute(network, p, single)).ToArray();

            WorkspacePool<T> pool = network.CreateWorkspacePool(MaxBatch);
            var failures = new ConcurrentQueue<string>();
            var seen = new ConcurrentDictionary<Workspace<T>, bool>();
            using var start = new Barrier(Threads);
            Thread[] threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (int round = 0; round < Rounds; round++)
                {
                    int which = (t + round) % problems.Length;
                    Workspace<T> workspace = pool.Rent();
                    seen[workspace] = true;
                    try
                    {
                        Expected<T> actual = Compute(network, problems[which], workspace);
                        Expected<T> wanted = expected[which];
                        if (!actual.Cost.Equals(wanted.Cost) || !actual.Gradient.SequenceEqual(wanted.Gradient) ||
                            !actual.InputGradient.SequenceEqual(wanted.InputGradient) ||
                            !actual.Probabilities.SequenceEqual(wanted.Probabilities) || actual.Class != wanted.Class)
                        {
                            failures.Enqueue($"thread {t}, round {round}, {problems[which]}: results differ from the single-threaded run");
                        }
                    }
                    catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
                    {
                        failures.Enqueue($"thread {t}, round {round}: {exception}");
                    }
                    finally
                    {
                        pool.Return(workspace);
                    }
                }
            })).ToArray();

            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            Assert.Empty(failures);
            Assert.InRange(seen.Count, 1, Threads);
        }
    }

    /// <summary>ForwardBackward with the input gradient, then Predict of the last example, with fresh output buffers.</summary>
    private static Expected<T> Compute<T>(TwoLayerNetwork<T> network, NetworkProblem problem, Workspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkDimensions d = problem.Dimensions;
        T[] data = As<T>(problem.Data);
        T[] parameters = As<T>(problem.Parameters);
        T[] gradient = new T[d.ParameterCount];
        T[] inputGradient = new T[problem.Batch * d.Inputs];
        T[] probabilities = new T[d.Outputs];
        T cost = network.ForwardBackward(
            new ReadOnlySpan2D<T>(data, problem.Batch, d.Inputs), problem.Labels, parameters, gradient, new Span2D<T>(inputGradient, problem.Batch, d.Inputs), workspace);
        int predicted = network.Predict(data.AsSpan((problem.Batch - 1) * d.Inputs, d.Inputs), parameters, probabilities, workspace);
        return new Expected<T>(cost, gradient, inputGradient, probabilities, predicted);
    }
}
