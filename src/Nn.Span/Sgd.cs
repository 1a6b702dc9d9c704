using System.Numerics.Tensors;

namespace Nn.Span;

/// <summary>
/// Stochastic gradient descent steps over a network's flat parameters and gradient (the same layout), plain or
/// with classical momentum. Vectorised, allocation-free, generic over <see cref="float"/> and <see cref="double"/>.
/// </summary>
/// <remarks>
/// <para>Plain step: p = p - lr g, computed as one fused multiply-add per element, fma(g, -lr, p).</para>
/// <para>Momentum step, with a velocity v that the caller keeps between steps (zeros before the first):
/// v = mu v - lr g (rounded as fma(g, -lr, mu v)), then p = p + v.</para>
/// <para>Every argument is checked before anything is written; a rejected call leaves every span untouched.</para>
/// </remarks>
public static class Sgd
{
    /// <summary>One plain step: parameters[i] -= learningRate * gradient[i].</summary>
    /// <param name="parameters">The flat parameters, updated in place.</param>
    /// <param name="gradient">dJ/dparameters, as long as <paramref name="parameters"/>; shares no memory with it.</param>
    /// <param name="learningRate">lr, finite and not negative.</param>
    /// <exception cref="ArgumentException">The lengths differ, or the gradient shares memory with the parameters.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative, infinite or NaN.</exception>
    public static void Step<T>(Span<T> parameters, ReadOnlySpan<T> gradient, T learningRate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.SameLength(gradient.Length, parameters.Length, nameof(gradient), "a gradient as long as the parameters");
        Guard.NoOverlap<T>(parameters, gradient, nameof(gradient), nameof(parameters));
        ValidateLearningRate(learningRate);

        // p = fma(g, -lr, p) = p - lr g
        TensorPrimitives.FusedMultiplyAdd(gradient, -learningRate, parameters, parameters);
    }

    /// <summary>One step with classical momentum: v = momentum v - learningRate g, then p = p + v.</summary>
    /// <param name="parameters">The flat parameters, updated in place.</param>
    /// <param name="gradient">dJ/dparameters, as long as <paramref name="parameters"/>.</param>
    /// <param name="velocity">The velocity v, as long as <paramref name="parameters"/>, kept by the caller between steps
    /// (all zeros before the first step); updated in place.</param>
    /// <param name="learningRate">lr, finite and not negative.</param>
    /// <param name="momentum">mu, in [0, 1); 0 gives the plain step up to one rounding (v then holds -lr g).</param>
    /// <exception cref="ArgumentException">A length differs from the parameters', or two of the spans share memory.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative or not finite, or
    /// <paramref name="momentum"/> is outside [0, 1).</exception>
    public static void Step<T>(Span<T> parameters, ReadOnlySpan<T> gradient, Span<T> velocity, T learningRate, T momentum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.SameLength(gradient.Length, parameters.Length, nameof(gradient), "a gradient as long as the parameters");
        Guard.SameLength(velocity.Length, parameters.Length, nameof(velocity), "a velocity as long as the parameters");
        Guard.NoOverlap<T>(parameters, gradient, nameof(gradient), nameof(parameters));
        Guard.NoOverlap<T>(parameters, velocity, nameof(velocity), nameof(parameters));
        Guard.NoOverlap(gradient, velocity, nameof(velocity), nameof(gradient));
        ValidateLearningRate(learningRate);
        if (!(momentum >= T.Zero && momentum < T.One))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must lie in [0, 1).");
        }

        // v = mu v;  v = fma(g, -lr, v) = mu v - lr g;  p = p + v
        TensorPrimitives.Multiply(velocity, momentum, velocity);
        TensorPrimitives.FusedMultiplyAdd(gradient, -learningRate, velocity, velocity);
        TensorPrimitives.Add(parameters, velocity, parameters);
    }

    private static void ValidateLearningRate<T>(T learningRate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(learningRate >= T.Zero) || !T.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and not negative.");
        }
    }
}
