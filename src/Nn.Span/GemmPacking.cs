using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    /// Packs op(A)[rowStart .. rowStart + rows, depthStart .. depthStart + depth] into panels: the first
    /// <paramref name="wideRows"/> rows (a multiple of MR = 12, or all the rows) in panels of 12, the rest in panels of 8
    /// (see <see cref="GemmBlocking.WidePanelRows(int)"/>). A panel of h rows starting at row i is at packed + i depth, and
    /// packed[i depth + p h + r] = op(A)[rowStart + i + r, depthStart + p], rows past the end padded with zeros.
    /// With <paramref name="lastRowOfOnes"/> (op = A^T only), the block's last row is not read from A but is all ones:
    /// op(A) is then [A 1]^T, whose product with B ends in the column sums of B (see
    /// <see cref="MatrixProduct.MultiplyTransposedWithColumnSums{T}"/>).
    /// </summary>
    public static void PackA<T>(T* a, nint rowStride, Operand op, int rowStart, int rows, int wideRows, int depthStart, int depth, T* packed, bool lastRowOfOnes = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(!lastRowOfOnes || (op == Operand.Transposed && rows > 0), "A row of ones ends a non-empty block of A^T.");
        if (op == Operand.Transposed)
        {
            // op(A)[i, p] = A[p, i]: row p of every panel is h consecutive elements of row p of A.
            T* first = a + (depthStart * rowStride) + rowStart;
            int storedRows = lastRowOfOnes ? rows - 1 : rows;
            DealRows(first, rowStride, depth, Math.Min(wideRows, storedRows), GemmBlocking.TileRows, packed);
            DealRows(first + wideRows, rowStride, depth, Math.Max(0, storedRows - wideRows), GemmBlocking.NarrowTileRows, packed + ((nint)wideRows * depth));
            if (lastRowOfOnes)
            {
                FillRowWithOnes(rows - 1, wideRows, depth, packed);
            }

            return;
        }

        for (int panel = 0; panel < rows;)
        {
            int height = panel < wideRows ? GemmBlocking.TileRows : GemmBlocking.NarrowTileRows;
            int valid = Math.Min(height, rows - panel);
            T* source = a + ((rowStart + panel) * rowStride) + depthStart;
            T* destination = packed + ((nint)panel * depth);
            if (typeof(T) == typeof(float) && Avx512F.IsSupported && valid == height)
            {
                // A full panel: its rows transposed in registers.
                TileTranspose.CopyPanel((float*)source, rowStride, depth, (float*)destination, height);
            }
            else if (typeof(T) == typeof(float) && Avx512F.IsSupported)
            {
                // op(A)[i, p] = A[i, p]: the panel is the block transposed, sixteen by sixteen.
                TileTranspose.Copy((float*)source, rowStride, valid, depth, (float*)destination, height);
            }
            else if (typeof(T) == typeof(float) && Avx2.IsSupported)
            {
                // The AVX2 kernel's panels of 6 or 4 rows: the block transposed eight columns at a time, a full panel from
                // its rows alone, a partial one (the last of a block) with its missing rows as zeros.
                TileTranspose256.Copy((float*)source, rowStride, valid, depth, (float*)destination, height, height);

                panel += height;
                continue;
            }
            else
            {
                // op(A)[i, p] = A[i, p]: each panel row is a strided column of the packed panel.
                for (int r = 0; r < valid; r++)
                {
                    for (int p = 0; p < depth; p++)
                    {
                        destination[(p * height) + r] = source[(r * rowStride) + p];
                    }
                }
            }

            for (int r = valid; r < height; r++)
            {
                for (int p = 0; p < depth; p++)
                {
                    destination[(p * height) + r] = T.Zero;
                }
            }

            panel += height;
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
            // op(B)[p, j] = B[p, j]: row p of every panel is NR consecutive elements of row p of B.
            DealRows(b + (depthStart * rowStride) + columnStart, rowStride, depth, columns, nr, packed);
            return;
        }

        for (int panel = 0; panel < columns; panel += nr)
        {
            int valid = Math.Min(nr, columns - panel);
            T* destination = packed + ((nint)panel * depth);
            if (typeof(T) == typeof(float) && Avx512F.IsSupported)
            {
                // op(B)[p, j] = B[j, p]: the panel is the block of B transposed, sixteen by sixteen in registers.
                TileTranspose.Copy((float*)(b + ((columnStart + panel) * rowStride) + depthStart), rowStride, valid, depth, (float*)destination, nr);
            }
            else if (typeof(T) == typeof(float) && Avx2.IsSupported)
            {
                // The AVX2 kernel's panels of 16 columns: two blocks of eight rows of B transposed, a whole block from its
                // rows alone, a partial one (the last panel's) with its missing rows as zeros.
                float* from = (float*)(b + ((columnStart + panel) * rowStride) + depthStart);
                for (int j = 0; j < nr; j += TileTranspose256.Size)
                {
                    int rows = Math.Clamp(valid - j, 0, TileTranspose256.Size);
                    TileTranspose256.Copy(from + (j * rowStride), rowStride, rows, depth, (float*)destination + j, nr, TileTranspose256.Size);
                }

                continue;
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

    /// <summary>
    /// packed op(A)[row, p] = 1 for every step p of a block's panels (panels of MR rows up to <paramref name="wideRows"/>,
    /// then of 8): lane row % h of its panel. <see cref="DealRows{T}"/> padded a partial panel's lanes past the rows it
    /// dealt with zeros; a panel that this row starts was not written at all, so its other lanes (rows past the end,
    /// computed and never stored) are cleared first, as padding is, so that no stale value in the buffer (a subnormal,
    /// say) reaches the kernel's multiply-adds.
    /// </summary>
    private static void FillRowWithOnes<T>(int row, int wideRows, int depth, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int height = row < wideRows ? GemmBlocking.TileRows : GemmBlocking.NarrowTileRows;
        int offset = row < wideRows ? row : row - wideRows;
        int panelStart = (row < wideRows ? 0 : wideRows) + (offset / height * height);
        int lane = offset % height;
        T* panel = packed + ((nint)panelStart * depth);
        if (lane == 0)
        {
            new Span<T>(panel, height * depth).Clear();
        }

        for (int p = 0; p < depth; p++)
        {
            panel[(p * height) + lane] = T.One;
        }
    }

    /// <summary>Rows of the source dealt out together, panel by panel (see <see cref="DealRows{T}"/>).</summary>
    private const int DealtRows = 16;

    /// <summary>
    /// Deals the rows of a block out to panels of W = <paramref name="panelWidth"/> elements:
    /// packed[panel][p][j] = source[p, panel W + j], the last panel padded with zeros. Packing A^T (W = MR) and B as
    /// stored (W = NR) both take this form. An empty block writes nothing. Each row is read left to right; walking down one panel's column strip
    /// instead steps a whole row per element group read (4 KiB for 1024 floats), crossing a page each time, where the
    /// hardware prefetchers do not follow. The rows go sixteen at a time, and each panel takes its part of the sixteen
    /// in turn, so that its writes are one contiguous run. Row by row, every row wrote one part to each panel, and in a
    /// full depth block the panels lie KC W elements apart (64 KiB for float B), a multiple of 4 KiB, so those writes all
    /// fell into the same two sets of the L1 cache. The sixteen rows' segments stay in L1 while the panels take their
    /// parts.
    /// </summary>
    /// <remarks>
    /// Compiled fully optimised at once: a product calls it a few times, so it ran for long as loop-patched tier-0
    /// code, which kept its locals in memory (packing a 784 x 512 B took 147 us there, against 43 us). Measured on an
    /// Intel Xeon (Sapphire Rapids class), both compiled fully: 784 x 512 took 48 us in sixteen-row groups against
    /// 59 us row by row, or 64 against 114 us after a copy of the same size had passed through the caches;
    /// 1024 x 1024, 207 against 298 us, or 266 against 552 us; a plain copy of the same bytes, 70-84 and 200-270 us.
    /// The loop is compiled once per panel width (a type of each row size), so that each row's copy is a fixed
    /// pair of loads and stores: with the width tested at every row, an AMD Zen 3 core packed a 784 x 512 B (W = 16)
    /// in 94 us against 65 us, a 64 x 128 one in 1.19 against 0.87 us, and 64 x 64 of A^T (W = 6) in 2.08 against 1.52 us
    /// (medians, alternating in one process); the digits step ran 1.024x as fast, mnist 1.006x, 256x784x512 1.004x and
    /// 784x256x512 with A^T 1.009x (interleaved in one process, under heavy outside load).
    /// </remarks>
    private static void DealRows<T>(T* source, nint rowStride, int depth, int width, int panelWidth, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (panelWidth * sizeof(T))
        {
            case 16:
                DealRows<T, Row16>(source, rowStride, depth, width, panelWidth, packed);
                break;
            case 24:
                DealRows<T, Row24>(source, rowStride, depth, width, panelWidth, packed);
                break;
            case 32:
                DealRows<T, Row32>(source, rowStride, depth, width, panelWidth, packed);
                break;
            case 48:
                DealRows<T, Row48>(source, rowStride, depth, width, panelWidth, packed);
                break;
            case 64:
                DealRows<T, Row64>(source, rowStride, depth, width, panelWidth, packed);
                break;
            case 96:
                DealRows<T, Row96>(source, rowStride, depth, width, panelWidth, packed);
                break;
            case 128:
                DealRows<T, Row128>(source, rowStride, depth, width, panelWidth, packed);
                break;
            default:
                // Panel rows are MR or NR elements of float or double: no other size comes here.
                throw new UnreachableException($"A panel row is 16, 24, 32, 48, 64, 96 or 128 bytes, not {panelWidth * sizeof(T)}.");
        }
    }

    /// <summary>
    /// <see cref="DealRows{T}"/> for panel rows of <typeparamref name="TRow"/>'s size (<c>Unsafe.SizeOf</c>, a constant in
    /// each compiled copy).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void DealRows<T, TRow>(T* source, nint rowStride, int depth, int width, int panelWidth, T* packed)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRow : struct
    {
        int panelRowBytes = Unsafe.SizeOf<TRow>();
        int fullPanels = width / panelWidth;
        int tail = width - (fullPanels * panelWidth);
        nint panelLength = (nint)panelWidth * depth;
        nint sourceRowBytes = rowStride * sizeof(T);
        for (int first = 0; first < depth; first += DealtRows)
        {
            int rows = Math.Min(DealtRows, depth - first);
            byte* fromBlock = (byte*)(source + (first * rowStride));
            T* targetBlock = packed + ((nint)first * panelWidth);
            for (int panel = 0; panel < fullPanels; panel++, fromBlock += panelRowBytes, targetBlock += panelLength)
            {
                // packed[panel][first + r][:] = source[first + r, panel W ..]: one contiguous run of rows x W elements
                byte* from = fromBlock;
                byte* target = (byte*)targetBlock;
                byte* end = target + (rows * panelRowBytes);
                for (; target < end; from += sourceRowBytes, target += panelRowBytes)
                {
                    CopyPanelRow(from, target, panelRowBytes);
                }
            }

            if (tail > 0)
            {
                // The last panel: the elements that exist, then zeros.
                for (int r = 0; r < rows; r++)
                {
                    T* from = (T*)fromBlock + (r * rowStride);
                    T* target = targetBlock + (r * panelWidth);
                    Unsafe.CopyBlockUnaligned(target, from, (uint)(tail * sizeof(T)));
                    new Span<T>(target + tail, panelWidth - tail).Clear();
                }
            }
        }
    }

    /// <summary>
    /// One row of a panel in whole vectors; with a constant <paramref name="bytes"/> only its case is compiled.
    /// AVX-512 kernel: 32 or 48 bytes (8 or 12 floats of A), 64 or 96 (8 or 12 doubles), 128 (NR of either). AVX2
    /// kernel: 16 or 24 bytes (4 or 6 floats of A), 32 or 48 (4 or 6 doubles), 64 (NR).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPanelRow(byte* from, byte* to, int bytes)
    {
        switch (bytes)
        {
            case 16:
                Vector128.Store(Vector128.Load(from), to);
                break;
            case 24:
                Vector128.Store(Vector128.Load(from), to);
                *(ulong*)(to + 16) = *(ulong*)(from + 16);
                break;
            case 32:
                Vector256.Store(Vector256.Load(from), to);
                break;
            case 48:
                Vector256.Store(Vector256.Load(from), to);
                Vector128.Store(Vector128.Load(from + 32), to + 32);
                break;
            case 64 when Avx512F.IsSupported:
                Vector512.Store(Vector512.Load(from), to);
                break;
            case 64:
                Vector256.Store(Vector256.Load(from), to);
                Vector256.Store(Vector256.Load(from + 32), to + 32);
                break;
            case 96:
                Vector512.Store(Vector512.Load(from), to);
                Vector256.Store(Vector256.Load(from + 64), to + 64);
                break;
            case 128:
                Vector512.Store(Vector512.Load(from), to);
                Vector512.Store(Vector512.Load(from + 64), to + 64);
                break;
            default:
                // Panel rows are MR or NR elements of float or double: no other size comes here.
                throw new UnreachableException($"A panel row is 16, 24, 32, 48, 64, 96 or 128 bytes, not {bytes}.");
        }
    }

    // Stand-ins the size of each panel row: DealRows<T, TRow> is compiled once per size, and its copy of a row
    // (CopyPanelRow with Unsafe.SizeOf<TRow>(), a constant there) is one fixed run of loads and stores.
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    private struct Row16;

    [StructLayout(LayoutKind.Sequential, Size = 24)]
    private struct Row24;

    [StructLayout(LayoutKind.Sequential, Size = 32)]
    private struct Row32;

    [StructLayout(LayoutKind.Sequential, Size = 48)]
    private struct Row48;

    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private struct Row64;

    [StructLayout(LayoutKind.Sequential, Size = 96)]
    private struct Row96;

    [StructLayout(LayoutKind.Sequential, Size = 128)]
    private struct Row128;
}
