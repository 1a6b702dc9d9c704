using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// The float forward and backward pass of a batch whose products all take the direct form (<see cref="DirectGemm"/>):
/// the seed, online and digits networks. Every operand is pinned once and each product, the loss and the bias sums are
/// called through pointers, where the general step goes through the span-level <see cref="MatrixProduct"/> once per
/// product. For such small batches the per-product span set-up cost as much as a fifth of the step. The kernels, and
/// so the results, are those of the general step bit for bit.
/// </summary>
internal static unsafe class DirectStep
{
    /// <summary>
    /// Whether the step of <paramref name="rows"/> rows on a network of dimensions <paramref name="d"/> runs here: every
    /// product (and dX = dZ1 W1^T when <paramref name="inputGradient"/>) suits the direct form, and the packing room holds
    /// the transposed copies of W2 and W1 that dZ2 W2^T and dZ1 W1^T read.
    /// </summary>
    public static bool Suits(NetworkDimensions d, int rows, bool inputGradient, int packingLength) =>
        DirectGemm.IsSupported &&
        DirectGemm.Suits(rows, d.Hidden, d.Inputs) &&
        DirectGemm.Suits(rows, d.Outputs, d.Hidden) &&
        DirectGemm.Suits(d.Hidden, d.Outputs, rows) &&
        DirectGemm.Suits(rows, d.Hidden, d.Outputs) && packingLength >= (long)d.Outputs * d.Hidden &&
        DirectGemm.Suits(d.Inputs, d.Hidden, rows) &&
        (!inputGradient || (DirectGemm.Suits(rows, d.Inputs, d.Hidden) && packingLength >= (long)d.Hidden * d.Inputs));

    /// <summary>
    /// The step over validated arguments: fills <paramref name="gradient"/> (and <paramref name="inputGradient"/> unless
    /// it is empty) and returns the mean cost. <paramref name="hidden"/>, <paramref name="hiddenDelta"/> and
    /// <paramref name="logits"/> are the workspace's rows x H, rows x H and rows x Dy buffers.
    /// </summary>
    public static float Run(
        NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
        Span2D<float> inputGradient, Span2D<float> hidden, Span2D<float> hiddenDelta, Span2D<float> logits, Span<float> packing)
    {
        int rows = data.Height;
        int inputs = d.Inputs;
        int units = d.Hidden;
        int classes = d.Outputs;
        nint dataStride = MatrixMemory.RowStride(data);
        float cost;
        fixed (float* x = &data.DangerousGetReference())
        fixed (float* p = parameters)
        fixed (float* g = gradient)
        fixed (float* h = &hidden.DangerousGetReference())
        fixed (float* delta = &hiddenDelta.DangerousGetReference())
        fixed (float* z = &logits.DangerousGetReference())
        fixed (float* scratch = packing)
        {
            float* w1 = p + NetworkDimensions.HiddenWeightsOffset;
            float* w2 = p + d.OutputWeightsOffset;

            // h = sigmoid(X W1 + b1)
            MatrixProduct.DirectThen(
                x, dataStride, Operand.AsIs, w1, units, Operand.AsIs, h, units, rows, units, inputs, scratch,
                new EpilogueArguments(ProductEpilogue.AddBiasThenSigmoid, p + d.HiddenBiasOffset, null, 0));

            // z = h W2 + b2
            MatrixProduct.DirectThen(
                h, units, Operand.AsIs, w2, classes, Operand.AsIs, z, classes, rows, classes, units, scratch,
                new EpilogueArguments(ProductEpilogue.AddBias, p + d.OutputBiasOffset, null, 0));

            // J and dZ2 = (softmax(z) - Y) / N, written over z
            cost = CrossEntropy.FromLogitsCore<float>(logits, labels, logits);

            // dW2 = h^T dZ2, db2 = column sums of dZ2
            DirectGemm.Multiply(h, units, Operand.Transposed, z, classes, Operand.AsIs, g + d.OutputWeightsOffset, classes, units, classes, rows, 0f, scratch);
            MatrixProduct.FloatColumnSums(z, classes, rows, classes, g + d.OutputBiasOffset);

            // dZ1 = (dZ2 W2^T) * h (1 - h)
            MatrixProduct.DirectThen(
                z, classes, Operand.AsIs, w2, classes, Operand.Transposed, delta, units, rows, units, classes, scratch,
                new EpilogueArguments(ProductEpilogue.TimesSigmoidDerivative, null, h, units));

            // dW1 = X^T dZ1, db1 = column sums of dZ1
            DirectGemm.Multiply(x, dataStride, Operand.Transposed, delta, units, Operand.AsIs, g + NetworkDimensions.HiddenWeightsOffset, units, inputs, units, rows, 0f, scratch);
            MatrixProduct.FloatColumnSums(delta, units, rows, units, g + d.HiddenBiasOffset);

            // dX = dZ1 W1^T
            if (!inputGradient.IsEmpty)
            {
                fixed (float* dx = &inputGradient.DangerousGetReference())
                {
                    DirectGemm.Multiply(
                        delta, units, Operand.AsIs, w1, units, Operand.Transposed, dx, MatrixMemory.RowStride((ReadOnlySpan2D<float>)inputGradient), rows, inputs,
                        units, 0f, scratch);
                }
            }
        }

        return cost;
    }
}
