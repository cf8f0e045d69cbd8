using System;
using System.Numerics.Tensors;
using System.Threading;
using System.Runtime.CompilerServices;

namespace Convotron;

/// <summary>Options of <see cref="LeastSquaresFinish"/>.</summary>
public sealed class LeastSquaresOptions
{
    /// <summary>The most Levenberg–Marquardt iterations (accepted or rejected steps), at least 1. Default 100.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Stop once the residual sum of squares falls to this fraction of Σ y² (the rows are fitted to
    /// machine precision), in [0, 1). Default 1e−30.
    /// </summary>
    public double Tolerance { get; init; } = 1e-30;

    internal void Validate()
    {
        Guard.AtLeast(MaxIterations, 1);
        if (!(Tolerance >= 0.0 && Tolerance < 1.0))
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be in [0, 1).");
    }
}

/// <summary>The result of <see cref="LeastSquaresFinish.Run"/>.</summary>
/// <param name="Rows">The training rows the objective sums over.</param>
/// <param name="InitialMse">The training mean squared error of the model as given.</param>
/// <param name="FinalMse">The training mean squared error of the model returned (never above <paramref name="InitialMse"/>).</param>
/// <param name="Iterations">Levenberg–Marquardt iterations done (accepted and rejected steps).</param>
/// <param name="Converged">
/// Whether the finish stopped at a stationary point of the training objective (the Gauss–Newton
/// step predicts a relative decrease below 1e−10, or no step decreases it at any damping) or at
/// the tolerance, rather than at the iteration budget.
/// </param>
public sealed record LeastSquaresResult(int Rows, double InitialMse, double FinalMse, int Iterations, bool Converged);

/// <summary>
/// A statistically efficient finish for any learner: nonlinear least squares on (w, a) over the
/// stored training rows, by variable projection (a is the exact least-squares solution for the
/// current w) and Levenberg–Marquardt steps on w with Kaufman's reduced Jacobian. Under Gaussian
/// label noise the least-squares estimate is the maximum-likelihood one, whose excess error
/// approaches σ²(r + k − 1)/n; on noiseless data Gauss–Newton converges quadratically to machine
/// precision. Steps are accepted only when they lower the training objective, and the model as
/// given is kept when nothing does, so the finish never ends worse than it started.
/// </summary>
/// <remarks>
/// It is a local method: started far from a good minimum it finds the nearest one. Start it from
/// a learner's result (Algorithm 1, Convotron) or use <see cref="JointLearner"/>, which adds
/// restarts and shift moves. w is kept at unit norm (σ is positively homogeneous, so the scale
/// moves into a). One evaluation costs two passes over the rows, O(n·(k·r + k²)).
/// </remarks>
public static class LeastSquaresFinish
{
    /// <summary>Finishes <paramref name="model"/> in place on the rows of <paramref name="train"/>.</summary>
    /// <param name="model">The model to finish (w and a are read as the start and overwritten by the result).</param>
    /// <param name="train">The training rows.</param>
    /// <param name="options">Iteration budget and tolerance; null for the defaults.</param>
    /// <param name="cancellationToken">Stops between iterations (the best model so far is kept).</param>
    /// <exception cref="ArgumentException">The data set's input size is not the model's d, or an option is out of range.</exception>
    public static LeastSquaresResult Run<TModel>(TModel model, DataSet train, LeastSquaresOptions? options = null, CancellationToken cancellationToken = default)
        where TModel : class, IConvNet
    {
        options ??= new LeastSquaresOptions();
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        Guard.Length(train.InputSize, model.Geometry.InputSize, "d");
        options.Validate();
        using var problem = new VariableProjection(model.Kernel, train, train.Count);
        return Run(model, problem, options.MaxIterations, options.Tolerance, cancellationToken);
    }

    internal static LeastSquaresResult Run(IConvNet model, VariableProjection problem, int maxIterations, double tolerance, CancellationToken cancellationToken)
    {
        int rows = problem.Rows;
        double initial = SumOfSquares(model, problem);
        var w = model.Filter.ToArray();
        var a = new double[model.Geometry.PatchCount];
        double loss = Descend(problem, w, a, maxIterations, tolerance, cancellationToken, out int iterations, out bool converged);
        if (loss < initial || !double.IsFinite(initial))
        {
            w.CopyTo(model.Filter);
            a.CopyTo(model.OutputWeights);
        }
        else
        {
            loss = initial;
        }
        return new LeastSquaresResult(rows, initial / rows, loss / rows, iterations, converged);
    }

    /// <summary>Σ (f(x_i) − y_i)² of the model as it is over the problem's rows.</summary>
    internal static double SumOfSquares(IConvNet model, VariableProjection problem) =>
        problem.SumOfSquares(model.Filter, model.OutputWeights);

    /// <summary>
    /// Levenberg–Marquardt on the variable-projection loss from w (normalised in place); leaves the
    /// best w (unit norm) and its a*(w) in <paramref name="w"/> and <paramref name="a"/> and returns
    /// its residual sum of squares (NaN when w gives no finite fit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Descend(VariableProjection problem, double[] w, double[] a, int maxIterations, double tolerance,
        CancellationToken cancellationToken, out int iterations, out bool converged)
    {
        int r = w.Length;
        iterations = 0;
        converged = false;
        if (!Normalize(w))
            return double.NaN;
        var normal = new double[r * r];
        var gradient = new double[r];
        double loss = problem.Evaluate(w, a, normal, gradient);
        if (!double.IsFinite(loss))
            return double.NaN;
        var trialW = new double[r];
        var trialA = new double[a.Length];
        var trialNormal = new double[r * r];
        var trialGradient = new double[r];
        double target = tolerance * problem.LabelSquares;
        double lambda = 1e-3;
        while (iterations < maxIterations)
        {
            if (loss <= target)
            {
                converged = true;
                break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (!Step(normal, gradient, lambda, w, trialW, out double predicted))
            {
                lambda *= 10.0;
                if (lambda > 1e16)
                {
                    converged = true;
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
                converged = true;
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
                if (stalled)
                {
                    converged = true;
                    break;
                }
            }
            else
            {
                lambda *= 8.0;
                if (lambda > 1e16)
                {
                    converged = true;
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
