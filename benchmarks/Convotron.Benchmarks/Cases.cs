using System;
using System.Collections.Generic;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>The benchmark geometries and, for each, the three implementations compared.</summary>
public static class Cases
{
    public const string Generated = "generated", Dynamic = "dynamic", Naive = "naive";

    /// <summary>Every geometry of the issue: name → (geometry, naive, generated).</summary>
    public static readonly IReadOnlyDictionary<string, (PatchGeometry Geometry, Func<IConvNet> Naive, Func<IConvNet>? Generated)> All =
        new Dictionary<string, (PatchGeometry, Func<IConvNet>, Func<IConvNet>?)>
        {
            ["1d-160-16-9"] = (G160x16s9.Geometry, () => new NaiveConvNet<G160x16s9>(), GeneratedModels.Create(G160x16s9.Geometry)),
            ["1d-160-16-16"] = (G160x16s16.Geometry, () => new NaiveConvNet<G160x16s16>(), GeneratedModels.Create(G160x16s16.Geometry)),
            ["1d-4096-64-33"] = (G4096x64s33.Geometry, () => new NaiveConvNet<G4096x64s33>(), GeneratedModels.Create(G4096x64s33.Geometry)),
            ["2d-28-4-3"] = (G28x28f4s3.Geometry, () => new NaiveConvNet<G28x28f4s3>(), GeneratedModels.Create(G28x28f4s3.Geometry)),
            ["2d-28-5-2"] = (G28x28f5s2.Geometry, () => new NaiveConvNet<G28x28f5s2>(), GeneratedModels.Create(G28x28f5s2.Geometry)),
        };

    public static IConvNet Create(string geometry, string implementation)
    {
        var entry = All[geometry];
        return implementation switch
        {
            Naive => entry.Naive(),
            Dynamic => new DynamicConvNet(entry.Geometry, Activation.ReLU),
            Generated => (entry.Generated ?? throw new InvalidOperationException($"no generated model for {geometry}"))(),
            _ => throw new ArgumentException($"unknown implementation '{implementation}'", nameof(implementation)),
        };
    }

    /// <summary>Random weights of a sensible scale, and a batch of inputs and labels.</summary>
    public static (double[][] Inputs, double[] Labels) Prepare(IConvNet model, int count, ulong seed)
    {
        var rng = new Xoshiro256StarStar(seed);
        InputDistribution.Gaussian.Sample(rng, model.Filter);
        InputDistribution.Gaussian.Sample(rng, model.OutputWeights);
        var inputs = new double[count][];
        var labels = new double[count];
        for (int n = 0; n < count; n++)
        {
            inputs[n] = new double[model.Geometry.InputSize];
            InputDistribution.Gaussian.Sample(rng, inputs[n]);
            labels[n] = model.Predict(inputs[n]) + 0.1;
        }
        return (inputs, labels);
    }
}
