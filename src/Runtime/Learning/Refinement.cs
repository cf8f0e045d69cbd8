using System;
using System.Threading;
using MathNet.Numerics.LinearAlgebra;

namespace Convotron;

/// <summary>Options of <see cref="Refinement"/>.</summary>
public sealed class RefinementOptions
{
    /// <summary>The most fresh samples refinement may draw, at least 1. Default 100,000.</summary>
    public long Samples { get; init; } = 100_000;

    /// <summary>Samples per least-squares solve for a; 0 (default) picks 2k + 8.</summary>
    public int LeastSquaresBatch { get; init; }

    /// <summary>Normalised Convotron steps on w between two solves for a; 0 (default) picks 2r.</summary>
    public int ConvotronSteps { get; init; }

    /// <summary>The normalised Convotron step μ, in (0, 2). Default 0.5.</summary>
    public double Mu { get; init; } = 0.5;

    /// <summary>
    /// Stop once a least-squares batch's mean squared residual falls below this fraction of its
    /// mean squared label (the model fits to machine precision); 0 never stops early. Default 1e−26.
    /// </summary>
    public double Tolerance { get; init; } = 1e-26;

    /// <summary>Samples between test-error evaluations (when a test set is given); 0 evaluates only at the ends. Default 5,000.</summary>
    public long EvaluationInterval { get; init; } = 5_000;

    internal void Validate()
    {
        Guard.AtLeast(Samples, 1);
        Guard.AtLeast(EvaluationInterval, 0);
        Guard.AtLeast(LeastSquaresBatch, 0);
        Guard.AtLeast(ConvotronSteps, 0);
        if (!(Mu > 0.0 && Mu < 2.0))
            throw new ArgumentOutOfRangeException(nameof(Mu), Mu, "Mu must be in (0, 2); (0, 1] is recommended.");
        if (!(Tolerance >= 0.0 && double.IsFinite(Tolerance)))
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be finite and at least 0.");
    }
}

/// <summary>The result of <see cref="Refinement.Run"/>.</summary>
/// <param name="SamplesUsed">Fresh samples drawn.</param>
/// <param name="Rounds">Least-squares solves done.</param>
/// <param name="TestError">Test MSE after each round (empty without a test set).</param>
/// <param name="TestMse">Final test MSE (NaN without a test set).</param>
/// <param name="RelativeTestMse">Final test MSE / Var(y) (NaN without a test set).</param>
public sealed record RefinementResult(long SamplesUsed, int Rounds, LearningCurve TestError, double TestMse, double RelativeTestMse);

/// <summary>
/// Refinement to machine precision, beyond the papers: given w the model is linear in a
/// (f = a · σ(P(x)ᵀ w)), so a is solved exactly by least squares on a small fresh batch, then
/// normalised Convotron steps move w with that a fixed; the two alternate. Starting from any
/// Algorithm-1 result it drives the error down by many orders of magnitude.
/// </summary>
/// <remarks>
/// The solves use MathNet.Numerics, whose managed provider runs parallel loops of its own; a
/// program that already runs learners in parallel should call
/// <c>MathNet.Numerics.Control.UseSingleThread()</c> once (the CLI does: it doubled sweep
/// throughput on two cores).
/// </remarks>
public static class Refinement
{
    internal static ArgumentException NonFiniteSample(string stage, long step) => new(
        $"The sample source produced a non-finite input or label at sample {step} of {stage}; every input coordinate and label must be finite.",
        "source");

    /// <summary>Refines <paramref name="model"/> in place with fresh samples from <paramref name="source"/>.</summary>
    /// <param name="model">A model whose w already points roughly the right way (e.g. after Algorithm 1).</param>
    /// <param name="source">Fresh training samples.</param>
    /// <param name="options">Budget, batch sizes, μ, tolerance.</param>
    /// <param name="testSet">Optional test set for the curve and final error.</param>
    /// <param name="progress">Optional progress reports, one per round.</param>
    /// <param name="cancellationToken">Stops between rounds.</param>
    /// <exception cref="LearningDivergedException">w or a stopped being finite.</exception>
    public static RefinementResult Run<TModel>(TModel model, ISampleSource source, RefinementOptions options,
        DataSet? testSet = null, IProgress<LearningProgress>? progress = null, CancellationToken cancellationToken = default)
        where TModel : class, IConvNet
    {
        PatchGeometry geometry = LearnerArguments.Check(model, source, options, testSet);
        options.Validate();
        int d = geometry.InputSize, k = geometry.PatchCount, r = geometry.FilterSize;
        int batch = options.LeastSquaresBatch > 0 ? options.LeastSquaresBatch : 2 * k + 8;
        int steps = options.ConvotronSteps > 0 ? options.ConvotronSteps : 2 * r;

        const string stage = "refinement";
        var curve = new LearningCurve("refinement_test_mse");
        var watch = new DivergenceWatch(model, stage);
        Matrix<double> hidden = Matrix<double>.Build.Dense(batch, k);
        Vector<double> labels = Vector<double>.Build.Dense(batch);
        var row = new double[k];
        var x = new double[d];
        long used = 0, nextEvaluation = 0;
        int rounds = 0;
        Evaluate();
        while (used + batch <= options.Samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // a ← argmin ‖H a − y‖² with H_ij = σ(w · P_j x_i), by QR (MathNet).
            double labelSquares = 0.0;
            for (int i = 0; i < batch; i++)
            {
                labels[i] = source.Next(x);
                labelSquares += labels[i] * labels[i];
                model.HiddenActivations(x, row);
                bool finite = double.IsFinite(labels[i]);
                for (int j = 0; j < k; j++)
                {
                    hidden[i, j] = row[j];
                    finite &= double.IsFinite(row[j]);
                }
                if (!finite)
                    throw NonFiniteSample(stage, used + i + 1);
            }
            used += batch;
            Vector<double> a = hidden.QR().Solve(labels);
            bool solved = true;
            for (int j = 0; j < k; j++)
                solved &= double.IsFinite(a[j]);
            // A rank-deficient batch (e.g. a dead hidden unit) gives no usable a: keep the old one.
            if (solved)
            {
                for (int j = 0; j < k; j++)
                    model.OutputWeights[j] = a[j];
            }
            rounds++;
            watch.CheckParameters(used);
            double residual = (hidden * a - labels).L2Norm();
            if (options.EvaluationInterval > 0 && used >= nextEvaluation)
                Evaluate();
            if (solved && residual * residual <= options.Tolerance * labelSquares)
                break;

            for (int n = 0; n < steps && used < options.Samples; n++)
            {
                double y = source.Next(x);
                used++;
                watch.Check(model.NormalizedConvotronStep(x, y, options.Mu), used);
            }
        }
        watch.CheckParameters(used);
        Evaluate();
        double mse = curve.Last, relative = testSet is null ? double.NaN : Metrics.Relative(mse, testSet);
        return new RefinementResult(used, rounds, curve, mse, relative);

        void Evaluate()
        {
            double value = double.NaN;
            if (testSet is not null)
            {
                value = Metrics.MeanSquaredError(model, testSet);
                curve.Add(used, value);
            }
            nextEvaluation = used + Math.Max(1, options.EvaluationInterval);
            progress?.Report(new LearningProgress(stage, used, options.Samples, value));
        }
    }
}
