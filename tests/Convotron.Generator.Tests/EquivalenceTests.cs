using System;
using System.Collections.Generic;
using System.Linq;
using Convotron.Generator.Tests.Models;
using Xunit;

namespace Convotron.Generator.Tests;

/// <summary>
/// Every member of each generated model against <see cref="DynamicConvNet"/> of the same geometry
/// and activation, step by step from identical states.
/// </summary>
public sealed class EquivalenceTests
{
    public sealed record Case(string Name, Func<IConvNet> Create, PatchGeometry Geometry, Activation Activation)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    {
        new("1d 160,16,9 relu", () => new Net160x16s9(), PatchGeometry.Strided1D(16, 9, 160), Activation.ReLU),
        new("1d 160,16,12 leaky", () => new Net160x16s12Leaky(), PatchGeometry.Strided1D(16, 12, 160), Activation.Leaky(0.3)),
        new("1d 160,16,16 linear", () => new Net160x16s16Linear(), PatchGeometry.Strided1D(16, 16, 160), Activation.Linear),
        new("1d s=1", () => new Net20x4s1Leaky(), PatchGeometry.Strided1D(4, 1, 20), Activation.Leaky(0.3)),
        new("1d r=d", () => new Net12x12(), PatchGeometry.Strided1D(12, 3, 12), Activation.ReLU),
        new("1d s>r", () => new Net50x5s7Linear(), PatchGeometry.Strided1D(5, 7, 50), Activation.Linear),
        new("1d tail", () => new Net100x10s7Leaky(), PatchGeometry.Strided1D(10, 7, 100), Activation.Leaky(0.3)),
        new("1d loops", () => new Net4096x64s33(), PatchGeometry.Strided1D(64, 33, 4096), Activation.ReLU),
        new("1d long filter", () => new NetLongFilter(), PatchGeometry.Strided1D(10001, 6000, 20001), Activation.Leaky(0.3)),
        new("2d 28x28 5x5 s2", () => new Image28x5s2(), PatchGeometry.Strided2D(5, 5, 2, 2, 28, 28), Activation.ReLU),
        new("2d 28x28 4x4 s3 leaky", () => new Image28x4s3Leaky(), PatchGeometry.Strided2D(4, 4, 3, 3, 28, 28), Activation.Leaky(0.3)),
        new("2d 12x21 3x5 non-square", () => new Image12x21Linear(), PatchGeometry.Strided2D(3, 5, 2, 4, 12, 21), Activation.Linear),
        new("2d loops", () => new Image64x8s6Leaky(), PatchGeometry.Strided2D(8, 8, 6, 6, 64, 64), Activation.Leaky(0.3)),
        new("nested", () => new Outer.NestedNet(), PatchGeometry.Strided1D(3, 2, 9), Activation.ReLU),
        new("1d 2 channels tiny", () => new Tiny2x5x2(), PatchGeometry.Strided1D(2, 2, 5, channels: 2), Activation.ReLU),
        new("1d 3 channels 160,16,9", () => new Net3x160x16s9(), PatchGeometry.Strided1D(16, 9, 160, channels: 3), Activation.ReLU),
        new("1d 2 channels leaky", () => new Net2x41x5s4Leaky(), PatchGeometry.Strided1D(5, 4, 41, channels: 2), Activation.Leaky(0.3)),
        new("1d 2 channels loops", () => new Net2x4096x64s33Leaky(), PatchGeometry.Strided1D(64, 33, 4096, channels: 2), Activation.Leaky(0.3)),
        new("2d 3 channels 16x16 3x3 s2", () => new Rgb16x3s2(), PatchGeometry.Strided2D(3, 3, 2, 2, 16, 16, channels: 3), Activation.ReLU),
        new("2d 2 channels leaky", () => new Image2x13x4s3Leaky(), PatchGeometry.Strided2D(4, 4, 3, 3, 13, 13, channels: 2), Activation.Leaky(0.3)),
        new("2d 4 channels one row linear", () => new Image4x2x9Linear(), PatchGeometry.Strided2D(2, 3, 1, 2, 2, 9, channels: 4), Activation.Linear),
        new("2d 3 channels loops", () => new Image3x28x5s2Leaky(), PatchGeometry.Strided2D(5, 5, 2, 2, 28, 28, channels: 3), Activation.Leaky(0.3)),
    };

    public static TheoryData<Case> AllCases() => TheoryOf(Cases);

    /// <summary>The cases of a table as xunit theory data.</summary>
    internal static TheoryData<T> TheoryOf<T>(IEnumerable<T> cases)
    {
        var data = new TheoryData<T>();
        foreach (T c in cases)
            data.Add(c);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Every_member_matches_DynamicConvNet_step_by_step(Case c)
    {
        var random = new Random(c.Name.Length * 7919 + c.Geometry.InputSize);
        IConvNet generated = c.Create();
        var dynamic = new DynamicConvNet(c.Geometry, c.Activation);
        Randomize(random, generated, dynamic);
        RunMixedSteps(random, generated, dynamic, steps: 21);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Every_kernel_primitive_matches_DynamicKernel(Case c)
    {
        var random = new Random(c.Name.Length * 31 + c.Geometry.FilterSize);
        PatchGeometry g = c.Geometry;
        int d = g.InputSize, r = g.FilterSize, k = g.PatchCount;
        int[] taps = g.NonOverlappingTaps.ToArray();
        IPatchKernel generated = c.Create().Kernel, dynamic = new DynamicKernel(g, c.Activation);
        Assert.Equal(g, generated.Geometry);
        Assert.Equal(c.Activation, generated.Activation);
        Assert.True(generated.GetType().IsValueType, "the generated kernel is a struct");
        Assert.Equal(generated.GetType(), generated.Accept(new KernelType()));
        var x = new double[d];
        for (int trial = 0; trial < 4; trial++)
        {
            Fill(random, x);
            foreach (int filters in new[] { 1, 2, 3 })
            {
                double[] w = Filled(random, filters * r), a = Filled(random, filters * k);
                double[] zg = new double[filters * k], zd = new double[filters * k], zp = new double[filters * k];
                double fd = dynamic.Forward(w, a, x, zd);
                double fg = generated.Forward(w, a, x, zg);
                generated.PreActivations(w, x, zp);
                Assert.Equal(zg, zp); // PreActivations is Forward's z, bit for bit
                double scale = 0.0;
                for (int m = 0; m < filters; m++)
                {
                    double[] wm = w[(m * r)..((m + 1) * r)];
                    for (int j = 0; j < k; j++)
                    {
                        double patch = PatchScale(g, wm, x, j);
                        scale += Math.Abs(a[m * k + j]) * patch;
                        Close(zg[m * k + j], zd[m * k + j], Tolerance * patch, $"trial {trial} F = {filters} z[{m}, {j}]");
                    }
                }
                Close(fg, fd, Tolerance * scale, $"trial {trial} F = {filters} Forward");
            }
            double[] coefficients = Filled(random, k);
            double factor = Gaussian(random);
            double[] start = Filled(random, r), tg = (double[])start.Clone(), td = (double[])start.Clone();
            generated.AddPatches(x, coefficients, factor, tg);
            dynamic.AddPatches(x, coefficients, factor, td);
            for (int t = 0; t < r; t++)
            {
                double bound = Math.Abs(start[t]);
                for (int j = 0; j < k; j++)
                    bound += Math.Abs(factor * coefficients[j] * x[g.Patch(j)[t]]);
                Close(tg[t], td[t], Tolerance * bound, $"trial {trial} AddPatches[{t}]");
            }
            if (taps.Length == 0)
                continue;
            double[] wNon = Filled(random, taps.Length), aNon = Filled(random, k), zgNon = new double[k], zdNon = new double[k];
            double fgNon = generated.ForwardNonOverlapping(wNon, aNon, x, zgNon);
            double fdNon = dynamic.ForwardNonOverlapping(wNon, aNon, x, zdNon);
            double nonScale = 0.0;
            for (int j = 0; j < k; j++)
            {
                double patch = 0.0;
                for (int n = 0; n < taps.Length; n++)
                    patch += Math.Abs(wNon[n] * x[g.Patch(j)[taps[n]]]);
                nonScale += Math.Abs(aNon[j]) * patch;
                Close(zgNon[j], zdNon[j], Tolerance * patch, $"trial {trial} z_non[{j}]");
            }
            Close(fgNon, fdNon, Tolerance * nonScale, $"trial {trial} ForwardNonOverlapping");
            double[] startNon = Filled(random, taps.Length), vg = (double[])startNon.Clone(), vd = (double[])startNon.Clone();
            generated.AddNonOverlappingPatches(x, coefficients, factor, vg);
            dynamic.AddNonOverlappingPatches(x, coefficients, factor, vd);
            for (int n = 0; n < taps.Length; n++)
            {
                double bound = Math.Abs(startNon[n]);
                for (int j = 0; j < k; j++)
                    bound += Math.Abs(factor * coefficients[j] * x[g.Patch(j)[taps[n]]]);
                Close(vg[n], vd[n], Tolerance * bound, $"trial {trial} AddNonOverlappingPatches[{n}]");
            }
        }
    }

    /// <summary>The kernel's own type, as the visitor sees it.</summary>
    private sealed class KernelType : IKernelVisitor<Type>
    {
        public Type Visit<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel => typeof(TKernel);
    }

    private static double[] Filled(Random random, int length)
    {
        var values = new double[length];
        Fill(random, values);
        return values;
    }

    [Fact]
    public void Comparison_catches_a_weight_perturbed_by_1e9_relative()
    {
        // The negative control: the same check as above must fail when one weight differs by 1e-9.
        var random = new Random(5);
        IConvNet generated = new Net160x16s16Linear();
        var dynamic = new DynamicConvNet(PatchGeometry.Strided1D(16, 16, 160), Activation.Linear);
        Randomize(random, generated, dynamic);
        generated.Filter[3] *= 1 + 1e-9;
        Assert.Throws<EquivalenceException>(() => RunMixedSteps(random, generated, dynamic, steps: 5));

        // And a perturbed output weight, in a 2D geometry.
        generated = new Image28x4s3Leaky();
        var dynamic2D = new DynamicConvNet(PatchGeometry.Strided2D(4, 4, 3, 3, 28, 28), Activation.Leaky(0.3));
        Randomize(random, generated, dynamic2D);
        generated.OutputWeights[40] *= 1 + 1e-9;
        Assert.Throws<EquivalenceException>(() => RunMixedSteps(random, generated, dynamic2D, steps: 5));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Geometry_activation_and_defaults_match(Case c)
    {
        IConvNet generated = c.Create();
        Assert.Equal(c.Geometry, generated.Geometry);
        Assert.Same(generated.Geometry, c.Create().Geometry);
        Assert.Equal(c.Geometry.ToString(), generated.Geometry.ToString());
        Assert.Equal(c.Geometry.Layout, generated.Geometry.Layout);
        Assert.Equal(c.Activation, generated.Activation);
        Assert.Equal(c.Geometry.NonOverlappingTaps.ToArray(), generated.Geometry.NonOverlappingTaps.ToArray());
        Assert.Equal(c.Geometry.FilterSize, generated.Filter.Length);
        Assert.Equal(c.Geometry.PatchCount, generated.OutputWeights.Length);
        Assert.All(generated.Filter.ToArray(), value => Assert.Equal(0.0, value));
        Assert.All(generated.OutputWeights.ToArray(), value => Assert.Equal(0.0, value));
    }

    [Fact]
    public void Constants_are_the_geometry()
    {
        Assert.Equal((160, 16, 9, 17), (Net160x16s9.D, Net160x16s9.R, Net160x16s9.S, Net160x16s9.K));
        Assert.Equal((100, 10, 7, 13), (Net100x10s7Leaky.D, Net100x10s7Leaky.R, Net100x10s7Leaky.S, Net100x10s7Leaky.K));
        Assert.Equal((784, 16, 81), (Image28x4s3Leaky.D, Image28x4s3Leaky.R, Image28x4s3Leaky.K));
        Assert.Equal((12, 21, 3, 5, 2, 4, 5, 5), (Image12x21Linear.Height, Image12x21Linear.Width, Image12x21Linear.RH,
            Image12x21Linear.RW, Image12x21Linear.SH, Image12x21Linear.SW, Image12x21Linear.KH, Image12x21Linear.KW));
        Assert.Equal(25, Image12x21Linear.KH * Image12x21Linear.KW);
        Assert.Equal(Image12x21Linear.K, PatchGeometry.Strided2D(3, 5, 2, 4, 12, 21).PatchCount);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Stage1_kernels_throw_exactly_when_there_is_no_non_overlapping_part(Case c)
    {
        IConvNet generated = c.Create();
        int k = c.Geometry.PatchCount, d = c.Geometry.InputSize;
        var x = new double[d];
        var outputNoise = new double[k];
        var filterNoise = new double[c.Geometry.NonOverlappingTaps.Length];
        var rules = new ModelUpdates(generated);
        IPatchKernel kernel = generated.Kernel;
        var z = new double[k];
        if (c.Geometry.HasNonOverlappingPart)
        {
            rules.DoubleConvotron(x, 1.0, 0.1, filterNoise, outputNoise);
            rules.NormalizedDoubleConvotron(x, 1.0, 0.1, filterNoise, outputNoise);
            kernel.ForwardNonOverlapping(filterNoise, outputNoise, x, z);
            kernel.AddNonOverlappingPatches(x, outputNoise, 1.0, new double[filterNoise.Length]);
            return;
        }
        var dynamic = new DynamicConvNet(c.Geometry, c.Activation);
        var expected = Assert.Throws<InvalidOperationException>(() => new ModelUpdates(dynamic).DoubleConvotron(x, 1.0, 0.1, filterNoise, outputNoise));
        var actual = Assert.Throws<InvalidOperationException>(() => rules.DoubleConvotron(x, 1.0, 0.1, filterNoise, outputNoise));
        Assert.Equal(expected.Message, actual.Message);
        Assert.Throws<InvalidOperationException>(() => rules.NormalizedDoubleConvotron(x, 1.0, 0.1, filterNoise, outputNoise));
        Assert.Equal(expected.Message, Assert.Throws<InvalidOperationException>(() => kernel.ForwardNonOverlapping([], new double[k], x, z)).Message);
        Assert.Equal(expected.Message, Assert.Throws<InvalidOperationException>(() => kernel.AddNonOverlappingPatches(x, z, 1.0, [])).Message);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Span_length_errors_name_the_parameter_like_DynamicConvNet(Case c)
    {
        IConvNet generated = c.Create();
        var dynamic = new DynamicConvNet(c.Geometry, c.Activation);
        int k = c.Geometry.PatchCount, d = c.Geometry.InputSize, r = c.Geometry.FilterSize;
        int non = c.Geometry.NonOverlappingTaps.Length;
        var calls = new List<(string Parameter, Action<IConvNet> Call)>
        {
            ("x", m => m.Predict(new double[d + 1])),
            ("x", m => m.HiddenActivations(new double[d - 1], new double[k])),
            ("hidden", m => m.HiddenActivations(new double[d], new double[k + 1])),
            ("x", m => new ModelUpdates(m).Convotron(new double[d + 1], 0, 0.1)),
            ("x", m => new ModelUpdates(m).NormalizedConvotron(new double[d + 1], 0, 0.1)),
            ("x", m => new ModelUpdates(m).Gradient(new double[d + 1], 0, new double[r], new double[k])),
            ("filterGradient", m => new ModelUpdates(m).Gradient(new double[d], 0, new double[r + 1], new double[k])),
            ("outputGradient", m => new ModelUpdates(m).Gradient(new double[d], 0, new double[r], new double[k + 1])),
            // The kernel's primitives, each of its spans in turn (F = 2 for the filter-count checks).
            ("x", m => m.Kernel.Forward(new double[r], new double[k], new double[d + 1], new double[k])),
            ("filters", m => m.Kernel.Forward(new double[r + 1], new double[k], new double[d], new double[k])),
            ("filters", m => m.Kernel.Forward([], [], new double[d], [])),
            ("outputWeights", m => m.Kernel.Forward(new double[2 * r], new double[k], new double[d], new double[2 * k])),
            ("preActivations", m => m.Kernel.Forward(new double[2 * r], new double[2 * k], new double[d], new double[k])),
            ("x", m => m.Kernel.PreActivations(new double[r], new double[d - 1], new double[k])),
            ("filters", m => m.Kernel.PreActivations(new double[2 * r - 1], new double[d], new double[k])),
            ("preActivations", m => m.Kernel.PreActivations(new double[2 * r], new double[d], new double[k])),
            ("x", m => m.Kernel.AddPatches(new double[d + 1], new double[k], 1.0, new double[r])),
            ("coefficients", m => m.Kernel.AddPatches(new double[d], new double[k + 1], 1.0, new double[r])),
            ("target", m => m.Kernel.AddPatches(new double[d], new double[k], 1.0, new double[r - 1])),
        };
        if (non > 0)
        {
            calls.Add(("x", m => new ModelUpdates(m).DoubleConvotron(new double[d + 1], 0, 0.1, new double[non], new double[k])));
            calls.Add(("filterNoise", m => new ModelUpdates(m).DoubleConvotron(new double[d], 0, 0.1, new double[non + 1], new double[k])));
            calls.Add(("outputNoise", m => new ModelUpdates(m).NormalizedDoubleConvotron(new double[d], 0, 0.1, new double[non], new double[k + 1])));
            calls.Add(("x", m => m.Kernel.ForwardNonOverlapping(new double[non], new double[k], new double[d + 1], new double[k])));
            calls.Add(("outputWeights", m => m.Kernel.ForwardNonOverlapping(new double[non], new double[k + 1], new double[d], new double[k])));
            calls.Add(("nonOverlappingFilter", m => m.Kernel.ForwardNonOverlapping(new double[non + 1], new double[k], new double[d], new double[k])));
            calls.Add(("preActivations", m => m.Kernel.ForwardNonOverlapping(new double[non], new double[k], new double[d], new double[k - 1])));
            calls.Add(("x", m => m.Kernel.AddNonOverlappingPatches(new double[d - 1], new double[k], 1.0, new double[non])));
            calls.Add(("coefficients", m => m.Kernel.AddNonOverlappingPatches(new double[d], new double[k - 1], 1.0, new double[non])));
            calls.Add(("target", m => m.Kernel.AddNonOverlappingPatches(new double[d], new double[k], 1.0, new double[non + 1])));
        }
        foreach ((string parameter, Action<IConvNet> call) in calls)
        {
            var expected = Assert.ThrowsAny<ArgumentException>(() => call(dynamic));
            var actual = Assert.ThrowsAny<ArgumentException>(() => call(generated));
            Assert.Equal(parameter, expected.ParamName);
            Assert.Equal(expected.ParamName, actual.ParamName);
            Assert.Equal(expected.Message, actual.Message);
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Clone_is_an_independent_copy(Case c)
    {
        var random = new Random(11);
        IConvNet generated = c.Create();
        Fill(random, generated.Filter);
        Fill(random, generated.OutputWeights);
        IConvNet clone = generated.Clone();
        Assert.Equal(generated.GetType(), clone.GetType());
        Assert.Equal(generated.Filter.ToArray(), clone.Filter.ToArray());
        Assert.Equal(generated.OutputWeights.ToArray(), clone.OutputWeights.ToArray());
        clone.Filter[0] += 1.0;
        clone.OutputWeights[0] += 1.0;
        Assert.NotEqual(generated.Filter[0], clone.Filter[0]);
        Assert.NotEqual(generated.OutputWeights[0], clone.OutputWeights[0]);
    }

    // ---- the step-by-step comparison ----

    internal sealed class EquivalenceException(string message) : Exception(message);

    private const double Tolerance = 1e-12;

    internal static void Randomize(Random random, IConvNet generated, IConvNet dynamic)
    {
        Fill(random, dynamic.Filter);
        Fill(random, dynamic.OutputWeights);
        dynamic.Filter.CopyTo(generated.Filter);
        dynamic.OutputWeights.CopyTo(generated.OutputWeights);
    }

    private static void Fill(Random random, Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = Gaussian(random);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    /// <summary>
    /// Runs Predict, HiddenActivations and every learning rule (UpdateRules through ModelUpdates) in turn on fresh random
    /// inputs, comparing returned values and both models' whole state after every call.
    /// </summary>
    internal static void RunMixedSteps(Random random, IConvNet generated, IConvNet dynamic, int steps)
    {
        PatchGeometry geometry = dynamic.Geometry;
        int d = geometry.InputSize, r = geometry.FilterSize, k = geometry.PatchCount;
        int[] nonTaps = geometry.NonOverlappingTaps.ToArray();
        var x = new double[d];
        ModelUpdates generatedRules = new(generated), dynamicRules = new(dynamic);
        for (int step = 0; step < steps; step++)
        {
            Fill(random, x);
            double y = Gaussian(random) * 3.0;
            int kind = step % 7;
            if (nonTaps.Length == 0 && kind is 4 or 5)
                kind = 6 - kind; // NormalizedConvotron / Gradient-heavy mix instead of stage 1
            double[] wBefore = dynamic.Filter.ToArray();
            double[] aBefore = dynamic.OutputWeights.ToArray();
            double scale = Scale(geometry, wBefore, aBefore, x, y, all: true);
            double scaleNon = Scale(geometry, wBefore, aBefore, x, y, all: false);
            string where = $"step {step} (kind {kind})";
            double stepResidual = scale; // Predict and Gradient leave the state alone
            switch (kind)
            {
                case 0:
                    Close(generated.Predict(x), dynamic.Predict(x), Tolerance * scale, where + " Predict");
                    var hiddenGenerated = new double[k];
                    var hiddenDynamic = new double[k];
                    generated.HiddenActivations(x, hiddenGenerated);
                    dynamic.HiddenActivations(x, hiddenDynamic);
                    for (int j = 0; j < k; j++)
                        Close(hiddenGenerated[j], hiddenDynamic[j], Tolerance * PatchScale(geometry, wBefore, x, j), $"{where} hidden[{j}]");
                    break;
                case 1:
                {
                    double residual = dynamicRules.Convotron(x, y, 1e-3);
                    Close(generatedRules.Convotron(x, y, 1e-3), residual, Tolerance * scale, where + " ConvotronStep");
                    stepResidual = residual;
                    break;
                }
                case 2:
                {
                    double residual = dynamicRules.NormalizedConvotron(x, y, 0.5);
                    Close(generatedRules.NormalizedConvotron(x, y, 0.5), residual, Tolerance * scale, where + " NormalizedConvotronStep");
                    stepResidual = residual;
                    break;
                }
                case 3:
                case 6:
                {
                    var gwGenerated = new double[r];
                    var gaGenerated = new double[k];
                    var gwDynamic = new double[r];
                    var gaDynamic = new double[k];
                    double residual = dynamicRules.Gradient(x, y, gwDynamic, gaDynamic);
                    Close(generatedRules.Gradient(x, y, gwGenerated, gaGenerated), residual, Tolerance * scale, where + " Gradient");
                    // The gradients are (f − y) times exact sums: their error is the residual's, relative.
                    double amplification = Math.Max(1.0, scale / Math.Max(Math.Abs(residual), double.Epsilon));
                    VectorClose(gwGenerated, gwDynamic, Tolerance * amplification, 0.0, where + " filterGradient");
                    VectorClose(gaGenerated, gaDynamic, Tolerance * amplification, 0.0, where + " outputGradient");
                    break;
                }
                case 4:
                case 5:
                {
                    var filterNoise = new double[nonTaps.Length];
                    var outputNoise = new double[k];
                    Fill(random, filterNoise);
                    Fill(random, outputNoise);
                    for (int i = 0; i < filterNoise.Length; i++)
                        filterNoise[i] *= 1e-3;
                    for (int i = 0; i < outputNoise.Length; i++)
                        outputNoise[i] *= 1e-3;
                    double residual = kind == 4
                        ? dynamicRules.DoubleConvotron(x, y, 1e-3, filterNoise, outputNoise)
                        : dynamicRules.NormalizedDoubleConvotron(x, y, 0.1, filterNoise, outputNoise);
                    double actual = kind == 4
                        ? generatedRules.DoubleConvotron(x, y, 1e-3, filterNoise, outputNoise)
                        : generatedRules.NormalizedDoubleConvotron(x, y, 0.1, filterNoise, outputNoise);
                    Close(actual, residual, Tolerance * scaleNon, where + " stage 1");
                    scale = scaleNon;
                    stepResidual = residual;
                    break;
                }
            }
            // The state after the step: each update is a product with the residual, whose
            // rounding error is Tolerance·scale, so the update is compared relative to
            // ‖Δ‖·scale/|residual| on top of the weights it was added to.
            double amplificationOfDelta = Math.Max(1.0, scale / Math.Max(Math.Abs(stepResidual), double.Epsilon));
            VectorCloseState(generated.Filter.ToArray(), dynamic.Filter.ToArray(), wBefore, amplificationOfDelta, where + " w");
            VectorCloseState(generated.OutputWeights.ToArray(), dynamic.OutputWeights.ToArray(), aBefore, amplificationOfDelta, where + " a");
        }
    }

    private static void VectorCloseState(double[] actual, double[] expected, double[] before, double amplification, string what)
    {
        double norm = 0.0, delta = 0.0;
        for (int i = 0; i < expected.Length; i++)
        {
            norm = Math.Max(norm, Math.Abs(before[i]));
            delta = Math.Max(delta, Math.Abs(expected[i] - before[i]));
        }
        double tolerance = Tolerance * (norm + delta * amplification);
        for (int i = 0; i < expected.Length; i++)
            Close(actual[i], expected[i], tolerance, $"{what}[{i}]");
    }

    private static void VectorClose(double[] actual, double[] expected, double relative, double absolute, string what)
    {
        double norm = 0.0;
        foreach (double value in expected)
            norm = Math.Max(norm, Math.Abs(value));
        for (int i = 0; i < expected.Length; i++)
            Close(actual[i], expected[i], relative * norm + absolute, $"{what}[{i}]");
    }

    private static void Close(double actual, double expected, double tolerance, string what)
    {
        if (!(Math.Abs(actual - expected) <= tolerance))
            throw new EquivalenceException($"{what}: generated {actual:R}, dynamic {expected:R}, |difference| {Math.Abs(actual - expected):R} > tolerance {tolerance:R}");
    }

    /// <summary>Σ_j |a_j| Σ_t |w_t x_{P_j[t]}| + |y|, over all taps or only the non-overlapping ones.</summary>
    private static double Scale(PatchGeometry geometry, double[] w, double[] a, double[] x, double y, bool all)
    {
        ReadOnlySpan<int> taps = geometry.NonOverlappingTaps;
        double sum = Math.Abs(y);
        for (int j = 0; j < geometry.PatchCount; j++)
        {
            ReadOnlySpan<int> patch = geometry.Patch(j);
            double patchSum = 0.0;
            if (all)
            {
                for (int t = 0; t < patch.Length; t++)
                    patchSum += Math.Abs(w[t] * x[patch[t]]);
            }
            else
            {
                foreach (int t in taps)
                    patchSum += Math.Abs(w[t] * x[patch[t]]);
            }
            sum += Math.Abs(a[j]) * patchSum;
        }
        return sum;
    }

    private static double PatchScale(PatchGeometry geometry, double[] w, double[] x, int j)
    {
        ReadOnlySpan<int> patch = geometry.Patch(j);
        double sum = 0.0;
        for (int t = 0; t < patch.Length; t++)
            sum += Math.Abs(w[t] * x[patch[t]]);
        return sum;
    }
}
