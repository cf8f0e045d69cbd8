using System;
using System.Globalization;

namespace Convotron;

/// <summary>How a learner scales its steps: a fixed learning rate η, or a normalised step μ.</summary>
public enum StepRule
{
    /// <summary>A fixed learning rate η, as in the papers.</summary>
    Fixed = 0,

    /// <summary>
    /// A per-sample step μ / ‖·‖² (normalised LMS): Convotron uses η_t = μ / ‖Σ_j a_j P_j x_t‖²,
    /// stage 1 uses η_t = μ / (c² (‖v‖² + ‖z‖²)). Stable and scale-free for μ in (0, 1].
    /// </summary>
    Normalized = 1,
}

/// <summary>A step-size choice: <see cref="Fixed"/>(η) or <see cref="Normalized"/>(μ).</summary>
public readonly record struct StepSize
{
    private StepSize(StepRule rule, double value)
    {
        Rule = rule;
        Value = value;
    }

    /// <summary>Fixed or normalised.</summary>
    public StepRule Rule { get; }

    /// <summary>η for a fixed step, μ for a normalised one.</summary>
    public double Value { get; }

    /// <summary>A fixed learning rate η (finite, &gt; 0).</summary>
    public static StepSize Fixed(double learningRate)
    {
        Guard.PositiveFinite(learningRate);
        return new StepSize(StepRule.Fixed, learningRate);
    }

    /// <summary>A normalised step μ (finite, in (0, 2); (0, 1] is the stable, recommended range).</summary>
    public static StepSize Normalized(double mu)
    {
        if (!(mu > 0.0 && mu < 2.0))
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "The normalised step mu must be in (0, 2); (0, 1] is recommended.");
        return new StepSize(StepRule.Normalized, mu);
    }

    /// <summary>A step of either rule without the range check, for single-step calls that pass the value through.</summary>
    internal static StepSize Unchecked(StepRule rule, double value) => new(rule, value);

    /// <summary>"eta=1e-4" or "mu=0.5".</summary>
    public override string ToString() => Rule == StepRule.Fixed
        ? string.Create(CultureInfo.InvariantCulture, $"eta={Value:R}")
        : string.Create(CultureInfo.InvariantCulture, $"mu={Value:R}");

    internal void Validate(string parameter)
    {
        if (!(Value > 0.0 && double.IsFinite(Value)))
            throw new ArgumentException($"{parameter} is not set: use StepSize.Fixed(eta) or StepSize.Normalized(mu).", parameter);
    }
}
