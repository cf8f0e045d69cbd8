using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;
using static Convotron.Generator.Tests.GeneratorHarness;

namespace Convotron.Generator.Tests;

/// <summary>Large geometries fall back to loops: the emitted source stays small and still compiles.</summary>
public sealed class SizeTests
{
    [Theory]
    [InlineData("[ConvNet(r: 64, s: 33, d: 4096)]", 40)]
    [InlineData("[ConvNet(r: 1000000, s: 1, d: 1000000)]", 40)]                // one patch, a filter of a million taps
    [InlineData("[ConvNet(r: 3, s: 1, d: 100000000)]", 40)]                    // a hundred million patches
    [InlineData("[ConvNet2D(16, 16, 1, 1, 4096, 4096, 0.5)]", 40)]              // k·r ≈ 4.3·10^9: beyond the index limit, CNV0002
    [InlineData("[ConvNet2D(8, 8, 1, 1, 2048, 2048)]", 40)]                    // k ≈ 4.2 million patches of 64 taps
    [InlineData("[ConvNet2D(rh: 64, rw: 64, sh: 33, sw: 33, height: 2048, width: 2048, alpha: 0.2)]", 40)]
    public void Huge_geometries_stay_under_a_bound(string attribute, int maxKilobytes)
    {
        string source = "using Convotron;\nnamespace App;\n" + attribute + "\npublic partial class Huge;\n";
        Run run = RunGenerator(source);
        DiagnosticTests.AssertNoCrash(run);
        if (run.GeneratorDiagnostics.Any(d => d.Id == "CNV0002"))
            return; // beyond the index limit of GeometryMath: rejected, nothing emitted
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "CNV0008");
        int bytes = run.Source("App.Huge.g.cs").Length;
        Assert.True(bytes < maxKilobytes * 1024, $"{bytes} characters emitted");
        Assert.Empty(run.CompilationProblems());
    }

    [Fact]
    public void Generated_code_stays_compact_with_no_line_over_120_characters()
    {
        const string source = """
            using Convotron;
            namespace App;
            [ConvNet(r: 16, s: 9, d: 160)] public sealed partial class Net160;
            [ConvNet(r: 64, s: 33, d: 4096)] public partial class Wide;
            [ConvNet2D(4, 4, 3, 3, 28, 28, 0.3)] public partial class Mnist;
            [ConvNet2D(5, 5, 2, 2, 64, 48)] public partial class Edges;
            [ConvNet(r: 10001, s: 6000, d: 20001)] public partial class LongFilter;
            """;
        Run run = RunGenerator(source);
        Assert.Empty(run.CompilationProblems());
        // The (160, 16, 9) class was 47,979 characters before the emitter's rewrite, ~43,000 with the batched dot
        // products of two widths, and ~29,000 once the learning rules moved into the runtime (issue #20), with the
        // Vector128 rung: the bound of issue #20.
        Assert.InRange(run.Source("App.Net160.g.cs").Length, 1000, 30_000);
        // The 4096-input geometry under the 40 KB bound of the loop fallback (~35,700 with its batched loops).
        Assert.InRange(run.Source("App.Wide.g.cs").Length, 1000, 38 * 1024);
        foreach (GeneratedSourceResult generated in run.Result.Results.Single().GeneratedSources)
        {
            string[] lines = generated.SourceText.ToString().Split('\n');
            Assert.All(lines, line => Assert.True(line.Length <= 120, $"{generated.HintName}: {line.Length} characters: {line}"));
        }
    }

    [Fact]
    public void No_snapshot_has_a_line_over_120_characters_and_the_paper_geometry_stays_under_30000()
    {
        string directory = SnapshotTests.SnapshotDirectory;
        string[] files = System.IO.Directory.GetFiles(directory, "*.verified.cs");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            string text = System.IO.File.ReadAllText(file);
            string[] lines = text.Replace("\r\n", "\n").Split('\n');
            Assert.All(lines, line => Assert.True(line.Length <= 120, $"{System.IO.Path.GetFileName(file)}: {line.Length} characters: {line}"));
            if (System.IO.Path.GetFileName(file) == "Strided1D_160_16_9_ReLU.verified.cs")
                Assert.InRange(text.Length, 1000, 30_000);
        }
    }

    [Fact]
    public void The_largest_unrolled_geometry_is_still_moderate()
    {
        // k·r = 4096 exactly: the last unrolled size.
        Run run = RunGenerator("using Convotron;\nnamespace App;\n[ConvNet(r: 16, s: 16, d: 4096)]\npublic partial class Edge;\n");
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "CNV0008");
        Assert.True(run.Source("App.Edge.g.cs").Length < 200 * 1024);
        Assert.Empty(run.CompilationProblems());
    }
}
