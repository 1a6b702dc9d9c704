using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>Whether a matrix product uses an operand as stored or transposed.</summary>
internal enum Operand
{
    AsIs,
    Transposed,
}

/// <summary>
/// The one entry point through which the library multiplies matrices: C = op(A) op(B) + beta C.
/// Small and thin float products run the unpacked AVX-512 kernel (<see cref="DirectGemm"/>), or on AVX2 without
/// AVX-512, those of at most 16 columns or 6 rows with B as stored run <see cref="NarrowGemm256"/>; with AVX-512 or AVX2 and FMA
/// and a packing buffer, the others run the packed, register-blocked product (<see cref="PackedGemm"/>); otherwise the
/// direct form (row updates and dot products on TensorPrimitives).
/// </summary>
internal static class MatrixProduct
{
    /// <summary>
    /// C = op(A) op(B) + beta C. With beta = 0, C is only written, never read (so NaN left in C is ignored).
    /// Shapes are checked by the caller: op(A) is M x K, op(B) is K x N, C is M x N, and C shares no memory with A or B.
    /// </summary>
    /// <param name="a">A, or A^T when <paramref name="opA"/> is <see cref="Operand.Transposed"/>.</param>
    /// <param name="opA">How A is used.</param>
    /// <param name="b">B, or B^T when <paramref name="opB"/> is <see cref="Operand.Transposed"/>.</param>
    /// <param name="opB">How B is used.</param>
    /// <param name="c">C, M x N.</param>
    /// <param name="beta">The factor of C's previous contents; 0 to overwrite C.</param>
    /// <param name="packing">Room for the packed panels (<see cref="GemmBlocking.PackingLength{T}"/>), from a pinned
    /// buffer; when it is shorter, the direct form runs.</param>
    // Not inlined: every inlined copy brings its span locals into the caller's frame, which the caller then zeroes on
    // each call (the network's step zeroed 2 KiB of frame with them inlined, 1 KiB without).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe void Multiply<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, Span<T> packing)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = c.Height;
        int n = c.Width;
        int k = opA == Operand.AsIs ? a.Width : a.Height;
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            ScaleOrClear(c, beta);
            return;
        }

        if (typeof(T) == typeof(float) && DirectGemm.Takes(m, n, k, opB, packing.Length))
        {
            DirectFloat(a, opA, b, opB, c, float.CreateTruncating(beta), packing);
            return;
        }

        if (typeof(T) == typeof(float) && NarrowGemm256.Takes(m, n, opB))
        {
            NarrowFloat(a, opA, b, c, float.CreateTruncating(beta), default);
            return;
        }

        if (typeof(T) == typeof(float) && NarrowGemm256.Takes(m, n, Operand.AsIs) && opB == Operand.Transposed && packing.Length >= (long)k * n)
        {
            // A narrow C times B^T (a tiny hidden layer's dZ2 W2^T, or the dZ1 W1^T of a batch of one): op(B), K x N,
            // copied into the packing room as stored rows first, each row of B read once, left to right, into a column
            // of the copy (through pointers: with the views' indexers, 1 x 10 x 32 ran 1.14-1.16x slower, interleaved).
            nint bStride = MatrixMemory.RowStride(b);
            fixed (T* source = &b.DangerousGetReference())
            fixed (T* copy = packing)
            {
                for (int j = 0; j < n; j++)
                {
                    T* row = source + (j * bStride);
                    for (int p = 0; p < k; p++)
                    {
                        // op(B)[p, j] = B[j, p]
                        copy[(p * n) + j] = row[p];
                    }
                }
            }

            NarrowFloat(a, opA, packing[..(k * n)].AsSpan2D(k, n), c, float.CreateTruncating(beta), default);
            return;
        }

        if (GemmBlocking.HasPackedKernel && packing.Length >= GemmBlocking.PackingLength<T>(k, n))
        {
            fixed (T* panels = packing)
            {
                PackedGemm.Multiply(a, opA, b, opB, c, beta, panels, packing.Length);
            }

            return;
        }

        Direct(a, opA, b, opB, c, beta);
    }

    /// <summary>
    /// C = op(A) op(B) + beta C for a float product the direct form takes (<see cref="DirectGemm.Takes"/>): the views
    /// pinned and handed to its kernels. <paramref name="scratch"/> holds the copy of op(B) when it is transposed.
    /// </summary>
    public static unsafe void DirectFloat<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, float beta, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* aPointer = &a.DangerousGetReference())
        fixed (T* bPointer = &b.DangerousGetReference())
        fixed (T* cPointer = &c.DangerousGetReference())
        fixed (T* scratchPointer = scratch)
        {
            DirectGemm.Multiply(
                (float*)aPointer, MatrixMemory.RowStride(a), opA, (float*)bPointer, MatrixMemory.RowStride(b), opB,
                (float*)cPointer, MatrixMemory.RowStride((ReadOnlySpan2D<T>)c), c.Height, c.Width, opA == Operand.AsIs ? a.Width : a.Height, beta,
                (float*)scratchPointer);
        }
    }

    /// <summary>
    /// C = op(A) B + beta C (+ bias) for a float product that <see cref="NarrowGemm256"/> takes, with M, N, K &gt;= 1:
    /// the views pinned and handed to it. An empty <paramref name="bias"/> adds nothing.
    /// </summary>
    // Not inlined, as Multiply.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void NarrowFloat<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Span2D<T> c, float beta, ReadOnlySpan<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint aStride = MatrixMemory.RowStride(a);
        fixed (T* aPointer = &a.DangerousGetReference())
        fixed (T* bPointer = &b.DangerousGetReference())
        fixed (T* cPointer = &c.DangerousGetReference())
        fixed (T* biasPointer = bias)
        {
            // Element (i, p) of op(A): A[i, p] as stored, A[p, i] transposed.
            NarrowGemm256.Multiply(
                (float*)aPointer, opA == Operand.AsIs ? aStride : 1, opA == Operand.AsIs ? 1 : aStride, (float*)bPointer, MatrixMemory.RowStride(b),
                (float*)cPointer, MatrixMemory.RowStride((ReadOnlySpan2D<T>)c), c.Height, c.Width, opA == Operand.AsIs ? a.Width : a.Height, beta,
                (float*)biasPointer);
        }
    }

    /// <summary>
    /// C = epilogue(op(A) op(B)): the product, then <paramref name="epilogue"/> on every element. Float products on
    /// the direct and the packed paths apply it to each tile (up to 12 x 32) or, with AVX2, each strip of C (6 rows
    /// across one B block) right after its last store, while it is in L1; a narrow C with AVX2 (<see cref="NarrowGemm256"/>)
    /// adds the bias as it stores its rows, then takes the sigmoid in one pass; the others (double, or no packing room)
    /// run it as one pass over each row of C after the product.
    /// </summary>
    /// <param name="a">A, or A^T when <paramref name="opA"/> is <see cref="Operand.Transposed"/>.</param>
    /// <param name="opA">How A is used.</param>
    /// <param name="b">B, or B^T when <paramref name="opB"/> is <see cref="Operand.Transposed"/>.</param>
    /// <param name="opB">How B is used.</param>
    /// <param name="c">C, M x N: only written.</param>
    /// <param name="packing">Room for packed panels, as for <c>Multiply</c>.</param>
    /// <param name="epilogue">What happens to each element of the product.</param>
    /// <param name="bias">The bias row (N values) for <see cref="ProductEpilogue.AddBias"/> and <see cref="ProductEpilogue.AddBiasThenSigmoid"/>.</param>
    /// <param name="sigmoid">The sigmoid output h (M x N) for <see cref="ProductEpilogue.TimesSigmoidDerivative"/>; it must not overlap C.</param>
    // Not inlined, as Multiply.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe void MultiplyThen<T>(
        ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, Span<T> packing,
        ProductEpilogue epilogue, ReadOnlySpan<T> bias, ReadOnlySpan2D<T> sigmoid)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = c.Height;
        int n = c.Width;
        int k = opA == Operand.AsIs ? a.Width : a.Height;
        if (typeof(T) == typeof(float) && DirectGemm.Takes(m, n, k, opB, packing.Length))
        {
            fixed (T* aPointer = &a.DangerousGetReference())
            fixed (T* bPointer = &b.DangerousGetReference())
            fixed (T* cPointer = &c.DangerousGetReference())
            fixed (T* biasPointer = bias)
            fixed (T* sigmoidPointer = &sigmoid.DangerousGetReference())
            fixed (T* scratch = packing)
            {
                DirectThen(
                    (float*)aPointer, MatrixMemory.RowStride(a), opA, (float*)bPointer, MatrixMemory.RowStride(b), opB,
                    (float*)cPointer, MatrixMemory.RowStride((ReadOnlySpan2D<T>)c), m, n, k, (float*)scratch,
                    new EpilogueArguments(epilogue, (float*)biasPointer, (float*)sigmoidPointer, sigmoid.IsEmpty ? 0 : MatrixMemory.RowStride(sigmoid)));
            }

            return;
        }

        // The packed product wherever Multiply would take it: with AVX2 and no AVX-512, a narrow C goes to NarrowGemm256 below.
        if (typeof(T) == typeof(float) && k > 0 && m > 0 && n > 0 && GemmBlocking.HasPackedKernel && !NarrowGemm256.Takes(m, n, Operand.AsIs) &&
            packing.Length >= GemmBlocking.PackingLength<T>(k, n))
        {
            fixed (T* panels = packing)
            fixed (T* biasPointer = bias)
            fixed (T* sigmoidPointer = &sigmoid.DangerousGetReference())
            {
                var arguments = new EpilogueArguments(
                    epilogue, (float*)biasPointer, (float*)sigmoidPointer, sigmoid.IsEmpty ? 0 : MatrixMemory.RowStride(sigmoid));
                PackedGemm.Multiply(a, opA, b, opB, c, T.Zero, panels, packing.Length, arguments);
            }

            return;
        }

        if (typeof(T) == typeof(float) && epilogue is ProductEpilogue.AddBias or ProductEpilogue.AddBiasThenSigmoid &&
            k > 0 && m > 0 && n > 0 && NarrowGemm256.Takes(m, n, opB))
        {
            // The logits z = h W2 + b2 of a network of at most 16 classes, or a hidden layer of at most 16 units: the bias
            // added as each row is stored; then the sigmoid, in one pass when C is contiguous.
            NarrowFloat(a, opA, b, c, 0f, bias);
            if (epilogue == ProductEpilogue.AddBiasThenSigmoid)
            {
                if (c.TryGetSpan(out Span<T> all))
                {
                    Activations.SigmoidCore<T>(all, all);
                    return;
                }

                for (int i = 0; i < m; i++)
                {
                    Span<T> row = c.GetRowSpan(i);
                    Activations.SigmoidCore<T>(row, row);
                }
            }

            return;
        }

        Multiply(a, opA, b, opB, c, T.Zero, packing);
        if (epilogue == ProductEpilogue.TimesSigmoidDerivative && c.TryGetSpan(out Span<T> flat) && sigmoid.TryGetSpan(out ReadOnlySpan<T> flatSigmoid))
        {
            // Contiguous C and h: one pass over all their elements rather than one per row.
            VectorLoop.Binary<T, SigmoidBackwardOperator<T>>(flat, flatSigmoid, flat);
            return;
        }

        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.GetRowSpan(i);
            switch (epilogue)
            {
                case ProductEpilogue.AddBias:
                    TensorPrimitives.Add(row, bias, row);
                    break;
                case ProductEpilogue.AddBiasThenSigmoid:
                    TensorPrimitives.Add(row, bias, row);
                    Activations.SigmoidCore<T>(row, row);
                    break;
                case ProductEpilogue.TimesSigmoidDerivative:
                    VectorLoop.Binary<T, SigmoidBackwardOperator<T>>(row, sigmoid.GetRowSpan(i), row);
                    break;
            }
        }
    }

    /// <summary>
    /// C = epilogue(op(A) op(B)) through pointers, on the direct form (<see cref="DirectGemm"/>), for a shape it suits
    /// (<see cref="DirectGemm.Suits"/>) with M, N, K &gt;= 1; <paramref name="scratch"/> holds K N floats when op(B) is
    /// transposed. The network's float step calls it with operands it pinned once.
    /// </summary>
    // Not inlined, as Multiply.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe void DirectThen(
        float* a, nint aStride, Operand opA, float* b, nint bStride, Operand opB, float* c, nint cStride, int m, int n, int k, float* scratch,
        in EpilogueArguments epilogue)
    {
        // A narrow, contiguous C (fewer columns than a vector, e.g. the seed's 5 hidden units): the sigmoid runs
        // as one pass over its M N contiguous elements, full vectors, rather than one part-filled vector per row.
        if (epilogue.Kind == ProductEpilogue.AddBiasThenSigmoid && n < Vector512<float>.Count && m > 1 && cStride == n)
        {
            var addBias = new EpilogueArguments(ProductEpilogue.AddBias, epilogue.Bias, null, 0);
            DirectGemm.Multiply(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, 0f, scratch, addBias);
            Span<float> values = new(c, m * n);
            Activations.SigmoidCore<float>(values, values);
            return;
        }

        DirectGemm.Multiply(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, 0f, scratch, epilogue);
    }

    /// <summary>C = op(A) op(B) + beta C without a packing buffer: the direct form.</summary>
    public static void Multiply<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Direct(a, opA, b, opB, c, beta);

    /// <summary>The direct form of <see cref="Multiply{T}(ReadOnlySpan2D{T}, Operand, ReadOnlySpan2D{T}, Operand, Span2D{T}, T, Span{T})"/>, without packing; the reference the packed form is tested against.</summary>
    public static void Direct<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = opA == Operand.AsIs ? a.Width : a.Height;
        if (c.Height == 0 || c.Width == 0)
        {
            return;
        }

        if (k == 0)
        {
            ScaleOrClear(c, beta);
            return;
        }

        switch (opA, opB)
        {
            case (Operand.AsIs, Operand.AsIs):
                RowTimesMatrix(a, b, c, beta);
                break;
            case (Operand.Transposed, Operand.AsIs):
                ColumnTimesMatrix(a, b, c, beta);
                break;
            case (Operand.AsIs, Operand.Transposed):
                RowDotRows(a, b, c, beta);
                break;
            default:
                BothTransposed(a, b, c, beta);
                break;
        }
    }

    // C[i, :] = beta C[i, :] + sum_k A[i, k] B[k, :]
    private static void RowTimesMatrix<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < c.Height; i++)
        {
            Span<T> cRow = c.GetRowSpan(i);
            ReadOnlySpan<T> aRow = a.GetRowSpan(i);
            StartRow(cRow, beta, aRow[0], b.GetRowSpan(0));
            for (int p = 1; p < aRow.Length; p++)
            {
                TensorPrimitives.MultiplyAdd(b.GetRowSpan(p), aRow[p], cRow, cRow);
            }
        }
    }

    // C[i, :] = beta C[i, :] + sum_k A[k, i] B[k, :]
    private static void ColumnTimesMatrix<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < c.Height; i++)
        {
            Span<T> cRow = c.GetRowSpan(i);
            StartRow(cRow, beta, a[0, i], b.GetRowSpan(0));
            for (int p = 1; p < a.Height; p++)
            {
                TensorPrimitives.MultiplyAdd(b.GetRowSpan(p), a[p, i], cRow, cRow);
            }
        }
    }

    // C[i, j] = beta C[i, j] + <A[i, :], B[j, :]>
    private static void RowDotRows<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool readC = beta != T.Zero;
        for (int i = 0; i < c.Height; i++)
        {
            ReadOnlySpan<T> aRow = a.GetRowSpan(i);
            Span<T> cRow = c.GetRowSpan(i);
            for (int j = 0; j < cRow.Length; j++)
            {
                T dot = TensorPrimitives.Dot(aRow, b.GetRowSpan(j));
                cRow[j] = readC ? dot + (beta * cRow[j]) : dot;
            }
        }
    }

    // C[i, j] = beta C[i, j] + sum_k A[k, i] B[j, k]
    private static void BothTransposed<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool readC = beta != T.Zero;
        for (int i = 0; i < c.Height; i++)
        {
            Span<T> cRow = c.GetRowSpan(i);
            for (int j = 0; j < cRow.Length; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < a.Height; p++)
                {
                    sum += a[p, i] * b[j, p];
                }

                cRow[j] = readC ? sum + (beta * cRow[j]) : sum;
            }
        }
    }

    /// <summary>cRow = first * bRow + beta cRow, without reading cRow when beta is 0.</summary>
    private static void StartRow<T>(Span<T> cRow, T beta, T first, ReadOnlySpan<T> bRow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (beta == T.Zero)
        {
            TensorPrimitives.Multiply(bRow, first, cRow);
        }
        else
        {
            TensorPrimitives.Multiply<T>(cRow, beta, cRow);
            TensorPrimitives.MultiplyAdd(bRow, first, cRow, cRow);
        }
    }

    private static void ScaleOrClear<T>(Span2D<T> c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < c.Height; i++)
        {
            Span<T> cRow = c.GetRowSpan(i);
            if (beta == T.Zero)
            {
                cRow.Clear();
            }
            else
            {
                TensorPrimitives.Multiply<T>(cRow, beta, cRow);
            }
        }
    }

    /// <summary>The packing room a network's six products need: the largest over (K, N) of each product.</summary>
    public static long PackingLengthForNetwork<T>(NetworkDimensions d, int maxBatchSize)
    {
        // X W1 (K = Dx, N = H), h W2 (H, Dy), h^T dZ2 (batch, Dy), dZ2 W2^T (Dy, H), X^T dZ1 (batch, H), dZ1 W1^T (H, Dx)
        long length = GemmBlocking.PackingLength<T>(d.Inputs, d.Hidden);
        length = Math.Max(length, GemmBlocking.PackingLength<T>(d.Hidden, d.Outputs));
        length = Math.Max(length, GemmBlocking.PackingLength<T>(maxBatchSize, d.Outputs));
        length = Math.Max(length, GemmBlocking.PackingLength<T>(d.Outputs, d.Hidden));
        length = Math.Max(length, GemmBlocking.PackingLength<T>(maxBatchSize, d.Hidden));
        return Math.Max(length, GemmBlocking.PackingLength<T>(d.Hidden, d.Inputs));
    }

    /// <summary>
    /// A weight gradient and its bias gradient in one product: the first M rows of <paramref name="productAndSums"/>
    /// ((M + 1) x N) receive A^T B, and its last row the column sums of B, for A (K x M) and B (K x N). Where the packed
    /// product runs, this is [A 1]^T B, the row of ones packed with A^T's panels: the sums ride along the kernel's
    /// multiply-adds (1 x B[p, j], exact) for M + 1 rows, against a separate pass that reads all of B again. In the wide
    /// step (512, 1024, 1024, 1000) the two passes took 130 and 137 us of its 29 ms, memory bound; the row costs the
    /// kernel less than a panel of 8 rows on 1024. Elsewhere, the product of M rows, then <see cref="ColumnSums{T}"/>.
    /// Shapes are checked by the caller; the output shares no memory with A or B.
    /// </summary>
    /// <remarks>
    /// Each sum accumulates down the rows of B as the product's entries do: in order within a depth block (KC = 512 rows),
    /// the blocks' sums then added. With one depth block these are the additions, in the same order, of
    /// <see cref="ColumnSums{T}"/>'s AVX-512 form over more than 16 columns (one chain per column).
    /// </remarks>
    public static unsafe void MultiplyTransposedWithColumnSums<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> productAndSums, Span<T> packing)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Width;
        int n = b.Width;
        int k = a.Height;
        Debug.Assert(productAndSums.Height == m + 1 && productAndSums.Width == n && b.Height == k, "[A 1]^T B: (M + 1) x N.");

        // The packed product wherever Multiply would run it for A^T B (the same tests, in the same order).
        bool packed = m > 0 && n > 0 && k > 0 &&
            !(typeof(T) == typeof(float) && (DirectGemm.Takes(m, n, k, Operand.AsIs, packing.Length) || NarrowGemm256.Takes(m, n, Operand.AsIs))) &&
            GemmBlocking.HasPackedKernel && packing.Length >= GemmBlocking.PackingLength<T>(k, n);
        if (packed)
        {
            fixed (T* panels = packing)
            {
                PackedGemm.Multiply(
                    a, Operand.Transposed, b, Operand.AsIs, productAndSums, T.Zero, panels, packing.Length, default, PackedGemm.ReadsTransposedPanelsInPlace,
                    rowPanelsInPlace: true, lastRowOfOnes: true);
            }

            return;
        }

        Multiply(a, Operand.Transposed, b, Operand.AsIs, productAndSums[..m, ..], T.Zero, packing);
        ColumnSums(b, productAndSums.GetRowSpan(m));
    }

    /// <summary>destination = sum over rows of matrix (the bias gradient: column sums).</summary>
    public static unsafe void ColumnSums<T>(ReadOnlySpan2D<T> matrix, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported && matrix.Width > 0)
        {
            fixed (T* first = &matrix.DangerousGetReference())
            fixed (T* sums = destination)
            {
                FloatColumnSums((float*)first, MatrixMemory.RowStride(matrix), matrix.Height, matrix.Width, (float*)sums);
            }

            return;
        }

        if (typeof(T) == typeof(float) && Avx2.IsSupported && matrix.Width > 0)
        {
            fixed (T* first = &matrix.DangerousGetReference())
            fixed (T* sums = destination)
            {
                FloatColumnSums256((float*)first, MatrixMemory.RowStride(matrix), matrix.Height, matrix.Width, (float*)sums);
            }

            return;
        }

        destination.Clear();
        for (int i = 0; i < matrix.Height; i++)
        {
            TensorPrimitives.Add(destination, matrix.GetRowSpan(i), destination);
        }
    }

    /// <summary>
    /// <see cref="FloatColumnSums"/> on Vector256 (AVX2 without AVX-512): 32 columns at a time in four accumulators, or,
    /// for at most 8 columns, four chains over the rows; masked loads and stores for the last block.
    /// </summary>
    public static unsafe void FloatColumnSums256(float* matrix, nint stride, int height, int width, float* sums)
    {
        const int Lanes = 8;
        Vector256<float> zero = Vector256<float>.Zero;
        if (width <= Lanes)
        {
            Vector256<float> mask = LaneMask.First256(width);
            Vector256<float> r0 = zero, r1 = zero, r2 = zero, r3 = zero;
            float* row = matrix;
            int i = 0;
            for (; i + 4 <= height; i += 4, row += 4 * stride)
            {
                // r_q += matrix[i + q, 0..width)
                r0 += Avx.MaskLoad(row, mask);
                r1 += Avx.MaskLoad(row + stride, mask);
                r2 += Avx.MaskLoad(row + (2 * stride), mask);
                r3 += Avx.MaskLoad(row + (3 * stride), mask);
            }

            for (; i < height; i++, row += stride)
            {
                r0 += Avx.MaskLoad(row, mask);
            }

            Avx.MaskStore(sums, mask, (r0 + r1) + (r2 + r3));
            return;
        }

        for (int j = 0; j < width; j += 4 * Lanes)
        {
            Vector256<float> mask0 = LaneMask.First256(width - j);
            Vector256<float> mask1 = LaneMask.First256(width - j - Lanes);
            Vector256<float> mask2 = LaneMask.First256(width - j - (2 * Lanes));
            Vector256<float> mask3 = LaneMask.First256(width - j - (3 * Lanes));
            Vector256<float> s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            float* row = matrix + j;
            for (int i = 0; i < height; i++, row += stride)
            {
                // s[j..j+32) += matrix[i, j..j+32)
                s0 += Avx.MaskLoad(row, mask0);
                s1 += Avx.MaskLoad(row + Lanes, mask1);
                s2 += Avx.MaskLoad(row + (2 * Lanes), mask2);
                s3 += Avx.MaskLoad(row + (3 * Lanes), mask3);
            }

            Avx.MaskStore(sums + j, mask0, s0);
            Avx.MaskStore(sums + j + Lanes, mask1, s1);
            Avx.MaskStore(sums + j + (2 * Lanes), mask2, s2);
            Avx.MaskStore(sums + j + (3 * Lanes), mask3, s3);
        }
    }

    /// <summary>
    /// Float column sums, 64 columns at a time: four Vector512 accumulators run down the rows, with masked loads for
    /// the last block, so that the sums stay in registers and each element is read once.
    /// </summary>
    public static unsafe void FloatColumnSums(float* matrix, nint stride, int height, int width, float* sums)
    {
        const int Lanes = 16;
        Vector512<float> zero = Vector512<float>.Zero;
        if (width <= Lanes)
        {
            // One vector per row (the bias of the output layer, Dy = 10, or a narrow hidden layer): four chains of
            // additions, over rows 4i, 4i + 1, 4i + 2 and 4i + 3, instead of one chain as long as the matrix.
            Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
            Vector512<float> r0 = zero, r1 = zero, r2 = zero, r3 = zero;
            float* row = matrix;
            int i = 0;
            for (; i + 4 <= height; i += 4, row += 4 * stride)
            {
                // r_q += matrix[i + q, 0..width)
                r0 += Avx512F.MaskLoad(row, mask, zero);
                r1 += Avx512F.MaskLoad(row + stride, mask, zero);
                r2 += Avx512F.MaskLoad(row + (2 * stride), mask, zero);
                r3 += Avx512F.MaskLoad(row + (3 * stride), mask, zero);
            }

            for (; i < height; i++, row += stride)
            {
                r0 += Avx512F.MaskLoad(row, mask, zero);
            }

            Avx512F.MaskStore(sums, mask, (r0 + r1) + (r2 + r3));
            return;
        }

        for (int j = 0; j < width; j += 4 * Lanes)
        {
            Vector512<float> mask0 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width - j)).AsSingle();
            Vector512<float> mask1 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width - j - Lanes)).AsSingle();
            Vector512<float> mask2 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width - j - (2 * Lanes))).AsSingle();
            Vector512<float> mask3 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width - j - (3 * Lanes))).AsSingle();
            Vector512<float> s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            float* row = matrix + j;
            for (int i = 0; i < height; i++, row += stride)
            {
                // s[j..j+64) += matrix[i, j..j+64)
                s0 += Avx512F.MaskLoad(row, mask0, zero);
                s1 += Avx512F.MaskLoad(row + Lanes, mask1, zero);
                s2 += Avx512F.MaskLoad(row + (2 * Lanes), mask2, zero);
                s3 += Avx512F.MaskLoad(row + (3 * Lanes), mask3, zero);
            }

            Avx512F.MaskStore(sums + j, mask0, s0);
            Avx512F.MaskStore(sums + j + Lanes, mask1, s1);
            Avx512F.MaskStore(sums + j + (2 * Lanes), mask2, s2);
            Avx512F.MaskStore(sums + j + (3 * Lanes), mask3, s3);
        }
    }
}
