using System;
using MathNet.Numerics.LinearAlgebra;

namespace Convotron;

/// <summary>
/// How well-conditioned a patch structure is for given output weights a: the extreme
/// eigenvalues of Σ_{i,j} a_i a_j P_i P_jᵀ = Q Qᵀ with Q = Σ_j a_j P_j (an r × d matrix).
/// Convotron's guarantee needs λ_min &gt; 0; its convergence rate scales with λ_min / λ_max.
/// </summary>
public sealed class GeometryReport
{
    private GeometryReport(PatchGeometry geometry, double minEigenvalue, double maxEigenvalue, double outputNorm2)
    {
        Geometry = geometry;
        MinEigenvalue = minEigenvalue;
        MaxEigenvalue = maxEigenvalue;
        OutputWeightsNorm2 = outputNorm2;
        int r = geometry.FilterSize, k = geometry.PatchCount;
        // Du & Goel's bound holds for strided 1D patches with s ≥ ⌊r/2⌋ + 1 and ‖a‖ = 1; scale it by ‖a‖².
        if (geometry.Layout == PatchLayout.Strided1D && geometry.Stride >= r / 2 + 1)
            DuGoelLowerBound = (1.0 - Math.Cos(Math.PI / (k + 1))) * outputNorm2;
    }

    /// <summary>The geometry.</summary>
    public PatchGeometry Geometry { get; }

    /// <summary>λ_min of Σ_{i,j} a_i a_j P_i P_jᵀ.</summary>
    public double MinEigenvalue { get; }

    /// <summary>λ_max of Σ_{i,j} a_i a_j P_i P_jᵀ.</summary>
    public double MaxEigenvalue { get; }

    /// <summary>‖a‖², the scale of both eigenvalues.</summary>
    public double OutputWeightsNorm2 { get; }

    /// <summary>λ_max / λ_min (∞ when λ_min ≤ 0: degenerate, Convotron's guarantee does not apply).</summary>
    public double ConditionNumber => MinEigenvalue > 0.0 ? MaxEigenvalue / MinEigenvalue : double.PositiveInfinity;

    /// <summary>Du &amp; Goel's lower bound (1 − cos(π/(k+1)))·‖a‖² on λ_min, where it applies (strided 1D, s ≥ ⌊r/2⌋+1); null otherwise.</summary>
    public double? DuGoelLowerBound { get; }

    /// <summary>Input coordinates no patch reads.</summary>
    public int UnreadCoordinates => Geometry.UnreadCoordinates;

    /// <summary>The report for output weights <paramref name="outputWeights"/> (length k).</summary>
    public static GeometryReport Compute(PatchGeometry geometry, ReadOnlySpan<double> outputWeights)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Guard.Length(outputWeights.Length, geometry.PatchCount, "k");
        Guard.AllFinite(outputWeights);
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
        Matrix<double> m = q * q.Transpose();
        Vector<double> eigenvalues = m.Evd(Symmetricity.Symmetric).EigenValues.Map(z => z.Real);
        return new GeometryReport(geometry, eigenvalues.Minimum(), eigenvalues.Maximum(), norm2);
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
