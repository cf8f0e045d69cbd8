using System;
using MathNet.Numerics.LinearAlgebra;

namespace Convotron;

/// <summary>
/// How well-conditioned a patch structure is for given output weights a and input covariance
/// Σ_x: the extreme eigenvalues of Σ_{i,j} a_i a_j P_i Σ_x P_jᵀ = Q Σ_x Qᵀ with Q = Σ_j a_j P_j
/// (an r × d matrix; Σ_x = I unless a covariance is given). Convotron's guarantee needs
/// λ_min &gt; 0; its convergence rate scales with λ_min / λ_max.
/// </summary>
public sealed class GeometryReport
{
    private GeometryReport(PatchGeometry geometry, double minEigenvalue, double maxEigenvalue, double outputNorm2,
                           double inputMinEigenvalue, double inputMaxEigenvalue, bool identityCovariance)
    {
        Geometry = geometry;
        MinEigenvalue = minEigenvalue;
        MaxEigenvalue = maxEigenvalue;
        OutputWeightsNorm2 = outputNorm2;
        InputCovarianceMinEigenvalue = inputMinEigenvalue;
        InputCovarianceMaxEigenvalue = inputMaxEigenvalue;
        int r = geometry.FilterSize / geometry.Channels, k = geometry.PatchCount;
        // Du & Goel's bound holds for strided 1D patches with s ≥ ⌊r/2⌋ + 1, ‖a‖ = 1 and Σ_x = I; scale it
        // by ‖a‖². With channels the matrix is one copy of the single-channel one per channel: same eigenvalues.
        if (identityCovariance && geometry.Layout == PatchLayout.Strided1D && geometry.Stride >= r / 2 + 1)
            DuGoelLowerBound = (1.0 - Math.Cos(Math.PI / (k + 1))) * outputNorm2;
    }

    /// <summary>The geometry.</summary>
    public PatchGeometry Geometry { get; }

    /// <summary>λ_min of Σ_{i,j} a_i a_j P_i Σ_x P_jᵀ.</summary>
    public double MinEigenvalue { get; }

    /// <summary>λ_max of Σ_{i,j} a_i a_j P_i Σ_x P_jᵀ.</summary>
    public double MaxEigenvalue { get; }

    /// <summary>λ_min of the input covariance Σ_x (1 for identity covariance).</summary>
    public double InputCovarianceMinEigenvalue { get; }

    /// <summary>λ_max of the input covariance Σ_x (1 for identity covariance).</summary>
    public double InputCovarianceMaxEigenvalue { get; }

    /// <summary>The condition number λ_max / λ_min of Σ_x (∞ when Σ_x is singular).</summary>
    public double InputConditionNumber => InputCovarianceMinEigenvalue > 0.0
        ? InputCovarianceMaxEigenvalue / InputCovarianceMinEigenvalue
        : double.PositiveInfinity;

    /// <summary>‖a‖², the scale of both eigenvalues.</summary>
    public double OutputWeightsNorm2 { get; }

    /// <summary>λ_max / λ_min (∞ when λ_min ≤ 0: degenerate, Convotron's guarantee does not apply).</summary>
    public double ConditionNumber => MinEigenvalue > 0.0 ? MaxEigenvalue / MinEigenvalue : double.PositiveInfinity;

    /// <summary>Du &amp; Goel's lower bound (1 − cos(π/(k+1)))·‖a‖² on λ_min, where it applies (strided 1D, s ≥ ⌊r/2⌋+1, identity covariance); null otherwise.</summary>
    public double? DuGoelLowerBound { get; }

    /// <summary>Input coordinates no patch reads.</summary>
    public int UnreadCoordinates => Geometry.UnreadCoordinates;

    /// <summary>The report for output weights <paramref name="outputWeights"/> (length k) and identity input covariance.</summary>
    public static GeometryReport Compute(PatchGeometry geometry, ReadOnlySpan<double> outputWeights)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Guard.Length(outputWeights.Length, geometry.PatchCount, "k");
        Guard.AllFinite(outputWeights);
        (Matrix<double> q, double norm2) = OutputMatrix(geometry, outputWeights);
        (double min, double max) = Extremes(q * q.Transpose());
        return new GeometryReport(geometry, min, max, norm2, 1.0, 1.0, identityCovariance: true);
    }

    /// <summary>
    /// The report for output weights <paramref name="outputWeights"/> (length k) and the input
    /// covariance of <paramref name="inputs"/> on this geometry (<see cref="InputDistribution.Covariance"/>).
    /// </summary>
    public static GeometryReport Compute(PatchGeometry geometry, ReadOnlySpan<double> outputWeights, InputDistribution inputs)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(inputs);
        return Compute(geometry, outputWeights, inputs.Covariance(geometry));
    }

    /// <summary>
    /// The report for output weights <paramref name="outputWeights"/> (length k) and an input
    /// covariance Σ_x (d × d, symmetric, finite): the eigenvalues of Q Σ_x Qᵀ and of Σ_x.
    /// </summary>
    /// <exception cref="ArgumentException">Σ_x is not d × d, not finite or not symmetric.</exception>
    public static GeometryReport Compute(PatchGeometry geometry, ReadOnlySpan<double> outputWeights, double[,] inputCovariance)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(inputCovariance);
        Guard.Length(outputWeights.Length, geometry.PatchCount, "k");
        Guard.AllFinite(outputWeights);
        int d = geometry.InputSize;
        if (inputCovariance.GetLength(0) != d || inputCovariance.GetLength(1) != d)
            throw new ArgumentException($"The input covariance must be d × d = {d} × {d}; got {inputCovariance.GetLength(0)} × {inputCovariance.GetLength(1)}.", nameof(inputCovariance));
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double u = inputCovariance[i, j], v = inputCovariance[j, i];
                if (!double.IsFinite(u) || Math.Abs(u - v) > 1e-12 * (Math.Abs(u) + Math.Abs(v)))
                    throw new ArgumentException($"The input covariance must be finite and symmetric; entries ({i}, {j}) = {u} and ({j}, {i}) = {v}.", nameof(inputCovariance));
            }
        }
        Matrix<double> sigma = Matrix<double>.Build.DenseOfArray(inputCovariance);
        (Matrix<double> q, double norm2) = OutputMatrix(geometry, outputWeights);
        (double min, double max) = Extremes(q * sigma * q.Transpose());
        (double inputMin, double inputMax) = Extremes(sigma);
        return new GeometryReport(geometry, min, max, norm2, inputMin, inputMax, identityCovariance: false);
    }

    private static (double Min, double Max) Extremes(Matrix<double> symmetric)
    {
        Vector<double> eigenvalues = symmetric.Evd(Symmetricity.Symmetric).EigenValues.Map(z => z.Real);
        return (eigenvalues.Minimum(), eigenvalues.Maximum());
    }

    private static (Matrix<double> Q, double Norm2) OutputMatrix(PatchGeometry geometry, ReadOnlySpan<double> outputWeights)
    {
        int r = geometry.FilterSize, d = geometry.InputSize;
        // M = Q Qᵀ where Q[t, c] = Σ_{j : P_j[t] = c} a_j; accumulate Qᵀ sparsely as a d × r matrix.
        Matrix<double> q = Matrix<double>.Build.Dense(r, d);
        double norm2 = 0.0;
        for (int j = 0; j < geometry.PatchCount; j++)
        {
            norm2 += outputWeights[j] * outputWeights[j];
            ReadOnlySpan<int> patch = geometry.Patch(j);
            for (int t = 0; t < r; t++)
                q[t, patch[t]] += outputWeights[j];
        }
        return (q, norm2);
    }

    /// <summary>The report for average pooling, a_j = 1/k.</summary>
    public static GeometryReport ForAveragePooling(PatchGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var a = new double[geometry.PatchCount];
        Array.Fill(a, 1.0 / a.Length);
        return Compute(geometry, a);
    }
}
