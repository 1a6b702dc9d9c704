namespace Nn.Span.Tests;

/// <summary>
/// The packed panels element by element: B as stored and A^T dealt out row by row (sixteen rows at a time), A and B^T
/// through the register transposes. Depths around the sixteen-row groups, widths around whole panels, blocks starting
/// inside the source, sources with a pitch whose gaps hold NaN, and guard elements after the packed length that must
/// stay untouched.
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
            foreach (int width in new[] { 1, 7, 8, 9, 16, 31, 32, 33, 65 })
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

    /// <summary>
    /// Packs a depth x width block of op(B) (<paramref name="packB"/>) or a width x depth block of op(A), and checks
    /// packed[panel][p][j] = the block's element at depth p and column (or row) panel W + j, 0 past the block's width.
    /// The block starts at row <see cref="RowStart"/> and column <see cref="ColumnStart"/> of op(B), and at the same
    /// row and column of op(A).
    /// </summary>
    private static void Check<T>(bool packB, int depth, int width, Operand op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panelWidth = packB ? GemmBlocking.TileColumns<T>() : GemmBlocking.TileRows;
        int depthStart = packB ? RowStart : ColumnStart;
        int widthStart = packB ? ColumnStart : RowStart;

        // B as stored and A^T hold the depth down their rows; A as stored and B^T across them.
        bool depthAlongRows = packB == (op == Operand.AsIs);
        (T[] source, int stride) = depthAlongRows
            ? Source<T>(depthStart + depth, widthStart + width)
            : Source<T>(widthStart + width, depthStart + depth);
        T[] packed = Packed<T>(depth, width, panelWidth);
        fixed (T* from = source)
        fixed (T* destination = packed)
        {
            if (packB)
            {
                GemmPacking.PackB(from, stride, op, depthStart, depth, widthStart, width, destination);
            }
            else
            {
                GemmPacking.PackA(from, stride, op, widthStart, width, depthStart, depth, destination);
            }
        }

        CheckPanels(packed, depth, width, panelWidth, (p, j) => depthAlongRows
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

    /// <summary>Room for the panels of a depth x width block, then guard elements, all holding a sentinel.</summary>
    private static T[] Packed<T>(int depth, int width, int panelWidth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panels = (width + panelWidth - 1) / panelWidth;
        var packed = new T[(panels * panelWidth * depth) + Guard];
        Array.Fill(packed, T.CreateChecked(-7));
        return packed;
    }

    private static void CheckPanels<T>(T[] packed, int depth, int width, int panelWidth, Func<int, int, T> expected)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panels = (width + panelWidth - 1) / panelWidth;
        for (int panel = 0; panel < panels; panel++)
        {
            for (int p = 0; p < depth; p++)
            {
                for (int j = 0; j < panelWidth; j++)
                {
                    int column = (panel * panelWidth) + j;
                    T actual = packed[(panel * panelWidth * depth) + (p * panelWidth) + j];
                    Assert.Equal(column < width ? expected(p, column) : T.Zero, actual);
                }
            }
        }

        for (int index = panels * panelWidth * depth; index < packed.Length; index++)
        {
            Assert.Equal(T.CreateChecked(-7), packed[index]);
        }
    }
}
