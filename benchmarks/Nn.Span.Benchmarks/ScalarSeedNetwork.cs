using System.Numerics;

namespace Nn.Span.Benchmarks;

/// <summary>
/// The baseline: the seed's math ported to C# the way one would write it first, with loops over
/// rectangular arrays and a new array for every intermediate, as numpy allocates one per expression.
/// Same parameter layout as <see cref="TwoLayerNetwork{T}"/>: W1 (Dx x H), b1, W2 (H x Dy), b2.
/// </summary>
public sealed class ScalarSeedNetwork<T>(NetworkDimensions dimensions)
    where T : IFloatingPointIeee754<T>
{
    private readonly int _inputs = dimensions.Inputs;
    private readonly int _hidden = dimensions.Hidden;
    private readonly int _outputs = dimensions.Outputs;

    /// <summary>The seed's forward_backward_prop: returns the cost and a new gradient array.</summary>
    public (T Cost, T[] Gradient) ForwardBackward(T[,] data, T[,] oneHotLabels, T[] parameters)
    {
        int n = data.GetLength(0);
        (T[,] w1, T[] b1, T[,] w2, T[] b2) = Unpack(parameters);

        // Forward: h = sigmoid(X W1 + b1), yhat = softmax(h W2 + b2).
        T[,] h = Sigmoid(AddRow(MatMul(data, w1), b1));
        T[,] yhat = SoftmaxRows(AddRow(MatMul(h, w2), b2));

        // cost = -sum(y log yhat) / N
        T cost = T.Zero;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < _outputs; j++)
            {
                cost -= oneHotLabels[i, j] * T.Log(yhat[i, j]);
            }
        }

        T batch = T.CreateChecked(n);
        cost /= batch;

        // Backward: dZ2 = (yhat - y) / N; dW2 = h^T dZ2; db2 = colsum dZ2;
        // dZ1 = (dZ2 W2^T) * h (1 - h); dW1 = X^T dZ1; db1 = colsum dZ1.
        var dz2 = new T[n, _outputs];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < _outputs; j++)
            {
                dz2[i, j] = (yhat[i, j] - oneHotLabels[i, j]) / batch;
            }
        }

        T[,] gradW2 = MatMul(Transposed(h), dz2);
        T[] gradB2 = ColumnSums(dz2);
        T[,] dh = MatMul(dz2, Transposed(w2));
        var dz1 = new T[n, _hidden];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < _hidden; j++)
            {
                dz1[i, j] = dh[i, j] * h[i, j] * (T.One - h[i, j]);
            }
        }

        T[,] gradW1 = MatMul(Transposed(data), dz1);
        T[] gradB1 = ColumnSums(dz1);
        return (cost, Pack(gradW1, gradB1, gradW2, gradB2));
    }

    /// <summary>The seed's forward pass alone: a new array of class probabilities.</summary>
    public T[,] Forward(T[,] data, T[] parameters)
    {
        (T[,] w1, T[] b1, T[,] w2, T[] b2) = Unpack(parameters);
        T[,] h = Sigmoid(AddRow(MatMul(data, w1), b1));
        return SoftmaxRows(AddRow(MatMul(h, w2), b2));
    }

    private (T[,] W1, T[] B1, T[,] W2, T[] B2) Unpack(T[] parameters)
    {
        var w1 = new T[_inputs, _hidden];
        var b1 = new T[_hidden];
        var w2 = new T[_hidden, _outputs];
        var b2 = new T[_outputs];
        int offset = 0;
        for (int i = 0; i < _inputs; i++)
        {
            for (int j = 0; j < _hidden; j++)
            {
                w1[i, j] = parameters[offset++];
            }
        }

        for (int j = 0; j < _hidden; j++)
        {
            b1[j] = parameters[offset++];
        }

        for (int i = 0; i < _hidden; i++)
        {
            for (int j = 0; j < _outputs; j++)
            {
                w2[i, j] = parameters[offset++];
            }
        }

        for (int j = 0; j < _outputs; j++)
        {
            b2[j] = parameters[offset++];
        }

        return (w1, b1, w2, b2);
    }

    private static T[] Pack(T[,] w1, T[] b1, T[,] w2, T[] b2)
    {
        var flat = new T[w1.Length + b1.Length + w2.Length + b2.Length];
        int offset = 0;
        foreach (T value in w1)
        {
            flat[offset++] = value;
        }

        foreach (T value in b1)
        {
            flat[offset++] = value;
        }

        foreach (T value in w2)
        {
            flat[offset++] = value;
        }

        foreach (T value in b2)
        {
            flat[offset++] = value;
        }

        return flat;
    }

    // C = A B, the textbook triple loop in i-k-j order.
    private static T[,] MatMul(T[,] a, T[,] b)
    {
        int m = a.GetLength(0), k = a.GetLength(1), n = b.GetLength(1);
        var c = new T[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++)
            {
                T aip = a[i, p];
                for (int j = 0; j < n; j++)
                {
                    c[i, j] += aip * b[p, j];
                }
            }
        }

        return c;
    }

    private static T[,] Transposed(T[,] a)
    {
        var t = new T[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                t[j, i] = a[i, j];
            }
        }

        return t;
    }

    private static T[,] AddRow(T[,] a, T[] row)
    {
        var result = new T[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                result[i, j] = a[i, j] + row[j];
            }
        }

        return result;
    }

    private static T[] ColumnSums(T[,] a)
    {
        var sums = new T[a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                sums[j] += a[i, j];
            }
        }

        return sums;
    }

    // s = 1 / (1 + e^-x)
    private static T[,] Sigmoid(T[,] a)
    {
        var result = new T[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                result[i, j] = T.One / (T.One + T.Exp(-a[i, j]));
            }
        }

        return result;
    }

    // softmax(z)_j = e^(z_j - max z) / sum_k e^(z_k - max z), row by row.
    private static T[,] SoftmaxRows(T[,] a)
    {
        var result = new T[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            T max = T.NegativeInfinity;
            for (int j = 0; j < a.GetLength(1); j++)
            {
                max = T.Max(max, a[i, j]);
            }

            T sum = T.Zero;
            for (int j = 0; j < a.GetLength(1); j++)
            {
                result[i, j] = T.Exp(a[i, j] - max);
                sum += result[i, j];
            }

            for (int j = 0; j < a.GetLength(1); j++)
            {
                result[i, j] /= sum;
            }
        }

        return result;
    }
}
