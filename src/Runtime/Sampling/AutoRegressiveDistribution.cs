using System;
using System.Globalization;

namespace Convotron;

public abstract partial class InputDistribution
{
    private const string AutoRegressivePrefix = "ar1:";

    /// <summary>
    /// A stationary Gaussian AR(1) sequence, the simplest input law with non-identity covariance
    /// (Du &amp; Goel, Section 4.2): x_0 ~ N(0, 1), x_i = ρ x_{i−1} + √(1 − ρ²) ε_i, so every
    /// coordinate has variance 1 and Cov(x_i, x_j) = ρ^|i−j|; the law is symmetric.
    /// </summary>
    /// <remarks>
    /// Used through <see cref="Teacher.Stream"/> (which calls <see cref="ForGeometry"/>), the sequence
    /// follows the geometry: along t within each channel of a 1D geometry, separably along rows
    /// and columns of each plane of a 2D geometry (Cov = ρ^(|Δrow| + |Δcol|)); channels are
    /// independent. Used directly, <see cref="Sample"/> treats the span as one sequence. Its
    /// <see cref="Name"/> is <c>ar1:RHO</c>, which <see cref="FromName"/> reads back.
    /// </remarks>
    /// <param name="rho">The lag-one correlation ρ, with |ρ| &lt; 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rho"/> is not in (−1, 1).</exception>
    public static InputDistribution AutoRegressive(double rho)
    {
        if (!(Math.Abs(rho) < 1.0))
            throw new ArgumentOutOfRangeException(nameof(rho), rho, "The AR(1) correlation rho must lie in (-1, 1).");
        return new AutoRegressiveDistribution(rho, channels: 1, height: 1, width: 0);
    }

    /// <summary>
    /// This distribution as it draws inputs of <paramref name="geometry"/>: itself for laws with
    /// independent coordinates; for <see cref="AutoRegressive"/>, the sequence laid along the
    /// geometry's channels, rows and columns.
    /// </summary>
    public virtual InputDistribution ForGeometry(PatchGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return this;
    }

    /// <summary>
    /// The covariance Σ_x (d × d) of the inputs this distribution draws for <paramref name="geometry"/>:
    /// the identity for the built-in laws with independent coordinates (and for
    /// <see cref="Symmetrized"/>, which assumes E[X²] = 1), ρ^|i−j| laid along the geometry for
    /// <see cref="AutoRegressive"/>.
    /// </summary>
    public double[,] Covariance(PatchGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        int d = geometry.InputSize;
        var covariance = new double[d, d];
        InputDistribution shaped = ForGeometry(geometry);
        if (shaped is AutoRegressiveDistribution ar)
        {
            ar.FillCovariance(covariance);
        }
        else
        {
            for (int i = 0; i < d; i++)
                covariance[i, i] = 1.0;
        }
        return covariance;
    }

    private static AutoRegressiveDistribution ParseAutoRegressive(string text, string parameter)
    {
        string value = text[AutoRegressivePrefix.Length..].Trim();
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double rho) || !(Math.Abs(rho) < 1.0))
            throw new ArgumentException($"Input distribution '{text}': RHO in ar1:RHO must be a number in (-1, 1); got '{value}'.", parameter);
        return new AutoRegressiveDistribution(rho, channels: 1, height: 1, width: 0);
    }

    /// <summary>
    /// AR(1) over channels × height × width, channel-major and row-major: within a plane, the
    /// recursion along each row, then along each column (width 0: the whole span is one sequence).
    /// </summary>
    private sealed class AutoRegressiveDistribution : InputDistribution
    {
        private readonly double _rho;
        private readonly double _innovation;
        private readonly int _channels, _height, _width;

        public AutoRegressiveDistribution(double rho, int channels, int height, int width)
        {
            _rho = rho;
            _innovation = Math.Sqrt(1.0 - rho * rho);
            _channels = channels;
            _height = height;
            _width = width;
        }

        public override string Name => AutoRegressivePrefix + _rho.ToString("R", CultureInfo.InvariantCulture);

        public override InputDistribution ForGeometry(PatchGeometry geometry)
        {
            ArgumentNullException.ThrowIfNull(geometry);
            return geometry switch
            {
                { Shape1D: { } line } => new AutoRegressiveDistribution(_rho, line.Channels, 1, line.Length),
                { Shape2D: { } image } => new AutoRegressiveDistribution(_rho, image.Channels, image.Height, image.Width),
                _ => new AutoRegressiveDistribution(_rho, 1, 1, geometry.InputSize),
            };
        }

        public override void Sample(Xoshiro256StarStar random, Span<double> destination)
        {
            Gaussian.Sample(random, destination);
            (int channels, int height, int width) = Shape(destination.Length);
            int plane = height * width;
            double rho = _rho, innovation = _innovation;
            for (int c = 0; c < channels; c++)
            {
                Span<double> x = destination.Slice(c * plane, plane);
                // Along each row: x[i, j] = ρ x[i, j−1] + √(1−ρ²) ε; then along each column the same
                // map. The result is (L_h ⊗ L_w) ε with L L^T = [ρ^|i−j|], so Cov = ρ^(|Δrow| + |Δcol|).
                for (int i = 0; i < height; i++)
                {
                    int row = i * width;
                    for (int j = 1; j < width; j++)
                        x[row + j] = rho * x[row + j - 1] + innovation * x[row + j];
                }
                for (int i = 1; i < height; i++)
                {
                    int row = i * width;
                    for (int j = 0; j < width; j++)
                        x[row + j] = rho * x[row - width + j] + innovation * x[row + j];
                }
            }
        }

        public void FillCovariance(double[,] covariance)
        {
            int d = covariance.GetLength(0);
            (int channels, int height, int width) = Shape(d);
            int plane = height * width;
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++)
                    for (int q = 0; q < plane; q++)
                    {
                        int lag = Math.Abs(p / width - q / width) + Math.Abs(p % width - q % width);
                        covariance[c * plane + p, c * plane + q] = Math.Pow(_rho, lag);
                    }
        }

        public override bool Equals(object? obj) =>
            obj is AutoRegressiveDistribution other && other._rho.Equals(_rho)
            && other._channels == _channels && other._height == _height && other._width == _width;

        public override int GetHashCode() => HashCode.Combine(_rho, _channels, _height, _width);

        private (int Channels, int Height, int Width) Shape(int length)
        {
            if (_width == 0)
                return (1, 1, length);
            int expected = _channels * _height * _width;
            if (length != expected)
                throw new ArgumentException($"Input distribution {Name} was laid out for {_channels} × {_height} × {_width} = {expected} inputs; the destination has {length}.", "destination");
            return (_channels, _height, _width);
        }
    }
}
