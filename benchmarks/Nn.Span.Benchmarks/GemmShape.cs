namespace Nn.Span.Benchmarks;

/// <summary>
/// One matrix product C (M x N) = op(A) op(B) with depth K, shown as M x K x N plus which operand
/// is transposed, and where the network uses it.
/// </summary>
public sealed record GemmShape(int M, int K, int N, Transpose TransposeA, Transpose TransposeB) : IHasFlops
{
    /// <summary>The shapes of the design: the mnist and wide products and the tiny seed product.</summary>
    public static IReadOnlyList<GemmShape> All { get; } =
    [
        new(20, 10, 5, Transpose.None, Transpose.None),            // seed: X W1-sized tiny product
        new(256, 512, 10, Transpose.None, Transpose.None),         // mnist: h W2 (thin N)
        new(512, 256, 10, Transpose.Transposed, Transpose.None),   // mnist: h^T dZ2 (dW2)
        new(256, 10, 512, Transpose.None, Transpose.Transposed),   // mnist: dZ2 W2^T (dH, K = 10)
        new(256, 784, 512, Transpose.None, Transpose.None),        // mnist: X W1
        new(784, 256, 512, Transpose.Transposed, Transpose.None),  // mnist: X^T dZ1 (dW1)
        new(512, 1024, 1024, Transpose.None, Transpose.None),      // wide: X W1
    ];

    /// <summary>Rows of A as stored.</summary>
    public int AHeight => TransposeA == Transpose.Transposed ? K : M;

    /// <summary>Columns of A as stored.</summary>
    public int AWidth => TransposeA == Transpose.Transposed ? M : K;

    /// <summary>Rows of B as stored.</summary>
    public int BHeight => TransposeB == Transpose.Transposed ? N : K;

    /// <summary>Columns of B as stored.</summary>
    public int BWidth => TransposeB == Transpose.Transposed ? K : N;

    /// <inheritdoc />
    public double Flops => 2.0 * M * N * K;

    /// <inheritdoc />
    public override string ToString() =>
        $"{M}x{K}x{N}{(TransposeA == Transpose.Transposed ? " AT" : "")}{(TransposeB == Transpose.Transposed ? " BT" : "")}";
}
