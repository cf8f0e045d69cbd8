using System;

namespace Convotron;

/// <summary>
/// A symmetric input distribution with identity covariance, the setting of Convotron and of
/// Du &amp; Goel's Algorithm 1. Draws are written into a caller's span from a caller's
/// <see cref="Xoshiro256StarStar"/>, so the same seed gives the same inputs.
/// </summary>
/// <remarks>Instances are immutable and safe to share between threads (the generator is not).</remarks>
public abstract partial class InputDistribution
{
    /// <summary>The standard Gaussian N(0, I).</summary>
    public static InputDistribution Gaussian { get; } = new GaussianDistribution();

    /// <summary>The uniform distribution on [−√3, √3]^d (unit variance per coordinate).</summary>
    public static InputDistribution Uniform { get; } = new UniformDistribution();

    /// <summary>Independent uniform random signs ±1.</summary>
    public static InputDistribution Rademacher { get; } = new RademacherDistribution();

    /// <summary>A short lower-case name: gaussian, uniform, rademacher, or the symmetrised distribution's name.</summary>
    public abstract string Name { get; }

    /// <summary>Writes one draw of each coordinate into <paramref name="destination"/>.</summary>
    public abstract void Sample(Xoshiro256StarStar random, Span<double> destination);

    /// <summary>
    /// Any coordinate distribution made symmetric by a random sign: each coordinate is
    /// ±<paramref name="draw"/>(random) with the sign uniform and independent. For identity
    /// covariance the draw must have second moment 1 (E[X²] = 1); the algorithms assume it.
    /// </summary>
    /// <param name="name">A name for reports.</param>
    /// <param name="draw">Draws one magnitude (any sign; the random sign is applied on top).</param>
    public static InputDistribution Symmetrized(string name, Func<Xoshiro256StarStar, double> draw)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(draw);
        return new SymmetrizedDistribution(name, draw);
    }

    /// <summary>
    /// The named built-in distribution: gaussian, uniform, rademacher, or <c>ar1:RHO</c> for
    /// <see cref="AutoRegressive"/>(RHO) (case-insensitive).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not one of those, or RHO is outside (−1, 1).</exception>
    public static InputDistribution FromName(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "gaussian" or "normal" => Gaussian,
        "uniform" => Uniform,
        "rademacher" => Rademacher,
        string text when text.StartsWith(AutoRegressivePrefix, StringComparison.Ordinal) => ParseAutoRegressive(text, nameof(name)),
        _ => throw new ArgumentException($"Input distribution '{name}' is not known; use gaussian, uniform, rademacher or ar1:RHO with -1 < RHO < 1.", nameof(name)),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;

    private sealed class GaussianDistribution : InputDistribution
    {
        public override string Name => "gaussian";

        public override void Sample(Xoshiro256StarStar random, Span<double> destination)
        {
            ArgumentNullException.ThrowIfNull(random);
            Ziggurat.Fill(random, destination);
        }
    }

    private sealed class UniformDistribution : InputDistribution
    {
        private static readonly double HalfWidth = Math.Sqrt(3.0);

        public override string Name => "uniform";

        public override void Sample(Xoshiro256StarStar random, Span<double> destination)
        {
            ArgumentNullException.ThrowIfNull(random);
            // v in [1, 2) → (v − 1.5)·2h in [−h, h]: the subtraction is exact, the product rounds symmetrically.
            BulkDraws.Uniform(random.BulkLanes, destination, -1.5, 2.0 * HalfWidth);
        }
    }

    private sealed class RademacherDistribution : InputDistribution
    {
        public override string Name => "rademacher";

        public override void Sample(Xoshiro256StarStar random, Span<double> destination)
        {
            // One random bit per coordinate, written branch-free into the sign bit of 1.0.
            ArgumentNullException.ThrowIfNull(random);
            BulkDraws.Rademacher(random.BulkLanes, destination);
        }
    }

    private sealed class SymmetrizedDistribution(string name, Func<Xoshiro256StarStar, double> draw) : InputDistribution
    {
        public override string Name => name;

        public override void Sample(Xoshiro256StarStar random, Span<double> destination)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                double magnitude = draw(random);
                if (!double.IsFinite(magnitude))
                    throw new InvalidOperationException($"The draw function of input distribution '{name}' returned {magnitude}; draws must be finite.");
                destination[i] = (random.NextUInt64() >> 63) == 0 ? magnitude : -magnitude;
            }
        }
    }
}
