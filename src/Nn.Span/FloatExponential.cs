using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// e^x for float computed in float arithmetic: range reduction x = k ln2 + r with |r| &lt;= ln2 / 2 (k rounded to an
/// integer by adding and subtracting 1.5 * 2^23, two instructions where a round instruction costs two on some cores
/// and needs a multiply before it), a degree-6 polynomial for e^r, and a scale by 2^k applied in two halves (with
/// AVX-512, in one scale instruction; for non-positive inputs on Vector256, one product with a polynomial scaled by
/// 2^-64) so that results in the subnormal range round once and results above float's range overflow to +Inf. Every
/// width (Vector512, Vector256, Vector128, scalar) gives bitwise the same result for an input, so an element's result
/// does not depend on where it sits in a span.
/// </summary>
/// <remarks>
/// Accuracy, measured against double-precision e^x over the whole float range (see ExponentialAccuracyTests):
/// within 1.5 ulp of the exact value (worst seen 0.881 ulp); subnormal results within 1.5 ulp of the subnormal
/// spacing 2^-149.
/// Special values: e^NaN = NaN, e^+Inf = +Inf, e^-Inf = +0, e^x = +Inf for x &gt; ~88.72, +0 for x &lt; ~-103.97.
/// </remarks>
internal static class FloatExponential
{
    private const float Log2OfE = 1.44269504088896341f;

    // ln 2 split in two (Cody-Waite): the high part has few significant bits, so k * High is exact for |k| <= 2^8.
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;

    // k = round(x log2 e) as (x log2 e + RoundingShift) - RoundingShift: the fused sum is rounded once, to an integer,
    // because floats between 2^23 and 2^24 are spaced 1 apart; |x log2 e| <= 150 keeps it in that range.
    private const float RoundingShift = 12582912f;

    // Inputs are clamped to [Lowest, Highest]: below, e^x rounds to 0; above, it overflows to +Inf.
    private const float Lowest = -104f;
    private const float Highest = 89f;

    // e^r = 1 + r (1 + r (C2 + r (C3 + r (C4 + r (C5 + r C6))))) on |r| <= ln2/2: a degree-6 minimax polynomial for the
    // relative error (Remez exchange, with the first two coefficients held at 1 so that e^0 = 1 exactly), at most
    // 3.1e-9 before rounding, a fortieth of float's unit roundoff; evaluated by Horner's rule, six multiply-adds.
    private const float C2 = 4.999999404E-1f;
    private const float C3 = 1.666652113E-1f;
    private const float C4 = 4.166838899E-2f;
    private const float C5 = 8.368710056E-3f;
    private const float C6 = 1.381461276E-3f;

    // 2^-64: the polynomial's scale in the Vector256 exponential of non-positive inputs, which then multiplies by
    // 2^(k + 64) in one product (see ExpOfNonPositive(Vector256<float>)).
    private const float Down64 = 5.42101086242752217E-20f;

    /// <summary>destination[i] = e^x[i]; destination may be x itself. Lengths are checked by the caller.</summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> destination) =>
        VectorLoop.Unary<float, ExpOperator>(x, destination);

    /// <summary>e^x for one float, bit-identical to the vector lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        float clamped = Math.Clamp(x, Lowest, Highest);
        float k = MathF.FusedMultiplyAdd(clamped, Log2OfE, RoundingShift) - RoundingShift;
        float r = MathF.FusedMultiplyAdd(k, -Ln2High, clamped);
        r = MathF.FusedMultiplyAdd(k, -Ln2Low, r);
        float p = MathF.FusedMultiplyAdd(C6, r, C5);
        p = MathF.FusedMultiplyAdd(p, r, C4);
        p = MathF.FusedMultiplyAdd(p, r, C3);
        p = MathF.FusedMultiplyAdd(p, r, C2);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        int ki = (int)k;
        int half = ki >> 1;
        float result = p * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle((ki - half + 127) << 23);
        return float.IsNaN(x) ? x : result;
    }

    /// <summary>e^x lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> clamped = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(Lowest)), Vector512.Create(Highest));
        if (Avx512F.IsSupported)
        {
            return Vector512.ConditionalSelect(Vector512.Equals(x, x), ExpOfClamped(clamped), x);
        }

        Vector512<float> k = NearestExponent(clamped);
        Vector512<float> p = ReducedExp(clamped, k);
        Vector512<int> ki = Vector512.ConvertToInt32Native(k);
        Vector512<int> half = Vector512.ShiftRightArithmetic(ki, 1);
        Vector512<float> low = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        Vector512<float> high = Vector512.ShiftLeft(ki - half + Vector512.Create(127), 23).AsSingle();
        Vector512<float> result = p * low * high;
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>
    /// e^x lane by lane for x &lt;= 0 or NaN, such as logits less their row's maximum: bitwise the result of
    /// <see cref="Exp(Vector512{float})"/> for those inputs, three instructions shorter. With no input above 0 there is
    /// nothing to clamp from above, and a NaN lane survives the lower clamp because the maximum instruction returns its
    /// second operand when either is NaN; the rounding, the polynomial and the scale then carry it through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpOfNonPositive(Vector512<float> x)
    {
        if (!Avx512F.IsSupported)
        {
            return Exp(x);
        }

        return ExpOfClamped(Avx512F.Max(Vector512.Create(Lowest), x));
    }

    /// <summary>
    /// e^x lane by lane for x clamped to [-104, 89] (AVX-512 only): the exponentials after their clamps, for callers
    /// that clamp on their own. p 2^k in one scale instruction, rounded once: the same result as the two exact halves
    /// of the other widths (the first product p 2^(k/2) is exact, so only the second one rounds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpOfClamped(Vector512<float> clamped)
    {
        Vector512<float> k = NearestExponent(clamped);
        return Avx512F.Scale(ReducedExp(clamped, k), k);
    }

    /// <summary>k = round(x log2 e), by adding and subtracting the rounding shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> NearestExponent(Vector512<float> x) =>
        Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2OfE), Vector512.Create(RoundingShift)) - Vector512.Create(RoundingShift);

    /// <summary>
    /// e^r for r = x - k ln2 (|r| &lt;= ln2 / 2), where k = round(x log2 e): the reduction and the polynomial shared by
    /// both Vector512 exponentials, which differ only in their clamps and their NaN handling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ReducedExp(Vector512<float> x, Vector512<float> k)
    {
        Vector512<float> r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2High), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(C6), r, Vector512.Create(C5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        return Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
    }

    /// <summary>e^x lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> clamped = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(Lowest)), Vector256.Create(Highest));
        Vector256<float> k = NearestExponent(clamped);
        Vector256<float> p = ReducedExp(clamped, k);
        Vector256<int> ki = Vector256.ConvertToInt32Native(k);
        Vector256<int> half = Vector256.ShiftRightArithmetic(ki, 1);
        Vector256<float> low = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
        Vector256<float> high = Vector256.ShiftLeft(ki - half + Vector256.Create(127), 23).AsSingle();
        Vector256<float> result = p * low * high;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>
    /// e^x lane by lane for x &lt;= 0 or NaN: bitwise the result of <see cref="Exp(Vector256{float})"/> for those
    /// inputs, with fewer instructions. As in the Vector512 one, only the lower clamp is needed, and a NaN lane survives
    /// it (the maximum instruction returns its second operand for a NaN) and carries through on its own. The scale 2^k
    /// (k in [-150, 0], so results down to the subnormal range) is one product that rounds once: the polynomial is
    /// evaluated with every coefficient times 2^-64, which scales each of its steps by exactly 2^-64 (all stay normal
    /// floats), and 2^(k + 64), in [2^-86, 2^64], is a normal float built from its bits. (2^-64 p) 2^(k + 64) is then
    /// p 2^k rounded once, as the two halves of the other widths give it.
    /// </summary>
    /// <remarks>
    /// On an AMD Zen 3 core, in a loop over 4,096 floats in L1, this ran 1.47x as fast as the scale split into
    /// 2^max(k, -125) 2^(k - max(k, -125)) (five more instructions on the result's path), with bitwise the same results
    /// for every float from -0 to -110 and for NaN and -Inf. A branch to the halves only for lanes with k &lt; -126 had
    /// made the sigmoid of 8,192 floats about 1.2x slower than the split, the test and the branch costing more than the
    /// two products.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpOfNonPositive(Vector256<float> x)
    {
        Vector256<float> k = ReduceNonPositive(x, out Vector256<float> r);
        return ScaledPolynomial(r) * PowerOfTwoAbove64(k);
    }

    /// <summary>
    /// <see cref="ExpOfNonPositive(Vector256{float})"/> of both vectors in place, bitwise the same, the stages of the two
    /// (reduction, polynomial, scale) taken in turn: each is a chain of dependent instructions, and two of them side by
    /// side keep the core busier than one after the other (see <see cref="SigmoidOperator"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ExpOfNonPositive(ref Vector256<float> x0, ref Vector256<float> x1)
    {
        Vector256<float> k0 = ReduceNonPositive(x0, out Vector256<float> r0);
        Vector256<float> k1 = ReduceNonPositive(x1, out Vector256<float> r1);
        Vector256<float> q0 = ScaledPolynomial(r0);
        Vector256<float> q1 = ScaledPolynomial(r1);
        x0 = q0 * PowerOfTwoAbove64(k0);
        x1 = q1 * PowerOfTwoAbove64(k1);
    }

    /// <summary>k = round(x log2 e) and r = x - k ln2 for x clamped below at -104 (a NaN lane stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ReduceNonPositive(Vector256<float> x, out Vector256<float> r)
    {
        Vector256<float> clamped = Avx.Max(Vector256.Create(Lowest), x);
        Vector256<float> k = NearestExponent(clamped);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2High), clamped);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Low), r);
        return k;
    }

    /// <summary>2^-64 e^r: Horner's rule on the coefficients times 2^-64 (see <see cref="ExpOfNonPositive(Vector256{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ScaledPolynomial(Vector256<float> r)
    {
        Vector256<float> q = Vector256.FusedMultiplyAdd(Vector256.Create(C6 * Down64), r, Vector256.Create(C5 * Down64));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(C4 * Down64));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(C3 * Down64));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(C2 * Down64));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Down64));
        return Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Down64));
    }

    /// <summary>k = round(x log2 e), by adding and subtracting the rounding shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> NearestExponent(Vector256<float> x) =>
        Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2OfE), Vector256.Create(RoundingShift)) - Vector256.Create(RoundingShift);

    /// <summary>e^r for r = x - k ln2, shared by both Vector256 exponentials (as <see cref="ReducedExp(Vector512{float}, Vector512{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ReducedExp(Vector256<float> x, Vector256<float> k)
    {
        Vector256<float> r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2High), x);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Low), r);
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(C6), r, Vector256.Create(C5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        return Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
    }

    /// <summary>
    /// 2^(k + 64) for integer-valued k in [-190, 63], from its bits: k + 1.5 * 2^23 holds k + 2^22 in its low mantissa
    /// bits, so its pattern plus 127 + 64, shifted up by 23, is the exponent field k + 64 + 127 with every bit above it
    /// dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> PowerOfTwoAbove64(Vector256<float> k) =>
        Vector256.ShiftLeft((k + Vector256.Create(RoundingShift)).AsInt32() + Vector256.Create(127 + 64), 23).AsSingle();

    /// <summary>e^x lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> clamped = Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(Lowest)), Vector128.Create(Highest));
        Vector128<float> k = Vector128.FusedMultiplyAdd(clamped, Vector128.Create(Log2OfE), Vector128.Create(RoundingShift)) - Vector128.Create(RoundingShift);
        Vector128<float> r = Vector128.FusedMultiplyAdd(k, Vector128.Create(-Ln2High), clamped);
        r = Vector128.FusedMultiplyAdd(k, Vector128.Create(-Ln2Low), r);
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(C6), r, Vector128.Create(C5));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(C4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(C3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(C2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128<float>.One);
        p = Vector128.FusedMultiplyAdd(p, r, Vector128<float>.One);
        Vector128<int> ki = Vector128.ConvertToInt32Native(k);
        Vector128<int> half = Vector128.ShiftRightArithmetic(ki, 1);
        Vector128<float> low = Vector128.ShiftLeft(half + Vector128.Create(127), 23).AsSingle();
        Vector128<float> high = Vector128.ShiftLeft(ki - half + Vector128.Create(127), 23).AsSingle();
        Vector128<float> result = p * low * high;
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x);
    }

    /// <summary>The exponential as a unary operator for <see cref="VectorLoop.Unary{T, TOperator}"/>.</summary>
    internal readonly struct ExpOperator : IUnaryOperator<float>
    {
        public static float Invoke(float x) => Exp(x);

        public static Vector128<float> Invoke(Vector128<float> x) => Exp(x);

        public static Vector256<float> Invoke(Vector256<float> x) => Exp(x);

        public static void Invoke(ref Vector256<float> x0, ref Vector256<float> x1)
        {
            x0 = Exp(x0);
            x1 = Exp(x1);
        }

        public static Vector512<float> Invoke(Vector512<float> x) => Exp(x);
    }

    /// <summary>
    /// sigma(x) from the float exponential of -|x|, which never overflows: with e = e^-|x|, sigma(x) = 1 / (1 + e) for
    /// x &gt;= 0 and e / (1 + e) for x &lt; 0. Saturates to exactly 1, and to subnormal then 0, without NaN.
    /// </summary>
    internal readonly struct SigmoidOperator : IUnaryOperator<float>
    {
        // The range instruction's control: bits 1-0 = 10, the operand of smaller magnitude; bits 3-2 = 11, sign set.
        private const byte RangeMinimumMagnitudeNegated = 0b1110;

        // The fix-up table of the numerator, one 4-bit answer per class of x (class 0 in the lowest bits): NaN (0, 1)
        // -> 0001, x itself; zero (2), +1 (3), +Inf (5) and positive (7) -> 1010, +1; -Inf (4) and negative (6) ->
        // 0000, the first operand kept (e). One instruction in place of a compare and a blend.
        private const int NumeratorBySign = unchecked((int)0xA0A0AA11);

        public static float Invoke(float x)
        {
            float e = Exp(-MathF.Abs(x));
            return (x >= 0 ? 1f : e) / (1f + e);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Invoke(Vector128<float> x)
        {
            Vector128<float> e = Exp(-Vector128.Abs(x));
            Vector128<float> numerator = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), Vector128<float>.One, e);
            return numerator / (Vector128<float>.One + e);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x)
        {
            // -|x| by setting the sign bit, as in the Vector512 operator.
            Vector256<float> e = ExpOfNonPositive(x | Vector256.Create(-0f));
            Vector256<float> numerator = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One, e);
            return numerator / (Vector256<float>.One + e);
        }

        /// <summary>Two sigmoids, their exponentials' steps taken in turn (see <see cref="ExpOfNonPositive(ref Vector256{float}, ref Vector256{float})"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(ref Vector256<float> x0, ref Vector256<float> x1)
        {
            Vector256<float> e0 = x0 | Vector256.Create(-0f);
            Vector256<float> e1 = x1 | Vector256.Create(-0f);
            ExpOfNonPositive(ref e0, ref e1);
            Vector256<float> numerator0 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x0, Vector256<float>.Zero), Vector256<float>.One, e0);
            Vector256<float> numerator1 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x1, Vector256<float>.Zero), Vector256<float>.One, e1);
            x0 = numerator0 / (Vector256<float>.One + e0);
            x1 = numerator1 / (Vector256<float>.One + e1);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Invoke(Vector512<float> x)
        {
            Vector512<float> e;
            Vector512<float> numerator;
            if (Avx512DQ.IsSupported && Avx512F.IsSupported)
            {
                // -min(|x|, 104) in one range instruction (minimum of the magnitudes, sign bit set): the clamped
                // input of e^-|x|. The range instruction returns the other operand for a NaN, so the numerator
                // takes the NaN back below.
                e = ExpOfClamped(Avx512DQ.Range(x, Vector512.Create(-Lowest), RangeMinimumMagnitudeNegated));
                numerator = Avx512F.Fixup(e, x, Vector512.Create(NumeratorBySign), 0);
            }
            else
            {
                // -|x| by setting the sign bit (one instruction); the exponential of a non-positive input needs no
                // upper clamp and carries NaN through on its own.
                e = ExpOfNonPositive(x | Vector512.Create(-0f));
                numerator = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.One, e);
            }

            return numerator / (Vector512<float>.One + e);
        }
    }
}
