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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EpilogueArguments At(int row, int column) =>
        new(Kind, Bias == null ? null : Bias + column, Sigmoid == null ? null : Sigmoid + (row * SigmoidStride) + column, SigmoidStride);
}

/// <summary>The float epilogue over one stored tile of C, shared by the direct and the packed kernels.</summary>
internal static unsafe class EpilogueKernel
{
    /// <summary>The most rows <see cref="FinishTile"/> takes in one call.</summary>
    public const int TileRows = 8;

    /// <summary>
    /// Applies the epilogue to a stored tile (rows x columns, at most <see cref="TileRows"/> x 32: small enough to be in
    /// L1 right after the kernel wrote it) in place.
    /// </summary>
    public static void FinishTile(float* c, nint cStride, int rows, int columns, EpilogueArguments epilogue)
    {
        switch (epilogue.Kind)
        {
            case ProductEpilogue.AddBias:
                FinishTile<AddBiasEpilogue>(c, cStride, rows, columns, epilogue);
                break;
            case ProductEpilogue.AddBiasThenSigmoid:
                FinishTile<BiasSigmoidEpilogue>(c, cStride, rows, columns, epilogue);
                break;
            case ProductEpilogue.TimesSigmoidDerivative:
                FinishTile<SigmoidSlopeEpilogue>(c, cStride, rows, columns, epilogue);
                break;
        }
    }

    /// <summary>
    /// All eight rows of a column block are loaded before any is stored back: one row's sigmoid is a chain of some 30
    /// dependent operations, and eight independent chains overlap where one after the other would not (a row's load
    /// would also wait on the previous row's overlapping masked store).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FinishTile<TEpilogue>(float* c, nint cStride, int rows, int columns, EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
    {
        Vector512<float> zero = Vector512<float>.Zero;
        for (int column = 0; column < columns; column += Vector512<float>.Count)
        {
            Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(columns - column)).AsSingle();
            Vector512<float> bias = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias + column, mask, zero) : zero;

            // Row r of the tile, and of the sigmoid output; rows past the tile's end repeat its last row: computed,
            // never stored.
            nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1), r4 = Math.Min(4, rows - 1);
            nint r5 = Math.Min(5, rows - 1), r6 = Math.Min(6, rows - 1), r7 = Math.Min(7, rows - 1);
            float* c0 = c + column;
            float* h0 = epilogue.Sigmoid + column;
            nint hStride = epilogue.SigmoidStride;
            Vector512<float> v0 = TEpilogue.Apply(Avx512F.MaskLoad(c0, mask, zero), bias, h0, mask);
            Vector512<float> v1 = TEpilogue.Apply(Avx512F.MaskLoad(c0 + (r1 * cStride), mask, zero), bias, h0 + (r1 * hStride), mask);
            Vector512<float> v2 = TEpilogue.Apply(Avx512F.MaskLoad(c0 + (r2 * cStride), mask, zero), bias, h0 + (r2 * hStride), mask);
            Vector512<float> v3 = TEpilogue.Apply(Avx512F.MaskLoad(c0 + (r3 * cStride), mask, zero), bias, h0 + (r3 * hStride), mask);
            Vector512<float> v4 = TEpilogue.Apply(Avx512F.MaskLoad(c0 + (r4 * cStride), mask, zero), bias, h0 + (r4 * hStride), mask);
            Vector512<float> v5 = TEpilogue.Apply(Avx512F.MaskLoad(c0 + (r5 * cStride), mask, zero), bias, h0 + (r5 * hStride), mask);
            Vector512<float> v6 = TEpilogue.Apply(Avx512F.MaskLoad(c0 + (r6 * cStride), mask, zero), bias, h0 + (r6 * hStride), mask);
            Vector512<float> v7 = TEpilogue.Apply(Avx512F.MaskLoad(c0 + (r7 * cStride), mask, zero), bias, h0 + (r7 * hStride), mask);
            Avx512F.MaskStore(c0, mask, v0);
            if (rows > 1) Avx512F.MaskStore(c0 + cStride, mask, v1);
            if (rows > 2) Avx512F.MaskStore(c0 + (2 * cStride), mask, v2);
            if (rows > 3) Avx512F.MaskStore(c0 + (3 * cStride), mask, v3);
            if (rows > 4) Avx512F.MaskStore(c0 + (4 * cStride), mask, v4);
            if (rows > 5) Avx512F.MaskStore(c0 + (5 * cStride), mask, v5);
            if (rows > 6) Avx512F.MaskStore(c0 + (6 * cStride), mask, v6);
            if (rows > 7) Avx512F.MaskStore(c0 + (7 * cStride), mask, v7);
        }
    }
}

/// <summary>
/// An epilogue as a type, so that a tile kernel generic over it is compiled with the epilogue inlined and no branch:
/// c = Apply(acc, bias of the columns, the sigmoid output's row at the same columns, column mask).
/// </summary>
internal unsafe interface ITileEpilogue
{
    /// <summary>Whether <c>Apply</c> reads the bias.</summary>
    static abstract bool ReadsBias { get; }

    /// <summary>Whether the store adds beta times C's previous contents to the accumulator (beta != 0) first.</summary>
    static abstract bool ReadsC { get; }

    static abstract Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask);

    /// <summary>Whether the Vector256 <see cref="Apply(Vector256{float}, Vector256{float}, Vector256{float})"/> reads the sigmoid output.</summary>
    static abstract bool ReadsSigmoid { get; }

    /// <summary>The same step on eight lanes, with the bias and the sigmoid output already loaded (zero where not read).</summary>
    static abstract Vector256<float> Apply(Vector256<float> accumulator, Vector256<float> bias, Vector256<float> sigmoid);
}

/// <summary>c = acc.</summary>
internal readonly unsafe struct NoEpilogue : ITileEpilogue
{
    public static bool ReadsBias => false;

    public static bool ReadsC => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask) => accumulator;

    public static bool ReadsSigmoid => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> accumulator, Vector256<float> bias, Vector256<float> sigmoid) => accumulator;
}

/// <summary>c = acc + beta c: the plain product with beta != 0.</summary>
internal readonly unsafe struct ScaledCEpilogue : ITileEpilogue
{
    public static bool ReadsBias => false;

    public static bool ReadsC => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask) => accumulator;

    public static bool ReadsSigmoid => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> accumulator, Vector256<float> bias, Vector256<float> sigmoid) => accumulator;
}

/// <summary>c = acc + bias[j].</summary>
internal readonly unsafe struct AddBiasEpilogue : ITileEpilogue
{
    public static bool ReadsBias => true;

    public static bool ReadsC => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask) => accumulator + bias;

    public static bool ReadsSigmoid => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> accumulator, Vector256<float> bias, Vector256<float> sigmoid) => accumulator + bias;
}

/// <summary>c = sigma(acc + bias[j]).</summary>
internal readonly unsafe struct BiasSigmoidEpilogue : ITileEpilogue
{
    public static bool ReadsBias => true;

    public static bool ReadsC => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask) =>
        FloatExponential.SigmoidOperator.Invoke(accumulator + bias);

    public static bool ReadsSigmoid => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> accumulator, Vector256<float> bias, Vector256<float> sigmoid) => FloatExponential.SigmoidOperator.Invoke(accumulator + bias);
}

/// <summary>c = acc * h (1 - h), h the sigmoid output at the same position.</summary>
internal readonly unsafe struct SigmoidSlopeEpilogue : ITileEpilogue
{
    public static bool ReadsBias => false;

    public static bool ReadsC => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> accumulator, Vector512<float> bias, float* sigmoid, Vector512<float> mask)
    {
        Vector512<float> h = Avx512F.MaskLoad(sigmoid, mask, Vector512<float>.Zero);
        return accumulator * (h * (Vector512<float>.One - h));
    }

    public static bool ReadsSigmoid => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> accumulator, Vector256<float> bias, Vector256<float> sigmoid) => accumulator * (sigmoid * (Vector256<float>.One - sigmoid));
}
