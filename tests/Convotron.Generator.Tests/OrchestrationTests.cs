using System;
using System.Linq;
using Convotron.Generator.Tests.Models;
using Xunit;

namespace Convotron.Generator.Tests;

/// <summary>The runtime's learners run unchanged on generated classes, and learn what they learn on the dynamic model.</summary>
public sealed class OrchestrationTests
{
    [Fact]
    public void Algorithm1AndRefinementRunOnAGeneratedClassAsOnTheDynamicModel()
    {
        var generated = new Net160x16s9();
        var dynamic = new DynamicConvNet(generated.Geometry, generated.Activation);
        var teacher = Teacher.Random(generated.Geometry, generated.Activation, Xoshiro256StarStar.ForStream(5, 0));
        var test = DataSet.Draw(teacher, InputDistribution.Gaussian, 2000, Xoshiro256StarStar.ForStream(5, 3));
        var options = new Algorithm1Options { Seed = 5, EvaluationInterval = 1000 };

        var fromGenerated = Algorithm1.Learn(generated, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 1)), options, new LearnerRun(test));
        var fromDynamic = Algorithm1.Learn(dynamic, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 1)), options, new LearnerRun(test));

        Assert.Equal(fromDynamic.ChosenSign, fromGenerated.ChosenSign);
        Assert.Equal(fromDynamic.SamplesUsed, fromGenerated.SamplesUsed);
        Assert.Equal(fromDynamic.Stage1Curve.Points.Count, fromGenerated.Stage1Curve.Points.Count);
        // The same samples and noise; only the summation order of the kernels differs, so the
        // two runs agree to far better than the algorithm's own error.
        Assert.Equal(fromDynamic.Stage1Angle, fromGenerated.Stage1Angle, 1e-8);
        Assert.True(Metrics.ParameterError(generated.Filter, generated.OutputWeights, dynamic.Filter, dynamic.OutputWeights) < 1e-8);

        var refined = Refinement.Learn(generated, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 2)), new RefinementOptions(), new LearnerRun(test));
        Assert.True(refined.RelativeTestMse < 1e-20, $"refined relative test MSE {refined.RelativeTestMse:E2}");
    }

    [Fact]
    public void ConvotronRecoversTheFilterOnGenerated2DAndLoopedClasses()
    {
        foreach (IConvNet model in new IConvNet[] { new Image28x4s3Leaky(), new Image28x5s2(), new Net4096x64s33() })
        {
            var teacher = Teacher.Random(model.Geometry, model.Activation, new Xoshiro256StarStar(9));
            var result = ConvotronLearner.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(10)),
                new ConvotronOptions { Samples = 10_000, OutputWeights = teacher.OutputWeights.ToArray(), EvaluationInterval = 0 });
            double error = Math.Sqrt(model.Filter.ToArray().Zip(teacher.Filter.ToArray(), (w, s) => (w - s) * (w - s)).Sum() / teacher.Filter.ToArray().Sum(s => s * s));
            Assert.True(error < 1e-8, $"{model.GetType().Name}: relative filter error {error:E2} after {result.SamplesUsed} samples");
        }
    }
}
