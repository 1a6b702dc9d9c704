using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The store of a short-row tile (<see cref="ShortRowTiles.StoreTile{TStores}"/>) in both of its forms, whichever one
/// this processor's kernels use: 512-bit masked stores (<see cref="ShortRowTiles.MaskedVectorStores"/>) and 128-bit
/// and 256-bit stores of extracted lanes (<see cref="ShortRowTiles.LaneStores"/>). Every width 1..16 and every row
/// count 1..16 (a full tile goes through the quads, a partial one through the rows), rows with a gap after them and
/// guard elements after the last: each row gets its floats, and nothing else is written.
/// </summary>
public sealed unsafe class TileStoreTests
{
    private const float Untouched = -7f;

    [Fact]
    public void Masked_vector_stores_write_each_row_and_nothing_else() => CheckEveryShape<ShortRowTiles.MaskedVectorStores>();

    [Fact]
    public void Lane_stores_write_each_row_and_nothing_else() => CheckEveryShape<ShortRowTiles.LaneStores>();

    private static void CheckEveryShape<TStores>()
        where TStores : struct
    {
        Assert.SkipUnless(Avx512F.IsSupported, "The tiles run on AVX-512 hardware only.");

        for (int width = 1; width <= 16; width++)
        {
            for (int rows = 1; rows <= 16; rows++)
            {
                foreach (int gap in new[] { 0, 3 })
                {
                    Check<TStores>(width, rows, gap);
                }
            }
        }
    }

    private static void Check<TStores>(int width, int rows, int gap)
        where TStores : struct
    {
        const int Guard = 40;
        int stride = width + gap;
        float[] destination = Enumerable.Repeat(Untouched, (rows * stride) + Guard).ToArray();

        // Column j of the tile holds, in lane r, the value 100 r + j.
        float[] columns = new float[16 * 16];
        for (int j = 0; j < 16; j++)
        {
            for (int r = 0; r < 16; r++)
            {
                columns[(j * 16) + r] = (100 * r) + j;
            }
        }

        Vector512<float> lanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
        fixed (float* c = columns)
        fixed (float* d = destination)
        {
            ShortRowTiles.StoreTile<TStores>(
                d, stride, rows, width, lanes,
                Vector512.Load(c), Vector512.Load(c + 16), Vector512.Load(c + 32), Vector512.Load(c + 48),
                Vector512.Load(c + 64), Vector512.Load(c + 80), Vector512.Load(c + 96), Vector512.Load(c + 112),
                Vector512.Load(c + 128), Vector512.Load(c + 144), Vector512.Load(c + 160), Vector512.Load(c + 176),
                Vector512.Load(c + 192), Vector512.Load(c + 208), Vector512.Load(c + 224), Vector512.Load(c + 240));
        }

        for (int i = 0; i < destination.Length; i++)
        {
            int r = i / stride, j = i % stride;
            float expected = r < rows && j < width ? (100 * r) + j : Untouched;
            Assert.True(
                expected.Equals(destination[i]),
                $"{typeof(TStores).Name}, width {width}, {rows} rows, gap {gap}: element {i} (row {r}, column {j}) is {destination[i]}, expected {expected}");
        }
    }
}
