using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Convotron;

/// <summary>
/// Levenberg–Marquardt on the variable-projection loss of a <see cref="VariableProjection"/>
/// problem: the local method that <see cref="LeastSquaresFinish"/> and <see cref="JointLearner"/> share.
/// </summary>
internal static class LevenbergMarquardt
{
    /// <summary>
    /// Levenberg–Marquardt on the variable-projection loss from w (normalised in place); leaves the
    /// best w (unit norm) and its a*(w) in <paramref name="w"/> and <paramref name="a"/> and returns
    /// its residual sum of squares (NaN when w gives no finite fit) and in <paramref name="stop"/>
    /// which exit it took: <see cref="StopReason.NoFiniteFit"/>, <see cref="StopReason.ToleranceReached"/>
    /// (loss ≤ tolerance · Σ y²), <see cref="StopReason.Stationary"/> (predicted relative decrease
    /// below 1e−7, or an accepted step's actual one below 1e−9), <see cref="StopReason.NoDescent"/>
    /// (the damping passed 1e16 without a usable step), <see cref="StopReason.IterationLimit"/> or
    /// <see cref="StopReason.Cancelled"/> (checked before each step; w and a are the best so far).
    /// Each accepted step adds (iteration, loss / rows) to <paramref name="curve"/> and reports it
    /// as <paramref name="stage"/> to <paramref name="progress"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Descend(VariableProjection problem, double[] w, double[] a, int maxIterations, double tolerance,
        CancellationToken cancellationToken, out int iterations, out StopReason stop,
        LearningCurve? curve = null, IProgress<LearningProgress>? progress = null, LearningStage stage = LearningStage.Finish)
    {
        int r = w.Length;
        iterations = 0;
        stop = StopReason.NoFiniteFit;
        if (!Normalize(w))
            return double.NaN;
        var normal = new double[r * r];
        var gradient = new double[r];
        double loss = problem.Evaluate(w, a, normal, gradient);
        if (!double.IsFinite(loss))
            return double.NaN;
        curve?.Add(0, loss / problem.Rows);
        var trialW = new double[r];
        var trialA = new double[a.Length];
        var trialNormal = new double[r * r];
        var trialGradient = new double[r];
        double target = tolerance * problem.LabelSquares;
        double lambda = 1e-3;
        stop = StopReason.IterationLimit;
        while (iterations < maxIterations)
        {
            if (loss <= target)
            {
                stop = StopReason.ToleranceReached;
                break;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                stop = StopReason.Cancelled;
                break;
            }
            if (!Step(normal, gradient, lambda, w, trialW, out double predicted))
            {
                lambda *= 10.0;
                if (lambda > 1e16)
                {
                    stop = StopReason.NoDescent;
                    break;
                }
                continue;
            }
            iterations++;
            // The Gauss–Newton model of a piecewise-linear network is exact only up to kinks
            // crossed; a predicted relative gain below 1e−7 is far below any statistical effect
            // (the excess error is ~(r + k)/n of the noise) and, without noise, the loss itself
            // falls quadratically, so the prediction stays of the order of the loss until the tolerance.
            if (predicted <= 1e-7 * loss)
            {
                stop = StopReason.Stationary;
                break;
            }
            double trial = Normalize(trialW) ? problem.Evaluate(trialW, trialA, trialNormal, trialGradient) : double.NaN;
            if (double.IsFinite(trial) && trial < loss)
            {
                trialW.CopyTo(w, 0);
                trialA.CopyTo(a, 0);
                (normal, trialNormal) = (trialNormal, normal);
                (gradient, trialGradient) = (trialGradient, gradient);
                bool stalled = loss - trial <= 1e-9 * loss;
                loss = trial;
                lambda = Math.Max(lambda / 5.0, 1e-12);
                curve?.Add(iterations, loss / problem.Rows);
                progress?.Report(new LearningProgress(stage, iterations, maxIterations, loss / problem.Rows));
                if (stalled)
                {
                    stop = StopReason.Stationary;
                    break;
                }
            }
            else
            {
                lambda *= 8.0;
                if (lambda > 1e16)
                {
                    stop = StopReason.NoDescent;
                    break;
                }
            }
        }
        return loss;
    }

    /// <summary>
    /// The damped Gauss–Newton step (S + λ·diag(S)) δ = g, trial = w + δ; the predicted decrease
    /// of the loss is δᵀ(2g − Sδ).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Step(double[] normal, double[] gradient, double lambda, double[] w, double[] trial, out double predicted)
    {
        int r = w.Length;
        double maxDiagonal = 0.0;
        for (int t = 0; t < r; t++)
            maxDiagonal = Math.Max(maxDiagonal, normal[t * r + t]);
        Span<double> m = r <= 64 ? stackalloc double[r * r] : new double[r * r];
        normal.CopyTo(m);
        for (int t = 0; t < r; t++)
            m[t * r + t] += lambda * Math.Max(normal[t * r + t], 1e-9 * maxDiagonal) + 1e-300;
        predicted = 0.0;
        if (!Cholesky.TryFactor(m, r))
            return false;
        Span<double> delta = r <= 512 ? stackalloc double[r] : new double[r];
        Cholesky.Solve(m, r, gradient, delta);
        for (int t = 0; t < r; t++)
        {
            if (!double.IsFinite(delta[t]))
                return false;
            trial[t] = w[t] + delta[t];
        }
        double linear = 0.0, quadratic = 0.0;
        for (int t = 0; t < r; t++)
        {
            linear += delta[t] * gradient[t];
            double row = 0.0;
            for (int u = 0; u < r; u++)
                row += normal[t * r + u] * delta[u];
            quadratic += delta[t] * row;
        }
        predicted = 2.0 * linear - quadratic;
        return true;
    }

    /// <summary>Scales w to unit norm; false when it is zero or not finite.</summary>
    internal static bool Normalize(Span<double> w)
    {
        double norm = VectorMath.Norm(w);
        if (!(norm > 0.0 && double.IsFinite(norm)))
            return false;
        TensorPrimitives.Divide<double>(w, norm, w);
        return true;
    }
}
