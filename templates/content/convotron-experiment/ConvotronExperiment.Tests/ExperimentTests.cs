using Convotron;
using Xunit;

namespace ConvotronExperiment.Tests;

public sealed class ExperimentTests
{
    /// <summary>
    /// From noiseless labels, Algorithm 1 followed by refinement recovers the teacher: the
    /// refined relative test MSE and the parameter error reach machine-precision levels.
    /// </summary>
    [Fact]
    public void AlgorithmOneThenRefinementRecoversTheTeacher()
    {
        ExperimentResult result = Experiment.Run(new Model(), seed: 1, InputDistribution.Gaussian);
        Assert.True(result.RefinedRelativeMse < 1e-10, $"refined relative test MSE {result.RefinedRelativeMse:E3}");
        Assert.True(result.ParameterError < 1e-5, $"parameter error {result.ParameterError:E3}");
        Assert.True(result.RefinedRelativeMse < result.Algorithm1RelativeMse, "refinement did not improve on Algorithm 1");
    }

    /// <summary>The same seed gives bit-identical results.</summary>
    [Fact]
    public void SameSeedSameResult()
    {
        Assert.Equal(Experiment.Run(new Model(), 7, InputDistribution.Uniform), Experiment.Run(new Model(), 7, InputDistribution.Uniform));
    }
}
