using System;
using System.Linq;
using Xunit;

namespace Convotron.Tests;

/// <summary>The patch kernel's primitives against their definitions, and the rules run through the struct and the interface.</summary>
public class PatchKernelTests
{
    private static (PatchGeometry Geometry, double[] X, double[] W, double[] A) Case(string name, int filters, ulong seed)
    {
        PatchGeometry geometry = DynamicConvNetTests.Make(name);
        var random = new Xoshiro256StarStar(seed);
        var x = new double[geometry.InputSize];
        var w = new double[filters * geometry.FilterSize];
        var a = new double[filters * geometry.PatchCount];
        InputDistribution.Gaussian.Sample(random, x);
        InputDistribution.Gaussian.Sample(random, w);
        InputDistribution.Gaussian.Sample(random, a);
        return (geometry, x, w, a);
    }

    [Theory]
    [InlineData("1d:r=16,s=9,d=160", 1)]
    [InlineData("1d:r=16,s=9,d=160", 3)]
    [InlineData("2d:rh=3,rw=2,sh=2,sw=2,height=7,width=9", 2)]
    [InlineData("general", 2)]
    public void ForwardIsTheSumOverFiltersAndPatchesOfTheDefinition(string name, int filters)
    {
        var (geometry, x, w, a) = Case(name, filters, 5);
        var kernel = new DynamicKernel(geometry, Activation.Leaky(0.2));
        int r = geometry.FilterSize, k = geometry.PatchCount;
        var z = new double[filters * k];
        double f = kernel.Forward(w, a, x, z);
        double expected = 0.0, scale = 0.0;
        for (int m = 0; m < filters; m++)
            for (int j = 0; j < k; j++)
            {
                ReadOnlySpan<int> patch = geometry.Patch(j);
                double zj = 0.0;
                for (int t = 0; t < r; t++)
                    zj += w[m * r + t] * x[patch[t]];
                Assert.True(Math.Abs(z[m * k + j] - zj) <= 1e-12 * (1 + Math.Abs(zj)), $"z[{m},{j}]");
                expected += a[m * k + j] * Activation.Leaky(0.2).Apply(zj);
                scale += Math.Abs(a[m * k + j] * zj);
            }
        Assert.True(Math.Abs(f - expected) <= 1e-12 * scale, $"f {f} vs {expected}");
        var z2 = new double[filters * k];
        kernel.PreActivations(w, x, z2);
        Assert.Equal(z, z2);
    }

    [Fact]
    public void AddPatchesIsTheSumOfScaledPatches()
    {
        var (geometry, x, _, c) = Case("2d:rh=3,rw=2,sh=2,sw=2,height=7,width=9", 1, 9);
        var kernel = new DynamicKernel(geometry, Activation.ReLU);
        var target = Enumerable.Range(0, geometry.FilterSize).Select(t => 0.5 * t).ToArray();
        var expected = target.ToArray();
        for (int j = 0; j < geometry.PatchCount; j++)
            for (int t = 0; t < geometry.FilterSize; t++)
                expected[t] += 0.7 * c[j] * x[geometry.Patch(j)[t]];
        kernel.AddPatches(x, c, 0.7, target);
        for (int t = 0; t < target.Length; t++)
            Assert.True(Math.Abs(target[t] - expected[t]) <= 1e-12 * (1 + Math.Abs(expected[t])), $"target[{t}]");
    }

    [Fact]
    public void SpansThatAreNotWholeFiltersAreRefused()
    {
        var (geometry, x, w, a) = Case("1d:r=16,s=9,d=160", 2, 3);
        var kernel = new DynamicKernel(geometry, Activation.ReLU);
        var e = Assert.Throws<ArgumentException>(() => kernel.Forward(w.AsSpan(1), a, x, new double[a.Length]));
        Assert.Equal("filters", e.ParamName);
        Assert.Contains("F·r", e.Message, StringComparison.Ordinal);
        Assert.Equal("outputWeights", Assert.Throws<ArgumentException>(() => kernel.Forward(w, a.AsSpan(1), x, new double[a.Length])).ParamName);
        Assert.Throws<InvalidOperationException>(() => default(DynamicKernel).Geometry);
        var overlapping = new DynamicKernel(PatchGeometry.Strided1D(4, 1, 10), Activation.ReLU);
        Assert.Throws<InvalidOperationException>(() => overlapping.ForwardNonOverlapping([], new double[7], new double[10], new double[7]));
    }

    /// <summary>A visitor that runs every rule on its kernel as a struct type.</summary>
    private sealed class RulesVisitor(IConvNet model, double[][] inputs, RuleScratch scratch) : IKernelVisitor<double[]>
    {
        public double[] Visit<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel => Run(kernel, model, inputs, scratch);
    }

    private static double[] Run<TKernel>(in TKernel kernel, IConvNet model, double[][] inputs, RuleScratch scratch) where TKernel : IPatchKernel
    {
        int r = model.Geometry.FilterSize, k = model.Geometry.PatchCount, non = model.Geometry.NonOverlappingTaps.Length;
        var residuals = new double[4 * inputs.Length];
        var gw = new double[r];
        var ga = new double[k];
        var noiseW = Enumerable.Repeat(1e-3, non).ToArray();
        var noiseA = Enumerable.Repeat(-1e-3, k).ToArray();
        for (int n = 0; n < inputs.Length; n++)
        {
            residuals[4 * n] = UpdateRules.Convotron(kernel, model.Filter, model.OutputWeights, inputs[n], 0.3, 1e-2, scratch);
            residuals[4 * n + 1] = UpdateRules.NormalizedConvotron(kernel, model.Filter, model.OutputWeights, inputs[n], 0.3, 0.5, scratch);
            residuals[4 * n + 2] = UpdateRules.DoubleConvotron(kernel, model.Filter, model.OutputWeights, inputs[n], 0.3, StepSize.Normalized(0.5), noiseW, noiseA, scratch);
            residuals[4 * n + 3] = UpdateRules.Gradient(kernel, model.Filter, model.OutputWeights, inputs[n], 0.3, gw, ga, scratch);
        }
        return [.. residuals, .. model.Filter.ToArray(), .. model.OutputWeights.ToArray(), .. gw, .. ga];
    }

    [Fact]
    public void RulesGiveTheSameBitsThroughTheStructAndTheInterface()
    {
        PatchGeometry geometry = PatchGeometry.Strided1D(8, 6, 32);
        var random = new Xoshiro256StarStar(11);
        double[][] inputs = Enumerable.Range(0, 20).Select(_ =>
        {
            var x = new double[geometry.InputSize];
            InputDistribution.Gaussian.Sample(random, x);
            return x;
        }).ToArray();
        var viaStruct = new DynamicConvNet(geometry, Activation.Leaky(0.1), Enumerable.Repeat(0.1, 8).ToArray(), Enumerable.Repeat(0.2, 5).ToArray());
        IConvNet viaInterface = viaStruct.Clone();
        double[] a = viaStruct.Kernel.Accept(new RulesVisitor(viaStruct, inputs, new RuleScratch(geometry)));
        double[] b = Run(viaInterface.Kernel, viaInterface, inputs, new RuleScratch(geometry));
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(double.IsFinite(v)));
    }
}
