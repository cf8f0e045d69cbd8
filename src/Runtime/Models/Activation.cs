using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Convotron;

/// <summary>
/// The piecewise-linear activation σ(z) = z for z ≥ 0 and α·z for z &lt; 0, with α in [0, 1]:
/// ReLU is α = 0 (and <c>default(Activation)</c>), leaky ReLU 0 &lt; α &lt; 1, linear α = 1.
/// Immutable and safe to share between threads.
/// </summary>
public readonly struct Activation : IEquatable<Activation>
{
    private Activation(double alpha) => Alpha = alpha;

    /// <summary>The negative-side slope α, in [0, 1].</summary>
    public double Alpha { get; }

    /// <summary>σ(z) = max(z, 0).</summary>
    public static Activation ReLU => default;

    /// <summary>σ(z) = z.</summary>
    public static Activation Linear => new(1.0);

    /// <summary>σ(z) = z for z ≥ 0, α·z otherwise.</summary>
    /// <param name="alpha">The negative-side slope, in [0, 1] (0 is ReLU, 1 is linear).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside [0, 1] or NaN.</exception>
    public static Activation Leaky(double alpha)
    {
        if (!(alpha >= 0.0 && alpha <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The activation slope alpha must be in [0, 1] (0 is ReLU, 1 is linear).");
        // Normalise -0.0 so that equal slopes are equal activations bit for bit.
        return new Activation(alpha + 0.0);
    }

    /// <summary>σ(z).</summary>
    /// <remarks>
    /// max(z, α·z) for α in [0, 1] is z ≥ 0 ? z : α·z bit for bit (the rounded α·z never exceeds a
    /// non-negative z and is never below a negative one; ±0 and NaN come out the same) except at
    /// z = +∞ with α = 0, where 0·∞ makes it NaN: it stays a non-finite value either way. Written
    /// as a max it compiles without a branch: on fresh inputs the sign of z is a coin flip, and a
    /// compare-and-branch mispredicted about half the time (docs/PERFORMANCE.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Apply(double z) => Math.Max(z, Alpha * z);

    /// <summary>σ'(z) as the SGD baseline uses it: 1 for z &gt; 0, α otherwise (so α at z = 0 and at NaN).</summary>
    /// <remarks>
    /// A compare and a select in a vector register rather than a compare and a branch: on fresh inputs the sign of z
    /// is a coin flip, which a branch mispredicts about half the time (docs/PERFORMANCE.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Derivative(double z) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(Vector128.CreateScalarUnsafe(z), Vector128<double>.Zero),
            Vector128.CreateScalarUnsafe(1.0), Vector128.CreateScalarUnsafe(Alpha)).ToScalar();

    /// <summary>Du &amp; Goel's stage-1 factor c = 2 / (1 + α), which makes the Double Convotron updates unbiased.</summary>
    public double UnbiasingFactor => 2.0 / (1.0 + Alpha);

    /// <inheritdoc/>
    public bool Equals(Activation other) => Alpha.Equals(other.Alpha);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Activation other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Alpha.GetHashCode();

    /// <summary>"relu", "linear" or "leaky(α)" with α round-trippable.</summary>
    public override string ToString() => Alpha switch
    {
        0.0 => "relu",
        1.0 => "linear",
        _ => string.Create(CultureInfo.InvariantCulture, $"leaky({Alpha:R})"),
    };

    /// <summary>Equality of slopes.</summary>
    public static bool operator ==(Activation left, Activation right) => left.Equals(right);

    /// <summary>Inequality of slopes.</summary>
    public static bool operator !=(Activation left, Activation right) => !left.Equals(right);
}
