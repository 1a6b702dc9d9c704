using static Nn.Span.Tests.NetworkData;

namespace Nn.Span.Tests;

/// <summary>
/// After one warm-up call, the network's calls and the pool's Rent/Return allocate nothing, measured with
/// GC.GetAllocatedBytesForCurrentThread over rounds of 20 calls (<see cref="Allocations"/>). Spans cannot be
/// captured, so each measured body builds its views from the arrays it captures.
/// </summary>
public sealed class NetworkAllocationTests
{
    private static readonly (int Batch, int Inputs, int Hidden, int Outputs)[] Shapes = [(20, 10, 5, 10), (1, 64, 32, 10), (67, 97, 65, 13), (67, 300, 257, 13), (41, 64, 300, 10)];

    [Fact]
    public void ForwardBackward_with_class_labels_one_hot_labels_and_the_input_gradient_allocates_nothing_after_warm_up()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            foreach ((int batch, int inputs, int hidden, int outputs) in Shapes)
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
                void Run()
                {
                    var x = new ReadOnlySpan2D<T>(data, batch, inputs);
                    var oneHot = new ReadOnlySpan2D<T>(y, batch, outputs);
                    var dx = new Span2D<T>(inputGradient, batch, inputs);
                    sink += network.ForwardBackward(x, labels, parameters, gradient, workspace);
                    sink += network.ForwardBackward(x, labels, parameters, gradient, dx, workspace);
                    sink += network.ForwardBackward(x, oneHot, parameters, gradient, workspace);
                    sink += network.ForwardBackward(x, oneHot, parameters, gradient, dx, workspace);
                }

                long allocated = Allocations.FewestBytesInARound(Run);

                Assert.True(allocated == 0, $"{typeof(T).Name} {problem}: {allocated} bytes allocated in the best round of 20 repetitions of four ForwardBackward calls");
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
            foreach ((int batch, int inputs, int hidden, int outputs) in Shapes)
            {
                var problem = NetworkProblem.Random(2, batch, inputs, hidden, outputs);
                TwoLayerNetwork<T> network = problem.Network<T>();
                Workspace<T> workspace = network.CreateWorkspace(batch);
                T[] data = As<T>(problem.Data);
                T[] parameters = As<T>(problem.Parameters);
                T[] probabilities = new T[batch * outputs];
                int[] classes = new int[batch];
                int sink = 0;
                void Run()
                {
                    var x = new ReadOnlySpan2D<T>(data, batch, inputs);
                    var yhat = new Span2D<T>(probabilities, batch, outputs);
                    network.Forward(x, parameters, yhat, workspace);
                    network.Forward(x, parameters, yhat, classes, workspace);
                    network.Forward(x, parameters, Span2D<T>.Empty, classes, workspace);
                    sink += network.Predict(data.AsSpan(0, inputs), parameters, probabilities.AsSpan(0, outputs), workspace);
                }

                long allocated = Allocations.FewestBytesInARound(Run);

                Assert.True(allocated == 0, $"{typeof(T).Name} {problem}: {allocated} bytes allocated in the best round of 20 repetitions of Forward and Predict");
                Assert.True(sink >= 0);
            }
        }
    }

    [Fact]
    public void WorkspacePool_Rent_and_Return_allocate_nothing_once_the_pool_holds_enough_workspaces()
    {
        WorkspacePool<float> pool = new TwoLayerNetwork<float>(10, 5, 10).CreateWorkspacePool(20);

        // Up to three workspaces out at once; the warm-up call creates them, later calls only move them.
        void Run()
        {
            Workspace<float> a = pool.Rent();
            Workspace<float> b = pool.Rent();
            pool.Return(a);
            Workspace<float> c = pool.Rent();
            a = pool.Rent();
            pool.Return(c);
            pool.Return(b);
            pool.Return(a);
        }

        long allocated = Allocations.FewestBytesInARound(Run);

        Assert.True(allocated == 0, $"{allocated} bytes allocated in the best round of 20 repetitions of four Rent/Return pairs");
    }
}
