using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

/// <summary>The float epilogue over one stored tile of C, shared by the direct and the packed kernels.</summary>
internal static unsafe class EpilogueKernel
{
    /// <summary>Applies the epilogue to a stored tile (rows x columns, at most 8 x 32: small enough to be in L1 right after the kernel wrote it) in place.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void FinishTile(float* c, nint cStride, int rows, int columns, EpilogueArguments epilogue)
    {
        Vector512<float> zero = Vector512<float>.Zero;
        for (int column = 0; column < columns; column += Vector512<float>.Count)
        {
            Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns - column)).AsSingle();
            Vector512<float> bias = epilogue.Kind == ProductEpilogue.TimesSigmoidDerivative ? zero : Avx512F.MaskLoad(epilogue.Bias + column, mask, zero);
            for (int row = 0; row < rows; row++)
            {
                float* element = c + (row * cStride) + column;
                Vector512<float> value = Avx512F.MaskLoad(element, mask, zero);
                switch (epilogue.Kind)
                {
                    case ProductEpilogue.AddBias:
                        // c = acc + bias[j]
                        value += bias;
                        break;
                    case ProductEpilogue.AddBiasThenSigmoid:
                        // c = sigma(acc + bias[j])
                        value = FloatExponential.SigmoidOperator.Invoke(value + bias);
                        break;
                    default:
                        // c = acc * (h (1 - h)), h the sigmoid output at the same position
                        Vector512<float> h = Avx512F.MaskLoad(epilogue.Sigmoid + (row * epilogue.SigmoidStride) + column, mask, zero);
                        value *= h * (Vector512<float>.One - h);
                        break;
                }

                Avx512F.MaskStore(element, mask, value);
            }
        }
    }

}
