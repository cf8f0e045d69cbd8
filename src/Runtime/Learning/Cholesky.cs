using System;
using System.Runtime.CompilerServices;

namespace Convotron;

/// <summary>
/// Cholesky factorisation and solves of small dense symmetric positive-definite matrices (row-major
/// spans), for the normal equations of <see cref="VariableProjection"/> and the Levenberg–Marquardt
/// steps of <see cref="LeastSquaresFinish"/>: called a few hundred times per fit on k × k and r × r
/// matrices, where a general matrix library's per-call allocations and set-up cost more than the
/// arithmetic. Every sum runs in a fixed order, so results are bit-identical across runs.
/// </summary>
internal static class Cholesky
{
    /// <summary>
    /// Factors the n × n matrix in place into its lower-triangular factor L (A = L Lᵀ; the upper
    /// triangle is left as it was and never read by <see cref="Solve"/>). False when a pivot is not
    /// positive and finite (A is not numerically positive definite).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryFactor(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            ReadOnlySpan<double> rowJ = a.Slice(j * n, j);
            double pivot = a[j * n + j] - VectorMath.Dot(rowJ, rowJ);
            if (!(pivot > 0.0 && double.IsFinite(pivot)))
                return false;
            double diagonal = Math.Sqrt(pivot);
            a[j * n + j] = diagonal;
            for (int i = j + 1; i < n; i++)
            {
                double value = a[i * n + j] - VectorMath.Dot(a.Slice(i * n, j), rowJ);
                a[i * n + j] = value / diagonal;
            }
        }
        return true;
    }

    /// <summary>Solves L Lᵀ x = b with the factor of <see cref="TryFactor"/>; <paramref name="x"/> may be <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Solve(ReadOnlySpan<double> factor, int n, ReadOnlySpan<double> b, Span<double> x)
    {
        b.CopyTo(x);
        for (int i = 0; i < n; i++)
            x[i] = (x[i] - VectorMath.Dot(factor.Slice(i * n, i), x[..i])) / factor[i * n + i];
        for (int i = n - 1; i >= 0; i--)
        {
            double value = x[i];
            for (int m = i + 1; m < n; m++)
                value -= factor[m * n + i] * x[m];
            x[i] = value / factor[i * n + i];
        }
    }
}
