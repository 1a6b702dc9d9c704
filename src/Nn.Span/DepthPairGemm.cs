using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// C = A B for a small, narrow float product with AVX-512: 9 to 24 rows of at most 8 columns, A and B as stored, C
/// overwritten (the seed's X W1, 20 x 10 x 5). A row of C fills at most half of a Vector512, so each accumulator takes
/// two steps of depth at once: lane 2j sums the even steps' terms of column j, lane 2j + 1 the odd steps', and the two
/// are added once, after the last step. Every step pair then costs one multiply-add per row instead of two, with the
/// row's two elements of A broadcast together as one 64-bit pair.
/// </summary>
/// <remarks>
/// <para>
/// Step pair (p, p + 1): the two rows of B are interleaved into one vector (lane 2j = B[p, j], lane 2j + 1 = B[p + 1, j],
/// zeros past column N), once for all rows; row i's accumulator adds (A[i, p], A[i, p + 1]) repeated eight times
/// times that vector. An odd last step has no partner: its vector of B has zeros in the odd lanes, and A's element is
/// kept in the even lanes only, so that the odd lanes add 0 x 0 and an infinite A[i, K - 1] gives an infinite sum, never
/// Inf x 0 = NaN.
/// </para>
/// <para>
/// Rows go in quarters of four, each read from one pointer plus 0 to 3 row strides; the last quarter ends at row M and
/// may repeat rows of the one before it, which then compute and store the same values twice (C is only written).
/// Columns past N are never stored, and rows of A and B are read only within their first K (A) or N (B) elements, with
/// masked loads for B.
/// </para>
/// <para>
/// The saving assumes 512-bit multiply-adds at the rate of 256-bit ones, as on AMD Zen 5 and Intel Xeon cores with two
/// 512-bit units; a core that splits each in two halves (AMD Zen 4) spends as many slots on a step pair as the 256-bit
/// rows spend on two steps.
/// </para>
/// </remarks>
internal static unsafe class DepthPairGemm
{
    /// <summary>The most columns of C: half the lanes of a Vector512.</summary>
    public const int MostColumns = 8;

    /// <summary>The least rows: fewer fill fewer than three quarters.</summary>
    public const int LeastRows = 9;

    /// <summary>The most rows: six quarters, 24 accumulators of the 32 vector registers.</summary>
    public const int MostRows = 24;

    /// <summary>Whether this processor runs the kernel: AVX-512.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>Whether C of <paramref name="m"/> x <paramref name="n"/> fits the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suits(int m, int n) => IsSupported && m >= LeastRows && m <= MostRows && n >= 1 && n <= MostColumns;

    /// <summary>C = A B, A as stored (M x K), B as stored (K x N), C (M x N) only written; see <see cref="Suits"/>, K &gt;= 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(float* a, nint aStride, float* b, nint bStride, float* c, nint cStride, int m, int n, int k)
    {
        Debug.Assert(Suits(m, n) && k >= 1, "The kernel takes 9 to 24 rows of 1 to 8 columns, K >= 1.");
        switch ((m + 3) / 4)
        {
            case 3:
                Run<ThreeQuarters>(a, aStride, b, bStride, c, cStride, m, n, k);
                break;
            case 4:
                Run<FourQuarters>(a, aStride, b, bStride, c, cStride, m, n, k);
                break;
            case 5:
                Run<FiveQuarters>(a, aStride, b, bStride, c, cStride, m, n, k);
                break;
            default:
                Run<SixQuarters>(a, aStride, b, bStride, c, cStride, m, n, k);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Run<TQuarters>(float* a, nint aStride, float* b, nint bStride, float* c, nint cStride, int m, int n, int k)
        where TQuarters : struct, IQuarterCount
    {
        int quarters = TQuarters.Value;
        bool fifth = quarters > 4;
        bool sixth = quarters > 5;
        bool fourth = quarters > 3;

        // First row of each quarter: 0, 4, 8, ... with the last one ending at row M: M - 4, which is at most 4 (quarters - 1)
        // with quarters = ceil(M / 4), and more than the quarter before it starts. The quarter count is a constant here, so
        // each start is either a constant or M - 4.
        nint last = m - 4;
        nint r2 = quarters == 3 ? last : 8, r3 = quarters == 4 ? last : 12, r4 = quarters == 5 ? last : 16, r5 = last;

        float* a0 = a;
        float* a1 = a + (4 * aStride);
        float* a2 = a + (r2 * aStride);
        float* a3 = a + (r3 * aStride);
        float* a4 = a + (r4 * aStride);
        float* a5 = a + (r5 * aStride);
        nint s1 = aStride;
        nint s2 = 2 * aStride;
        nint s3 = 3 * aStride;

        Vector256<float> columnMask = LaneMask.First256(n);

        // Lane 2j from lane j of the first row, lane 2j + 1 from lane j of the second (16 + j).
        Vector512<int> interleave = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;
        float* bRow = b;
        for (nint pairs = k >> 1; pairs > 0; pairs--)
        {
            // (B[p, j], B[p + 1, j]) in lanes (2j, 2j + 1)
            Vector512<float> even = Avx512F.VL.MaskLoad(bRow, columnMask, Vector256<float>.Zero).ToVector512Unsafe();
            Vector512<float> odd = Avx512F.VL.MaskLoad(bRow + bStride, columnMask, Vector256<float>.Zero).ToVector512Unsafe();
            Vector512<float> bPair = Avx512F.PermuteVar16x32x2(even, interleave, odd);

            // c_i += (A[i, p], A[i, p + 1]) (A[i, p], A[i, p + 1]) ... * bPair, for the quarters' rows i
            c00 = Vector512.FusedMultiplyAdd(Pair(a0), bPair, c00);
            c01 = Vector512.FusedMultiplyAdd(Pair(a0 + s1), bPair, c01);
            c02 = Vector512.FusedMultiplyAdd(Pair(a0 + s2), bPair, c02);
            c03 = Vector512.FusedMultiplyAdd(Pair(a0 + s3), bPair, c03);
            c10 = Vector512.FusedMultiplyAdd(Pair(a1), bPair, c10);
            c11 = Vector512.FusedMultiplyAdd(Pair(a1 + s1), bPair, c11);
            c12 = Vector512.FusedMultiplyAdd(Pair(a1 + s2), bPair, c12);
            c13 = Vector512.FusedMultiplyAdd(Pair(a1 + s3), bPair, c13);
            c20 = Vector512.FusedMultiplyAdd(Pair(a2), bPair, c20);
            c21 = Vector512.FusedMultiplyAdd(Pair(a2 + s1), bPair, c21);
            c22 = Vector512.FusedMultiplyAdd(Pair(a2 + s2), bPair, c22);
            c23 = Vector512.FusedMultiplyAdd(Pair(a2 + s3), bPair, c23);
            if (fourth)
            {
                c30 = Vector512.FusedMultiplyAdd(Pair(a3), bPair, c30);
                c31 = Vector512.FusedMultiplyAdd(Pair(a3 + s1), bPair, c31);
                c32 = Vector512.FusedMultiplyAdd(Pair(a3 + s2), bPair, c32);
                c33 = Vector512.FusedMultiplyAdd(Pair(a3 + s3), bPair, c33);
            }

            if (fifth)
            {
                c40 = Vector512.FusedMultiplyAdd(Pair(a4), bPair, c40);
                c41 = Vector512.FusedMultiplyAdd(Pair(a4 + s1), bPair, c41);
                c42 = Vector512.FusedMultiplyAdd(Pair(a4 + s2), bPair, c42);
                c43 = Vector512.FusedMultiplyAdd(Pair(a4 + s3), bPair, c43);
            }

            if (sixth)
            {
                c50 = Vector512.FusedMultiplyAdd(Pair(a5), bPair, c50);
                c51 = Vector512.FusedMultiplyAdd(Pair(a5 + s1), bPair, c51);
                c52 = Vector512.FusedMultiplyAdd(Pair(a5 + s2), bPair, c52);
                c53 = Vector512.FusedMultiplyAdd(Pair(a5 + s3), bPair, c53);
            }

            // The quarters' pointers move with the steps, so that each row's pair is read at one pointer plus a scaled
            // stride (with the step added as a third term, every row's address took an instruction of its own). Only the
            // quarters in use move, and the loop counts step pairs down: the JIT had kept K in memory, reloading it and
            // widening it at every test of p + 1 < K. 20 x 10 x 5 ran 1.03-1.04x as fast, 9 x 7 x 3 1.06-1.07x.
            a0 += 2;
            a1 += 2;
            a2 += 2;
            if (fourth)
            {
                a3 += 2;
            }

            if (fifth)
            {
                a4 += 2;
            }

            if (sixth)
            {
                a5 += 2;
            }

            bRow += 2 * bStride;
        }

        if ((k & 1) != 0)
        {
            // The odd last step: (B[p, j], 0) in lanes (2j, 2j + 1), and A[i, p] in the even lanes only.
            Vector512<float> even = Avx512F.VL.MaskLoad(bRow, columnMask, Vector256<float>.Zero).ToVector512Unsafe();
            Vector512<float> bLast = Avx512F.PermuteVar16x32x2(even, interleave, Vector512<float>.Zero);
            Vector512<float> evenLanes = Vector512.Create(0xFFFF_FFFFL).AsSingle();
            c00 = Vector512.FusedMultiplyAdd(Single(a0, evenLanes), bLast, c00);
            c01 = Vector512.FusedMultiplyAdd(Single(a0 + s1, evenLanes), bLast, c01);
            c02 = Vector512.FusedMultiplyAdd(Single(a0 + s2, evenLanes), bLast, c02);
            c03 = Vector512.FusedMultiplyAdd(Single(a0 + s3, evenLanes), bLast, c03);
            c10 = Vector512.FusedMultiplyAdd(Single(a1, evenLanes), bLast, c10);
            c11 = Vector512.FusedMultiplyAdd(Single(a1 + s1, evenLanes), bLast, c11);
            c12 = Vector512.FusedMultiplyAdd(Single(a1 + s2, evenLanes), bLast, c12);
            c13 = Vector512.FusedMultiplyAdd(Single(a1 + s3, evenLanes), bLast, c13);
            c20 = Vector512.FusedMultiplyAdd(Single(a2, evenLanes), bLast, c20);
            c21 = Vector512.FusedMultiplyAdd(Single(a2 + s1, evenLanes), bLast, c21);
            c22 = Vector512.FusedMultiplyAdd(Single(a2 + s2, evenLanes), bLast, c22);
            c23 = Vector512.FusedMultiplyAdd(Single(a2 + s3, evenLanes), bLast, c23);
            if (fourth)
            {
                c30 = Vector512.FusedMultiplyAdd(Single(a3, evenLanes), bLast, c30);
                c31 = Vector512.FusedMultiplyAdd(Single(a3 + s1, evenLanes), bLast, c31);
                c32 = Vector512.FusedMultiplyAdd(Single(a3 + s2, evenLanes), bLast, c32);
                c33 = Vector512.FusedMultiplyAdd(Single(a3 + s3, evenLanes), bLast, c33);
            }

            if (fifth)
            {
                c40 = Vector512.FusedMultiplyAdd(Single(a4, evenLanes), bLast, c40);
                c41 = Vector512.FusedMultiplyAdd(Single(a4 + s1, evenLanes), bLast, c41);
                c42 = Vector512.FusedMultiplyAdd(Single(a4 + s2, evenLanes), bLast, c42);
                c43 = Vector512.FusedMultiplyAdd(Single(a4 + s3, evenLanes), bLast, c43);
            }

            if (sixth)
            {
                c50 = Vector512.FusedMultiplyAdd(Single(a5, evenLanes), bLast, c50);
                c51 = Vector512.FusedMultiplyAdd(Single(a5 + s1, evenLanes), bLast, c51);
                c52 = Vector512.FusedMultiplyAdd(Single(a5 + s2, evenLanes), bLast, c52);
                c53 = Vector512.FusedMultiplyAdd(Single(a5 + s3, evenLanes), bLast, c53);
            }
        }

        // C[i, j] = lane 2j + lane 2j + 1 of row i's accumulator.
        StoreQuarter(c, cStride, columnMask, c00, c01, c02, c03);
        StoreQuarter(c + (4 * cStride), cStride, columnMask, c10, c11, c12, c13);
        StoreQuarter(c + (r2 * cStride), cStride, columnMask, c20, c21, c22, c23);
        if (fourth)
        {
            StoreQuarter(c + (r3 * cStride), cStride, columnMask, c30, c31, c32, c33);
        }

        if (fifth)
        {
            StoreQuarter(c + (r4 * cStride), cStride, columnMask, c40, c41, c42, c43);
        }

        if (sixth)
        {
            StoreQuarter(c + (r5 * cStride), cStride, columnMask, c50, c51, c52, c53);
        }
    }

    /// <summary>The two floats at <paramref name="element"/> repeated across the vector (one 64-bit broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(float* element) => Vector512.Create(Unsafe.ReadUnaligned<double>(element)).AsSingle();

    /// <summary>The float at <paramref name="element"/> in the lanes <paramref name="evenLanes"/> keeps, zeros in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Single(float* element, Vector512<float> evenLanes) => Vector512.Create(*element) & evenLanes;

    /// <summary>Four rows of C from their accumulators: each row's lane pairs added, gathered into its first lanes, stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreQuarter(float* c, nint cStride, Vector256<float> columnMask, Vector512<float> row0, Vector512<float> row1, Vector512<float> row2, Vector512<float> row3)
    {
        // Lanes 2j of rows r and r + 1 to lanes j and 8 + j of one vector, after lane 2j + 1 is added to lane 2j.
        Vector512<int> gather = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<float> first = Avx512F.PermuteVar16x32x2(row0 + Avx512F.DuplicateOddIndexed(row0), gather, row1 + Avx512F.DuplicateOddIndexed(row1));
        Vector512<float> second = Avx512F.PermuteVar16x32x2(row2 + Avx512F.DuplicateOddIndexed(row2), gather, row3 + Avx512F.DuplicateOddIndexed(row3));
        Avx512F.VL.MaskStore(c, columnMask, first.GetLower());
        Avx512F.VL.MaskStore(c + cStride, columnMask, first.GetUpper());
        Avx512F.VL.MaskStore(c + (2 * cStride), columnMask, second.GetLower());
        Avx512F.VL.MaskStore(c + (3 * cStride), columnMask, second.GetUpper());
    }

    private interface IQuarterCount
    {
        static abstract int Value { get; }
    }

    private readonly struct ThreeQuarters : IQuarterCount
    {
        public static int Value => 3;
    }

    private readonly struct FourQuarters : IQuarterCount
    {
        public static int Value => 4;
    }

    private readonly struct FiveQuarters : IQuarterCount
    {
        public static int Value => 5;
    }

    private readonly struct SixQuarters : IQuarterCount
    {
        public static int Value => 6;
    }
}
