using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// A two-layer network with a sigmoid hidden layer and a softmax output, trained with mean cross-entropy:
/// <code>
/// h    = sigmoid(X W1 + b1)        X: N x Dx, one example per row
/// yhat = softmax(h W2 + b2)        row-wise, max-shifted
/// J    = -(1/N) sum_n log yhat[n, label_n]
/// </code>
/// Parameters live in one flat vector laid out as W1 (Dx x H, row-major), b1 (H), W2 (H x Dy, row-major),
/// b2 (Dy); the gradient has the same layout. Calls read the parameters where they are and allocate nothing:
/// every intermediate lives in a <see cref="Workspace{T}"/>.
/// </summary>
/// <remarks>
/// The network object is immutable and may be shared by any number of threads, each with its own workspace.
/// Every argument is checked before any output is written; a rejected call leaves the outputs untouched.
/// </remarks>
public sealed class TwoLayerNetwork<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a network of the given dimensions.</summary>
    /// <param name="dimensions">Dx, H and Dy.</param>
    public TwoLayerNetwork(NetworkDimensions dimensions) => Dimensions = dimensions;

    /// <summary>Creates a network with <paramref name="inputs"/> inputs, <paramref name="hidden"/> hidden units and <paramref name="outputs"/> classes.</summary>
    /// <param name="inputs">Dx.</param>
    /// <param name="hidden">H.</param>
    /// <param name="outputs">Dy.</param>
    public TwoLayerNetwork(int inputs, int hidden, int outputs)
        : this(new NetworkDimensions(inputs, hidden, outputs))
    {
    }

    /// <summary>The network's dimensions.</summary>
    public NetworkDimensions Dimensions { get; }

    /// <summary>The length of the flat parameter (and gradient) vector, (Dx + 1) H + (H + 1) Dy.</summary>
    public int ParameterCount => Dimensions.ParameterCount;

    /// <summary>Creates a workspace for this network and batches of up to <paramref name="maxBatchSize"/> rows.</summary>
    /// <param name="maxBatchSize">The largest batch a call will pass.</param>
    /// <returns>A new workspace; one allocation.</returns>
    public Workspace<T> CreateWorkspace(int maxBatchSize) => new(Dimensions, maxBatchSize);

    /// <summary>Creates a thread-safe pool of workspaces for this network.</summary>
    /// <param name="maxBatchSize">The largest batch a call will pass.</param>
    /// <returns>An empty pool.</returns>
    public WorkspacePool<T> CreateWorkspacePool(int maxBatchSize) => new(Dimensions, maxBatchSize);

    /// <summary>W1, the Dx x H input-to-hidden weights, as a view of the flat parameters (or of a gradient).</summary>
    /// <param name="parameters">A flat vector of <see cref="ParameterCount"/> elements.</param>
    /// <returns>A view of <paramref name="parameters"/>; no copy.</returns>
    public Span2D<T> HiddenWeights(Span<T> parameters) =>
        Checked(parameters).AsSpan2D(NetworkDimensions.HiddenWeightsOffset, Dimensions.Inputs, Dimensions.Hidden, 0);

    /// <summary>b1, the H hidden biases, as a view of the flat parameters (or of a gradient).</summary>
    /// <param name="parameters">A flat vector of <see cref="ParameterCount"/> elements.</param>
    /// <returns>A view of <paramref name="parameters"/>; no copy.</returns>
    public Span<T> HiddenBias(Span<T> parameters) =>
        Checked(parameters).Slice(Dimensions.HiddenBiasOffset, Dimensions.Hidden);

    /// <summary>W2, the H x Dy hidden-to-output weights, as a view of the flat parameters (or of a gradient).</summary>
    /// <param name="parameters">A flat vector of <see cref="ParameterCount"/> elements.</param>
    /// <returns>A view of <paramref name="parameters"/>; no copy.</returns>
    public Span2D<T> OutputWeights(Span<T> parameters) =>
        Checked(parameters).AsSpan2D(Dimensions.OutputWeightsOffset, Dimensions.Hidden, Dimensions.Outputs, 0);

    /// <summary>b2, the Dy output biases, as a view of the flat parameters (or of a gradient).</summary>
    /// <param name="parameters">A flat vector of <see cref="ParameterCount"/> elements.</param>
    /// <returns>A view of <paramref name="parameters"/>; no copy.</returns>
    public Span<T> OutputBias(Span<T> parameters) =>
        Checked(parameters).Slice(Dimensions.OutputBiasOffset, Dimensions.Outputs);

    /// <summary>
    /// Computes the mean cross-entropy of a batch and its gradient with respect to every parameter.
    /// </summary>
    /// <param name="data">X, N x Dx, one example per row; may be a strided sub-matrix.</param>
    /// <param name="labels">N class indices in [0, Dy).</param>
    /// <param name="parameters">The flat parameters (<see cref="ParameterCount"/> elements).</param>
    /// <param name="gradient">Receives dJ/dparameters in the same layout; shares no memory with the inputs.</param>
    /// <param name="workspace">A workspace for this network with room for N rows.</param>
    /// <returns>The mean cost J.</returns>
    /// <exception cref="ArgumentException">A shape or length is wrong, the batch is empty or larger than the workspace, the workspace belongs to other dimensions, or an output overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, Dy).</exception>
    public T ForwardBackward(ReadOnlySpan2D<T> data, ReadOnlySpan<int> labels, ReadOnlySpan<T> parameters, Span<T> gradient, Workspace<T> workspace) =>
        ForwardBackward(data, labels, parameters, gradient, Span2D<T>.Empty, workspace);

    /// <summary>
    /// Computes the mean cross-entropy of a batch, its gradient with respect to every parameter, and its gradient
    /// with respect to the input, dX = dZ1 W1^T.
    /// </summary>
    /// <param name="data">X, N x Dx, one example per row.</param>
    /// <param name="labels">N class indices in [0, Dy).</param>
    /// <param name="parameters">The flat parameters.</param>
    /// <param name="gradient">Receives dJ/dparameters.</param>
    /// <param name="inputGradient">Receives dJ/dX, N x Dx; pass <see cref="Span2D{T}.Empty"/> to skip it.</param>
    /// <param name="workspace">A workspace for this network with room for N rows.</param>
    /// <returns>The mean cost J.</returns>
    /// <exception cref="ArgumentException">A shape or length is wrong, the batch is empty or larger than the workspace, or an output overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, Dy).</exception>
    public T ForwardBackward(ReadOnlySpan2D<T> data, ReadOnlySpan<int> labels, ReadOnlySpan<T> parameters, Span<T> gradient, Span2D<T> inputGradient, Workspace<T> workspace)
    {
        Validate(data, parameters, gradient, inputGradient, workspace);
        Guard.SameLength(labels.Length, data.Height, nameof(labels), "one label per row of data");
        CrossEntropy.ValidateLabels(labels, Dimensions.Outputs, nameof(labels));
        return ForwardBackwardCore(data, labels, parameters, gradient, inputGradient, workspace);
    }

    /// <summary>The same as the integer-label form, with one-hot labels (the seed's Y).</summary>
    /// <param name="data">X, N x Dx.</param>
    /// <param name="oneHotLabels">Y, N x Dy, each row exactly one 1 and zeros elsewhere.</param>
    /// <param name="parameters">The flat parameters.</param>
    /// <param name="gradient">Receives dJ/dparameters.</param>
    /// <param name="workspace">A workspace for this network with room for N rows.</param>
    /// <returns>The mean cost J.</returns>
    /// <exception cref="ArgumentException">A shape or length is wrong, a row is not one-hot, the workspace does not fit, or an output overlaps an input (the one-hot labels included).</exception>
    public T ForwardBackward(ReadOnlySpan2D<T> data, ReadOnlySpan2D<T> oneHotLabels, ReadOnlySpan<T> parameters, Span<T> gradient, Workspace<T> workspace) =>
        ForwardBackward(data, oneHotLabels, parameters, gradient, Span2D<T>.Empty, workspace);

    /// <summary>The same as the integer-label form with the input gradient, with one-hot labels.</summary>
    /// <param name="data">X, N x Dx.</param>
    /// <param name="oneHotLabels">Y, N x Dy, each row exactly one 1 and zeros elsewhere.</param>
    /// <param name="parameters">The flat parameters.</param>
    /// <param name="gradient">Receives dJ/dparameters.</param>
    /// <param name="inputGradient">Receives dJ/dX, N x Dx; pass <see cref="Span2D{T}.Empty"/> to skip it.</param>
    /// <param name="workspace">A workspace for this network with room for N rows.</param>
    /// <returns>The mean cost J.</returns>
    /// <exception cref="ArgumentException">A shape or length is wrong, a row is not one-hot, the workspace does not fit, or an output overlaps an input (the one-hot labels included).</exception>
    public T ForwardBackward(ReadOnlySpan2D<T> data, ReadOnlySpan2D<T> oneHotLabels, ReadOnlySpan<T> parameters, Span<T> gradient, Span2D<T> inputGradient, Workspace<T> workspace)
    {
        Validate(data, parameters, gradient, inputGradient, workspace);
        Guard.Shape(oneHotLabels.Height, oneHotLabels.Width, data.Height, Dimensions.Outputs, nameof(oneHotLabels));
        Guard.NoOverlap(oneHotLabels, gradient, nameof(gradient), nameof(oneHotLabels));
        Guard.NoOverlap(oneHotLabels, inputGradient, nameof(inputGradient), nameof(oneHotLabels));
        Span<int> labels = workspace.Labels(data.Height);
        CrossEntropy.OneHotToLabels(oneHotLabels, labels, nameof(oneHotLabels));

        return ForwardBackwardCore(data, labels, parameters, gradient, inputGradient, workspace);
    }

    /// <summary>
    /// Predicts a batch: the class probabilities yhat = softmax(sigmoid(X W1 + b1) W2 + b2) of every row.
    /// </summary>
    /// <param name="data">X, N x Dx; N may be 0.</param>
    /// <param name="parameters">The flat parameters.</param>
    /// <param name="probabilities">Receives yhat, N x Dy; shares no memory with the inputs.</param>
    /// <param name="workspace">A workspace for this network with room for N rows.</param>
    /// <exception cref="ArgumentException">A shape or length is wrong, the batch is larger than the workspace, or an output overlaps an input.</exception>
    public void Forward(ReadOnlySpan2D<T> data, ReadOnlySpan<T> parameters, Span2D<T> probabilities, Workspace<T> workspace) =>
        Forward(data, parameters, probabilities, Span<int>.Empty, workspace);

    /// <summary>
    /// Predicts a batch: the class probabilities of every row and, when <paramref name="predictedClasses"/> is not
    /// empty, the most probable class of every row (the first one on a tie).
    /// </summary>
    /// <param name="data">X, N x Dx; N may be 0.</param>
    /// <param name="parameters">The flat parameters.</param>
    /// <param name="probabilities">Receives yhat, N x Dy; pass <see cref="Span2D{T}.Empty"/> when only the classes are wanted.</param>
    /// <param name="predictedClasses">Receives N class indices; pass an empty span when only probabilities are wanted.</param>
    /// <param name="workspace">A workspace for this network with room for N rows.</param>
    /// <exception cref="ArgumentException">A shape or length is wrong, the batch is larger than the workspace, or an output overlaps an input.</exception>
    public void Forward(ReadOnlySpan2D<T> data, ReadOnlySpan<T> parameters, Span2D<T> probabilities, Span<int> predictedClasses, Workspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int rows = data.Height;
        Guard.Width(data.Width, Dimensions.Inputs, nameof(data), "data (one example per row, Dx values)");
        Guard.ParameterCount(parameters.Length, Dimensions, nameof(parameters), "parameters");
        if (!probabilities.IsEmpty || (predictedClasses.IsEmpty && rows != 0))
        {
            Guard.Shape(probabilities.Height, probabilities.Width, rows, Dimensions.Outputs, nameof(probabilities));
        }

        if (!predictedClasses.IsEmpty)
        {
            Guard.SameLength(predictedClasses.Length, rows, nameof(predictedClasses), "one class per row of data");
        }

        workspace.EnsureFits(Dimensions, rows, nameof(workspace));
        Guard.NoOverlap(data, probabilities, nameof(probabilities), nameof(data));
        Guard.NoOverlap(ReadOnlySpan2DOf(parameters), probabilities, nameof(probabilities), nameof(parameters));

        Span2D<T> logits = ForwardCore(data, parameters, workspace);
        if (!predictedClasses.IsEmpty)
        {
            for (int row = 0; row < rows; row++)
            {
                predictedClasses[row] = TensorPrimitives.IndexOfMax<T>(logits.GetRowSpan(row));
            }
        }

        if (!probabilities.IsEmpty)
        {
            Softmax.RowsCore<T>(logits, probabilities);
        }
    }

    /// <summary>
    /// Predicts one example: writes its Dy class probabilities and returns the most probable class.
    /// Allocation-free; safe to call from many threads at once when each passes its own workspace.
    /// </summary>
    /// <param name="example">Dx input values.</param>
    /// <param name="parameters">The flat parameters.</param>
    /// <param name="probabilities">Receives the Dy class probabilities.</param>
    /// <param name="workspace">A workspace for this network.</param>
    /// <returns>The index of the most probable class.</returns>
    /// <exception cref="ArgumentException">A length is wrong or the workspace belongs to other dimensions.</exception>
    public int Predict(ReadOnlySpan<T> example, ReadOnlySpan<T> parameters, Span<T> probabilities, Workspace<T> workspace)
    {
        Guard.SameLength(example.Length, Dimensions.Inputs, nameof(example), "an example of Dx values");
        Guard.SameLength(probabilities.Length, Dimensions.Outputs, nameof(probabilities), "Dy probabilities");
        Span<int> predicted = stackalloc int[1];
        Forward(ReadOnlySpan2DOf(example), parameters, Span2DOf(probabilities), predicted, workspace);
        return predicted[0];
    }

    /// <summary>
    /// Predicts one example with a workspace rented from <paramref name="pool"/> and returned before this method
    /// returns: writes the Dy class probabilities and returns the most probable class. Allocation-free once the pool
    /// holds as many workspaces as threads call at once; safe to call from any number of threads with one pool.
    /// </summary>
    /// <param name="example">Dx input values.</param>
    /// <param name="parameters">The flat parameters; read only, so threads may share them.</param>
    /// <param name="probabilities">Receives the Dy class probabilities.</param>
    /// <param name="pool">A pool of workspaces for this network's dimensions, shared by the calling threads.</param>
    /// <returns>The index of the most probable class.</returns>
    /// <exception cref="ArgumentException">A length is wrong or the pool belongs to other dimensions.</exception>
    public int Predict(ReadOnlySpan<T> example, ReadOnlySpan<T> parameters, Span<T> probabilities, WorkspacePool<T> pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Dimensions != Dimensions)
        {
            throw new ArgumentException($"The pool holds workspaces for a network of dimensions {pool.Dimensions}, not {Dimensions}.", nameof(pool));
        }

        Workspace<T> workspace = pool.Rent();
        try
        {
            return Predict(example, parameters, probabilities, workspace);
        }
        finally
        {
            pool.Return(workspace);
        }
    }

    private void Validate(ReadOnlySpan2D<T> data, ReadOnlySpan<T> parameters, Span<T> gradient, Span2D<T> inputGradient, Workspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (data.Height == 0)
        {
            throw new ArgumentException("The batch is empty: the mean cost needs at least one row.", nameof(data));
        }

        Guard.Width(data.Width, Dimensions.Inputs, nameof(data), "data (one example per row, Dx values)");
        Guard.ParameterCount(parameters.Length, Dimensions, nameof(parameters), "parameters");
        Guard.ParameterCount(gradient.Length, Dimensions, nameof(gradient), "a gradient");
        if (!inputGradient.IsEmpty)
        {
            Guard.Shape(inputGradient.Height, inputGradient.Width, data.Height, Dimensions.Inputs, nameof(inputGradient));
        }

        workspace.EnsureFits(Dimensions, data.Height, nameof(workspace));
        Guard.NoOverlap(parameters, gradient, nameof(gradient), nameof(parameters));
        Guard.NoOverlap(data, gradient, nameof(gradient), nameof(data));
        Guard.NoOverlap(data, inputGradient, nameof(inputGradient), nameof(data));
        Guard.NoOverlap(ReadOnlySpan2DOf(parameters), inputGradient, nameof(inputGradient), nameof(parameters));
        Guard.NoOverlap(ReadOnlySpan2DOf(gradient), inputGradient, nameof(inputGradient), nameof(gradient));
    }

    /// <summary>h = sigmoid(X W1 + b1) into the workspace; returns z = h W2 + b2 (also in the workspace).</summary>
    private Span2D<T> ForwardCore(ReadOnlySpan2D<T> data, ReadOnlySpan<T> parameters, Workspace<T> workspace)
    {
        int rows = data.Height;
        NetworkDimensions d = Dimensions;
        Span2D<T> hidden = workspace.Hidden(rows);
        Span2D<T> logits = workspace.Logits(rows);

        // h = sigmoid(X W1 + b1)
        MatrixProduct.MultiplyThen(
            data, Operand.AsIs, View(parameters, NetworkDimensions.HiddenWeightsOffset, d.Inputs, d.Hidden), Operand.AsIs, hidden, workspace.Packing,
            ProductEpilogue.AddBiasThenSigmoid, parameters.Slice(d.HiddenBiasOffset, d.Hidden), default);

        // z = h W2 + b2
        MatrixProduct.MultiplyThen<T>(
            hidden, Operand.AsIs, View(parameters, d.OutputWeightsOffset, d.Hidden, d.Outputs), Operand.AsIs, logits, workspace.Packing,
            ProductEpilogue.AddBias, parameters.Slice(d.OutputBiasOffset, d.Outputs), default);
        return logits;
    }

    private T ForwardBackwardCore(ReadOnlySpan2D<T> data, ReadOnlySpan<int> labels, ReadOnlySpan<T> parameters, Span<T> gradient, Span2D<T> inputGradient, Workspace<T> workspace)
    {
        int rows = data.Height;
        NetworkDimensions d = Dimensions;
        // A batch of one first: with AVX-512, on a network narrower than a vector in every layer, the single-example step
        // ran 1.24-2.29x as fast as the tiny step's sixteen-lane tile (1 x 15 x 16 x 16: 183 against 420 ns; 1 x 1 x 1 x 1
        // alone 0.93x; AMD Zen 5, two builds interleaved).
        if (typeof(T) == typeof(float) && SingleExampleStep256.Suits(d, rows))
        {
            return Unsafe.BitCast<float, T>(SingleExampleStep256.Run(
                d, Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(data), labels, Unsafe.BitCast<ReadOnlySpan<T>, ReadOnlySpan<float>>(parameters),
                Unsafe.BitCast<Span<T>, Span<float>>(gradient), Unsafe.BitCast<Span2D<T>, Span2D<float>>(inputGradient),
                Unsafe.BitCast<Span2D<T>, Span2D<float>>(workspace.Hidden(rows)), Unsafe.BitCast<Span2D<T>, Span2D<float>>(workspace.HiddenDelta(rows)),
                Unsafe.BitCast<Span2D<T>, Span2D<float>>(workspace.Logits(rows))));
        }

        if (typeof(T) == typeof(float) && TinyStep.Suits(d))
        {
            return Unsafe.BitCast<float, T>(TinyStep.Run(
                d, Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(data), labels, Unsafe.BitCast<ReadOnlySpan<T>, ReadOnlySpan<float>>(parameters),
                Unsafe.BitCast<Span<T>, Span<float>>(gradient), Unsafe.BitCast<Span2D<T>, Span2D<float>>(inputGradient)));
        }

        if (typeof(T) == typeof(float) && TinyStep256.Suits(d))
        {
            return Unsafe.BitCast<float, T>(TinyStep256.Run(
                d, Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(data), labels, Unsafe.BitCast<ReadOnlySpan<T>, ReadOnlySpan<float>>(parameters),
                Unsafe.BitCast<Span<T>, Span<float>>(gradient), Unsafe.BitCast<Span2D<T>, Span2D<float>>(inputGradient)));
        }

        if (typeof(T) == typeof(float) && DirectStep.Suits(d, rows, !inputGradient.IsEmpty, workspace.Packing.Length))
        {
            return Unsafe.BitCast<float, T>(DirectStep.Run(
                d, Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(data), labels, Unsafe.BitCast<ReadOnlySpan<T>, ReadOnlySpan<float>>(parameters),
                Unsafe.BitCast<Span<T>, Span<float>>(gradient), Unsafe.BitCast<Span2D<T>, Span2D<float>>(inputGradient),
                Unsafe.BitCast<Span2D<T>, Span2D<float>>(workspace.Hidden(rows)), Unsafe.BitCast<Span2D<T>, Span2D<float>>(workspace.HiddenDelta(rows)),
                Unsafe.BitCast<Span2D<T>, Span2D<float>>(workspace.Logits(rows)), Unsafe.BitCast<Span<T>, Span<float>>(workspace.Packing)));
        }

        Span2D<T> logits = ForwardCore(data, parameters, workspace);
        Span2D<T> hidden = workspace.Hidden(rows);
        Span2D<T> hiddenDelta = workspace.HiddenDelta(rows);

        // J and dZ2 = (softmax(z) - Y) / N, written over z
        T cost = CrossEntropy.FromLogitsCore<T>(logits, labels, logits);

        // dW2 = h^T dZ2, db2 = column sums of dZ2: [dW2; db2] = [h 1]^T dZ2, one product, as b2 follows W2
        MatrixProduct.MultiplyTransposedWithColumnSums<T>(hidden, logits, MutableView(gradient, d.OutputWeightsOffset, d.Hidden + 1, d.Outputs), workspace.Packing);

        // dZ1 = (dZ2 W2^T) * h (1 - h)
        MatrixProduct.MultiplyThen<T>(
            logits, Operand.AsIs, View(parameters, d.OutputWeightsOffset, d.Hidden, d.Outputs), Operand.Transposed, hiddenDelta, workspace.Packing,
            ProductEpilogue.TimesSigmoidDerivative, default, hidden);

        // dW1 = X^T dZ1, db1 = column sums of dZ1: [dW1; db1] = [X 1]^T dZ1, as b1 follows W1
        MatrixProduct.MultiplyTransposedWithColumnSums(data, hiddenDelta, MutableView(gradient, NetworkDimensions.HiddenWeightsOffset, d.Inputs + 1, d.Hidden), workspace.Packing);

        // dX = dZ1 W1^T
        if (!inputGradient.IsEmpty)
        {
            MatrixProduct.Multiply<T>(hiddenDelta, Operand.AsIs, View(parameters, NetworkDimensions.HiddenWeightsOffset, d.Inputs, d.Hidden), Operand.Transposed, inputGradient, T.Zero, workspace.Packing);
        }

        return cost;
    }

    private Span<T> Checked(Span<T> parameters)
    {
        Guard.ParameterCount(parameters.Length, Dimensions, nameof(parameters), "parameters");
        return parameters;
    }

    private static ReadOnlySpan2D<T> View(ReadOnlySpan<T> flat, int offset, int rows, int columns) =>
        flat.AsSpan2D(offset, rows, columns, 0);

    private static Span2D<T> MutableView(Span<T> flat, int offset, int rows, int columns) =>
        flat.AsSpan2D(offset, rows, columns, 0);

    private static ReadOnlySpan2D<T> ReadOnlySpan2DOf(ReadOnlySpan<T> vector) => vector.AsSpan2D(1, vector.Length);

    private static Span2D<T> Span2DOf(Span<T> vector) => vector.AsSpan2D(1, vector.Length);
}
