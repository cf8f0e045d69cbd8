using System;
using System.Collections.Generic;
using System.Linq;
using Convotron.Tests.Shared;
using Xunit;

namespace Convotron.Runtime.Tests;

/// <summary>
/// The same seed gives the same bits on every CPU: each test runs seeded work (the shared dot
/// products, the dynamic model's kernels on every geometry kind, the teacher's labels, every
/// learner, preprocessing and metrics) and compares a digest of every bit it produced with a
/// pinned value. `.ci/run` runs these with AVX-512 off (the AVX2 path), with AVX off (Vector128
/// only, as on ARM64) and with every hardware intrinsic off (software vectors), so a result that
/// follows the vector width fails here. A deliberate change of arithmetic changes these digests:
/// rerun, check the three paths agree, and pin the new values.
/// </summary>
public sealed class CrossWidthTests
{
    [Fact]
    public void VectorMathIsPinned()
    {
        var digest = new Digest();
        var random = new Xoshiro256StarStar(21);
        for (int n = 0; n <= 70; n++)
        {
            var a = new double[n];
            var b = new double[n];
            random.NextDoubles(a);
            random.NextDoubles(b);
            for (int i = 0; i < n; i++)
                a[i] = (a[i] - 0.5) * Math.Pow(10, i % 7 - 3);
            digest.Add(VectorMath.Dot(a, b));
            digest.Add(VectorMath.Norm(a));
            VectorMath.MultiplyAdd(0.37, a, b);
            digest.Add(b);
        }
        Pinned(digest, 0x56591B12B1976FA1UL);
    }

    public static TheoryData<string> Geometries => new(s_geometries.Keys);

    private static readonly Dictionary<string, (PatchGeometry Geometry, Activation Activation, ulong Digest)> s_geometries = new()
    {
        ["1d-160-16-9"] = (PatchGeometry.Strided1D(16, 9, 160), Activation.ReLU, 0xD8766A68349BB0A7UL),
        ["1d-100-12-5-leaky"] = (PatchGeometry.Strided1D(12, 5, 100), Activation.Leaky(0.3), 0x5C76083F65F6763EUL),
        ["1d-50-5-7-linear"] = (PatchGeometry.Strided1D(5, 7, 50), Activation.Leaky(1.0), 0x8DF26FB3D80687E0UL),
        ["2d-28-4-3-leaky"] = (PatchGeometry.Strided2D(4, 4, 3, 3, 28, 28), Activation.Leaky(0.3), 0xBB56E2097E6FE227UL),
        ["1d-3x160-16-9"] = (PatchGeometry.Strided1D(16, 9, 160, channels: 3), Activation.ReLU, 0x2CE3198E20F29DDCUL),
        ["2d-3x16-3-2"] = (PatchGeometry.Strided2D(3, 3, 2, 2, 16, 16, channels: 3), Activation.ReLU, 0x094F9DE761F6920CUL),
        ["patches"] = (PatchGeometry.FromPatches(12, [[0, 1, 2, 5], [3, 4, 5, 7], [8, 9, 10, 11]]), Activation.Leaky(0.1), 0xD6298046AF11D879UL),
    };

    /// <summary>Every kernel of the dynamic model on a seeded sequence of inputs, the parameters changing as they go.</summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void DynamicModelKernelsArePinned(string name)
    {
        (PatchGeometry geometry, Activation activation, ulong pinned) = s_geometries[name];
        var model = new DynamicConvNet(geometry, activation);
        Pinned(CrossWidth.KernelDigest(model), pinned, name);
    }

    /// <summary>The teacher's labels (with label noise) on 1D, 2D and channel geometries, Gaussian and uniform inputs.</summary>
    [Fact]
    public void TeacherLabelsArePinned()
    {
        var digest = new Digest();
        foreach ((PatchGeometry geometry, Activation activation, ulong _) in s_geometries.Values)
        {
            var teacher = Teacher.Random(geometry, activation, new Xoshiro256StarStar(3), labelNoise: 0.1);
            foreach (InputDistribution inputs in new[] { InputDistribution.Gaussian, InputDistribution.Uniform })
            {
                DataSet data = DataSet.Draw(teacher, inputs, 300, new Xoshiro256StarStar(4));
                for (int i = 0; i < data.Count; i++)
                    digest.Add(data.Label(i));
            }
        }
        Pinned(digest, 0x1A1C015C2E179D11UL);
    }

    /// <summary>Algorithm 1, refinement and Convotron with a known a, each a short seeded run on the dynamic model.</summary>
    [Fact]
    public void StreamingLearnersArePinned()
    {
        var geometry = PatchGeometry.Strided1D(16, 9, 160);
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(5, 0), labelNoise: 0.05);
        DataSet test = DataSet.Draw(teacher, InputDistribution.Gaussian, 500, Xoshiro256StarStar.ForStream(5, 3));
        var digest = new Digest();

        var model = new DynamicConvNet(geometry, Activation.ReLU);
        var options = new Algorithm1Options { Seed = 5, EvaluationInterval = 500, Stage1Steps = 4000, Stage2Steps = 4000, ValidationSamples = 1000 };
        var run = Algorithm1.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 1)), options, new LearnerRun(test));
        digest.Add(model.Filter);
        digest.Add(model.OutputWeights);
        digest.Add(run.Stage1Angle);
        foreach (CurvePoint point in run.Stage1Curve.Points.Concat(run.Curve.Points))
            digest.Add(point.Value);

        var refined = Refinement.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 2)),
            new RefinementOptions { Samples = 3000 }, new LearnerRun(test));
        digest.Add(model.Filter);
        digest.Add(model.OutputWeights);
        digest.Add(refined.RelativeTestMse);

        var known = new DynamicConvNet(geometry, Activation.ReLU);
        ConvotronLearner.Learn(known, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 4)),
            new ConvotronOptions { Samples = 3000, OutputWeights = teacher.OutputWeights.ToArray(), EvaluationInterval = 0 });
        digest.Add(known.Filter);
        Pinned(digest, 0x65331C4248BE831CUL);
    }

    /// <summary>The stored-rows learners (variable projection's finish and the joint search) on a stride with and one without non-overlapping taps.</summary>
    [Fact]
    public void StoredRowLearnersArePinned()
    {
        var digest = new Digest();
        foreach (PatchGeometry geometry in new[] { PatchGeometry.Strided1D(8, 6, 32), PatchGeometry.Strided1D(8, 3, 32) })
        {
            var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(8), labelNoise: 0.1);
            DataSet train = DataSet.Draw(teacher, InputDistribution.Gaussian, 1500, new Xoshiro256StarStar(9));
            var model = new DynamicConvNet(geometry, Activation.ReLU);
            JointLearnerResult result = JointLearner.Learn(model, train, new JointLearnerOptions { Seed = 2, Starts = 4 });
            digest.Add(model.Filter);
            digest.Add(model.OutputWeights);
            digest.Add(result.SearchMse);
            digest.Add(result.Finish.FinalMse);
        }
        Pinned(digest, 0xF980A34E8398376FUL);
    }

    /// <summary>Preprocessing with whitening, and the metrics.</summary>
    [Fact]
    public void PreprocessingAndMetricsArePinned()
    {
        var random = new Xoshiro256StarStar(31);
        const int d = 13;
        var mean = new double[d];
        var whitening = new double[d * d];
        random.NextDoubles(mean);
        random.NextDoubles(whitening);
        var preprocessing = new Preprocessing(mean, 1.7, 0.2, 3.0, whitening);
        var digest = new Digest();
        var x = new double[d];
        var mapped = new double[d];
        for (int n = 0; n < 50; n++)
        {
            InputDistribution.Gaussian.Sample(random, x);
            preprocessing.TransformInput(x, mapped);
            digest.Add(mapped);
            digest.Add(Metrics.Angle(x, mapped));
        }
        Pinned(digest, 0x96A3159A8C0363A7UL);
    }

    private static void Pinned(Digest digest, ulong pinned, string? name = null, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        CrossWidth.AssertPinned(digest, pinned, name ?? test);
}
