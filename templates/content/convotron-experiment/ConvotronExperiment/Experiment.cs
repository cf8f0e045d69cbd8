using System;
using System.Globalization;
using Convotron;

namespace ConvotronExperiment;

/// <summary>What one run of the experiment measured.</summary>
/// <param name="Stage1Angle">The angle between a and a* after Double Convotron (radians, sign-free).</param>
/// <param name="Algorithm1RelativeMse">Relative test MSE (test MSE / Var(y)) after Algorithm 1.</param>
/// <param name="RefinedRelativeMse">Relative test MSE after refinement.</param>
/// <param name="ParameterError">‖w aᵀ − w* a*ᵀ‖_F / ‖w* a*ᵀ‖_F after refinement.</param>
/// <param name="SamplesUsed">Training and validation samples drawn by both learners.</param>
public sealed record ExperimentResult(double Stage1Angle, double Algorithm1RelativeMse, double RefinedRelativeMse, double ParameterError, long SamplesUsed)
{
    /// <summary>One line per measure, invariant culture.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"stage-1 angle {Stage1Angle:F4} rad{Environment.NewLine}" +
        $"relative test MSE after Algorithm 1 {Algorithm1RelativeMse:0.000E+00}{Environment.NewLine}" +
        $"relative test MSE after refinement {RefinedRelativeMse:0.000E+00}{Environment.NewLine}" +
        $"parameter error {ParameterError:0.000E+00}{Environment.NewLine}" +
        $"samples used {SamplesUsed:N0}");
}

/// <summary>
/// Du &amp; Goel's Algorithm 1 (paper settings) followed by refinement, on a random teacher of
/// the same geometry: the teacher is seed's stream 0, training 1, refinement 2, test 3, so a seed
/// gives the same numbers on every machine and thread count.
/// </summary>
public static class Experiment
{
    /// <summary>Runs the experiment on <paramref name="model"/> (learned in place).</summary>
    public static ExperimentResult Run(IConvNet model, ulong seed, InputDistribution inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var teacher = Teacher.Random(model.Geometry, model.Activation, Xoshiro256StarStar.ForStream(seed, 0));
        var test = DataSet.Draw(teacher, inputs, count: 10_000, Xoshiro256StarStar.ForStream(seed, 3));
        var options = Algorithm1Options.Paper(inputs);
        var first = Algorithm1.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 1)), options, new LearnerRun(test));
        var refined = Refinement.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 2)), new RefinementOptions(), new LearnerRun(test));
        return new ExperimentResult(first.Stage1Angle, first.RelativeTestMse, refined.RelativeTestMse,
            teacher.ParameterError(model), first.SamplesUsed + refined.SamplesUsed);
    }
}
