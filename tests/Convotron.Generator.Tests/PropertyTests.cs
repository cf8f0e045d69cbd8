using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Convotron.Generator.Models;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;
using static Convotron.Generator.Tests.GeneratorHarness;

namespace Convotron.Generator.Tests;

/// <summary>
/// A seeded property test: random valid geometries (1D and 2D, unrolled and looped, every register-set count and the
/// in-memory form the plan can choose), compiled in memory into one assembly, loaded, and every kernel of each model
/// compared step by step with <see cref="DynamicConvNet"/> (≤ 1e-12 of the step's scale, as the equivalence tests).
/// </summary>
public sealed class PropertyTests(ITestOutputHelper output)
{
    private sealed record Geometry(bool Is2D, int RH, int RW, int SH, int SW, int Height, int Width, double Alpha, int Channels)
    {
        public PatchGeometry ToPatchGeometry() => Is2D
            ? PatchGeometry.Strided2D(RH, RW, SH, SW, Height, Width, Channels)
            : PatchGeometry.Strided1D(RW, SW, Width, Channels);

        /// <summary>The attribute; one channel is written as today's sources do (no channels argument).</summary>
        public string Attribute(double alpha)
        {
            string channels = Channels == 1 ? "" : FormattableString.Invariant($", channels: {Channels}");
            return Is2D
                ? FormattableString.Invariant($"[ConvNet2D({RH}, {RW}, {SH}, {SW}, {Height}, {Width}, {alpha:R}{channels})]")
                : FormattableString.Invariant($"[ConvNet({RW}, {SW}, {Width}, {alpha:R}{channels})]");
        }

        public KernelPlan Plan() => KernelPlan.Create(GeometryPlan.Create(new ConvNetModel("App", EquatableArray<ContainingTypeInfo>.Empty,
            "M", "App.M", "App.M.g.cs", true, Is2D ? ConvNetKind.Strided2D : ConvNetKind.Strided1D, RH, RW, SH, SW, Height, Width, Alpha,
            Channels)));
    }

    /// <summary>One axis: filter r, stride s (sometimes above r), k patches and a tail the stride does not reach.</summary>
    private static (int R, int S, int N) Axis(Random random, int maxR, int maxK)
    {
        int r = random.Next(1, maxR + 1);
        int s = random.Next(1, 2 * r + 2);
        int k = random.Next(1, maxK + 1);
        int tail = random.Next(0, s);
        return (r, s, r + (k - 1) * s + tail);
    }

    private static Geometry RandomGeometry(Random random)
    {
        double alpha = random.Next(4) switch { 0 => 0.0, 1 => 1.0, 2 => 0.3, _ => Math.Round(random.NextDouble(), 3) };
        bool looped = random.Next(4) == 0;
        // A third of the geometries have 2–4 channels (channel-major input and filter).
        int channels = random.Next(3) == 0 ? random.Next(2, 5) : 1;
        if (random.Next(2) == 0)
        {
            (int r, int s, int d) = looped ? Axis(random, 80, 300) : Axis(random, 40, 40);
            return new Geometry(false, 1, r, 1, s, 1, d, alpha, channels);
        }
        (int rh, int sh, int height) = looped ? Axis(random, 9, 30) : Axis(random, 6, 8);
        (int rw, int sw, int width) = looped ? Axis(random, 9, 30) : Axis(random, 10, 8);
        return new Geometry(true, rh, rw, sh, sw, height, width, alpha, channels);
    }

    [Fact]
    public void Random_geometries_match_DynamicConvNet_kernel_by_kernel()
    {
        var random = new Random(20260);
        var geometries = new List<Geometry>();
        // What the plan chose for the drawn geometries; drawing goes on (bounded) until every choice is covered.
        var covered = new HashSet<string>();
        string[] wanted =
        [
            "1D", "2D", "unrolled", "looped", "sets 1", "sets 2", "sets 3", "sets 4", "memory form", "register loop",
            "fused dot", "run dots", "vector activated sum", "no non-overlapping part", "1D channels", "2D channels",
            "looped channels",
        ];
        for (int draw = 0; draw < 400 && (geometries.Count < 20 || !wanted.All(covered.Contains)) && geometries.Count < 36; draw++)
        {
            Geometry geometry = RandomGeometry(random);
            if (geometry.Width * geometry.Height * geometry.Channels > 20000)
                continue; // keep the compilation small
            KernelPlan plan = geometry.Plan();
            var choices = new HashSet<string>
            {
                geometry.Is2D ? "2D" : "1D",
                plan.Geometry.Unrolled ? "unrolled" : "looped",
            };
            if (geometry.Channels > 1)
            {
                choices.Add(geometry.Is2D ? "2D channels" : "1D channels");
                if (!plan.Geometry.Unrolled)
                    choices.Add("looped channels");
            }
            foreach (KernelPlan.PassPlan pass in plan.Passes)
            {
                foreach (KernelPlan.RegisterForm register in pass.Registers)
                    choices.Add("sets " + register.Sets.ToString(CultureInfo.InvariantCulture));
                if (pass.NeedsMemoryForm)
                    choices.Add("memory form");
                if (pass.Registers.Count > 0 && !pass.UnrollsRegisters)
                    choices.Add("register loop");
                choices.Add(pass.FusesDot ? "fused dot" : "run dots");
            }
            if (plan.VectorizesActivatedSum)
                choices.Add("vector activated sum");
            if (plan.NonOverlapping is null)
                choices.Add("no non-overlapping part");
            if (geometries.Count >= 20 && choices.IsSubsetOf(covered))
                continue; // past the minimum, only geometries that add a choice
            covered.UnionWith(choices);
            geometries.Add(geometry);
        }
        Assert.All(wanted, choice => Assert.Contains(choice, covered));

        var source = new StringBuilder("using Convotron;\nnamespace App;\n");
        for (int i = 0; i < geometries.Count; i++)
            source.Append(geometries[i].Attribute(geometries[i].Alpha)).Append(CultureInfo.InvariantCulture, $" public sealed partial class M{i};\n");
        Run run = RunGenerator(CreateCompilation(source.ToString()).WithOptions(
            CreateCompilation().Options.WithOptimizationLevel(OptimizationLevel.Release)));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(run.CompilationProblems());

        using var image = new MemoryStream();
        var emitted = run.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var context = new AssemblyLoadContext("PropertyTests", isCollectible: true);
        try
        {
            image.Position = 0;
            Assembly assembly = context.LoadFromStream(image);
            var registry = (IReadOnlyList<ConvNetModelInfo>)assembly.GetType("Convotron.Generated.ConvNetRegistry")!
                .GetProperty("Models")!.GetValue(null)!;
            Assert.Equal(geometries.Count, registry.Count);
            for (int i = 0; i < geometries.Count; i++)
            {
                Geometry geometry = geometries[i];
                ConvNetModelInfo info = registry.Single(model => model.Name == "App.M" + i.ToString(CultureInfo.InvariantCulture));
                PatchGeometry patchGeometry = geometry.ToPatchGeometry();
                Assert.Equal(patchGeometry, info.Geometry);
                IConvNet generated = info.Create();
                var dynamic = new DynamicConvNet(patchGeometry, info.Activation);
                output.WriteLine($"M{i}: {patchGeometry}, {info.Activation}");
                EquivalenceTests.Randomize(random, generated, dynamic);
                EquivalenceTests.RunMixedSteps(random, generated, dynamic, steps: 12);
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
