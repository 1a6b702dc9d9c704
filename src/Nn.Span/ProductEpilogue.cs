namespace Nn.Span;

/// <summary>
/// What a matrix product does to each element of C before it is stored, so that the network's element-wise steps
/// cost no extra pass over memory.
/// </summary>
internal enum ProductEpilogue
{
    /// <summary>C = op(A) op(B) + beta C.</summary>
    None,

    /// <summary>C[i, j] = (op(A) op(B))[i, j] + bias[j]: the logits z = h W2 + b2.</summary>
    AddBias,

    /// <summary>C[i, j] = sigma((op(A) op(B))[i, j] + bias[j]): the hidden layer h = sigma(X W1 + b1).</summary>
    AddBiasThenSigmoid,

    /// <summary>C[i, j] = (op(A) op(B))[i, j] h[i, j] (1 - h[i, j]): the hidden delta dZ1 = (dZ2 W2^T) * sigma'.</summary>
    TimesSigmoidDerivative,
}

/// <summary>The epilogue of a float product and where its operands are: bias (N values) or the sigmoid output (M x N).</summary>
internal readonly unsafe struct EpilogueArguments(ProductEpilogue kind, float* bias, float* sigmoid, nint sigmoidStride)
{
    public ProductEpilogue Kind { get; } = kind;

    public float* Bias { get; } = bias;

    public float* Sigmoid { get; } = sigmoid;

    public nint SigmoidStride { get; } = sigmoidStride;

    /// <summary>The same epilogue for the tile whose top-left element is C[row, column].</summary>
    public EpilogueArguments At(int row, int column) =>
        new(Kind, Bias == null ? null : Bias + column, Sigmoid == null ? null : Sigmoid + (row * SigmoidStride) + column, SigmoidStride);
}
