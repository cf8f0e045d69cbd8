using System;
using System.Collections.Generic;

namespace Convotron;

/// <summary>A stage of <see cref="ConvNetFit"/>, after which the fit records its errors.</summary>
public enum FitStage
{
    /// <summary>The untrained model (no first start: the geometry has no non-overlapping part).</summary>
    Start,

    /// <summary>After Algorithm 1 (the first start).</summary>
    Algorithm1,

    /// <summary>After Convotron along one patch (the first start, <see cref="FitOptions.UpdatePatch"/>).</summary>
    ConvotronAlongPatch,

    /// <summary>After the joint search with one Levenberg–Marquardt iteration on the training rows (<see cref="FitOptions.Finish"/> false).</summary>
    JointSearch,

    /// <summary>After the joint search and the least-squares finish.</summary>
    LeastSquaresFinish,

    /// <summary>The first start's model kept, because it was better on the validation rows than the finish's.</summary>
    KeptFirstStart,
}

/// <summary>Why the fit centred the inputs or not.</summary>
public enum CentringReason
{
    /// <summary>Whitening was asked for (<see cref="FitOptions.Whiten"/>): centred.</summary>
    Whitened,

    /// <summary>Centring was ruled out (<see cref="FitCentring.Never"/>).</summary>
    NotAllowed,

    /// <summary>The input mean is zero within sampling error (χ² ≤ threshold): not centred, since centring could only cost accuracy.</summary>
    MeanIsZero,

    /// <summary>The input mean is not zero (χ² &gt; threshold): fitted with and without centring, the better on the validation rows kept.</summary>
    MeanIsNotZero,
}

/// <summary>
/// The χ² test of a zero input mean on the training rows and what the fit made of it:
/// χ² = Σ_c n·mean_c²/var_c against the 0.999 quantile of χ²_d (Wilson–Hilferty).
/// </summary>
/// <param name="Reason">Why the candidates were chosen.</param>
/// <param name="ChiSquare">The statistic.</param>
/// <param name="Threshold">The 0.999 quantile of χ²_d.</param>
/// <param name="InputSize">d, the degrees of freedom.</param>
public sealed record CentringDecision(CentringReason Reason, double ChiSquare, double Threshold, int InputSize);

/// <summary>The errors after one stage: relative MSE (MSE / Var y) on the training and the validation rows.</summary>
public readonly record struct FitCurvePoint(FitStage Stage, double TrainRelativeMse, double ValidationRelativeMse);

/// <summary>A stage finished (reported while <see cref="ConvNetFit"/> runs).</summary>
/// <param name="Centred">Whether this attempt centres the inputs.</param>
/// <param name="Point">The stage and its errors (for the last stage: the errors of the model kept).</param>
/// <param name="Warning">Set when the stage's learner diverged and the fit went on from its last finite state: what happened.</param>
public sealed record FitProgress(bool Centred, FitCurvePoint Point, string? Warning = null);

/// <summary>One fit of the data under one preprocessing.</summary>
/// <param name="Centred">Whether the inputs were centred.</param>
/// <param name="Preprocessing">The preprocessing fitted on the training rows.</param>
/// <param name="Model">The model (on preprocessed inputs and labels).</param>
/// <param name="FirstStart">The first start's stage: <see cref="FitStage.Algorithm1"/>, <see cref="FitStage.ConvotronAlongPatch"/> or <see cref="FitStage.Start"/> (none).</param>
/// <param name="FirstStartStep">The normalised step μ of Convotron along one patch (1/k), else NaN.</param>
/// <param name="Joint">The joint learner's result (starts, search rows, shift moves, the finish).</param>
/// <param name="FinishRows">The training rows the joint learner and its finish used.</param>
/// <param name="KeptFirstStart">Whether the first start's model was kept, being better on the validation rows.</param>
/// <param name="Curve">The errors after each stage, first start first.</param>
/// <param name="TrainMse">The model's training MSE (preprocessed labels).</param>
/// <param name="TrainLabelVariance">Var y of the preprocessed training labels.</param>
public sealed record FitAttempt(bool Centred, Preprocessing Preprocessing, IConvNet Model, FitStage FirstStart, double FirstStartStep,
    JointLearnerResult Joint, int FinishRows, bool KeptFirstStart, IReadOnlyList<FitCurvePoint> Curve, double TrainMse, double TrainLabelVariance)
{
    /// <summary>The validation relative MSE of the model (the last stage's).</summary>
    public double ValidationRelativeMse => Curve[^1].ValidationRelativeMse;

    /// <summary>The training relative MSE of the model (the last stage's).</summary>
    public double TrainRelativeMse => Curve[^1].TrainRelativeMse;
}

/// <summary>What <see cref="ConvNetFit"/> learned and how.</summary>
/// <param name="Best">The attempt kept (the better on the validation rows).</param>
/// <param name="Attempts">Every attempt, in the order run (not centred first).</param>
/// <param name="Centring">The χ² test and the reason for the attempts.</param>
/// <param name="TrainRows">Rows trained on (the first of the shuffled rows).</param>
/// <param name="ValidationRows">Rows held out.</param>
/// <param name="NoiseVariance">The label noise variance the training residuals imply, MSE·n/(n − (r + k − 1)) (preprocessed labels).</param>
/// <param name="StatisticalLimit">σ²(r + k − 1)/(n·Var y): the excess relative error of least squares with the right model on the n training rows.</param>
/// <param name="NonFinite">The model's weights are not finite (the fit overflowed): it cannot predict.</param>
/// <param name="Failed">The model is no better than predicting the mean (validation relative MSE ≥ 1 or not finite), or <paramref name="NonFinite"/>.</param>
public sealed record FitReport(FitAttempt Best, IReadOnlyList<FitAttempt> Attempts, CentringDecision Centring, int TrainRows, int ValidationRows,
    double NoiseVariance, double StatisticalLimit, bool NonFinite, bool Failed)
{
    /// <summary>The learned model (on preprocessed inputs; <see cref="Preprocessing"/> maps raw data to it).</summary>
    public IConvNet Model => Best.Model;

    /// <summary>The preprocessing of the kept attempt.</summary>
    public Preprocessing Preprocessing => Best.Preprocessing;

    /// <summary>Whether the kept attempt centred the inputs.</summary>
    public bool Centred => Best.Centred;

    /// <summary>The per-stage errors of the kept attempt.</summary>
    public IReadOnlyList<FitCurvePoint> Curve => Best.Curve;

    /// <summary>The kept model's validation relative MSE.</summary>
    public double ValidationRelativeMse => Best.ValidationRelativeMse;

    /// <summary>The prediction for one raw input row (preprocessed, predicted, mapped back to the labels' units).</summary>
    /// <param name="x">d raw inputs.</param>
    public double Predict(ReadOnlySpan<double> x)
    {
        var inputs = new double[Model.Geometry.InputSize];
        Preprocessing.TransformInput(x, inputs);
        return Preprocessing.InverseTransformLabel(Model.Predict(inputs));
    }
}
