using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// The float forward and backward pass of a network whose layers are all at most 16 wide (such as the seed's 10, 5 and
/// 10) on processors with AVX2 and FMA but without AVX-512 (where <see cref="TinyStep"/> takes it): eight examples at a
/// time, one example per lane.
/// </summary>
/// <remarks>
/// <para>
/// Product by product, each of the step's products of such narrow matrices is a call whose set-up costs more than its
/// arithmetic. Here the whole step is one call, and every vector operation works on eight examples:
/// </para>
/// <list type="bullet">
/// <item>The tile's inputs are transposed once as they are loaded, so that vector j holds input j of the eight examples
/// (<see cref="ShortRowTiles256.LoadTile"/>).</item>
/// <item>h_u = sigmoid(sum_j x_j W1[j, u] + b1[u]) and z_c = sum_u h_u W2[u, c] + b2[c] are multiply-adds of whole
/// vectors by broadcast weights; the loss runs lane-wise down the classes.</item>
/// <item>dZ1_u = (sum_c dZ2_c W2[u, c]) h_u (1 - h_u), and dX_j = sum_u dZ1_u W1[j, u] likewise, dX transposed back
/// into rows as it is stored.</item>
/// <item>The gradient is summed lane by lane: one vector per parameter, dW1[j, u] += x_j dZ1_u, db1[u] += dZ1_u,
/// dW2[u, c] += h_u dZ2_c, db2[c] += dZ2_c, laid out as the parameters are. Once the last tile is in, each vector's
/// eight lanes are added (eight vectors at a time, by a transpose) into its parameter's gradient.</item>
/// </list>
/// <para>
/// The lanes past the examples of a last, partial tile hold 0 in every vector that enters the sums (x, h, dZ2, dZ1), so
/// they add nothing whatever the parameters hold. A row whose logits hold NaN or +Inf (or are all -Inf) takes the
/// general row path of the loss, which gives it NaN or its limits; the other rows are computed as without it.
/// </para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class TinyStep256
{
    /// <summary>Examples per tile.</summary>
    private const int Lanes = 8;

    /// <summary>The widest layer taken: rows of at most two vectors.</summary>
    private const int MaxWidth = 2 * Lanes;

    /// <summary>Sums of the logits' exponentials multiplied together before one logarithm (each lies in [1, 16]).</summary>
    private const int TilesPerLogarithm = 8;

    /// <summary>Whether a float step of a network of dimensions <paramref name="d"/> runs here.</summary>
    public static bool Suits(NetworkDimensions d) =>
        IsSupported && d.Inputs <= MaxWidth && d.Hidden <= MaxWidth && d.Outputs <= MaxWidth;

    /// <summary>AVX2 and FMA, and no AVX-512 (whose processors take <see cref="TinyStep"/> or the direct step).</summary>
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported && !Avx512F.IsSupported;

    /// <summary>
    /// Returns the mean cost; writes the gradient, and dX when <paramref name="inputGradient"/> is not empty. The
    /// arguments are validated, with at least one example, and every width is at most 16 (called directly, on any
    /// processor with AVX2 and FMA).
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
        int sumCount = d.ParameterCount;
        float* memory = stackalloc float[(((2 * Scratch.Columns) + sumCount) * Lanes) + (CacheLine.Bytes / sizeof(float))];
        float* block = CacheLine.Align(memory);

        // The loss: -(z[n, y_n] - m_n) / N summed lane-wise, the row sums s_n multiplied together for the log(s_n) / N,
        // and the losses of the rows that the general row path took.
        Vector256<float> total = Vector256<float>.Zero;
        Vector256<float> product = Vector256<float>.One;
        int tilesInProduct = 0;
        float generalRowsLoss = 0;
        ref float inputGradientStart = ref withInputGradient ? ref inputGradient.DangerousGetReference() : ref Unsafe.NullRef<float>();
        fixed (float* x = &data.DangerousGetReference())
        fixed (float* p = parameters)
        fixed (int* firstLabel = labels)
        fixed (float* dx = &inputGradientStart)
        {
            // Two tiles' buffers, so that the sums are loaded and stored once per pair of tiles.
            float* sums = block + (2 * Scratch.Columns * Lanes);
            var even = new Scratch(block, sums, d, p);
            var odd = new Scratch(block + (Scratch.Columns * Lanes), sums, d, p);
            for (int first = 0; first < examples; first += Lanes)
            {
                int count = Math.Min(Lanes, examples - first);
                bool secondOfPair = (first & Lanes) != 0;
                ref readonly Scratch scratch = ref secondOfPair ? ref odd : ref even;
                generalRowsLoss += Forward(in scratch, x + (first * dataStride), dataStride, count, firstLabel + first, scale, ref total, ref product);
                if (++tilesInProduct == TilesPerLogarithm)
                {
                    total += ShortRowTiles256.LogOfLanes(product) * Vector256.Create(scale);
                    product = Vector256<float>.One;
                    tilesInProduct = 0;
                }

                Backward(in scratch, count);
                if (withInputGradient)
                {
                    InputGradient(in scratch, dx + (first * inputGradientStride), inputGradientStride, count);
                }

                if (secondOfPair)
                {
                    AccumulatePair(in even, in odd, first == Lanes);
                }
                else if (first + Lanes >= examples)
                {
                    Accumulate(in even, first == 0);
                }
            }

            if (tilesInProduct > 0)
            {
                total += ShortRowTiles256.LogOfLanes(product) * Vector256.Create(scale);
            }

            fixed (float* g = gradient)
            {
                AddLanes(sums, sumCount, g);
            }
        }

        return Vector256.Sum(total) + generalRowsLoss;
    }

    /// <summary>
    /// The tile's forward pass and loss: h_u, then dZ2_c = e^(z_c - m) / (N s) - [c == y] / N into the output columns
    /// (0 in the lanes past the tile's <paramref name="count"/> examples). Adds -(z_y - m) / N of the tile's rows to
    /// <paramref name="total"/> and multiplies their s into <paramref name="product"/>, except for the rows whose s is
    /// NaN (a NaN or +Inf logit, or logits all -Inf): those take the general row path (<see cref="GeneralRows"/>), and
    /// their losses / N are returned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Forward(
        in Scratch scratch, float* tile, nint stride, int count, int* labels, float scale, ref Vector256<float> total, ref Vector256<float> product)
    {
        Vector256<float> scaled = Vector256.Create(scale);
        int inputs = scratch.Inputs;
        int units = scratch.Units;
        int classes = scratch.Classes;
        float* inputColumns = scratch.InputColumns;
        float* hiddenColumns = scratch.HiddenColumns;
        float* outputColumns = scratch.OutputColumns;
        Vector256<int> rowLanes = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count));
        Vector256<float> rows = rowLanes.AsSingle();
        Vector256<float> ones = rows & Vector256<float>.One;

        // x_j = input j of the tile's examples, 0 in the lanes past them; x_Dx = 1 in the examples' lanes (for db1)
        ShortRowTiles256.LoadTile(tile, stride, count, inputs, (Vector256<float>*)inputColumns);
        ones.Store(inputColumns + (inputs * Lanes));

        // h_u = sigmoid(sum_j x_j W1[j, u] + b1[u]), 0 in the lanes past the examples; h_H = 1 there (for db2)
        Combine(inputColumns, inputs, scratch.HiddenWeights, units, 1, units, hiddenColumns);
        for (int u = 0; u < units; u++)
        {
            float* h = hiddenColumns + (u * Lanes);
            (FloatExponential.SigmoidOperator.Invoke(Vector256.Load(h) + Vector256.Create(scratch.HiddenBias[u])) & rows).Store(h);
        }

        ones.Store(hiddenColumns + (units * Lanes));

        // z_c = sum_u h_u W2[u, c] + b2[c], m = max_c z_c over two chains, and z_y, the logit of the label's class
        Combine(hiddenColumns, units, scratch.OutputWeights, classes, 1, classes, outputColumns);
        Vector256<int> label = Avx2.MaskLoad(labels, rowLanes);
        Vector256<float> labelLogit = Vector256<float>.Zero;
        Vector256<float> evenMax = Vector256.Create(float.NegativeInfinity), oddMax = evenMax;
        for (int c = 0; c < classes; c++)
        {
            float* z = outputColumns + (c * Lanes);
            Vector256<float> logits = Vector256.Load(z) + Vector256.Create(scratch.OutputBias[c]);
            logits.Store(z);
            labelLogit = Vector256.ConditionalSelect(Vector256.Equals(label, Vector256.Create(c)).AsSingle(), logits, labelLogit);
            if ((c & 1) == 0)
            {
                evenMax = Vector256.MaxNative(evenMax, logits);
            }
            else
            {
                oddMax = Vector256.MaxNative(oddMax, logits);
            }
        }

        // e_c = e^(z_c - m), s = sum_c e_c over two chains, and t = z_y - m
        Vector256<float> max = Vector256.MaxNative(evenMax, oddMax);
        Vector256<float> shiftedLabel = labelLogit - max;
        Vector256<float> evenSum = Vector256<float>.Zero, oddSum = evenSum;
        for (int c = 0; c < classes; c++)
        {
            float* z = outputColumns + (c * Lanes);
            Vector256<float> e = FloatExponential.ExpOfNonPositive(Vector256.Load(z) - max);
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

        // dZ2_c = e_c / (N s) - [c == y] / N in the examples' lanes, 0 past them
        Vector256<float> sum = evenSum + oddSum;
        Vector256<float> factor = scaled / sum;
        for (int c = 0; c < classes; c++)
        {
            float* z = outputColumns + (c * Lanes);
            Vector256<float> g = Vector256.Load(z) * factor;
            (Vector256.ConditionalSelect(Vector256.Equals(label, Vector256.Create(c)).AsSingle(), g - scaled, g) & rows).Store(z);
        }

        float generalRowsLoss = 0;
        Vector256<float> special = rows & ~Vector256.Equals(sum, sum);
        uint specialRows = special.ExtractMostSignificantBits();
        if (specialRows != 0)
        {
            generalRowsLoss = GeneralRows(in scratch, labels, scale, specialRows);
            rows &= ~special;
        }

        total -= (shiftedLabel * scaled) & rows;
        product *= Vector256.ConditionalSelect(rows, sum, Vector256<float>.One);
        return generalRowsLoss;
    }

    /// <summary>
    /// The rows <paramref name="special"/> names (bit n for lane n) through the general row path, which gives a row with
    /// a NaN logit NaN and one with +Inf logits its limits: their logits are computed again, as in <see cref="Forward"/>,
    /// and their dZ2 put into their lanes of the output columns. Returns the sum of their losses, each divided by N.
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

    /// <summary>dZ1_u = (sum_c dZ2_c W2[u, c]) h_u (1 - h_u) into the hidden delta columns, 0 in the lanes past the examples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Backward(in Scratch scratch, int count)
    {
        int units = scratch.Units;
        float* deltaColumns = scratch.HiddenDeltaColumns;
        Vector256<float> rows = LaneMask.First256(count);
        Combine(scratch.OutputColumns, scratch.Classes, scratch.OutputWeights, 1, scratch.Classes, units, deltaColumns);
        for (int u = 0; u < units; u++)
        {
            float* delta = deltaColumns + (u * Lanes);
            Vector256<float> h = Vector256.Load(scratch.HiddenColumns + (u * Lanes));
            ((Vector256.Load(delta) * (h * (Vector256<float>.One - h))) & rows).Store(delta);
        }
    }

    /// <summary>dX_j = sum_u dZ1_u W1[j, u] for the tile's examples, stored one example per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void InputGradient(in Scratch scratch, float* destination, nint stride, int count)
    {
        int inputs = scratch.Inputs;
        float* columns = scratch.InputDeltaColumns;
        Combine(scratch.HiddenDeltaColumns, scratch.Units, scratch.HiddenWeights, 1, scratch.Units, inputs, columns);

        // Bit n set: row n exists. Columns past Dx are transposed with the others but never stored.
        int stored = (1 << count) - 1;
        ShortRowTiles256.StoreHalf(destination, stride, stored, Math.Min(inputs, Lanes), (Vector256<float>*)columns);
        if (inputs > Lanes)
        {
            ShortRowTiles256.StoreHalf(destination + Lanes, stride, stored, inputs - Lanes, (Vector256<float>*)(columns + (Lanes * Lanes)));
        }
    }

    /// <summary>
    /// One tile's share of the gradient, lane by lane (the last tile of an odd count): (dW1; db1)[j, u] += x_j dZ1_u for
    /// j &lt;= Dx (x_Dx = 1), and (dW2; db2)[u, c] += h_u dZ2_c for u &lt;= H (h_H = 1). When it is the only tile, its
    /// products are stored, which clears the sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Accumulate(in Scratch tile, bool firstTile)
    {
        AccumulateOuterProducts(in tile, in tile, pair: false, firstTile);
    }

    /// <summary>
    /// Two tiles' share of the gradient, as <see cref="Accumulate"/>: each sum loaded and stored once for both. The first
    /// pair's products are stored, which clears the sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void AccumulatePair(in Scratch even, in Scratch odd, bool firstPair)
    {
        AccumulateOuterProducts(in even, in odd, pair: true, firstPair);
    }

    /// <summary>Both blocks of the gradient, from one tile (<paramref name="even"/>) or two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateOuterProducts(in Scratch even, in Scratch odd, bool pair, bool overwrite)
    {
        AccumulateOuterProducts(
            even.InputColumns, odd.InputColumns, even.Inputs + 1, even.HiddenDeltaColumns, odd.HiddenDeltaColumns, even.Units, even.HiddenSums, pair,
            overwrite);
        AccumulateOuterProducts(
            even.HiddenColumns, odd.HiddenColumns, even.Units + 1, even.OutputColumns, odd.OutputColumns, even.Classes, even.OutputSums, pair, overwrite);
    }

    /// <summary>
    /// sums[i, k] += a_i b_k (+ a'_i b'_k when <paramref name="pair"/>; = when <paramref name="overwrite"/>), lane by
    /// lane, for i &lt; <paramref name="rows"/> and k &lt; <paramref name="columns"/>: a_i is the vector at
    /// <paramref name="left"/> + 8 i, b_k the one at <paramref name="right"/> + 8 k (a' and b' at the primed pointers:
    /// the second tile), and sums[i, k] the one at <paramref name="sums"/> + 8 (i columns + k). Two a_i at a time, so
    /// that each b_k loaded serves two sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateOuterProducts(
        float* left, float* otherLeft, int rows, float* right, float* otherRight, int columns, float* sums, bool pair, bool overwrite)
    {
        nint rowStep = columns * Lanes;
        int i = 0;
        for (; i + 1 < rows; i += 2, sums += 2 * rowStep)
        {
            Vector256<float> upper = Vector256.Load(left + (i * Lanes));
            Vector256<float> lower = Vector256.Load(left + ((i + 1) * Lanes));
            Vector256<float> otherUpper = pair ? Vector256.Load(otherLeft + (i * Lanes)) : default;
            Vector256<float> otherLower = pair ? Vector256.Load(otherLeft + ((i + 1) * Lanes)) : default;
            for (int k = 0; k < columns; k++)
            {
                Vector256<float> b = Vector256.Load(right + (k * Lanes));
                float* upperSum = sums + (k * Lanes);
                float* lowerSum = upperSum + rowStep;
                Vector256<float> upperTotal = Vector256.FusedMultiplyAdd(upper, b, overwrite ? Vector256<float>.Zero : Vector256.Load(upperSum));
                Vector256<float> lowerTotal = Vector256.FusedMultiplyAdd(lower, b, overwrite ? Vector256<float>.Zero : Vector256.Load(lowerSum));
                if (pair)
                {
                    Vector256<float> otherB = Vector256.Load(otherRight + (k * Lanes));
                    upperTotal = Vector256.FusedMultiplyAdd(otherUpper, otherB, upperTotal);
                    lowerTotal = Vector256.FusedMultiplyAdd(otherLower, otherB, lowerTotal);
                }

                upperTotal.Store(upperSum);
                lowerTotal.Store(lowerSum);
            }
        }

        if (i < rows)
        {
            Vector256<float> a = Vector256.Load(left + (i * Lanes));
            Vector256<float> otherA = pair ? Vector256.Load(otherLeft + (i * Lanes)) : default;
            for (int k = 0; k < columns; k++)
            {
                float* sum = sums + (k * Lanes);
                Vector256<float> total = Vector256.FusedMultiplyAdd(a, Vector256.Load(right + (k * Lanes)), overwrite ? Vector256<float>.Zero : Vector256.Load(sum));
                if (pair)
                {
                    total = Vector256.FusedMultiplyAdd(otherA, Vector256.Load(otherRight + (k * Lanes)), total);
                }

                total.Store(sum);
            }
        }
    }

    /// <summary>
    /// gradient[q] = the sum of the eight lanes of the vector at <paramref name="sums"/> + 8 q, for q &lt;
    /// <paramref name="count"/>, eight at a time (<see cref="TileTranspose256.SumsOfLanes"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddLanes(float* sums, int count, float* gradient)
    {
        for (int q = 0; q < count; q += Lanes)
        {
            int left = Math.Min(Lanes, count - q);
            float* s = sums + (q * Lanes);
            Vector256<float> r0 = Vector256.Load(s);
            Vector256<float> r1 = left > 1 ? Vector256.Load(s + Lanes) : default;
            Vector256<float> r2 = left > 2 ? Vector256.Load(s + (2 * Lanes)) : default;
            Vector256<float> r3 = left > 3 ? Vector256.Load(s + (3 * Lanes)) : default;
            Vector256<float> r4 = left > 4 ? Vector256.Load(s + (4 * Lanes)) : default;
            Vector256<float> r5 = left > 5 ? Vector256.Load(s + (5 * Lanes)) : default;
            Vector256<float> r6 = left > 6 ? Vector256.Load(s + (6 * Lanes)) : default;
            Vector256<float> r7 = left > 7 ? Vector256.Load(s + (7 * Lanes)) : default;
            VectorPieces.StoreFirst(gradient + q, TileTranspose256.SumsOfLanes(r0, r1, r2, r3, r4, r5, r6, r7), left);
        }
    }

    /// <summary>
    /// out_k = sum_i in_i w[i, k] for k &lt; <paramref name="outputs"/>, where in_i is the vector at
    /// <paramref name="inputs"/> + 8 i (i &lt; <paramref name="count"/>), w[i, k] the float at
    /// <paramref name="weights"/> + i <paramref name="inputStep"/> + k <paramref name="outputStep"/>, and out_k the vector
    /// at <paramref name="destination"/> + 8 k. Four outputs at a time, then two, then one.
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
        Vector256<float> e0 = Vector256<float>.Zero, e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        float* input = inputs;
        int i = 0;
        for (; i + 1 < count; i += 2, w += 2 * inputStep, input += 2 * Lanes)
        {
            Vector256<float> even = Vector256.Load(input);
            Vector256<float> odd = Vector256.Load(input + Lanes);
            float* next = w + inputStep;
            e0 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[0]), e0);
            o0 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(next[0]), o0);
            if (TGroup.Outputs > 1)
            {
                e1 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[outputStep]), e1);
                o1 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(next[outputStep]), o1);
            }

            if (TGroup.Outputs > 2)
            {
                e2 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[2 * outputStep]), e2);
                e3 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[3 * outputStep]), e3);
                o2 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(next[2 * outputStep]), o2);
                o3 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(next[3 * outputStep]), o3);
            }
        }

        if (i < count)
        {
            Vector256<float> even = Vector256.Load(input);
            e0 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[0]), e0);
            if (TGroup.Outputs > 1)
            {
                e1 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[outputStep]), e1);
            }

            if (TGroup.Outputs > 2)
            {
                e2 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[2 * outputStep]), e2);
                e3 = Vector256.FusedMultiplyAdd(even, Vector256.Create(w[3 * outputStep]), e3);
            }
        }

        (e0 + o0).Store(output);
        if (TGroup.Outputs > 1)
        {
            (e1 + o1).Store(output + Lanes);
        }

        if (TGroup.Outputs > 2)
        {
            (e2 + o2).Store(output + (2 * Lanes));
            (e3 + o3).Store(output + (3 * Lanes));
        }
    }

    /// <summary>
    /// The step's stack memory and the network's widths. Feature-major buffers hold feature k of the tile's examples in
    /// vector k (lane n for example n); the sums hold one vector per parameter, in the parameters' order.
    /// </summary>
    private readonly struct Scratch
    {
        /// <summary>Vectors in one feature-major buffer: 16 features and the column of ones after the last.</summary>
        public const int BufferVectors = MaxWidth + 1;

        /// <summary>Vectors of one tile's buffers: five.</summary>
        public const int Columns = 5 * BufferVectors;

        public readonly float* InputColumns;
        public readonly float* HiddenColumns;
        public readonly float* OutputColumns;
        public readonly float* HiddenDeltaColumns;
        public readonly float* InputDeltaColumns;

        /// <summary>(dW1; db1), (Dx + 1) x H vectors, then (dW2; db2), (H + 1) x Dy vectors: lane n sums example n mod 8.</summary>
        public readonly float* Sums;

        /// <summary>(dW2; db2) within <see cref="Sums"/>.</summary>
        public readonly float* OutputSums;

        /// <summary>W1, Dx x H, in the parameters.</summary>
        public readonly float* HiddenWeights;

        /// <summary>W2, H x Dy, in the parameters.</summary>
        public readonly float* OutputWeights;

        public readonly float* HiddenBias;
        public readonly float* OutputBias;
        public readonly int Inputs;
        public readonly int Units;
        public readonly int Classes;

        /// <summary>Lays the buffers out over <paramref name="block"/>, with the sums at <paramref name="sums"/>.</summary>
        public Scratch(float* block, float* sums, NetworkDimensions d, float* parameters)
        {
            const int BufferLength = BufferVectors * Lanes;
            InputColumns = block;
            HiddenColumns = block + BufferLength;
            OutputColumns = block + (2 * BufferLength);
            HiddenDeltaColumns = block + (3 * BufferLength);
            InputDeltaColumns = block + (4 * BufferLength);
            Sums = sums;
            OutputSums = Sums + (d.OutputWeightsOffset * Lanes);
            HiddenWeights = parameters + NetworkDimensions.HiddenWeightsOffset;
            OutputWeights = parameters + d.OutputWeightsOffset;
            HiddenBias = parameters + d.HiddenBiasOffset;
            OutputBias = parameters + d.OutputBiasOffset;
            Inputs = d.Inputs;
            Units = d.Hidden;
            Classes = d.Outputs;
        }

        /// <summary>(dW1; db1) within <see cref="Sums"/>.</summary>
        public float* HiddenSums => Sums;
    }
}
