using System.Numerics.Tensors;

namespace Nn.Span.Benchmarks;

/// <summary>
/// The GEMM one writes first with TensorPrimitives: each row of C accumulated from rows of B with
/// MultiplyAdd, or each element a Dot of two rows when B is transposed.
/// </summary>
internal static class NaiveGemm
{
    public static void Multiply(GemmShape shape, float[] a, float[] b, float[] c)
    {
        int m = shape.M, k = shape.K, n = shape.N;
        bool aTransposed = shape.TransposeA == Transpose.Transposed;
        if (shape.TransposeB == Transpose.Transposed)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    // C[i, j] = A[i, :] . B[j, :]
                    c[(i * n) + j] = aTransposed
                        ? ColumnDot(a, m, i, b.AsSpan(j * k, k))
                        : TensorPrimitives.Dot(a.AsSpan(i * k, k), b.AsSpan(j * k, k));
                }
            }

            return;
        }

        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.AsSpan(i * n, n);
            row.Clear();
            for (int p = 0; p < k; p++)
            {
                // C[i, :] += op(A)[i, p] B[p, :]
                float aip = aTransposed ? a[(p * m) + i] : a[(i * k) + p];
                TensorPrimitives.MultiplyAdd(b.AsSpan(p * n, n), aip, row, row);
            }
        }
    }

    private static float ColumnDot(float[] a, int m, int column, ReadOnlySpan<float> row)
    {
        float sum = 0;
        for (int p = 0; p < row.Length; p++)
        {
            sum += a[(p * m) + column] * row[p];
        }

        return sum;
    }
}
