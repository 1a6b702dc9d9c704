using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The two-layer network written as plain scalar loops in double (section 1 of the design), together with a
/// first-order bound on the rounding error of any implementation that evaluates the same formulas, in units of the
/// unit roundoff u.
/// </summary>
/// <remarks>
/// How the bounds are built (every quantity q carries E_q, its error in units of u; |.| is elementwise):
/// <list type="bullet">
/// <item>A sum of K products, in any order and with or without FMA, errs by at most K u sum |terms| (Higham's
/// gamma_K to first order); an error E_a in an operand adds sum E_a |b|. A bias added after the product is one more
/// term and one more rounding: K + 1.</item>
/// <item>h = sigmoid(z1): the library's sigmoid is within 6u |h| (the bound ActivationsTests checks), and an error in
/// z1 moves h by h (1 - h) times as much.</item>
/// <item>Softmax: within (|z_i - m| + Dy + 20) u p_i of the exact softmax of the computed logits (the bounds of the
/// softmax and cross-entropy tests); an error of at most D in every logit of a row moves p_i by at most 2 D p_i and
/// the row loss log-sum-exp(z) - z[label] by at most 2 D.</item>
/// <item>Row loss m + log S - z[label]: (|m| + |log S| + |z[label]| + |l| + Dy + 16) u (the cross-entropy tests'
/// bound); the mean of N rows adds (N + 2) u times the sum of the magnitudes of what is summed, the row losses or,
/// in the float short-row path, their parts z[label] - m and log S, each divided by N.</item>
/// <item>dZ2 = (p - y) / N: the error of p, plus two roundings of the scale p, one of the subtraction and one of
/// 1/N itself. dZ1 = dH h (1 - h): three roundings (4u |dZ1| allowed, as in the sigmoid tests), plus the errors of
/// dH and h carried through (d/dh of h (1 - h) is 1 - 2h).</item>
/// </list>
/// The double reference itself obeys the same bounds with u = 2^-53, so an implementation in T agrees with it within
/// (u_T + 2^-53) E. Second-order terms (products of two roundings) are below K u = 1e-5 relative for the sizes
/// tested; <see cref="Units{T}"/> adds a 1% margin for them.
/// </remarks>
internal sealed class NetworkReference
{
    public NetworkReference(NetworkProblem problem)
    {
        NetworkDimensions d = problem.Dimensions;
        int batch = problem.Batch, inputs = d.Inputs, hidden = d.Hidden, outputs = d.Outputs;
        double[] x = problem.Data;
        double[] p = problem.Parameters;
        int b1 = d.HiddenBiasOffset, w2 = d.OutputWeightsOffset, b2 = d.OutputBiasOffset;

        Hidden = new double[batch * hidden];
        Logits = new double[batch * outputs];
        Probabilities = new double[batch * outputs];
        LogitsBound = new double[batch * outputs];
        ProbabilitiesBound = new double[batch * outputs];
        Gradient = new double[p.Length];
        GradientBound = new double[p.Length];
        InputGradient = new double[batch * inputs];
        InputGradientBound = new double[batch * inputs];
        double[] hiddenBound = new double[batch * hidden];
        double[] dz2 = new double[batch * outputs];
        double[] dz2Bound = new double[batch * outputs];
        double[] dz1 = new double[batch * hidden];
        double[] dz1Bound = new double[batch * hidden];

        for (int n = 0; n < batch; n++)
        {
            // h = sigmoid(x W1 + b1)
            for (int j = 0; j < hidden; j++)
            {
                double z = p[b1 + j], magnitude = Math.Abs(p[b1 + j]);
                for (int k = 0; k < inputs; k++)
                {
                    z += x[(n * inputs) + k] * p[(k * hidden) + j];
                    magnitude += Math.Abs(x[(n * inputs) + k] * p[(k * hidden) + j]);
                }

                double h = Sigmoid(z);
                Hidden[(n * hidden) + j] = h;
                hiddenBound[(n * hidden) + j] = (h * (1 - h) * (inputs + 1) * magnitude) + (6 * h);
            }

            // z = h W2 + b2
            for (int i = 0; i < outputs; i++)
            {
                double z = p[b2 + i], magnitude = Math.Abs(p[b2 + i]), carried = 0;
                for (int j = 0; j < hidden; j++)
                {
                    double weight = p[w2 + (j * outputs) + i];
                    z += Hidden[(n * hidden) + j] * weight;
                    magnitude += Math.Abs(Hidden[(n * hidden) + j] * weight);
                    carried += hiddenBound[(n * hidden) + j] * Math.Abs(weight);
                }

                Logits[(n * outputs) + i] = z;
                LogitsBound[(n * outputs) + i] = ((hidden + 1) * magnitude) + carried;
            }

            // yhat = softmax(z); loss = m + log S - z[label]; dZ2 = (yhat - y) / N
            ReadOnlySpan<double> logits = Logits.AsSpan(n * outputs, outputs);
            double max = Max(logits);
            double logSum = Math.Log(ShiftedSum(logits, max));
            double shift = LogitsBound.AsSpan(n * outputs, outputs).ToArray().Max();
            double[] softmax = Softmax(logits);
            int label = problem.Labels[n];
            for (int i = 0; i < outputs; i++)
            {
                double probability = softmax[i];
                double target = i == label ? 1 : 0;
                double probabilityBound = probability * ((2 * shift) + Math.Abs(logits[i] - max) + outputs + 20);
                Probabilities[(n * outputs) + i] = probability;
                ProbabilitiesBound[(n * outputs) + i] = probabilityBound;
                dz2[(n * outputs) + i] = (probability - target) / batch;
                dz2Bound[(n * outputs) + i] = (probabilityBound + (2 * probability) + Math.Abs(probability - target) + target) / batch;
            }

            double loss = max + logSum - logits[label];
            Cost += loss / batch;
            CostBound += ((2 * shift) + Math.Abs(max) + Math.Abs(logSum) + Math.Abs(logits[label]) + Math.Abs(loss) + outputs + 16) / batch;
            CostBound += (batch + 2) * (Math.Abs(loss) + Math.Abs(logits[label] - max) + Math.Abs(logSum)) / batch;
        }

        for (int n = 0; n < batch; n++)
        {
            // dH = dZ2 W2^T; dZ1 = dH h (1 - h)
            for (int j = 0; j < hidden; j++)
            {
                double dh = 0, magnitude = 0, carried = 0;
                for (int i = 0; i < outputs; i++)
                {
                    double weight = p[w2 + (j * outputs) + i];
                    dh += dz2[(n * outputs) + i] * weight;
                    magnitude += Math.Abs(dz2[(n * outputs) + i] * weight);
                    carried += dz2Bound[(n * outputs) + i] * Math.Abs(weight);
                }

                double h = Hidden[(n * hidden) + j];
                double dhBound = (outputs * magnitude) + carried;
                double delta = dh * h * (1 - h);
                dz1[(n * hidden) + j] = delta;
                dz1Bound[(n * hidden) + j] = (dhBound * h * (1 - h)) + (Math.Abs(dh) * Math.Abs(1 - (2 * h)) * hiddenBound[(n * hidden) + j]) + (4 * Math.Abs(delta));
            }

            // dX = dZ1 W1^T
            for (int k = 0; k < inputs; k++)
            {
                double sum = 0, magnitude = 0, carried = 0;
                for (int j = 0; j < hidden; j++)
                {
                    double weight = p[(k * hidden) + j];
                    sum += dz1[(n * hidden) + j] * weight;
                    magnitude += Math.Abs(dz1[(n * hidden) + j] * weight);
                    carried += dz1Bound[(n * hidden) + j] * Math.Abs(weight);
                }

                InputGradient[(n * inputs) + k] = sum;
                InputGradientBound[(n * inputs) + k] = (hidden * magnitude) + carried;
            }
        }

        // dW1 = X^T dZ1, db1 = column sums of dZ1, dW2 = h^T dZ2, db2 = column sums of dZ2
        ColumnProducts(x, null, dz1, dz1Bound, batch, inputs, hidden, Gradient, GradientBound, NetworkDimensions.HiddenWeightsOffset);
        ColumnProducts(null, null, dz1, dz1Bound, batch, 1, hidden, Gradient, GradientBound, b1);
        ColumnProducts(Hidden, hiddenBound, dz2, dz2Bound, batch, hidden, outputs, Gradient, GradientBound, w2);
        ColumnProducts(null, null, dz2, dz2Bound, batch, 1, outputs, Gradient, GradientBound, b2);
    }

    /// <summary>h, N x H.</summary>
    public double[] Hidden { get; }

    /// <summary>z = h W2 + b2, N x Dy.</summary>
    public double[] Logits { get; }

    /// <summary>yhat, N x Dy.</summary>
    public double[] Probabilities { get; }

    /// <summary>J, the mean cross-entropy.</summary>
    public double Cost { get; }

    /// <summary>dJ/dparameters in the flat layout.</summary>
    public double[] Gradient { get; }

    /// <summary>dJ/dX, N x Dx.</summary>
    public double[] InputGradient { get; }

    public double[] LogitsBound { get; }

    public double[] ProbabilitiesBound { get; }

    public double CostBound { get; }

    public double[] GradientBound { get; }

    public double[] InputGradientBound { get; }

    /// <summary>The size of one unit of the bounds when T is compared with this double reference, with a 1% margin for second-order terms.</summary>
    public static double Units<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        1.01 * (UnitRoundoff<T>() + UnitRoundoff<double>());

    /// <summary>
    /// result[offset + r * columns + c] = sum_n left[n, r] right[n, c] (left = 1 when null), with its bound
    /// N sum |terms| + sum (E_left |right| + |left| E_right).
    /// </summary>
    private static void ColumnProducts(double[]? left, double[]? leftBound, double[] right, double[] rightBound, int batch, int rows, int columns, double[] result, double[] bound, int offset)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double sum = 0, magnitude = 0, carried = 0;
                for (int n = 0; n < batch; n++)
                {
                    double a = left is null ? 1 : left[(n * rows) + r];
                    double aBound = leftBound is null ? 0 : leftBound[(n * rows) + r];
                    double b = right[(n * columns) + c];
                    sum += a * b;
                    magnitude += Math.Abs(a * b);
                    carried += (aBound * Math.Abs(b)) + (Math.Abs(a) * rightBound[(n * columns) + c]);
                }

                result[offset + (r * columns) + c] = sum;
                bound[offset + (r * columns) + c] = (batch * magnitude) + carried;
            }
        }
    }
}
