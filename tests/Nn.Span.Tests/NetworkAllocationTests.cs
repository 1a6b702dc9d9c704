namespace Nn.Span.Tests;

/// <summary>The network's batch calls allocate nothing once warm: argument checks build their messages only on failure.</summary>
public sealed class NetworkAllocationTests
{
    [Fact]
    public void ForwardBackward_and_Forward_allocate_nothing_after_warm_up()
    {
        Run<float>();
        Run<double>();
    }

    private static void Run<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int rows = 32;
        var network = new TwoLayerNetwork<T>(inputs: 64, hidden: 64, outputs: 10);
        var random = new Random(501);
        T[] data = Reference.Uniform<T>(random, rows * 64, 0, 1);
        T[] parameters = Reference.Uniform<T>(random, network.ParameterCount, -0.5, 0.5);
        T[] gradient = new T[network.ParameterCount];
        int[] labels = Enumerable.Range(0, rows).Select(row => row % 10).ToArray();
        T[] oneHot = new T[rows * 10];
        for (int row = 0; row < rows; row++)
        {
            oneHot[(row * 10) + labels[row]] = T.One;
        }

        T[] probabilities = new T[rows * 10];
        int[] classes = new int[rows];
        Workspace<T> workspace = network.CreateWorkspace(rows);
        void Calls()
        {
            var x = new ReadOnlySpan2D<T>(data, rows, 64);
            network.ForwardBackward(x, labels, parameters, gradient, workspace);
            network.ForwardBackward(x, new ReadOnlySpan2D<T>(oneHot, rows, 10), parameters, gradient, workspace);
            network.Forward(x, parameters, new Span2D<T>(probabilities, rows, 10), classes, workspace);
        }

        Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Calls();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
