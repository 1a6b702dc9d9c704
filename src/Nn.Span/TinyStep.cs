using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// The float forward and backward pass of a network whose layers are all narrower than a vector (Dx &lt; 16,
/// H &lt;= 16, Dy &lt;= 16, such as the seed's 10, 5 and 10), sixteen examples at a time with one example per lane.
/// </summary>
/// <remarks>
/// <para>
/// With one example per row, as in <see cref="DirectStep"/>, such narrow rows leave most lanes idle (11 of 16 for
/// the seed's hidden layer), and every product is a call with its own set-up. Here the examples run across the lanes,
/// so every lane works, and the whole step is one call:
/// </para>
/// <list type="bullet">
/// <item>The tile's inputs are transposed once as they are loaded, so that vector j holds input j of the sixteen
/// examples (<see cref="ShortRowTiles.LoadTile"/>).</item>
/// <item>h_u = sigmoid(sum_j x_j W1[j, u] + b1[u]) and z_c = sum_u h_u W2[u, c] + b2[c] are multiply-adds of whole
/// vectors by broadcast weights.</item>
/// <item>The loss runs lane-wise down the classes, as in <see cref="ShortRowTiles"/>, with no transpose of the
/// logits.</item>
/// <item>dZ1_u = (sum_c dZ2_c W2[u, c]) h_u (1 - h_u), and dX_j = sum_u dZ1_u W1[j, u] likewise.</item>
/// <item>The weight gradients sum over the examples one example at a time. dW1^T[u, :] += dZ1[n, u] x_n uses the
/// example's inputs as stored, with a 1 in lane Dx, which sums db1 in that lane. dW2[u, :] += h[n, u] dZ2[n, :] uses
/// dZ2's rows, transposed back once per tile; db2 is their sum.</item>
/// </list>
/// <para>
/// The gradient is written at the end, and dX tile by tile. A row whose logits hold NaN or +Inf (or are all -Inf) takes
/// the general row path of the loss, which gives it NaN or its limits; the other rows are computed as without it.
/// </para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class TinyStep
{
    /// <summary>Examples per tile, features per vector.</summary>
    private const int Lanes = 16;

    /// <summary>Floats in a buffer of sixteen vectors.</summary>
    private const int BufferLength = Lanes * Lanes;

    /// <summary>Sums of the logits' exponentials multiplied together before one logarithm (each lies in [1, 16]).</summary>
    private const int TilesPerLogarithm = 8;

    /// <summary>Whether a float step of a network of dimensions <paramref name="d"/> runs here.</summary>
    public static bool Suits(NetworkDimensions d) =>
        Avx512F.IsSupported && d.Inputs < Lanes && d.Hidden <= Lanes && d.Outputs <= Lanes;

    /// <summary>
    /// Returns the mean cost; writes the gradient, and dX when <paramref name="inputGradient"/> is not empty. The
    /// arguments are validated, with at least one example.
    /// </summary>
    public static float Run(
        NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
        Span2D<float> inputGradient)
    {
        int examples = data.Height;
        nint dataStride = MatrixMemory.RowStride(data);
        bool withInputGradient = !inputGradient.IsEmpty;
        nint inputGradientStride = withInputGradient ? MatrixMemory.RowStride((ReadOnlySpan2D<float>)inputGradient) : 0;
        float scale = 1f / examples;
        float* memory = stackalloc float[Scratch.Length + (CacheLine.Bytes / sizeof(float))];
        float* block = CacheLine.Align(memory);

        // The loss: -(z[n, y_n] - m_n) / N summed lane-wise, the row sums s_n multiplied together for the log(s_n) / N,
        // and the losses of the rows that the general row path took.
        Vector512<float> total = Vector512<float>.Zero;
        Vector512<float> product = Vector512<float>.One;
        int tilesInProduct = 0;
        float generalRowsLoss = 0;
        ref float inputGradientStart = ref withInputGradient ? ref inputGradient.DangerousGetReference() : ref Unsafe.NullRef<float>();
        fixed (float* x = &data.DangerousGetReference())
        fixed (float* p = parameters)
        fixed (int* firstLabel = labels)
        fixed (float* dx = &inputGradientStart)
        {
            var scratch = new Scratch(block, d, p);
            for (int first = 0; first < examples; first += Lanes)
            {
                int count = Math.Min(Lanes, examples - first);
                float* tile = x + (first * dataStride);
                bool quadsReadable = ShortRowTiles.QuadsReadable(first, examples, dataStride, d.Inputs);
                generalRowsLoss += Forward(in scratch, tile, dataStride, count, quadsReadable, firstLabel + first, scale, ref total, ref product);
                if (++tilesInProduct == TilesPerLogarithm)
                {
                    total += ShortRowTiles.LogOfLanes(product) * scale;
                    product = Vector512<float>.One;
                    tilesInProduct = 0;
                }

                HiddenGradient(in scratch, tile, dataStride, count);
                if (withInputGradient)
                {
                    InputGradient(in scratch, dx + (first * inputGradientStride), inputGradientStride, count);
                }

                OutputGradient(in scratch, count);
            }

            if (tilesInProduct > 0)
            {
                total += ShortRowTiles.LogOfLanes(product) * scale;
            }

            fixed (float* g = gradient)
            {
                StoreGradient(in scratch, g);
            }
        }

        return Vector512.Sum(total) + generalRowsLoss;
    }

    /// <summary>
    /// The tile's forward pass and loss: h_u, then dZ2_c = e^(z_c - m) / (N s) - [c == y] / N into the output columns.
    /// Adds -(z_y - m) / N of the tile's rows to <paramref name="total"/> and multiplies their s into
    /// <paramref name="product"/>, except for the rows whose s is NaN (a NaN or +Inf logit, or logits all -Inf): those
    /// take the general row path (<see cref="GeneralRows"/>), and their losses / N are returned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Forward(
        in Scratch scratch, float* tile, nint stride, int count, bool quadsReadable, int* labels, float scale,
        ref Vector512<float> total, ref Vector512<float> product)
    {
        Vector512<float> scaled = Vector512.Create(scale);
        int units = scratch.Units;
        int classes = scratch.Classes;
        float* inputColumns = scratch.InputColumns;
        float* hiddenColumns = scratch.HiddenColumns;
        float* outputColumns = scratch.OutputColumns;

        // x_j = input j of the tile's examples, 0 in the lanes past them
        ShortRowTiles.LoadTile(
            tile, stride, count, scratch.Inputs, scratch.InputLanes, quadsReadable,
            out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3, out Vector512<float> t4,
            out Vector512<float> t5, out Vector512<float> t6, out Vector512<float> t7, out Vector512<float> t8, out Vector512<float> t9,
            out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12, out Vector512<float> t13, out Vector512<float> t14,
            out Vector512<float> t15);
        t0.Store(inputColumns);
        t1.Store(inputColumns + Lanes);
        t2.Store(inputColumns + (2 * Lanes));
        t3.Store(inputColumns + (3 * Lanes));
        t4.Store(inputColumns + (4 * Lanes));
        t5.Store(inputColumns + (5 * Lanes));
        t6.Store(inputColumns + (6 * Lanes));
        t7.Store(inputColumns + (7 * Lanes));
        t8.Store(inputColumns + (8 * Lanes));
        t9.Store(inputColumns + (9 * Lanes));
        t10.Store(inputColumns + (10 * Lanes));
        t11.Store(inputColumns + (11 * Lanes));
        t12.Store(inputColumns + (12 * Lanes));
        t13.Store(inputColumns + (13 * Lanes));
        t14.Store(inputColumns + (14 * Lanes));
        t15.Store(inputColumns + (15 * Lanes));

        // h_u = sigmoid(sum_j x_j W1[j, u] + b1[u])
        Combine(inputColumns, scratch.Inputs, scratch.HiddenWeights, units, 1, units, hiddenColumns);
        for (int u = 0; u < units; u++)
        {
            float* h = hiddenColumns + (u * Lanes);
            FloatExponential.SigmoidOperator.Invoke(Vector512.Load(h) + Vector512.Create(scratch.HiddenBias[u])).Store(h);
        }

        // z_c = sum_u h_u W2[u, c] + b2[c], m = max_c z_c over two chains, and z_y, the logit of the label's class
        Combine(hiddenColumns, units, scratch.OutputWeights, classes, 1, classes, outputColumns);
        Vector512<int> rowLanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count));
        Vector512<int> label = Avx512F.MaskLoad(labels, rowLanes, Vector512<int>.Zero);
        Vector512<float> labelLogit = Vector512<float>.Zero;
        Vector512<float> evenMax = Vector512.Create(float.NegativeInfinity), oddMax = evenMax;
        for (int c = 0; c < classes; c++)
        {
            float* z = outputColumns + (c * Lanes);
            Vector512<float> logits = Vector512.Load(z) + Vector512.Create(scratch.OutputBias[c]);
            logits.Store(z);
            labelLogit = Vector512.ConditionalSelect(Vector512.Equals(label, Vector512.Create(c)).AsSingle(), logits, labelLogit);
            if ((c & 1) == 0)
            {
                evenMax = Vector512.MaxNative(evenMax, logits);
            }
            else
            {
                oddMax = Vector512.MaxNative(oddMax, logits);
            }
        }

        // e_c = e^(z_c - m), s = sum_c e_c over two chains, and t = z_y - m (the same subtraction as the label's class
        // makes below, taken apart from the loop, whose exponentials already fill the registers)
        Vector512<float> max = Vector512.MaxNative(evenMax, oddMax);
        Vector512<float> shiftedLabel = labelLogit - max;
        Vector512<float> evenSum = Vector512<float>.Zero, oddSum = evenSum;
        for (int c = 0; c < classes; c++)
        {
            float* z = outputColumns + (c * Lanes);
            Vector512<float> shifted = Vector512.Load(z) - max;
            Vector512<float> e = FloatExponential.ExpOfNonPositive(shifted);
            e.Store(z);
            if ((c & 1) == 0)
            {
                evenSum += e;
            }
            else
            {
                oddSum += e;
            }
        }

        // dZ2_c = e_c / (N s) - [c == y] / N
        Vector512<float> sum = evenSum + oddSum;
        Vector512<float> factor = scaled / sum;
        for (int c = 0; c < classes; c++)
        {
            float* z = outputColumns + (c * Lanes);
            Vector512<float> g = Vector512.Load(z) * factor;
            Vector512.ConditionalSelect(Vector512.Equals(label, Vector512.Create(c)).AsSingle(), g - scaled, g).Store(z);
        }

        Vector512<float> rows = rowLanes.AsSingle();
        float generalRowsLoss = 0;
        if (!Vector512.EqualsAll(sum, sum))
        {
            Vector512<float> special = rows & ~Vector512.Equals(sum, sum);
            generalRowsLoss = GeneralRows(in scratch, labels, scale, (uint)special.ExtractMostSignificantBits());
            rows &= ~special;
        }

        total -= (shiftedLabel * scaled) & rows;
        product *= Vector512.ConditionalSelect(rows, sum, Vector512<float>.One);
        return generalRowsLoss;
    }

    /// <summary>
    /// The rows <paramref name="special"/> names (bit n for lane n) through the general row path, which gives a row
    /// with a NaN logit NaN and one with +Inf logits its limits: their logits are computed again, as in
    /// <see cref="Forward"/>, and their dZ2 put into their lanes of the output columns. Returns the sum of their
    /// losses, each divided by N.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float GeneralRows(in Scratch scratch, int* labels, float scale, uint special)
    {
        int classes = scratch.Classes;
        float* logits = scratch.InputDeltaColumns;
        Combine(scratch.HiddenColumns, scratch.Units, scratch.OutputWeights, classes, 1, classes, logits);
        Span<float> row = stackalloc float[classes];
        Span<float> rowGradient = stackalloc float[classes];
        float loss = 0;
        for (; special != 0; special &= special - 1)
        {
            int n = BitOperations.TrailingZeroCount(special);
            for (int c = 0; c < classes; c++)
            {
                row[c] = logits[(c * Lanes) + n] + scratch.OutputBias[c];
            }

            loss += CrossEntropy.RowLossAndGradient<float>(row, labels[n], scale, rowGradient) * scale;
            for (int c = 0; c < classes; c++)
            {
                scratch.OutputColumns[(c * Lanes) + n] = rowGradient[c];
            }
        }

        return loss;
    }

    /// <summary>
    /// dZ1_u = (sum_c dZ2_c W2[u, c]) h_u (1 - h_u) into the hidden delta columns, and
    /// dW1^T[u, :] += dZ1[n, u] (x_n, 1) for the tile's examples: their inputs as stored, with 1 in lane Dx.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void HiddenGradient(in Scratch scratch, float* tile, nint stride, int count)
    {
        int units = scratch.Units;
        float* deltaColumns = scratch.HiddenDeltaColumns;
        Combine(scratch.OutputColumns, scratch.Classes, scratch.OutputWeights, 1, scratch.Classes, units, deltaColumns);
        for (int u = 0; u < units; u++)
        {
            float* delta = deltaColumns + (u * Lanes);
            Vector512<float> h = Vector512.Load(scratch.HiddenColumns + (u * Lanes));
            (Vector512.Load(delta) * (h * (Vector512<float>.One - h))).Store(delta);
        }

        AccumulateOuterProducts(deltaColumns, units, tile, stride, count, scratch.InputLanes, scratch.BiasInput, scratch.HiddenSums);
    }

    /// <summary>dX_j = sum_u dZ1_u W1[j, u] for the tile's examples, stored one example per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void InputGradient(in Scratch scratch, float* destination, nint stride, int count)
    {
        float* columns = scratch.InputDeltaColumns;
        Combine(scratch.HiddenDeltaColumns, scratch.Units, scratch.HiddenWeights, 1, scratch.Units, scratch.Inputs, columns);
        StoreColumns(destination, stride, count, scratch.Inputs, scratch.InputLanes, columns);
    }

    /// <summary>dZ2 back to one example per row, then dW2[u, :] += h[n, u] dZ2[n, :] and db2 += dZ2[n, :].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void OutputGradient(in Scratch scratch, int count)
    {
        float* rows = scratch.OutputDeltaRows;
        StoreColumns(rows, Lanes, count, scratch.Classes, scratch.ClassLanes, scratch.OutputColumns);
        AccumulateOuterProducts(scratch.HiddenColumns, scratch.Units, rows, Lanes, count, scratch.ClassLanes, Vector512<float>.Zero, scratch.OutputSums);

        // Row H of the sums is db2: two chains, the even and the odd examples.
        float* biasSum = scratch.OutputSums + (scratch.Units * Lanes);
        Vector512<float> lanes = scratch.ClassLanes;
        Vector512<float> even = Vector512.Load(biasSum), odd = Vector512<float>.Zero;
        int n = 0;
        for (; n + 1 < count; n += 2)
        {
            even += Avx512F.MaskLoad(rows + (n * Lanes), lanes, Vector512<float>.Zero);
            odd += Avx512F.MaskLoad(rows + ((n + 1) * Lanes), lanes, Vector512<float>.Zero);
        }

        if (n < count)
        {
            even += Avx512F.MaskLoad(rows + (n * Lanes), lanes, Vector512<float>.Zero);
        }

        (even + odd).Store(biasSum);
    }

    /// <summary>
    /// The gradient: W1 (Dx x H) and b1 are the rows of a (Dx + 1) x H matrix whose column u is row u of the hidden
    /// sums; W2 (H x Dy) and b2 are the rows of an (H + 1) x Dy matrix, row u of the output sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreGradient(in Scratch scratch, float* gradient)
    {
        int units = scratch.Units;
        int classes = scratch.Classes;
        StoreColumns(
            gradient + NetworkDimensions.HiddenWeightsOffset, units, scratch.Inputs + 1, units, ShortRowSoftmax.LaneMask(units), scratch.HiddenSums);
        float* outputGradient = gradient + ((scratch.Inputs + 1) * units);
        for (int u = 0; u <= units; u++)
        {
            Avx512F.MaskStore(outputGradient + (u * classes), scratch.ClassLanes, Vector512.Load(scratch.OutputSums + (u * Lanes)));
        }
    }

    /// <summary>
    /// Stores <paramref name="rows"/> rows of <paramref name="width"/> floats whose column j is the vector at
    /// <paramref name="columns"/> + 16 j (<see cref="ShortRowTiles.StoreTile"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumns(float* destination, nint stride, int rows, int width, Vector512<float> lanes, float* columns) =>
        ShortRowTiles.StoreTile(
            destination, stride, rows, width, lanes,
            Vector512.Load(columns), Vector512.Load(columns + Lanes), Vector512.Load(columns + (2 * Lanes)), Vector512.Load(columns + (3 * Lanes)),
            Vector512.Load(columns + (4 * Lanes)), Vector512.Load(columns + (5 * Lanes)), Vector512.Load(columns + (6 * Lanes)), Vector512.Load(columns + (7 * Lanes)),
            Vector512.Load(columns + (8 * Lanes)), Vector512.Load(columns + (9 * Lanes)), Vector512.Load(columns + (10 * Lanes)), Vector512.Load(columns + (11 * Lanes)),
            Vector512.Load(columns + (12 * Lanes)), Vector512.Load(columns + (13 * Lanes)), Vector512.Load(columns + (14 * Lanes)), Vector512.Load(columns + (15 * Lanes)));

    /// <summary>
    /// out_k = sum_i in_i w[i, k] for k &lt; <paramref name="outputs"/>, where in_i is the vector at
    /// <paramref name="inputs"/> + 16 i (i &lt; <paramref name="count"/>), w[i, k] the float at
    /// <paramref name="weights"/> + i <paramref name="inputStep"/> + k <paramref name="outputStep"/>, and out_k the vector
    /// at <paramref name="destination"/> + 16 k. Four outputs at a time, then two, then one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Combine(float* inputs, int count, float* weights, nint inputStep, nint outputStep, int outputs, float* destination)
    {
        int k = 0;
        for (; k + 4 <= outputs; k += 4)
        {
            Combine<FourOutputs>(inputs, count, weights + (k * outputStep), inputStep, outputStep, destination + (k * Lanes));
        }

        if (outputs - k >= 2)
        {
            Combine<TwoOutputs>(inputs, count, weights + (k * outputStep), inputStep, outputStep, destination + (k * Lanes));
            k += 2;
        }

        if (k < outputs)
        {
            Combine<OneOutput>(inputs, count, weights + (k * outputStep), inputStep, outputStep, destination + (k * Lanes));
        }
    }

    /// <summary>
    /// out_q = sum_i in_i w[i, q] for the group's outputs q, the even i and the odd i in two chains each: with four
    /// outputs, eight chains of multiply-adds run side by side.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Combine<TGroup>(float* inputs, int count, float* w, nint inputStep, nint outputStep, float* output)
        where TGroup : struct, IOutputGroup
    {
        Vector512<float> e0 = Vector512<float>.Zero, e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        float* input = inputs;
        int i = 0;
        for (; i + 1 < count; i += 2, w += 2 * inputStep, input += 2 * Lanes)
        {
            Vector512<float> even = Vector512.Load(input);
            Vector512<float> odd = Vector512.Load(input + Lanes);
            float* next = w + inputStep;
            e0 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[0]), e0);
            o0 = Vector512.FusedMultiplyAdd(odd, Vector512.Create(next[0]), o0);
            if (TGroup.Outputs > 1)
            {
                e1 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[outputStep]), e1);
                o1 = Vector512.FusedMultiplyAdd(odd, Vector512.Create(next[outputStep]), o1);
            }

            if (TGroup.Outputs > 2)
            {
                e2 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[2 * outputStep]), e2);
                e3 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[3 * outputStep]), e3);
                o2 = Vector512.FusedMultiplyAdd(odd, Vector512.Create(next[2 * outputStep]), o2);
                o3 = Vector512.FusedMultiplyAdd(odd, Vector512.Create(next[3 * outputStep]), o3);
            }
        }

        if (i < count)
        {
            Vector512<float> even = Vector512.Load(input);
            e0 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[0]), e0);
            if (TGroup.Outputs > 1)
            {
                e1 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[outputStep]), e1);
            }

            if (TGroup.Outputs > 2)
            {
                e2 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[2 * outputStep]), e2);
                e3 = Vector512.FusedMultiplyAdd(even, Vector512.Create(w[3 * outputStep]), e3);
            }
        }

        StoreGroup<TGroup>(output, e0 + o0, e1 + o1, e2 + o2, e3 + o3);
    }

    /// <summary>
    /// sums_k += sum_n a_k[n] r_n for k &lt; <paramref name="outputs"/>: a_k is the vector at <paramref name="columns"/> +
    /// 16 k (lane n for example n), r_n the row at <paramref name="rows"/> + n <paramref name="rowStride"/>, read under
    /// <paramref name="rowLanes"/> with <paramref name="fill"/> in the other lanes, and sums_k the vector at
    /// <paramref name="sums"/> + 16 k. Four outputs at a time, then two, then one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateOuterProducts(
        float* columns, int outputs, float* rows, nint rowStride, int count, Vector512<float> rowLanes, Vector512<float> fill, float* sums)
    {
        int k = 0;
        for (; k + 4 <= outputs; k += 4)
        {
            AccumulateOuterProducts<FourOutputs>(columns + (k * Lanes), rows, rowStride, count, rowLanes, fill, sums + (k * Lanes));
        }

        if (outputs - k >= 2)
        {
            AccumulateOuterProducts<TwoOutputs>(columns + (k * Lanes), rows, rowStride, count, rowLanes, fill, sums + (k * Lanes));
            k += 2;
        }

        if (k < outputs)
        {
            AccumulateOuterProducts<OneOutput>(columns + (k * Lanes), rows, rowStride, count, rowLanes, fill, sums + (k * Lanes));
        }
    }

    /// <summary>sums_q += sum_n a_q[n] r_n for the group's outputs q, the even n and the odd n in two chains each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateOuterProducts<TGroup>(
        float* a, float* rows, nint rowStride, int count, Vector512<float> rowLanes, Vector512<float> fill, float* sum)
        where TGroup : struct, IOutputGroup
    {
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> e0 = Vector512.Load(sum), o0 = zero, e1 = zero, o1 = zero, e2 = zero, o2 = zero, e3 = zero, o3 = zero;
        if (TGroup.Outputs > 1)
        {
            e1 = Vector512.Load(sum + Lanes);
        }

        if (TGroup.Outputs > 2)
        {
            e2 = Vector512.Load(sum + (2 * Lanes));
            e3 = Vector512.Load(sum + (3 * Lanes));
        }

        float* row = rows;
        int n = 0;
        for (; n + 1 < count; n += 2, row += 2 * rowStride)
        {
            Vector512<float> even = Avx512F.MaskLoad(row, rowLanes, fill);
            Vector512<float> odd = Avx512F.MaskLoad(row + rowStride, rowLanes, fill);
            e0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[n]), even, e0);
            o0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[n + 1]), odd, o0);
            if (TGroup.Outputs > 1)
            {
                e1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[Lanes + n]), even, e1);
                o1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[Lanes + n + 1]), odd, o1);
            }

            if (TGroup.Outputs > 2)
            {
                e2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[(2 * Lanes) + n]), even, e2);
                e3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[(3 * Lanes) + n]), even, e3);
                o2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[(2 * Lanes) + n + 1]), odd, o2);
                o3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[(3 * Lanes) + n + 1]), odd, o3);
            }
        }

        if (n < count)
        {
            Vector512<float> even = Avx512F.MaskLoad(row, rowLanes, fill);
            e0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[n]), even, e0);
            if (TGroup.Outputs > 1)
            {
                e1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[Lanes + n]), even, e1);
            }

            if (TGroup.Outputs > 2)
            {
                e2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[(2 * Lanes) + n]), even, e2);
                e3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[(3 * Lanes) + n]), even, e3);
            }
        }

        StoreGroup<TGroup>(sum, e0 + o0, e1 + o1, e2 + o2, e3 + o3);
    }

    /// <summary>Stores the group's outputs, vector q at <paramref name="destination"/> + 16 q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreGroup<TGroup>(float* destination, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3)
        where TGroup : struct, IOutputGroup
    {
        s0.Store(destination);
        if (TGroup.Outputs > 1)
        {
            s1.Store(destination + Lanes);
        }

        if (TGroup.Outputs > 2)
        {
            s2.Store(destination + (2 * Lanes));
            s3.Store(destination + (3 * Lanes));
        }
    }

    /// <summary>
    /// The step's stack memory, buffers of sixteen vectors each, and the network's widths. Feature-major buffers hold
    /// feature k of the tile's examples in vector k (lane n for example n).
    /// </summary>
    private readonly struct Scratch
    {
        /// <summary>Floats of stack memory: eight buffers, and a 17th row for the output sums (H may be 16).</summary>
        public const int Length = (8 * BufferLength) + Lanes;

        public readonly float* InputColumns;
        public readonly float* HiddenColumns;
        public readonly float* OutputColumns;
        public readonly float* HiddenDeltaColumns;
        public readonly float* InputDeltaColumns;

        /// <summary>W1, Dx x H, in the parameters.</summary>
        public readonly float* HiddenWeights;

        /// <summary>W2, H x Dy, in the parameters.</summary>
        public readonly float* OutputWeights;

        /// <summary>dZ2 of the tile, one example per row (read under the class lanes).</summary>
        public readonly float* OutputDeltaRows;

        /// <summary>Row u: dW1^T[u, :] summed over the examples so far, db1[u] in lane Dx.</summary>
        public readonly float* HiddenSums;

        /// <summary>Row u &lt; H: dW2[u, :] summed over the examples so far; row H: db2. Last, with room for 17 rows.</summary>
        public readonly float* OutputSums;

        public readonly float* HiddenBias;
        public readonly float* OutputBias;
        public readonly int Inputs;
        public readonly int Units;
        public readonly int Classes;
        public readonly Vector512<float> InputLanes;
        public readonly Vector512<float> ClassLanes;

        /// <summary>An example's inputs with 1 in lane Dx: dZ1[n, u] times it adds dZ1[n, u] to db1[u] in that lane.</summary>
        public readonly Vector512<float> BiasInput;

        /// <summary>Lays the buffers out over <paramref name="block"/> and clears the sums.</summary>
        public Scratch(float* block, NetworkDimensions d, float* parameters)
        {
            InputColumns = block;
            HiddenColumns = block + BufferLength;
            OutputColumns = block + (2 * BufferLength);
            HiddenDeltaColumns = block + (3 * BufferLength);
            InputDeltaColumns = block + (4 * BufferLength);
            OutputDeltaRows = block + (5 * BufferLength);
            HiddenSums = block + (6 * BufferLength);
            OutputSums = block + (7 * BufferLength);
            HiddenWeights = parameters + NetworkDimensions.HiddenWeightsOffset;
            OutputWeights = parameters + d.OutputWeightsOffset;
            HiddenBias = parameters + d.HiddenBiasOffset;
            OutputBias = parameters + d.OutputBiasOffset;
            Inputs = d.Inputs;
            Units = d.Hidden;
            Classes = d.Outputs;
            InputLanes = ShortRowSoftmax.LaneMask(Inputs);
            ClassLanes = ShortRowSoftmax.LaneMask(Classes);
            BiasInput = Vector512.Equals(Vector512<int>.Indices, Vector512.Create(Inputs)).AsSingle() & Vector512<float>.One;
            ClearSums(this);
        }

        /// <summary>Clears the H rows of the hidden sums and the H + 1 rows of the output sums.</summary>
        private static void ClearSums(in Scratch scratch)
        {
            for (int u = 0; u < scratch.Units; u++)
            {
                Vector512<float>.Zero.Store(scratch.HiddenSums + (u * Lanes));
                Vector512<float>.Zero.Store(scratch.OutputSums + (u * Lanes));
            }

            Vector512<float>.Zero.Store(scratch.OutputSums + (scratch.Units * Lanes));
        }
    }
}
