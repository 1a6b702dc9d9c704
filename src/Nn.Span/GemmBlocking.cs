using System.Runtime.Intrinsics;

namespace Nn.Span;

/// <summary>
/// Block sizes of the packed matrix product, in one place with the reasons for their values
/// (one core: L1d 48 KiB, L2 2 MiB, L3 shared; float sizes quoted, double blocks hold half as many columns per vector).
/// On an AMD Zen 4 core (L1d 32 KiB, L2 1 MiB) the same blocks hold: the A block still fits in L2 with room, and
/// neither KC = 256 (0.98-0.99x on 256x784x512 and 512x1024x1024) nor MC = 240 (1.00x) ran faster there.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Rows of C per micro-tile (MR): 12 rows x 2 vectors = 24 accumulators, with the two B vectors and a broadcast 27 of the 32 vector registers.</summary>
    public const int TileRows = 12;

    /// <summary>Rows of the narrow panels that end a block whose rows are not a multiple of MR (see <see cref="WidePanelRows"/>).</summary>
    public const int NarrowTileRows = 8;

    /// <summary>K per block (KC): a B micro-panel is KC x NR = 512 x 32 floats = 64 KiB, streamed from L2 as the A panels pass; a deeper block halves the passes that read and write C back (measured: 256 and below were slower on the large products).</summary>
    public const int DepthBlock = 512;

    /// <summary>Rows of A per block (MC): ten panels of MR rows, the packed A block MC x KC = 120 x 512 floats = 240 KiB, resident in L2.</summary>
    public const int RowBlock = 120;

    /// <summary>Columns of B per block (NC): the packed B block is KC x NC = 512 x 2048 floats = 4 MiB, streamed from L3.</summary>
    public const int ColumnBlock = 2048;

    /// <summary>Columns of C per micro-tile (NR): two vectors.</summary>
    public static int TileColumns<T>() => 2 * Vector512<T>.Count;

    /// <summary>Elements of the packing buffer the blocked product needs for a K x N right operand: one A block and one B block.</summary>
    public static long PackingLength<T>(int depth, int columns)
    {
        long kc = Math.Min(DepthBlock, Math.Max(depth, 1));
        long nc = RoundUp(Math.Min(ColumnBlock, Math.Max(columns, 1)), TileColumns<T>());
        return (kc * RowBlock) + (kc * nc);
    }

    /// <summary>
    /// How many of a block's <paramref name="rows"/> go in panels of MR = 12 rows, from its start; the rest go in panels
    /// of 8. A partial panel computes all its rows, so the split keeps the rows computed for nothing few: 256 rows are
    /// twenty panels of 12 and two of 8, where 12-row panels alone would compute 8 rows for nothing.
    /// </summary>
    public static int WidePanelRows(int rows)
    {
        int excess = rows % TileRows;
        if (excess == 0 || excess > NarrowTileRows)
        {
            // Whole panels of 12, the last one possibly of 9 to 11 rows.
            return rows;
        }

        if (excess <= TileRows - NarrowTileRows && rows >= TileRows + excess)
        {
            // The last 13 to 16 rows as two panels of 8.
            return rows - TileRows - excess;
        }

        // The last 1 to 8 rows as one panel of 8.
        return rows - excess;
    }

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
