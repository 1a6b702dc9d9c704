namespace Nn.Span.Benchmarks;

/// <summary>
/// One network workload of the benchmark suite: a batch of <see cref="BatchSize"/> examples through a
/// network of dimensions (Dx, H, Dy). Shown in tables by its short name.
/// </summary>
public sealed record Workload(string Name, int BatchSize, int Inputs, int Hidden, int Outputs) : IHasFlops
{
    /// <summary>seed: the seed's sanity check.</summary>
    public static Workload Seed { get; } = new("seed", 20, 10, 5, 10);

    /// <summary>online: one sample at a time in a host app.</summary>
    public static Workload Online { get; } = new("online", 1, 64, 32, 10);

    /// <summary>digits: a mini-batch on the 8x8 digits data.</summary>
    public static Workload Digits { get; } = new("digits", 64, 64, 128, 10);

    /// <summary>mnist: GEMM-bound throughput.</summary>
    public static Workload Mnist { get; } = new("mnist", 256, 784, 512, 10);

    /// <summary>wide: large products and a wide softmax.</summary>
    public static Workload Wide { get; } = new("wide", 512, 1024, 1024, 1000);

    /// <summary>Every workload, smallest first.</summary>
    public static IReadOnlyList<Workload> All { get; } = [Seed, Online, Digits, Mnist, Wide];

    /// <summary>The network's dimensions.</summary>
    public NetworkDimensions Dimensions => new(Inputs, Hidden, Outputs);

    /// <summary>
    /// Floating-point operations of the five products of one forward+backward call, 2 M N K each:
    /// X W1 and X^T dZ1 (N Dx H), h W2, h^T dZ2 and dZ2 W2^T (N H Dy).
    /// </summary>
    public double Flops => 2.0 * BatchSize * ((2.0 * Inputs * Hidden) + (3.0 * Hidden * Outputs));

    /// <inheritdoc />
    public override string ToString() => Name;
}
