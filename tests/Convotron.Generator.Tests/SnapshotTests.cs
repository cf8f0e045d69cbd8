using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit;
using static Convotron.Generator.Tests.GeneratorHarness;

namespace Convotron.Generator.Tests;

/// <summary>
/// The whole generated text of representative models, against committed baselines
/// (<c>Snapshots/&lt;Test&gt;.verified.cs</c>). A mismatch writes <c>.received.cs</c> beside it and
/// fails with a unified diff; <c>CONVOTRON_ACCEPT_SNAPSHOTS=1</c> overwrites the baseline and still
/// fails, so a run that accepted new output can never pass silently.
/// </summary>
public sealed class SnapshotTests
{
    internal static string SnapshotDirectory { get; } =
        typeof(SnapshotTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "SnapshotDirectory").Value!;

    [Fact]
    public void Strided1D_160_16_9_ReLU() =>
        Verify("[ConvNet(r: 16, s: 9, d: 160)]\npublic sealed partial class Net160;", "App.Net160.g.cs");

    [Fact]
    public void Strided1D_160_16_16_Leaky() =>
        Verify("[ConvNet(r: 16, s: 16, d: 160, alpha: 0.1)]\ninternal partial class Disjoint;", "App.Disjoint.g.cs");

    [Fact]
    public void Strided2D_28x28_4x4_stride3() =>
        Verify("[ConvNet2D(rh: 4, rw: 4, sh: 3, sw: 3, height: 28, width: 28)]\npublic partial class Mnist;", "App.Mnist.g.cs");

    [Fact]
    public void Strided1D_4096_64_33_Loops() =>
        Verify("[ConvNet(r: 64, s: 33, d: 4096, alpha: 1E-05)]\npublic partial class Wide;", "App.Wide.g.cs");

    [Fact]
    public void Strided2D_NoNonOverlappingPart_Loops_Nested() =>
        Verify("public static partial class Models\n{\n    [ConvNet2D(5, 5, 2, 2, 64, 48, 0.3)]\n    public partial class Edges;\n}", "App.Models.Edges.g.cs");

    [Fact]
    public void Strided2D_3Channels_8x8_3x3_stride2() =>
        Verify("[ConvNet2D(rh: 3, rw: 3, sh: 2, sw: 2, height: 8, width: 8, alpha: 0.2, channels: 3)]\npublic partial class Rgb;", "App.Rgb.g.cs");

    [Fact]
    public void Registry() =>
        Verify("[ConvNet(16, 9, 160)]\npublic partial class B;\n[ConvNet2D(2, 2, 2, 2, 4, 4)]\npublic partial class A;\n" +
               "public partial class Holder { [ConvNet(3, 3, 9)] private partial class Hidden; }",
               "Convotron.Generated.ConvNetRegistry.g.cs");

    [Fact]
    public void Output_does_not_depend_on_the_current_culture()
    {
        const string source = "using Convotron;\nnamespace App;\n[ConvNet(r: 64, s: 33, d: 4096, alpha: 1E-05)]\npublic partial class Wide;\n[ConvNet2D(4, 4, 3, 3, 28, 28, 0.3)]\npublic partial class Mnist;\n";
        string invariant = AllGenerated(source);
        CultureInfo saved = CultureInfo.CurrentCulture, savedUi = CultureInfo.CurrentUICulture;
        try
        {
            var minus = (CultureInfo)CultureInfo.GetCultureInfo("sv-SE").Clone();
            minus.NumberFormat.NegativeSign = "\u2212";
            minus.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = minus;
            Assert.Equal("\u22121", (-1).ToString(CultureInfo.CurrentCulture)); // the culture really is in effect
            Assert.Equal(invariant, AllGenerated(source));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            CultureInfo.CurrentUICulture = savedUi;
        }
        // The math in comments uses U+2212 on purpose; code lines must not.
        Assert.All(invariant.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)),
            line => Assert.DoesNotContain("\u2212", line.Split("//")[0]));
        Assert.Contains("Leaky(1E-05)", invariant);
    }

    private static string AllGenerated(string source) =>
        string.Join("\n", RunGenerator(source).Result.GeneratedTrees.Select(tree => tree.FilePath + "\n" + tree.GetText()));

    private static void Verify(string declarations, string hintName, [CallerMemberName] string name = "")
    {
        string source = "using Convotron;\nnamespace App;\n" + declarations + "\n";
        Run run = RunGenerator(source);
        Assert.Empty(run.CompilationProblems());
        Compare(run.Source(hintName), SnapshotDirectory, name, Environment.GetEnvironmentVariable("CONVOTRON_ACCEPT_SNAPSHOTS") == "1");
    }

    /// <summary>Compares <paramref name="actual"/> with <c>name.verified.cs</c> in <paramref name="directory"/>.</summary>
    internal static void Compare(string actual, string directory, string name, bool accept)
    {
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
        if (accept)
        {
            File.WriteAllText(verified, actual);
            File.Delete(received);
            Assert.Fail($"Accepted a new snapshot into {verified}; review and commit it, then run again without CONVOTRON_ACCEPT_SNAPSHOTS.");
        }
        string expected = File.Exists(verified) ? File.ReadAllText(verified) : "";
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail($"Generated source differs from {verified} (written to {received}); if the change is intended, run with CONVOTRON_ACCEPT_SNAPSHOTS=1.\n" +
                    UnifiedDiff(expected, actual));
    }

    /// <summary>A unified diff (3 lines of context) of two texts.</summary>
    internal static string UnifiedDiff(string expected, string actual)
    {
        DiffPaneModel diff = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false);
        var lines = diff.Lines;
        var output = new StringBuilder("--- verified\n+++ received\n");
        int oldLine = 0, newLine = 0;
        int i = 0;
        while (i < lines.Count)
        {
            if (lines[i].Type == ChangeType.Unchanged)
            {
                i++;
                oldLine++;
                newLine++;
                continue;
            }
            // A hunk: from 3 lines before this change to 3 unchanged lines after the last nearby change.
            int start = Math.Max(0, i - 3);
            int end = i;
            int quiet = 0;
            while (end < lines.Count && quiet < 7)
            {
                quiet = lines[end].Type == ChangeType.Unchanged ? quiet + 1 : 0;
                end++;
            }
            end = Math.Min(lines.Count, end - Math.Max(0, quiet - 3));
            int oldStart = oldLine - (i - start) + 1, newStart = newLine - (i - start) + 1;
            int oldCount = 0, newCount = 0;
            var hunk = new StringBuilder();
            for (int n = start; n < end; n++)
            {
                DiffPiece line = lines[n];
                switch (line.Type)
                {
                    case ChangeType.Inserted:
                        hunk.Append('+').Append(line.Text).Append('\n');
                        newCount++;
                        break;
                    case ChangeType.Deleted:
                        hunk.Append('-').Append(line.Text).Append('\n');
                        oldCount++;
                        break;
                    default:
                        hunk.Append(' ').Append(line.Text).Append('\n');
                        oldCount++;
                        newCount++;
                        break;
                }
            }
            output.Append(CultureInfo.InvariantCulture, $"@@ -{oldStart},{oldCount} +{newStart},{newCount} @@\n").Append(hunk);
            for (int n = i; n < end; n++)
            {
                if (lines[n].Type != ChangeType.Inserted)
                    oldLine++;
                if (lines[n].Type != ChangeType.Deleted)
                    newLine++;
            }
            i = end;
        }
        return output.ToString();
    }

    [Fact]
    public void The_snapshot_workflow_fails_on_mismatch_and_on_accept()
    {
        string directory = Directory.CreateTempSubdirectory("convotron-snapshots").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "T.verified.cs"), "line 1\nline 2\n");
            Compare("line 1\nline 2\n", directory, "T", accept: false); // equal: passes

            var mismatch = Assert.ThrowsAny<Exception>(() => Compare("line 1\nline two\n", directory, "T", accept: false));
            Assert.Contains("-line 2\n+line two\n", mismatch.Message);
            Assert.Equal("line 1\nline two\n", File.ReadAllText(Path.Combine(directory, "T.received.cs")));

            Assert.ThrowsAny<Exception>(() => Compare("line 1\nline two\n", directory, "T", accept: true)); // accepting still fails
            Assert.Equal("line 1\nline two\n", File.ReadAllText(Path.Combine(directory, "T.verified.cs")));
            Assert.False(File.Exists(Path.Combine(directory, "T.received.cs")));
            Compare("line 1\nline two\n", directory, "T", accept: false); // and the next run passes
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_mismatch_shows_a_readable_unified_diff()
    {
        string diff = UnifiedDiff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nE\nf\ng\nh\n");
        Assert.Contains("@@ -2,7 +2,7 @@", diff);
        Assert.Contains("-e\n+E\n", diff);
    }
}
