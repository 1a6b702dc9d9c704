namespace Nn.Span.Tests;

/// <summary>
/// One-example prediction for host applications: the same answer as the batch forward pass, zero allocation after
/// warm-up (with a workspace or a pool), and identical results from 8 threads sharing one pool and one parameter vector.
/// </summary>
public sealed class PredictionTests
{
    private static readonly TwoLayerNetwork<float> Network = new(inputs: 64, hidden: 32, outputs: 10);
    private const int Examples = 100;

    private static (float[] Data, float[] Parameters) Sample(int seed)
    {
        var random = new Random(seed);
        return (Reference.Uniform<float>(random, Examples * 64, 0, 1), Reference.Uniform<float>(random, Network.ParameterCount, -0.5, 0.5));
    }

    [Fact]
    public void Predict_gives_the_batch_forward_pass_probabilities_and_classes()
    {
        (float[] data, float[] parameters) = Sample(401);
        float[] batchProbabilities = new float[Examples * 10];
        int[] batchClasses = new int[Examples];
        Network.Forward(new ReadOnlySpan2D<float>(data, Examples, 64), parameters, new Span2D<float>(batchProbabilities, Examples, 10), batchClasses, Network.CreateWorkspace(Examples));

        WorkspacePool<float> pool = Network.CreateWorkspacePool(maxBatchSize: 1);
        float[] probabilities = new float[10];
        for (int example = 0; example < Examples; example++)
        {
            int predicted = Network.Predict(data.AsSpan(example * 64, 64), parameters, probabilities, pool);
            Assert.Equal(batchClasses[example], predicted);
            Assert.Equal(batchProbabilities.AsSpan(example * 10, 10).ToArray(), probabilities, (a, b) => Math.Abs(a - b) <= 1e-6f);
        }
    }

    [Fact]
    public void Predict_allocates_nothing_after_warm_up_with_a_workspace_or_a_pool()
    {
        (float[] data, float[] parameters) = Sample(402);
        Workspace<float> workspace = Network.CreateWorkspace(maxBatchSize: 1);
        WorkspacePool<float> pool = Network.CreateWorkspacePool(maxBatchSize: 1);
        float[] probabilities = new float[10];
        int sum = 0;
        void Run()
        {
            for (int example = 0; example < Examples; example++)
            {
                sum += Network.Predict(data.AsSpan(example * 64, 64), parameters, probabilities, workspace);
                sum += Network.Predict(data.AsSpan(example * 64, 64), parameters, probabilities, pool);
            }
        }

        Assert.Equal(0, Allocations.FewestBytesInARound(Run, repetitions: 2));
        Assert.True(sum >= 0);
    }

    [Fact]
    public void Eight_threads_sharing_one_pool_get_the_single_thread_results_bit_for_bit_and_allocate_nothing()
    {
        const int threadCount = 8;
        const int rounds = 20;
        (float[] data, float[] parameters) = Sample(403);
        WorkspacePool<float> pool = Network.CreateWorkspacePool(maxBatchSize: 1);

        float[] expectedProbabilities = new float[Examples * 10];
        int[] expectedClasses = new int[Examples];
        for (int example = 0; example < Examples; example++)
        {
            expectedClasses[example] = Network.Predict(data.AsSpan(example * 64, 64), parameters, expectedProbabilities.AsSpan(example * 10, 10), pool);
        }

        // Grow the pool to one workspace per thread up front, so that no thread has to create one while measuring.
        Workspace<float>[] rented = Enumerable.Range(0, threadCount).Select(_ => pool.Rent()).ToArray();
        foreach (Workspace<float> workspace in rented)
        {
            pool.Return(workspace);
        }

        float[][] probabilities = new float[threadCount][];
        int[][] classes = new int[threadCount][];
        long[] allocated = new long[threadCount];
        Exception?[] errors = new Exception?[threadCount];
        using var start = new Barrier(threadCount);
        Thread[] threads = Enumerable.Range(0, threadCount).Select(index => new Thread(() =>
        {
            try
            {
                float[] threadProbabilities = probabilities[index] = new float[Examples * 10];
                int[] threadClasses = classes[index] = new int[Examples];
                void Run()
                {
                    for (int example = 0; example < Examples; example++)
                    {
                        threadClasses[example] = Network.Predict(data.AsSpan(example * 64, 64), parameters, threadProbabilities.AsSpan(example * 10, 10), pool);
                    }
                }

                Run(); // warm-up
                start.SignalAndWait();
                allocated[index] = Allocations.FewestBytesInARound(Run, repetitions: rounds / 4, rounds: 4);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                errors[index] = error;
                start.RemoveParticipant();
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

        for (int index = 0; index < threadCount; index++)
        {
            Assert.Null(errors[index]);
            Assert.Equal(expectedClasses, classes[index]);
            Assert.Equal(expectedProbabilities, probabilities[index]);
            Assert.Equal(0, allocated[index]);
        }
    }

    [Fact]
    public void Predict_rejects_a_pool_of_other_dimensions_and_wrong_lengths_without_writing()
    {
        (float[] data, float[] parameters) = Sample(404);
        float[] probabilities = [7f, 7f, 7f, 7f, 7f, 7f, 7f, 7f, 7f, 7f];
        var otherPool = new WorkspacePool<float>(new NetworkDimensions(64, 16, 10), 1);
        WorkspacePool<float> pool = Network.CreateWorkspacePool(1);

        var error = Assert.Throws<ArgumentException>(() => Network.Predict(data.AsSpan(0, 64), parameters, probabilities, otherPool));
        Assert.Equal("pool", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Network.Predict(data.AsSpan(0, 63), parameters, probabilities, pool));
        Assert.Equal("example", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Network.Predict(data.AsSpan(0, 64), parameters, probabilities.AsSpan(0, 9), pool));
        Assert.Equal("probabilities", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Network.Predict(data.AsSpan(0, 64), parameters.AsSpan(1), probabilities, pool));
        Assert.Equal("parameters", error.ParamName);

        Assert.All(probabilities, value => Assert.Equal(7f, value));
    }
}
