using CommunityToolkit.HighPerformance;

namespace Nn.Span.Tests;

/// <summary>
/// The float accuracy sweep behind docs/accuracy.md: softmax, log-softmax and the fused loss and gradient on
/// logits drawn from [-100, 100] and [-10, 10], rows of 10 and 1000, against double references of the same
/// float inputs. u = 2^-24. Bounds (derived in SoftmaxTests and CrossEntropyTests):
/// softmax y_i within (|z_i - m| + n + 16) u y_i + 4 * 2^-149 (the last term for results below float's normal range): the rounding of z_i - m (up to u |z_i - m|) moves e^(z_i - m) by
/// that much relatively; the exponential, the sum of n terms and the scaling add n + 16 more;
/// log-softmax within (|z_i - m| + |log S| + |y_i| + n + 16) u absolutely;
/// gradient (y_i - [i = label]) / N within the softmax bound scaled by 1/N plus 3 u max(|g_i|, 1/N);
/// the mean loss within (|m| + |log S| + |z_label| + |l| + n + 16) u per row, plus (N + 2) u sum |l| / N.
/// </summary>
public sealed class AccuracySweepTests
{
    private const double U = 1.0 / (1 << 24);

    // Below float's smallest normal (2^-126) results are spaced 2^-149 apart, and below 2^-150 they round to 0:
    // the exponential's 1.5 ulp and the scaling's rounding there come to at most 4 * 2^-149 absolutely.
    private const double SubnormalSlack = 4 * float.Epsilon;

    [Theory]
    [InlineData(100.0, 10, 2000)]
    [InlineData(100.0, 1000, 40)]
    [InlineData(10.0, 10, 2000)]
    [InlineData(10.0, 1000, 40)]
    public void Float_softmax_log_softmax_and_fused_loss_hold_their_bounds_over_the_sweep(double spread, int classes, int rows)
    {
        var random = new Random(2026 + classes);
        float[] logits = new float[rows * classes];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = (float)(((random.NextDouble() * 2) - 1) * spread);
        }

        int[] labels = [.. Enumerable.Range(0, rows).Select(_ => random.Next(classes))];
        float[] softmax = new float[logits.Length];
        float[] logSoftmax = new float[logits.Length];
        float[] gradient = new float[logits.Length];
        var view = new ReadOnlySpan2D<float>(logits, rows, classes);
        Softmax.Rows(view, new Span2D<float>(softmax, rows, classes));
        Softmax.LogRows(view, new Span2D<float>(logSoftmax, rows, classes));
        float loss = CrossEntropy.FromLogits(view, labels, new Span2D<float>(gradient, rows, classes));

        double exactLoss = 0, lossBound = 0, absoluteLossSum = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> z = logits.AsSpan(r * classes, classes);
            double max = double.NegativeInfinity;
            foreach (float value in z)
            {
                max = Math.Max(max, value);
            }

            double sum = 0;
            foreach (float value in z)
            {
                sum += Math.Exp(value - max);
            }

            double logSum = Math.Log(sum);
            double rowLoss = max + logSum - z[labels[r]];
            exactLoss += rowLoss / rows;
            absoluteLossSum += Math.Abs(rowLoss);
            lossBound += (Math.Abs(max) + Math.Abs(logSum) + Math.Abs(z[labels[r]]) + Math.Abs(rowLoss) + classes + 16) * U / rows;
            for (int i = 0; i < classes; i++)
            {
                int at = (r * classes) + i;
                double shift = Math.Abs(z[i] - max);
                double y = Math.Exp(z[i] - max) / sum;
                double softmaxBound = ((shift + classes + 16) * U * y) + SubnormalSlack;
                Assert.True(Math.Abs(softmax[at] - y) <= softmaxBound, $"softmax row {r} column {i}: {softmax[at]} against {y}");

                double logY = z[i] - max - logSum;
                double logBound = (shift + Math.Abs(logSum) + Math.Abs(logY) + classes + 16) * U;
                Assert.True(Math.Abs(logSoftmax[at] - logY) <= logBound, $"log-softmax row {r} column {i}: {logSoftmax[at]} against {logY}");

                double g = (y - (i == labels[r] ? 1 : 0)) / rows;
                double gradientBound = (softmaxBound / rows) + (3 * U * Math.Max(Math.Abs(g), 1.0 / rows));
                Assert.True(Math.Abs(gradient[at] - g) <= gradientBound, $"gradient row {r} column {i}: {gradient[at]} against {g}");
            }
        }

        lossBound += (rows + 2) * U * absoluteLossSum / rows;
        Assert.True(Math.Abs(loss - exactLoss) <= lossBound, $"loss {loss} against {exactLoss}, bound {lossBound:G3}");
    }
}
