using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// The float forward and backward pass of a batch of one example (online learning) for a network of at most 16
/// classes, on processors with AVX2 and FMA, in one call. With AVX-512 it takes only small networks (see
/// <see cref="Suits"/>); the direct step takes the others.
/// </summary>
/// <remarks>
/// <para>
/// With one example every product is a row times a matrix, an outer product, or a matrix times a column, and product by
/// product the set-up of each call cost more than its arithmetic (the online step, 1 x 64 x 32 x 10, spent about a fifth
/// of its time in span plumbing and copies). Here each runs straight over the parameters:
/// </para>
/// <list type="bullet">
/// <item>h = sigmoid(x W1 + b1): 32 units at a time, each x_j broadcast against a stretch of row j of W1, the even and
/// odd j in two chains.</item>
/// <item>z = h W2 + b2 in two vectors (16 classes), then the loss and dZ2 = softmax(z) - onehot(y) through the general
/// loss of the network (<see cref="CrossEntropy.FromLogitsCore{T}"/>).</item>
/// <item>dW2[u, :] = h_u dZ2 and dZ1_u = (W2[u, :] . dZ2) h_u (1 - h_u), eight units at a time: the eight rows' products
/// are transposed, so that their sums come out as one vector.</item>
/// <item>dW1[j, :] = x_j dZ1 and dX_j = W1[j, :] . dZ1 in one pass over W1, eight rows at a time, the dot products
/// summed as above.</item>
/// </list>
/// <para>
/// Rows and columns past the matrices' ends are read and written only through masked loads and stores; a group of
/// fewer than eight rows repeats its last row (same values to the same places) and stores only its own sums.
/// </para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class SingleExampleStep256
{
    private const int Lanes = 8;

    /// <summary>Hidden units per pass of the hidden layer: four vectors, in two chains of four accumulators.</summary>
    private const int HiddenBlock = 4 * Lanes;

    /// <summary>
    /// The most first-layer weights (Dx H) for which a processor with AVX-512 takes this step rather than the direct
    /// step. On an AMD Zen 5 core (two builds interleaved in one process), this step ran 1 x 64 x 32 x 10 1.25x as fast
    /// as the direct step, 1 x 64 x 48 x 10 1.37x and 1 x 128 x 32 x 10 1.05x, but 1 x 128 x 64 x 10 0.96x,
    /// 1 x 784 x 32 x 10 0.92x and 1 x 784 x 512 x 10 0.95x: the direct step's fixed cost is what this one saves, and
    /// its 512-bit passes over W1 win once W1 is large.
    /// </summary>
    public const int MostWeightsWithAvx512 = 4096;

    /// <summary>AVX2 and FMA.</summary>
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Whether the float step of <paramref name="rows"/> rows on a network of dimensions <paramref name="d"/> runs here:
    /// one example, at most 16 classes, and with AVX-512 at most <see cref="MostWeightsWithAvx512"/> first-layer weights.
    /// </summary>
    public static bool Suits(NetworkDimensions d, int rows) =>
        IsSupported && rows == 1 && d.Outputs <= 2 * Lanes && (!Avx512F.IsSupported || (long)d.Inputs * d.Hidden <= MostWeightsWithAvx512);

    /// <summary>
    /// The step over validated arguments, one example and at most 16 classes (called directly, on any processor with AVX2
    /// and FMA): fills <paramref name="gradient"/> (and <paramref name="inputGradient"/> unless it is empty) and returns
    /// the cost. <paramref name="hidden"/>, <paramref name="hiddenDelta"/> and <paramref name="logits"/> are the
    /// workspace's 1 x H, 1 x H and 1 x Dy buffers.
    /// </summary>
    public static float Run(
        NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
        Span2D<float> inputGradient, Span2D<float> hidden, Span2D<float> hiddenDelta, Span2D<float> logits)
    {
        bool withInputGradient = !inputGradient.IsEmpty;
        ref float inputGradientStart = ref withInputGradient ? ref inputGradient.DangerousGetReference() : ref Unsafe.NullRef<float>();
        float cost;
        fixed (float* x = &data.DangerousGetReference())
        fixed (float* p = parameters)
        fixed (float* g = gradient)
        fixed (float* h = &hidden.DangerousGetReference())
        fixed (float* delta = &hiddenDelta.DangerousGetReference())
        fixed (float* z = &logits.DangerousGetReference())
        fixed (float* dx = &inputGradientStart)
        {
            var layout = new Layout(d, p, g);

            // h = sigmoid(x W1 + b1); z = h W2 + b2, classes 0..7 and 8..15
            Hidden(in layout, x, h);
            Logits(in layout, h, out Vector256<float> low, out Vector256<float> high);

            // J and dZ2 = softmax(z) - onehot(y); a row the vectors cannot take (NaN, +Inf, all -Inf) goes through the
            // general loss, which gives it its limits
            if (!TryLoss(in layout, labels[0], ref low, ref high, out cost))
            {
                Avx.MaskStore(z, layout.LowerClasses, low);
                Avx.MaskStore(z + Lanes, layout.UpperClasses, high);
                cost = CrossEntropy.FromLogitsCore<float>(logits, labels, logits);
                low = Avx.MaskLoad(z, layout.LowerClasses);
                high = Avx.MaskLoad(z + Lanes, layout.UpperClasses);
            }

            // dW2 = h^T dZ2, db2 = dZ2; dZ1 = (dZ2 W2^T) * h (1 - h), db1 = dZ1
            OutputGradient(in layout, h, low, high, delta);

            // dW1 = x^T dZ1; dX = dZ1 W1^T
            if (withInputGradient)
            {
                InputLayerGradient<WithInputGradient>(in layout, x, delta, dx);
            }
            else
            {
                InputLayerGradient<WithoutInputGradient>(in layout, x, delta, null);
            }
        }

        return cost;
    }

    /// <summary>h[u] = sigmoid(sum_j x_j W1[j, u] + b1[u]), 32 units at a time, the last block under masks.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Hidden(in Layout layout, float* x, float* h)
    {
        int units = layout.Units;
        int block = 0;
        for (; block + HiddenBlock <= units; block += HiddenBlock)
        {
            HiddenColumns(in layout, x, h, block, HiddenBlock, full: true);
        }

        if (block < units)
        {
            HiddenColumns(in layout, x, h, block, units - block, full: false);
        }
    }

    /// <summary>
    /// h[u] for the <paramref name="width"/> (at most 32) units from <paramref name="first"/>: acc = sum_j x_j W1[j, u],
    /// the even and the odd j in two chains of four vectors. When not <paramref name="full"/>, the vectors past the block
    /// are loaded and stored under masks (a vector wholly past it reads nothing and writes nothing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HiddenColumns(in Layout layout, float* x, float* h, int first, int width, bool full)
    {
        int inputs = layout.Inputs;
        nint step = layout.Units;
        Vector256<float> m0 = LaneMask.First256(width), m1 = LaneMask.First256(width - Lanes);
        Vector256<float> m2 = LaneMask.First256(width - (2 * Lanes)), m3 = LaneMask.First256(width - (3 * Lanes));
        Vector256<float> e0 = Vector256<float>.Zero, e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        float* w = layout.HiddenWeights + first;
        int j = 0;
        for (; j + 1 < inputs; j += 2, w += 2 * step)
        {
            // acc[u] += x_j W1[j, u] + x_(j+1) W1[j + 1, u]
            Vector256<float> even = Vector256.Create(x[j]);
            Vector256<float> odd = Vector256.Create(x[j + 1]);
            float* next = w + step;
            e0 = Vector256.FusedMultiplyAdd(Load(w, m0, full), even, e0);
            e1 = Vector256.FusedMultiplyAdd(Load(w + Lanes, m1, full), even, e1);
            e2 = Vector256.FusedMultiplyAdd(Load(w + (2 * Lanes), m2, full), even, e2);
            e3 = Vector256.FusedMultiplyAdd(Load(w + (3 * Lanes), m3, full), even, e3);
            o0 = Vector256.FusedMultiplyAdd(Load(next, m0, full), odd, o0);
            o1 = Vector256.FusedMultiplyAdd(Load(next + Lanes, m1, full), odd, o1);
            o2 = Vector256.FusedMultiplyAdd(Load(next + (2 * Lanes), m2, full), odd, o2);
            o3 = Vector256.FusedMultiplyAdd(Load(next + (3 * Lanes), m3, full), odd, o3);
        }

        if (j < inputs)
        {
            Vector256<float> even = Vector256.Create(x[j]);
            e0 = Vector256.FusedMultiplyAdd(Load(w, m0, full), even, e0);
            e1 = Vector256.FusedMultiplyAdd(Load(w + Lanes, m1, full), even, e1);
            e2 = Vector256.FusedMultiplyAdd(Load(w + (2 * Lanes), m2, full), even, e2);
            e3 = Vector256.FusedMultiplyAdd(Load(w + (3 * Lanes), m3, full), even, e3);
        }

        // h = sigmoid(acc + b1)
        float* bias = layout.HiddenBias + first;
        float* target = h + first;
        Store(target, FloatExponential.SigmoidOperator.Invoke((e0 + o0) + Load(bias, m0, full)), m0, full);
        Store(target + Lanes, FloatExponential.SigmoidOperator.Invoke((e1 + o1) + Load(bias + Lanes, m1, full)), m1, full);
        Store(target + (2 * Lanes), FloatExponential.SigmoidOperator.Invoke((e2 + o2) + Load(bias + (2 * Lanes), m2, full)), m2, full);
        Store(target + (3 * Lanes), FloatExponential.SigmoidOperator.Invoke((e3 + o3) + Load(bias + (3 * Lanes), m3, full)), m3, full);
    }

    /// <summary>
    /// z[c] = sum_u h_u W2[u, c] + b2[c], classes 0..7 in <paramref name="low"/> and 8..15 in <paramref name="high"/> (0
    /// in the lanes past Dy), the even and odd u in two chains.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Logits(in Layout layout, float* h, out Vector256<float> low, out Vector256<float> high)
    {
        int units = layout.Units;
        nint classes = layout.Classes;
        Vector256<float> lower = layout.LowerClasses, upper = layout.UpperClasses;
        Vector256<float> evenLow = Vector256<float>.Zero, evenHigh = evenLow, oddLow = evenLow, oddHigh = evenLow;
        float* w = layout.OutputWeights;
        int u = 0;
        for (; u + 1 < units; u += 2, w += 2 * classes)
        {
            // z += h_u W2[u, :] + h_(u+1) W2[u + 1, :]
            Vector256<float> even = Vector256.Create(h[u]);
            Vector256<float> odd = Vector256.Create(h[u + 1]);
            float* next = w + classes;
            evenLow = Vector256.FusedMultiplyAdd(Avx.MaskLoad(w, lower), even, evenLow);
            evenHigh = Vector256.FusedMultiplyAdd(Avx.MaskLoad(w + Lanes, upper), even, evenHigh);
            oddLow = Vector256.FusedMultiplyAdd(Avx.MaskLoad(next, lower), odd, oddLow);
            oddHigh = Vector256.FusedMultiplyAdd(Avx.MaskLoad(next + Lanes, upper), odd, oddHigh);
        }

        if (u < units)
        {
            Vector256<float> even = Vector256.Create(h[u]);
            evenLow = Vector256.FusedMultiplyAdd(Avx.MaskLoad(w, lower), even, evenLow);
            evenHigh = Vector256.FusedMultiplyAdd(Avx.MaskLoad(w + Lanes, upper), even, evenHigh);
        }

        float* bias = layout.OutputBias;
        low = (evenLow + oddLow) + Avx.MaskLoad(bias, lower);
        high = (evenHigh + oddHigh) + Avx.MaskLoad(bias + Lanes, upper);
    }

    /// <summary>
    /// The loss of one row of logits in two vectors, J = log s - (z_y - m), and dZ2 = e / s - onehot(y) in their place,
    /// with m = max_c z_c, e_c = e^(z_c - m) and s = sum_c e_c (the lanes past Dy held out). False, with the logits left
    /// as they were, when s is NaN: a NaN or +Inf logit, or logits all -Inf.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryLoss(in Layout layout, int label, ref Vector256<float> low, ref Vector256<float> high, out float cost)
    {
        Vector256<float> lower = layout.LowerClasses, upper = layout.UpperClasses;
        Vector256<float> absent = Vector256.Create(float.NegativeInfinity);

        // m = max_c z_c, broadcast (a NaN may be dropped here: its e_c is NaN all the same)
        Vector256<float> both = Vector256.MaxNative(Vector256.ConditionalSelect(lower, low, absent), Vector256.ConditionalSelect(upper, high, absent));
        Vector128<float> half = Vector128.MaxNative(both.GetLower(), both.GetUpper());
        half = Vector128.MaxNative(half, Vector128.Shuffle(half, Vector128.Create(2, 3, 0, 1)));
        half = Vector128.MaxNative(half, Vector128.Shuffle(half, Vector128.Create(1, 0, 3, 2)));
        Vector256<float> max = Vector256.Create(half, half);

        // e_c = e^(z_c - m), 0 past Dy; s = sum_c e_c
        Vector256<float> lowExp = FloatExponential.ExpOfNonPositive(low - max) & lower;
        Vector256<float> highExp = FloatExponential.ExpOfNonPositive(high - max) & upper;
        float sum = Vector256.Sum(lowExp + highExp);
        if (float.IsNaN(sum))
        {
            cost = 0;
            return false;
        }

        // J = log s - (z_y - m); dZ2_c = e_c / s - [c == y]
        float labelLogit = label < Lanes ? low.GetElement(label) : high.GetElement(label - Lanes);
        cost = MathF.Log(sum) - (labelLogit - max.ToScalar());
        Vector256<float> inverse = Vector256.Create(1f / sum);
        Vector256<int> classIndex = Vector256<int>.Indices;
        low = (lowExp * inverse) - (Vector256.Equals(classIndex, Vector256.Create(label)).AsSingle() & Vector256<float>.One);
        high = (highExp * inverse) - (Vector256.Equals(classIndex, Vector256.Create(label - Lanes)).AsSingle() & Vector256<float>.One);
        return true;
    }

    /// <summary>
    /// For eight units u at a time: dW2[u, :] = h_u dZ2, and dZ1_u = (W2[u, :] . dZ2) h_u (1 - h_u) into
    /// <paramref name="delta"/> and db1; then db2 = dZ2.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OutputGradient(in Layout layout, float* h, Vector256<float> low, Vector256<float> high, float* delta)
    {
        int units = layout.Units;
        nint classes = layout.Classes;
        Vector256<float> lower = layout.LowerClasses, upper = layout.UpperClasses;
        for (int first = 0; first < units; first += Lanes)
        {
            int count = Math.Min(Lanes, units - first);
            int last = units - 1;

            // Row r of the group: unit first + r, or the last unit again past the end (same values to the same places).
            Vector256<float> p0 = UnitProducts(in layout, h, Math.Min(first, last), low, high);
            Vector256<float> p1 = UnitProducts(in layout, h, Math.Min(first + 1, last), low, high);
            Vector256<float> p2 = UnitProducts(in layout, h, Math.Min(first + 2, last), low, high);
            Vector256<float> p3 = UnitProducts(in layout, h, Math.Min(first + 3, last), low, high);
            Vector256<float> p4 = UnitProducts(in layout, h, Math.Min(first + 4, last), low, high);
            Vector256<float> p5 = UnitProducts(in layout, h, Math.Min(first + 5, last), low, high);
            Vector256<float> p6 = UnitProducts(in layout, h, Math.Min(first + 6, last), low, high);
            Vector256<float> p7 = UnitProducts(in layout, h, Math.Min(first + 7, last), low, high);
            Vector256<float> dots = TileTranspose256.SumsOfLanes(p0, p1, p2, p3, p4, p5, p6, p7);

            // dZ1 = (dZ2 W2^T) h (1 - h)
            Vector256<float> units8 = LaneMask.First256(count);
            Vector256<float> hidden = Avx.MaskLoad(h + first, units8);
            Vector256<float> hiddenDelta = dots * (hidden * (Vector256<float>.One - hidden));
            Store(delta + first, hiddenDelta, units8, full: count == Lanes);
            Store(layout.HiddenBiasGradient + first, hiddenDelta, units8, full: count == Lanes);
        }

        // db2 = dZ2, after the rows of dW2 whose whole stores ran into it
        Avx.MaskStore(layout.OutputBiasGradient, lower, low);
        Avx.MaskStore(layout.OutputBiasGradient + Lanes, upper, high);
    }

    /// <summary>
    /// dW2[u, :] = h_u dZ2; returns W2[u, :] ⊙ dZ2 folded into one vector, whose lanes sum to W2[u, :] . dZ2. The row is
    /// stored in whole vectors where they end within (dW2; db2), running on into the rows after it (which are stored
    /// later, as db2 is), and under the class masks at the end (masked stores cost many times a whole one).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> UnitProducts(in Layout layout, float* h, int u, Vector256<float> low, Vector256<float> high)
    {
        nint classes = layout.Classes;
        Vector256<float> lower = layout.LowerClasses, upper = layout.UpperClasses;
        Vector256<float> hu = Vector256.Create(h[u]);
        float* gradientRow = layout.OutputWeightsGradient + (u * classes);
        if (u < layout.WholeRowStores)
        {
            (hu * low).Store(gradientRow);
            if (classes > Lanes)
            {
                (hu * high).Store(gradientRow + Lanes);
            }
        }
        else
        {
            Avx.MaskStore(gradientRow, lower, hu * low);
            Avx.MaskStore(gradientRow + Lanes, upper, hu * high);
        }
        float* row = layout.OutputWeights + (u * classes);
        return Vector256.FusedMultiplyAdd(Avx.MaskLoad(row + Lanes, upper), high, Avx.MaskLoad(row, lower) * low);
    }

    /// <summary>
    /// dW1[j, :] = x_j dZ1 and, with <typeparamref name="TInputGradient"/>, dX_j = W1[j, :] . dZ1, in one pass over W1,
    /// eight rows j at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void InputLayerGradient<TInputGradient>(in Layout layout, float* x, float* delta, float* dx)
        where TInputGradient : struct, IInputGradientChoice
    {
        int inputs = layout.Inputs;
        int units = layout.Units;
        int last = inputs - 1;
        for (int first = 0; first < inputs; first += Lanes)
        {
            // Row r of the group: row first + r, or the last row again past the end (same values to the same places).
            Vector256<float> dots = InputRows<TInputGradient>(
                in layout, x, delta, units, Math.Min(first, last), Math.Min(first + 1, last), Math.Min(first + 2, last),
                Math.Min(first + 3, last), Math.Min(first + 4, last), Math.Min(first + 5, last), Math.Min(first + 6, last),
                Math.Min(first + 7, last));
            if (TInputGradient.Wanted)
            {
                VectorPieces.StoreFirst(dx + first, dots, Math.Min(Lanes, inputs - first));
            }
        }
    }

    /// <summary>
    /// For the eight rows j0..j7: dW1[j, :] = x_j dZ1 and (with <typeparamref name="TInputGradient"/>) the dot products
    /// W1[j, :] . dZ1 as the lanes of the vector returned; the last columns under a mask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> InputRows<TInputGradient>(
        in Layout layout, float* x, float* delta, int units, int j0, int j1, int j2, int j3, int j4, int j5, int j6, int j7)
        where TInputGradient : struct, IInputGradientChoice
    {
        nint h = units;
        float* w = layout.HiddenWeights;
        float* g = layout.HiddenWeightsGradient;
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int v = 0;
        for (; v + Lanes <= units; v += Lanes)
        {
            Vector256<float> d = Vector256.Load(delta + v);
            InputColumn<TInputGradient>(w, g, x, h, j0, v, d, ref a0, Vector256<float>.AllBitsSet, full: true);
            InputColumn<TInputGradient>(w, g, x, h, j1, v, d, ref a1, Vector256<float>.AllBitsSet, full: true);
            InputColumn<TInputGradient>(w, g, x, h, j2, v, d, ref a2, Vector256<float>.AllBitsSet, full: true);
            InputColumn<TInputGradient>(w, g, x, h, j3, v, d, ref a3, Vector256<float>.AllBitsSet, full: true);
            InputColumn<TInputGradient>(w, g, x, h, j4, v, d, ref a4, Vector256<float>.AllBitsSet, full: true);
            InputColumn<TInputGradient>(w, g, x, h, j5, v, d, ref a5, Vector256<float>.AllBitsSet, full: true);
            InputColumn<TInputGradient>(w, g, x, h, j6, v, d, ref a6, Vector256<float>.AllBitsSet, full: true);
            InputColumn<TInputGradient>(w, g, x, h, j7, v, d, ref a7, Vector256<float>.AllBitsSet, full: true);
        }

        if (v < units)
        {
            Vector256<float> mask = LaneMask.First256(units - v);
            Vector256<float> d = Avx.MaskLoad(delta + v, mask);
            InputColumn<TInputGradient>(w, g, x, h, j0, v, d, ref a0, mask, full: false);
            InputColumn<TInputGradient>(w, g, x, h, j1, v, d, ref a1, mask, full: false);
            InputColumn<TInputGradient>(w, g, x, h, j2, v, d, ref a2, mask, full: false);
            InputColumn<TInputGradient>(w, g, x, h, j3, v, d, ref a3, mask, full: false);
            InputColumn<TInputGradient>(w, g, x, h, j4, v, d, ref a4, mask, full: false);
            InputColumn<TInputGradient>(w, g, x, h, j5, v, d, ref a5, mask, full: false);
            InputColumn<TInputGradient>(w, g, x, h, j6, v, d, ref a6, mask, full: false);
            InputColumn<TInputGradient>(w, g, x, h, j7, v, d, ref a7, mask, full: false);
        }

        return TInputGradient.Wanted ? TileTranspose256.SumsOfLanes(a0, a1, a2, a3, a4, a5, a6, a7) : default;
    }

    /// <summary>dW1[j, v..v+7] = x_j dZ1[v..v+7]; with <typeparamref name="TInputGradient"/>, acc += W1[j, v..v+7] ⊙ dZ1[v..v+7].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputColumn<TInputGradient>(
        float* w, float* g, float* x, nint units, int j, int v, Vector256<float> d, ref Vector256<float> accumulator, Vector256<float> mask, bool full)
        where TInputGradient : struct, IInputGradientChoice
    {
        nint offset = (j * units) + v;
        Store(g + offset, Vector256.Create(x[j]) * d, mask, full);
        if (TInputGradient.Wanted)
        {
            accumulator = Vector256.FusedMultiplyAdd(Load(w + offset, mask, full), d, accumulator);
        }
    }

    /// <summary>A whole vector when <paramref name="full"/>, else the lanes of <paramref name="mask"/> (0 in the others, nothing read there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(float* source, Vector256<float> mask, bool full) =>
        full ? Vector256.Load(source) : Avx.MaskLoad(source, mask);

    /// <summary>A whole vector when <paramref name="full"/>, else the lanes of <paramref name="mask"/> (nothing written in the others).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* destination, Vector256<float> value, Vector256<float> mask, bool full)
    {
        if (full)
        {
            value.Store(destination);
        }
        else
        {
            Avx.MaskStore(destination, mask, value);
        }
    }

    /// <summary>Whether the pass over W1 also computes dX.</summary>
    private interface IInputGradientChoice
    {
        static abstract bool Wanted { get; }
    }

    private struct WithInputGradient : IInputGradientChoice
    {
        public static bool Wanted => true;
    }

    private struct WithoutInputGradient : IInputGradientChoice
    {
        public static bool Wanted => false;
    }

    /// <summary>Where the parameters and their gradients lie, and the network's widths.</summary>
    private readonly struct Layout
    {
        public readonly float* HiddenWeights;
        public readonly float* HiddenBias;
        public readonly float* OutputWeights;
        public readonly float* OutputBias;
        public readonly float* HiddenWeightsGradient;
        public readonly float* HiddenBiasGradient;
        public readonly float* OutputWeightsGradient;
        public readonly float* OutputBiasGradient;
        public readonly int Inputs;
        public readonly int Units;
        public readonly int Classes;

        /// <summary>
        /// The rows u of dW2 whose whole vectors (one for Dy &lt;= 8, else two) end within (dW2; db2), (H + 1) Dy floats:
        /// u Dy + 8 or u Dy + 16 &lt;= (H + 1) Dy.
        /// </summary>
        public readonly int WholeRowStores;

        /// <summary>Classes 0..7 and 8..15 present (Dy &lt;= 16).</summary>
        public readonly Vector256<float> LowerClasses;
        public readonly Vector256<float> UpperClasses;

        public Layout(NetworkDimensions d, float* parameters, float* gradient)
        {
            HiddenWeights = parameters + NetworkDimensions.HiddenWeightsOffset;
            HiddenBias = parameters + d.HiddenBiasOffset;
            OutputWeights = parameters + d.OutputWeightsOffset;
            OutputBias = parameters + d.OutputBiasOffset;
            HiddenWeightsGradient = gradient + NetworkDimensions.HiddenWeightsOffset;
            HiddenBiasGradient = gradient + d.HiddenBiasOffset;
            OutputWeightsGradient = gradient + d.OutputWeightsOffset;
            OutputBiasGradient = gradient + d.OutputBiasOffset;
            Inputs = d.Inputs;
            Units = d.Hidden;
            Classes = d.Outputs;
            LowerClasses = LaneMask.First256(Classes);
            UpperClasses = LaneMask.First256(Classes - Lanes);
            int whole = Classes > Lanes ? 2 * Lanes : Lanes;
            int room = ((Units + 1) * Classes) - whole;
            WholeRowStores = room < 0 ? 0 : Math.Min(Units, (room / Classes) + 1);
        }
    }
}
