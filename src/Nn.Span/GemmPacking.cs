using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous, zero-padded panels the micro-kernel reads: transposes are
/// absorbed here, so the kernel always sees one layout.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[rowStart .. rowStart + rows, depthStart .. depthStart + depth] into panels of MR rows:
    /// packed[panel][p][r] = op(A)[rowStart + panel MR + r, depthStart + p], rows past the end padded with zeros.
    /// </summary>
    public static void PackA<T>(T* a, nint rowStride, Operand op, int rowStart, int rows, int depthStart, int depth, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int mr = GemmBlocking.TileRows;
        if (op == Operand.Transposed)
        {
            PackTransposedA(a, rowStride, rowStart, rows, depthStart, depth, packed);
            return;
        }

        for (int panel = 0; panel < rows; panel += mr)
        {
            int valid = Math.Min(mr, rows - panel);
            T* destination = packed + ((nint)panel * depth);
            if (typeof(T) == typeof(float) && Avx512F.IsSupported && rows - panel >= 2 * mr)
            {
                // Two full panels from one transpose of sixteen rows; the loop steps over the second.
                TileTranspose.CopyPanelPair(
                    (float*)(a + ((rowStart + panel) * rowStride) + depthStart), rowStride, depth, (float*)destination, (float*)(destination + ((nint)mr * depth)));
                panel += mr;
                continue;
            }

            if (typeof(T) == typeof(float) && Avx512F.IsSupported)
            {
                // op(A)[i, p] = A[i, p]: the panel is the block transposed, sixteen by sixteen in registers.
                TileTranspose.Copy((float*)(a + ((rowStart + panel) * rowStride) + depthStart), rowStride, valid, depth, (float*)destination, mr);
            }
            else
            {
                // op(A)[i, p] = A[i, p]: each panel row is a strided column of the packed panel.
                for (int r = 0; r < valid; r++)
                {
                    T* source = a + ((rowStart + panel + r) * rowStride) + depthStart;
                    for (int p = 0; p < depth; p++)
                    {
                        destination[(p * mr) + r] = source[p];
                    }
                }
            }

            for (int r = valid; r < mr; r++)
            {
                for (int p = 0; p < depth; p++)
                {
                    destination[(p * mr) + r] = T.Zero;
                }
            }
        }
    }

    /// <summary>
    /// PackA for op(A) = A^T: op(A)[i, p] = A[p, i], so row p of every panel is MR consecutive elements of row p of A.
    /// Row p of A is read once, left to right, and dealt out to the panels; walking down a column strip instead would
    /// step a whole row of A (4 KiB for 1024 floats) per element read, crossing a page each time, where the hardware
    /// prefetchers do not follow.
    /// </summary>
    private static void PackTransposedA<T>(T* a, nint rowStride, int rowStart, int rows, int depthStart, int depth, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int mr = GemmBlocking.TileRows;
        int fullPanels = rows / mr;
        int tail = rows - (fullPanels * mr);
        nint panelLength = (nint)mr * depth;
        for (int p = 0; p < depth; p++)
        {
            T* source = a + ((depthStart + p) * rowStride) + rowStart;
            T* target = packed + ((nint)p * mr);
            for (int panel = 0; panel < fullPanels; panel++, source += mr, target += panelLength)
            {
                if (Vector256<T>.Count == mr && Vector256.IsHardwareAccelerated)
                {
                    Vector256.Store(Vector256.Load(source), target);
                }
                else if (Vector512<T>.Count == mr && Vector512.IsHardwareAccelerated)
                {
                    Vector512.Store(Vector512.Load(source), target);
                }
                else
                {
                    Unsafe.CopyBlockUnaligned(target, source, (uint)(mr * sizeof(T)));
                }
            }

            if (tail > 0)
            {
                // The last panel: the rows that exist, then zeros.
                for (int r = 0; r < tail; r++)
                {
                    target[r] = source[r];
                }

                for (int r = tail; r < mr; r++)
                {
                    target[r] = T.Zero;
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[depthStart .. depthStart + depth, columnStart .. columnStart + columns] into panels of NR columns:
    /// packed[panel][p][j] = op(B)[depthStart + p, columnStart + panel NR + j], columns past the end padded with zeros.
    /// </summary>
    public static void PackB<T>(T* b, nint rowStride, Operand op, int depthStart, int depth, int columnStart, int columns, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = GemmBlocking.TileColumns<T>();
        if (op == Operand.AsIs)
        {
            PackStoredB(b, rowStride, depthStart, depth, columnStart, columns, packed);
            return;
        }

        for (int panel = 0; panel < columns; panel += nr)
        {
            int valid = Math.Min(nr, columns - panel);
            T* destination = packed + ((nint)panel * depth);
            {
                if (typeof(T) == typeof(float) && Avx512F.IsSupported)
                {
                    // op(B)[p, j] = B[j, p]: the panel is the block of B transposed, sixteen by sixteen in registers.
                    TileTranspose.Copy((float*)(b + ((columnStart + panel) * rowStride) + depthStart), rowStride, valid, depth, (float*)destination, nr);
                }
                else
                {
                    // op(B)[p, j] = B[j, p]: row j of B supplies column j of the panel.
                    for (int j = 0; j < valid; j++)
                    {
                        T* source = b + ((columnStart + panel + j) * rowStride) + depthStart;
                        for (int p = 0; p < depth; p++)
                        {
                            destination[(p * nr) + j] = source[p];
                        }
                    }
                }

                for (int p = 0; p < depth && valid < nr; p++)
                {
                    new Span<T>(destination + (p * nr) + valid, nr - valid).Clear();
                }
            }
        }
    }

    /// <summary>
    /// PackB for op(B) = B: row p of every panel is NR consecutive elements of row p of B. Row p of the block is read
    /// once, left to right, and dealt out NR elements to each panel (reading down one panel's column strip instead
    /// steps a whole row of B per 128 bytes read, crossing a page each time, where the hardware prefetchers do not
    /// follow).
    /// </summary>
    private static void PackStoredB<T>(T* b, nint rowStride, int depthStart, int depth, int columnStart, int columns, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = GemmBlocking.TileColumns<T>();
        int fullPanels = columns / nr;
        int tail = columns - (fullPanels * nr);
        nint panelLength = (nint)nr * depth;
        for (int p = 0; p < depth; p++)
        {
            T* source = b + ((depthStart + p) * rowStride) + columnStart;
            T* target = packed + ((nint)p * nr);
            for (int panel = 0; panel < fullPanels; panel++, source += nr, target += panelLength)
            {
                // NR = two vectors.
                Vector512.Store(Vector512.Load(source), target);
                Vector512.Store(Vector512.Load(source + Vector512<T>.Count), target + Vector512<T>.Count);
            }

            if (tail > 0)
            {
                // The last panel: the columns that exist, then zeros.
                Unsafe.CopyBlockUnaligned(target, source, (uint)(tail * sizeof(T)));
                new Span<T>(target + tail, nr - tail).Clear();
            }
        }
    }
}
