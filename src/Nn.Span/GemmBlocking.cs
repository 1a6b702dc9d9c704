using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// Block sizes of the packed matrix product, in one place with the reasons for their values
/// (one core: L1d 48 KiB, L2 2 MiB, L3 shared; float sizes quoted, double blocks hold half as many columns per vector).
/// On an AMD Zen 4 core (L1d 32 KiB, L2 1 MiB) the same blocks hold: the A block still fits in L2 with room, and
/// neither KC = 256 (0.98-0.99x on 256x784x512 and 512x1024x1024) nor MC = 240 (1.00x) ran faster there.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>
    /// Whether the packed product runs the AVX-512 kernel (<see cref="GemmMicroKernel"/>, 12 x 2 Vector512); otherwise
    /// the AVX2 one (<see cref="GemmMicroKernel256"/>, 6 x 2 Vector256). A JIT-time constant, so every size below folds.
    /// </summary>
    public static bool UsesVector512Kernel => Avx512F.IsSupported;

    /// <summary>Whether this processor runs one of the packed kernels in hardware: AVX-512, or AVX2 with FMA.</summary>
    public static bool HasPackedKernel => Avx512F.IsSupported || (Avx2.IsSupported && Fma.IsSupported);

    /// <summary>
    /// Rows of C per micro-tile (MR). AVX-512: 12 rows x 2 vectors = 24 accumulators, with the two B vectors and a
    /// broadcast 27 of the 32 vector registers. AVX2: 6 rows x 2 vectors = 12 accumulators, 15 of the 16 registers.
    /// </summary>
    public static int TileRows => UsesVector512Kernel ? 12 : 6;

    /// <summary>Rows of the narrow panels that end a block whose rows are not a multiple of MR (see <see cref="WidePanelRows(int)"/>): 8, or 4 with AVX2.</summary>
    public static int NarrowTileRows => UsesVector512Kernel ? 8 : 4;

    /// <summary>
    /// K per block (KC). AVX-512: a B micro-panel is KC x NR = 512 x 32 floats = 64 KiB, streamed from L2 as the A panels
    /// pass; a deeper block halves the passes that read and write C back (measured: 256 and below were slower on the
    /// large products). AVX2 (16 columns): on an AMD Zen 3 core (L1d 32 KiB, L2 512 KiB), with its tiles down column
    /// strips, 256x784x512 ran as fast with KC = 512 as with 800 and 1.3-2.8% faster than with 256, whose last block of 16
    /// rows cost a whole pass over C; along row strips, KC = 256 and 384 ran as fast as 512 on 512x1024x1024 (interleaved
    /// in one process).
    /// </summary>
    public const int DepthBlock = 512;

    /// <summary>
    /// Rows of A per block (MC) of the AVX-512 product: ten panels of MR rows, the packed A block MC x KC = 120 x 512
    /// floats = 240 KiB, resident in L2. The AVX2 product packs as many rows at once as the buffer holds beside its B
    /// block, at least this many (see <see cref="PackingLength{T}"/>).
    /// </summary>
    public const int RowBlock = 120;

    /// <summary>
    /// Columns of B per block (NC) of the AVX-512 product: the packed B block is KC x NC = 512 x 2048 floats = 4 MiB,
    /// streamed from L3. It also sizes the buffer (<see cref="PackingLength{T}"/>), whichever kernel runs.
    /// </summary>
    public const int ColumnBlock = 2048;

    /// <summary>
    /// Bytes of the packed B block of the AVX2 product (<see cref="PackedGemm"/>, along row strips): KC x NC' with NC' the
    /// largest multiple of NR within this budget (512 x 128 floats, 256 x 256, 10 x all of N), half the L2 of an AMD Zen 3
    /// core (512 KiB), so that the block stays there while every A panel passes over it. With 128 KiB and 384 KiB the large
    /// products ran as fast (interleaved in one process).
    /// </summary>
    public const int RowStripBlockBytes = 256 * 1024;

    /// <summary>Columns of C per micro-tile (NR): two vectors of the kernel's width.</summary>
    public static int TileColumns<T>() => UsesVector512Kernel ? 2 * Vector512<T>.Count : 2 * Vector256<T>.Count;

    /// <summary>Elements of the packing buffer the blocked product needs for a K x N right operand: one A block and one B block.</summary>
    public static long PackingLength<T>(int depth, int columns)
    {
        long kc = Math.Min(DepthBlock, Math.Max(depth, 1));
        return kc * (RowBlock + BufferedColumns<T>(columns));
    }

    /// <summary>The columns of B a packing buffer holds one K block of: N up to NC, rounded up to whole panels of NR.</summary>
    public static int BufferedColumns<T>(int columns) => RoundUp(Math.Min(ColumnBlock, Math.Max(columns, 1)), TileColumns<T>());

    /// <summary>
    /// How many of a block's <paramref name="rows"/> go in panels of MR rows (12, or 6 for the AVX2 kernel), from its
    /// start; the rest go in narrow panels (8, or 4). A partial panel computes all its rows, so the split keeps the rows computed for nothing few: 256 rows are
    /// twenty panels of 12 and two of 8, where 12-row panels alone would compute 8 rows for nothing (with the AVX2
    /// kernel's 6 and 4: 42 panels of 6 and one of 4).
    /// </summary>
    public static int WidePanelRows(int rows) => WidePanelRows(rows, TileRows, NarrowTileRows);

    /// <summary>
    /// <see cref="WidePanelRows(int)"/> for panels of <paramref name="wide"/> and <paramref name="narrow"/> rows (12 and
    /// 8, or 6 and 4), whichever kernel this processor runs.
    /// </summary>
    public static int WidePanelRows(int rows, int wide, int narrow)
    {
        int excess = rows % wide;
        if (excess == 0 || excess > narrow)
        {
            // Whole wide panels, the last one possibly partial (9 to 11 rows of 12, 5 of 6).
            return rows;
        }

        if (excess <= wide - narrow && rows >= wide + excess)
        {
            // The last wide panel and the excess as two narrow panels (13 to 16 rows as two of 8, 7 or 8 as two of 4).
            return rows - wide - excess;
        }

        // The excess as one narrow panel.
        return rows - excess;
    }

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
