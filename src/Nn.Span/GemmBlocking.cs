using System.Runtime.Intrinsics;

namespace Nn.Span;

/// <summary>
/// Block sizes of the packed matrix product, in one place with the reasons for their values
/// (one core: L1d 48 KiB, L2 1 MiB, L3 32 MiB shared; float sizes quoted, double blocks hold half as many columns per vector).
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Rows of C per micro-tile (MR): 8 rows x 2 vectors = 16 accumulators, well inside 32 vector registers.</summary>
    public const int TileRows = 8;

    /// <summary>K per block (KC): a B micro-panel is KC x NR = 512 x 32 floats = 64 KiB, streamed from L2 as the A panels pass; a deeper block halves the passes that read and write C back (measured: 256 and below were slower on the large products).</summary>
    public const int DepthBlock = 512;

    /// <summary>Rows of A per block (MC): the packed A block is MC x KC = 128 x 512 floats = 256 KiB, resident in L2.</summary>
    public const int RowBlock = 128;

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

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
