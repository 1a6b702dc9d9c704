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
    /// <summary>
    /// Applies the epilogue to a stored tile (rows x columns, at most 8 x 32: small enough to be in L1 right after the
    /// kernel wrote it) in place. All eight rows of a column block are loaded before any is stored back: one row's
    /// sigmoid is a chain of some 30 dependent operations, and eight independent chains overlap where one after the
    /// other would not (a row's load would also wait on the previous row's overlapping masked store).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void FinishTile(float* c, nint cStride, int rows, int columns, EpilogueArguments epilogue)
    {
        Vector512<float> zero = Vector512<float>.Zero;
        for (int column = 0; column < columns; column += Vector512<float>.Count)
        {
            Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns - column)).AsSingle();

            // Rows past the tile's end repeat its last row: computed, never stored.
            float* c0 = c + column;
            float* c1 = c0 + (Math.Min(1, rows - 1) * cStride);
            float* c2 = c0 + (Math.Min(2, rows - 1) * cStride);
            float* c3 = c0 + (Math.Min(3, rows - 1) * cStride);
            float* c4 = c0 + (Math.Min(4, rows - 1) * cStride);
            float* c5 = c0 + (Math.Min(5, rows - 1) * cStride);
            float* c6 = c0 + (Math.Min(6, rows - 1) * cStride);
            float* c7 = c0 + (Math.Min(7, rows - 1) * cStride);
            Vector512<float> v0 = Avx512F.MaskLoad(c0, mask, zero), v1 = Avx512F.MaskLoad(c1, mask, zero);
            Vector512<float> v2 = Avx512F.MaskLoad(c2, mask, zero), v3 = Avx512F.MaskLoad(c3, mask, zero);
            Vector512<float> v4 = Avx512F.MaskLoad(c4, mask, zero), v5 = Avx512F.MaskLoad(c5, mask, zero);
            Vector512<float> v6 = Avx512F.MaskLoad(c6, mask, zero), v7 = Avx512F.MaskLoad(c7, mask, zero);
            switch (epilogue.Kind)
            {
                case ProductEpilogue.AddBias:
                {
                    // c = acc + bias[j]
                    Vector512<float> bias = Avx512F.MaskLoad(epilogue.Bias + column, mask, zero);
                    v0 += bias; v1 += bias; v2 += bias; v3 += bias; v4 += bias; v5 += bias; v6 += bias; v7 += bias;
                    break;
                }

                case ProductEpilogue.AddBiasThenSigmoid:
                {
                    // c = sigma(acc + bias[j])
                    Vector512<float> bias = Avx512F.MaskLoad(epilogue.Bias + column, mask, zero);
                    v0 = FloatExponential.SigmoidOperator.Invoke(v0 + bias);
                    v1 = FloatExponential.SigmoidOperator.Invoke(v1 + bias);
                    v2 = FloatExponential.SigmoidOperator.Invoke(v2 + bias);
                    v3 = FloatExponential.SigmoidOperator.Invoke(v3 + bias);
                    v4 = FloatExponential.SigmoidOperator.Invoke(v4 + bias);
                    v5 = FloatExponential.SigmoidOperator.Invoke(v5 + bias);
                    v6 = FloatExponential.SigmoidOperator.Invoke(v6 + bias);
                    v7 = FloatExponential.SigmoidOperator.Invoke(v7 + bias);
                    break;
                }

                default:
                {
                    // c = acc * (h (1 - h)), h the sigmoid output at the same position
                    float* h0 = epilogue.Sigmoid + column;
                    v0 *= SigmoidSlope(Avx512F.MaskLoad(h0, mask, zero));
                    v1 *= SigmoidSlope(Avx512F.MaskLoad(h0 + (Math.Min(1, rows - 1) * epilogue.SigmoidStride), mask, zero));
                    v2 *= SigmoidSlope(Avx512F.MaskLoad(h0 + (Math.Min(2, rows - 1) * epilogue.SigmoidStride), mask, zero));
                    v3 *= SigmoidSlope(Avx512F.MaskLoad(h0 + (Math.Min(3, rows - 1) * epilogue.SigmoidStride), mask, zero));
                    v4 *= SigmoidSlope(Avx512F.MaskLoad(h0 + (Math.Min(4, rows - 1) * epilogue.SigmoidStride), mask, zero));
                    v5 *= SigmoidSlope(Avx512F.MaskLoad(h0 + (Math.Min(5, rows - 1) * epilogue.SigmoidStride), mask, zero));
                    v6 *= SigmoidSlope(Avx512F.MaskLoad(h0 + (Math.Min(6, rows - 1) * epilogue.SigmoidStride), mask, zero));
                    v7 *= SigmoidSlope(Avx512F.MaskLoad(h0 + (Math.Min(7, rows - 1) * epilogue.SigmoidStride), mask, zero));
                    break;
                }
            }

            Avx512F.MaskStore(c0, mask, v0);
            if (rows > 1) Avx512F.MaskStore(c1, mask, v1);
            if (rows > 2) Avx512F.MaskStore(c2, mask, v2);
            if (rows > 3) Avx512F.MaskStore(c3, mask, v3);
            if (rows > 4) Avx512F.MaskStore(c4, mask, v4);
            if (rows > 5) Avx512F.MaskStore(c5, mask, v5);
            if (rows > 6) Avx512F.MaskStore(c6, mask, v6);
            if (rows > 7) Avx512F.MaskStore(c7, mask, v7);
        }
    }

    /// <summary>h (1 - h): the sigmoid's slope from its output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SigmoidSlope(Vector512<float> h) => h * (Vector512<float>.One - h);
}

/// <summary>
/// An epilogue as a type, so that a tile kernel generic over it is compiled with the epilogue inlined and no branch:
/// c = Apply(acc, bias of the columns, the sigmoid output's row at the same columns, column mask).
/// </summary>
internal unsafe interface ITileEpilogue
{
    /// <summary>Whether <see cref="Apply"/> reads the bias.</summary>
    static abstract bool ReadsBias { get; }

    static abstract Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask);
}

/// <summary>c = acc.</summary>
internal readonly unsafe struct NoEpilogue : ITileEpilogue
{
    public static bool ReadsBias => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask) => accumulator;
}

/// <summary>c = acc + bias[j].</summary>
internal readonly unsafe struct AddBiasEpilogue : ITileEpilogue
{
    public static bool ReadsBias => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask) => accumulator + bias;
}

/// <summary>c = sigma(acc + bias[j]).</summary>
internal readonly unsafe struct BiasSigmoidEpilogue : ITileEpilogue
{
    public static bool ReadsBias => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask) =>
        FloatExponential.SigmoidOperator.Invoke(accumulator + bias);
}

/// <summary>c = acc * h (1 - h), h the sigmoid output at the same position.</summary>
internal readonly unsafe struct SigmoidSlopeEpilogue : ITileEpilogue
{
    public static bool ReadsBias => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask)
    {
        Vector512<float> h = Avx512F.MaskLoad(sigmoid, mask, Vector512<float>.Zero);
        return accumulator * (h * (Vector512<float>.One - h));
    }
}
