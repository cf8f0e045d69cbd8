using System;
using System.Linq;
using Convotron.Generator.Tests.Models;
using Xunit;

namespace Convotron.Generator.Tests;

/// <summary>
/// Convotron along one disjoint patch (ConvotronOptions.UpdatePatch) on generated models: the
/// learner composes the step from the model's Predict and its filter, so a generated model and
/// DynamicConvNet take the same steps and both recover w*.
/// </summary>
public sealed class UpdatePatchTests
{
    [Theory]
    [InlineData("1d 160,16,16 linear")]   // s = r: every patch is disjoint
    [InlineData("1d s>r")]
    [InlineData("1d r=d")]                // one patch
    public void Generated_and_dynamic_models_take_the_same_single_patch_steps(string name)
    {
        EquivalenceTests.Case c = EquivalenceTests.Cases.Single(x => x.Name == name);
        var teacher = Teacher.Random(c.Geometry, c.Activation, Xoshiro256StarStar.ForStream(3, 0));
        double[] a = teacher.OutputWeights.ToArray();
        // The rate scales with a_j²/‖a‖² (docs/EXPERIMENTS.md): update along the patch with the largest |a_j|.
        int patch = Array.IndexOf(a, a.MaxBy(Math.Abs));
        Assert.True(c.Geometry.IsDisjoint(patch));
        var options = new ConvotronOptions
        {
            Samples = 20_000, OutputWeights = a, UpdatePatch = patch, EvaluationInterval = 0,
            Step = StepSize.Normalized(a[patch] * a[patch] / a.Sum(v => v * v)),
        };
        IConvNet generated = c.Create();
        var dynamic = new DynamicConvNet(c.Geometry, c.Activation);
        ConvotronLearner.Learn(generated, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(3, 1)), options);
        ConvotronLearner.Learn(dynamic, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(3, 1)), options);
        double norm = Math.Sqrt(teacher.Filter.ToArray().Sum(v => v * v));
        double gap = 0, error = 0;
        for (int t = 0; t < c.Geometry.FilterSize; t++)
        {
            gap = Math.Max(gap, Math.Abs(generated.Filter[t] - dynamic.Filter[t]));
            error += (generated.Filter[t] - teacher.Filter[t]) * (generated.Filter[t] - teacher.Filter[t]);
        }
        Assert.True(gap <= 1e-12 * norm, $"generated and dynamic filters differ by {gap}");
        Assert.True(Math.Sqrt(error) <= 1e-8 * norm, $"‖w − w*‖/‖w*‖ = {Math.Sqrt(error) / norm}");
    }

    [Fact]
    public void A_generated_model_refuses_an_overlapping_patch()
    {
        var model = new Net160x16s9();
        var teacher = Teacher.Random(model.Geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        var e = Assert.Throws<ArgumentException>(() => ConvotronLearner.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(2)),
            new ConvotronOptions { UpdatePatch = 5 }));
        Assert.Equal("UpdatePatch", e.ParamName);
    }
}
