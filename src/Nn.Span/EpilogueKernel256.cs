using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// The float epilogue of the AVX2 packed product (<see cref="PackedGemm"/>, along row strips): applied to one strip of
/// C, the rows of one A panel across one B block, right after the kernel stored its last K block, while the strip is
/// in L1 (6 rows x 128 columns = 3 KiB with K blocks of 512).
/// </summary>
internal static unsafe class EpilogueKernel256
{
    private const int Lanes = 8;

    /// <summary>Applies the epilogue in place to a stored strip of C, <paramref name="rows"/> x <paramref name="columns"/>.</summary>
    public static void FinishStrip(float* c, nint cStride, int rows, int columns, in EpilogueArguments epilogue)
    {
        switch (epilogue.Kind)
        {
            case ProductEpilogue.AddBias:
                FinishStrip<AddBiasEpilogue>(c, cStride, rows, columns, epilogue);
                break;
            case ProductEpilogue.AddBiasThenSigmoid:
                FinishStrip<BiasSigmoidEpilogue>(c, cStride, rows, columns, epilogue);
                break;
            case ProductEpilogue.TimesSigmoidDerivative:
                FinishStrip<SigmoidSlopeEpilogue>(c, cStride, rows, columns, epilogue);
                break;
        }
    }

    /// <summary>
    /// Row by row, eight columns at a time; the last columns (fewer than eight) through masked loads and stores, which
    /// never touch the lanes past the strip's end. One row's vectors are independent, so their chains overlap; with
    /// several rows in flight at once the sixteen registers spilled.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FinishStrip<TEpilogue>(float* c, nint cStride, int rows, int columns, EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
    {
        float* bias = epilogue.Bias;
        int full = columns - (columns % Lanes);
        Vector256<float> all = Vector256<float>.AllBitsSet;
        Vector256<float> tailMask = LaneMask.First256(columns - full);
        for (int r = 0; r < rows; r++)
        {
            float* row = c + (r * cStride);
            float* h = epilogue.Sigmoid + (r * epilogue.SigmoidStride);
            for (int j = 0; j < full; j += Lanes)
            {
                Step<TEpilogue>(row + j, h + j, bias + j, all, masked: false);
            }

            if (full < columns)
            {
                Step<TEpilogue>(row + full, h + full, bias + full, tailMask, masked: true);
            }
        }
    }

    /// <summary>
    /// c = epilogue(c, bias, h) for eight columns of a row (or the lanes of <paramref name="mask"/>). The bias and h
    /// are only read when the epilogue uses them (they may be null otherwise).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TEpilogue>(float* c, float* h, float* bias, Vector256<float> mask, bool masked)
        where TEpilogue : struct, ITileEpilogue
    {
        Vector256<float> b = TEpilogue.ReadsBias ? Load(bias, mask, masked) : Vector256<float>.Zero;
        Vector256<float> sigmoid = TEpilogue.ReadsSigmoid ? Load(h, mask, masked) : Vector256<float>.Zero;
        Store(c, TEpilogue.Apply(Load(c, mask, masked), b, sigmoid), mask, masked);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(float* source, Vector256<float> mask, bool masked) =>
        masked ? Avx.MaskLoad(source, mask) : Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* destination, Vector256<float> value, Vector256<float> mask, bool masked)
    {
        if (masked)
        {
            Avx.MaskStore(destination, mask, value);
        }
        else
        {
            value.Store(destination);
        }
    }
}
