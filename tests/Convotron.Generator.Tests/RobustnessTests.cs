using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;
using static Convotron.Generator.Tests.GeneratorHarness;

namespace Convotron.Generator.Tests;

/// <summary>
/// The generator never throws, whatever it is fed (as the Regex generator's tests prove for
/// patterns): every prefix of a source with attribute usages, and random argument values.
/// </summary>
[Collection(TimingCollection.Name)] // its sweep has a time bound: not beside the heavy compilations of other tests
public sealed class RobustnessTests
{
    private const string Source = """
        using Convotron;
        namespace App.Models;
        public static partial class Outer
        {
            [ConvNet(r: 16, s: 9, d: 160, alpha: 0.25)]
            internal partial class Net;
        }
        [ConvNet2D(4, 4, sh: 3, sw: 3, height: 28, width: 28, 1e-3)]
        public partial class Image;
        """;

    [Fact]
    public void Every_prefix_of_an_attribute_usage_produces_diagnostics_at_most()
    {
        var watch = Stopwatch.StartNew();
        int start = Source.IndexOf("public static", StringComparison.Ordinal);
        for (int length = start; length <= Source.Length; length++)
        {
            string prefix = Source[..length];
            Run run = RunGenerator(prefix);
            AssertNoCrash(run, prefix);
            // and with the rest of the file removed but the class closed, so later stages are reached
            AssertNoCrash(RunGenerator(prefix + "\npublic partial class Tail;"), prefix);
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the sweep took {watch.Elapsed}");
    }

    [Fact]
    public void Random_and_extreme_argument_values_produce_diagnostics_at_most()
    {
        var random = new Random(20181);
        int[] extremes = [int.MinValue, int.MinValue + 1, -1, 0, 1, 2, 3, 46341, 65536, 1 << 20, int.MaxValue / 2, int.MaxValue - 1, int.MaxValue];
        string[] alphas = ["0", "1", "-0.0", "0.5", "-1e-300", "1.0000000000000002", "double.NaN", "double.NegativeInfinity",
                           "double.Epsilon", "double.MaxValue", "4.9406564584124654E-324", "(double)int.MaxValue"];
        string Int() => random.Next(4) switch
        {
            0 => extremes[random.Next(extremes.Length)].ToString(CultureInfo.InvariantCulture),
            1 => random.Next(-3, 40).ToString(CultureInfo.InvariantCulture),
            2 => random.Next(1, 5000).ToString(CultureInfo.InvariantCulture),
            _ => random.Next(int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture),
        };

        var watch = Stopwatch.StartNew();
        int runs = 0, totalGenerated = 0, totalErrors = 0;
        // At least 50 sources whatever the load on the machine; more while the 20 s budget lasts.
        while (runs < 50 || (runs < 400 && watch.Elapsed < TimeSpan.FromSeconds(20)))
        {
            string attributes = string.Join("\n", Enumerable.Range(0, 6).Select(i => random.Next(2) == 0
                ? $"[ConvNet({Int()}, {Int()}, {Int()}, {alphas[random.Next(alphas.Length)]})] public partial class Net{i};"
                : $"[ConvNet2D({Int()}, {Int()}, {Int()}, {Int()}, {Int()}, {Int()}, alpha: {alphas[random.Next(alphas.Length)]})] public partial class Image{i};"));
            string source = "using Convotron;\nnamespace App;\n" + attributes + "\n";
            Run run = RunGenerator(source);
            AssertNoCrash(run, source);
            // Always a diagnostic or valid code: whatever was generated compiles without a problem,
            // and every class without a CNV error got an implementation.
            IReadOnlyList<Diagnostic> problems = run.CompilationProblems();
            Assert.True(problems.Count == 0, $"{string.Join("\n", problems)}\nfor source:\n{source}");
            int errors = run.GeneratorDiagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
            int generated = run.Result.Results.Single().GeneratedSources.Count(g => !g.HintName.Contains("Registry", StringComparison.Ordinal));
            Assert.True(generated + errors >= 6, $"{generated} classes generated and {errors} errors for 6 attributes in:\n{source}");
            totalGenerated += generated;
            totalErrors += errors;
            runs++;
        }
        Assert.True(totalGenerated > 0 && totalErrors > 0, $"{totalGenerated} models generated and {totalErrors} errors: the sweep should reach both valid and invalid geometries");
    }

    [Fact]
    public void Malformed_syntax_produces_diagnostics_at_most()
    {
        string[] sources =
        [
            "using Convotron; [ConvNet(] partial class A;",
            "using Convotron; [ConvNet(16, 9, \"160\")] partial class A;",
            "using Convotron; [ConvNet(16, 9)] partial class A;",
            "using Convotron; [ConvNet(16, 9, 160, 0.1, 7)] partial class A;",
            "using Convotron; [ConvNet(x: 16, s: 9, d: 160)] partial class A;",
            "using Convotron; [ConvNet(16, 9, 160, alpha: \"a\")] partial class A;",
            "using Convotron; [ConvNet(16, 9, 160)] partial struct A;",
            "using Convotron; [ConvNet(16, 9, 160)] partial record A;",
            "using Convotron; [ConvNet(16, 9, 160)] static partial class A;",
            "using Convotron; [ConvNet(16, 9, 160)] partial class A; [ConvNet(16, 9, 160)] partial class A;",
            "using Convotron; [ConvNet(16, 9, 160)][ConvNet(16, 9, 160)] partial class A;",
            "using Convotron; class O { [ConvNet(16, 9, 160)] partial class }",
            "using Convotron; [ConvNet(16, 9, 160)] file partial class A;",
            "using Convotron; [ConvNet(16, 9, 160)] partial class @class;",
            "using Convotron; [ConvNet(R = 1)] partial class A;",
        ];
        foreach (string source in sources)
            AssertNoCrash(RunGenerator(source), source);
    }

    private static void AssertNoCrash(Run run, string source)
    {
        Diagnostic? crash = run.DriverDiagnostics.FirstOrDefault(d => d.Id is "CS8785" or "CS8784" or "AD0001");
        Assert.True(crash is null, $"{crash}\nfor source:\n{source}");
        Exception? exception = run.Result.Results.Single().Exception;
        Assert.True(exception is null, $"{exception}\nfor source:\n{source}");
    }
}
