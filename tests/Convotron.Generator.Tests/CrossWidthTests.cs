using System;
using System.Collections.Generic;
using System.Linq;
using Convotron.Generator.Tests.Models;
using Convotron.Tests.Shared;
using Xunit;

namespace Convotron.Generator.Tests;

/// <summary>
/// Generated models give the same bits on every CPU: every kernel of each generated class on a
/// seeded sequence (the same work as the runtime's cross-width test runs on the dynamic model),
/// and Algorithm 1 with refinement on the generated (160, 16, 9) class, digested and compared with
/// pinned values. `.ci/run` runs these with AVX-512 off, with AVX off and with every hardware
/// intrinsic off. A deliberate change of the emitted arithmetic changes these digests: check that
/// the paths agree, then pin the new values.
/// </summary>
public sealed class CrossWidthTests
{
    private static readonly Dictionary<string, (Func<IConvNet> Create, ulong Digest)> s_models = new()
    {
        [nameof(Net160x16s9)] = (() => new Net160x16s9(), 0x162A01338C732DCBUL),
        [nameof(Net160x16s12Leaky)] = (() => new Net160x16s12Leaky(), 0xBED1A5F9170D5FDAUL),
        [nameof(Net20x4s1Leaky)] = (() => new Net20x4s1Leaky(), 0xCE606C3BCA90BBB0UL),
        [nameof(Net50x5s7Linear)] = (() => new Net50x5s7Linear(), 0xB41A082C52B058E1UL),
        [nameof(Net100x10s7Leaky)] = (() => new Net100x10s7Leaky(), 0x902340439CC9F27AUL),
        [nameof(Net4096x64s33)] = (() => new Net4096x64s33(), 0x1E96EA6974D86465UL),
        [nameof(Image28x5s2)] = (() => new Image28x5s2(), 0xF161073F328548A4UL),
        [nameof(Image28x4s3Leaky)] = (() => new Image28x4s3Leaky(), 0xE6ECED6862C70DF9UL),
        [nameof(Image12x21Linear)] = (() => new Image12x21Linear(), 0x7E48495C2F3E56BAUL),
        [nameof(Image64x8s6Leaky)] = (() => new Image64x8s6Leaky(), 0xD0189EFF343F6302UL),
        [nameof(Net3x160x16s9)] = (() => new Net3x160x16s9(), 0xDD78C3CBA9A8DFAAUL),
        [nameof(Net2x41x5s4Leaky)] = (() => new Net2x41x5s4Leaky(), 0x148782F98DE3555BUL),
        [nameof(Rgb16x3s2)] = (() => new Rgb16x3s2(), 0xCFACCA0A8B6BF3F0UL),
        [nameof(Image2x13x4s3Leaky)] = (() => new Image2x13x4s3Leaky(), 0x9131E0FDAB14E7D7UL),
    };

    public static TheoryData<string> Models => new(s_models.Keys);

    [Theory]
    [MemberData(nameof(Models))]
    public void GeneratedKernelsArePinned(string name)
    {
        (Func<IConvNet> create, ulong pinned) = s_models[name];
        Pinned(CrossWidth.KernelDigest(create()), pinned, name);
    }

    [Fact]
    public void Algorithm1AndRefinementOnAGeneratedClassArePinned()
    {
        var model = new Net160x16s9();
        var teacher = Teacher.Random(model.Geometry, model.Activation, Xoshiro256StarStar.ForStream(5, 0), labelNoise: 0.05);
        DataSet test = DataSet.Draw(teacher, InputDistribution.Gaussian, 500, Xoshiro256StarStar.ForStream(5, 3));
        var options = new Algorithm1Options { Seed = 5, EvaluationInterval = 500, Stage1Steps = 4000, Stage2Steps = 4000, ValidationSamples = 1000 };
        var run = Algorithm1.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 1)), options, new LearnerRun(test));
        var digest = new Digest();
        digest.Add(model.Filter);
        digest.Add(model.OutputWeights);
        foreach (CurvePoint point in run.Stage1Curve.Points.Concat(run.Curve.Points))
            digest.Add(point.Value);
        Refinement.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(5, 2)), new RefinementOptions { Samples = 3000 }, new LearnerRun(test));
        digest.Add(model.Filter);
        digest.Add(model.OutputWeights);
        Pinned(digest, 0xC4526570516DE3B5UL, nameof(Algorithm1AndRefinementOnAGeneratedClassArePinned));
    }

    private static void Pinned(Digest digest, ulong pinned, string name) => CrossWidth.AssertPinned(digest, pinned, name);
}
