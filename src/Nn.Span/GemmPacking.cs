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
        for (int panel = 0; panel < rows; panel += mr)
        {
            int valid = Math.Min(mr, rows - panel);
            T* destination = packed + ((nint)panel * depth);
            if (op == Operand.AsIs && typeof(T) == typeof(float) && Avx512F.IsSupported && rows - panel >= 2 * mr)
            {
                // Two full panels from one transpose of sixteen rows; the loop steps over the second.
                TileTranspose.CopyPanelPair(
                    (float*)(a + ((rowStart + panel) * rowStride) + depthStart), rowStride, depth, (float*)destination, (float*)(destination + ((nint)mr * depth)));
                panel += mr;
                continue;
            }

            if (op == Operand.AsIs && typeof(T) == typeof(float) && Avx512F.IsSupported)
            {
                // op(A)[i, p] = A[i, p]: the panel is the block transposed, sixteen by sixteen in registers.
                TileTranspose.Copy((float*)(a + ((rowStart + panel) * rowStride) + depthStart), rowStride, valid, depth, (float*)destination, mr);
            }
            else if (op == Operand.AsIs)
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
            else if (valid == mr && Vector256<T>.Count == mr && Vector256.IsHardwareAccelerated)
            {
                // op(A)[i, p] = A[p, i]: row p of the panel is the MR = 8 consecutive floats of row p of A, one vector.
                for (int p = 0; p < depth; p++)
                {
                    Vector256.Store(Vector256.Load(a + ((depthStart + p) * rowStride) + rowStart + panel), destination + (p * mr));
                }
            }
            else if (valid == mr && Vector512<T>.Count == mr && Vector512.IsHardwareAccelerated)
            {
                // The same for 8 doubles.
                for (int p = 0; p < depth; p++)
                {
                    Vector512.Store(Vector512.Load(a + ((depthStart + p) * rowStride) + rowStart + panel), destination + (p * mr));
                }
            }
            else
            {
                // op(A)[i, p] = A[p, i]: MR consecutive elements of row p of A.
                for (int p = 0; p < depth; p++)
                {
                    T* source = a + ((depthStart + p) * rowStride) + rowStart + panel;
                    for (int r = 0; r < valid; r++)
                    {
                        destination[(p * mr) + r] = source[r];
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
    /// Packs op(B)[depthStart .. depthStart + depth, columnStart .. columnStart + columns] into panels of NR columns:
    /// packed[panel][p][j] = op(B)[depthStart + p, columnStart + panel NR + j], columns past the end padded with zeros.
    /// </summary>
    public static void PackB<T>(T* b, nint rowStride, Operand op, int depthStart, int depth, int columnStart, int columns, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = GemmBlocking.TileColumns<T>();
        for (int panel = 0; panel < columns; panel += nr)
        {
            int valid = Math.Min(nr, columns - panel);
            T* destination = packed + ((nint)panel * depth);
            if (op == Operand.AsIs)
            {
                // op(B)[p, j] = B[p, j]: NR consecutive elements of row p.
                for (int p = 0; p < depth; p++)
                {
                    T* source = b + ((depthStart + p) * rowStride) + columnStart + panel;
                    T* target = destination + (p * nr);
                    if (valid == nr)
                    {
                        Unsafe.CopyBlockUnaligned(target, source, (uint)(nr * sizeof(T)));
                    }
                    else
                    {
                        Unsafe.CopyBlockUnaligned(target, source, (uint)(valid * sizeof(T)));
                        new Span<T>(target + valid, nr - valid).Clear();
                    }
                }
            }
            else
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
}
