namespace Nn.Span.Tests;

/// <summary>
/// The packed panels element by element: B as stored and A^T dealt out row by row (sixteen rows at a time), A and B^T
/// through the register transposes. Depths around the sixteen-row groups, widths around whole panels (for A, the
/// panels of 12 rows and the panels of 8 that end a block), blocks starting inside the source, sources with a pitch
/// whose gaps hold NaN, and guard elements after the packed length that must stay untouched.
/// </summary>
public sealed unsafe class GemmPackingTests
{
    private const int Guard = 64;
    private const int Pitch = 3;
    private const int RowStart = 2;
    private const int ColumnStart = 5;

    public static TheoryData<int, int> Blocks()
    {
        var data = new TheoryData<int, int>();
        foreach (int depth in new[] { 1, 2, 15, 16, 17, 31, 33, 47 })
        {
            foreach (int width in new[] { 1, 7, 8, 9, 12, 13, 16, 28, 31, 32, 33, 65 })
            {
                data.Add(depth, width);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Packed_b_holds_each_panel_row_and_zeros_past_the_last_column(int depth, int width)
    {
        Check<float>(packB: true, depth, width, Operand.AsIs);
        Check<float>(packB: true, depth, width, Operand.Transposed);
        Check<double>(packB: true, depth, width, Operand.AsIs);
        Check<double>(packB: true, depth, width, Operand.Transposed);
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Packed_a_holds_each_panel_step_and_zeros_past_the_last_row(int depth, int rows)
    {
        Check<float>(packB: false, depth, rows, Operand.AsIs);
        Check<float>(packB: false, depth, rows, Operand.Transposed);
        Check<double>(packB: false, depth, rows, Operand.AsIs);
        Check<double>(packB: false, depth, rows, Operand.Transposed);
    }

    [Theory]
    [InlineData(12, 8)] // the AVX-512 kernel
    [InlineData(6, 4)]  // the AVX2 kernel
    public void A_block_is_cut_into_wide_then_narrow_panels_with_few_rows_computed_for_nothing(int wideHeight, int narrowHeight)
    {
        for (int rows = 1; rows <= GemmBlocking.RowBlock; rows++)
        {
            int wide = GemmBlocking.WidePanelRows(rows, wideHeight, narrowHeight);
            int narrow = rows - wide;
            Assert.InRange(wide, 0, rows);
            Assert.InRange(narrow, 0, 2 * narrowHeight);

            // Whole wide panels before the last one; the rows past the block in the last panel are few.
            int computed = wide == rows
                ? GemmBlocking.RoundUp(rows, wideHeight)
                : wide + GemmBlocking.RoundUp(narrow, narrowHeight);
            Assert.True(wide == rows || wide % wideHeight == 0, $"{rows} rows: {wide} in panels of {wideHeight}");
            Assert.True(computed - rows <= (rows < wideHeight ? narrowHeight - 1 : 3), $"{rows} rows: {computed} computed");
            Assert.True(computed <= GemmBlocking.RowBlock, $"{rows} rows: {computed} computed, more than the packed A block holds");
        }

        // The network's batches: 256 = 20 x 12 + 2 x 8 (42 x 6 + 4), the last block of 784 (64 rows) = 4 x 12 + 2 x 8
        // (10 x 6 + 4), 32 = 2 x 12 + 8 (4 x 6 + 2 x 4).
        bool avx512 = wideHeight == 12;
        Assert.Equal(avx512 ? 240 : 252, GemmBlocking.WidePanelRows(256, wideHeight, narrowHeight));
        Assert.Equal(avx512 ? 48 : 60, GemmBlocking.WidePanelRows(64, wideHeight, narrowHeight));
        Assert.Equal(24, GemmBlocking.WidePanelRows(32, wideHeight, narrowHeight));
        Assert.Equal(GemmBlocking.RowBlock, GemmBlocking.WidePanelRows(GemmBlocking.RowBlock, wideHeight, narrowHeight));
    }

    [Fact]
    public void The_panel_heights_are_those_of_the_kernel_this_processor_runs()
    {
        bool avx512 = System.Runtime.Intrinsics.X86.Avx512F.IsSupported;
        Assert.Equal(avx512, GemmBlocking.UsesVector512Kernel);
        Assert.Equal(avx512 ? 12 : 6, GemmBlocking.TileRows);
        Assert.Equal(avx512 ? 8 : 4, GemmBlocking.NarrowTileRows);
        Assert.Equal(avx512 ? 32 : 16, GemmBlocking.TileColumns<float>());
        Assert.Equal(avx512 ? 16 : 8, GemmBlocking.TileColumns<double>());
        Assert.Equal(GemmBlocking.WidePanelRows(256, GemmBlocking.TileRows, GemmBlocking.NarrowTileRows), GemmBlocking.WidePanelRows(256));
    }

    /// <summary>
    /// Packs a depth x width block of op(B) (<paramref name="packB"/>) or a width x depth block of op(A), and checks
    /// packed[panel][p][j] = the block's element at depth p and column (or row) panel W + j, 0 past the block's width.
    /// The block starts at row <see cref="RowStart"/> and column <see cref="ColumnStart"/> of op(B), and at the same
    /// row and column of op(A).
    /// </summary>
    private static void Check<T>(bool packB, int depth, int width, Operand op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int Start, int Width)[] panels = Panels(packB ? GemmBlocking.TileColumns<T>() : 0, width);
        int depthStart = packB ? RowStart : ColumnStart;
        int widthStart = packB ? ColumnStart : RowStart;

        // B as stored and A^T hold the depth down their rows; A as stored and B^T across them.
        bool depthAlongRows = packB == (op == Operand.AsIs);
        (T[] source, int stride) = depthAlongRows
            ? Source<T>(depthStart + depth, widthStart + width)
            : Source<T>(widthStart + width, depthStart + depth);
        T[] packed = Packed<T>(depth, panels);
        fixed (T* from = source)
        fixed (T* destination = packed)
        {
            if (packB)
            {
                GemmPacking.PackB(from, stride, op, depthStart, depth, widthStart, width, destination);
            }
            else
            {
                GemmPacking.PackA(from, stride, op, widthStart, width, GemmBlocking.WidePanelRows(width), depthStart, depth, destination);
            }
        }

        CheckPanels(packed, depth, width, panels, (p, j) => depthAlongRows
            ? source[((depthStart + p) * stride) + widthStart + j]
            : source[((widthStart + j) * stride) + depthStart + p]);
    }

    /// <summary>A height x width source of distinct values, with a pitch whose gaps hold NaN.</summary>
    private static (T[] Source, int Stride) Source<T>(int height, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int stride = width + Pitch;
        var source = new T[height * stride];
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < stride; j++)
            {
                source[(i * stride) + j] = j < width ? T.CreateChecked((i * 1000) + j + 1) : T.NaN;
            }
        }

        return (source, stride);
    }

    /// <summary>
    /// The panels of a block <paramref name="width"/> wide, as (first column or row, width): all
    /// <paramref name="panelWidth"/> wide for B; for A (<paramref name="panelWidth"/> = 0), 12 rows up to
    /// <see cref="GemmBlocking.WidePanelRows"/>, then 8.
    /// </summary>
    private static (int Start, int Width)[] Panels(int panelWidth, int width)
    {
        var panels = new List<(int, int)>();
        int wide = GemmBlocking.WidePanelRows(width);
        for (int start = 0; start < width;)
        {
            int w = panelWidth > 0 ? panelWidth : start < wide ? GemmBlocking.TileRows : GemmBlocking.NarrowTileRows;
            panels.Add((start, w));
            start += w;
        }

        return [.. panels];
    }

    /// <summary>Room for the panels of a block of the given depth, then guard elements, all holding a sentinel.</summary>
    private static T[] Packed<T>(int depth, (int Start, int Width)[] panels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int start, int width) = panels[^1];
        var packed = new T[((start + width) * depth) + Guard];
        Array.Fill(packed, T.CreateChecked(-7));
        return packed;
    }

    /// <summary>packed[start depth + p w + j] = the element at depth p and column start + j of each panel, 0 past the block's width.</summary>
    private static void CheckPanels<T>(T[] packed, int depth, int width, (int Start, int Width)[] panels, Func<int, int, T> expected)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach ((int start, int panelWidth) in panels)
        {
            for (int p = 0; p < depth; p++)
            {
                for (int j = 0; j < panelWidth; j++)
                {
                    int column = start + j;
                    T actual = packed[(start * depth) + (p * panelWidth) + j];
                    Assert.Equal(column < width ? expected(p, column) : T.Zero, actual);
                }
            }
        }

        (int lastStart, int lastWidth) = panels[^1];
        for (int index = (lastStart + lastWidth) * depth; index < packed.Length; index++)
        {
            Assert.Equal(T.CreateChecked(-7), packed[index]);
        }
    }
}
