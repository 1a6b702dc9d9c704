using static Nn.Span.Tests.NetworkData;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The error contract (design section 4) for TwoLayerNetwork: for every bad argument, the exception type, the
/// parameter it names, the sizes in its message where the contract asks for them, and that nothing was written:
/// every output (gradient, input gradient, probabilities, predicted classes) is filled with a sentinel before the
/// call and compared bit for bit afterwards, and so is every input.
/// </summary>
/// <remarks>
/// The defined results: an empty batch is rejected by ForwardBackward (the mean cost needs a row, ArgumentException
/// naming data) and is a no-op for Forward; a zero-sized dimension is rejected when the dimensions are made
/// (ArgumentOutOfRangeException); outputs may share no memory at all with inputs, not even as an exact alias
/// (ArgumentException naming the output); NaN in the data raises nothing and reaches the outputs it touches.
/// </remarks>
public sealed class NetworkErrorContractTests
{
    private const int Batch = 6, Inputs = 4, Hidden = 3, Outputs = 5;
    private const int ClassSentinel = -7;

    /// <summary>A valid call's arguments, outputs full of sentinels, and a snapshot of everything to compare after.</summary>
    private sealed class Arguments<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[][] _snapshot;
        private readonly int[][] _intSnapshot;

        public Arguments()
        {
            var problem = NetworkProblem.Random(3, Batch, Inputs, Hidden, Outputs);
            Network = problem.Network<T>();
            Workspace = Network.CreateWorkspace(Batch);
            Data = As<T>(problem.Data);
            Labels = problem.Labels;
            OneHot = problem.OneHot<T>();
            Parameters = As<T>(problem.Parameters);
            Gradient = Guarded<T>(Network.ParameterCount, 0);
            InputGradient = Guarded<T>(Batch * Inputs, 0);
            Probabilities = Guarded<T>(Batch * Outputs, 0);
            Classes = Enumerable.Repeat(ClassSentinel, Batch).ToArray();
            _snapshot = [(T[])Data.Clone(), (T[])OneHot.Clone(), (T[])Parameters.Clone(), (T[])Gradient.Clone(), (T[])InputGradient.Clone(), (T[])Probabilities.Clone()];
            _intSnapshot = [(int[])Labels.Clone(), (int[])Classes.Clone()];
        }

        public TwoLayerNetwork<T> Network { get; }

        public Workspace<T> Workspace { get; }

        public T[] Data { get; }

        public int[] Labels { get; }

        public T[] OneHot { get; }

        public T[] Parameters { get; }

        public T[] Gradient { get; }

        public T[] InputGradient { get; }

        public T[] Probabilities { get; }

        public int[] Classes { get; }

        public ReadOnlySpan2D<T> X => new(Data, Batch, Inputs);

        public ReadOnlySpan2D<T> Y => new(OneHot, Batch, Outputs);

        public Span2D<T> DX => new(InputGradient, Batch, Inputs);

        public Span2D<T> Yhat => new(Probabilities, Batch, Outputs);

        public void AssertUntouched(string context)
        {
            T[][] now = [Data, OneHot, Parameters, Gradient, InputGradient, Probabilities];
            string[] names = ["data", "one-hot labels", "parameters", "gradient", "input gradient", "probabilities"];
            for (int i = 0; i < now.Length; i++)
            {
                for (int j = 0; j < now[i].Length; j++)
                {
                    Assert.True(now[i][j].Equals(_snapshot[i][j]), $"{typeof(T).Name} {context}: {names[i]}[{j}] changed from {_snapshot[i][j]} to {now[i][j]}");
                }
            }

            Assert.True(Labels.SequenceEqual(_intSnapshot[0]), $"{context}: labels changed");
            Assert.True(Classes.SequenceEqual(_intSnapshot[1]), $"{context}: predicted classes changed");
        }
    }

    /// <summary>Asserts the exact exception type, the parameter named, the message parts, and that nothing was written.</summary>
    private static TException AssertRejected<T, TException>(Arguments<T> arguments, string parameterName, Action call, string context, params string[] messageParts)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TException : ArgumentException
    {
        Exception? thrown = Record.Exception(call);
        Assert.True(thrown is not null, $"{typeof(T).Name} {context}: no exception, expected {typeof(TException).Name}");
        TException exception = Assert.IsType<TException>(thrown, exactMatch: true);
        Assert.True(parameterName == exception.ParamName, $"{typeof(T).Name} {context}: expected parameter '{parameterName}', got '{exception.ParamName}': {exception.Message}");
        foreach (string part in messageParts)
        {
            Assert.True(exception.Message.Contains(part, StringComparison.Ordinal), $"{typeof(T).Name} {context}: message '{exception.Message}' does not say '{part}'");
        }

        arguments.AssertUntouched(context);
        return exception;
    }

    private static void AssertArgumentException<T>(Arguments<T> arguments, string parameterName, Action call, string context, params string[] messageParts)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        AssertRejected<T, ArgumentException>(arguments, parameterName, call, context, messageParts);

    // ---- lengths and shapes ----

    [Fact]
    public void Parameters_of_the_wrong_length_throw_naming_parameters_with_both_lengths()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            int count = a.Network.ParameterCount;
            foreach (int length in new[] { 0, count - 1, count + 1 })
            {
                T[] wrong = new T[length];
                string[] sizes = [$"length {count}", $"length {length}"];
                AssertArgumentException(a, "parameters", () => a.Network.ForwardBackward(a.X, a.Labels, wrong, a.Gradient, a.Workspace), $"ForwardBackward, {length} parameters", sizes);
                AssertArgumentException(a, "parameters", () => a.Network.ForwardBackward(a.X, a.Labels, wrong, a.Gradient, a.DX, a.Workspace), $"ForwardBackward with dX, {length} parameters", sizes);
                AssertArgumentException(a, "parameters", () => a.Network.ForwardBackward(a.X, a.Y, wrong, a.Gradient, a.DX, a.Workspace), $"one-hot ForwardBackward, {length} parameters", sizes);
                AssertArgumentException(a, "parameters", () => a.Network.Forward(a.X, wrong, a.Yhat, a.Classes, a.Workspace), $"Forward, {length} parameters", sizes);
                AssertArgumentException(a, "parameters", () => a.Network.Predict(a.Data.AsSpan(0, Inputs), wrong, a.Probabilities.AsSpan(0, Outputs), a.Workspace), $"Predict, {length} parameters", sizes);
            }
        }
    }

    [Fact]
    public void A_gradient_of_the_wrong_length_throws_naming_gradient_with_both_lengths()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            int count = a.Network.ParameterCount;
            foreach (int length in new[] { 0, count - 1, count + 1 })
            {
                T[] wrong = Guarded<T>(length, 0);
                string[] sizes = [$"length {count}", $"length {length}"];
                AssertArgumentException(a, "gradient", () => a.Network.ForwardBackward(a.X, a.Labels, a.Parameters, wrong, a.Workspace), $"{length} gradient elements", sizes);
                AssertArgumentException(a, "gradient", () => a.Network.ForwardBackward(a.X, a.Y, a.Parameters, wrong, a.DX, a.Workspace), $"one-hot, {length} gradient elements", sizes);
                Assert.All(wrong, value => Assert.Equal(Of<T>(Sentinel), value));
            }
        }
    }

    [Fact]
    public void Data_of_the_wrong_width_throws_naming_data_and_an_example_of_the_wrong_length_naming_example()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            foreach (int width in new[] { Inputs - 1, Inputs + 1 })
            {
                int rows = Math.Min(Batch, a.Data.Length / width);
                string[] sizes = [$"width {Inputs}", $"width {width}"];
                AssertArgumentException(a, "data", () => a.Network.ForwardBackward(new ReadOnlySpan2D<T>(a.Data, rows, width), a.Labels.AsSpan(0, rows), a.Parameters, a.Gradient, a.Workspace), $"ForwardBackward, data width {width}", sizes);
                AssertArgumentException(a, "data", () => a.Network.ForwardBackward(new ReadOnlySpan2D<T>(a.Data, rows, width), new ReadOnlySpan2D<T>(a.OneHot, rows, Outputs), a.Parameters, a.Gradient, a.Workspace), $"one-hot ForwardBackward, data width {width}", sizes);
                AssertArgumentException(a, "data", () => a.Network.Forward(new ReadOnlySpan2D<T>(a.Data, rows, width), a.Parameters, new Span2D<T>(a.Probabilities, rows, Outputs), a.Workspace), $"Forward, data width {width}", sizes);
                AssertArgumentException(a, "example", () => a.Network.Predict(a.Data.AsSpan(0, width), a.Parameters, a.Probabilities.AsSpan(0, Outputs), a.Workspace), $"Predict, example of {width}", $"length {Inputs}", $"length {width}");
            }
        }
    }

    [Fact]
    public void Labels_of_the_wrong_length_throw_naming_labels_with_both_lengths()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            int[] longer = [.. a.Labels, 0];
            AssertArgumentException(a, "labels", () => a.Network.ForwardBackward(a.X, a.Labels.AsSpan(0, Batch - 1), a.Parameters, a.Gradient, a.Workspace), "one label short", $"length {Batch}", $"length {Batch - 1}");
            AssertArgumentException(a, "labels", () => a.Network.ForwardBackward(a.X, longer, a.Parameters, a.Gradient, a.DX, a.Workspace), "one label too many", $"length {Batch}", $"length {Batch + 1}");
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(Outputs)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void A_label_outside_the_classes_throws_ArgumentOutOfRangeException_naming_labels_and_the_row(int label)
    {
        Check<float>(label);
        Check<double>(label);

        static void Check<T>(int label)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            int[] labels = (int[])a.Labels.Clone();
            labels[3] = label;
            ArgumentOutOfRangeException exception = AssertRejected<T, ArgumentOutOfRangeException>(
                a, "labels", () => a.Network.ForwardBackward(a.X, labels, a.Parameters, a.Gradient, a.DX, a.Workspace), $"label {label} in row 3", "row 3", $"[0, {Outputs})");
            Assert.Equal(label, exception.ActualValue);
        }
    }

    [Fact]
    public void A_row_that_is_not_one_hot_throws_naming_oneHotLabels_and_the_row()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            double[][] badRows = [[1, 1, 0, 0, 0], [0, 0.5, 0.5, 0, 0], [0, 0, 0, 0, 0], [0, double.NaN, 1, 0, 0], [0, 0, 2, 0, 0], [-1, 0, 0, 0, 0], [0, 0, 1, 0, double.PositiveInfinity]];
            foreach (double[] row in badRows)
            {
                T[] y = (T[])a.OneHot.Clone();
                As<T>(row).CopyTo(y, 2 * Outputs);
                string context = $"one-hot row 2 = [{string.Join(", ", row)}]";
                AssertArgumentException(a, "oneHotLabels", () => a.Network.ForwardBackward(a.X, new ReadOnlySpan2D<T>(y, Batch, Outputs), a.Parameters, a.Gradient, a.Workspace), context, "Row 2");
                AssertArgumentException(a, "oneHotLabels", () => a.Network.ForwardBackward(a.X, new ReadOnlySpan2D<T>(y, Batch, Outputs), a.Parameters, a.Gradient, a.DX, a.Workspace), context + " with dX", "Row 2");
            }
        }
    }

    [Fact]
    public void A_one_hot_row_holding_negative_zeros_is_accepted_as_one_hot()
    {
        // -0 == 0: a row such as [-0, 1, -0, -0, -0] is one-hot and gives the same result as [0, 1, 0, 0, 0].
        var a = new Arguments<double>();
        double[] y = (double[])a.OneHot.Clone();
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = y[i] == 0 ? -0.0 : y[i];
        }

        double[] expected = new double[a.Network.ParameterCount];
        double[] actual = new double[a.Network.ParameterCount];
        double cost = a.Network.ForwardBackward(a.X, a.Y, a.Parameters, expected, a.Workspace);
        Assert.Equal(cost, a.Network.ForwardBackward(a.X, new ReadOnlySpan2D<double>(y, Batch, Outputs), a.Parameters, actual, a.Workspace));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void One_hot_labels_of_the_wrong_shape_throw_naming_oneHotLabels_with_both_shapes()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            T[] large = new T[(Batch + 1) * (Outputs + 1)];
            foreach ((int rows, int columns) in new[] { (Batch - 1, Outputs), (Batch + 1, Outputs), (Batch, Outputs - 1), (Batch, Outputs + 1) })
            {
                var y = new ReadOnlySpan2D<T>(large, rows, columns);
                string[] shapes = [$"{Batch} x {Outputs}", $"{rows} x {columns}"];
                AssertArgumentException(a, "oneHotLabels", () => a.Network.ForwardBackward(a.X, new ReadOnlySpan2D<T>(large, rows, columns), a.Parameters, a.Gradient, a.Workspace), $"one-hot {rows} x {columns}", shapes);
            }
        }
    }

    [Fact]
    public void Probabilities_of_the_wrong_shape_throw_naming_probabilities()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            T[] large = Guarded<T>((Batch + 1) * (Outputs + 1), 0);
            T[] largeBefore = (T[])large.Clone();
            foreach ((int rows, int columns) in new[] { (Batch - 1, Outputs), (Batch + 1, Outputs), (Batch, Outputs - 1), (Batch, Outputs + 1) })
            {
                string[] shapes = [$"{Batch} x {Outputs}", $"{rows} x {columns}"];
                AssertArgumentException(a, "probabilities", () => a.Network.Forward(a.X, a.Parameters, new Span2D<T>(large, rows, columns), a.Workspace), $"probabilities {rows} x {columns}", shapes);
                AssertArgumentException(a, "probabilities", () => a.Network.Forward(a.X, a.Parameters, new Span2D<T>(large, rows, columns), a.Classes, a.Workspace), $"probabilities {rows} x {columns} with classes", shapes);
                AssertUnchanged(largeBefore, large);
            }

            // Forward with neither probabilities nor classes would compute nothing: a non-empty batch needs probabilities.
            AssertArgumentException(a, "probabilities", () => a.Network.Forward(a.X, a.Parameters, Span2D<T>.Empty, a.Workspace), "no output at all", $"{Batch} x {Outputs}", "0 x 0");
            foreach (int length in new[] { Outputs - 1, Outputs + 1 })
            {
                AssertArgumentException(a, "probabilities", () => a.Network.Predict(a.Data.AsSpan(0, Inputs), a.Parameters, large.AsSpan(0, length), a.Workspace), $"Predict into {length} probabilities", $"length {Outputs}", $"length {length}");
                AssertUnchanged(largeBefore, large);
            }
        }
    }

    [Fact]
    public void Predicted_classes_of_the_wrong_length_throw_naming_predictedClasses()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            int[] longer = Enumerable.Repeat(ClassSentinel, Batch + 1).ToArray();
            AssertArgumentException(a, "predictedClasses", () => a.Network.Forward(a.X, a.Parameters, a.Yhat, a.Classes.AsSpan(0, Batch - 1), a.Workspace), "one class short", $"length {Batch}", $"length {Batch - 1}");
            AssertArgumentException(a, "predictedClasses", () => a.Network.Forward(a.X, a.Parameters, Span2D<T>.Empty, longer, a.Workspace), "one class too many", $"length {Batch}", $"length {Batch + 1}");
            Assert.All(longer, c => Assert.Equal(ClassSentinel, c));
        }
    }

    [Fact]
    public void An_input_gradient_of_the_wrong_shape_throws_naming_inputGradient()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            T[] large = Guarded<T>((Batch + 1) * (Inputs + 1), 0);
            T[] largeBefore = (T[])large.Clone();
            foreach ((int rows, int columns) in new[] { (Batch - 1, Inputs), (Batch + 1, Inputs), (Batch, Inputs - 1), (Batch, Inputs + 1) })
            {
                string[] shapes = [$"{Batch} x {Inputs}", $"{rows} x {columns}"];
                AssertArgumentException(a, "inputGradient", () => a.Network.ForwardBackward(a.X, a.Labels, a.Parameters, a.Gradient, new Span2D<T>(large, rows, columns), a.Workspace), $"dX {rows} x {columns}", shapes);
                AssertArgumentException(a, "inputGradient", () => a.Network.ForwardBackward(a.X, a.Y, a.Parameters, a.Gradient, new Span2D<T>(large, rows, columns), a.Workspace), $"one-hot, dX {rows} x {columns}", shapes);
                AssertUnchanged(largeBefore, large);
            }
        }
    }

    // ---- overlap ----

    [Fact]
    public void Outputs_sharing_memory_with_inputs_throw_naming_the_output_and_write_nothing()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            TwoLayerNetwork<T> network = a.Network;
            int count = network.ParameterCount;

            // One array holds an input and an output; it must come back bit for bit.
            void Shared(string output, T[] storage, Action call, string context)
            {
                T[] before = (T[])storage.Clone();
                AssertArgumentException(a, output, call, context);
                AssertUnchanged(before, storage);
            }

            // gradient and parameters: partly (shifted by 3 elements) and exactly (the same span).
            T[] both = [.. a.Parameters, .. a.Parameters];
            Shared("gradient", both, () => network.ForwardBackward(a.X, a.Labels, both.AsSpan(0, count), both.AsSpan(3, count), a.Workspace), "gradient 3 elements into the parameters");
            Shared("gradient", both, () => network.ForwardBackward(a.X, a.Labels, both.AsSpan(0, count), both.AsSpan(0, count), a.Workspace), "gradient on the parameters themselves");
            Shared("gradient", both, () => network.ForwardBackward(a.X, a.Y, both.AsSpan(count - 1, count), both.AsSpan(0, count), a.Workspace), "one-hot, gradient sharing one element with the parameters");

            // gradient and data.
            T[] dataAndGradient = [.. a.Data, .. new T[count]];
            Shared("gradient", dataAndGradient, () => network.ForwardBackward(new ReadOnlySpan2D<T>(dataAndGradient, Batch, Inputs), a.Labels, a.Parameters, dataAndGradient.AsSpan(Batch * Inputs - 2, count), a.Workspace), "gradient over the last data elements");

            // input gradient and data, parameters or gradient.
            T[] dataTwice = [.. a.Data, .. a.Data];
            Shared("inputGradient", dataTwice, () => network.ForwardBackward(new ReadOnlySpan2D<T>(dataTwice, Batch, Inputs), a.Labels, a.Parameters, a.Gradient, new Span2D<T>(dataTwice, Batch, Inputs), a.Workspace), "dX on the data itself");
            Shared("inputGradient", dataTwice, () => network.ForwardBackward(new ReadOnlySpan2D<T>(dataTwice, Batch, Inputs), a.Labels, a.Parameters, a.Gradient, new Span2D<T>(dataTwice, 1, Batch, Inputs, 0), a.Workspace), "dX one element into the data");
            T[] parametersAndMore = [.. a.Parameters, .. new T[Batch * Inputs]];
            Shared("inputGradient", parametersAndMore, () => network.ForwardBackward(a.X, a.Labels, parametersAndMore.AsSpan(0, count), a.Gradient, new Span2D<T>(parametersAndMore, count - 1, Batch, Inputs, 0), a.Workspace), "dX over the last parameter");
            T[] gradientAndMore = Guarded<T>(count + (Batch * Inputs), 0);
            Shared("inputGradient", gradientAndMore, () => network.ForwardBackward(a.X, a.Labels, a.Parameters, gradientAndMore.AsSpan(0, count), new Span2D<T>(gradientAndMore, count - 4, Batch, Inputs, 0), a.Workspace), "dX over the end of the gradient");

            // probabilities and data or parameters.
            T[] dataAndMore = [.. a.Data, .. new T[Batch * Outputs]];
            Shared("probabilities", dataAndMore, () => network.Forward(new ReadOnlySpan2D<T>(dataAndMore, Batch, Inputs), a.Parameters, new Span2D<T>(dataAndMore, (Batch * Inputs) - 1, Batch, Outputs, 0), a.Workspace), "probabilities over the last data element");
            T[] parametersAndProbabilities = [.. a.Parameters, .. new T[Batch * Outputs]];
            Shared("probabilities", parametersAndProbabilities, () => network.Forward(a.X, parametersAndProbabilities.AsSpan(0, count), new Span2D<T>(parametersAndProbabilities, count - 1, Batch, Outputs, 0), a.Classes, a.Workspace), "probabilities over the last parameter");
            Shared("probabilities", parametersAndProbabilities, () => network.Predict(a.Data.AsSpan(0, Inputs), parametersAndProbabilities.AsSpan(0, count), parametersAndProbabilities.AsSpan(2, Outputs), a.Workspace), "Predict into the parameters");
            T[] example = [.. a.Data.AsSpan(0, Inputs), .. new T[Outputs]];
            Shared("probabilities", example, () => network.Predict(example.AsSpan(0, Inputs), a.Parameters, example.AsSpan(Inputs - 1, Outputs), a.Workspace), "Predict into the example");

            // gradient or input gradient and the one-hot labels (an output written over the caller's labels).
            T[] labelsAndGradient = [.. a.OneHot, .. new T[count]];
            Shared("gradient", labelsAndGradient, () => network.ForwardBackward(a.X, new ReadOnlySpan2D<T>(labelsAndGradient, Batch, Outputs), a.Parameters, labelsAndGradient.AsSpan(Outputs, count), a.Workspace), "gradient over the one-hot labels");
            T[] labelsAndInputGradient = [.. a.OneHot, .. new T[Batch * Inputs]];
            Shared("inputGradient", labelsAndInputGradient, () => network.ForwardBackward(a.X, new ReadOnlySpan2D<T>(labelsAndInputGradient, Batch, Outputs), a.Parameters, a.Gradient, new Span2D<T>(labelsAndInputGradient, Outputs, Batch, Inputs, 0), a.Workspace), "dX over the one-hot labels");
        }
    }

    // ---- workspace ----

    [Fact]
    public void A_batch_larger_than_the_workspace_throws_naming_workspace_with_both_sizes()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            Workspace<T> small = a.Network.CreateWorkspace(Batch - 1);
            string[] sizes = [$"{Batch} rows", $"at most {Batch - 1}"];
            AssertArgumentException(a, "workspace", () => a.Network.ForwardBackward(a.X, a.Labels, a.Parameters, a.Gradient, a.DX, small), "ForwardBackward", sizes);
            AssertArgumentException(a, "workspace", () => a.Network.ForwardBackward(a.X, a.Y, a.Parameters, a.Gradient, a.DX, small), "one-hot ForwardBackward", sizes);
            AssertArgumentException(a, "workspace", () => a.Network.Forward(a.X, a.Parameters, a.Yhat, a.Classes, small), "Forward", sizes);
        }
    }

    [Fact]
    public void Another_networks_workspace_throws_naming_workspace_with_both_dimensions()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = new Arguments<T>();
            foreach (NetworkDimensions other in new[] { new NetworkDimensions(Inputs + 1, Hidden, Outputs), new NetworkDimensions(Inputs, Hidden + 1, Outputs), new NetworkDimensions(Inputs, Hidden, Outputs + 1) })
            {
                var workspace = new Workspace<T>(other, 2 * Batch);
                string[] dimensions = [other.ToString(), a.Network.Dimensions.ToString()];
                AssertArgumentException(a, "workspace", () => a.Network.ForwardBackward(a.X, a.Labels, a.Parameters, a.Gradient, a.DX, workspace), $"ForwardBackward with a workspace for {other}", dimensions);
                AssertArgumentException(a, "workspace", () => a.Network.ForwardBackward(a.X, a.Y, a.Parameters, a.Gradient, workspace), $"one-hot ForwardBackward with a workspace for {other}", dimensions);
                AssertArgumentException(a, "workspace", () => a.Network.Forward(a.X, a.Parameters, a.Yhat, a.Classes, workspace), $"Forward with a workspace for {other}", dimensions);
                AssertArgumentException(a, "workspace", () => a.Network.Predict(a.Data.AsSpan(0, Inputs), a.Parameters, a.Probabilities.AsSpan(0, Outputs), workspace), $"Predict with a workspace for {other}", dimensions);
            }
        }
    }

    [Fact]
    public void A_null_workspace_throws_ArgumentNullException_naming_workspace()
    {
        var a = new Arguments<float>();
        AssertRejected<float, ArgumentNullException>(a, "workspace", () => a.Network.ForwardBackward(a.X, a.Labels, a.Parameters, a.Gradient, null!), "ForwardBackward");
        AssertRejected<float, ArgumentNullException>(a, "workspace", () => a.Network.ForwardBackward(a.X, a.Y, a.Parameters, a.Gradient, null!), "one-hot ForwardBackward");
        AssertRejected<float, ArgumentNullException>(a, "workspace", () => a.Network.Forward(a.X, a.Parameters, a.Yhat, null!), "Forward");
        AssertRejected<float, ArgumentNullException>(a, "workspace", () => a.Network.Predict(a.Data.AsSpan(0, Inputs), a.Parameters, a.Probabilities.AsSpan(0, Outputs), (Workspace<float>)null!), "Predict");
        AssertRejected<float, ArgumentNullException>(a, "pool", () => a.Network.Predict(a.Data.AsSpan(0, Inputs), a.Parameters, a.Probabilities.AsSpan(0, Outputs), (WorkspacePool<float>)null!), "Predict from a pool");
    }

    // ---- empty and zero-sized ----

    [Fact]
    public void An_empty_batch_is_rejected_by_ForwardBackward_naming_data_and_is_a_no_op_for_Forward()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // The mean cost of no rows is undefined: ForwardBackward rejects it.
            var a = new Arguments<T>();
            var empty = new ReadOnlySpan2D<T>(a.Data, 0, Inputs);
            AssertArgumentException(a, "data", () => a.Network.ForwardBackward(new ReadOnlySpan2D<T>(a.Data, 0, Inputs), ReadOnlySpan<int>.Empty, a.Parameters, a.Gradient, a.Workspace), "ForwardBackward of 0 rows", "empty");
            AssertArgumentException(a, "data", () => a.Network.ForwardBackward(new ReadOnlySpan2D<T>(a.Data, 0, Inputs), new ReadOnlySpan2D<T>(a.OneHot, 0, Outputs), a.Parameters, a.Gradient, a.DX, a.Workspace), "one-hot ForwardBackward of 0 rows", "empty");

            // Predicting no rows is defined: nothing to write.
            a.Network.Forward(empty, a.Parameters, new Span2D<T>(a.Probabilities, 0, Outputs), a.Workspace);
            a.Network.Forward(empty, a.Parameters, Span2D<T>.Empty, Span<int>.Empty, a.Workspace);
            a.Network.Forward(empty, a.Parameters, new Span2D<T>(a.Probabilities, 0, Outputs), a.Classes.AsSpan(0, 0), a.Workspace);
            a.AssertUntouched("Forward of 0 rows");
        }
    }

    [Fact]
    public void Zero_sized_dimensions_are_rejected_naming_the_dimension()
    {
        Assert.Equal("inputs", Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerNetwork<float>(0, 3, 5)).ParamName);
        Assert.Equal("hidden", Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerNetwork<float>(4, 0, 5)).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerNetwork<double>(4, 3, 0)).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkDimensions(-1, 3, 5)).ParamName);
    }

    // ---- NaN in the data ----

    [Fact]
    public void Nan_in_the_data_raises_nothing_and_reaches_exactly_the_outputs_it_touches()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // Row 2 of the data holds a NaN. Forward: row 2's probabilities are NaN, the other rows are as without it.
            // ForwardBackward: the cost and every gradient entry (each sums over all rows) are NaN; dX row 2 is NaN,
            // and the other rows of dX depend on their own row only.
            var clean = new Arguments<T>();
            var dirty = new Arguments<T>();
            dirty.Data[(2 * Inputs) + 1] = T.NaN;
            TwoLayerNetwork<T> network = clean.Network;

            network.Forward(clean.X, clean.Parameters, clean.Yhat, clean.Classes, clean.Workspace);
            network.Forward(dirty.X, dirty.Parameters, dirty.Yhat, dirty.Classes, dirty.Workspace);
            T cleanCost = network.ForwardBackward(clean.X, clean.Labels, clean.Parameters, clean.Gradient, clean.DX, clean.Workspace);
            T dirtyCost = network.ForwardBackward(dirty.X, dirty.Labels, dirty.Parameters, dirty.Gradient, dirty.DX, dirty.Workspace);

            Assert.True(T.IsFinite(cleanCost));
            Assert.True(T.IsNaN(dirtyCost));
            Assert.All(dirty.Gradient, value => Assert.True(T.IsNaN(value)));
            for (int n = 0; n < Batch; n++)
            {
                for (int i = 0; i < Outputs; i++)
                {
                    T value = dirty.Probabilities[(n * Outputs) + i];
                    Assert.True(n == 2 ? T.IsNaN(value) : value.Equals(clean.Probabilities[(n * Outputs) + i]), $"{typeof(T).Name} probabilities[{n},{i}] = {value}");
                }

                for (int k = 0; k < Inputs; k++)
                {
                    T value = dirty.InputGradient[(n * Inputs) + k];
                    Assert.True(n == 2 ? T.IsNaN(value) : value.Equals(clean.InputGradient[(n * Inputs) + k]), $"{typeof(T).Name} dX[{n},{k}] = {value}");
                }

                Assert.InRange(dirty.Classes[n], 0, Outputs - 1);
                if (n != 2)
                {
                    Assert.Equal(clean.Classes[n], dirty.Classes[n]);
                }
            }
        }
    }
}
