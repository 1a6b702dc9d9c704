using System.Runtime.CompilerServices;
using static Nn.Span.Tests.NetworkData;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// TwoLayerNetwork: gradient checks in double on random dimensions and batches (parameters and input), the scalar
/// reference of <see cref="NetworkReference"/> for float and double, strided views, the parameter layout, and the
/// benchmark workloads' shapes.
/// </summary>
/// <remarks>
/// Gradient checks use the seed's settings (central differences, h = 1e-4, |num - ana| / max(1, |num|, |ana|) &lt;= 1e-5):
/// the truncation error of a central difference is h^2 |f'''| / 6, about 1e-8 here, and its rounding error about
/// 2^-53 |J| / h, about 1e-11, both far inside 1e-5.
/// Comparisons with the scalar reference use the first-order rounding bounds that <see cref="NetworkReference"/>
/// derives element by element (in units of u = 2^-24 for float, 2^-53 for double).
/// </remarks>
public sealed class TwoLayerNetworkTests
{
    /// <summary>
    /// The benchmark workloads' shapes (N, Dx, H, Dy): the seed, online, digits; odd shapes with ragged edges in every
    /// dimension: (33, 97, 65, 13) stays on the direct float product, (67, 300, 257, 13) and (31, 97, 97, 13) reach the
    /// packed one (see the routing test below).
    /// </summary>
    public static TheoryData<int, int, int, int> Workloads() => new()
    {
        { 20, 10, 5, 10 }, { 1, 64, 32, 10 }, { 64, 64, 128, 10 }, { 33, 97, 65, 13 }, { 67, 300, 257, 13 }, { 31, 97, 97, 13 },
        { 41, 64, 300, 10 }, // h W2 as dot products (H = 300 deep, 10 classes), h^T dZ2 down the rows of dW2
    };

    // ---- running the network ----

    private sealed record Result(double Cost, double[] Gradient, double[] InputGradient, double[] Probabilities, int[] Classes);

    /// <summary>ForwardBackward with the input gradient, then Forward with probabilities and classes, on contiguous buffers.</summary>
    private static Result Run<T>(NetworkProblem problem, bool oneHot = false, Workspace<T>? workspace = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TwoLayerNetwork<T> network = problem.Network<T>();
        int batch = problem.Batch;
        NetworkDimensions d = problem.Dimensions;
        T[] data = As<T>(problem.Data);
        T[] parameters = As<T>(problem.Parameters);
        T[] y = problem.OneHot<T>();
        T[] gradient = new T[d.ParameterCount];
        T[] inputGradient = new T[batch * d.Inputs];
        T[] probabilities = new T[batch * d.Outputs];
        int[] classes = new int[batch];
        workspace ??= network.CreateWorkspace(batch);

        var x = new ReadOnlySpan2D<T>(data, batch, d.Inputs);
        var dx = new Span2D<T>(inputGradient, batch, d.Inputs);
        T cost = oneHot
            ? network.ForwardBackward(x, new ReadOnlySpan2D<T>(y, batch, d.Outputs), parameters, gradient, dx, workspace)
            : network.ForwardBackward(x, problem.Labels, parameters, gradient, dx, workspace);
        network.Forward(x, parameters, new Span2D<T>(probabilities, batch, d.Outputs), classes, workspace);
        return new Result(D(cost), AsDouble(gradient), AsDouble(inputGradient), AsDouble(probabilities), classes);
    }

    private static double[] Flatten<T>(ReadOnlySpan2D<T> matrix)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new double[matrix.Height * matrix.Width];
        for (int row = 0; row < matrix.Height; row++)
        {
            Reference.Row(matrix, row).CopyTo(values, row * matrix.Width);
        }

        return values;
    }

    private static void AssertWithinBounds(double[] expected, double[] bound, double units, double[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertWithin(expected[i], actual[i], units * bound[i], $"{context}[{i}]");
        }
    }

    private static void AssertBitwiseEqual(double[] expected, double[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"{context}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
            }
        }
    }

    private static void AssertSameResult(Result expected, Result actual, string context)
    {
        AssertBitwiseEqual([expected.Cost], [actual.Cost], $"{context} cost");
        AssertBitwiseEqual(expected.Gradient, actual.Gradient, $"{context} gradient");
        AssertBitwiseEqual(expected.InputGradient, actual.InputGradient, $"{context} input gradient");
        AssertBitwiseEqual(expected.Probabilities, actual.Probabilities, $"{context} probabilities");
        Assert.Equal(expected.Classes, actual.Classes);
    }

    // ---- gradient checks in double ----

    /// <summary>Random shapes, including the degenerate single input, hidden unit, class and row.</summary>
    public static TheoryData<int, int, int, int, int> RandomShapes()
    {
        var data = new TheoryData<int, int, int, int, int> { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 2, 2 }, { 3, 2, 1, 3, 3 } };
        var random = new Random(2024);
        for (int i = 0; i < 6; i++)
        {
            data.Add(random.Next(1, 10), random.Next(1, 13), random.Next(1, 10), random.Next(2, 9), 100 + i);
        }

        return data;
    }

    private static GradientCheckResult CheckParameters(NetworkProblem problem, bool oneHot)
    {
        TwoLayerNetwork<double> network = problem.Network<double>();
        Workspace<double> workspace = network.CreateWorkspace(problem.Batch);
        NetworkDimensions d = problem.Dimensions;
        int batch = problem.Batch;
        double[] data = problem.Data;
        double[] y = problem.OneHot<double>();
        int[] labels = problem.Labels;
        double[] parameters = (double[])problem.Parameters.Clone();
        return GradientCheck.Run(
            (p, gradient) => oneHot
                ? network.ForwardBackward(new ReadOnlySpan2D<double>(data, batch, d.Inputs), new ReadOnlySpan2D<double>(y, batch, d.Outputs), p, gradient, workspace)
                : network.ForwardBackward(new ReadOnlySpan2D<double>(data, batch, d.Inputs), labels, p, gradient, workspace),
            parameters);
    }

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void Gradient_check_passes_on_random_dimensions_and_batches_with_class_labels(int batch, int inputs, int hidden, int outputs, int seed)
    {
        var problem = NetworkProblem.Random(seed, batch, inputs, hidden, outputs);
        GradientCheckResult result = CheckParameters(problem, oneHot: false);
        Assert.True(result.Passed, $"{problem}: {result}");
    }

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void Gradient_check_passes_on_random_dimensions_and_batches_with_one_hot_labels(int batch, int inputs, int hidden, int outputs, int seed)
    {
        var problem = NetworkProblem.Random(seed, batch, inputs, hidden, outputs);
        GradientCheckResult result = CheckParameters(problem, oneHot: true);
        Assert.True(result.Passed, $"{problem}: {result}");
    }

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void Input_gradient_passes_a_gradient_check_with_respect_to_the_data(int batch, int inputs, int hidden, int outputs, int seed)
    {
        var problem = NetworkProblem.Random(seed, batch, inputs, hidden, outputs);
        TwoLayerNetwork<double> network = problem.Network<double>();
        Workspace<double> workspace = network.CreateWorkspace(batch);
        double[] parameters = problem.Parameters;
        double[] parameterGradient = new double[network.ParameterCount];
        int[] labels = problem.Labels;
        double[] data = (double[])problem.Data.Clone();

        GradientCheckResult result = GradientCheck.Run(
            (x, inputGradient) => network.ForwardBackward(x.AsSpan2D(batch, inputs), labels, parameters, parameterGradient, inputGradient.AsSpan2D(batch, inputs), workspace),
            data);

        Assert.True(result.Passed, $"{problem}: {result}");
    }

    [Fact]
    public void Requesting_the_input_gradient_leaves_cost_and_parameter_gradient_bitwise_unchanged()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var problem = NetworkProblem.Random(5, 33, 97, 65, 13);
            TwoLayerNetwork<T> network = problem.Network<T>();
            Workspace<T> workspace = network.CreateWorkspace(problem.Batch);
            T[] data = As<T>(problem.Data);
            T[] parameters = As<T>(problem.Parameters);
            T[] with = new T[network.ParameterCount];
            T[] without = new T[network.ParameterCount];
            T[] inputGradient = new T[problem.Data.Length];
            var x = new ReadOnlySpan2D<T>(data, problem.Batch, 97);

            T costWith = network.ForwardBackward(x, problem.Labels, parameters, with, new Span2D<T>(inputGradient, problem.Batch, 97), workspace);
            T costWithout = network.ForwardBackward(x, problem.Labels, parameters, without, workspace);

            Assert.Equal(costWithout, costWith);
            Assert.Equal(without, with);
        }
    }

    [Fact]
    public void Class_labels_and_one_hot_labels_give_bitwise_identical_results()
    {
        var problem = NetworkProblem.Random(6, 20, 10, 5, 10);
        AssertSameResult(Run<float>(problem, oneHot: false), Run<float>(problem, oneHot: true), "float");
        AssertSameResult(Run<double>(problem, oneHot: false), Run<double>(problem, oneHot: true), "double");
    }

    /// <summary>
    /// A gradient check of the coordinates at <paramref name="indices"/> only: the checker sees a short vector, and the
    /// function writes it into the full parameters before each call. It keeps the large shapes fast.
    /// </summary>
    private static GradientCheckResult CheckSampledParameters(NetworkProblem problem, int[] indices)
    {
        TwoLayerNetwork<double> network = problem.Network<double>();
        Workspace<double> workspace = network.CreateWorkspace(problem.Batch);
        int batch = problem.Batch, inputs = problem.Dimensions.Inputs;
        double[] data = problem.Data;
        int[] labels = problem.Labels;
        double[] parameters = (double[])problem.Parameters.Clone();
        double[] gradient = new double[parameters.Length];
        double[] sample = indices.Select(i => parameters[i]).ToArray();
        return GradientCheck.Run(
            (x, sampleGradient) =>
            {
                for (int i = 0; i < indices.Length; i++)
                {
                    parameters[indices[i]] = x[i];
                }

                double cost = network.ForwardBackward(new ReadOnlySpan2D<double>(data, batch, inputs), labels, parameters, gradient, workspace);
                for (int i = 0; i < indices.Length; i++)
                {
                    sampleGradient[i] = gradient[indices[i]];
                }

                return cost;
            },
            sample);
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Workload_shapes_pass_a_gradient_check_on_sampled_coordinates_of_every_block(int batch, int inputs, int hidden, int outputs)
    {
        var problem = NetworkProblem.Random(batch + inputs, batch, inputs, hidden, outputs);
        NetworkDimensions d = problem.Dimensions;
        var random = new Random(17);
        int[] starts = [NetworkDimensions.HiddenWeightsOffset, d.HiddenBiasOffset, d.OutputWeightsOffset, d.OutputBiasOffset, d.ParameterCount];
        int[] indices = Enumerable.Range(0, 4)
            .SelectMany(block => Enumerable.Range(0, 8).Select(_ => random.Next(starts[block], starts[block + 1])))
            .Append(d.ParameterCount - 1)
            .Distinct()
            .ToArray();

        GradientCheckResult result = CheckSampledParameters(problem, indices);

        Assert.True(result.Passed, $"{problem}: {result} (sample index {result.FailingIndex} is parameter {(result.FailingIndex >= 0 ? indices[result.FailingIndex] : -1)})");
    }

    [Fact]
    public void The_large_odd_workload_reaches_the_packed_float_product_and_the_smaller_one_the_direct_product()
    {
        // Products as (M, N, K); the route is chosen by DirectGemm.Suits. (67, 300, 257, 13): X W1 and dZ1 W1^T have a
        // right operand larger than L2 holds; (31, 97, 97, 13): X^T dZ1 is shallow (K = 31) and not small.
        Assert.False(DirectGemm.Suits(67, 257, 300));
        Assert.False(DirectGemm.Suits(67, 300, 257));
        Assert.False(DirectGemm.Suits(97, 97, 31));
        Assert.True(DirectGemm.Suits(33, 65, 97));
        Assert.True(DirectGemm.Suits(64, 128, 64)); // digits: X W1
        Assert.True(DirectGemm.Suits(67, 257, 13)); // dZ2 W2^T: shallow (K = 13), whatever the size
        Assert.True(DirectGemm.Suits(256, 512, 10)); // mnist: dZ2 W2^T
    }

    [Fact]
    public void The_small_workloads_take_the_direct_float_step_and_the_large_ones_the_general_step()
    {
        Assert.SkipUnless(DirectGemm.IsSupported, "The direct step needs AVX-512.");
        foreach ((int batch, int inputs, int hidden, int outputs) in new[] { (20, 10, 5, 10), (1, 64, 32, 10), (64, 64, 128, 10), (33, 97, 65, 13) })
        {
            var d = new NetworkDimensions(inputs, hidden, outputs);
            int packing = new Workspace<float>(d, batch).Packing.Length;
            Assert.True(DirectStep.Suits(d, batch, inputGradient: false, packing), $"{d}, N = {batch}");
            Assert.True(DirectStep.Suits(d, batch, inputGradient: true, packing), $"{d}, N = {batch}, with dX");
        }

        // mnist and (67, 300, 257, 13): X W1 reaches the packed product (see the test above).
        foreach ((int batch, int inputs, int hidden, int outputs) in new[] { (256, 784, 512, 10), (67, 300, 257, 13) })
        {
            var d = new NetworkDimensions(inputs, hidden, outputs);
            Assert.False(DirectStep.Suits(d, batch, inputGradient: false, new Workspace<float>(d, batch).Packing.Length), $"{d}, N = {batch}");
        }

        // Without room for the transposed copy of W2 the step cannot run here.
        Assert.False(DirectStep.Suits(new NetworkDimensions(10, 5, 10), 20, inputGradient: false, packingLength: 49));
    }

    [Theory]
    [InlineData(20, 10, 5, 10)]
    [InlineData(1, 64, 32, 10)]
    [InlineData(64, 64, 128, 10)]
    [InlineData(33, 97, 65, 13)]
    [InlineData(17, 33, 3, 20)] // 20 classes: rows of the loss too long for the short-row tiles
    public void The_direct_float_step_gives_bitwise_the_results_of_the_span_level_products(int batch, int inputs, int units, int outputs)
    {
        // The general step, composed here of the span-level calls the network makes when the direct step does not
        // apply, must agree bit for bit with the direct step. The direct step is called itself: for the seed's shape
        // the public call takes the step of tiny networks (TinyStep), and for online's the single-example step.
        Assert.SkipUnless(DirectGemm.IsSupported, "The direct step needs AVX-512.");
        var problem = NetworkProblem.Random(batch * 11, batch, inputs, units, outputs);
        NetworkDimensions d = problem.Dimensions;
        TwoLayerNetwork<float> network = problem.Network<float>();
        Workspace<float> workspace = network.CreateWorkspace(batch);
        Assert.True(DirectStep.Suits(d, batch, inputGradient: true, workspace.Packing.Length));

        float[] data = As<float>(problem.Data);
        float[] parameters = As<float>(problem.Parameters);
        var x = new ReadOnlySpan2D<float>(data, batch, inputs);
        float[] gradient = new float[d.ParameterCount];
        float[] inputGradient = new float[batch * inputs];
        float cost = DirectStep.Run(
            d, x, problem.Labels, parameters, gradient, new Span2D<float>(inputGradient, batch, inputs), workspace.Hidden(batch),
            workspace.HiddenDelta(batch), workspace.Logits(batch), workspace.Packing);

        float[] expectedGradient = new float[d.ParameterCount];
        float[] expectedInputGradient = new float[batch * inputs];
        Span2D<float> hidden = workspace.Hidden(batch);
        Span2D<float> delta = workspace.HiddenDelta(batch);
        Span2D<float> logits = workspace.Logits(batch);
        Span<float> packing = workspace.Packing;
        ReadOnlySpan2D<float> w1 = parameters.AsSpan().AsSpan2D(NetworkDimensions.HiddenWeightsOffset, inputs, units, 0);
        ReadOnlySpan2D<float> w2 = parameters.AsSpan().AsSpan2D(d.OutputWeightsOffset, units, outputs, 0);
        MatrixProduct.MultiplyThen(x, Operand.AsIs, w1, Operand.AsIs, hidden, packing, ProductEpilogue.AddBiasThenSigmoid, parameters.AsSpan(d.HiddenBiasOffset, units), default);
        MatrixProduct.MultiplyThen(hidden, Operand.AsIs, w2, Operand.AsIs, logits, packing, ProductEpilogue.AddBias, parameters.AsSpan(d.OutputBiasOffset, outputs), default);
        float expectedCost = CrossEntropy.FromLogitsCore<float>(logits, problem.Labels, logits);
        MatrixProduct.Multiply<float>(hidden, Operand.Transposed, logits, Operand.AsIs, expectedGradient.AsSpan().AsSpan2D(d.OutputWeightsOffset, units, outputs, 0), 0f, packing);
        MatrixProduct.ColumnSums<float>(logits, expectedGradient.AsSpan(d.OutputBiasOffset, outputs));
        MatrixProduct.MultiplyThen<float>(logits, Operand.AsIs, w2, Operand.Transposed, delta, packing, ProductEpilogue.TimesSigmoidDerivative, default, hidden);
        MatrixProduct.Multiply(x, Operand.Transposed, delta, Operand.AsIs, expectedGradient.AsSpan().AsSpan2D(NetworkDimensions.HiddenWeightsOffset, inputs, units, 0), 0f, packing);
        MatrixProduct.ColumnSums<float>(delta, expectedGradient.AsSpan(d.HiddenBiasOffset, units));
        MatrixProduct.Multiply<float>(delta, Operand.AsIs, w1, Operand.Transposed, new Span2D<float>(expectedInputGradient, batch, inputs), 0f, packing);

        string context = problem.ToString();
        AssertBitwiseEqual([expectedCost], [cost], $"{context} cost");
        AssertBitwiseEqual(AsDouble(expectedGradient), AsDouble(gradient), $"{context} gradient");
        AssertBitwiseEqual(AsDouble(expectedInputGradient), AsDouble(inputGradient), $"{context} input gradient");
    }

    // ---- against the scalar reference ----

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Cost_gradient_and_input_gradient_match_the_scalar_reference_within_the_rounding_bound(int batch, int inputs, int hidden, int outputs)
    {
        var problem = NetworkProblem.Random(batch * 7, batch, inputs, hidden, outputs);
        var reference = new NetworkReference(problem);
        Check<float>(problem, reference);
        Check<double>(problem, reference);

        static void Check<T>(NetworkProblem problem, NetworkReference reference)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            double units = NetworkReference.Units<T>();
            string context = $"{typeof(T).Name} {problem}";
            foreach (bool oneHot in new[] { false, true })
            {
                Result result = Run<T>(problem, oneHot);
                AssertWithin(reference.Cost, result.Cost, units * reference.CostBound, $"{context} cost");
                AssertWithinBounds(reference.Gradient, reference.GradientBound, units, result.Gradient, $"{context} gradient");
                AssertWithinBounds(reference.InputGradient, reference.InputGradientBound, units, result.InputGradient, $"{context} input gradient");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Float_and_double_results_agree_within_the_sum_of_their_rounding_bounds(int batch, int inputs, int hidden, int outputs)
    {
        // |float - double| <= |float - exact| + |double - exact| <= 1.01 (2^-24 + 2^-53) E; the reference supplies E.
        var problem = NetworkProblem.Random(batch * 11, batch, inputs, hidden, outputs);
        var reference = new NetworkReference(problem);
        Result single = Run<float>(problem);
        Result full = Run<double>(problem);
        double units = NetworkReference.Units<float>();

        AssertWithin(full.Cost, single.Cost, units * reference.CostBound, $"{problem} cost");
        AssertWithinBounds(full.Gradient, reference.GradientBound, units, single.Gradient, $"{problem} gradient");
        AssertWithinBounds(full.InputGradient, reference.InputGradientBound, units, single.InputGradient, $"{problem} input gradient");
        AssertWithinBounds(full.Probabilities, reference.ProbabilitiesBound, units, single.Probabilities, $"{problem} probabilities");
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Forward_probabilities_and_classes_match_the_scalar_reference(int batch, int inputs, int hidden, int outputs)
    {
        var problem = NetworkProblem.Random(batch * 13, batch, inputs, hidden, outputs);
        var reference = new NetworkReference(problem);
        Check<float>(problem, reference);
        Check<double>(problem, reference);

        static void Check<T>(NetworkProblem problem, NetworkReference reference)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            double units = NetworkReference.Units<T>();
            Result result = Run<T>(problem);
            AssertWithinBounds(reference.Probabilities, reference.ProbabilitiesBound, units, result.Probabilities, $"{typeof(T).Name} {problem} probabilities");
            AssertClassesAreTheArgmax(problem, reference, units, result.Classes, $"{typeof(T).Name} {problem}");
        }
    }

    /// <summary>
    /// Each class must be a maximum of the reference logits up to the rounding of the two logits compared: the exact
    /// argmax where the top two are farther apart than their bounds, either one where they are closer.
    /// </summary>
    private static void AssertClassesAreTheArgmax(NetworkProblem problem, NetworkReference reference, double units, int[] classes, string context)
    {
        int outputs = problem.Dimensions.Outputs;
        for (int n = 0; n < problem.Batch; n++)
        {
            int predicted = classes[n];
            Assert.InRange(predicted, 0, outputs - 1);
            for (int i = 0; i < outputs; i++)
            {
                double margin = units * (reference.LogitsBound[(n * outputs) + i] + reference.LogitsBound[(n * outputs) + predicted]);
                Assert.True(
                    reference.Logits[(n * outputs) + predicted] >= reference.Logits[(n * outputs) + i] - margin,
                    $"{context} row {n}: class {predicted} predicted, but logit {i} is larger by more than the rounding bound");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Predict_matches_the_scalar_reference_for_every_example(int batch, int inputs, int hidden, int outputs)
    {
        var problem = NetworkProblem.Random(batch * 17, batch, inputs, hidden, outputs);
        var reference = new NetworkReference(problem);
        Check<float>(problem, reference);
        Check<double>(problem, reference);

        static void Check<T>(NetworkProblem problem, NetworkReference reference)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            NetworkDimensions d = problem.Dimensions;
            TwoLayerNetwork<T> network = problem.Network<T>();
            Workspace<T> workspace = network.CreateWorkspace(1);
            T[] data = As<T>(problem.Data);
            T[] parameters = As<T>(problem.Parameters);
            T[] probabilities = new T[d.Outputs];
            double units = NetworkReference.Units<T>();
            int[] classes = new int[problem.Batch];
            double[] all = new double[problem.Batch * d.Outputs];
            for (int n = 0; n < problem.Batch; n++)
            {
                classes[n] = network.Predict(data.AsSpan(n * d.Inputs, d.Inputs), parameters, probabilities, workspace);
                AsDouble(probabilities).CopyTo(all, n * d.Outputs);
            }

            AssertWithinBounds(reference.Probabilities, reference.ProbabilitiesBound, units, all, $"{typeof(T).Name} {problem} Predict probabilities");
            AssertClassesAreTheArgmax(problem, reference, units, classes, $"{typeof(T).Name} {problem} Predict");
        }
    }

    [Fact]
    public void Predicted_classes_are_the_argmax_of_the_probabilities()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // The class is taken from the logits; the probability it is given must still be the row's largest.
            var problem = NetworkProblem.Random(8, 64, 64, 128, 10);
            Result result = Run<T>(problem);
            for (int n = 0; n < problem.Batch; n++)
            {
                ReadOnlySpan<double> row = result.Probabilities.AsSpan(n * 10, 10);
                Assert.Equal(Max(row), row[result.Classes[n]]);
            }
        }
    }

    [Fact]
    public void Tied_logits_predict_the_first_of_the_tied_classes()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // W2 = 0, so every row's logits are b2 exactly: [0, 5, 5, 1] ties classes 1 and 2.
            var network = new TwoLayerNetwork<T>(3, 2, 4);
            T[] parameters = new T[network.ParameterCount];
            T[] b2 = [Of<T>(0), Of<T>(5), Of<T>(5), Of<T>(1)];
            b2.CopyTo(network.OutputBias(parameters));
            network.HiddenWeights(parameters).Fill(Of<T>(0.5));
            T[] data = Uniform<T>(new Random(3), 6, -1, 1);
            T[] probabilities = new T[8];
            int[] classes = new int[2];
            Workspace<T> workspace = network.CreateWorkspace(2);

            network.Forward(new ReadOnlySpan2D<T>(data, 2, 3), parameters, new Span2D<T>(probabilities, 2, 4), classes, workspace);
            int single = network.Predict(data.AsSpan(0, 3), parameters, probabilities.AsSpan(0, 4), workspace);

            Assert.Equal(new[] { 1, 1 }, classes);
            Assert.Equal(1, single);
            Assert.Equal(probabilities[1], probabilities[2]);
            Assert.Equal(probabilities[5], probabilities[6]);
        }
    }

    [Fact]
    public void Forward_gives_the_classes_alone_or_the_probabilities_alone_the_same_as_both()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var problem = NetworkProblem.Random(9, 20, 10, 5, 10);
            Result both = Run<T>(problem);
            TwoLayerNetwork<T> network = problem.Network<T>();
            Workspace<T> workspace = network.CreateWorkspace(20);
            T[] data = As<T>(problem.Data);
            T[] parameters = As<T>(problem.Parameters);
            T[] probabilities = new T[200];
            int[] classes = new int[20];
            var x = new ReadOnlySpan2D<T>(data, 20, 10);

            network.Forward(x, parameters, Span2D<T>.Empty, classes, workspace);
            network.Forward(x, parameters, new Span2D<T>(probabilities, 20, 10), workspace);

            Assert.Equal(both.Classes, classes);
            AssertBitwiseEqual(both.Probabilities, AsDouble(probabilities), $"{typeof(T).Name} probabilities alone");
        }
    }

    [Fact]
    public void ForwardBackward_cost_equals_the_cross_entropy_of_Forward_probabilities()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            foreach ((int batch, int inputs, int hidden, int outputs) in new[] { (20, 10, 5, 10), (64, 64, 128, 10), (33, 97, 65, 13) })
            {
                var problem = NetworkProblem.Random(batch + 3, batch, inputs, hidden, outputs);
                var reference = new NetworkReference(problem);
                Result result = Run<T>(problem);
                T[] probabilities = As<T>(result.Probabilities);
                double loss = D(CrossEntropy.Loss<T>(new ReadOnlySpan2D<T>(probabilities, batch, outputs), problem.Labels));

                // Both are within their rounding bound of the exact J. The loss from probabilities is the mean of
                // -log p[label]: the error of p relative to p, plus (N + 4) u |log p| for the logarithm and the mean
                // (the bound of the cross-entropy tests).
                double lossBound = 0;
                for (int n = 0; n < batch; n++)
                {
                    int at = (n * outputs) + problem.Labels[n];
                    lossBound += ((reference.ProbabilitiesBound[at] / reference.Probabilities[at]) + ((batch + 4) * Math.Abs(Math.Log(reference.Probabilities[at])))) / batch;
                }

                double bound = 1.01 * UnitRoundoff<T>() * (reference.CostBound + lossBound);
                AssertWithin(result.Cost, loss, bound, $"{typeof(T).Name} {problem}: ForwardBackward cost vs CrossEntropy.Loss of Forward");
            }
        }
    }

    // ---- views and layout ----

    [Theory]
    [InlineData(20, 10, 5, 10)]
    [InlineData(1, 64, 32, 10)]
    [InlineData(67, 97, 65, 13)]
    [InlineData(67, 300, 257, 13)]
    public void Strided_data_and_outputs_give_the_same_results_as_contiguous_copies(int batch, int inputs, int hidden, int outputs)
    {
        var problem = NetworkProblem.Random(batch + 1, batch, inputs, hidden, outputs);
        Check<float>(problem);
        Check<double>(problem);

        static void Check<T>(NetworkProblem problem)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int Pitch = 5, Guard = 11;
            int batch = problem.Batch, inputs = problem.Dimensions.Inputs, outputs = problem.Dimensions.Outputs;
            Result contiguous = Run<T>(problem);
            TwoLayerNetwork<T> network = problem.Network<T>();
            Workspace<T> workspace = network.CreateWorkspace(batch);
            T[] parameters = As<T>(problem.Parameters);
            T[] gradient = new T[network.ParameterCount];

            // The data sits in a larger matrix whose gaps and margins hold NaN: reading any of them would show.
            T[] storage = new T[(batch * (inputs + Pitch)) + (2 * Guard)];
            storage.AsSpan().Fill(T.NaN);
            var data = new Span2D<T>(storage, Guard, batch, inputs, Pitch);
            for (int n = 0; n < batch; n++)
            {
                As<T>(problem.Data[(n * inputs)..((n + 1) * inputs)]).CopyTo(data.GetRowSpan(n));
            }

            T[] storedBefore = (T[])storage.Clone();
            T[] inputGradientStorage = GuardedMatrix<T>(batch, inputs, Pitch, Guard);
            T[] probabilitiesStorage = GuardedMatrix<T>(batch, outputs, Pitch, Guard);
            int[] classes = new int[batch];

            T cost = network.ForwardBackward(data, problem.Labels, parameters, gradient, new Span2D<T>(inputGradientStorage, Guard, batch, inputs, Pitch), workspace);
            network.Forward(data, parameters, new Span2D<T>(probabilitiesStorage, Guard, batch, outputs, Pitch), classes, workspace);

            var inputGradient = new ReadOnlySpan2D<T>(inputGradientStorage, Guard, batch, inputs, Pitch);
            var probabilities = new ReadOnlySpan2D<T>(probabilitiesStorage, Guard, batch, outputs, Pitch);
            var strided = new Result(D(cost), AsDouble(gradient), Flatten(inputGradient), Flatten(probabilities), classes);
            AssertSameResult(contiguous, strided, $"{typeof(T).Name} {problem} strided");
            AssertOutsideViewUntouched(inputGradientStorage, batch, inputs, Pitch, Guard);
            AssertOutsideViewUntouched(probabilitiesStorage, batch, outputs, Pitch, Guard);
            AssertUnchanged(storedBefore, storage);
        }
    }

    [Fact]
    public void Parameter_views_address_the_layout_W1_b1_W2_b2()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int Inputs = 4, Hidden = 3, Outputs = 5;
            var network = new TwoLayerNetwork<T>(Inputs, Hidden, Outputs);
            T[] parameters = new T[network.ParameterCount];
            Assert.Equal(((Inputs + 1) * Hidden) + ((Hidden + 1) * Outputs), parameters.Length);

            // W1 (Dx x H, row-major) at 0, b1 (H) at Dx H, W2 (H x Dy, row-major) at (Dx + 1) H, b2 (Dy) at the end.
            Span2D<T> w1 = network.HiddenWeights(parameters);
            Span<T> b1 = network.HiddenBias(parameters);
            Span2D<T> w2 = network.OutputWeights(parameters);
            Span<T> b2 = network.OutputBias(parameters);
            Assert.Equal((Inputs, Hidden), (w1.Height, w1.Width));
            Assert.Equal(Hidden, b1.Length);
            Assert.Equal((Hidden, Outputs), (w2.Height, w2.Width));
            Assert.Equal(Outputs, b2.Length);
            for (int k = 0; k < Inputs; k++)
            {
                for (int j = 0; j < Hidden; j++)
                {
                    Assert.True(Unsafe.AreSame(ref w1[k, j], ref parameters[(k * Hidden) + j]), $"W1[{k},{j}]");
                }
            }

            for (int j = 0; j < Hidden; j++)
            {
                Assert.True(Unsafe.AreSame(ref b1[j], ref parameters[(Inputs * Hidden) + j]), $"b1[{j}]");
                for (int i = 0; i < Outputs; i++)
                {
                    Assert.True(Unsafe.AreSame(ref w2[j, i], ref parameters[((Inputs + 1) * Hidden) + (j * Outputs) + i]), $"W2[{j},{i}]");
                }
            }

            for (int i = 0; i < Outputs; i++)
            {
                Assert.True(Unsafe.AreSame(ref b2[i], ref parameters[((Inputs + 1) * Hidden) + (Hidden * Outputs) + i]), $"b2[{i}]");
            }

            Assert.True(Unsafe.AreSame(ref b2[Outputs - 1], ref parameters[^1]));
        }
    }

    [Fact]
    public void Gradient_views_hold_the_reference_gradient_of_each_block()
    {
        var problem = NetworkProblem.Random(12, 7, 4, 3, 5);
        var reference = new NetworkReference(problem);
        TwoLayerNetwork<double> network = problem.Network<double>();
        double[] gradient = Run<double>(problem).Gradient;
        double units = NetworkReference.Units<double>();
        NetworkDimensions d = problem.Dimensions;

        // dW1 = X^T dZ1, db1, dW2 = h^T dZ2 and db2 reached through the views, against the reference's own indexing.
        Span2D<double> dw1 = network.HiddenWeights(gradient);
        Span<double> db1 = network.HiddenBias(gradient);
        Span2D<double> dw2 = network.OutputWeights(gradient);
        Span<double> db2 = network.OutputBias(gradient);
        for (int k = 0; k < 4; k++)
        {
            for (int j = 0; j < 3; j++)
            {
                AssertWithin(reference.Gradient[(k * 3) + j], dw1[k, j], units * reference.GradientBound[(k * 3) + j], $"dW1[{k},{j}]");
            }
        }

        for (int j = 0; j < 3; j++)
        {
            AssertWithin(reference.Gradient[d.HiddenBiasOffset + j], db1[j], units * reference.GradientBound[d.HiddenBiasOffset + j], $"db1[{j}]");
            for (int i = 0; i < 5; i++)
            {
                int at = d.OutputWeightsOffset + (j * 5) + i;
                AssertWithin(reference.Gradient[at], dw2[j, i], units * reference.GradientBound[at], $"dW2[{j},{i}]");
            }
        }

        for (int i = 0; i < 5; i++)
        {
            AssertWithin(reference.Gradient[d.OutputBiasOffset + i], db2[i], units * reference.GradientBound[d.OutputBiasOffset + i], $"db2[{i}]");
        }
    }

    [Fact]
    public void Parameter_views_reject_a_vector_of_the_wrong_length_naming_parameters()
    {
        var network = new TwoLayerNetwork<double>(4, 3, 5);
        double[] shorter = new double[network.ParameterCount - 1];
        double[] longer = new double[network.ParameterCount + 1];
        foreach (double[] wrong in new[] { shorter, longer })
        {
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => network.HiddenWeights(wrong)).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => network.HiddenBias(wrong)).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => network.OutputWeights(wrong)).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => network.OutputBias(wrong)).ParamName);
        }
    }

    // ---- batch sizes ----

    [Fact]
    public void A_batch_smaller_than_the_workspace_maximum_gives_the_same_results_as_an_exact_workspace()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // One workspace for 70 rows serves batches of 67, 1, 20 and 67 again, in that order: no state carries over.
            Workspace<T> large = new TwoLayerNetwork<T>(97, 65, 13).CreateWorkspace(70);
            foreach (int batch in new[] { 67, 1, 20, 67 })
            {
                var problem = NetworkProblem.Random(batch, batch, 97, 65, 13);
                AssertSameResult(Run<T>(problem), Run<T>(problem, workspace: large), $"{typeof(T).Name} batch {batch} in a workspace for 70");
                AssertSameResult(Run<T>(problem, oneHot: true), Run<T>(problem, oneHot: true, workspace: large), $"{typeof(T).Name} one-hot batch {batch} in a workspace for 70");
            }
        }
    }
}
