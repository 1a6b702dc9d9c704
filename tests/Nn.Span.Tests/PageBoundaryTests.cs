using System.Runtime.InteropServices;

namespace Nn.Span.Tests;

/// <summary>
/// Every public kernel with each of its buffers flush against an inaccessible page, after its last element and then
/// before its first (<see cref="ProtectedPages"/>): an access one element too far, even an unmasked vector load whose
/// extra lanes are discarded, faults instead of passing unnoticed. The results must be bitwise those of the same call
/// on ordinary arrays. Lengths 0..256 cover every vector tail; the matrices have odd, prime and tile-edge shapes,
/// with and without a pitch.
/// </summary>
public sealed unsafe class PageBoundaryTests : IDisposable
{
    private readonly List<ProtectedPages> _pages = [];

    public void Dispose()
    {
        foreach (ProtectedPages pages in _pages)
        {
            pages.Dispose();
        }
    }

    private static void RequirePages() =>
        Assert.SkipUnless(ProtectedPages.Available, "Inaccessible pages are made with mmap, on Linux.");

    /// <summary><paramref name="values"/> copied into their own pages, flush against the end or the start.</summary>
    private Span<T> Place<T>(T[] values, bool atEnd)
        where T : unmanaged
    {
        var pages = new ProtectedPages((long)values.Length * sizeof(T));
        _pages.Add(pages);
        return pages.Place<T>(values, atEnd);
    }

    /// <summary>A height x width matrix with row pitch gap <paramref name="pitch"/>, in its own pages; the elements of the gaps are copied too.</summary>
    private Span2D<T> PlaceMatrix<T>(T[] values, int height, int width, int pitch, bool atEnd)
        where T : unmanaged
    {
        Assert.Equal(StoredLength(height, width, pitch), values.Length);
        Span<T> placed = Place(values, atEnd);
        fixed (T* first = placed)
        {
            return new Span2D<T>(first, height, width, pitch);
        }
    }

    /// <summary>Elements from a matrix's first element to its last, pitch gaps included.</summary>
    private static int StoredLength(int height, int width, int pitch) =>
        height == 0 || width == 0 ? 0 : ((height - 1) * (width + pitch)) + width;

    /// <summary>The elements of <paramref name="matrix"/> from its first to its last, pitch gaps included.</summary>
    private static Span<T> Flat<T>(Span2D<T> matrix, int length) =>
        MemoryMarshal.CreateSpan(ref matrix.DangerousGetReference(), length);

    private static Span2D<T> Matrix<T>(T[] values, int height, int width, int pitch) =>
        new(values, 0, height, width, pitch);

    private static void AssertBitwise<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(expected.Length == actual.Length, $"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]) && !(T.IsNaN(expected[i]) && T.IsNaN(actual[i])))
            {
                Assert.Fail($"{context}: element {i} is {actual[i]}, {expected[i]} on ordinary arrays");
            }
        }
    }

    private static void AssertBitwise<T>(T expected, T actual, string context)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        AssertBitwise<T>([expected], [actual], context);

    public static TheoryData<bool> Edges() => new() { true, false };

    private static readonly int[] VectorLengths = [.. Enumerable.Range(0, 257), 511, 1000, 1031];

    [Theory]
    [MemberData(nameof(Edges))]
    public void Element_wise_kernels_and_single_rows_touch_nothing_past_either_end(bool atEnd)
    {
        RequirePages();
        ElementWise<float>(atEnd);
        ElementWise<double>(atEnd);
    }

    private void ElementWise<T>(bool atEnd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(601);
        foreach (int length in VectorLengths)
        {
            string context = $"{typeof(T).Name}, length {length}, {(atEnd ? "at the end" : "at the start")}";
            T[] x = Reference.Uniform<T>(random, length, -6, 6);
            T[] y = Reference.Uniform<T>(random, length, 0.01, 0.99);
            T[] g = Reference.Uniform<T>(random, length, -1, 1);
            T[] expected = new T[length];

            Activations.Sigmoid<T>(x, expected);
            Span<T> destination = Place(new T[length], atEnd);
            Activations.Sigmoid<T>(Place(x, atEnd), destination);
            AssertBitwise<T>(expected, destination, "sigmoid, " + context);
            Span<T> inPlace = Place(x, atEnd);
            Activations.Sigmoid<T>(inPlace);
            AssertBitwise<T>(expected, inPlace, "sigmoid in place, " + context);

            Activations.SigmoidDerivativeFromOutput<T>(y, expected);
            destination = Place(new T[length], atEnd);
            Activations.SigmoidDerivativeFromOutput<T>(Place(y, atEnd), destination);
            AssertBitwise<T>(expected, destination, "sigmoid derivative, " + context);

            Activations.SigmoidBackward<T>(g, y, expected);
            destination = Place(new T[length], atEnd);
            Activations.SigmoidBackward<T>(Place(g, atEnd), Place(y, atEnd), destination);
            AssertBitwise<T>(expected, destination, "sigmoid backward, " + context);

            if (length > 0)
            {
                Softmax.Row<T>(x, expected);
                destination = Place(new T[length], atEnd);
                Softmax.Row<T>(Place(x, atEnd), destination);
                AssertBitwise<T>(expected, destination, "softmax row, " + context);

                Softmax.LogRow<T>(x, expected);
                destination = Place(new T[length], atEnd);
                Softmax.LogRow<T>(Place(x, atEnd), destination);
                AssertBitwise<T>(expected, destination, "log-softmax row, " + context);

                Softmax.Backward<T>(y, g, expected);
                destination = Place(new T[length], atEnd);
                Softmax.Backward<T>(Place(y, atEnd), Place(g, atEnd), destination);
                AssertBitwise<T>(expected, destination, "softmax backward, " + context);
            }

            T[] parameters = Reference.Uniform<T>(random, length, -1, 1);
            T[] velocity = Reference.Uniform<T>(random, length, -1, 1);
            T[] expectedParameters = (T[])parameters.Clone();
            T[] expectedVelocity = (T[])velocity.Clone();
            Sgd.Step<T>(expectedParameters, g, expectedVelocity, T.CreateChecked(0.1), T.CreateChecked(0.9));
            Span<T> placedParameters = Place(parameters, atEnd);
            Span<T> placedVelocity = Place(velocity, atEnd);
            Sgd.Step<T>(placedParameters, Place(g, atEnd), placedVelocity, T.CreateChecked(0.1), T.CreateChecked(0.9));
            AssertBitwise<T>(expectedParameters, placedParameters, "SGD step parameters, " + context);
            AssertBitwise<T>(expectedVelocity, placedVelocity, "SGD step velocity, " + context);
        }
    }

    private static readonly int[] RowCounts = [1, 2, 3, 4, 5, 15, 16, 17, 20, 33];
    private static readonly int[] RowWidths = [.. Enumerable.Range(1, 20), 31, 32, 33, 100];

    [Theory]
    [MemberData(nameof(Edges))]
    public void Long_float_sigmoid_touches_nothing_past_either_end(bool atEnd)
    {
        // Inputs over 64 KiB take the loop that hints lines ahead to the cache: one just over it and one over 2 MiB.
        // Flush against the end, these destinations start 12 and 44 bytes past a line boundary; against the start, on one.
        RequirePages();
        var random = new Random(602);
        foreach (int length in new[] { (64 * 1024 / sizeof(float)) + 13, (2 * 1024 * 1024 / sizeof(float)) + 5 })
        {
            string context = $"length {length}, {(atEnd ? "at the end" : "at the start")}";
            float[] x = Reference.Uniform<float>(random, length, -20, 20);
            float[] expected = new float[length];
            Activations.Sigmoid<float>(x, expected);

            Span<float> destination = Place(new float[length], atEnd);
            Activations.Sigmoid<float>(Place(x, atEnd), destination);
            AssertBitwise<float>(expected, destination, "sigmoid, " + context);
            Span<float> inPlace = Place(x, atEnd);
            Activations.Sigmoid<float>(inPlace);
            AssertBitwise<float>(expected, inPlace, "sigmoid in place, " + context);
        }
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public void Softmax_rows_and_the_fused_loss_touch_nothing_past_either_end(bool atEnd)
    {
        RequirePages();
        Rows<float>(atEnd);
        Rows<double>(atEnd);
    }

    private void Rows<T>(bool atEnd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(602);
        foreach (int height in RowCounts)
        {
            foreach (int width in RowWidths)
            {
                foreach (int pitch in new[] { 0, 3 })
                {
                    string context = $"{typeof(T).Name}, {height} x {width}, pitch gap {pitch}, {(atEnd ? "at the end" : "at the start")}";
                    int stored = StoredLength(height, width, pitch);
                    T[] logits = Reference.Uniform<T>(random, stored, -8, 8);
                    T[] probabilities = Reference.Uniform<T>(random, stored, 0.01, 1);
                    int[] labels = [.. Enumerable.Range(0, height).Select(_ => random.Next(width))];
                    T[] oneHot = new T[stored];
                    for (int row = 0; row < height; row++)
                    {
                        oneHot[(row * (width + pitch)) + labels[row]] = T.One;
                    }

                    T[] expected = new T[stored];
                    Softmax.Rows<T>(Matrix(logits, height, width, pitch), Matrix(expected, height, width, pitch));
                    Span2D<T> destination = PlaceMatrix(new T[stored], height, width, pitch, atEnd);
                    Softmax.Rows<T>(PlaceMatrix(logits, height, width, pitch, atEnd), destination);
                    AssertBitwise<T>(expected, Flat(destination, stored), "softmax rows, " + context);

                    T[] expectedInPlace = (T[])logits.Clone();
                    Softmax.Rows<T>(Matrix(expectedInPlace, height, width, pitch), Matrix(expectedInPlace, height, width, pitch));
                    Span2D<T> inPlace = PlaceMatrix(logits, height, width, pitch, atEnd);
                    Softmax.Rows<T>(inPlace, inPlace);
                    AssertBitwise<T>(expectedInPlace, Flat(inPlace, stored), "softmax rows in place, " + context);

                    Softmax.LogRows<T>(Matrix(logits, height, width, pitch), Matrix(expected, height, width, pitch));
                    destination = PlaceMatrix(new T[stored], height, width, pitch, atEnd);
                    Softmax.LogRows<T>(PlaceMatrix(logits, height, width, pitch, atEnd), destination);
                    AssertBitwise<T>(expected, Flat(destination, stored), "log-softmax rows, " + context);

                    T expectedLoss = CrossEntropy.FromLogits<T>(Matrix(logits, height, width, pitch), labels, Matrix(expected, height, width, pitch));
                    destination = PlaceMatrix(new T[stored], height, width, pitch, atEnd);
                    T loss = CrossEntropy.FromLogits<T>(PlaceMatrix(logits, height, width, pitch, atEnd), Place(labels, atEnd), destination);
                    AssertBitwise(expectedLoss, loss, "fused loss, " + context);
                    AssertBitwise<T>(expected, Flat(destination, stored), "fused loss gradient, " + context);

                    expectedLoss = CrossEntropy.FromLogits<T>(Matrix(logits, height, width, pitch), Matrix(oneHot, height, width, pitch), Matrix(expected, height, width, pitch));
                    destination = PlaceMatrix(new T[stored], height, width, pitch, atEnd);
                    loss = CrossEntropy.FromLogits<T>(PlaceMatrix(logits, height, width, pitch, atEnd), PlaceMatrix(oneHot, height, width, pitch, atEnd), destination);
                    AssertBitwise(expectedLoss, loss, "fused loss, one-hot labels, " + context);
                    AssertBitwise<T>(expected, Flat(destination, stored), "fused loss gradient, one-hot labels, " + context);

                    expectedLoss = CrossEntropy.Loss<T>(Matrix(probabilities, height, width, pitch), labels);
                    AssertBitwise(expectedLoss, CrossEntropy.Loss<T>(PlaceMatrix(probabilities, height, width, pitch, atEnd), Place(labels, atEnd)), "loss, " + context);
                    expectedLoss = CrossEntropy.Loss<T>(Matrix(probabilities, height, width, pitch), Matrix(oneHot, height, width, pitch));
                    AssertBitwise(
                        expectedLoss,
                        CrossEntropy.Loss<T>(PlaceMatrix(probabilities, height, width, pitch, atEnd), PlaceMatrix(oneHot, height, width, pitch, atEnd)),
                        "loss, one-hot labels, " + context);

                    T[] gradient = Reference.Uniform<T>(random, stored, -1, 1);
                    Softmax.BackwardRows<T>(Matrix(probabilities, height, width, pitch), Matrix(gradient, height, width, pitch), Matrix(expected, height, width, pitch));
                    destination = PlaceMatrix(new T[stored], height, width, pitch, atEnd);
                    Softmax.BackwardRows<T>(PlaceMatrix(probabilities, height, width, pitch, atEnd), PlaceMatrix(gradient, height, width, pitch, atEnd), destination);
                    AssertBitwise<T>(expected, Flat(destination, stored), "softmax backward rows, " + context);

                    Activations.Sigmoid<T>(Matrix(logits, height, width, pitch), Matrix(expected, height, width, pitch));
                    destination = PlaceMatrix(new T[stored], height, width, pitch, atEnd);
                    Activations.Sigmoid<T>(PlaceMatrix(logits, height, width, pitch, atEnd), destination);
                    AssertBitwise<T>(expected, Flat(destination, stored), "sigmoid rows, " + context);
                }
            }
        }
    }

    public static TheoryData<int, int, int> ProductShapes()
    {
        // (M, N, K): the direct path's tiles and bands with their edges, and products large enough to be packed.
        var data = new TheoryData<int, int, int>();
        int[] small = [1, 2, 3, 5, 8, 10, 16, 17, 20, 33];
        var random = new Random(603);
        for (int i = 0; i < 24; i++)
        {
            data.Add(small[random.Next(small.Length)], small[random.Next(small.Length)], small[random.Next(small.Length)]);
        }

        data.Add(20, 5, 10);
        data.Add(47, 16, 10);
        data.Add(50, 16, 7);
        data.Add(64, 128, 64);
        data.Add(65, 33, 129);
        data.Add(97, 131, 300);
        data.Add(256, 10, 512);
        data.Add(256, 512, 10);

        // A single row over whole 32-column tiles, at depths that are multiples of 4: every row of op(B), the last
        // included, is then read with unmasked loads.
        data.Add(1, 32, 12);
        data.Add(1, 64, 8);

        // A^T with a narrow C (the column-wise kernel): a block and a row, a block and a tile, the mnist dW2 product.
        data.Add(33, 12, 7);
        data.Add(49, 10, 20);
        data.Add(512, 10, 256);

        // A single row times a transposed, shallow B (dot products): block and vector tails, B's last row read masked.
        data.Add(1, 33, 10);
        data.Add(1, 17, 16);
        data.Add(1, 5, 3);

        // A with a narrow C and a deep product (dot products): chunk and vector tails, an odd last row.
        data.Add(33, 10, 300);
        data.Add(5, 12, 529);

        // The same form at shallower depths with enough rows: a vector tail, and whole vectors with an odd last row.
        data.Add(65, 10, 100);
        data.Add(49, 5, 64);
        return data;
    }

    [Theory]
    [MemberData(nameof(ProductShapes))]
    public void Matrix_products_touch_nothing_past_either_end_of_A_B_or_C(int m, int n, int k)
    {
        RequirePages();
        Products<float>(m, n, k);
        Products<double>(m, n, k);
    }

    private void Products<T>(int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(604 + m + n + k);
        var workspace = new GemmWorkspace<T>();
        foreach (bool atEnd in new[] { true, false })
        {
            foreach (Transpose transposeA in new[] { Transpose.None, Transpose.Transposed })
            {
                foreach (Transpose transposeB in new[] { Transpose.None, Transpose.Transposed })
                {
                    foreach (int pitch in new[] { 0, 5 })
                    {
                        (int aHeight, int aWidth) = transposeA == Transpose.None ? (m, k) : (k, m);
                        (int bHeight, int bWidth) = transposeB == Transpose.None ? (k, n) : (n, k);
                        T[] a = Reference.Uniform<T>(random, StoredLength(aHeight, aWidth, pitch), -1, 1);
                        T[] b = Reference.Uniform<T>(random, StoredLength(bHeight, bWidth, pitch), -1, 1);
                        T[] c = Reference.Uniform<T>(random, StoredLength(m, n, pitch), -1, 1);
                        foreach (double beta in new[] { 0.0, 0.5 })
                        {
                            string context = $"{typeof(T).Name}, {m} x {n} x {k}, {transposeA} x {transposeB}, pitch gap {pitch}, beta {beta}, {(atEnd ? "at the end" : "at the start")}";
                            T[] expected = (T[])c.Clone();
                            Gemm.Multiply<T>(
                                Matrix(a, aHeight, aWidth, pitch), transposeA, Matrix(b, bHeight, bWidth, pitch), transposeB, Matrix(expected, m, n, pitch), T.CreateChecked(beta), workspace);
                            Span2D<T> placedC = PlaceMatrix(c, m, n, pitch, atEnd);
                            Gemm.Multiply<T>(
                                PlaceMatrix(a, aHeight, aWidth, pitch, atEnd), transposeA, PlaceMatrix(b, bHeight, bWidth, pitch, atEnd), transposeB, placedC, T.CreateChecked(beta), workspace);
                            AssertBitwise<T>(expected, Flat(placedC, c.Length), "product, " + context);
                        }
                    }
                }
            }
        }
    }

    public static TheoryData<int, int, int, int> NetworkShapes() => new()
    {
        // (batch, inputs, hidden, outputs)
        { 20, 10, 5, 10 },
        { 1, 64, 32, 10 },
        { 17, 64, 33, 10 },
        { 7, 13, 16, 3 },
        { 33, 31, 17, 19 },
    };

    [Theory]
    [MemberData(nameof(NetworkShapes))]
    public void The_network_touches_nothing_past_either_end_of_any_argument(int batch, int inputs, int hidden, int outputs)
    {
        RequirePages();
        Network<float>(batch, inputs, hidden, outputs);
        Network<double>(batch, inputs, hidden, outputs);
    }

    private void Network<T>(int batch, int inputs, int hidden, int outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(605 + batch);
        var network = new TwoLayerNetwork<T>(inputs, hidden, outputs);
        Workspace<T> workspace = network.CreateWorkspace(batch);
        T[] data = Reference.Uniform<T>(random, batch * inputs, -1, 1);
        T[] parameters = Reference.Uniform<T>(random, network.ParameterCount, -0.5, 0.5);
        int[] labels = [.. Enumerable.Range(0, batch).Select(_ => random.Next(outputs))];
        T[] oneHot = new T[batch * outputs];
        for (int row = 0; row < batch; row++)
        {
            oneHot[(row * outputs) + labels[row]] = T.One;
        }

        T[] expectedGradient = new T[parameters.Length];
        T[] expectedInputGradient = new T[data.Length];
        T expectedCost = network.ForwardBackward(
            new ReadOnlySpan2D<T>(data, batch, inputs), labels, parameters, expectedGradient, new Span2D<T>(expectedInputGradient, batch, inputs), workspace);
        T[] expectedProbabilities = new T[batch * outputs];
        int[] expectedClasses = new int[batch];
        network.Forward(new ReadOnlySpan2D<T>(data, batch, inputs), parameters, new Span2D<T>(expectedProbabilities, batch, outputs), expectedClasses, workspace);
        T[] expectedExample = new T[outputs];
        int expectedClass = network.Predict(data.AsSpan(0, inputs), parameters, expectedExample, workspace);

        foreach (bool atEnd in new[] { true, false })
        {
            string context = $"{typeof(T).Name}, ({batch}, {inputs}, {hidden}, {outputs}), {(atEnd ? "at the end" : "at the start")}";
            ReadOnlySpan2D<T> placedData = PlaceMatrix(data, batch, inputs, 0, atEnd);
            ReadOnlySpan<T> placedParameters = Place(parameters, atEnd);
            Span<T> gradient = Place(new T[parameters.Length], atEnd);
            Span2D<T> inputGradient = PlaceMatrix(new T[data.Length], batch, inputs, 0, atEnd);
            T cost = network.ForwardBackward(placedData, Place(labels, atEnd), placedParameters, gradient, inputGradient, workspace);
            AssertBitwise(expectedCost, cost, "cost, " + context);
            AssertBitwise<T>(expectedGradient, gradient, "gradient, " + context);
            AssertBitwise<T>(expectedInputGradient, Flat(inputGradient, data.Length), "input gradient, " + context);

            gradient = Place(new T[parameters.Length], atEnd);
            cost = network.ForwardBackward(placedData, PlaceMatrix(oneHot, batch, outputs, 0, atEnd), placedParameters, gradient, workspace);
            AssertBitwise(expectedCost, cost, "cost, one-hot labels, " + context);
            AssertBitwise<T>(expectedGradient, gradient, "gradient, one-hot labels, " + context);

            Span2D<T> probabilities = PlaceMatrix(new T[batch * outputs], batch, outputs, 0, atEnd);
            Span<int> classes = Place(new int[batch], atEnd);
            network.Forward(placedData, placedParameters, probabilities, classes, workspace);
            AssertBitwise<T>(expectedProbabilities, Flat(probabilities, expectedProbabilities.Length), "probabilities, " + context);
            Assert.Equal(expectedClasses, classes.ToArray());

            Span<T> example = Place(new T[outputs], atEnd);
            Assert.Equal(expectedClass, network.Predict(Place(data.AsSpan(0, inputs).ToArray(), atEnd), placedParameters, example, workspace));
            AssertBitwise<T>(expectedExample, example, "prediction, " + context);
        }
    }
}
