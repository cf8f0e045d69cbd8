using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;
using static Convotron.Generator.Tests.GeneratorHarness;

namespace Convotron.Generator.Tests;

/// <summary>Each CNV diagnostic by id, severity and location.</summary>
public sealed class DiagnosticTests
{
    private static Diagnostic Single(Run run, string id)
    {
        AssertNoCrash(run);
        return Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
    }

    [Fact]
    public void A_valid_model_compiles_without_warnings_and_reports_nothing()
    {
        const string source = """
            using Convotron;
            namespace App;
            [ConvNet(r: 16, s: 9, d: 160)]
            public partial class Net;
            [ConvNet2D(4, 4, 3, 3, 28, 28, 0.25)]
            internal sealed partial class Image;
            """;
        Run run = RunGenerator(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems());
        Assert.Equal(3, run.Result.GeneratedTrees.Length);
    }

    [Fact]
    public void CNV0001_class_not_partial_is_on_the_identifier()
    {
        const string source = """
            using Convotron;
            [ConvNet(16, 9, 160)]
            public class Net;
            """;
        Diagnostic diagnostic = Single(RunGenerator(source), "CNV0001");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(Position(source, "Net;"), Start(diagnostic));
        Assert.Contains("partial", diagnostic.GetMessage());
        Assert.Equal("https://github.com/convotron/convotron/blob/main/docs/diagnostics/CNV0001.md", diagnostic.Descriptor.HelpLinkUri);
        Assert.True(System.Uri.IsWellFormedUriString(diagnostic.Descriptor.HelpLinkUri, System.UriKind.Absolute));
        Assert.Contains("partial", diagnostic.Descriptor.Description.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(WellKnownDiagnosticTags.NotConfigurable, diagnostic.Descriptor.CustomTags);
    }

    [Fact]
    public void CNV0001_containing_type_not_partial_is_on_its_identifier()
    {
        const string source = """
            using Convotron;
            public class Outer
            {
                [ConvNet(16, 9, 160)]
                public partial class Net;
            }
            """;
        Diagnostic diagnostic = Single(RunGenerator(source), "CNV0001");
        Assert.Equal(Position(source, "Outer"), Start(diagnostic));
        Assert.Contains("Outer.Net", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("[ConvNet(r: 0, s: 9, d: 160)]", "r: 0", "r")]
    [InlineData("[ConvNet(r: 161, s: 9, d: 160)]", "r: 161", "r")]
    [InlineData("[ConvNet(16, 0, 160)]", "0", "s")]
    [InlineData("[ConvNet(d: -4, r: 16, s: 9)]", "d: -4", "d")]
    [InlineData("[ConvNet(1, 1, int.MaxValue)]", "[ConvNet(", "d")] // k·r overflows the index table: on d
    [InlineData("[ConvNet2D(3, 3, 1, 1, 65536, 65536)]", "65536)", "width")] // height·width overflows int
    [InlineData("[ConvNet2D(rh: 3, rw: 30, sh: 1, sw: 1, height: 28, width: 28)]", "rw: 30", "rw")]
    [InlineData("[ConvNet2D(3, 3, 1, -1, 28, 28)]", "-1", "sw")]
    public void CNV0002_invalid_geometry_is_on_the_offending_argument(string attribute, string argument, string parameter)
    {
        string source = "using Convotron;\n" + attribute + "\npublic partial class Net;\n";
        Diagnostic diagnostic = Single(RunGenerator(source), "CNV0002");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        if (argument == "[ConvNet(")
        {
            // d = int.MaxValue is itself valid; the product is what overflows, reported on argument d.
            Assert.Equal(Position(source, "int.MaxValue"), Start(diagnostic));
        }
        else if (argument == "65536)")
        {
            Assert.Equal(Position(source, "65536", occurrence: 1), Start(diagnostic));
        }
        else
        {
            Assert.Equal(Position(source, argument), Start(diagnostic));
        }
        Assert.Contains($"'{parameter}'", diagnostic.GetMessage());
        Assert.Empty(RunGenerator(source).Result.GeneratedTrees);
    }

    [Theory]
    [InlineData("-0.5", "-0.5")]
    [InlineData("1.5", "1.5")]
    [InlineData("double.NaN", "NaN")]
    [InlineData("double.PositiveInfinity", "Infinity")]
    public void CNV0003_alpha_outside_0_1_is_on_the_alpha_argument(string alpha, string shown)
    {
        string source = $"using Convotron;\n[ConvNet(16, 9, 160, alpha: {alpha})]\npublic partial class Net;\n";
        Diagnostic diagnostic = Single(RunGenerator(source), "CNV0003");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(Position(source, "alpha:"), Start(diagnostic));
        Assert.Contains(shown, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("[ConvNet(16, 9, 160, channels: 0)]", "channels: 0", "at least 1; got 0")]
    [InlineData("[ConvNet2D(3, 3, 2, 2, 16, 16, 0.0, -3)]", "-3", "at least 1; got -3")]
    [InlineData("[ConvNet2D(1, 1, 32768, 32768, 32768, 32768, channels: 2)]", "channels: 2", "overflows int")]
    [InlineData("[ConvNet(1, 1, 1000000, channels: 1074)]", "channels: 1074", "Geometry too large")]
    public void CNV0014_bad_channel_count_is_on_the_channels_argument(string attribute, string argument, string message)
    {
        string source = "using Convotron;\n" + attribute + "\npublic partial class Net;\n";
        Run run = RunGenerator(source);
        AssertNoCrash(run);
        Diagnostic diagnostic = Single(run, "CNV0014");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(WellKnownDiagnosticTags.NotConfigurable, diagnostic.Descriptor.CustomTags);
        Assert.Equal(Position(source, argument), Start(diagnostic));
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.Contains("'channels'", diagnostic.GetMessage());
        Assert.DoesNotContain(run.Result.Results.Single().GeneratedSources, generated => generated.HintName == "Net.g.cs");
    }

    [Fact]
    public void CNV0014_and_CNV0002_together_when_both_are_wrong()
    {
        const string source = "using Convotron;\n[ConvNet(r: 0, s: 1, d: 10, channels: 0)]\npublic partial class Net;\n";
        Run run = RunGenerator(source);
        Assert.Equal(Position(source, "r: 0"), Start(Single(run, "CNV0002")));
        Assert.Equal(Position(source, "channels: 0"), Start(Single(run, "CNV0014")));
    }

    [Fact]
    public void A_valid_channel_model_reports_only_information_and_reserves_C()
    {
        // Channels count in the unread coordinates (the tail x[4] of each of 2 channels) and in the loop limit.
        const string source = "using Convotron;\n[ConvNet(2, 2, 5, channels: 2)]\npublic partial class Net;\n" +
            "[ConvNet(64, 33, 2044, channels: 2)]\npublic partial class Wide;\n";
        Run run = RunGenerator(source);
        Assert.Empty(run.CompilationProblems());
        Assert.Contains("2 of the d = 10 input coordinates", Single(run, "CNV0006").GetMessage());
        Assert.Contains("1d:r=64,s=33,d=2044,channels=2", Single(run, "CNV0008").GetMessage());

        // C is added (so reserved) only with channels: a user member C clashes there and nowhere else.
        Run clash = RunGenerator("using Convotron;\n[ConvNet(2, 2, 5, channels: 2)]\npublic partial class Net { public int C; }\n" +
            "[ConvNet(2, 2, 5)]\npublic partial class One { public int C; }\n");
        Diagnostic diagnostic = Single(clash, "CNV0012");
        Assert.Contains("'Net'", diagnostic.GetMessage());
    }

    [Fact]
    public void CNV0004_generic_class_and_class_in_generic_type()
    {
        const string source = """
            using Convotron;
            [ConvNet(16, 9, 160)]
            public partial class Net<T>;
            public partial class Outer<T>
            {
                [ConvNet2D(2, 2, 2, 2, 8, 8)]
                public partial class Inner;
            }
            """;
        Run run = RunGenerator(source);
        Diagnostic[] diagnostics = run.GeneratorDiagnostics.Where(d => d.Id == "CNV0004").OrderBy(d => d.Location.SourceSpan.Start).ToArray();
        Assert.Equal(2, diagnostics.Length);
        Assert.Equal(Position(source, "Net<T>"), Start(diagnostics[0]));
        Assert.Equal(Position(source, "Inner"), Start(diagnostics[1]));
        Assert.Contains("nested in the generic type", diagnostics[1].GetMessage());
        Assert.Empty(run.Result.GeneratedTrees);
    }

    [Fact]
    public void CNV0005_both_attributes_reported_once_on_the_2D_attribute()
    {
        const string source = """
            using Convotron;
            [ConvNet(16, 9, 160)]
            [ConvNet2D(2, 2, 2, 2, 8, 8)]
            public partial class Net;
            """;
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Single(run, "CNV0005");
        Assert.Equal(Position(source, "ConvNet2D"), Start(diagnostic));
        Assert.Empty(run.Result.GeneratedTrees);
    }

    [Theory]
    [InlineData("[ConvNet(10, 7, 100)]", 6)]            // k = 13 patches end at 93: a tail of 6
    [InlineData("[ConvNet(5, 7, 50)]", 15)]             // 6 gaps of 2 between 7 patches, and a tail of 3
    [InlineData("[ConvNet2D(3, 3, 4, 4, 10, 10)]", 64)] // 6 of 10 rows and columns read: 100 − 36
    public void CNV0006_unread_coordinates_give_the_count(string attribute, int expected)
    {
        string source = "using Convotron;\n" + attribute + "\npublic partial class Net;\n";
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Single(run, "CNV0006");
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Equal(Position(source, "ConvNet"), Start(diagnostic));
        PatchGeometry geometry = attribute.Contains("2D")
            ? PatchGeometry.Strided2D(3, 3, 4, 4, 10, 10)
            : attribute.Contains("(10") ? PatchGeometry.Strided1D(10, 7, 100) : PatchGeometry.Strided1D(5, 7, 50);
        Assert.Equal(geometry.UnreadCoordinates, expected);
        Assert.Contains($" {expected} of the d = {geometry.InputSize} input coordinates", diagnostic.GetMessage());
        Assert.Empty(run.CompilationProblems());
    }

    [Fact]
    public void CNV0007_no_non_overlapping_part_is_info_and_the_model_is_still_generated()
    {
        const string source = "using Convotron;\n[ConvNet2D(5, 5, 2, 2, 28, 28)]\npublic partial class Net;\n";
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Single(run, "CNV0007");
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Equal(Position(source, "ConvNet2D"), Start(diagnostic));
        Assert.Contains("non-overlapping primitives", diagnostic.GetMessage());
        Assert.Contains(run.Result.GeneratedTrees, tree => tree.FilePath.EndsWith("Net.g.cs", System.StringComparison.Ordinal));
        Assert.Empty(run.CompilationProblems());
    }

    [Fact]
    public void CNV0008_loops_instead_of_unrolling_is_info()
    {
        const string source = "using Convotron;\n[ConvNet(64, 33, 4096)]\npublic partial class Net;\n";
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Single(run, "CNV0008");
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Equal(Position(source, "ConvNet("), Start(diagnostic));
        Assert.Contains("k·r = 7872", diagnostic.GetMessage());
        Assert.Empty(run.CompilationProblems());
    }

    [Theory]
    [InlineData("[ConvNet(16, 9, 160)]", "K")]
    [InlineData("[ConvNet2D(2, 2, 2, 2, 8, 8)]", "Width")]
    [InlineData("[ConvNet(16, 9, 160)]", "Predict")]
    public void CNV0009_class_named_like_a_generated_member(string attribute, string name)
    {
        string source = $"using Convotron;\n{attribute}\npublic partial class {name};\n";
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Single(run, "CNV0009");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(Position(source, name + ";"), Start(diagnostic));
        Assert.Empty(run.Result.GeneratedTrees);
        // Width is a constant of 2D models only: a 1D model may be called Width.
        Assert.DoesNotContain(RunGenerator("using Convotron;\n[ConvNet(16, 9, 160)]\npublic partial class Width;\n").GeneratorDiagnostics, d => d.Id == "CNV0009");
    }

    [Theory]
    [InlineData("static")]
    [InlineData("abstract")]
    public void CNV0010_static_or_abstract_class(string modifier)
    {
        string source = $"using Convotron;\n[ConvNet(16, 9, 160)]\npublic {modifier} partial class Net;\n";
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Single(run, "CNV0010");
        Assert.Equal(Position(source, "Net;"), Start(diagnostic));
        Assert.Contains(modifier, diagnostic.GetMessage());
        Assert.Empty(run.Result.GeneratedTrees);
    }

    [Fact]
    public void No_valid_model_reports_a_warning()
    {
        // Consumers build with warnings as errors: every generator diagnostic of a valid model is Info.
        const string source = """
            using Convotron;
            [ConvNet(64, 33, 4096)] public partial class Wide;
            [ConvNet(4, 1, 21)] public partial class Overlapping;
            [ConvNet2D(5, 5, 2, 2, 28, 28, 1.0)] public partial class Image;
            [ConvNet2D(3, 3, 4, 4, 10, 10)] public partial class Sparse;
            [ConvNet2D(8, 8, 1, 1, 1024, 1024)] public partial class Huge;
            """;
        Run run = RunGenerator(source);
        Assert.NotEmpty(run.GeneratorDiagnostics);
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Info, d.Severity));
        Assert.Empty(run.CompilationProblems());
    }

    [Fact]
    public void Every_descriptor_has_a_help_page_in_the_repository()
    {
        string root = RepositoryRoot();
        foreach (string id in new[] { "CNV0001", "CNV0002", "CNV0003", "CNV0004", "CNV0005", "CNV0006", "CNV0007", "CNV0008", "CNV0009", "CNV0010", "CNV0011", "CNV0012", "CNV0013", "CNV0014" })
        {
            string page = System.IO.Path.Combine(root, "docs", "diagnostics", id + ".md");
            Assert.True(System.IO.File.Exists(page), page);
            string text = System.IO.File.ReadAllText(page);
            Assert.Contains(id, text);
        }
    }

    /// <summary>The generator never throws: a crash shows as CS8785 (generator) or AD0001 (analyzer).</summary>
    internal static void AssertNoCrash(Run run)
    {
        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id is "CS8785" or "CS8784" or "AD0001");
        Assert.All(run.Result.Results, result => Assert.Null(result.Exception));
    }

    internal static string RepositoryRoot()
    {
        string directory = SnapshotTests.SnapshotDirectory;
        while (!System.IO.File.Exists(System.IO.Path.Combine(directory, "Convotron.sln")))
            directory = System.IO.Path.GetDirectoryName(directory) ?? throw new System.InvalidOperationException("No Convotron.sln above " + SnapshotTests.SnapshotDirectory);
        return directory;
    }
}
