using System;
using System.Numerics.Tensors;

namespace Convotron;

/// <summary>
/// How raw inputs and labels are mapped before the network sees them, as fitted on a user's
/// data: x' = W (x − μ) / scale (W the optional whitening matrix, else the identity) and
/// y' = (y − labelMean) / labelScale; predictions map back as y = labelMean + labelScale·f(x').
/// Centring and one global scale keep the convolutional structure; full whitening does not
/// (docs/ALGORITHMS.md, "Preprocessing of a user's data"), which is why it is opt-in.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class Preprocessing
{
    private readonly double[] _inputMean;
    private readonly double[]? _whitening;

    /// <summary>Creates a preprocessing (arrays copied, values checked finite).</summary>
    /// <param name="inputMean">μ, length d.</param>
    /// <param name="inputScale">The global input scale, finite and &gt; 0.</param>
    /// <param name="labelMean">The label mean subtracted.</param>
    /// <param name="labelScale">The label scale divided by, finite and &gt; 0.</param>
    /// <param name="whitening">Optional d × d row-major whitening matrix W.</param>
    public Preprocessing(ReadOnlySpan<double> inputMean, double inputScale, double labelMean, double labelScale, ReadOnlySpan<double> whitening = default)
    {
        if (inputMean.IsEmpty)
            throw new ArgumentException("inputMean must have length d ≥ 1; got 0.", nameof(inputMean));
        Guard.AllFinite(inputMean);
        Guard.PositiveFinite(inputScale);
        Guard.PositiveFinite(labelScale);
        if (!double.IsFinite(labelMean))
            throw new ArgumentOutOfRangeException(nameof(labelMean), labelMean, "labelMean must be finite.");
        if (!whitening.IsEmpty)
        {
            Guard.Length(whitening.Length, inputMean.Length * inputMean.Length, "d²");
            Guard.AllFinite(whitening);
            _whitening = whitening.ToArray();
        }
        _inputMean = inputMean.ToArray();
        InputScale = inputScale;
        LabelMean = labelMean;
        LabelScale = labelScale;
    }

    /// <summary>The identity preprocessing for inputs of size d.</summary>
    public static Preprocessing Identity(int inputSize)
    {
        Guard.AtLeast(inputSize, 1);
        return new Preprocessing(new double[inputSize], 1.0, 0.0, 1.0);
    }

    /// <summary>μ, length d.</summary>
    public ReadOnlySpan<double> InputMean => _inputMean;

    /// <summary>The global input scale.</summary>
    public double InputScale { get; }

    /// <summary>The label mean.</summary>
    public double LabelMean { get; }

    /// <summary>The label scale.</summary>
    public double LabelScale { get; }

    /// <summary>The whitening matrix W (d × d, row-major), empty when not whitened.</summary>
    public ReadOnlySpan<double> Whitening => _whitening;

    /// <summary>Whether full whitening is applied.</summary>
    public bool IsWhitened => _whitening is not null;

    /// <summary>Writes x' for a raw input <paramref name="x"/> into <paramref name="destination"/> (both length d).</summary>
    public void TransformInput(ReadOnlySpan<double> x, Span<double> destination)
    {
        int d = _inputMean.Length;
        Guard.Length(x.Length, d, "d");
        Guard.Length(destination.Length, d, "d");
        // Element-wise vector operations: the same bits as the scalar (x − mean) / scale on every width.
        if (_whitening is null)
        {
            TensorPrimitives.Subtract(x, _inputMean, destination);
            TensorPrimitives.Divide(destination, InputScale, destination);
            return;
        }
        Span<double> centred = d <= 1024 ? stackalloc double[d] : new double[d];
        TensorPrimitives.Subtract(x, _inputMean, centred);
        TensorPrimitives.Divide(centred, InputScale, centred);
        for (int i = 0; i < d; i++)
            destination[i] = VectorMath.Dot(_whitening.AsSpan(i * d, d), centred);
    }

    /// <summary>y' = (y − labelMean) / labelScale.</summary>
    public double TransformLabel(double y) => (y - LabelMean) / LabelScale;

    /// <summary>y = labelMean + labelScale · f.</summary>
    public double InverseTransformLabel(double prediction) => LabelMean + LabelScale * prediction;
}
