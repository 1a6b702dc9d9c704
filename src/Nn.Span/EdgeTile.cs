using System.Runtime.CompilerServices;

namespace Nn.Span;

/// <summary>
/// The last step of a micro-tile at the edge of C: the kernels compute the whole tile into an aligned stack tile, and
/// only its valid part reaches C.
/// </summary>
internal static unsafe class EdgeTile
{
    /// <summary>
    /// C[i, j] = tile[i, j] (beta = 0: C not read) or tile[i, j] + beta C[i, j], for i &lt; <paramref name="rows"/> and
    /// j &lt; <paramref name="columns"/>; nothing past them is read or written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update<T>(T* c, nint rowStride, T* tile, int tileWidth, int rows, int columns, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool readC = beta != T.Zero;
        for (int i = 0; i < rows; i++)
        {
            T* cRow = c + (i * rowStride);
            T* tileRow = tile + (i * tileWidth);
            for (int j = 0; j < columns; j++)
            {
                cRow[j] = readC ? tileRow[j] + (beta * cRow[j]) : tileRow[j];
            }
        }
    }
}
