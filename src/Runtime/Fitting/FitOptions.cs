namespace Convotron;

/// <summary>Whether <see cref="ConvNetFit"/> may centre the inputs.</summary>
public enum FitCentring
{
    /// <summary>Decided on the data: not when the input mean is zero within sampling error (χ² test), otherwise both are fitted and the better on the validation rows is kept.</summary>
    Auto,

    /// <summary>Never centre (only the global scale).</summary>
    Never,
}

/// <summary>
/// The settings of <see cref="ConvNetFit.Fit(IConvNet, System.ReadOnlySpan{double}, System.ReadOnlySpan{double}, FitOptions?, System.IProgress{FitProgress}?, System.Threading.CancellationToken)"/>;
/// the defaults are those of <c>convotron fit</c>. Start from a preset and change what you need with <c>with</c>:
/// <c>FitOptions.Default with { Seed = 7, ValidationFraction = 0.1 }</c>.
/// </summary>
public sealed record FitOptions
{
    /// <summary>The defaults (<c>convotron fit</c>'s).</summary>
    public static FitOptions Default => new();

    /// <summary>A quick fit: the joint search and one Levenberg–Marquardt iteration on all training rows, no full least-squares finish (<c>--no-refine</c>).</summary>
    public static FitOptions Quick => new() { Finish = false };

    /// <summary>Full whitening instead of centring and one global scale (breaks weight sharing: the learned filter may not mean what you expect).</summary>
    public static FitOptions Whitened => new() { Whiten = true };

    /// <summary>Fraction of the rows held out for validation, in (0, 1). Default 0.2.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Most Levenberg–Marquardt iterations of the least-squares finish, at least 1. Default 100.</summary>
    public int FinishIterations { get; init; } = 100;

    /// <summary>Whether to run the least-squares finish (false: one Levenberg–Marquardt iteration). Default true.</summary>
    public bool Finish { get; init; } = true;

    /// <summary>Training rows the least-squares finish sums over (the first ones; at most all), more than r + k − 1. Default all.</summary>
    public long FinishRows { get; init; } = long.MaxValue;

    /// <summary>Steps of each Algorithm-1 stage (T1 = T2), or of Convotron along <see cref="UpdatePatch"/>, at least 1. Default 10,000.</summary>
    public long StageSteps { get; init; } = 10_000;

    /// <summary>Whether the inputs may be centred. Default <see cref="FitCentring.Auto"/>; ignored when <see cref="Whiten"/>.</summary>
    public FitCentring Centring { get; init; } = FitCentring.Auto;

    /// <summary>Centre and whiten the inputs (Σ^(-1/2)) instead of one global scale. Default false.</summary>
    public bool Whiten { get; init; }

    /// <summary>
    /// Learn w first by Convotron along patch J only (average pooling a; J must overlap no other patch)
    /// instead of Algorithm 1. Default null: Algorithm 1 where the geometry has a non-overlapping part,
    /// else the joint learner's own random starts.
    /// </summary>
    public int? UpdatePatch { get; init; }

    /// <summary>The seed of the shuffle, the first start and the joint learner's starts (<see cref="RandomStreams"/>). Default 1.</summary>
    public ulong Seed { get; init; } = 1;
}
