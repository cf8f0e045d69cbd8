using System;
using System.Collections.Generic;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace Convotron.Tests;

/// <summary>The kernels behind the least-squares finish: the small Cholesky solver and one variable-projection evaluation against a direct solve.</summary>
public class VariableProjectionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(145)]
    public void Cholesky_solves_symmetric_positive_definite_systems(int n)
    {
        var random = Xoshiro256StarStar.ForStream((ulong)n, 0);
        var b = new double[n * (n + 3)];
        InputDistribution.Gaussian.Sample(random, b);
        // A = BᵀB/m + I·1e-3: well conditioned, dense.
        Matrix<double> bm = Matrix<double>.Build.Dense(n + 3, n, (i, j) => b[i * n + j]);
        Matrix<double> a = bm.TransposeThisAndMultiply(bm) / (n + 3) + Matrix<double>.Build.DenseIdentity(n) * 1e-3;
        var rhs = new double[n];
        InputDistribution.Gaussian.Sample(random, rhs);
        double[] factor = a.ToRowMajorArray();
        Assert.True(Cholesky.TryFactor(factor, n));
        var x = new double[n];
        Cholesky.Solve(factor, n, rhs, x);
        Vector<double> residual = a * Vector<double>.Build.Dense(x) - Vector<double>.Build.Dense(rhs);
        Assert.True(residual.L2Norm() <= 1e-12 * Vector<double>.Build.Dense(rhs).L2Norm() * a.ConditionNumber(), $"residual {residual.L2Norm():E2}");
    }

    [Fact]
    public void Cholesky_refuses_an_indefinite_matrix()
    {
        double[] indefinite = [1.0, 2.0, 2.0, 1.0];
        Assert.False(Cholesky.TryFactor(indefinite, 2));
        double[] notFinite = [double.NaN, 0.0, 0.0, 1.0];
        Assert.False(Cholesky.TryFactor(notFinite, 2));
    }

    public static IEnumerable<object[]> Geometries() =>
    [
        // Contiguous patches (read as slices of the row) …
        [PatchGeometry.Strided1D(8, 3, 40)],
        // … and gathered ones.
        [PatchGeometry.Strided2D(3, 3, 1, 2, 7, 7)],
    ];

    [Theory]
    [MemberData(nameof(Geometries))]
    public void An_evaluation_is_the_least_squares_solve_for_a_given_filter(PatchGeometry geometry)
    {
        int r = geometry.FilterSize, k = geometry.PatchCount, rows = 400;
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(3, 0));
        var noisy = new Teacher(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights, 0.3);
        DataSet data = DataSet.Draw(noisy, InputDistribution.Gaussian, rows, Xoshiro256StarStar.ForStream(3, 1));
        var w = new double[r];
        InputDistribution.Gaussian.Sample(Xoshiro256StarStar.ForStream(3, 2), w);
        Assert.True(LevenbergMarquardt.Normalize(w));

        // Direct: H_ij = relu(w · P_j x_i), a = argmin ‖y − H a‖ by QR.
        ReadOnlySpan<int> indices = geometry.Indices;
        Matrix<double> h = Matrix<double>.Build.Dense(rows, k);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < k; j++)
            {
                double z = 0.0;
                for (int t = 0; t < r; t++)
                    z += w[t] * data.Input(i)[indices[j * r + t]];
                h[i, j] = Math.Max(z, 0.0);
            }
        Vector<double> y = Vector<double>.Build.Dense(data.Labels.ToArray());
        Vector<double> expectedA = h.QR().Solve(y);
        double expectedLoss = (y - h * expectedA).DotProduct(y - h * expectedA);

        (double Loss, double[] A, double[] Normal, double[] Gradient) Evaluate(long cache)
        {
            using var problem = VariableProjection.Create(new DynamicKernel(geometry, Activation.ReLU), data, rows, cache);
            var a = new double[k];
            var normal = new double[r * r];
            var gradient = new double[r];
            double loss = problem.Evaluate(w, a, normal, gradient);
            return (loss, a, normal, gradient);
        }
        var cached = Evaluate(VariableProjection.DefaultMaxCachedActivations);
        Assert.True(Math.Abs(cached.Loss - expectedLoss) <= 1e-10 * expectedLoss, $"loss {cached.Loss} vs {expectedLoss}");
        Assert.True((Vector<double>.Build.Dense(cached.A) - expectedA).L2Norm() <= 1e-8 * expectedA.L2Norm());
        // The gradient is J_wᵀ r with J_w = Σ_j a_j relu'(z_j) P_j x.
        Vector<double> residual = y - h * Vector<double>.Build.Dense(cached.A);
        for (int t = 0; t < r; t++)
        {
            double g = 0.0;
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < k; j++)
                    if (h[i, j] > 0.0)
                        g += residual[i] * cached.A[j] * data.Input(i)[indices[j * r + t]];
            Assert.True(Math.Abs(cached.Gradient[t] - g) <= 1e-9 * (Math.Abs(g) + residual.L2Norm()), $"gradient[{t}] {cached.Gradient[t]} vs {g}");
        }
        // Recomputing z in the second pass instead of keeping it gives the same bits.
        var recomputed = Evaluate(0);
        Assert.Equal(cached.Loss, recomputed.Loss);
        Assert.Equal(cached.A, recomputed.A);
        Assert.Equal(cached.Normal, recomputed.Normal);
        Assert.Equal(cached.Gradient, recomputed.Gradient);
    }
}
