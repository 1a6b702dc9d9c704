using static Nn.Span.Tests.NetworkData;

namespace Nn.Span.Tests;

/// <summary>
/// After one warm-up call, the network's calls and the pool's Rent/Return allocate nothing: measured with
/// GC.GetAllocatedBytesForCurrentThread around 20 calls (the loops are written inline: spans cannot be captured).
/// </summary>
public sealed class NetworkAllocationTests
{
    private const int Repetitions = 20;

    [Fact]
    public void ForwardBackward_with_class_labels_one_hot_labels_and_the_input_gradient_allocates_nothing_after_warm_up()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            foreach ((int batch, int inputs, int hidden, int outputs) in new[] { (20, 10, 5, 10), (1, 64, 32, 10), (67, 97, 65, 13) })
            {
                var problem = NetworkProblem.Random(1, batch, inputs, hidden, outputs);
                TwoLayerNetwork<T> network = problem.Network<T>();
                Workspace<T> workspace = network.CreateWorkspace(batch);
                T[] data = As<T>(problem.Data);
                T[] parameters = As<T>(problem.Parameters);
                T[] y = problem.OneHot<T>();
                int[] labels = problem.Labels;
                T[] gradient = new T[network.ParameterCount];
                T[] inputGradient = new T[batch * inputs];
                T sink = T.Zero;

                for (int pass = 0; pass < 2; pass++)
                {
                    // Pass 0 warms up; pass 1 is measured.
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < (pass == 0 ? 1 : Repetitions); i++)
                    {
                        var x = new ReadOnlySpan2D<T>(data, batch, inputs);
                        var oneHot = new ReadOnlySpan2D<T>(y, batch, outputs);
                        var dx = new Span2D<T>(inputGradient, batch, inputs);
                        sink += network.ForwardBackward(x, labels, parameters, gradient, workspace);
                        sink += network.ForwardBackward(x, labels, parameters, gradient, dx, workspace);
                        sink += network.ForwardBackward(x, oneHot, parameters, gradient, workspace);
                        sink += network.ForwardBackward(x, oneHot, parameters, gradient, dx, workspace);
                    }

                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    if (pass == 1)
                    {
                        Assert.True(allocated == 0, $"{typeof(T).Name} {problem}: {allocated} bytes allocated by {4 * Repetitions} ForwardBackward calls");
                    }
                }

                Assert.True(T.IsFinite(sink));
            }
        }
    }

    [Fact]
    public void Forward_and_Predict_allocate_nothing_after_warm_up()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            foreach ((int batch, int inputs, int hidden, int outputs) in new[] { (20, 10, 5, 10), (64, 64, 128, 10), (67, 97, 65, 13) })
            {
                var problem = NetworkProblem.Random(2, batch, inputs, hidden, outputs);
                TwoLayerNetwork<T> network = problem.Network<T>();
                Workspace<T> workspace = network.CreateWorkspace(batch);
                T[] data = As<T>(problem.Data);
                T[] parameters = As<T>(problem.Parameters);
                T[] probabilities = new T[batch * outputs];
                int[] classes = new int[batch];
                int sink = 0;

                for (int pass = 0; pass < 2; pass++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < (pass == 0 ? 1 : Repetitions); i++)
                    {
                        var x = new ReadOnlySpan2D<T>(data, batch, inputs);
                        var yhat = new Span2D<T>(probabilities, batch, outputs);
                        network.Forward(x, parameters, yhat, workspace);
                        network.Forward(x, parameters, yhat, classes, workspace);
                        network.Forward(x, parameters, Span2D<T>.Empty, classes, workspace);
                        sink += network.Predict(data.AsSpan(0, inputs), parameters, probabilities.AsSpan(0, outputs), workspace);
                    }

                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    if (pass == 1)
                    {
                        Assert.True(allocated == 0, $"{typeof(T).Name} {problem}: {allocated} bytes allocated by {Repetitions} rounds of Forward and Predict");
                    }
                }

                Assert.InRange(sink, 0, Repetitions * outputs);
            }
        }
    }

    [Fact]
    public void WorkspacePool_Rent_and_Return_allocate_nothing_once_the_pool_holds_enough_workspaces()
    {
        WorkspacePool<float> pool = new TwoLayerNetwork<float>(10, 5, 10).CreateWorkspacePool(20);

        // Warm up with three workspaces in use at once, then rent and return up to three at a time.
        Workspace<float> a = pool.Rent(), b = pool.Rent(), c = pool.Rent();
        pool.Return(a);
        pool.Return(b);
        pool.Return(c);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Repetitions; i++)
        {
            a = pool.Rent();
            b = pool.Rent();
            pool.Return(a);
            c = pool.Rent();
            a = pool.Rent();
            pool.Return(c);
            pool.Return(b);
            pool.Return(a);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated by {4 * Repetitions} Rent/Return pairs");
    }
}
