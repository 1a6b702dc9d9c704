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
        CheckB<float>(depth, width, Operand.AsIs);
        CheckB<float>(depth, width, Operand.Transposed);
        CheckB<double>(depth, width, Operand.AsIs);
        CheckB<double>(depth, width, Operand.Transposed);
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Packed_a_holds_each_panel_step_and_zeros_past_the_last_row(int depth, int rows)
    {
        CheckA<float>(depth, rows, Operand.AsIs);
        CheckA<float>(depth, rows, Operand.Transposed);
        CheckA<double>(depth, rows, Operand.AsIs);
        CheckA<double>(depth, rows, Operand.Transposed);
    }

    /// <summary>packed[panel][p][j] = op(B)[depthStart + p, columnStart + panel NR + j], 0 past the block's columns.</summary>
    private static void CheckB<T>(int depth, int width, Operand op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panelWidth = GemmBlocking.TileColumns<T>();
        (T[] source, int stride) = Source<T>(op == Operand.AsIs ? RowStart + depth : ColumnStart + width, op == Operand.AsIs ? ColumnStart + width : RowStart + depth);
        T[] packed = Packed<T>(depth, width, panelWidth);
        fixed (T* b = source)
        fixed (T* destination = packed)
        {
            GemmPacking.PackB(b, stride, op, RowStart, depth, ColumnStart, width, destination);
        }

        CheckPanels(packed, depth, width, panelWidth, (p, j) => op == Operand.AsIs
            ? source[((RowStart + p) * stride) + ColumnStart + j]
            : source[((ColumnStart + j) * stride) + RowStart + p]);
    }

    /// <summary>packed[panel][p][r] = op(A)[rowStart + panel MR + r, depthStart + p], 0 past the block's rows.</summary>
    private static void CheckA<T>(int depth, int rows, Operand op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int panelWidth = GemmBlocking.TileRows;
        (T[] source, int stride) = Source<T>(op == Operand.AsIs ? RowStart + rows : ColumnStart + depth, op == Operand.AsIs ? ColumnStart + depth : RowStart + rows);
        T[] packed = Packed<T>(depth, rows, panelWidth);
        fixed (T* a = source)
        fixed (T* destination = packed)
        {
            GemmPacking.PackA(a, stride, op, RowStart, rows, ColumnStart, depth, destination);
        }

        CheckPanels(packed, depth, rows, panelWidth, (p, r) => op == Operand.AsIs
            ? source[((RowStart + r) * stride) + ColumnStart + p]
            : source[((ColumnStart + p) * stride) + RowStart + r]);
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
