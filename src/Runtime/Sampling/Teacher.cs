using System;

namespace Convotron;

/// <summary>
/// A teacher network (w*, a*) that labels inputs: y = f(x; w*, a*) + ε with optional zero-mean
/// Gaussian label noise ε ~ N(0, <see cref="LabelNoise"/>²).
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class Teacher
{
    private readonly DynamicConvNet _network;
    private readonly double[] _filter;
    private readonly double[] _outputWeights;

    /// <summary>A teacher with the given parameters (copied).</summary>
    /// <param name="geometry">The patch geometry.</param>
    /// <param name="activation">The activation σ.</param>
    /// <param name="filter">w*, length r, finite.</param>
    /// <param name="outputWeights">a*, length k, finite.</param>
    /// <param name="labelNoise">The standard deviation of the zero-mean Gaussian label noise, finite and ≥ 0.</param>
    public Teacher(PatchGeometry geometry, Activation activation, ReadOnlySpan<double> filter, ReadOnlySpan<double> outputWeights, double labelNoise = 0.0)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Guard.AllFinite(filter);
        Guard.AllFinite(outputWeights);
        if (!(labelNoise >= 0.0 && double.IsFinite(labelNoise)))
            throw new ArgumentOutOfRangeException(nameof(labelNoise), labelNoise, "labelNoise must be finite and at least 0.");
        _network = new DynamicConvNet(geometry, activation, filter, outputWeights);
        _filter = filter.ToArray();
        _outputWeights = outputWeights.ToArray();
        LabelNoise = labelNoise;
    }

    /// <summary>The papers' random teacher: w* and a* with independent N(0, 1) entries.</summary>
    /// <param name="geometry">The patch geometry.</param>
    /// <param name="activation">The activation σ.</param>
    /// <param name="random">Where w* and a* are drawn from.</param>
    /// <param name="labelNoise">The standard deviation of the label noise, ≥ 0.</param>
    public static Teacher Random(PatchGeometry geometry, Activation activation, Xoshiro256StarStar random, double labelNoise = 0.0)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(random);
        var w = new double[geometry.FilterSize];
        var a = new double[geometry.PatchCount];
        InputDistribution.Gaussian.Sample(random, w);
        InputDistribution.Gaussian.Sample(random, a);
        return new Teacher(geometry, activation, w, a, labelNoise);
    }

    /// <summary>The patch geometry.</summary>
    public PatchGeometry Geometry => _network.Geometry;

    /// <summary>The activation σ.</summary>
    public Activation Activation => _network.Activation;

    /// <summary>w*.</summary>
    public ReadOnlySpan<double> Filter => _filter;

    /// <summary>a*.</summary>
    public ReadOnlySpan<double> OutputWeights => _outputWeights;

    /// <summary>The standard deviation of the label noise.</summary>
    public double LabelNoise { get; }

    /// <summary>f(x; w*, a*), without noise.</summary>
    public double Predict(ReadOnlySpan<double> x) => _network.Predict(x);

    /// <summary>f(x; w*, a*) + ε; draws ε from <paramref name="random"/> only when <see cref="LabelNoise"/> &gt; 0.</summary>
    public double Label(ReadOnlySpan<double> x, Xoshiro256StarStar random)
    {
        double y = _network.Predict(x);
        if (LabelNoise > 0.0)
        {
            ArgumentNullException.ThrowIfNull(random);
            y += LabelNoise * Ziggurat.Next(ref random._state);
        }
        return y;
    }

    /// <summary>A model of <paramref name="model"/>'s kind is compared to this teacher by ‖w aᵀ − w* a*ᵀ‖_F / ‖w* a*ᵀ‖_F.</summary>
    public double ParameterError(IConvNet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Metrics.ParameterError(model.Filter, model.OutputWeights, _filter, _outputWeights);
    }

    /// <summary>
    /// The stream of labelled samples x ~ <paramref name="inputs"/> (laid along the geometry, see
    /// <see cref="InputDistribution.ForGeometry"/>), y = f*(x) + ε, drawn from <paramref name="random"/>.
    /// </summary>
    public ISampleSource Stream(InputDistribution inputs, Xoshiro256StarStar random) => new TeacherStream(this, inputs, random);

    private sealed class TeacherStream : ISampleSource
    {
        private readonly Teacher _teacher;
        private readonly InputDistribution _inputs;
        private readonly Xoshiro256StarStar _random;

        public TeacherStream(Teacher teacher, InputDistribution inputs, Xoshiro256StarStar random)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(random);
            _teacher = teacher;
            _inputs = inputs.ForGeometry(teacher.Geometry);
            _random = random;
        }

        public int InputSize => _teacher.Geometry.InputSize;

        public Teacher? Teacher => _teacher;

        public double Next(Span<double> x)
        {
            Guard.Length(x.Length, InputSize, "d");
            _inputs.Sample(_random, x);
            return _teacher.Label(x, _random);
        }
    }
}
